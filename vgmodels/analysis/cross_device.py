"""Same case, same seed, two machines: how far apart the records land.

A run is a function of its seed only on one machine: another device (or another linear kernel,
another PyTorch) sums in another order, and the rounding compounds over the epochs; a GPU run
stacks seeds and replays CUDA graphs where the CPU runs each seed eagerly. These functions pair the
records of a study with records of the same case, seed, profile and epoch budget made on another
device type, and state what "the same" means between them: the final test accuracy and the
per-layer weight-gradient norms of the first epoch (before rounding has compounded).
"""

from __future__ import annotations

import math
from collections import defaultdict

from vgmodels.results import device_label


def _key(r: dict) -> tuple:
    return (r["case"], r["seed"], r.get("profile"), r.get("epochs"))


def pairs(records: list[dict], others: list[dict]) -> list[dict]:
    """Each (study record, other record) of one case, seed, profile and epoch budget whose device
    types differ: both accuracies, their difference (other - study) and, per layer, the epoch-1
    gradient norm's ratio other / study (None where either is zero or not finite)."""
    mine = {_key(r): r for r in records}
    out = []
    for o in others:
        r = mine.get(_key(o))
        if r is None or r.get("device") == o.get("device"):
            continue
        g, h = r["history"][0]["grad_norm"], o["history"][0]["grad_norm"]
        ratios = [
            b / a if a and b and math.isfinite(a) and math.isfinite(b) else None
            for a, b in zip(g, h, strict=True)
        ]
        out.append(
            {
                "case": r["case"],
                "seed": r["seed"],
                "device": device_label(r),
                "other_device": device_label(o),
                "test_acc": r["test_acc"],
                "other_test_acc": o["test_acc"],
                "d_acc": o["test_acc"] - r["test_acc"],
                "grad1_ratio": ratios,
            }
        )
    return sorted(out, key=lambda p: (p["case"], p["seed"]))


def per_case(paired: list[dict]) -> list[dict]:
    """Per case: seeds paired, mean and largest |difference| of test accuracy, and the smallest
    and largest epoch-1 gradient-norm ratio over its layers and seeds."""
    by_case: dict[str, list[dict]] = defaultdict(list)
    for p in paired:
        by_case[p["case"]].append(p)
    out = []
    for case, ps in sorted(by_case.items()):
        d = [abs(p["d_acc"]) for p in ps]
        ratios = [x for p in ps for x in p["grad1_ratio"] if x is not None]
        out.append(
            {
                "case": case,
                "seeds": len(ps),
                "mean_abs_d_acc": sum(d) / len(d),
                "max_abs_d_acc": max(d),
                "grad1_ratio_min": min(ratios) if ratios else None,
                "grad1_ratio_max": max(ratios) if ratios else None,
            }
        )
    return out
