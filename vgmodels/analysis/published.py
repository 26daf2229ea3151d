"""A run beside the published study: each case's value at the run's last epoch against the
published seeds' range at that same epoch (validation accuracy; first/last hidden-layer gradient
norm ratio)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from vgmodels.data import PROJECT_ROOT
from vgmodels.remedies import REMEDIES
from vgmodels.results import ResultsError, by_case, read_json, records_from_obj
from vgmodels.training.metrics import vanishing_ratio

PUBLISHED = PROJECT_ROOT / "site" / "results.json"
PUBLISHED_PROFILE = "paper"
WITHIN, OUTSIDE = "within the published spread", "outside the published spread"
REL = 1e-9  # a stored float read back may differ in its last bit


@dataclass
class Quantity:
    """One quantity of one case: the run's seeds' values and the published seeds' range."""

    yours: list[float | None]
    low: float | None
    high: float | None

    def inside(self) -> list[bool]:
        """Per seed of the run: whether its value lies in the published range."""
        lo, hi = self.low, self.high
        return [
            v is not None and lo is not None and lo - REL * abs(lo) <= v <= hi + REL * abs(hi)
            for v in self.yours
        ]


@dataclass
class CaseComparison:
    """A case at `epoch`: its quantities, or why it cannot be compared (`reason`)."""

    case: str
    epoch: int
    n_published: int
    quantities: dict[str, Quantity] = field(default_factory=dict)
    reason: str = ""

    @property
    def verdict(self) -> str:
        """'within ...' when every seed's every quantity lies in the published range."""
        if self.reason:
            return f"not compared: {self.reason}"
        qs = list(self.quantities.values())
        seeds = [
            all(q.inside()[i] for q in qs if q.yours[i] is not None)
            for i in range(len(qs[0].yours))
        ]
        if all(seeds):
            return WITHIN
        within = sum(seeds)
        return OUTSIDE + (f" ({within} of {len(seeds)} seeds within)" if within else "")


def published_records(path: Path = PUBLISHED) -> list[dict] | None:
    """The published study's `paper` records, or None when the file is absent or unreadable."""
    try:
        records = records_from_obj(read_json(path), str(path))
    except ResultsError:
        return None
    return [r for r in records if r["profile"] == PUBLISHED_PROFILE] or None


def _identity(r: dict) -> tuple:
    return r["case"], r["seed"], r["profile"], r["test_acc"], r["train_seconds"]


def are_published(records: list[dict], published: list[dict]) -> bool:
    """True when every record is one of the published ones (a render of the study itself)."""
    ids = {_identity(r) for r in published}
    return all(_identity(r) in ids for r in records)


def _ratio(row: dict) -> float | None:
    return vanishing_ratio(row["grad_norm"]) if row.get("grad_norm") else None


QUANTITIES = {"val_acc": lambda row: row["val_acc"], "grad_ratio": _ratio}


def _schedule_differs(yours: list[dict], published: list[dict], epoch: int) -> str:
    """Why epoch `epoch` is not the same point of training in both ('' when it is)."""
    at = {
        (r["history"][epoch - 1].get("phase"), r["history"][epoch - 1].get("lr"))
        for r in [*yours, *published]
    }
    return "" if len(at) == 1 else "its phase or learning rate at this epoch depends on the budget"


def compare_case(case: str, yours: list[dict], published: list[dict]) -> CaseComparison:
    """The case at the run's last epoch (the shortest of its seeds) against the published seeds."""
    epoch = min(r["epochs_run"] for r in yours)
    out = CaseComparison(case, epoch, len(published))
    if not published:
        out.reason = "not in the published study"
    elif min(r["epochs_run"] for r in published) < epoch:
        out.reason = f"the published runs stop before epoch {epoch}"
    else:
        out.reason = _schedule_differs(yours, published, epoch)
    if out.reason:
        return out
    for name, value in QUANTITIES.items():
        if name == "grad_ratio" and REMEDIES[case].model.recurrent:
            continue  # its layers are input and hidden-to-hidden weights: no first/last hidden
        pub = [value(r["history"][epoch - 1]) for r in published]
        pub = [v for v in pub if v is not None and math.isfinite(v)]
        mine = [value(r["history"][epoch - 1]) for r in yours]
        if pub and any(v is not None for v in mine):
            out.quantities[name] = Quantity(mine, min(pub), max(pub))
    if not out.quantities:
        out.reason = "no finite value to compare"
    return out


def compare(records: list[dict], published: list[dict]) -> list[CaseComparison]:
    """Every case of the run against the published study, in the run's case order."""
    pub = by_case(published)
    return [compare_case(c, rs, pub.get(c, [])) for c, rs in by_case(records).items()]
