"""Intervals over seeds: Welch's difference of means, one-sample means, and the seeds a decision needs."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy import stats

LEVEL = 0.95
MAX_SEEDS = 1000  # seeds_to_decide gives up beyond this many a side


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided 95% t-interval; df is inf when the interval is the point."""

    estimate: float
    lo: float
    hi: float
    df: float

    def format(self, digits: int = 4, scale: float = 1.0) -> str:
        """'+12.3 (95% CI +10.1 to +14.5)' with the values multiplied by `scale`."""
        e, lo, hi = (round(v * scale, digits) + 0.0 for v in (self.estimate, self.lo, self.hi))
        if self.lo == self.hi:
            return f"{e:+.{digits}f} (no spread)"
        return f"{e:+.{digits}f} (95% CI {lo:+.{digits}f} to {hi:+.{digits}f})"


def t_quantile(df: float) -> float:
    """The two-sided 95% quantile of Student's t with df degrees of freedom (normal at df = inf)."""
    return float(
        stats.norm.ppf(0.5 + LEVEL / 2) if math.isinf(df) else stats.t.ppf(0.5 + LEVEL / 2, df)
    )


def _var_of_mean(values: list[float]) -> float:
    return statistics.variance(values) / len(values)


def welch_df(va: float, na: int, vb: float, nb: int) -> float:
    """Welch–Satterthwaite degrees of freedom from the squared standard errors va, vb of two means.

    A side with zero variance drops out: the df is the other side's n - 1 (a one-sample interval).
    """
    se2 = va + vb
    if se2 == 0:
        return math.inf
    return se2**2 / (va**2 / (na - 1) + vb**2 / (nb - 1))


def welch(a: list[float], b: list[float]) -> Interval | None:
    """mean(a) - mean(b) with its Welch 95% interval (None with fewer than 2 values a side)."""
    if len(a) < 2 or len(b) < 2:
        return None
    diff = statistics.fmean(a) - statistics.fmean(b)
    va, vb = _var_of_mean(a), _var_of_mean(b)
    df = welch_df(va, len(a), vb, len(b))
    half = 0.0 if math.isinf(df) else t_quantile(df) * math.sqrt(va + vb)
    return Interval(diff, diff - half, diff + half, df)


def one_sample(values: list[float]) -> Interval | None:
    """The mean with its t-interval (None for fewer than 2 values; the point when all are equal)."""
    if len(values) < 2:
        return None
    m, v = statistics.fmean(values), _var_of_mean(values)
    if v == 0:
        return Interval(m, m, m, math.inf)
    half = t_quantile(len(values) - 1) * math.sqrt(v)
    return Interval(m, m - half, m + half, len(values) - 1)


def bounded(iv: Interval, lo: float = 0.0, hi: float = 1.0) -> Interval:
    """The interval cut to the range the quantity can take (an accuracy's mean lies in [0, 1])."""
    return Interval(iv.estimate, max(lo, iv.lo), min(hi, iv.hi), iv.df)


def seeds_to_decide(distance: float, sds: list[float]) -> int | None:
    """Seeds per side at which an interval of half-width below `distance` is expected.

    `sds`: the observed standard deviation of each side (one for a one-sample interval). The
    half-width with n seeds a side is t(df_n) * sqrt(sum(sd^2) / n), df_n Welch's for equal n.
    None when no number of seeds decides (distance <= 0) or more than MAX_SEEDS would be needed.
    """
    if distance <= 0:
        return None
    s2 = [s * s for s in sds]
    total = sum(s2)
    if total == 0:
        return 2
    for n in range(2, MAX_SEEDS + 1):
        df = total**2 * (n - 1) / sum(v * v for v in s2)
        if t_quantile(df) * math.sqrt(total / n) < distance:
            return n
    return None


# --- the one verdict rule -----------------------------------------------------------------------

REPRODUCED = "reproduced"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"
NOT_RUN = "not run"


@dataclass(frozen=True)
class Decision:
    """A verdict, why (empty when reproduced), and the seeds a side that would decide it."""

    verdict: str
    reason: str = ""
    seeds: int | None = None


def _sds(*groups: list[float]) -> list[float]:
    return [statistics.stdev(x) for x in groups]


def _undecided(distances: list[float], sds: list[float], why: str) -> Decision:
    """Inconclusive, with the fewest seeds at which the observed spread would decide either way."""
    found = [n for n in (seeds_to_decide(d, sds) for d in distances if d > 0) if n is not None]
    return Decision(INCONCLUSIVE, why, min(found) if found else None)


def decide_difference(
    a: list[float], b: list[float], side: int = 1, size: float = 0.0, margin: float | None = None
) -> tuple[Interval | None, Decision]:
    """The rule for "a beats b" (side +1) or "a is below b" (side -1) on mean(a) - mean(b).

    Reproduced: the Welch 95% interval lies on the claimed side of `size` (0 unless the source
    states one). Contradicted: it lies on the other side of zero, or inside +-`margin` (an
    equivalence margin, where the source claims an effect). Inconclusive otherwise.
    """
    iv = welch(a, b)
    if iv is None:
        return None, Decision(INCONCLUSIVE, "fewer than 2 seeds a side: no interval")
    lo, hi = sorted((side * iv.lo, side * iv.hi))
    d = side * iv.estimate
    if lo > size:
        return iv, Decision(REPRODUCED)
    if hi < 0:
        return iv, Decision(CONTRADICTED, "the interval lies on the other side of zero")
    if margin is not None and -margin < lo and hi < margin:
        return iv, Decision(CONTRADICTED, f"the interval lies inside ±{margin:g}: no effect")
    distances = [d - size, -d] + ([margin - abs(d)] if margin is not None else [])
    return iv, _undecided(distances, _sds(a, b), "the interval straddles the claimed boundary")


def decide_about(
    values: list[float], target: float, tol: float
) -> tuple[Interval | None, Decision]:
    """The rule for "reaches about target": the mean's 95% interval inside target +- tol
    (reproduced), wholly outside it (contradicted), or across its edge (inconclusive)."""
    iv = one_sample(values)
    if iv is None:
        return None, Decision(INCONCLUSIVE, "one seed: no interval")
    band = (target - tol, target + tol)
    if band[0] <= iv.lo and iv.hi <= band[1]:
        return iv, Decision(REPRODUCED)
    if iv.hi < band[0] or iv.lo > band[1]:
        return iv, Decision(CONTRADICTED, f"the interval lies outside {target:g} ± {tol:g}")
    off = abs(iv.estimate - target)
    return iv, _undecided(
        [tol - off, off - tol],
        _sds(values),
        f"the interval crosses an edge of {target:g} ± {tol:g}",
    )
