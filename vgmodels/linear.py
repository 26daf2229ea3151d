"""nn.Linear whose CPU fp32 matmuls go through oneDNN, which uses AVX-512 where MKL does not.

On AMD CPUs PyTorch's MKL sgemm runs its AVX2 kernels; oneDNN's run AVX-512 and reach about twice
the GFLOP/s on the forward and input-gradient products. The weight gradient of a square hidden
layer is faster through MKL, so each product takes the faster library for its shape. Every product
is plain fp32 (no reduced-precision accumulation); elsewhere (GPU, other dtypes) this is nn.Linear.
"""

from __future__ import annotations

import functools

import torch
from torch import nn
from torch.nn import functional as F


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


def _dnn(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """x @ w.T + b through oneDNN; x (B, in), w (out, in), either may be a transposed view."""
    return torch.ops.mkldnn._linear_pointwise(x, w, b, "none", [], "")


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
            # (out, in) = g.T @ x: oneDNN wins when in >> out (the 784-wide first layer)
            gw = _dnn(g.t(), x.t()) if weight.shape[1] >= 4 * weight.shape[0] else g.t() @ x
        if ctx.needs_input_grad[2]:
            gb = g.sum(0)
        return gx, gw, gb


class Linear(nn.Linear):
    """nn.Linear; 2-D fp32 inputs on the CPU take oneDNN's kernels (same maths, same init)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (
            x.device.type == "cpu"
            and x.dim() == 2
            and x.dtype == torch.float32
            and self.out_features >= 64  # the 10-wide head is faster through MKL
            and onednn_available()
        ):
            return _OneDnnLinearFn.apply(x, self.weight, self.bias)
        return F.linear(x, self.weight, self.bias)
