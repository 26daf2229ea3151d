"""Layer-wise training schedules: which hidden layers run and which learn, phase by phase."""

from __future__ import annotations

from dataclasses import dataclass

BLOCKS = ((0, 1), (2, 3), (4, 5), (6,))  # the 2-2-2-1 blocks of the 7 hidden layers
ALL = tuple(range(7))


@dataclass(frozen=True)
class Phase:
    """A stretch of epochs: hidden layers in `trainable` learn (the head always does)."""

    name: str
    epochs: int
    trainable: tuple[int, ...]
    active_depth: int


# layerwise_paper: one block learns with the rest frozen, then everything is unfrozen;
# the last unfrozen phase is three times as long (the paper's 6 x 100 + 300 epochs)
_PAPER = [
    ("block 1", 1, BLOCKS[0], 7),
    ("block 2", 1, BLOCKS[1], 7),
    ("all", 1, ALL, 7),
    ("block 3", 1, BLOCKS[2], 7),
    ("all", 1, ALL, 7),
    ("block 4", 1, BLOCKS[3], 7),
    ("all", 3, ALL, 7),
]
# layerwise_greedy: grow the network a block at a time with earlier blocks frozen, then all learn
_GREEDY = [
    ("grow 1-2", 1, BLOCKS[0], 2),
    ("grow 3-4", 1, BLOCKS[1], 4),
    ("grow 5-6", 1, BLOCKS[2], 6),
    ("grow 7, all", 1, ALL, 7),
]
SCHEDULES = {"layerwise_paper": _PAPER, "layerwise_greedy": _GREEDY}


def split_budget(weights: list[int], total: int) -> list[int]:
    """Split `total` epochs in proportion to `weights` (largest remainder), at least 1 each."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(parts) < total:
        parts[order[i % len(order)]] += 1
        i += 1
    return parts


def phases_for(schedule: str, epochs: int, depth: int = 7, exact: bool = False) -> list[Phase]:
    """The phases of a schedule within `epochs`; 'none' is one phase with everything learning."""
    if schedule == "none":
        return [Phase("all", epochs, tuple(range(depth)), depth)]
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; accepted: none, {', '.join(SCHEDULES)}")
    if depth != 7:
        raise ValueError(f"{schedule} is defined for 7 hidden layers, got {depth}")
    spec = SCHEDULES[schedule]
    weights = [w for _, w, _, _ in spec]
    # only the paper's own schedule has a published epoch count (paper300)
    exact = exact and schedule == "layerwise_paper"
    lengths = [100 * w for w in weights] if exact else split_budget(weights, epochs)
    return [Phase(n, e, t, d) for (n, _, t, d), e in zip(spec, lengths, strict=True)]
