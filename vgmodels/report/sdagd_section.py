"""The SDAGD section: optimizers on error surfaces, and SGD against SDAGD at depths 3, 5 and 7."""

from __future__ import annotations

import statistics
from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import permutation_p
from vgmodels.report import section_figs as SF
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.section_data import SDAGD_DEPTHS, SGD_DEPTHS, depth_series, fmt_acc, present
from vgmodels.report.tables import Table

STYLES = {"SGD": {"color": "0.45", "linestyle": "--"}, "SDAGD": {"color": "tab:purple"}}

INTRO = (
    f"Stochastic Diagonal Approximate Greatest Descent (SDAGD) {cite('tan')}, as the lecture "
    f"slides present it {cite('S5')}: W ← W − [μI + H]⁻¹ g with μ = ‖g‖ / R, a "
    "relative step length from a radius R, and H a diagonal approximation of the Hessian, so "
    "that a small gradient still moves the weights. The paper's claim: plain SGD worsens beyond "
    "three hidden layers while SDAGD keeps working. Here SDAGD trains the sigmoid network at 3, "
    "5 and 7 hidden layers beside plain SGD at the same depths (depth3, depth5, baseline)."
)


def depth_table(groups: dict[str, list[dict]]) -> Table:
    """Per depth: SGD's and SDAGD's test accuracy, their difference and the permutation test."""
    rows, classes = [], []
    for depth, sgd in SGD_DEPTHS.items():
        sd = SDAGD_DEPTHS[depth]
        a, b = groups.get(sd), groups.get(sgd)
        cells = [
            str(depth),
            f"{sgd}: {fmt_acc(b)}" if b else f"{sgd}: not run",
            f"{sd}: {fmt_acc(a)}" if a else f"{sd}: not run",
        ]
        if a and b:
            diff = statistics.fmean(r["test_acc"] for r in a) - statistics.fmean(
                r["test_acc"] for r in b
            )
            p = permutation_p([r["test_acc"] for r in a], [r["test_acc"] for r in b])
            cells += [f"{round(100 * diff, 1) + 0.0:+.1f}", "–" if p is None else f"{p:.2f}"]
            classes.append("")
        else:
            cells += ["–", "–"]
            classes.append("missing")
        rows.append(cells)
    caption = (
        "SGD against SDAGD by depth: test accuracy, mean over seeds (lowest–highest seed; n=1: "
        "one run); the difference SDAGD − SGD in points and the exact two-sided permutation "
        "test over seeds of Table 1 (– with fewer than 2 seeds a side)."
    )
    cols = ["Hidden layers", "SGD", "SDAGD", "Difference (points)", "p"]
    return Table("sdagd-depth", caption, cols, rows, classes)


def depth_figure(groups: dict[str, list[dict]], out: Path) -> Figure:
    """Test accuracy against depth for SGD and SDAGD, with 95% CI bars."""
    series = {"SGD": depth_series(groups, SGD_DEPTHS), "SDAGD": depth_series(groups, SDAGD_DEPTHS)}
    fig, ax = plt.subplots(figsize=(WIDTH * 0.55, 2.5))
    SF.draw_depth_comparison(ax, series, STYLES)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "sdagd-depth",
        _save(fig, out, "sdagd-depth.svg"),
        "SGD and SDAGD against depth",
        "Test accuracy of the sigmoid network with 3, 5 and 7 hidden layers, trained "
        "with plain SGD (grey, dashed: depth3, depth5, baseline) and with SDAGD "
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
