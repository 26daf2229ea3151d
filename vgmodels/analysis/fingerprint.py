"""A case's fingerprint over seeds (final loss, epoch-1 gradient profile, validation curve) and
the quantities of a new run that moved off it."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

K = 6.0  # tolerance = max(floor, K x the seeds' spread)
# Floors: the smallest move that fails, whatever the seeds' spread; wide enough for the same seed
# on another CPU, thread count or torch build, and for chance-level curves flipping between
# constant predictions (a 1,024-image split: classes hold 8-12% of it).
FLOORS = {"test_acc": 0.05, "train_loss": 0.05, "grad_log10": 0.25, "val_acc": 0.03}
LOSS_RELATIVE = 0.1  # the loss floor is also 10% of the baseline's loss (saturated cases sit at 70)
ZERO_GRAD = 1e-10  # gradient norms below 1e-10 (rounding noise, exact zeros) count as 1e-10


@dataclass(frozen=True)
class Moved:
    """One quantity off its baseline: which, where, by how much, and the tolerance it broke."""

    quantity: str  # test_acc | train_loss | grad_log10 | val_acc | layers | epochs | diverged
    where: str  # a layer, the curve's worst epoch, or "" for a scalar
    amount: float | None  # current - baseline (val_acc: mean |difference| over epochs)
    tolerance: float
    current: float | None = None
    baseline: float | None = None

    @property
    def excess(self) -> float:
        """How many tolerances off (inf where a value appeared or vanished)."""
        if self.amount is None or not self.tolerance:
            return math.inf
        return abs(self.amount) / self.tolerance

    def __str__(self) -> str:
        name = f"{self.quantity}[{self.where}]" if self.where else self.quantity
        if self.amount is None:
            return f"{name} {_num(self.current)} vs {_num(self.baseline)}"
        return f"{name} {self.amount:+.3g} (tol {self.tolerance:.3g})"


def _num(x) -> str:
    return "null" if x is None else f"{x:.4g}"


def of_record(rec: dict) -> dict:
    """The quantities the gate compares, read from one record."""
    h = rec["history"]
    grads = (h[0].get("grad_norm") or []) if h else []
    return {
        "test_acc": rec["test_acc"],
        "train_loss": h[-1].get("train_loss") if h else None,
        "grad_log10": [None if g is None else math.log10(max(g, ZERO_GRAD)) for g in grads],
        "val_acc": [row.get("val_acc") for row in h],
        "diverged": bool(rec["diverged"]),
    }


def stats(values) -> tuple[float | None, float]:
    """(mean, sample std) of the finite values; (None, 0) when there are none."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None, 0.0
    return statistics.fmean(vals), statistics.stdev(vals) if len(vals) > 1 else 0.0


def columns(lists: list[list]) -> list[list]:
    """Per position, the values of every list that reaches it."""
    width = max((len(x) for x in lists), default=0)
    return [[x[i] for x in lists if i < len(x)] for i in range(width)]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _entry(mean, spread: float, floor: float) -> dict:
    return {"mean": mean, "std": _r(spread), "tolerance": _r(max(floor, K * spread))}


def summarize(records: list[dict]) -> dict:
    """One case's baseline entry over its seeds: accuracy (mean, std, tolerance) and fingerprint.

    The gradient profile takes the largest spread of its layers, the validation curve the mean
    spread of its epochs: three seeds that agree by chance on one point make no hair trigger.
    """
    fps = [of_record(r) for r in records]
    acc, acc_std = stats(f["test_acc"] for f in fps)
    loss, loss_std = stats(f["train_loss"] for f in fps)
    grads = [stats(c) for c in columns([f["grad_log10"] for f in fps])]
    curve = [stats(c) for c in columns([f["val_acc"] for f in fps])]
    loss_floor = max(FLOORS["train_loss"], LOSS_RELATIVE * abs(loss or 0.0))
    return {
        **_entry(_r(acc), acc_std, FLOORS["test_acc"]),
        "seeds": [r["seed"] for r in records],
        "fingerprint": {
            "train_loss": _entry(_r(loss), loss_std, loss_floor),
            "grad_log10": _entry(
                [_r(m) for m, _ in grads],
                max((s for _, s in grads), default=0.0),
                FLOORS["grad_log10"],
            ),
            "val_acc": _entry(
                [_r(m) for m, _ in curve],
                statistics.fmean(s for _, s in curve) if curve else 0.0,
                FLOORS["val_acc"],
            ),
            "diverged": sum(f["diverged"] for f in fps),
        },
    }


