"""How a source claim is tested: each check reads the records (or computes) and gives a verdict."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from vgmodels.analysis.case_diagnosis import diagnose_case, g
from vgmodels.analysis.diagnosis import VANISHING
from vgmodels.analysis.summary import ALPHA, ci95, permutation_p, smallest_p

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_TESTED = "not tested at this profile"
NOT_RUN = "not run"
LEARNS = (
    0.6  # "converges, training accuracy approaching 0.7": final training accuracy at least this
)
BARELY = 0.2  # "training accuracy around 0.1": final training accuracy at most this
KEPT = (
    0.02  # BatchNorm keeps z where sigmoid' is strong: under 2% of units saturated in every layer
)
ARTICLE_EPOCHS = 300

Groups = dict[str, list[dict]]


@dataclass(frozen=True)
class Outcome:
    """What a check found: the protocol it read, our number, the verdict and why."""

    protocol: str
    measured: str
    verdict: str
    reason: str = ""


def mean_ci(values: list[float], digits: int = 4) -> str:
    """'0.8512 ± 0.0040', or '0.3159 (n=1, no CI)'."""
    m = statistics.fmean(values)
    ci = ci95(values)
    return f"{m:.{digits}f}" + (f" ± {ci:.{digits}f}" if ci is not None else " (n=1, no CI)")


def geo_ci(values: list[float]) -> str:
    """Geometric mean of positive values with the 95% t-interval taken on their logs."""
    logs = [math.log10(v) for v in values]
    m, ci = statistics.fmean(logs), ci95(logs)
    if ci is None:
        return f"{g(10**m)} (n=1, no CI)"
    return f"{g(10**m)} (95% CI {g(10 ** (m - ci))}–{g(10 ** (m + ci))})"


def protocol(records: list[dict]) -> str:
    """'paper, 100 epochs, 3 seeds' from a case's records."""
    epochs = "/".join(str(e) for e in sorted({r["epochs"] for r in records}))
    n = len(records)
    return f"{records[0]['profile']}, {epochs} epochs, {n} seed{'s' if n != 1 else ''}"


def _accs(records: list[dict]) -> list[float]:
    return [r["test_acc"] for r in records]


def _why(case: str, records: list[dict]) -> str:
    """The diagnosis of a failing case in a few words ('' when it learns)."""
    d = diagnose_case(case, records)
    return d.short if d.failing else ""


@dataclass(frozen=True)
class Helps:
    """`case` beats `against` on test accuracy: the exact permutation test of Table 1."""

    case: str
    against: str = "baseline"

    def __call__(self, groups: Groups) -> Outcome:
        a, b = groups.get(self.case), groups.get(self.against)
        if not a or not b:
            gone = " and ".join(c for c, rs in ((self.case, a), (self.against, b)) if not rs)
            return Outcome(protocol(a) if a else "–", "–", NOT_RUN, f"no records of {gone}")
        run = protocol(a)
        if {r["epochs"] for r in a} != {r["epochs"] for r in b}:
            other = "/".join(str(e) for e in sorted({r["epochs"] for r in b}))
            run += f" ({self.against}: {other} epochs)"
        xa, xb = _accs(a), _accs(b)
        diff = statistics.fmean(xa) - statistics.fmean(xb)
        p = permutation_p(xa, xb)
        points = round(100 * diff, 1) + 0.0  # no "-0.0"
        measured = f"{mean_ci(xa)} vs {self.against} {mean_ci(xb)}; {points:+.1f} points"
        if p is None:
            return Outcome(run, measured, NOT_TESTED, "fewer than 2 seeds a side: no test")
        measured += f", p = {p:.2f}"
        if diff <= 0:
            why = _why(self.case, a) or f"no gain over {self.against}"
            return Outcome(run, measured, NOT_REPRODUCED, why)
        if p <= ALPHA:
            return Outcome(run, measured, REPRODUCED)
        p_min = smallest_p(len(xa), len(xb))
        if p_min > ALPHA:
            seeds = (
                f"{len(xa)} seeds a side"
                if len(xa) == len(xb)
                else f"{len(xa)} and {len(xb)} seeds"
            )
            why = f"{seeds}: p ≥ {p_min:.2f}"
            if min(xa) > max(xb):
                why += f"; every seed above every {self.against} seed"
            return Outcome(run, measured, NOT_TESTED, why)
        return Outcome(run, measured, NOT_REPRODUCED, _why(self.case, a) or "not significant")


def _final_train_acc(records: list[dict]) -> list[float]:
    return [r["history"][-1]["train_acc"] for r in records]


@dataclass(frozen=True)
class DepthAt300:
    """The article's depth claim on final training acc.: learns (>= LEARNS) or not (<= BARELY)."""

    case: str
    learns: bool

    def __call__(self, groups: Groups) -> Outcome:
        rs = groups.get(self.case)
        if not rs:
            return Outcome("–", "–", NOT_RUN, f"no records of {self.case}")
        accs = _final_train_acc(rs)
        measured = f"training acc. {mean_ci(accs)}"
        epochs = {r["epochs"] for r in rs}
        full_data = all(r["profile_config"].get("n_train") is None for r in rs)
        if epochs != {ARTICLE_EPOCHS} or not full_data:
            why = f"needs {ARTICLE_EPOCHS} epochs on the full data (profile paper300)"
            return Outcome(protocol(rs), measured, NOT_TESTED, why)
        m = statistics.fmean(accs)
        ok = m >= LEARNS if self.learns else m <= BARELY
        if ok:
            return Outcome(protocol(rs), measured, REPRODUCED)
        if self.learns:
            return Outcome(
                protocol(rs), measured, NOT_REPRODUCED, _why(self.case, rs) or "learns less"
            )
        above = sum(a > BARELY for a in accs)
        why = f"it learns: training accuracy above {BARELY} in {above} of {len(accs)} seeds"
        return Outcome(protocol(rs), measured, NOT_REPRODUCED, why)


