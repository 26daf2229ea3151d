"""Probes on a fixed batch at an epoch's end: per hidden layer, and through time (recurrent)."""

from __future__ import annotations

import torch
from torch import nn

from vgmodels.training import metrics


@torch.no_grad()
def layer_probe(model: nn.Module, x: torch.Tensor, activation: str, depth: int) -> dict[str, list]:
    """Per hidden layer: activation mean/std, saturation, dead-unit fraction (layers not grown: None)."""
    model.eval()
    record: list = []
    model(x, record)
    out: dict[str, list] = {"act_mean": [], "act_std": [], "saturation": [], "dead": []}
    for z, h in record:
        out["act_mean"].append(metrics.finite_or_none(h.mean().item()))
        out["act_std"].append(metrics.finite_or_none(h.std().item()))
        out["saturation"].append(metrics.saturation(h, activation))
        out["dead"].append(metrics.dead_fraction(z, activation))
    for values in out.values():
        values += [None] * (depth - len(values))
    return out


def time_probe(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float | None]:
    """||dL/dh_t|| for every step t of a recurrent model, L the mean cross-entropy on (x, y).

    The model runs unrolled (`model.unrolled`), same weights as the fused layer; h_t is the last
    layer's hidden state after step t. Parameter gradients are left untouched.
    """
    model.train()  # cuDNN runs an RNN's backward only in training mode; without dropout it is the same
    with torch.enable_grad():
        logits, hs = model.unrolled(x)
        loss = nn.functional.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, hs)  # each (layers, B, width)
    norms = torch.stack([g[-1].norm() for g in grads])  # (T,)
    return [metrics.finite_or_none(v) for v in norms.tolist()]
