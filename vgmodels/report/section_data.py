"""What the recurrent, SDAGD and layer-wise sections show, computed from the records."""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np

from vgmodels.analysis.summary import ci95
from vgmodels.analysis.verdicts import first_last_ratio

RECURRENT = ("rnn", "lstm", "gru", "rnn_long", "lstm_long", "gru_long")
SGD_DEPTHS = {3: "depth3", 5: "depth5", 7: "baseline"}
# plain SGD at SDAGD's own step size 0.1: the control that separates the method from the rate
SGD_FAST_DEPTHS = {3: "sgd_lr0.1_depth3", 5: "sgd_lr0.1_depth5", 7: "sgd_lr0.1"}
SDAGD_DEPTHS = {3: "sdagd_depth3", 5: "sdagd_depth5", 7: "sdagd"}
LAYERWISE = (
    ("layerwise_paper", "layerwise_paper_full"),
    ("layerwise_greedy", "layerwise_greedy_full"),
)


def present(groups: dict[str, list[dict]], cases) -> list[str]:
    """The cases that have records, in the given order."""
    return [c for c in cases if groups.get(c)]


def acc_stats(records: list[dict]) -> tuple[float, float | None]:
    """Mean test accuracy over seeds and the half-width of its 95% t-interval (None for 1 seed)."""
    accs = [r["test_acc"] for r in records]
    return statistics.fmean(accs), ci95(accs)


def fmt_acc(records: list[dict]) -> str:
    """'0.8512 (0.8470–0.8561)': the mean and the seeds' range (inside [0, 1]); '0.3159 (n=1)'."""
    accs = [r["test_acc"] for r in records]
    m = statistics.fmean(accs)
    lo, hi = f"{min(accs):.4f}", f"{max(accs):.4f}"
    spread = " (every seed)" if lo == hi else f" ({lo}–{hi})"
    return f"{m:.4f}" + (spread if len(accs) > 1 else " (n=1)")


def time_matrix(records: list[dict]) -> np.ndarray:
    """||dL/dh_t|| as (steps, epochs): geometric mean over seeds, NaN where none is positive."""
    length = max(len(r["history"]) for r in records)
    steps = max(
        (len(h.get("grad_norm_time") or []) for r in records for h in r["history"]), default=0
    )
    logs = np.full((len(records), steps, length), np.nan)
    for i, r in enumerate(records):
        for j, h in enumerate(r["history"]):
            vals = h.get("grad_norm_time") or []
            if len(vals) == steps:
                v = np.array([np.nan if x is None else x for x in vals], dtype=float)
                logs[i, :, j] = np.log10(np.where(v > 0, v, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return 10 ** np.nanmean(logs, axis=0)


def ratio_at(records: list[dict], epoch: int) -> float | None:
    """Geometric mean over seeds of ||dL/dh_1|| / ||dL/dh_T|| at an epoch (1-based; -1: last)."""
    vals = []
    for r in records:
        hist = r["history"]
        if not hist:
            continue
        row = hist[-1] if epoch == -1 else hist[min(epoch, len(hist)) - 1]
        x = first_last_ratio({"history": [row]})
        if x is not None and x > 0:
            vals.append(math.log10(x))
    return 10 ** statistics.fmean(vals) if vals else None


def depth_series(groups: dict[str, list[dict]], cases: dict[int, str]) -> list[tuple]:
    """(depth, mean, (lowest, highest seed), n) for each depth whose case has records."""
    out = []
    for depth, cid in cases.items():
        rs = groups.get(cid)
        if rs:
            accs = [r["test_acc"] for r in rs]
            out.append((depth, statistics.fmean(accs), (min(accs), max(accs)), len(rs)))
    return out


def phase_spans(phases: list[dict]) -> list[tuple[int, int, int, bool]]:
    """(first epoch, last epoch, active depth, new head) for each phase, epochs counted from 1."""
    out, start = [], 1
    for p in phases:
        new = bool(p.get("new_optimizer")) or "(new)" in str(p.get("head", ""))
        out.append((start, start + p["epochs"] - 1, p["active_depth"], new))
        start += p["epochs"]
    return out


def budget_row(records: list[dict]) -> dict:
    """A layer-wise case: its phases' epochs, the total, test accuracy and best validation."""
    phases = records[0].get("phases") or []
    best = [r["best_val_acc"] for r in records if r.get("best_val_acc") is not None]
    return {
        "epochs": sorted({r["epochs"] for r in records}),
        "per_phase": [p["epochs"] for p in phases],
        "depths": [p["active_depth"] for p in phases],
        "acc": fmt_acc(records),
        "best_val": statistics.fmean(best) if best else None,
        "n": len(records),
    }
