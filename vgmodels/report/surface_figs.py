"""Optimizer paths on the 2-D error surfaces: a figure on a given ax, and the steps table.

Computing and drawing stay apart: `vgmodels.analysis.surfaces.compare()` runs every optimizer (each at its
grid-chosen step size) and these functions only lay the result out. Use in the report:

    import matplotlib.pyplot as plt
    from vgmodels.analysis.surfaces import SURFACES, compare, surface_grid
    from vgmodels.report.surface_figs import draw_surface_paths, step_size_table, steps_table

    results = compare()  # {surface: {optimizer: (step size, Path)}}: about 20 s on 2 CPU cores
    fig, axes = plt.subplots(1, len(SURFACES), figsize=(13, 4.4), layout="constrained")
    for ax, surface in zip(axes, SURFACES.values()):
        draw_surface_paths(ax, surface, surface_grid(surface), results[surface.name])
    steps = steps_table(results)  # rows optimizer, columns surface; <NA>: not reached
    sizes = step_size_table(results)  # the lr (SDAGD: radius R) each one ran with

Caption facts: "reached" means within `vgmodels.analysis.surfaces.TOL` of the global minimum from that step
to the last of `STEPS`; each optimizer's step size is the best of `GRID` by the rule stated there.
"""

from __future__ import annotations

import pandas as pd
import torch

from vgmodels.analysis.surfaces import OPTIMIZERS, Path, Surface

COLORS = {
    "GD": "tab:blue",
    "momentum": "tab:cyan",
    "AdaGrad": "tab:green",
    "AdaDelta": "tab:olive",
    "Adam": "tab:orange",
    "SDAGD": "tab:red",
}


def _label(name: str, step_size: float, path: Path) -> str:
    knob = "R" if name == "SDAGD" else "lr"
    reached = "not reached" if path.steps_to_minimum is None else f"{path.steps_to_minimum} steps"
    return f"{name} ({knob} {step_size:.3g}): {reached}"


def draw_surface_paths(
    ax,
    surface: Surface,
    grid: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    runs: dict[str, tuple[float, Path]],
    legend: bool = True,
) -> None:
    """Contours of one surface, its minima, and each optimizer's path from the common start."""
    X, Y, Z = (t.numpy() for t in grid)
    ax.contourf(X, Y, Z, levels=30, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=30, colors="0.35", linewidths=0.3)
    for name, (step_size, path) in runs.items():
        pts = path.points.numpy()
        ax.plot(
            pts[:, 0],
            pts[:, 1],
            color=COLORS.get(name),
            linewidth=1.3,
            marker=".",
            markersize=2.5,
            label=_label(name, step_size, path),
        )
    for x, y in surface.local_minima:
        ax.plot(x, y, "x", color="k", markersize=7, markeredgewidth=1.5)
    ax.plot(
        *surface.minimum,
        "*",
        color="gold",
        markeredgecolor="k",
        markersize=14,
        label="global minimum",
    )
    ax.plot(*surface.start, "o", color="w", markeredgecolor="k", markersize=7, label="start")
    x0, x1, y0, y1 = surface.extent
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal", title=surface.name)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    if legend:
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)


def steps_table(results: dict[str, dict[str, tuple[float, Path]]]) -> pd.DataFrame:
    """Steps each optimizer needed to settle at the global minimum: rows optimizer, columns
    surface; <NA> where it never did."""
    names = [n for n in OPTIMIZERS if any(n in r for r in results.values())]
    data = {
        surface: [runs[n][1].steps_to_minimum if n in runs else None for n in names]
        for surface, runs in results.items()
    }
    return pd.DataFrame(data, index=pd.Index(names, name="optimizer"), dtype="Int64")


def step_size_table(results: dict[str, dict[str, tuple[float, Path]]]) -> pd.DataFrame:
    """The step size (lr; SDAGD: radius R) the grid rule chose: rows optimizer, columns surface."""
    names = [n for n in OPTIMIZERS if any(n in r for r in results.values())]
    data = {
        surface: [runs[n][0] if n in runs else float("nan") for n in names]
        for surface, runs in results.items()
    }
    return pd.DataFrame(data, index=pd.Index(names, name="optimizer"))
