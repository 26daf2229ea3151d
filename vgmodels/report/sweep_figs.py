"""Sweep figures as functions drawing on a given matplotlib `ax` from the frames of sweeps.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from vgmodels.analysis import meanfield

CHANCE = 0.1
ACC_NORM = Normalize(0.0, 1.0)


def _depth_axis(ax, depths) -> None:
    ax.set_xscale("log")
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.minorticks_off()


def draw_depth_frontier(ax, acc: pd.DataFrame, threshold: float) -> None:
    """Test accuracy against depth (log scale), one line per case; the 'learns' threshold dashed."""
    for case, rows in acc.groupby("case", sort=False):
        rows = rows.sort_values("depth")
        ax.plot(rows["depth"], rows["test_acc"], marker="o", markersize=3, label=case)
    _depth_axis(ax, sorted(acc["depth"].unique()))
    ax.axhline(threshold, color="0.4", linestyle="--", linewidth=0.8)
    ax.axhline(CHANCE, color="0.75", linestyle=":", linewidth=0.8)
    ax.annotate(
        f"learns: ≥ {threshold:.2f}",
        (1, threshold),
        xycoords=("axes fraction", "data"),
        ha="right",
        va="bottom",
        fontsize=7,
        color="0.4",
    )
    ax.set(xlabel="hidden layers", ylabel="test accuracy", ylim=(0, 1))


def draw_lr_curves(ax, acc: pd.DataFrame, fair: pd.DataFrame) -> None:
    """Test accuracy against learning rate per case: open circle = its default, star = its best."""
    for case, rows in acc.groupby("case", sort=False):
        rows = rows.sort_values("lr")
        (line,) = ax.plot(rows["lr"], rows["test_acc"], linewidth=1.0, label=case)
        f = fair.loc[case]
        ax.plot(f["default_lr"], f["acc_default"], "o", mfc="none", color=line.get_color(), ms=6)
        ax.plot(f["best_lr"], f["acc_best"], "*", color=line.get_color(), ms=8)
    ax.set_xscale("log")
    ax.axhline(CHANCE, color="0.75", linestyle=":", linewidth=0.8)
    ax.set(xlabel="learning rate", ylabel="test accuracy", ylim=(0, 1))


def draw_rank_change(ax, fair: pd.DataFrame) -> None:
    """Each case's rank at its default learning rate (left) and at its own best (right)."""
    n = len(fair)
    # tied ranks share a number but get their own row, so no two labels print over each other
    row0 = fair["acc_default"].rank(ascending=False, method="first")
    row1 = fair["acc_best"].rank(ascending=False, method="first")
    for case, f in fair.iterrows():
        r0, r1 = row0[case], row1[case]
        moved = f["rank_default"] != f["rank_tuned"]
        ax.plot(
            [0, 1],
            [r0, r1],
            marker="o",
            markersize=3,
            color="tab:blue" if moved else "0.6",
            linewidth=1.2 if moved else 0.8,
        )
        ax.annotate(
            f"{case} {f['rank_default']}",
            (0, r0),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=6.5,
        )
        ax.annotate(
            f"{f['rank_tuned']} {case}",
            (1, r1),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=6.5,
        )
    ax.set_xlim(-1.2, 2.2)
    ax.set_ylim(n + 0.5, 0.5)
    ax.set_xticks([0, 1], ["default lr", "own best lr"])
    ax.set_yticks([])
    ax.set_title("rank (1 = best)", fontsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _edges(values, log: bool) -> np.ndarray:
    """Cell edges around sorted centres: midpoints inside, half a step beyond the ends."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        e = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mid = (v[1:] + v[:-1]) / 2
        e = np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])
    return np.exp(e) if log else e


def theory_curve(
    activation: str, lo: float, hi: float, n: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """(sigma_w, 6 xi_c) over [lo, hi] at sigma_b = 0: the predicted deepest trainable network."""
    sw = np.linspace(lo, hi, n)
    return sw, np.array([meanfield.trainable_depth(activation, s) for s in sw])


def draw_phase_diagram(ax, grid: pd.DataFrame, activation: str):
    """Mean test accuracy over sigma_w x depth, the critical sigma_w and 6 xi_c; returns the mesh."""
    sws, depths = grid.columns.to_numpy(float), grid.index.to_numpy(int)
    xe, ye = _edges(sws, log=False), _edges(depths, log=True)
    mesh = ax.pcolormesh(xe, ye, grid.to_numpy(float), cmap="viridis", norm=ACC_NORM)
    crit = meanfield.critical_sigma_w(activation, 0.0)
    sw, depth = theory_curve(activation, xe[0], xe[-1])
    ax.plot(sw, np.clip(depth, ye[0], ye[-1]), color="w", linewidth=1.5, label="6 ξ_c (predicted)")
    ax.axvline(
        crit, color="tab:red", linestyle="--", linewidth=1.2, label=f"critical σ_w = {crit:.3g}"
    )
    ax.set_yscale("log")
    ax.set_yticks(depths, [str(d) for d in depths])
    ax.minorticks_off()
    ax.set(
        xlim=(xe[0], xe[-1]),
        ylim=(ye[0], ye[-1]),
        xlabel="σ_w = init std × √width",
        ylabel="hidden layers",
        title=activation,
    )
    ax.title.set_position((0.0, 1.0))
    ax.title.set_horizontalalignment("left")
    return mesh


def draw_critical_lines(ax, sigma_bs=None, marks: dict[str, list[float]] | None = None) -> None:
    """Critical sigma_w against sigma_b (chi_1 = 1) for tanh and sigmoid; swept sigma_w as ticks."""
    sigma_bs = np.linspace(0.0, 1.5, 16) if sigma_bs is None else np.asarray(sigma_bs)
    for act, color in (("tanh", "tab:blue"), ("sigmoid", "tab:orange")):
        line = meanfield.critical_line(act, sigma_bs)
        ax.plot([b for b, _ in line], [s for _, s in line], color=color, label=f"{act}: χ₁ = 1")
        for sw in (marks or {}).get(act, []):
            ax.plot(0.0, sw, marker="_", color=color, markersize=8)
    ax.set_yscale("log")
    ax.set(xlabel="σ_b", ylabel="σ_w")
    ax.annotate(
        "above: chaotic (exploding)\nbelow: ordered (vanishing)",
        (0.03, 0.97),
        xycoords="axes fraction",
        va="top",
        fontsize=6.5,
        color="0.4",
    )
