"""How a source claim is tested: each check reads the records (or computes) and applies the one rule."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from vgmodels.analysis.case_diagnosis import g
from vgmodels.analysis.stats import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_RUN,
    REPRODUCED,
    Decision,
    Interval,
    bounded,
    decide_about,
    decide_difference,
    one_sample,
)

__all__ = ["CONTRADICTED", "INCONCLUSIVE", "NOT_RUN", "REPRODUCED"]

MARGIN = 0.01  # equivalence margin of an accuracy claim: a difference inside +-1 point is no effect
ARTICLE_EPOCHS = 300
EXPLODED = 100 * math.log(10)  # a training loss 100 x chance's counts as exploded

Groups = dict[str, list[dict]]


@dataclass(frozen=True)
class Outcome:
    """What a check found: the protocol it read, our numbers, the difference, the verdict."""

    protocol: str
    measured: str
    verdict: str
    reason: str = ""
    difference: str = "–"
    seeds: int | None = None  # inconclusive: seeds a side that would decide at the observed spread


def protocol(records: list[dict]) -> str:
    """'paper, 100 epochs, 3 seeds' from a case's records."""
    epochs = "/".join(str(e) for e in sorted({r["epochs"] for r in records}))
    n = len(records)
    return f"{records[0]['profile']}, {epochs} epochs, {n} seed{'s' if n != 1 else ''}"


def not_run(*cases_and_records: tuple[str, list[dict] | None]) -> Outcome:
    gone = " and ".join(c for c, rs in cases_and_records if not rs)
    return Outcome("–", "–", NOT_RUN, f"no records of {gone}")


@dataclass(frozen=True)
class Metric:
    """A per-record number a claim is judged on; 'log' metrics are compared as log10."""

    name: str
    read: Callable[[dict], float | None]
    kind: str = "acc"  # acc: shown in [0, 1], difference in points | log | share

    def values(self, records: list[dict]) -> list[float]:
        vals = [self.read(r) for r in records]
        vals = [v for v in vals if v is not None and math.isfinite(v)]
        return [math.log10(v) for v in vals if v > 0] if self.kind == "log" else vals

    def show(self, values: list[float]) -> str:
        """The mean, and the seeds themselves (up to 5) or the interval cut to the range."""
        if self.kind == "log":
            return (
                f"{g(10 ** statistics.fmean(values))} (seeds {', '.join(g(10**v) for v in values)})"
            )
        m = statistics.fmean(values)
        if len(values) <= 5:
            return f"{m:.4f} (seeds {', '.join(f'{v:.4f}' for v in values)})"
        iv = bounded(one_sample(values))
        return f"{m:.4f} (95% CI {iv.lo:.4f}–{iv.hi:.4f})"

    def difference(self, iv: Interval | None) -> str:
        if iv is None:
            return "–"
        if self.kind == "acc":
            return iv.format(1, 100) + " points"
        if self.kind == "log":
            return f"×{g(10**iv.estimate)} (95% CI ×{g(10**iv.lo)} to ×{g(10**iv.hi)})"
        return iv.format(3, 100) + " % of units" if self.kind == "share" else iv.format(3)


TEST_ACC = Metric("test acc.", lambda r: r["test_acc"])


def _last(key: str, index: int | None = None) -> Callable[[dict], float | None]:
    def read(r: dict) -> float | None:
        v = r["history"][-1].get(key)
        return v if index is None or v is None else v[index]

    return read


def _first_layer_grad(r: dict) -> float | None:
    norms = r["history"][0].get("grad_norm") or [None]
    return norms[0]


def first_last_ratio(record: dict) -> float | None:
    """||dL/dh_1|| / ||dL/dh_T|| at the last epoch of a recurrent record."""
    norms = record["history"][-1].get("grad_norm_time") or []
    if not norms or not norms[0] or not norms[-1]:
        return None
    return norms[0] / norms[-1]


def _worst_saturation(r: dict) -> float | None:
    sat = [v for v in r["history"][-1].get("saturation") or [] if v is not None]
    return max(sat) if sat else None


FIRST_GRAD = Metric("first hidden layer's gradient norm, epoch 1", _first_layer_grad, "log")
THROUGH_TIME = Metric("‖∂L/∂h₁‖ / ‖∂L/∂h_T‖, last epoch", first_last_ratio, "log")
SATURATED = Metric("share of sigmoid units beyond 0.99 of their range", _worst_saturation, "share")
TRAIN_ACC = Metric("final training acc.", _last("train_acc"))
TRAIN_LOSS = Metric("final training loss", _last("train_loss"), "loss")


