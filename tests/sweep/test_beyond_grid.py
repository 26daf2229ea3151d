"""The 'beyond' sweep: its variants, critical gains, depths and command-line plan."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vgmodels.sweep import cli as sweep
from vgmodels.sweep.beyond_grid import BEYOND_CASES, BEYOND_DEPTHS_CPU, TANH_SIGMA_B, beyond_case
from vgmodels.sweep.grids import budget_profile, build_runs

Z, W = np.polynomial.hermite_e.hermegauss(200)  # E[f(z)], z ~ N(0, 1) = sum(W f(Z)) / sqrt(2 pi)
W = W / math.sqrt(2 * math.pi)


def _chi1(phi, dphi, sigma_w, sigma_b):
    """chi_1 at the variance fixed point, by plain iteration of the q-map (Gauss-Hermite)."""
    q = 1.0
    for _ in range(5000):
        q = sigma_w**2 * np.sum(W * phi(math.sqrt(q) * Z) ** 2) + sigma_b**2
    return sigma_w**2 * np.sum(W * dphi(math.sqrt(q) * Z) ** 2)


def test_default_grid_is_nine_variants_at_five_depths_with_the_probe_on():
    runs = build_runs(
        "beyond", list(BEYOND_CASES), budget_profile("beyond", None, None, None, None)
    )
    assert len(BEYOND_CASES) == 9 and BEYOND_DEPTHS_CPU == (7, 25, 50, 100, 200)
    assert len(runs) >= 45 and len({r.key for r in runs}) == len(runs)
    deep = [r for r in runs if r.key == "beyond-tanh_orthogonal-d200-s0"][0]
    assert deep.case.model.depth == 200 and deep.case.model.jacobian_probe == 8
    assert {r.case.train.optimizer for r in runs} == {"adam"}  # one optimizer for every variant


def test_tanh_critical_gain_puts_chi1_at_one():
    gain = beyond_case("tanh_orthogonal").model.init_gain
    assert beyond_case("tanh_gaussian").model.init_gain == gain  # the control: the same point
    sech2 = lambda x: 1 - np.tanh(x) ** 2  # noqa: E731
    assert _chi1(np.tanh, sech2, gain, TANH_SIGMA_B) == pytest.approx(1.0, abs=2e-3)
    assert _chi1(np.tanh, sech2, 0.95 * gain, TANH_SIGMA_B) < 0.99  # ordered below


def test_centred_sigmoid_critical_gain_puts_chi1_at_one():
    m = beyond_case("sigmoid_orthogonal").model
    assert m.center_bias and m.bias_std == 2 * TANH_SIGMA_B
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    centred, dsig = (lambda x: sig(x) - 0.5), (lambda x: sig(x) * (1 - sig(x)))
    assert _chi1(centred, dsig, m.init_gain, m.bias_std) == pytest.approx(1.0, abs=2e-3)


def test_baseline_variant_keeps_the_baselines_init():
    m = beyond_case("baseline_init").model
    assert (m.activation, m.init, m.init_std, m.norm, m.skip) == (
        "sigmoid",
        "normal",
        0.05,
        "none",
        "none",
    )


def test_plan_takes_depths_and_names_unknown_variants():
    args = sweep.parser().parse_args(
        [
            "beyond",
            "--cases",
            "selu,rezero",
            "--depths",
            "200",
            "--profile",
            "smoke",
            "--out",
            "/tmp/vg_beyond_plan",
        ]
    )
    runs, _ = sweep.plan(args)
    assert [r.key for r in runs] == ["beyond-selu-d200-s0", "beyond-rezero-d200-s0"]
    args = sweep.parser().parse_args(["beyond", "--cases", "tanh", "--out", "/tmp/vg_beyond_p"])
    with pytest.raises(ValueError, match="unknown variant 'tanh'; accepted: baseline_init"):
        sweep.plan(args)
