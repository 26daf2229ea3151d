"""Mean-field recursions against closed forms, scipy's adaptive quadrature and wide random nets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from vgmodels.analysis import meanfield as mf

ACT = {"tanh": np.tanh, "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x))}
DACT = {
    "tanh": lambda x: 1.0 - np.tanh(x) ** 2,
    "sigmoid": lambda x: np.exp(-x) / (1.0 + np.exp(-x)) ** 2,
}


def quad_normal(f) -> float:
    """E[f(z)], z ~ N(0, 1), by scipy's adaptive quadrature (independent of our grid)."""
    return quad(
        lambda z: f(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
        -12,
        12,
        limit=400,
        epsabs=1e-13,
        epsrel=1e-12,
    )[0]


def random_net(act, sigma_w, sigma_b, x, depth, width=1000, seed=0):
    """Pre-activations of a wide random network, layer by layer: list of (width, n_inputs)."""
    rng = np.random.default_rng(seed)
    h, out = x, []
    for _ in range(depth):
        w = rng.standard_normal((width, h.shape[0]), dtype=np.float32) * (
            sigma_w / math.sqrt(len(h))
        )
        z = w @ h + rng.normal(0, sigma_b, (width, 1))
        out.append(z)
        h = ACT[act](z)
    return out


def test_tanh_without_bias_is_critical_at_sigma_w_one():
    # just above 1, q* ~ (1 - 1/sigma_w^2) / 2 and chi_1 = 1 + O((sigma_w - 1)^2): a flat root
    assert mf.critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("sigma_w", [0.3, 0.7, 0.95])
def test_tanh_ordered_phase_without_bias_has_closed_forms(sigma_w):
    # q* = 0 and tanh'(0) = 1, so chi_1 = sigma_w^2 and xi_c = -1 / ln(sigma_w^2)
    assert mf.q_star("tanh", sigma_w, 0.0) == 0.0
    assert mf.chi_1("tanh", sigma_w, 0.0) == pytest.approx(sigma_w**2, rel=1e-12)
    assert mf.depth_scale("tanh", sigma_w) == pytest.approx(-1 / math.log(sigma_w**2), rel=1e-9)
    assert mf.trainable_depth("tanh", sigma_w) == pytest.approx(6 * mf.depth_scale("tanh", sigma_w))


@pytest.mark.parametrize(
    "act,sigma_w,sigma_b",
    [("tanh", 1.5, 0.3), ("tanh", 0.8, 0.1), ("sigmoid", 4.0, 0.5), ("sigmoid", 12.0, 0.0)],
)
def test_fixed_point_and_chi_1_agree_with_adaptive_quadrature(act, sigma_w, sigma_b):
    q = mf.q_star(act, sigma_w, sigma_b)
    s = math.sqrt(q)
    assert sigma_w**2 * quad_normal(lambda z: ACT[act](s * z) ** 2) + sigma_b**2 == pytest.approx(
        q, rel=1e-9
    )
    chi = sigma_w**2 * quad_normal(lambda z: DACT[act](s * z) ** 2)
    assert mf.chi_1(act, sigma_w, sigma_b) == pytest.approx(chi, rel=1e-9)


@pytest.mark.parametrize(
    "act,sigma_b",
    [("tanh", 0.05), ("tanh", 0.3), ("tanh", 1.0), ("sigmoid", 0.0), ("sigmoid", 0.5)],
)
def test_critical_line_has_chi_1_equal_one_by_adaptive_quadrature(act, sigma_b):
    sw = mf.critical_sigma_w(act, sigma_b)
    # solve q* independently by fixed-point iteration with scipy's quadrature
    q = 1.0
    for _ in range(2000):
        q = sw**2 * quad_normal(lambda z, q=q: ACT[act](math.sqrt(q) * z) ** 2) + sigma_b**2
    assert sw**2 * quad_normal(lambda z: DACT[act](math.sqrt(q) * z) ** 2) == pytest.approx(
        1.0, abs=1e-6
    )


def test_critical_line_rises_with_bias_for_tanh():
    line = mf.critical_line("tanh", [0.0, 0.1, 0.3, 1.0])
    sws = [sw for _, sw in line]
    assert sws == sorted(sws) and sws[0] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("act,sigma_w,sigma_b", [("tanh", 1.5, 0.3), ("sigmoid", 6.0, 0.2)])
def test_wide_random_network_settles_at_q_star(act, sigma_w, sigma_b):
    x = np.random.default_rng(1).normal(0, 1, (784, 8))
    zs = random_net(act, sigma_w, sigma_b, x, depth=20)
    q_emp = np.mean([np.mean(z**2) for z in zs[8:]])
    assert q_emp == pytest.approx(mf.q_star(act, sigma_w, sigma_b), rel=0.03)


@pytest.mark.parametrize("act,sigma_w,sigma_b", [("tanh", 2.0, 0.3), ("sigmoid", 16.0, 0.3)])
def test_chi_c_agrees_with_monte_carlo(act, sigma_w, sigma_b):
    q, c = mf.q_star(act, sigma_w, sigma_b), mf.c_star(act, sigma_w, sigma_b)
    z1, z2 = np.random.default_rng(3).normal(0, 1, (2, 4_000_000))
    u1, u2 = math.sqrt(q) * z1, math.sqrt(q) * (c * z1 + math.sqrt(1 - c * c) * z2)
    mc = sigma_w**2 * np.mean(DACT[act](u1) * DACT[act](u2))
    assert mf.chi_c(act, sigma_w, sigma_b) == pytest.approx(mc, rel=5e-3)
    assert mf.chi_c(act, sigma_w, sigma_b) < 1.0  # the fixed point is stable
    mc_map = (sigma_w**2 * np.mean(ACT[act](u1) * ACT[act](u2)) + sigma_b**2) / q
    assert mc_map == pytest.approx(c, abs=5e-3)  # c* maps to itself


def test_perturbation_neither_grows_nor_shrinks_on_the_critical_line():
    sb = 0.3
    sw = mf.critical_sigma_w("tanh", sb)
    rng = np.random.default_rng(4)
    width = 1000
    h = np.tanh(rng.normal(0, math.sqrt(mf.q_star("tanh", sw, sb)), (width, 1)))
    dh = 1e-6 * rng.normal(0, 1, (width, 1))
    ratios = []
    for _ in range(20):
        w = rng.standard_normal((width, width), dtype=np.float32) * (sw / math.sqrt(width))
        b = rng.normal(0, sb, (width, 1))
        z, dz = w @ h + b, w @ dh
        new_dh = (1 - np.tanh(z) ** 2) * dz
        ratios.append(np.sum(new_dh**2) / np.sum(dh**2))
        h, dh = np.tanh(z), new_dh
    assert np.mean(ratios[5:]) == pytest.approx(1.0, abs=0.05)


def test_sigma_w_of_init_std():
    assert mf.sigma_w_of_std(0.05, 128) == pytest.approx(0.05 * math.sqrt(128))


def test_unknown_activation():
    with pytest.raises(ValueError, match="accepted: tanh, sigmoid"):
        mf.q_star("relu", 1.0, 0.0)


def test_centered_sigmoid_critical_is_four_times_tanh_at_half_the_bias():
    assert mf.centered_sigmoid_critical(0.04) == pytest.approx(
        4 * mf.critical_sigma_w("tanh", 0.02), rel=1e-12
    )


@pytest.mark.parametrize("sigma_w", [0.5, 0.8, 0.95])
def test_trainable_depth_boundary_in_the_ordered_linear_regime(sigma_w):
    """tanh, sigma_b = 0, sigma_w < 1: q* = 0, so chi = sigma_w^2 and xi = -1 / ln(sigma_w^2)."""
    ((s, depth),) = mf.trainable_depth_boundary("tanh", [sigma_w])
    assert s == sigma_w
    assert depth == pytest.approx(6.0 / -math.log(sigma_w**2), rel=1e-6)
