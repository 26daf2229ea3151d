"""Custom pieces: MyNormalization, GradientNormalization, sigmoid with a boosted derivative."""

from __future__ import annotations

import torch
from torch import nn


class MyNormalization(nn.Module):
    """(x - mean) / std over the whole tensor, as the source paper wrote it (no affine, no eps)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - x.mean()) / x.std()


class _GradNormFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return (g - g.mean()) / (g.std() + 1e-6)


class GradientNormalization(nn.Module):
    """Identity forward; backward standardizes the incoming gradient: (g - mean) / (std + 1e-6)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _GradNormFn.apply(x)


class _BoostedSigmoidFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, beta):
        s = torch.sigmoid(z)
        ctx.save_for_backward(s)
        ctx.beta = beta
        return s

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        return g * (s * (1 - s) + ctx.beta), None


class BoostedSigmoid(nn.Module):
    """Sigmoid forward; backward uses sigmoid'(z) + beta (Roodschild et al. 2020)."""

    def __init__(self, beta: float = 0.05):
        super().__init__()
        self.beta = beta

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return _BoostedSigmoidFn.apply(z, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"
