"""Each case's diagnosis over its seeds: whether it learns, what held in most seeds, the evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from vgmodels.analysis.diagnosis import CHANCE_ACC, diagnose
from vgmodels.analysis.summary import geomean

LEARNS = 0.5  # a seed learns when its test accuracy reaches 0.50, five times chance (ten classes)
LATE = 0.75  # "still improving" only when the best validation came after this share of the run

# Table 1's words for each finding, in the order they are listed
LABELS = {
    "diverged": "diverged",
    "exploded": "loss exploded",
    "collapsed": "learned, then collapsed",
    "stuck": "stuck at chance loss",
    "above_chance": "loss above chance",
    "barely": "barely learning",
    "saturated": "saturated",
    "zero_gradient": "zero gradient",
    "forward_collapse": "forward signal dies",
    "forward_explosion": "forward signal explodes",
    "vanishing": "vanishing gradient",
    "improving": "still improving",
}
NOT_LEARNING = f"test accuracy below {LEARNS:.2f}"


@dataclass
class CaseDiagnosis:
    """Whether most seeds of a case learn (test accuracy), and the findings most seeds show."""

    case: str
    n: int = 0
    held: dict[str, list[dict]] = field(default_factory=dict)
    accs: list[float] = field(default_factory=list)
    grad_ratio: float | None = None  # Table 1's final vanishing ratio: geometric mean over seeds
    ratio_epoch1: float | None = None  # ... and its epoch-1 ratio

    @property
    def learned(self) -> int:
        """The seeds whose test accuracy reaches LEARNS."""
        return sum(a >= LEARNS for a in self.accs)

    @property
    def failing(self) -> bool:
        """A case fails when at most half its seeds learn (accuracy, not loss, decides)."""
        return self.n > 0 and self.learned <= self.n / 2

    @property
    def label(self) -> str:
        """Table 1's diagnosis cell: learns or not (k/n where seeds differ), then the findings."""
        if not self.n:
            return "missing"
        k = self.learned
        if self.failing:
            head = "does not learn" + (f" ({k}/{self.n} seeds learn)" if k else "")
        else:
            head = "learns" + (f" ({k}/{self.n} seeds)" if k < self.n else "")
        words = [head]
        for key, word in LABELS.items():
            if key in self.held:
                m = len(self.held[key])
                words.append(word + (f" ({m}/{self.n})" if key == "diverged" or m < self.n else ""))
        return "; ".join(words)

    @property
    def short(self) -> str:
        """What is wrong, in a few words: the findings without 'still improving'."""
        words = [w for k, w in LABELS.items() if k in self.held and k != "improving"]
        return ", ".join(words) or NOT_LEARNING


def best_is_late(record: dict, late: float = LATE) -> bool:
    """Whether the run's best validation accuracy came after `late` of its epochs."""
    vals = [h.get("val_acc") for h in record["history"]]
    vals = [v if isinstance(v, (int, float)) else -1.0 for v in vals]
    if not vals:
        return False
    best = max(range(len(vals)), key=vals.__getitem__)
    return best + 1 > late * len(vals)


def _ratio(records: list[dict], key: str) -> float | None:
    """Table 1's vanishing ratio: the records' own ratio, geometric mean over seeds."""
    return geomean([(r.get("vanishing_ratio") or {}).get(key) for r in records])


def diagnose_case(case: str, records: list[dict]) -> CaseDiagnosis:
    """A case's findings: each per-record finding held by more than half the seeds.

    'Still improving' counts for a seed only where its best validation accuracy came late.
    """
    per_seed = [diagnose(r) for r in records]
    for found, r in zip(per_seed, records, strict=True):
        if "improving" in found and not best_is_late(r):
            del found["improving"]
    d = CaseDiagnosis(case, len(records))
    d.accs = [r.get("test_acc", CHANCE_ACC) for r in records]
    for k in LABELS:
        found = [x[k] for x in per_seed if k in x]
        if found and (k == "diverged" or len(found) > len(records) / 2):
            d.held[k] = found
    d.grad_ratio, d.ratio_epoch1 = _ratio(records, "final"), _ratio(records, "epoch1")
    return d


def g(x: float | None) -> str:
    """Two significant digits, exponents written short (2.7e7, 4e-05 -> 4e-5)."""
    if x is None:
        return "–"
    if 100 <= abs(x) < 1e5:
        return f"{float(f'{x:.2g}'):,.0f}"
    text = f"{x:.2g}"
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def span(values: list[float], fmt=g) -> str:
    """One value, or the range over seeds where they differ once written."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def pct(values: list[float]) -> str:
    return span([100 * v for v in values], lambda x: f"{x:.0f}") + "%"


def epochs(values: list[int]) -> str:
    return span(values, lambda x: f"{x:.0f}")