@dataclass(frozen=True)
class Compare:
    """`case` beats `against` (side +1) or lies below it (side -1) on a metric, by the one rule.

    `against_profile`: read the comparison case from the supplement runs of that profile where
    there are some (a budget-matched comparison); `note`: what the row must say about it.
    """

    case: str
    against: str = "baseline"
    metric: Metric = TEST_ACC
    side: int = 1
    margin: float | None = MARGIN
    against_profile: str | None = None
    note: str = ""

    def __call__(self, groups: Groups, extra: Groups | None = None) -> Outcome:
        a = groups.get(self.case)
        b = (extra or {}).get(self.against) if self.against_profile else None
        b = b or groups.get(self.against)
        if not a or not b:
            return not_run((self.case, a), (self.against, b))
        run = protocol(a)
        if {r["epochs"] for r in a} != {r["epochs"] for r in b}:
            run += f" ({self.against}: {protocol(b)})"
        xa, xb = self.metric.values(a), self.metric.values(b)
        if not xa or not xb:
            return Outcome(run, "–", NOT_RUN, f"no {self.metric.name} in the records")
        margin = self.margin if self.metric.kind in ("acc", "share") else None
        iv, d = decide_difference(xa, xb, self.side, margin=margin)
        measured = (
            f"{self.metric.name}: {self.metric.show(xa)} vs {self.against} {self.metric.show(xb)}"
        )
        reason = "; ".join(x for x in (d.reason, self.note) if x)
        return Outcome(run, measured, d.verdict, reason, self.metric.difference(iv), d.seeds)


@dataclass(frozen=True)
class About:
    """A quantity reaches about `target` (within `tol`) at the article's 300 epochs, full data."""

    case: str
    metric: Metric
    target: float
    tol: float

    def __call__(self, groups: Groups, extra: Groups | None = None) -> Outcome:
        rs = [
            r
            for r in (extra or {}).get(self.case, []) + groups.get(self.case, [])
            if r["epochs"] == ARTICLE_EPOCHS and r["profile_config"].get("n_train") is None
        ]
        if not rs:
            return Outcome("–", "–", NOT_RUN, f"no records of {self.case} at 300 epochs, full data")
        vals = self.metric.values(rs)
        iv, d = decide_about(vals, self.target, self.tol)
        measured = f"{self.metric.name} {self.metric.show(vals)}"
        diff = "–" if iv is None else f"mean {iv.estimate:.3f} (95% CI {iv.lo:.3f} to {iv.hi:.3f})"
        return Outcome(protocol(rs), measured, d.verdict, d.reason, diff, d.seeds)


@dataclass(frozen=True)
class Explodes:
    """Every seed diverges (NaN) or its training loss passes EXPLODED; contradicted when none does."""

    case: str

    def __call__(self, groups: Groups, extra: Groups | None = None) -> Outcome:
        rs = groups.get(self.case)
        if not rs:
            return not_run((self.case, rs))
        peaks = [
            max(
                (
                    h["train_loss"]
                    for h in r["history"]
                    if h.get("train_loss") is not None and math.isfinite(h["train_loss"])
                ),
                default=math.nan,
            )
            for r in rs
        ]
        boom = [bool(r["diverged"]) or p > EXPLODED for r, p in zip(rs, peaks, strict=True)]
        n_div = sum(bool(r["diverged"]) for r in rs)
        finite = [p for p in peaks if math.isfinite(p)]
        measured = f"diverged in {n_div} of {len(rs)} seeds; " + (
            f"largest training loss {g(max(finite))}" if finite else "no finite loss"
        )
        if all(boom):
            d = Decision(REPRODUCED)
        elif not any(boom):
            d = Decision(CONTRADICTED, "its loss stays bounded in every seed")
        else:
            d = Decision(INCONCLUSIVE, f"{sum(boom)} of {len(rs)} seeds explode")
        return Outcome(protocol(rs), measured, d.verdict, d.reason)


def short(x: float) -> str:
    """Four significant digits, exponents written short (1e-05 -> 1e-5, 2.5e+10 -> 2.5e10)."""
    mantissa, e, exponent = f"{x:.4g}".partition("e")
    return mantissa + (f"e{int(exponent)}" if e else "")


def _slack(text: str) -> float:
    """Two units of a quoted number's last digit ('0.071' -> 0.002, '1.0e-5' -> 2e-6)."""
    mantissa, _, exponent = text.lower().partition("e")
    return 2 * 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def agrees(ours: float, quoted: str) -> bool:
    """Ours against a quoted number: '=v' exactly (to 1e-9 relative), '>v' above it, 'a–b'
    inside the range, 'v' to two units of its last digit (sources round intermediate steps)."""
    if quoted.startswith("="):
        return math.isclose(ours, float(quoted[1:]), rel_tol=1e-9, abs_tol=0.0)
    if quoted.startswith(">"):
        return ours > float(quoted[1:])
    lo, _, hi = quoted.partition("–")
    hi = hi or lo
    return float(lo) - _slack(lo) <= ours <= float(hi) + _slack(hi)


@dataclass(frozen=True)
class Computed:
    """Quoted numbers against our computation: `compute` returns (name, ours, quoted) triples."""

    compute: Callable[[], list[tuple[str, float, str]]]
    how: str = "computed with torch autograd"

    def __call__(self, groups: Groups, extra: Groups | None = None) -> Outcome:
        rows = self.compute()
        measured = "; ".join(f"{name} = {short(ours)}" for name, ours, _ in rows)
        off = [
            f"{name}: ours vs quoted {quoted}"
            for name, ours, quoted in rows
            if not agrees(ours, quoted)
        ]
        if off:
            return Outcome(self.how, measured, CONTRADICTED, "; ".join(off))
        return Outcome(self.how, measured, REPRODUCED)
