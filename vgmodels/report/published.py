"""The section "Your run beside the published study": a table per case and one figure of bands."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vgmodels.analysis.published import (
    PUBLISHED,
    PUBLISHED_PROFILE,
    WITHIN,
    CaseComparison,
    are_published,
    compare,
    published_records,
)
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.tables import Table
from vgmodels.results import by_case

NAMES = {"val_acc": "validation accuracy", "grad_ratio": "gradient-norm ratio first/last"}


def _g(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:.4g}"


def _cells(c: CaseComparison, name: str) -> list[str]:
    q = c.quantities.get(name)
    if q is None:
        return ["–", "–"]
    return [", ".join(_g(v) for v in q.yours), f"{_g(q.low)}–{_g(q.high)}"]


def comparison_table(rows: list[CaseComparison]) -> Table:
    """Per case: epoch, your value and the published range of each quantity, the verdict."""
    cells = [
        [
            c.case,
            str(c.epoch),
            *_cells(c, "val_acc"),
            *_cells(c, "grad_ratio"),
            str(c.n_published),
            c.verdict,
        ]
        for c in rows
    ]
    caption = (
        "Each case of this run at its last epoch beside the published study's seeds at the same "
        "epoch. Yours: one value per seed. Published: the lowest–highest seed. Ratio: ‖∇W‖ of the "
        "first hidden layer over the last (the epoch's mean gradient norms); far below 1 is a "
        "vanishing gradient. Within the published spread: every seed's every value lies between "
        "the published seeds' lowest and highest."
    )
    cols = [
        "Case",
        "Epoch",
        "Your val. acc.",
        "Published",
        "Your ratio",
        "Published",
        "Published seeds",
        "Verdict",
    ]
    classes = ["" if c.verdict == WITHIN else "missing" if c.reason else "failing" for c in rows]
    return Table("published", caption, cols, cells, classes)


def draw_band(ax, published: list[dict], yours: list[dict], epoch: int) -> None:
    """The published seeds' lowest–highest validation accuracy as a band, the run's seeds on it."""
    x = np.arange(1, epoch + 1)
    pub = np.array([[h["val_acc"] for h in r["history"][:epoch]] for r in published])
    ax.fill_between(x, pub.min(0), pub.max(0), color="0.8", linewidth=0, label="published seeds")
    for r in yours:
        ax.plot(
            x,
            [h["val_acc"] for h in r["history"][:epoch]],
            color="tab:blue",
            linewidth=1.1,
            label="yours",
        )
    ax.set(ylim=(0, 1), xlim=(1, max(epoch, 2)))


def _figure(rows: list[CaseComparison], yours, published, out: Path) -> Figure | None:
    shown = [c for c in rows if not c.reason]
    if not shown:
        return None
    ncol = min(6, len(shown))
    nrow = math.ceil(len(shown) / ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(WIDTH, 1.25 * nrow + 0.4), squeeze=False, sharex=True, sharey=True
    )
    for ax, c in zip(axes.flat, shown, strict=False):
        draw_band(ax, published[c.case], yours[c.case], c.epoch)
        ax.set_title(c.case, fontsize=7, color="0.1" if c.verdict == WITHIN else "tab:red")
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[0].legend(handles[:2], labels[:2], loc="upper left", fontsize=6)
    fig.supxlabel("epoch", fontsize=7)
    fig.supylabel("validation accuracy", fontsize=7)
    fig.tight_layout()
    return Figure(
        "published",
        _save(fig, out, "published.svg"),
        "Your run over the published study's spread",
        "Validation accuracy per epoch: the grey band spans the published seeds' lowest "
        "and highest, the blue lines are this run's seeds. A case titled in red lies "
        "outside the band at its last epoch.",
    )


def _differences(records: list[dict], published: list[dict]) -> list[str]:
    """What differs between the two protocols beyond the epochs (data size, machine)."""
    notes = []
    for key, what in (("n_train", "training samples"), ("device", "device")):
        mine = sorted({str(r.get(key)) for r in records})
        theirs = sorted({str(r.get(key)) for r in published})
        if mine != theirs:
            notes.append(f"{what}: yours {', '.join(mine)}, published {', '.join(theirs)}")
    return notes


def published_section(records: list[dict], fig_dir: Path, path: Path = PUBLISHED) -> dict | None:
    """The section's context; None when the records are the published ones themselves."""
    published = published_records(path)
    if published is None:
        return {
            "intro": f"No published study beside this code ({path} is absent or unreadable):"
            " nothing to compare with.",
            "table": None,
            "figure": None,
            "notes": [],
        }
    if are_published(records, published):
        return None
    rows = compare(records, published)
    n_within = sum(c.verdict == WITHIN for c in rows)
    n_compared = sum(not c.reason for c in rows)
    intro = (
        f"Each case of this run beside the published study ({len(published)} runs of profile "
        f"{PUBLISHED_PROFILE}, read from {path.parent.name}/{path.name}) at the same epoch: this "
        f"run's last. {n_within} of {n_compared} compared cases lie within the published seeds' "
        "spread. A run of the published code on the published data lands within it up to float "
        "rounding, which can part seeds of a case balanced on an edge; a case outside it is one "
        "to rerun with more seeds before reading anything into it."
    )
    return {
        "intro": intro,
        "notes": _differences(records, published),
        "table": comparison_table(rows),
        "figure": _figure(rows, by_case(records), by_case(published), Path(fig_dir)),
    }
