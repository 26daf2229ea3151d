"""Figures as functions drawing on a given matplotlib `ax`; composition and saving live elsewhere."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import torch
from matplotlib.colors import LogNorm
from matplotlib.ticker import MaxNLocator

from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import (
    CHANCE,
    PUBLISHED_MLP,
    CaseSummary,
    mean_curve,
    mean_layer_matrix,
)

BASELINE_STYLE = {"color": "0.55", "linestyle": "--", "linewidth": 1.2}
LOSS_TOP = 3.0  # a loss axis ends here (chance loss is ln 10 = 2.30) unless a curve goes above


def _refs(ax, chance=True, published=False):
    if chance:
        ax.axhline(CHANCE, color="0.75", linewidth=0.8, linestyle=":")
        ax.annotate(
            "chance",
            (1, CHANCE),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=7,
            color="0.5",
        )
    if published:
        ax.axhline(PUBLISHED_MLP, color="tab:red", linewidth=0.8, linestyle=":")
        ax.annotate(
            f"MLP 256-128-100 {cite('mlp8833')}: {PUBLISHED_MLP}",
            (0.02, PUBLISHED_MLP),
            xycoords=("axes fraction", "data"),
            va="bottom",
            fontsize=7,
            color="tab:red",
        )


def _mark_diverged(ax, y: np.ndarray) -> None:
    """A cross where a diverged run's curve ends; at the top edge, labelled, when it has no value."""
    finite = np.flatnonzero(np.isfinite(y))
    if finite.size and finite[-1] == len(y) - 1:
        ax.plot(len(y), y[-1], "x", color="k")
        return
    x = len(y)
    ax.plot(x, 1.0, "x", color="k", transform=ax.get_xaxis_transform(), clip_on=False)
    ax.annotate(
        "NaN",
        (x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -8),
        textcoords="offset points",
        fontsize=6,
    )


def _label(s: CaseSummary) -> str:
    return f"{s.case} (diverged)" if s.diverged else s.case


def draw_activation_derivatives(ax) -> None:
    """Derivative of each activation against its input; sigmoid's never exceeds 0.25."""
    z = torch.linspace(-6, 6, 601, requires_grad=True)
    fns = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": torch.nn.functional.leaky_relu,
        "elu": torch.nn.functional.elu,
        "softplus": torch.nn.functional.softplus,
        "swish": torch.nn.functional.silu,
        "gelu": torch.nn.functional.gelu,
    }
    for name, fn in fns.items():
        (g,) = torch.autograd.grad(fn(z).sum(), z)
        ax.plot(z.detach(), g, label=name, linewidth=1.4 if name == "sigmoid" else 1.0)
    s = torch.sigmoid(z.detach())
    ax.plot(
        z.detach(), s * (1 - s) + 0.05, label="sigmoid_boost (+0.05)", linestyle="--", color="k"
    )
    ax.axhline(0.25, color="0.6", linewidth=0.8, linestyle=":")
    ax.annotate("0.25: sigmoid's maximum", (-5.8, 0.26), fontsize=7, color="0.4")
    ax.set(xlabel="pre-activation z", ylabel="d activation / dz", ylim=(-0.1, 1.3))
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))


def draw_curves(
    ax,
    summaries: list[CaseSummary],
    key: str,
    ylabel: str,
    baseline=None,
    refs=True,
    published=False,
) -> list[str]:
    """Mean over seeds of a per-epoch quantity for each case; the baseline dashed in grey.

    A loss above LOSS_TOP switches the axis to a log scale; returns the cases that went above it.
    """
    high = []
    if baseline is not None and not baseline.missing:
        y = mean_curve(baseline.records, key)
        ax.plot(np.arange(1, len(y) + 1), y, label="baseline", **BASELINE_STYLE)
    for s in summaries:
        if s.missing:
            ax.plot([], [], label=f"{s.case} (missing)", color="0.8")
            continue
        y = mean_curve(s.records, key)
        ax.plot(np.arange(1, len(y) + 1), y, label=_label(s), linewidth=1.2)
        if s.diverged:
            _mark_diverged(ax, y)
        if key.endswith("loss") and np.nanmax(y, initial=0) > LOSS_TOP:
            high.append(s.case)
    ax.set(xlabel="epoch", ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if key.endswith("acc"):
        ax.set_ylim(0, 1)
        if refs:
            _refs(ax, published=published)
    elif key.endswith("loss"):
        ax.axhline(math.log(10), color="0.75", linewidth=0.8, linestyle=":")
        if high:
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, LOSS_TOP)
    return high


