"""The sweeps' report section: depth frontier, learning-rate fairness, order-to-chaos phase diagram.

Input is a plain list of records; sweep records (`python -m vgmodels.sweep`) carry a `sweep` field
{kind, key, values, ...} and are otherwise ordinary `run` records. For the renderer:

    from vgmodels.report.sweeps import split_records, sweeps_section
    plain, swept = split_records(records)   # Table 1 and the other sections take `plain`
    section = sweeps_section(records, fig_dir)  # None without sweep records; figures into fig_dir
    # context: sections.sweeps = section; report.html: {% include "partials/sweeps.html" %}

`section` = {"intro": str, "budget": Table, "parts": [part, ...]}, one part per sweep present, in
the order depth, lr, phase: {"key", "title", "text", "table": Table, "figures": [Figure]}; the
partial renders each part as its own numbered section, the intro and budget table in the first
(Table from report.tables, Figure from report.figure_files). The pandas frames behind the tables
(depth_accuracy, deepest_learning, lr_accuracy, lr_fairness, phase_grid, phase_theory,
sweep_budgets) are in sweep_tables.py; the drawing functions on a given ax in sweep_figs.py.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis import meanfield
from vgmodels.remedies import get_case
from vgmodels.report import sweep_figs as SF
from vgmodels.report import sweep_tables as ST
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.sweep_tables import LEARNS, split_records

__all__ = ["LEARNS", "split_records", "sweeps_section", "depth_part", "lr_part", "phase_part"]


def _budget_words(records: list[dict], kind: str) -> str:
    b = ST.sweep_budgets(records).loc[kind]
    seeds = f"{b['seeds']} seed" + ("s" if b["seeds"] != 1 else "")
    return f"{b['epochs']} epochs on {b['n_train']} training samples, {seeds}"


def depth_part(records: list[dict], figs: Path, threshold: float = LEARNS) -> dict:
    """Test accuracy against depth per case, and the deepest depth that still learns."""
    acc = ST.depth_accuracy(records)
    deepest = ST.deepest_learning(acc, threshold)
    fig, ax = plt.subplots(figsize=(WIDTH * 0.75, 2.8))
    SF.draw_depth_frontier(ax, acc, threshold)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    figure = Figure(
        "depth-frontier",
        _save(fig, figs, "depth-frontier.svg"),
        "Depth frontier: test accuracy against depth",
        f"Mean test accuracy over seeds of each case rebuilt at every depth (log "
        f"scale), {_budget_words(records, 'depth')}. Dashed: the {threshold:.2f} "
        f"threshold for 'learns'; dotted: chance.",
    )
    best = max(deepest.items(), key=lambda kv: kv[1] or 0)
    never = [c for c, d in deepest.items() if d is None]
    text = (
        f"Each case is trained at every depth of the grid with nothing else changed. The "
        f"deepest network that still learns (mean test accuracy ≥ {threshold:.2f}) is "
        f"{best[1] or 'none'} hidden layers for {best[0]}"
        + (
            f"; {', '.join(never)} learn at no depth of the grid within this budget."
            if never
            else "."
        )
    )
    return {
        "key": "depth",
        "title": "Depth frontier",
        "text": text,
        "table": ST.frontier_table(acc, threshold),
        "figures": [figure],
    }


def lr_part(records: list[dict], figs: Path, threshold: float = LEARNS) -> dict:
    """Each case at its own best learning rate against the suite's default; the ranking change."""
    acc = ST.lr_accuracy(records)
    fair = ST.lr_fairness(acc)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(WIDTH, 2.9), width_ratios=(1.5, 1))
    SF.draw_lr_curves(a1, acc, fair)
    a1.legend(fontsize=6.5, loc="upper center", ncol=4, bbox_to_anchor=(0.5, -0.22))
    SF.draw_rank_change(a2, fair)
    fig.tight_layout()
    figure = Figure(
        "lr-fairness",
        _save(fig, figs, "lr-fairness.svg"),
        "Learning-rate fairness",
        f"Left: mean test accuracy against learning rate, {_budget_words(records, 'lr')};"
        f" open circle: the case's default rate, star: its best on the grid. Right: "
        f"rank of each case at its default rate and at its own best.",
    )
    moved = fair[fair["rank_default"] != fair["rank_tuned"]]
    tau = ST.rank_agreement(fair)
    text = (
        "Optimizer benchmarks (DeepOBS, AlgoPerf) tune each method before comparing; the main "
        "table gives every case one learning rate. Here each case runs over a half-decade "
        "grid of rates for its optimizer family, its own default included, at one budget. "
        f"{len(moved)} of {len(fair)} cases change rank once every case is tuned "
        f"(Kendall's τ between the two rankings: {tau:.2f}); the largest gain from tuning is "
        f"{fair['gain'].max():+.3f} ({fair['gain'].idxmax()})."
    )
    return {
        "key": "lr",
        "title": "Learning-rate fairness",
        "text": text,
        "table": ST.fairness_table(fair),
        "figures": [figure],
    }


