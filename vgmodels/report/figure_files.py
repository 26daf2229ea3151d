"""The report's figures: lay out panels, call the drawing functions, save reproducible files."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import PUBLISHED_MLP, CaseSummary, family_cases, mean_layer_matrix
from vgmodels.remedies import FAMILIES
from vgmodels.report import draw as F
from vgmodels.report.prose import prose
from vgmodels.report.tables import off_budget
from vgmodels.report.text import budgets

WIDTH = 7.0  # inches: the A4 text width
plt.rcParams.update(
    {
        "svg.hashsalt": "vgmodels",  # stable ids inside SVG files
        "svg.fonttype": "none",
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    }
)


@dataclass(frozen=True)
class Figure:
    """A saved figure: file name relative to the site, title and caption."""

    key: str
    file: str
    title: str
    caption: str


def _save(fig, out: Path, name: str) -> str:
    path = out / name
    meta = {"Date": None} if name.endswith(".svg") else {"Software": None}
    fig.savefig(path, bbox_inches="tight", metadata=meta, dpi=150)
    plt.close(fig)
    return f"figures/{name}"


def _legend_below(fig, axes, ncol=4):
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    fig.legend(
        [handles[k] for k in labels],
        labels,
        loc="lower center",
        ncol=ncol,
        fontsize=7,
        bbox_to_anchor=(0.5, -0.02),
    )


def _present(summaries: dict[str, CaseSummary], cases: list[str]) -> bool:
    """Whether any of the cases has records (a family with none gets no panel or figure)."""
    return any(not summaries[c].missing for c in cases if c in summaries)


def _family_grid(summaries, draw, sharey=True):
    """One panel per family (two columns), the family's legend to the right of its panel."""
    groups = family_cases()
    fams = [f for f in FAMILIES if _present(summaries, groups[f])]
    cols = 2
    rows = -(-len(fams) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 1.45 * rows), sharey=sharey, squeeze=False)
    base = summaries["baseline"]
    for ax, fam in zip(axes.flat, fams, strict=False):
        cases = [summaries[c] for c in groups[fam] if c != "baseline"]
        draw(ax, cases, base)
        ax.set_title(FAMILIES[fam], loc="left")
        ax.legend(fontsize=5.5, loc="center left", bbox_to_anchor=(1.0, 0.5), handlelength=1.5)
    for i, ax in enumerate(axes.flat):
        if i >= len(fams):
            ax.set_visible(False)
            continue
        if i % cols:
            ax.set_ylabel("")
        if i + cols < len(fams):
            ax.set_xlabel("")
    fig.tight_layout(w_pad=6.5)
    return fig


PUBLISHED_LINE = (
    f"The red dotted line is {PUBLISHED_MLP}, the test accuracy listed for an MLP 256-128-100 in "
    f"the Fashion-MNIST benchmark table {cite('mlp8833')}, a community entry whose protocol is not "
    "stated: a point of orientation, not a comparable result."
)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def layer_counts(s: dict[str, CaseSummary]) -> str:
    """'7 hidden layers (depth3: 3, depth5: 5)': the heat-map rows, true for every panel."""
    counts = {}
    for summ in s.values():
        if not summ.missing:
            rows = mean_layer_matrix(summ.records, "grad_norm").shape[0]
            if rows:
                counts[summ.case] = rows - 1  # the last row is the output layer
    if not counts:
        return "the hidden layers"
    common = max(set(counts.values()), key=list(counts.values()).count)
    other = [f"{c}: {n}" for c, n in counts.items() if n != common]
    return f"{common} hidden layers" + (f" ({', '.join(other)})" if other else "")


def schedule_caption(s: dict[str, CaseSummary], cases: tuple[str, ...]) -> str:
    """The phases of each drawn schedule by number and name."""
    parts = []
    for cid in cases:
        summ = s.get(cid)
        if summ is None or summ.missing:
            parts.append(f"{cid}: missing from these results")
            continue
        phases = summ.records[0].get("phases") or []
        names = "; ".join(
            f"{i} “{p['name']}”, {p['epochs']} epochs" for i, p in enumerate(phases, 1)
        )
        parts.append(f"{cid}: {names}")
    return ". ".join(parts) + "."


