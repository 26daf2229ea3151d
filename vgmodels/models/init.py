"""Initializations beyond the sources: critical orthogonal and Gaussian, LeCun normal, LSUV.

Mean-field theory (Schoenholz et al. 2017) reads a layer z = W phi(h) + b with W of scale sigma_w
(each entry of variance sigma_w^2 / fan_in) and b ~ N(0, sigma_b^2); the network is critical where
chi_1 = sigma_w^2 E[phi'(z)^2] = 1 (vgmodels.analysis.meanfield.critical_sigma_w gives sigma_w).
Orthogonal weights at that point (Pennington, Schoenholz & Ganguli 2017) keep every singular value
of the input-output Jacobian near 1, where Gaussian ones spread with depth.

Sigmoid and its bias shift: sigmoid(z) = 1/2 + tanh(z/2)/2. With each bias started at
b = -W @ (1/2, ..., 1/2) + b' (`center_bias`), the next pre-activation is z' = W tanh(z/2)/2 + b';
in u = z/2 that reads u' = (W/4) tanh(u) + b'/2: a sigmoid network of gain g and bias std s with
centred biases is exactly a tanh network of gain g/4 and bias std s/2. Sigmoid's critical sigma_w
is therefore 4 times tanh's (at twice its sigma_b), and the shift removes the mean 1/2 that would
otherwise enter every layer as a common mode W @ 1/2.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vgmodels.models.config import ModelConfig

LSUV_TOL, LSUV_ITERS = 0.05, 10  # Mishkin & Matas 2016: |var - 1| < tol, at most 10 rescalings


def orthogonal_critical_(linear: nn.Linear, gain: float, bias_std: float) -> None:
    """W = gain x (orthonormal rows or columns), so W W^T = gain^2 I (wide) or W^T W (tall)."""
    nn.init.orthogonal_(linear.weight, gain=gain)
    _bias(linear, bias_std)


def scaled_normal_(linear: nn.Linear, gain: float, bias_std: float) -> None:
    """W_ij ~ N(0, gain^2 / fan_in), b ~ N(0, bias_std^2): the Gaussian control on the same line."""
    nn.init.normal_(linear.weight, 0.0, gain / math.sqrt(linear.in_features))
    _bias(linear, bias_std)


def lecun_normal_(linear: nn.Linear) -> None:
    """W_ij ~ N(0, 1 / fan_in), b = 0: the init SELU's fixed point assumes (Klambauer et al. 2017)."""
    nn.init.normal_(linear.weight, 0.0, 1.0 / math.sqrt(linear.in_features))
    nn.init.zeros_(linear.bias)


def _bias(linear: nn.Linear, std: float) -> None:
    if std > 0:
        nn.init.normal_(linear.bias, 0.0, std)
    else:
        nn.init.zeros_(linear.bias)


@torch.no_grad()
def center_biases_(linears: list[nn.Linear]) -> None:
    """Shift the bias of every Linear fed by a sigmoid by -W @ (1/2): its input's mean removed."""
    for m in linears[1:]:  # the first Linear reads pixels, not sigmoid outputs
        m.bias -= 0.5 * m.weight.sum(dim=1)


def init_beyond(linears: list[nn.Linear], cfg: ModelConfig) -> None:
    """Initialize every Linear by one of the inits beyond the sources (LSUV: its orthogonal start)."""
    for m in linears:
        if cfg.init in ("orthogonal", "lsuv"):
            gain = cfg.init_gain if cfg.init == "orthogonal" else 1.0
            orthogonal_critical_(m, gain, cfg.bias_std if cfg.init == "orthogonal" else 0.0)
        elif cfg.init == "scaled_normal":
            scaled_normal_(m, cfg.init_gain, cfg.bias_std)
        elif cfg.init == "lecun":
            lecun_normal_(m)
    if cfg.center_bias:
        center_biases_(linears)


@torch.no_grad()
def lsuv_(model: nn.Module, linears: list[nn.Linear], x: torch.Tensor) -> list[int]:
    """Layer-sequential unit variance (Mishkin & Matas 2016): in forward order, rescale each
    Linear's weight until its output variance on the batch `x` is within LSUV_TOL of 1.

    Returns the rescalings each layer took. Biases are zero at the start and left alone, so the
    output's variance scales with the square of the weight's scale.
    """
    steps, seen = [], {}
    for m in linears:
        hook = m.register_forward_hook(lambda mod, inp, out: seen.__setitem__("out", out))
        try:
            n = 0
            while n < LSUV_ITERS:
                model(x)
                var = seen["out"].var().item()
                if not math.isfinite(var) or var == 0.0 or abs(var - 1.0) < LSUV_TOL:
                    break
                m.weight /= math.sqrt(var)
                n += 1
            steps.append(n)
        finally:
            hook.remove()
    return steps
