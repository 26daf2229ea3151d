"""The setup's comparison of one seed on two machines (vgmodels.analysis.cross_device): a figure
of the accuracy differences and the first epoch's gradient-norm ratios, and a table per case."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import ticker

from vgmodels.analysis.cross_device import pairs, per_case
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.tables import Table


def draw_acc_differences(ax, paired: list[dict], cases: list[str]) -> None:
    """Per case, each seed's test-accuracy difference (other device - study), in points."""
    for i, case in enumerate(cases):
        ds = [100 * p["d_acc"] for p in paired if p["case"] == case]
        ax.plot([i] * len(ds), ds, "o", ms=3, color="C0", alpha=0.8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(range(len(cases)), cases, rotation=40, ha="right")
    ax.set_ylabel("test acc. difference (points)")


def draw_grad_ratios(ax, paired: list[dict], cases: list[str]) -> None:
    """Per case, every layer's epoch-1 gradient-norm ratio (other / study) of every seed; a log
    axis where the ratios span more than a factor of 10."""
    every = []
    for i, case in enumerate(cases):
        rs = [x for p in paired if p["case"] == case for x in p["grad1_ratio"] if x is not None]
        ax.plot([i] * len(rs), rs, "_", ms=8, color="C1", alpha=0.7)
        every += rs
    if every and max(every) / min(every) > 10:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.axhline(1, color="grey", lw=0.6)
    ax.set_xticks(range(len(cases)), cases, rotation=40, ha="right")
    ax.set_ylabel("epoch-1 grad. norm ratio")


def cross_device_section(records: list[dict], others: list[dict], fig_dir: Path) -> dict | None:
    """The figure and table, or None where no record of `others` pairs with the study's."""
    paired = pairs(records, others)
    if not paired:
        return None
    cases = sorted({p["case"] for p in paired})
    devices = sorted({p["device"] for p in paired})
    other_devices = sorted({p["other_device"] for p in paired})
    figs = Path(fig_dir)
    figs.mkdir(parents=True, exist_ok=True)
    fig, (a, b) = plt.subplots(1, 2, figsize=(WIDTH, 2.6))
    draw_acc_differences(a, paired, cases)
    draw_grad_ratios(b, paired, cases)
    fig.tight_layout()
    study, other = ", ".join(devices), ", ".join(other_devices)
    figure = Figure(
        "cross-device",
        _save(fig, figs, "cross_device.svg"),
        "The same seed on two machines",
        f"Each case's runs of the same seeds, profile and budget on {other} and on {study} (the "
        f"study's). Left: test accuracy on {other} minus on {study}, one dot per seed. Right: "
        "the ratio of the first epoch's weight-gradient norm, one mark per layer and seed "
        "(1: the same). These runs are compared here only; no other table or figure uses them.",
    )
    rows = [
        [
            s["case"],
            str(s["seeds"]),
            f"{100 * s['mean_abs_d_acc']:.2f}",
            f"{100 * s['max_abs_d_acc']:.2f}",
            "-"
            if s["grad1_ratio_min"] is None
            else f"{s['grad1_ratio_min']:.3g}-{s['grad1_ratio_max']:.3g}",
        ]
        for s in per_case(paired)
    ]
    table = Table(
        "cross-device",
        f"The same seeds on {other} against the study's {study}: test accuracy apart (points) "
        "and the first epoch's per-layer gradient-norm ratio.",
        ["Case", "Seeds", "Mean |Δ acc.|", "Largest |Δ acc.|", "Epoch-1 grad. ratio"],
        rows,
        [""] * len(rows),
    )
    return {"figure": figure, "table": table, "study": study, "other": other}
