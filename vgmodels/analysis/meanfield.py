"""Mean-field signal propagation in deep random networks (Schoenholz et al., ICLR 2017).

A layer is z = W phi(z_prev) + b with W_ij ~ N(0, sigma_w^2 / N) and b_i ~ N(0, sigma_b^2). In the
wide limit the pre-activation variance follows q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2 and
the correlation of two inputs follows the c-map; chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] decides
the phase (< 1 ordered: gradients vanish, > 1 chaotic: they explode), chi_1 = 1 is the critical
line, and correlations reach their fixed point over the depth scale xi_c = -1 / ln chi_c. Networks
train when their depth is below about 6 xi_c (the paper's Figure 5). Expectations over Gaussians
are trapezoid sums over a grid fine enough for the integrand (spectrally accurate here); everything here is a pure function of (activation, sigma_w, sigma_b).

Our MLP draws every weight from N(0, init_std^2), so a hidden layer of width N has
sigma_w = init_std * sqrt(N); its biases start at 0, so sigma_b = 0 for the trained networks.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy.optimize import brentq

TRAINABLE_DEPTH_FACTOR = 6.0  # Schoenholz et al.: trainable while depth < ~6 xi_c
_SIGMOID_MAX = 60.0  # keeps exp() finite; sigmoid is 0 or 1 to double precision beyond it
_Z = 9.0  # integration range in standard deviations: the Gaussian weight beyond is < 1e-18


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -_SIGMOID_MAX, _SIGMOID_MAX)))


def _phi(activation: str):
    """(phi, phi', phi'') of a saturating activation."""
    if activation == "tanh":
        return (
            np.tanh,
            lambda x: 1.0 - np.tanh(x) ** 2,
            lambda x: -2.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2),
        )
    if activation == "sigmoid":
        return (
            _sigmoid,
            lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)),
            lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)) * (1.0 - 2.0 * _sigmoid(x)),
        )
    raise ValueError(f"unknown activation {activation!r}; accepted: tanh, sigmoid")


@cache
def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points on [-Z, Z] and weights with sum(w * f(z)) = E[f(z)], z ~ N(0, 1) (trapezoid)."""
    z = np.linspace(-_Z, _Z, n)
    return z, np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * (z[1] - z[0])


def _points(scale: float, cap: int) -> int:
    # trapezoid sums of analytic integrands converge like (2 pi / h)^(m-1) exp(-2 pi d / h), d the
    # distance to the nearest pole (of order m <= 4): pi / (2 scale) for tanh'(scale z)^2;
    # h = 0.2 / scale keeps that near 1e-17
    n = int(2 * _Z * max(1.0, scale) / 0.2) + 1
    return min(cap, n | 1)


def gauss(f, scale: float = 1.0) -> float:
    """E[f(z)], z ~ N(0, 1); `scale` is the largest factor on z inside f (its feature width)."""
    z, w = _grid(_points(scale, 40001))
    return float(np.sum(w * f(z)))


def gauss2(f, scale: float = 1.0) -> float:
    """E[f(z1, z2)] for independent standard normals z1, z2 (tensor-product trapezoid)."""
    z, w = _grid(_points(scale, 2001))
    return float(np.sum(np.outer(w, w) * f(z[:, None], z[None, :])))


def q_map(q: float, activation: str, sigma_w: float, sigma_b: float) -> float:
    """Pre-activation variance of the next layer given this layer's variance q."""
    phi = _phi(activation)[0]
    return sigma_w**2 * gauss(lambda z: phi(math.sqrt(q) * z) ** 2, math.sqrt(q)) + sigma_b**2


