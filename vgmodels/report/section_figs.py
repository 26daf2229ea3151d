"""Figures of the recurrent, SDAGD and layer-wise sections: functions drawing data on an `ax`."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import MaxNLocator

from vgmodels.analysis.summary import CHANCE

ARCH_COLORS = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}


def arch_style(case: str) -> dict:
    """One colour per architecture; the 196-step cases dashed."""
    arch = case.removesuffix("_long")
    return {
        "color": ARCH_COLORS.get(arch, "0.3"),
        "linestyle": "--" if case.endswith("_long") else "-",
    }


def draw_recurrent_curves(
    ax, curves: dict[str, np.ndarray], ylabel: str = "validation accuracy"
) -> None:
    """Validation accuracy per epoch for each recurrent case (28 steps solid, 196 dashed)."""
    for case, y in curves.items():
        ax.plot(np.arange(1, len(y) + 1), y, label=case, linewidth=1.3, **arch_style(case))
    ax.axhline(CHANCE, color="0.75", linewidth=0.8, linestyle=":")
    ax.set(xlabel="epoch", ylabel=ylabel, ylim=(0, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def log_bounds(matrices: list[np.ndarray]) -> tuple[float, float]:
    """A shared log colour range: whole decades around the finite positive values (1st-99th pct)."""
    vals = [m[np.isfinite(m) & (m > 0)] for m in matrices]
    allv = np.concatenate(vals) if vals else np.array([])
    if allv.size == 0:
        return 1e-6, 1.0
    lo, hi = np.percentile(allv, [1, 99])
    return float(10 ** math.floor(math.log10(lo))), float(10 ** math.ceil(math.log10(hi)))


def draw_time_heatmap(ax, matrix: np.ndarray, title: str, vmin: float, vmax: float):
    """||dL/dh_t|| with steps down (step 1 on top) and epochs across, log colour scale."""
    m = np.clip(np.where(matrix > 0, matrix, np.nan), vmin, vmax)
    steps, epochs = m.shape
    im = ax.imshow(
        m,
        aspect="auto",
        norm=LogNorm(vmin=vmin, vmax=vmax),
        cmap="viridis",
        interpolation="nearest",
        extent=(0.5, epochs + 0.5, steps + 0.5, 0.5),
    )
    ax.set_title(title, fontsize=7)
    ax.set(xlabel="epoch", ylabel="step t")
    ax.tick_params(labelsize=6)
    ax.set_yticks([1, steps])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    return im


def draw_time_profile(
    ax,
    profiles: dict[str, tuple[np.ndarray, np.ndarray]],
    first_epoch: int = 1,
    last_epoch: int | None = None,
) -> None:
    """||dL/dh_t|| against step t, log y: the first epoch dotted, the last solid, per case."""
    for case, (first, last) in profiles.items():
        color = arch_style(case)["color"]
        t = np.arange(1, len(last) + 1)
        ax.plot(t, np.where(first > 0, first, np.nan), color=color, linestyle=":", linewidth=1.0)
        ax.plot(t, np.where(last > 0, last, np.nan), color=color, linewidth=1.3, label=case)
    last = f"epoch {last_epoch}" if last_epoch else "last epoch"
    ax.plot([], [], color="0.4", linestyle=":", label=f"epoch {first_epoch}")
    ax.plot([], [], color="0.4", label=last)
    ax.set_yscale("log")
    ax.set(xlabel="step t (1 = first pixels read)", ylabel="‖∂L/∂h_t‖")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def draw_depth_comparison(ax, series: dict[str, list[tuple]], styles: dict[str, dict]) -> None:
    """Test accuracy against depth, bars from the lowest to the highest seed, one line per method."""
    for label, points in series.items():
        if not points:
            continue
        d = np.array([p[0] for p in points], dtype=float)
        m = np.array([p[1] for p in points])
        err = np.array([[p[1] - p[2][0] for p in points], [p[2][1] - p[1] for p in points]])
        err = np.maximum(err, 0.0)  # equal seeds: the mean may round a hair past them
        ax.errorbar(
            d,
            m,
            yerr=err,
            capsize=3,
            marker="o",
            markersize=4,
            linewidth=1.3,
            label=label,
            **styles.get(label, {}),
        )
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
    ax.set(xlabel="hidden layers", ylabel="test accuracy", ylim=(0, 1), xticks=[3, 5, 7])


def draw_growth(ax, spans: list[tuple[int, int, int, bool]]) -> None:
    """Over a schedule timeline: the network's depth per phase as an outline, a new head as a ▼."""
    xs, ys = [], []
    for first, last, depth, new in spans:
        xs += [first - 1, last]
        ys += [depth + 0.5, depth + 0.5]
        if new:
            ax.plot(
                first - 1,
                depth + 0.5,
                marker="v",
                color="tab:orange",
                markersize=5,
                clip_on=False,
                zorder=5,
            )
    ax.plot(xs, ys, color="tab:orange", linewidth=1.2, zorder=4)


def draw_phase_accuracy(ax, val_acc: np.ndarray) -> None:
    """Validation accuracy per epoch on an axis laid over the timeline (right scale)."""
    ax.plot(np.arange(0.5, len(val_acc)), val_acc, color="k", linewidth=1.0)
    ax.set_ylim(0, 1)
    ax.set_ylabel("val. acc.", fontsize=7)
    ax.tick_params(labelsize=6)