def first_last_ratio(record: dict) -> float | None:
    """||dL/dh_1|| / ||dL/dh_T|| at the last epoch of a recurrent record."""
    norms = record["history"][-1].get("grad_norm_time") or []
    if not norms or not norms[0] or not norms[-1]:
        return None
    return norms[0] / norms[-1]


@dataclass(frozen=True)
class ThroughTime:
    """A plain RNN's gradient through time vanishes (first/last step < VANISHING); gated less."""

    rnn: str
    gated: tuple[str, ...]

    def __call__(self, groups: Groups) -> Outcome:
        present = [c for c in (self.rnn, *self.gated) if groups.get(c)]
        if self.rnn not in present or len(present) < 2:
            gone = ", ".join(c for c in (self.rnn, *self.gated) if c not in present)
            return Outcome("–", "–", NOT_RUN, f"no records of {gone}")
        ratios = {}
        for c in present:
            vals = [x for x in map(first_last_ratio, groups[c]) if x is not None and x > 0]
            if vals:
                ratios[c] = vals
        if self.rnn not in ratios:
            return Outcome(protocol(groups[self.rnn]), "–", NOT_RUN, "no through-time gradients")
        measured = "; ".join(f"{c} {geo_ci(v)}" for c, v in ratios.items())
        geo = {c: statistics.fmean(math.log10(x) for x in v) for c, v in ratios.items()}
        run = protocol(groups[self.rnn])
        if geo[self.rnn] >= math.log10(VANISHING):
            return Outcome(
                run, measured, NOT_REPRODUCED, f"the RNN's ratio stays above {VANISHING:g}"
            )
        worse = [c for c in geo if c != self.rnn and geo[c] <= geo[self.rnn]]
        if worse:
            return Outcome(run, measured, NOT_REPRODUCED, f"{', '.join(worse)} vanish as much")
        return Outcome(run, measured, REPRODUCED)


@dataclass(frozen=True)
class Unsaturated:
    """Under KEPT of the case's sigmoid units saturated in every hidden layer at the last epoch."""

    case: str
    against: str = "baseline"

    def _worst(self, records: list[dict]) -> list[float]:
        return [max((v for v in r["history"][-1].get("saturation") or [] if v is not None),
                    default=0.0) for r in records]  # fmt: skip

    def __call__(self, groups: Groups) -> Outcome:
        rs = groups.get(self.case)
        if not rs:
            return Outcome("–", "–", NOT_RUN, f"no records of {self.case}")
        worst = self._worst(rs)
        measured = f"most saturated layer {mean_ci(worst, 3)}"
        if groups.get(self.against):
            measured += f" ({self.against} {mean_ci(self._worst(groups[self.against]), 3)})"
        if statistics.fmean(worst) < KEPT:
            return Outcome(protocol(rs), measured, REPRODUCED)
        return Outcome(protocol(rs), measured, NOT_REPRODUCED, "its sigmoids saturate")


@dataclass(frozen=True)
class Explodes:
    """A case diverges or its loss explodes in most seeds (diagnosis of Table 1)."""

    case: str

    def __call__(self, groups: Groups) -> Outcome:
        rs = groups.get(self.case)
        if not rs:
            return Outcome("–", "–", NOT_RUN, f"no records of {self.case}")
        held = diagnose_case(self.case, rs).held
        bad = [k for k in ("diverged", "exploded") if k in held]
        peak = max((h["train_loss"] for r in rs for h in r["history"]
                    if h.get("train_loss") is not None), default=math.nan)  # fmt: skip
        measured = f"diverged in {sum(bool(r['diverged']) for r in rs)} of {len(rs)} seeds; " + (
            f"largest training loss {g(peak)}" if math.isfinite(peak) else "no finite loss"
        )
        if bad:
            return Outcome(protocol(rs), measured, REPRODUCED)
        return Outcome(protocol(rs), measured, NOT_REPRODUCED, "its loss stays bounded")


def short(x: float) -> str:
    """Four significant digits, exponents written short (1e-05 -> 1e-5)."""
    return f"{x:.4g}".replace("e-0", "e-").replace("e+0", "e")


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

    def __call__(self, groups: Groups) -> Outcome:
        rows = self.compute()
        measured = "; ".join(f"{name} = {short(ours)}" for name, ours, _ in rows)
        off = [f"{name}: ours vs quoted {quoted}" for name, ours, quoted in rows
               if not agrees(ours, quoted)]  # fmt: skip
        if off:
            return Outcome(self.how, measured, NOT_REPRODUCED, "; ".join(off))
        return Outcome(self.how, measured, REPRODUCED)
