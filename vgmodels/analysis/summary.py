"""Per-case summaries over seeds: mean, 95% CI, significance against baseline, curves."""

from __future__ import annotations

import itertools
import math
import statistics
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from vgmodels.remedies import FAMILIES, REMEDIES

CHANCE = 0.10
PUBLISHED_MLP = 0.8833  # MLP 256-128-100 on Fashion-MNIST, the dataset's benchmark table


@dataclass
class CaseSummary:
    """What Table 1 and the text say about one case."""

    case: str
    family: str
    description: str
    records: list[dict] = field(default_factory=list)
    accs: list[float] = field(default_factory=list)
    mean: float | None = None
    ci95: float | None = None
    convergence: float | None = None  # median over seeds; None if no seed reached 0.80
    converged_seeds: int = 0
    vr_epoch1: float | None = None  # geometric mean over seeds
    vr_final: float | None = None
    seconds: float | None = None  # mean train seconds per seed
    seconds_per_epoch: float | None = None
    mfu: float | None = None
    gflops: float | None = None
    diverged: int = 0
    p_value: float | None = None  # exact permutation test against baseline (>= 2 seeds each)

    @property
    def n(self) -> int:
        return len(self.records)

    @property
    def missing(self) -> bool:
        return not self.records

    @property
    def status(self) -> str:
        if self.missing:
            return "missing"
        if self.diverged:
            return f"diverged ({self.diverged}/{self.n})"
        return "ok"


def ci95(values: list[float]) -> float | None:
    """Half-width of the t-based 95% confidence interval of the mean (None for < 2 values)."""
    if len(values) < 2:
        return None
    return float(
        stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    )


def geomean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    return float(math.exp(statistics.fmean(math.log(v) for v in vals))) if vals else None


def permutation_p(a: list[float], b: list[float]) -> float | None:
    """Exact two-sided permutation test of the difference of means (None with < 2 values a side).

    Valid whatever the variances, zero included: every split of the pooled values into groups of
    the two sizes is equally likely under "no difference"; p is the share of splits whose
    |difference of means| is at least the observed one.
    """
    if len(a) < 2 or len(b) < 2:
        return None
    pooled, n = list(a) + list(b), len(a)
    observed = abs(statistics.fmean(a) - statistics.fmean(b))
    total = sum(pooled)
    hits = count = 0
    for idx in itertools.combinations(range(len(pooled)), n):
        sa = sum(pooled[i] for i in idx)
        diff = abs(sa / n - (total - sa) / (len(pooled) - n))
        hits += diff >= observed - 1e-12
        count += 1
    return hits / count


def summarize(groups: dict[str, list[dict]]) -> dict[str, CaseSummary]:
    """A summary for every case of REMEDIES, present or missing, in REMEDIES order."""
    out = {}
    for cid, case in REMEDIES.items():
        s = CaseSummary(cid, case.family, case.description)
        rs = groups.get(cid, [])
        if rs:
            s.records = rs
            s.accs = [r["test_acc"] for r in rs]
            s.mean = statistics.fmean(s.accs)
            s.ci95 = ci95(s.accs)
            # a seed that never reaches 0.80 counts as later than any epoch
            conv = [r.get("convergence_epoch") for r in rs]
            s.converged_seeds = sum(c is not None for c in conv)
            med = statistics.median(math.inf if c is None else c for c in conv)
            s.convergence = None if math.isinf(med) else med
            vr = [r.get("vanishing_ratio") or {} for r in rs]
            s.vr_epoch1 = geomean([v.get("epoch1") for v in vr])
            s.vr_final = geomean([v.get("final") for v in vr])
            s.seconds = statistics.fmean(r.get("train_seconds") or 0.0 for r in rs)
            s.seconds_per_epoch = statistics.fmean(r.get("seconds_per_epoch") or 0.0 for r in rs)
            mfus = [r["mfu"] for r in rs if r.get("mfu") is not None]
            s.mfu = statistics.fmean(mfus) if mfus else None
            gf = [r["gflops_per_second"] for r in rs if r.get("gflops_per_second") is not None]
            s.gflops = statistics.fmean(gf) if gf else None
            s.diverged = sum(bool(r["diverged"]) for r in rs)
        out[cid] = s
    base = out["baseline"]
    for s in out.values():
        if s.case != "baseline" and not s.missing and not base.missing:
            s.p_value = permutation_p(s.accs, base.accs)
    return out


def mean_curve(records: list[dict], key: str) -> np.ndarray:
    """Mean over seeds of a per-epoch scalar (NaN where a seed stopped or recorded None)."""
    length = max(len(r["history"]) for r in records)
    arr = np.full((len(records), length), np.nan)
    for i, r in enumerate(records):
        for j, h in enumerate(r["history"]):
            v = h.get(key)
            arr[i, j] = np.nan if v is None else v
    with warnings.catch_warnings():  # all-NaN columns (stopped or frozen) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=0) if len(records) > 1 else arr[0]


def mean_layer_matrix(records: list[dict], key: str) -> np.ndarray:
    """Mean over seeds of a per-layer, per-epoch quantity: (layers, epochs), NaN for None."""
    length = max(len(r["history"]) for r in records)
    layers = max(
        (len(h[key]) for r in records for h in r["history"] if isinstance(h.get(key), list)),
        default=0,
    )  # recurrent records have no per-layer lists: (0, epochs)
    arr = np.full((len(records), layers, length), np.nan)
    for i, r in enumerate(records):
        for j, h in enumerate(r["history"]):
            vals = h.get(key)
            if isinstance(vals, list) and len(vals) == layers:
                arr[i, :, j] = [np.nan if v is None else v for v in vals]
    with warnings.catch_warnings():  # all-NaN columns (stopped or frozen) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=0) if len(records) > 1 else arr[0]


def family_cases() -> dict[str, list[str]]:
    """Case ids per family, in table order."""
    out: dict[str, list[str]] = {f: [] for f in FAMILIES}
    for cid, case in REMEDIES.items():
        out[case.family].append(cid)
    return out
