"""The layer-wise section: both schedules at the fair (split) budget and at the sources' budget."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import mean_curve
from vgmodels.report import draw as F
from vgmodels.report import section_figs as SF
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.section_data import LAYERWISE, budget_row, phase_spans, present
from vgmodels.report.tables import Table

BUDGET = {False: "split", True: "sources'"}

INTRO = (
    "Both sources train the 7 × 128 sigmoid network in stages that grow it: the article in 7 "
    f"trainings of sub-models of 2-2-2-1 layers {cite('S1')}, the course in 4 stages "
    f"{cite('S2')}, each growth with a new output layer and a new optimizer. Beside the other "
    "cases each schedule gets the profile's epoch budget split over its stages in the sources' "
    "proportions (split); the *_full cases give every stage the profile's full epochs, the "
    "article's last training three times that — the sources' own budget, 100 epochs per stage "
    "in the paper profile. The total is what each case trained; the split budget is what every "
    "other case of Table 1 gets."
)


def _phases_text(row: dict) -> str:
    """'1+1+1+1+1+1+3 (depth 2→4→6→7)': epochs per phase and the depths the network grows to."""
    per = "+".join(map(str, row["per_phase"]))
    depths = []
    for d in row["depths"]:
        if not depths or depths[-1] != d:
            depths.append(d)
    return f"{per} (depth {'→'.join(map(str, depths))})"


def budget_table(groups: dict[str, list[dict]]) -> Table:
    """Each schedule at both budgets: phases, total epochs, test accuracy, best validation."""
    rows, classes = [], []
    for pair in LAYERWISE:
        for cid in pair:
            full = cid.endswith("_full")
            if not groups.get(cid):
                rows.append([cid, BUDGET[full], "–", "–", "not run", "–"])
                classes.append("missing")
                continue
            r = budget_row(groups[cid])
            best = "–" if r["best_val"] is None else f"{r['best_val']:.4f}"
            total = "/".join(map(str, r["epochs"]))
            rows.append([cid, BUDGET[full], _phases_text(r), total, r["acc"], best])
            classes.append("")
    caption = (
        "Layer-wise training at two budgets. Epochs per phase (the network's depth as it grows), "
        "the total epochs the case trained, test accuracy (mean over seeds, the lowest–highest seed in "
        "brackets) and the best validation accuracy of any epoch (mean over seeds)."
    )
    cols = ["Case", "Budget", "Epochs per phase", "Total epochs", "Test acc.", "Best val. acc."]
    return Table("layerwise-budgets", caption, cols, rows, classes)


def _panel(ax, cid: str, records: list[dict] | None) -> None:
    if not records:
        ax.text(0.5, 0.5, f"{cid}: not run", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    phases = records[0].get("phases") or []
    F.draw_schedule(ax, phases, cid)
    SF.draw_growth(ax, phase_spans(phases))
    SF.draw_phase_accuracy(ax.twinx(), mean_curve(records, "val_acc"))


def timeline_figure(groups: dict[str, list[dict]], out: Path) -> Figure:
    """The schedules as timelines (a budget no case ran gets no column): layers learning or
    frozen, the depth grown, validation accuracy."""
    cols = [i for i in (0, 1) if any(groups.get(pair[i]) for pair in LAYERWISE)]
    rows = [pair for pair in LAYERWISE if any(groups.get(c) for c in pair)]
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(WIDTH, 2.2 * len(rows)), squeeze=False)
    for ax_row, pair in zip(axes, rows, strict=True):
        for ax, i in zip(ax_row, cols, strict=True):
            _panel(ax, pair[i], groups.get(pair[i]))
    fig.tight_layout()
    sides = {0: "the profile's budget split over the stages", 1: "every stage the full budget"}
    where = (
        ("Left: " + sides[0] + "; right: " + sides[1])
        if len(cols) == 2
        else sides[cols[0]].capitalize()
    )
    return Figure(
        "layerwise-growth",
        _save(fig, out, "layerwise-growth.svg"),
        "Layer-wise schedules: the growing network",
        f"{where}. Bars: hidden layers that learn (blue) or are frozen (grey) in each "
        "phase, numbered above; blank: not grown yet. Orange: the depth of the network "
        "in each phase, a ▼ where it grows and gets a new output layer and optimizer. "
        "Black (right scale): validation accuracy per epoch, mean over "
        "seeds.",
    )


def layerwise_section(groups: dict[str, list[dict]], out: Path) -> dict | None:
    """Intro, budget table and timeline figure; None when no layer-wise case has records."""
    if not present(groups, [c for pair in LAYERWISE for c in pair]):
        return None
    return {"intro": INTRO, "table": budget_table(groups), "figure": timeline_figure(groups, out)}