def draw_grad_vs_layer(ax, summaries: list[CaseSummary], epoch: int = 1, baseline=None) -> None:
    """Mean gradient norm of each Linear layer's weight at one epoch (log scale)."""
    todo = ([baseline] if baseline is not None and not baseline.missing else []) + summaries
    for s in todo:
        if s.missing:
            continue
        m = mean_layer_matrix(s.records, "grad_norm")
        col = min(epoch, m.shape[1]) - 1
        y = m[:, col]
        x = np.arange(1, len(y) + 1)
        style = (
            BASELINE_STYLE
            if s is baseline
            else {"linewidth": 1.2, "marker": "o", "markersize": 2.5}
        )
        ax.plot(x, np.where(y > 0, y, np.nan), label=_label(s), **style)
    ax.set_yscale("log")
    ax.set(xlabel="layer (1 = input side, last = output)", ylabel=f"grad norm, epoch {epoch}")


def draw_heatmap(ax, s: CaseSummary, vmin: float, vmax: float):
    """Per-layer gradient norm over epochs (layers down, epochs across), log colour scale."""
    if s.missing:
        ax.text(0.5, 0.5, "missing", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(s.case, fontsize=7)
        return None
    m = mean_layer_matrix(s.records, "grad_norm")
    if m.size == 0:
        ax.text(
            0.5,
            0.5,
            "no per-layer\ngradients",
            ha="center",
            va="center",
            fontsize=6,
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(s.case, fontsize=7)
        return None
    m = np.where(m > 0, m, np.nan)
    m = np.clip(m, vmin, vmax)  # NaN (frozen, diverged) stays NaN and shows white
    im = ax.imshow(
        m,
        aspect="auto",
        norm=LogNorm(vmin=vmin, vmax=vmax),
        cmap="viridis",
        interpolation="nearest",
        extent=(0.5, m.shape[1] + 0.5, m.shape[0] + 0.5, 0.5),
    )
    ax.set_title(_label(s), fontsize=7)
    ax.tick_params(labelsize=6)
    ax.set_yticks([1, m.shape[0]])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
    return im


def draw_layer_profile(
    ax, summaries: list[CaseSummary], key: str, ylabel: str, floor: float = 0.02
) -> None:
    """A per-hidden-layer probe quantity at the last epoch; cases below `floor` everywhere are left out."""
    colors = iter(matplotlib.colormaps["tab20"].colors)
    for s in summaries:
        if s.missing:
            continue
        y = mean_layer_matrix(s.records, key)[:, -1]
        if np.all(np.isnan(y)) or np.nanmax(y) < floor:
            continue
        ax.plot(
            np.arange(1, len(y) + 1),
            y,
            marker="o",
            markersize=3,
            linewidth=1.1,
            label=_label(s),
            color=next(colors),
        )
    ax.set(xlabel="hidden layer", ylabel=ylabel, ylim=(-0.03, 1.03))


def draw_acc_vs_time(ax, summaries: list[CaseSummary], baseline=None) -> None:
    """Validation accuracy against cumulative training seconds (mean over seeds)."""
    todo = ([baseline] if baseline is not None and not baseline.missing else []) + summaries
    for s in todo:
        if s.missing:
            continue
        acc = mean_curve(s.records, "val_acc")
        t = np.nancumsum(mean_curve(s.records, "seconds"))
        style = BASELINE_STYLE if s is baseline else {"linewidth": 1.2}
        ax.plot(t, acc, label=_label(s), **style)
    ax.set(xlabel="training seconds", ylabel="validation accuracy", ylim=(0, 1))
    _refs(ax)


def draw_schedule(ax, phases: list[dict], title: str, depth: int = 7) -> None:
    """Timeline of a layer-wise schedule: a bar per hidden layer where it learns or is frozen;
    phases numbered from 1 above the bars (their names go in the caption)."""
    start = 0
    for number, p in enumerate(phases, 1):
        for layer in range(depth):
            if layer >= p["active_depth"]:
                continue  # not grown yet
            learns = layer in p["trainable"] if "trainable" in p else layer not in p["frozen"]
            ax.broken_barh(
                [(start, p["epochs"])],
                (layer + 0.6, 0.8),
                facecolors="tab:blue" if learns else "0.85",
                edgecolor="white",
                linewidth=0.5,
            )
        ax.axvline(start, color="0.3", linewidth=0.5)
        ax.text(start + p["epochs"] / 2, 0.35, str(number), ha="center", va="bottom", fontsize=6)
        start += p["epochs"]
    ax.set(
        xlim=(0, start), ylim=(depth + 0.6, 0), xlabel="epoch", ylabel="hidden layer", title=title
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(range(1, depth + 1))


def log_range(summaries: list[CaseSummary]) -> tuple[float, float]:
    """A shared colour range for the heat-maps: whole decades around the 5th-95th percentile."""
    vals = []
    for s in summaries:
        if not s.missing:
            m = mean_layer_matrix(s.records, "grad_norm")
            vals.append(m[np.isfinite(m) & (m > 0)])
    allv = np.concatenate(vals) if vals else np.array([])
    if allv.size == 0:
        return 1e-6, 1.0
    lo, hi = np.percentile(allv, [5, 95])
    lo = max(lo, hi * 1e-9)
    return float(10 ** math.floor(math.log10(lo))), float(10 ** math.ceil(math.log10(hi)))
