"""Pure functions over tensors and curves: gradient norms, update ratios, saturation, dead units."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

CONVERGENCE_THRESHOLD = 0.80
PLATEAU_POINTS = 0.01


def grad_norm_per_layer(grads: Sequence[torch.Tensor]) -> torch.Tensor:
    """L2 norm of each gradient tensor, stacked into one device tensor (no host sync)."""
    return torch.stack(torch._foreach_norm(list(grads)))


def update_ratio(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor]) -> torch.Tensor:
    """||W_after - W_before|| / ||W_before|| per layer (inf-safe: 0/0 -> 0)."""
    diffs = torch._foreach_sub(list(after), list(before))
    num = torch.stack(torch._foreach_norm(diffs))
    den = torch.stack(torch._foreach_norm(list(before)))
    return torch.where(den > 0, num / den.clamp_min(1e-30), torch.where(num > 0, math.inf, 0.0))


def saturation(h: torch.Tensor, activation: str) -> float | None:
    """Fraction of sigmoid/tanh outputs beyond 0.99 of their range; None for other activations."""
    if activation == "sigmoid":
        return ((h < 0.01) | (h > 0.99)).float().mean().item()
    if activation == "tanh":
        return (h.abs() > 0.99).float().mean().item()
    return None


def dead_fraction(z: torch.Tensor, activation: str) -> float | None:
    """Fraction of ReLU-family units whose pre-activation is <= 0 for every sample (B, units)."""
    if activation not in ("relu", "leaky_relu", "prelu", "elu"):
        return None
    return (z <= 0).all(dim=0).float().mean().item()


def convergence_epoch(
    val_acc: Sequence[float], threshold: float = CONVERGENCE_THRESHOLD
) -> int | None:
    """First epoch (1-based) with val_acc >= threshold; None if never."""
    for epoch, acc in enumerate(val_acc, start=1):
        if acc is not None and acc >= threshold:
            return epoch
    return None


def plateau_epoch(val_acc: Sequence[float], points: float = PLATEAU_POINTS) -> int | None:
    """First epoch (1-based) within `points` of the run's best val_acc; None for an empty run."""
    finite = [a for a in val_acc if a is not None and math.isfinite(a)]
    if not finite:
        return None
    best = max(finite)
    for epoch, acc in enumerate(val_acc, start=1):
        if acc is not None and acc >= best - points:
            return epoch
    return None


def vanishing_ratio(grad_norms: Sequence[float]) -> float | None:
    """Grad norm of the first hidden layer over the last hidden one (the output layer excluded)."""
    if len(grad_norms) < 3:
        return None
    first, last = grad_norms[0], grad_norms[-2]
    if first is None or last is None or not math.isfinite(first) or not math.isfinite(last):
        return None
    if last == 0:
        return None if first == 0 else math.inf
    return first / last


EPOCH_METRICS = (
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "grad_norm",
    "update_ratio",
    "act_mean",
    "act_std",
    "saturation",
    "dead",
)


def max_relative_difference(a: Sequence[dict], b: Sequence[dict], key: str) -> float | None:
    """Largest |x - y| / max(|x|, |y|) of one per-epoch metric between two histories.

    Over every epoch both histories ran and, for per-layer metrics, every layer; values that are
    None in either history (layers not recorded, non-finite values) are skipped; None when no pair
    is left. 0 means equal, 1 means one of the two is 0 or they have opposite signs.
    """
    pairs = []
    for ra, rb in zip(a, b, strict=False):
        xa, xb = ra.get(key), rb.get(key)
        if isinstance(xa, list) and isinstance(xb, list):
            pairs += zip(xa, xb, strict=True)
        else:
            pairs.append((xa, xb))
    diffs = [
        0.0 if x == y else abs(x - y) / max(abs(x), abs(y))
        for x, y in pairs
        if x is not None and y is not None
    ]
    return max(diffs) if diffs else None


def interleaved_ratios(base: Sequence[float], other: Sequence[float]) -> list[float]:
    """Each other[i] over the mean of the base timings taken just before and just after it.

    For timings taken in the order base[0], other[0], base[1], other[1], ..., base[n]: a drift of
    the machine's speed that is slow against one measurement cancels out of each ratio.
    """
    if len(base) != len(other) + 1:
        raise ValueError(f"need one more base timing than others, got {len(base)} and {len(other)}")
    return [o / ((base[i] + base[i + 1]) / 2) for i, o in enumerate(other)]


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of argmax predictions equal to y."""
    return (logits.argmax(dim=1) == y).float().mean().item()


def finite_or_none(x: float) -> float | None:
    """JSON-safe float: NaN and inf become None."""
    return x if x is not None and math.isfinite(x) else None
