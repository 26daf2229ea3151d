"""nn.Linear whose CPU fp32 matmuls go through oneDNN where that is measurably faster than MKL.

On AMD CPUs PyTorch's MKL sgemm runs its AVX2 kernels; oneDNN's run AVX-512. On cores with full
512-bit units (Zen 5) oneDNN reaches about twice MKL's GFLOP/s on the forward and input-gradient
products; on cores that split AVX-512 into two 256-bit halves (Zen 4) both libraries run at the
same speed and the Python autograd Function around oneDNN costs more than it gains. So a probe
times one training step's products through both libraries once per process, and oneDNN is used
only where it wins by `ONEDNN_MIN_SPEEDUP`. The weight gradient of a square hidden layer is
faster through MKL, so each product takes the faster library for its shape. Every product is
plain fp32 (no reduced-precision accumulation); elsewhere (GPU, other dtypes) this is nn.Linear.
"""

from __future__ import annotations

import functools
import os

import torch
from torch import nn
from torch.nn import functional as F

from vgmodels.device import best_seconds


@functools.cache
def onednn_available() -> bool:
    """True when oneDNN's dense linear kernel runs here (x86 builds of PyTorch with MKL-DNN)."""
    if not torch.backends.mkldnn.is_available() or not hasattr(
        torch.ops.mkldnn, "_linear_pointwise"
    ):
        return False
    try:
        x, w = torch.ones(2, 3), torch.ones(4, 3)
        return bool(torch.equal(_dnn(x, w), F.linear(x, w)))
    except RuntimeError:
        return False


ONEDNN_MIN_SPEEDUP = 1.25
KERNELS = ("auto", "onednn", "aten")


@functools.cache
def onednn_speedup(batch: int = 512, fan_in: int = 784, width: int = 128) -> float:
    """MKL time over oneDNN time for one training step's forward and input/weight-gradient products."""
    cpu = torch.device("cpu")
    x, h, g = torch.rand(batch, fan_in), torch.rand(batch, width), torch.randn(batch, width)
    w1, wh, b = torch.randn(width, fan_in), torch.randn(width, width), torch.zeros(width)

    def onednn():
        _dnn(x, w1, b), _dnn(h, wh, b), _dnn(g, wh.t()), _dnn(g.t(), x.t())

    def mkl():
        torch.addmm(b, x, w1.t()), torch.addmm(b, h, wh.t()), g @ wh, g.t() @ x

    t = [best_seconds(k, cpu, 0.1) for k in (onednn, mkl, onednn, mkl)]  # interleaved
    return min(t[1], t[3]) / min(t[0], t[2])


@functools.cache
def use_onednn() -> bool:
    """Whether our Linear takes oneDNN here: VG_LINEAR=onednn|aten decides, auto (default) probes."""
    choice = os.environ.get("VG_LINEAR", "auto")
    if choice not in KERNELS:
        raise ValueError(f"VG_LINEAR={choice!r}; accepted: {', '.join(KERNELS)}")
    if choice == "aten" or not onednn_available():
        return False
    return choice == "onednn" or onednn_speedup() >= ONEDNN_MIN_SPEEDUP


def _dnn(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """x @ w.T + b through oneDNN; x (B, in), w (out, in), either may be a transposed view."""
    return torch.ops.mkldnn._linear_pointwise(x, w, b, "none", [], "")


def _takes_onednn(x: torch.Tensor, out_features: int) -> bool:
    return (
        x.device.type == "cpu"
        and x.dim() == 2
        and x.dtype == torch.float32
        and out_features >= 64  # the 10-wide head is faster through MKL
        and use_onednn()
    )


def _weight_grad(g: torch.Tensor, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """(out, in) = g.T @ x: oneDNN wins when in >> out (the 784-wide first layer), else MKL."""
    return _dnn(g.t(), x.t()) if weight.shape[1] >= 4 * weight.shape[0] else g.t() @ x


def step_products(
    xs: list[torch.Tensor],
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    gs: list[torch.Tensor],
) -> None:
    """One training step's matrix products alone, through the kernels Linear takes for each shape.

    Per layer: the forward product, the weight gradient and (all but the first) the input gradient;
    no elementwise work, no autograd. Timing it gives the floor under the trainer's step.
    """
    for i, (x, w, b, g) in enumerate(zip(xs, weights, biases, gs, strict=True)):
        if _takes_onednn(x, w.shape[0]):
            _dnn(x, w, b), _weight_grad(g, x, w)
            if i:
                _dnn(g, w.t())
        else:
            torch.addmm(b, x, w.t()), g.t() @ x
            if i:
                g @ w


class _OneDnnLinearFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return _dnn(x, weight, bias)  # (B, out)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = _dnn(g, weight.t())  # (B, in) = g @ W
        if ctx.needs_input_grad[1]:
            gw = _weight_grad(g, x, weight)
        if ctx.needs_input_grad[2]:
            gb = g.sum(0)
        return gx, gw, gb


class Linear(nn.Linear):
    """nn.Linear; 2-D fp32 inputs on the CPU take oneDNN's kernels where they win (same maths, same init)."""

    onednn = (
        True  # False under torch.func.vmap (vgmodels.training.stacked): aten has the batching rules
    )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.onednn and _takes_onednn(x, self.out_features):
            return _OneDnnLinearFn.apply(x, self.weight, self.bias)
        return F.linear(x, self.weight, self.bias)