def q_star(activation: str, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point q* of the variance map (the largest root of q_map(q) = q)."""

    def g(q):
        return q_map(q, activation, sigma_w, sigma_b) - q

    hi = 1.0
    while g(hi) > 0:
        hi *= 2.0
    lo = 0.0
    if g(0.0) <= 0.0:  # q = 0 is a fixed point (tanh, sigma_b = 0): look for a larger one
        lo = next((q for q in np.geomspace(hi, 1e-12, 241) if g(q) > 0), None)
        if lo is None:
            return 0.0
    return float(brentq(g, lo, hi, xtol=1e-14, rtol=1e-12))


def chi_1(activation: str, sigma_w: float, sigma_b: float) -> float:
    """sigma_w^2 E[phi'(sqrt(q*) z)^2]: the per-layer growth of a small perturbation (and gradient)."""
    dphi = _phi(activation)[1]
    s = math.sqrt(q_star(activation, sigma_w, sigma_b))
    return sigma_w**2 * gauss(lambda z: dphi(s * z) ** 2, s)


def c_map(
    c: float, activation: str, sigma_w: float, sigma_b: float, q: float | None = None
) -> float:
    """Correlation of two inputs' pre-activations one layer deeper, both at variance q (default q*)."""
    phi = _phi(activation)[0]
    q = q_star(activation, sigma_w, sigma_b) if q is None else q
    s, r = math.sqrt(q), math.sqrt(max(0.0, 1.0 - c * c))

    def both(z1, z2):
        return phi(s * z1) * phi(s * (c * z1 + r * z2))

    return (sigma_w**2 * gauss2(both, s) + sigma_b**2) / q


def c_star(activation: str, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point of the c-map: 1 in the ordered phase, below 1 in the chaotic one."""
    q = q_star(activation, sigma_w, sigma_b)
    if q == 0.0 or chi_1(activation, sigma_w, sigma_b) <= 1.0:
        return 1.0

    def h(c):
        return c_map(c, activation, sigma_w, sigma_b, q) - c

    if h(0.0) <= 0.0:  # odd phi with sigma_b = 0: c = 0 maps to itself
        return 0.0
    return float(brentq(h, 0.0, 1.0 - 1e-6, xtol=1e-13))


def chi_c(activation: str, sigma_w: float, sigma_b: float) -> float:
    """sigma_w^2 E[phi'(u1) phi'(u2)] at the correlation fixed point (= chi_1 when c* = 1)."""
    c = c_star(activation, sigma_w, sigma_b)
    if c == 1.0:
        return chi_1(activation, sigma_w, sigma_b)
    dphi = _phi(activation)[1]
    s, r = math.sqrt(q_star(activation, sigma_w, sigma_b)), math.sqrt(1.0 - c * c)
    return sigma_w**2 * gauss2(lambda z1, z2: dphi(s * z1) * dphi(s * (c * z1 + r * z2)), s)


def depth_scale(activation: str, sigma_w: float, sigma_b: float = 0.0) -> float:
    """xi_c = -1 / ln chi_c, the depth over which correlations (and trainability) survive."""
    x = chi_c(activation, sigma_w, sigma_b)
    return math.inf if x >= 1.0 else -1.0 / math.log(x)


def trainable_depth(activation: str, sigma_w: float, sigma_b: float = 0.0) -> float:
    """The predicted deepest trainable network, TRAINABLE_DEPTH_FACTOR * xi_c."""
    return TRAINABLE_DEPTH_FACTOR * depth_scale(activation, sigma_w, sigma_b)


def critical_sigma_w(activation: str, sigma_b: float = 0.0) -> float:
    """The sigma_w on the critical line chi_1 = 1 for this sigma_b (order below it, chaos above)."""
    lo, hi = 1e-3, 1.0
    while chi_1(activation, hi, sigma_b) < 1.0:
        hi *= 2.0
        if hi > 1e4:
            raise ValueError(f"no critical sigma_w for {activation} at sigma_b={sigma_b}")
    return float(
        brentq(lambda s: chi_1(activation, s, sigma_b) - 1.0, lo, hi, xtol=1e-12, rtol=1e-10)
    )


def critical_line(activation: str, sigma_bs) -> list[tuple[float, float]]:
    """(sigma_b, critical sigma_w) pairs: the order-to-chaos boundary of the phase diagram."""
    return [(float(b), critical_sigma_w(activation, float(b))) for b in sigma_bs]


def sigma_w_of_std(init_std: float, fan_in: int) -> float:
    """The mean-field sigma_w of weights drawn from N(0, init_std^2) with `fan_in` inputs."""
    return init_std * math.sqrt(fan_in)


def centered_sigmoid_critical(sigma_b: float) -> float:
    """Critical sigma_w of a sigmoid layer whose biases start at -W @ (1/2) (plus N(0, sigma_b^2)).

    sigmoid(z) = 1/2 + tanh(z/2)/2: with the mean removed the layer is, in u = z/2, a tanh layer
    of gain sigma_w / 4 and bias std sigma_b / 2 (vgmodels.models.init), so the critical gain is
    4 times tanh's at half the bias std.
    """
    return 4.0 * critical_sigma_w("tanh", sigma_b / 2.0)


def trainable_depth_boundary(
    activation: str, sigma_ws, sigma_b: float = 0.0, factor: float = TRAINABLE_DEPTH_FACTOR
) -> list[tuple[float, float]]:
    """(sigma_w, factor x xi_c) pairs: the predicted deepest trainable network along sigma_w
    (inf at the critical point, where xi_c diverges)."""
    return [(float(s), factor * depth_scale(activation, float(s), sigma_b)) for s in sigma_ws]
