"""The SDAGD section: optimizers on error surfaces, and SGD against SDAGD at depths 3, 5 and 7."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis.references import cite
from vgmodels.analysis.stats import welch
from vgmodels.report import section_figs as SF
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.section_data import (
    SDAGD_DEPTHS,
    SGD_DEPTHS,
    SGD_FAST_DEPTHS,
    depth_series,
    fmt_acc,
    present,
)
from vgmodels.report.tables import Table

STYLES = {
    "SGD, lr 0.01": {"color": "0.45", "linestyle": "--"},
    "SGD, lr 0.1": {"color": "tab:orange", "linestyle": "-."},
    "SDAGD": {"color": "tab:purple"},
}

INTRO = (
    f"Stochastic Diagonal Approximate Greatest Descent (SDAGD) {cite('tan')}, as the lecture "
    f"slides present it {cite('S5')}: W ← W − [μI + H]⁻¹ g with μ = ‖g‖ / R, a "
    "relative step length from a radius R, and H a diagonal approximation of the Hessian, so "
    "that a small gradient still moves the weights. Here SDAGD (R = 0.1) trains the sigmoid "
    "network at 3, 5 and 7 hidden layers beside plain SGD at the same depths, both at the "
    "sources' rate 0.01 (depth3, depth5, baseline) and at SDAGD's own step size 0.1 "
    "(sgd_lr0.1_depth3, sgd_lr0.1_depth5, sgd_lr0.1), so that what SDAGD adds is not the rate."
)


def depth_table(groups: dict[str, list[dict]]) -> Table:
    """Per depth: plain SGD at 0.01 and at 0.1, SDAGD, and SDAGD minus SGD at 0.1."""
    rows, classes = [], []
    for depth, sgd in SGD_DEPTHS.items():
        sd, fast = SDAGD_DEPTHS[depth], SGD_FAST_DEPTHS[depth]
        a, b, c = groups.get(sd), groups.get(sgd), groups.get(fast)
        cells = [str(depth)] + [
            f"{name}: {fmt_acc(recs)}" if recs else f"{name}: not run"
            for name, recs in ((sgd, b), (fast, c), (sd, a))
        ]
        iv = welch([r["test_acc"] for r in a], [r["test_acc"] for r in c]) if a and c else None
        cells.append("–" if iv is None else iv.format(1, scale=100))
        classes.append("" if a and b and c else "missing")
        rows.append(cells)
    caption = (
        "Plain SGD and SDAGD by depth: test accuracy, mean over seeds (lowest–highest seed; n=1: "
        "one run); the difference SDAGD − SGD at the same step size 0.1 in points, with its 95% "
        "Welch interval over seeds (– with fewer than 2 seeds a side)."
    )
    cols = ["Hidden layers", "SGD, lr 0.01", "SGD, lr 0.1", "SDAGD, R 0.1", "SDAGD − SGD at 0.1"]
    return Table("sdagd-depth", caption, cols, rows, classes)


def depth_figure(groups: dict[str, list[dict]], out: Path) -> Figure:
    """Test accuracy against depth for SGD and SDAGD, with 95% CI bars."""
    series = {
        "SGD, lr 0.01": depth_series(groups, SGD_DEPTHS),
        "SGD, lr 0.1": depth_series(groups, SGD_FAST_DEPTHS),
        "SDAGD": depth_series(groups, SDAGD_DEPTHS),
    }
    fig, ax = plt.subplots(figsize=(WIDTH * 0.55, 2.5))
    SF.draw_depth_comparison(ax, series, STYLES)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "sdagd-depth",
        _save(fig, out, "sdagd-depth.svg"),
        "SGD and SDAGD against depth",
        "Test accuracy of the sigmoid network with 3, 5 and 7 hidden layers, trained "
        "with plain SGD at lr 0.01 (grey, dashed: depth3, depth5, baseline), plain SGD at lr 0.1 "
        "(orange: sgd_lr0.1_depth3, sgd_lr0.1_depth5, sgd_lr0.1) and SDAGD "
        "(purple: sdagd_depth3, sdagd_depth5, sdagd); mean over seeds, bars from "
        "the lowest to the highest seed. The dotted line is chance.",
    )


def surface_section(out: Path, results=None) -> tuple[Figure, Table]:
    """The error-surface figure and table; loaded only when SDAGD is in the records."""
    from vgmodels.report.surface_section import surface_section as surfaces

    return surfaces(out, results() if results is not None else None)


def sdagd_section(groups: dict[str, list[dict]], out: Path, surfaces=None) -> dict | None:
    """Intro, the surfaces, the depth figure and table; None without SDAGD records.

    `surfaces`: a callable giving `vgmodels.analysis.surfaces.compare()`'s results, when another process
    computes them meanwhile (about 12 s of Python on one core); None computes them here.
    """
    if not present(groups, SDAGD_DEPTHS.values()):
        return None
    surfaces = surface_section(out, surfaces)
    return {
        "intro": INTRO,
        "surfaces": {"figure": surfaces[0], "table": surfaces[1]},
        "depth_figure": depth_figure(groups, out),
        "depth_table": depth_table(groups),
    }
