"""The report's figures: lay out panels, call the drawing functions, save reproducible files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import PUBLISHED_MLP, CaseSummary, family_cases, mean_layer_matrix
from vgmodels.remedies import FAMILIES
from vgmodels.report import figures as F

WIDTH = 7.0  # inches: the A4 text width
plt.rcParams.update({
    "svg.hashsalt": "vgmodels",  # stable ids inside SVG files
    "svg.fonttype": "none",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
})  # fmt: skip


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
    fig.legend([handles[k] for k in labels], labels, loc="lower center", ncol=ncol, fontsize=7,
               bbox_to_anchor=(0.5, -0.02))  # fmt: skip


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


def make_figures(s: dict[str, CaseSummary], out: Path, profile_epochs: int) -> list[Figure]:
    """Draw every figure of the report into `out`; returns them in reading order."""
    out.mkdir(parents=True, exist_ok=True)
    figs: list[Figure] = []
    base = s["baseline"]

    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    F.draw_activation_derivatives(ax)
    figs.append(Figure("derivatives", _save(fig, out, "derivatives.svg"), "Derivatives of the activations",
                       "The chain rule multiplies one such factor per layer: sigmoid's is at most 0.25, so "
                       "seven layers shrink a gradient by at least 0.25^7 (6e-5) before the weights add their own factor."))  # fmt: skip

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.7))
    depth = [s["depth3"], s["depth5"], base]
    F.draw_curves(a1, depth, "val_acc", "validation accuracy")
    F.draw_grad_vs_layer(a2, depth, epoch=1)
    a1.legend(fontsize=7)
    fig.tight_layout()
    figs.append(Figure("depth", _save(fig, out, "depth.svg"), "The problem: depth 3, 5 and 7",
                       "Left: validation accuracy per epoch (mean over seeds). Right: mean gradient norm of "
                       "each Linear weight in epoch 1, log scale; the deeper the sigmoid network, the "
                       "smaller the gradient that reaches its first layers. " + PUBLISHED_LINE))  # fmt: skip

    groups = family_cases()
    for fam, label in FAMILIES.items():
        if fam == "problem" or not _present(s, groups[fam]):
            continue
        cases = [s[c] for c in groups[fam]]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.6))
        high = F.draw_curves(a1, cases, "train_loss", "training loss", baseline=base)
        F.draw_curves(a2, cases, "val_acc", "validation accuracy", baseline=base)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        _legend_below(fig, [a1, a2], ncol=min(6, len(cases) + 1))
        loss = (f"log scale, since {_and(high)} go{'es' if len(high) == 1 else ''} above "
                f"{F.LOSS_TOP:g}" if high else f"axis cut at {F.LOSS_TOP:g}")  # fmt: skip
        diverged = [c.case for c in cases if c.diverged]
        cross = (f" A cross marks where a diverged run stopped ({_and(diverged)}); “NaN” at the top "
                 "edge: it has no finite value to draw." if diverged else "")  # fmt: skip
        figs.append(Figure(f"family-{fam}", _save(fig, out, f"family-{fam}.svg"), f"Curves: {label}",
                           f"Training loss (left; {loss}; the dotted line is chance loss, ln 10 = 2.30) "
                           "and validation accuracy (right) per epoch, mean over seeds; the sigmoid "
                           f"baseline dashed in grey.{cross} " + PUBLISHED_LINE))  # fmt: skip

    fig = _family_grid(s, lambda ax, cases, b: F.draw_grad_vs_layer(ax, cases, 1, baseline=b))
    figs.append(Figure("grad-layer", _save(fig, out, "grad-layer.svg"), "Gradient norm against layer, epoch 1",
                       "Mean gradient norm of each Linear weight during the first epoch (layer 1 next to "
                       "the input, the last is the output layer; before any clipping), log scale, with the baseline dashed. "
                       "A flat line means gradients reach the first layers undiminished."))  # fmt: skip

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
    figs.append(Figure("heatmaps", _save(fig, out, "heatmaps.png"), "Gradient norm per layer and epoch",
                       f"One panel per case: rows are the {layer_counts(s)} and the output layer "
                       "(top = input side), columns the epochs; one log colour scale for all (values beyond it take the end "
                       "colours). White cells: no gradient (a layer frozen or not yet grown, or exactly zero) "
                       "or a diverged run."))  # fmt: skip

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.7))
    F.draw_layer_profile(a1, order, "saturation", "saturated fraction (sigmoid, tanh)")
    F.draw_layer_profile(a2, order, "dead", "dead-unit fraction (ReLU family)")
    for ax in (a1, a2):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.22))
        else:
            ax.text(0.5, 0.5, "no case above 2% in any layer", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    figs.append(Figure("saturation", _save(fig, out, "saturation.svg"), "Saturation and dead units per layer",
                       "On a fixed probe batch after the last epoch. Left: fraction of sigmoid/tanh outputs "
                       "beyond 0.99 of their range. Right: fraction of ReLU-family units inactive for every "
                       "probe sample. Cases below 2% in every layer are left out."))  # fmt: skip

    fig = _family_grid(
        s, lambda ax, cases, b: F.draw_acc_vs_time(ax, cases, baseline=b), sharey=True
    )
    figs.append(Figure("time", _save(fig, out, "time.svg"), "Accuracy against wall time",
                       "Validation accuracy against cumulative training seconds on this machine (mean over "
                       "seeds; evaluation time left out), the baseline dashed."))  # fmt: skip

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
    figs.append(Figure("schedule", _save(fig, out, "schedule.svg"), "Layer-wise schedules",
                       "Which hidden layers learn (blue) or are frozen (grey) in each phase, numbered "
                       "above the bars; layers not yet grown are blank. The output layer always learns. "
                       + schedule_caption(s, schedules)))  # fmt: skip
    return figs
