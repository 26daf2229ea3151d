"""Layer-wise training schedules: how the network grows, which layers learn, phase by phase."""

from __future__ import annotations

from dataclasses import dataclass

from vgmodels.profiles import Profile
from vgmodels.remedies import Case

ALL = tuple(range(7))


@dataclass(frozen=True)
class Phase:
    """A stretch of epochs on the first `active_depth` hidden layers; those in `trainable` learn.

    `grow`: this phase starts a bigger network, so it gets a new output layer on top (PyTorch's
    default init) and a new optimizer with fresh state, as both sources build each stage.
    """

    name: str
    epochs: int
    trainable: tuple[int, ...]
    active_depth: int
    grow: bool = False

    @property
    def frozen(self) -> tuple[int, ...]:
        return tuple(i for i in range(self.active_depth) if i not in self.trainable)


# S1, the article: 7 trainings of a network grown from sub-models of 2-2-2-1 layers; each growth
# trains the new sub-model with the old ones frozen, then everything; the last training is 3x
_PAPER = [
    ("sub-model 1", 1, (0, 1), 2, True),
    ("+ sub-model 2, 1 frozen", 1, (2, 3), 4, True),
    ("1-2 unfrozen", 1, (0, 1, 2, 3), 4, False),
    ("+ sub-model 3, 1-2 frozen", 1, (4, 5), 6, True),
    ("1-3 unfrozen", 1, (0, 1, 2, 3, 4, 5), 6, False),
    ("+ sub-model 4, 1-3 frozen", 1, (6,), 7, True),
    ("all unfrozen", 3, ALL, 7, False),
]
# S2, the course: 4 stages; each adds a sub-model with the earlier ones frozen, the last unfreezes all
_GREEDY = [
    ("sub-model 1", 1, (0, 1), 2, True),
    ("+ sub-model 2, 1 frozen", 1, (2, 3), 4, True),
    ("+ sub-model 3, 1-2 frozen", 1, (4, 5), 6, True),
    ("+ sub-model 4, all unfrozen", 1, ALL, 7, True),
]
SCHEDULES = {"layerwise_paper": _PAPER, "layerwise_greedy": _GREEDY}
BUDGETS = ("split", "full")


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


def phases_for(
    schedule: str, epochs: int, depth: int = 7, exact: bool = False, budget: str = "split"
) -> list[Phase]:
    """The phases of a schedule; 'none' is one phase with everything learning.

    budget 'split': the profile's `epochs` split over the stages in the source's proportions (a
    fair budget beside the other cases); 'full': every stage gets `epochs` (the article's last
    stage 3x), the sources' own budget. `exact` (paper300): the article's 6 x 100 + 300 epochs.
    """
    if schedule == "none":
        return [Phase("all", epochs, tuple(range(depth)), depth)]
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; accepted: none, {', '.join(SCHEDULES)}")
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; accepted: {', '.join(BUDGETS)}")
    if depth != 7:
        raise ValueError(f"{schedule} is defined for 7 hidden layers, got {depth}")
    spec = SCHEDULES[schedule]
    weights = [w for _, w, _, _, _ in spec]
    if budget == "full":
        lengths = [epochs * w for w in weights]
    elif exact and schedule == "layerwise_paper":  # only the article published its epoch counts
        lengths = [100 * w for w in weights]
    else:
        lengths = split_budget(weights, epochs)
    return [Phase(n, e, t, d, g) for (n, _, t, d, g), e in zip(spec, lengths, strict=True)]


def case_phases(case: Case, profile: Profile) -> list[Phase]:
    """The phases of `case` under `profile`: the one place a case's epochs are decided."""
    cfg, tc = case.model, case.train
    budget = profile.epochs_for(cfg.recurrent)
    return phases_for(tc.schedule, budget, cfg.depth, profile.exact_layerwise, tc.budget)