def _long(s: dict[str, CaseSummary], cases: list[CaseSummary]) -> list[CaseSummary]:
    """The cases that trained more epochs than the common budget (drawn on their own axis)."""
    _, other = off_budget(s)
    main = budgets({c: x.records for c, x in s.items()})["main"]
    return [c for c in cases if other.get(c.case, 0) > main]


def _smoothing(cases: list[CaseSummary]) -> str:
    """The cases trained with label smoothing, and the loss floor it sets (ten classes)."""
    out = []
    for c in cases:
        if c.missing:
            continue
        eps = (c.records[0].get("config") or {}).get("train", {}).get("label_smoothing") or 0
        if eps > 0:
            hi, lo = 1 - eps + eps / 10, eps / 10  # the smoothed target of the true / other class
            floor = -hi * math.log(hi) - 9 * lo * math.log(lo)
            out.append(
                f"{c.case} trains with label smoothing {eps:g}, so its training loss "
                f"cannot fall below {floor:.2f}"
            )
    return "; ".join(out)


def family_figure(s: dict[str, CaseSummary], fam: str, label: str, out: Path) -> Figure:
    """Loss and validation accuracy of a family; cases with a longer budget on a second row."""
    base, cases = s["baseline"], [s[c] for c in family_cases()[fam]]
    long = _long(s, cases)
    rows = [[c for c in cases if c not in long]] + ([long] if long else [])
    rows = [r for r in rows if r]
    fig, axes = plt.subplots(len(rows), 2, figsize=(WIDTH, 2.6 * len(rows)), squeeze=False)
    high = []
    for (a1, a2), row in zip(axes, rows, strict=True):
        high += F.draw_curves(a1, row, "train_loss", "training loss", baseline=base)
        F.draw_curves(
            a2, row, "val_acc", "validation accuracy", baseline=base, published=fam == "modern"
        )
    fig.tight_layout(rect=(0, 0.08 / len(rows), 1, 1))
    _legend_below(fig, axes.flat, ncol=min(6, len(cases) + 1))
    return Figure(
        f"family-{fam}",
        _save(fig, out, f"family-{fam}.svg"),
        f"Curves: {label}",
        prose(
            "family_caption",
            high=high,
            top=F.LOSS_TOP,
            long=[c.case for c in long],
            diverged=[c.case for c in cases if c.diverged],
            published=fam == "modern",
            smoothing=_smoothing(cases),
            published_line=PUBLISHED_LINE,
        ),
    )


def _zeros(cases: list[CaseSummary], epoch: int = 1) -> list[str]:
    """'zero_init: layers 1–7': the layers whose gradient norm is 0 at `epoch`, not drawable on a log axis."""
    out = []
    for c in cases:
        if c.missing:
            continue
        m = mean_layer_matrix(c.records, "grad_norm")
        if m.size:
            zero = [i + 1 for i, v in enumerate(m[:, min(epoch, m.shape[1]) - 1]) if v == 0]
            if zero:
                out.append(
                    f"{c.case}: layer{'s' if len(zero) > 1 else ''} "
                    + (f"{zero[0]}–{zero[-1]}" if len(zero) > 1 else f"{zero[0]}")
                )
    return out


def grad_layer_figure(s: dict[str, CaseSummary], out: Path) -> Figure:
    """Gradient norm against layer in epoch 1, one panel per family."""
    fig = _family_grid(s, lambda ax, cases, b: F.draw_grad_vs_layer(ax, cases, 1, baseline=b))
    return Figure(
        "grad-layer",
        _save(fig, out, "grad-layer.svg"),
        "Gradient norm against layer, epoch 1",
        prose("grad_layer_caption", zeros=_zeros(list(s.values()))),
    )


