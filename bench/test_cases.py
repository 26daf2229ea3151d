"""One benchmark per remedy case: trains each seed (or reuses its record) and keeps every record."""

from __future__ import annotations

import statistics
import time

import pytest

from vgmodels.check import compare
from vgmodels.models import layer_names
from vgmodels.remedies import REMEDIES
from vgmodels.training.flops import matmul_peak_gflops

# The study's claims, per profile, asserted on every seed's record. Each holds with a wide margin
# on every seed we ran (see bench/baselines/quick.json for the measured means and spreads).
CLAIMS = {
    "quick": {
        # 7 sigmoid layers with N(0, 0.05) weights: the first layer's gradient is ~1e-5 of the
        # last one's, so 20 epochs of SGD lr 1e-2 leave the network at chance (0.1000 on all seeds)
        "baseline": ("<", 0.20),
        # normalizing before each sigmoid keeps derivatives near 0.25 in every layer (0.835-0.840)
        "batchnorm": (">", 0.75),
        # Adam rescales each weight's step by its own gradient size, undoing the vanishing (0.794-0.804)
        "adam": (">", 0.75),
        # ReLU with He init passes gradients at unit scale through every layer (0.842-0.845)
        "kaiming_relu": (">", 0.80),
        # the modern recipe learns fastest and best (0.898-0.902)
        "resnet_bn_relu": (">", 0.85),
        # ReLU with N(0, 1) weights multiplies activations by ~sqrt(128 / 2) = 8 per layer: NaN
        "relu_std1": ("diverged", True),
    },
}


def _holds(claim, record) -> bool:
    op, bound = claim
    if op == "diverged":
        return record["diverged"] is bound
    return record["test_acc"] < bound if op == "<" else record["test_acc"] > bound


def test_case(benchmark, case_id, vg, plan):
    case = REMEDIES[case_id]

    def run():
        t0 = time.perf_counter()
        records, reused = plan.records(case_id)  # trains its runs, or waits for them
        return records, reused, time.perf_counter() - t0

    # called even when every seed is reused: a benchmark that never ran leaves no entry in the JSON
    records, reused, waited = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    fresh = [r for r in records if r["seed"] not in reused]
    accs = [r["test_acc"] for r in records]
    flops = sum(r["flops_per_epoch"] * r["epochs_run"] for r in fresh)
    # the wall time of this case's runs, from the first start to the last end: with runs of
    # several cases at once, the benchmark's own time is only how long this test waited for them
    wall = (
        max(r["finished_at"] for r in fresh) - min(r["started_at"] for r in fresh)
        if fresh
        else None
    )
    device = vg["device"]
    benchmark.extra_info.update(
        case=case_id,
        profile=vg["profile"].name,
        seeds=vg["seeds"],
        resumed_seeds=reused,
        test_acc_mean=statistics.fmean(accs),
        diverged=[r["diverged"] for r in records],
        concurrent_runs=records[0]["concurrent_runs"],
        wall_seconds=wall,
        waited_seconds=waited,
        # the runs' own seconds, whole runs with evaluation: what they cost, whatever ran beside
        run_seconds=sum(r["run_seconds"] for r in fresh),
        seed_epochs_per_second=sum(r["epochs_run"] for r in fresh) / wall if wall else None,
        machine_mfu=flops / wall / (matmul_peak_gflops(device.type) * 1e9) if wall else None,
        records=records,
    )
    for r in records:
        assert r["epochs_run"] >= 1 and len(r["history"]) == r["epochs_run"]
        assert len(r["history"][0]["grad_norm"]) == len(r["layers"]) == len(layer_names(case.model))
    claim = CLAIMS.get(vg["profile"].name, {}).get(case_id)
    if claim:
        for r in records:
            assert _holds(claim, r), (
                f"{case_id} seed {r['seed']}: test_acc {r['test_acc']:.4f}, diverged {r['diverged']}; "
                f"claimed {claim[0]} {claim[1]}"
            )
    if vg["baseline"] is not None:
        (row,) = [x for x in compare(records, vg["baseline"]) if x.case == case_id]
        if row.regressed:
            pytest.fail(row.reason)  # the verdict and every quantity that moved, worst first
