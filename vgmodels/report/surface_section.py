"""The error-surface part of the SDAGD section: the three surfaces with every optimizer's path."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis.surfaces import GRID, STEPS, SURFACES, TOL, compare, surface_grid
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.surface_figs import draw_surface_paths, step_size_table, steps_table
from vgmodels.report.tables import Table


def surfaces_figure(results: dict, out: Path) -> Figure:
    """Contours and paths on each surface, one panel per surface, one legend below."""
    fig, axes = plt.subplots(1, len(SURFACES), figsize=(WIDTH, 3.0), layout="constrained")
    for ax, surface in zip(axes, SURFACES.values(), strict=True):
        draw_surface_paths(ax, surface, surface_grid(surface), results[surface.name], legend=False)
    handles, labels = axes[0].get_legend_handles_labels()
    names = [lab.split(" (")[0] for lab in labels]  # per-surface steps are in the table
    fig.legend(handles, names, loc="outside lower center", ncol=len(names), fontsize=6.5)
    return Figure(
        "surfaces",
        _save(fig, out, "surfaces.png"),
        "Optimizers on three error surfaces",
        "A hilly surface with two local minima (×) beside the global one (★), a deep "
        "trench with drastic gradient changes, and a plateau whose gradient at the start "
        "(○) is tiny. Every optimizer starts at the same point and runs "
        f"{STEPS} steps at the step size (lr; SDAGD: the radius R) that reaches the "
        f"global minimum in the fewest steps among {len(GRID)} half-decade values "
        f"from {min(GRID):g} to {max(GRID):g}; the next table gives the steps and the "
        "step sizes.",
    )


def surfaces_table(results: dict) -> Table:
    """Steps to the global minimum (and the step size used) per optimizer and surface."""
    steps, sizes = steps_table(results), step_size_table(results)
    rows = []
    for name in steps.index:
        knob = "R" if name == "SDAGD" else "lr"
        cells = [name]
        for surface in steps.columns:
            n = steps.loc[name, surface]
            reached = "not reached" if n is None or str(n) == "<NA>" else f"{int(n)} steps"
            cells.append(f"{reached} ({knob} {sizes.loc[name, surface]:.3g})")
        rows.append(cells)
    caption = (
        f"Steps each optimizer needs to reach the global minimum for good (within {TOL}), out of "
        f"{STEPS}, with the step size it ran at (lr; SDAGD: the radius R)."
    )
    return Table("surfaces", caption, ["Optimizer", *steps.columns], rows, [""] * len(rows))


def surface_section(out: Path, results: dict | None = None) -> tuple[Figure, Table]:
    """The figure and the table of `results` (default: every optimizer run on every surface now)."""
    results = compare() if results is None else results
    return surfaces_figure(results, out), surfaces_table(results)