def heatmap_figure(s: dict[str, CaseSummary], out: Path) -> Figure:
    """Gradient norm per layer and epoch, one panel per case, one log colour scale."""
    order = list(s.values())
    vmin, vmax = F.log_range(order)
    cols = 6
    rows = -(-len(order) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 1.15 * rows + 0.5), squeeze=False)
    im = None
    for ax, summ in zip(axes.flat, order, strict=False):
        im = F.draw_heatmap(ax, summ, vmin, vmax) or im
    for ax in list(axes.flat)[len(order) :]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0, 0.93, 1))
    if im is not None:
        cax = fig.add_axes((0.945, 0.15, 0.015, 0.7))
        fig.colorbar(im, cax=cax).set_label("grad norm", fontsize=7)
    return Figure(
        "heatmaps",
        _save(fig, out, "heatmaps.png"),
        "Gradient norm per layer and epoch",
        prose("heatmap_caption", layers=layer_counts(s)),
    )


def saturation_figure(s: dict[str, CaseSummary], out: Path) -> Figure:
    """Saturated and dead units per layer after the last epoch."""
    order = list(s.values())
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.7))
    F.draw_layer_profile(a1, order, "saturation", "saturated fraction (sigmoid, tanh)")
    F.draw_layer_profile(a2, order, "dead", "dead-unit fraction (ReLU family)")
    for ax in (a1, a2):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.22))
        else:
            ax.text(0.5, 0.5, "no case above 2% in any layer", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    return Figure(
        "saturation",
        _save(fig, out, "saturation.svg"),
        "Saturation and dead units per layer",
        prose("saturation_caption"),
    )


def time_figure(s: dict[str, CaseSummary], out: Path) -> Figure:
    """Validation accuracy against wall time, one panel per family."""
    fig = _family_grid(s, lambda ax, cases, b: F.draw_acc_vs_time(ax, cases, baseline=b))
    machines = sorted({r["device_name"] for x in s.values() for r in x.records})
    return Figure(
        "time",
        _save(fig, out, "time.svg"),
        "Accuracy against wall time",
        prose("time_caption", machines=machines),
    )


def schedule_figure(s: dict[str, CaseSummary], out: Path) -> Figure:
    """Which layers learn or are frozen in each phase of the two layer-wise schedules."""
    schedules = ("layerwise_paper", "layerwise_greedy")
    fig, axes = plt.subplots(len(schedules), 1, figsize=(WIDTH, 3.6))
    for ax, cid in zip(axes, schedules, strict=True):
        summ = s.get(cid)
        if summ is None or summ.missing:
            ax.text(0.5, 0.5, f"{cid}: missing", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        F.draw_schedule(ax, summ.records[0].get("phases") or [], cid)
    fig.tight_layout()
    return Figure(
        "schedule",
        _save(fig, out, "schedule.svg"),
        "Layer-wise schedules",
        prose("schedule_caption", phases=schedule_caption(s, schedules)),
    )


def intro_figures(s: dict[str, CaseSummary], out: Path) -> list[Figure]:
    """The activation derivatives and the depth figure."""
    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    F.draw_activation_derivatives(ax)
    figs = [
        Figure(
            "derivatives",
            _save(fig, out, "derivatives.svg"),
            "Derivatives of the activations",
            prose("derivatives_caption"),
        )
    ]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.7))
    depth = [s["depth3"], s["depth5"], s["baseline"]]
    F.draw_curves(a1, depth, "val_acc", "validation accuracy")
    F.draw_grad_vs_layer(a2, depth, epoch=1)
    a1.legend(fontsize=7)
    fig.tight_layout()
    figs.append(
        Figure(
            "depth",
            _save(fig, out, "depth.svg"),
            "The problem: depth 3, 5 and 7",
            prose("depth_caption", zeros=_zeros(depth)),
        )
    )
    return figs


def make_figures(s: dict[str, CaseSummary], out: Path) -> list[Figure]:
    """Draw every figure of the report into `out`; returns them in reading order."""
    out.mkdir(parents=True, exist_ok=True)
    figs = intro_figures(s, out)
    groups = family_cases()
    for fam, label in FAMILIES.items():
        if fam != "problem" and _present(s, groups[fam]):
            figs.append(family_figure(s, fam, label, out))
    figs += [
        grad_layer_figure(s, out),
        heatmap_figure(s, out),
        saturation_figure(s, out),
        time_figure(s, out),
        schedule_figure(s, out),
    ]
    return figs