def _means(lists: list[list]) -> list[float | None]:
    return [stats(c)[0] for c in columns(lists)]


def _scalar(name: str, cur, ref: dict) -> list[Moved]:
    base, tol = ref["mean"], ref["tolerance"]
    if cur is None and base is None:
        return []
    if cur is None or base is None:
        return [Moved(name, "", None, tol, cur, base)]
    return [Moved(name, "", cur - base, tol, cur, base)] if abs(cur - base) > tol else []


def _profile(cur: list, ref: dict, names: list[str]) -> list[Moved]:
    """Layers whose log10 gradient norm is off (both null is a match; one null is a move)."""
    out = []
    tol = ref["tolerance"]
    for i, (c, b) in enumerate(zip(cur, ref["mean"], strict=False)):
        where = names[i] if i < len(names) else f"layer {i + 1}"
        if c is None and b is None:
            continue
        if c is None or b is None:
            out.append(Moved("grad_log10", where, None, tol, c, b))
        elif abs(c - b) > tol:
            out.append(Moved("grad_log10", where, c - b, tol, c, b))
    return out


def _curve(cur: list, ref: dict) -> list[Moved]:
    """The validation curve, judged by its mean absolute difference over the common epochs."""
    pairs = [(c, b) for c, b in zip(cur, ref["mean"], strict=False) if None not in (c, b)]
    if not pairs:
        return []
    diffs = [c - b for c, b in pairs]
    distance = statistics.fmean(abs(d) for d in diffs)
    if distance <= ref["tolerance"]:
        return []
    worst = max(range(len(diffs)), key=lambda i: abs(diffs[i]))
    where = f"mean |diff|; epoch {worst + 1} {diffs[worst]:+.2f}"
    return [Moved("val_acc", where, distance, ref["tolerance"])]


def moved(records: list[dict], entry: dict) -> list[Moved]:
    """Every quantity of these records (one case, any seeds) off the case's baseline entry."""
    fps = [of_record(r) for r in records]
    acc = statistics.fmean(f["test_acc"] for f in fps)
    out = []
    if acc < entry["mean"] - entry["tolerance"]:
        out.append(
            Moved("test_acc", "", acc - entry["mean"], entry["tolerance"], acc, entry["mean"])
        )
    fp = entry.get("fingerprint")
    if not fp:  # an accuracy-only baseline
        return out
    out += _scalar("train_loss", stats(f["train_loss"] for f in fps)[0], fp["train_loss"])
    grads = _means([f["grad_log10"] for f in fps])
    out += _profile(grads, fp["grad_log10"], records[0].get("layers") or [])
    curve = _means([f["val_acc"] for f in fps])
    out += _curve(curve, fp["val_acc"])
    for name, cur, base in (
        ("layers", len(grads), len(fp["grad_log10"]["mean"])),
        ("epochs", len(curve), len(fp["val_acc"]["mean"])),
    ):
        if cur != base:
            out.append(Moved(name, "", cur - base, 0, cur, base))
    seeds = len(entry.get("seeds") or []) or 1
    was, now = fp["diverged"] / seeds, statistics.fmean(f["diverged"] for f in fps)
    if (was == 0 and now > 0) or (was == 1 and now < 1):
        out.append(Moved("diverged", "", now - was, 0, now, was))
    return out


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _numbers(values) -> bool:
    return isinstance(values, list) and all(v is None or _is_num(v) for v in values)


def valid(fp) -> bool:
    """Whether a baseline's fingerprint entry has every field compare() reads, of the right type."""
    if not isinstance(fp, dict) or not _is_num(fp.get("diverged")):
        return False
    loss, grads, curve = (fp.get(k) for k in ("train_loss", "grad_log10", "val_acc"))
    if not all(isinstance(q, dict) for q in (loss, grads, curve)):
        return False
    return (
        (loss.get("mean") is None or _is_num(loss.get("mean")))
        and _is_num(loss.get("tolerance"))
        and _numbers(grads.get("mean"))
        and _is_num(grads.get("tolerance"))
        and _numbers(curve.get("mean"))
        and _is_num(curve.get("tolerance"))
    )
