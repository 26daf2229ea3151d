"""Per-case summaries over seeds: mean, 95% CI, significance against baseline, curves."""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..remedies import FAMILIES, REMEDIES

CHANCE = 0.10
PUBLISHED_MLP = 0.8833  # MLP 256-128-100 on Fashion-MNIST, the dataset's benchmark table
ALPHA = 0.05


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
    p_value: float | None = None  # Welch t-test against baseline (>= 3 seeds each)

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

    @property
    def significant(self) -> bool | None:
        return None if self.p_value is None else self.p_value < ALPHA


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


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Two-sided Welch t-test p-value; None with fewer than 3 values a side or no variance."""
    if len(a) < 3 or len(b) < 3:
        return None
    if statistics.pvariance(a) == 0 and statistics.pvariance(b) == 0:
        return 0.0 if statistics.fmean(a) != statistics.fmean(b) else 1.0
    with warnings.catch_warnings():  # near-identical samples: scipy warns about precision
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return p if math.isfinite(p) else None


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
            conv = [r["convergence_epoch"] for r in rs if r["convergence_epoch"] is not None]
            s.converged_seeds = len(conv)
            s.convergence = statistics.median(conv) if conv else None
            s.vr_epoch1 = geomean([r["vanishing_ratio"]["epoch1"] for r in rs])
            s.vr_final = geomean([r["vanishing_ratio"]["final"] for r in rs])
            s.seconds = statistics.fmean(r["train_seconds"] for r in rs)
            s.seconds_per_epoch = statistics.fmean(r["seconds_per_epoch"] for r in rs)
            mfus = [r["mfu"] for r in rs if r.get("mfu") is not None]
            s.mfu = statistics.fmean(mfus) if mfus else None
            gf = [r["gflops_per_second"] for r in rs if r.get("gflops_per_second") is not None]
            s.gflops = statistics.fmean(gf) if gf else None
            s.diverged = sum(bool(r["diverged"]) for r in rs)
        out[cid] = s
    base = out["baseline"]
    for s in out.values():
        if s.case != "baseline" and not s.missing and not base.missing:
            s.p_value = welch_p(s.accs, base.accs)
    return out


def mean_curve(records: list[dict], key: str) -> np.ndarray:
    """Mean over seeds of a per-epoch scalar (NaN where a seed stopped or recorded None)."""
    length = max(len(r["history"]) for r in records)
    arr = np.full((len(records), length), np.nan)
    for i, r in enumerate(records):
        for j, h in enumerate(r["history"]):
            v = h[key]
            arr[i, j] = np.nan if v is None else v
    with warnings.catch_warnings():  # all-NaN columns (stopped or frozen) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=0) if len(records) > 1 else arr[0]


def mean_layer_matrix(records: list[dict], key: str) -> np.ndarray:
    """Mean over seeds of a per-layer, per-epoch quantity: (layers, epochs), NaN for None."""
    length = max(len(r["history"]) for r in records)
    layers = len(records[0]["history"][0][key])
    arr = np.full((len(records), layers, length), np.nan)
    for i, r in enumerate(records):
        for j, h in enumerate(r["history"]):
            arr[i, :, j] = [np.nan if v is None else v for v in h[key]]
    with warnings.catch_warnings():  # all-NaN columns (stopped or frozen) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(arr, axis=0) if len(records) > 1 else arr[0]


def family_cases() -> dict[str, list[str]]:
    """Case ids per family, in table order."""
    out: dict[str, list[str]] = {f: [] for f in FAMILIES}
    for cid, case in REMEDIES.items():
        out[case.family].append(cid)
    return out
