"""The 'beyond' sweep's variants: remedies after 2016 at depths 7 -> 200 (-> 1000 on a GPU).

Every variant trains as the others do (Adam lr 1e-4, batch 512, cross-entropy, width 128), so
depth and initialization are the only differences; each records the hidden-to-hidden Jacobian's
spectrum on JACOBIAN_SAMPLES validation images at initialization and after a few epochs.
Critical points (Schoenholz et al. 2017; vgmodels.analysis.meanfield): tanh at sigma_b = 0.01 has
chi_1 = 1 at sigma_w = 1.042 (q* = 0.046, small: tanh near its linear regime, where Pennington et
al. 2017 find isometry); sigmoid with centred biases is the same network at 4x the gain and twice
the bias std.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import torch

from vgmodels.analysis.meanfield import centered_sigmoid_critical, critical_sigma_w
from vgmodels.remedies import BASE_MODEL, BASE_TRAIN, Case

TANH_SIGMA_B = 0.01
JACOBIAN_SAMPLES = 8
BEYOND_TRAIN = replace(BASE_TRAIN, optimizer="adam", lr=1e-4)
BEYOND_DEPTHS_CPU = (7, 25, 50, 100, 200)
BEYOND_DEPTHS = BEYOND_DEPTHS_CPU + ((500, 1000) if torch.cuda.is_available() else ())

# id -> (description, model knobs); the critical gains are filled in by `beyond_case`
BEYOND_CASES = {
    "baseline_init": ("the baseline's sigmoid, N(0, 0.05), biases 0", {}),
    "sigmoid_orthogonal": (
        "sigmoid, orthogonal at the critical gain, biases centred (-W @ 1/2) + N(0, 0.02^2)",
        {"init": "orthogonal", "center_bias": True, "bias_std": 2 * TANH_SIGMA_B},
    ),
    "tanh_orthogonal": (
        "tanh, orthogonal at the critical gain (sigma_b 0.01)",
        {"activation": "tanh", "init": "orthogonal", "bias_std": TANH_SIGMA_B},
    ),
    "tanh_gaussian": (
        "tanh, N(0, sigma_w^2 / fan_in) at the same critical point (the control)",
        {"activation": "tanh", "init": "scaled_normal", "bias_std": TANH_SIGMA_B},
    ),
    "relu_he": ("ReLU with He (Kaiming) normal init", {"activation": "relu", "init": "kaiming"}),
    "selu": ("SELU with LeCun normal init", {"activation": "selu", "init": "lecun"}),
    "lsuv_sigmoid": ("sigmoid, LSUV (orthogonal, unit output variance)", {"init": "lsuv"}),
    "batchnorm": ("BatchNorm1d between Linear and sigmoid, N(0, 0.05)", {"norm": "batchnorm"}),
    "rezero": (
        "ReLU blocks h + alpha * f(h), alpha from 0, He init",
        {"activation": "relu", "init": "kaiming", "skip": "rezero"},
    ),
}


def _gain(knobs: dict) -> dict:
    if knobs.get("init") not in ("orthogonal", "scaled_normal"):
        return knobs
    if knobs.get("activation", "sigmoid") == "tanh":
        return {**knobs, "init_gain": critical_sigma_w("tanh", TANH_SIGMA_B)}
    return {**knobs, "init_gain": centered_sigmoid_critical(knobs["bias_std"])}


@cache
def beyond_case(case_id: str) -> Case:
    """The variant of that id at depth 7, or ValueError naming the accepted ids."""
    if case_id not in BEYOND_CASES:
        raise ValueError(
            f"beyond: unknown variant {case_id!r}; accepted: {', '.join(BEYOND_CASES)}"
        )
    description, knobs = BEYOND_CASES[case_id]
    model = replace(BASE_MODEL, jacobian_probe=JACOBIAN_SAMPLES, **_gain(knobs))
    return Case(case_id, "beyond", description, model, BEYOND_TRAIN)