def phase_part(records: list[dict], figs: Path, threshold: float = LEARNS) -> dict:
    """Trained accuracy over weight std x depth with the mean-field critical line and 6 xi_c."""
    grids = {a: ST.phase_grid(records, a) for a in ("tanh", "sigmoid")}
    grids = {a: g for a, g in grids.items() if not g.empty}
    fig, axes = plt.subplots(
        1, len(grids) + 1, figsize=(WIDTH, 2.8), squeeze=False, layout="constrained"
    )
    mesh = None
    for ax, (act, grid) in zip(axes[0], grids.items(), strict=False):
        mesh = SF.draw_phase_diagram(ax, grid, act)
        ax.legend(fontsize=6, loc="lower right", framealpha=0.7)
    cbar = fig.colorbar(mesh, ax=list(axes[0][:-1]), shrink=0.9, pad=0.02)
    cbar.set_label("test acc.", fontsize=7)
    SF.draw_critical_lines(axes[0][-1], marks={a: list(g.columns) for a, g in grids.items()})
    axes[0][-1].legend(fontsize=6.5, loc="center right")
    figure = Figure(
        "phase",
        _save(fig, figs, "phase.svg"),
        "Order-to-chaos phase diagram",
        f"Mean test accuracy of plain networks over σ_w = init std × √width and depth, "
        f"{_budget_words(records, 'phase')}; biases start at 0 (σ_b = 0: the model has "
        f"no bias-std knob). Red dashed: the critical σ_w where χ₁ = 1; white: the "
        f"predicted trainable depth 6 ξ_c. Right: the critical line σ_w(σ_b) of each "
        f"activation, the swept σ_w marked at σ_b = 0.",
    )
    crit = {a: meanfield.critical_sigma_w(a, 0.0) for a in grids}
    base = get_case("baseline").model
    base_sw = meanfield.sigma_w_of_std(base.init_std, base.width)
    text = (
        "Schoenholz et al. (2017, 'Deep Information Propagation') show that in a random "
        "network signals and gradients shrink or grow by χ₁ per layer, that χ₁ = 1 is the "
        "edge between the ordered (vanishing) and the chaotic (exploding) phase, and that "
        "networks train when their depth is below about 6 ξ_c, ξ_c = −1/ln χ_c. Our code "
        "solves those recursions (vgmodels.analysis.meanfield); the critical σ_w at σ_b = 0 is "
        + "; ".join(
            f"{crit[a]:.3g} for {a} (init std {crit[a] / base.width**0.5:.3g} at width {base.width})"
            for a in crit
        )
        + f". The suite's baseline, N(0, {base.init_std:g}) sigmoid, sits at σ_w = "
        f"{base_sw:.2f} (χ₁ = {meanfield.chi_1('sigmoid', base_sw, 0.0):.3g}): deep in the "
        "ordered phase, where gradients vanish."
    )
    return {
        "key": "phase",
        "title": "Order-to-chaos phase diagram",
        "text": text,
        "table": ST.phase_table(records, threshold),
        "figures": [figure],
    }


def sweeps_section(records: list[dict], fig_dir: Path, threshold: float = LEARNS) -> dict | None:
    """The intro, budget table and one part per sweep present (None without sweep records)."""
    _, swept = split_records(records)
    if not swept:
        return None
    figs = Path(fig_dir)
    figs.mkdir(parents=True, exist_ok=True)
    kinds = {r["sweep"]["kind"] for r in swept}
    builders = {"depth": depth_part, "lr": lr_part, "phase": phase_part}
    parts = [build(swept, figs, threshold) for k, build in builders.items() if k in kinds]
    intro = (
        "Three sweeps ask what one depth and one learning rate cannot: how deep each remedy "
        "keeps a network trainable, whether the ranking survives tuning each case's "
        "learning rate, and where the edge between vanishing and exploding lies for a given "
        "weight scale. Every point is a separate training run as a Ray task; the budgets "
        "(below) are smaller than the main study's and are stated with each figure."
    )
    return {"intro": intro, "budget": ST.budget_table(ST.sweep_budgets(swept)), "parts": parts}
