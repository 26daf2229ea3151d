"""The Jacobian instrument: singular values of the hidden-to-hidden Jacobian on a probe batch.

Dynamical isometry (Pennington, Schoenholz & Ganguli 2017) speaks of J = dh_L / dh_1 = prod_l D_l W_l,
the product over the square N x N layers (D_l the diagonal of phi'(z_l)); a network is isometric
when the singular values of J stay near 1 at any depth. We measure exactly that J, from the first
hidden layer's output h_1 (128) to the last one's h_L (128), leaving out the 784 -> 128 input
projection and the 128 -> 10 head, whose shapes are not the theory's. It is a probe like the
others: run outside the timed epoch, on a fixed handful of validation samples.

Why jacrev under vmap: J is square (128 x 128), so forward mode (jacfwd: 128 JVPs) and reverse mode
(jacrev: 128 VJPs) cost alike; jacrev needs no forward-mode rules, which our custom autograd
Functions (GradNorm, boosted sigmoid) and the oneDNN Linear do not all define, while vmap over
the probe samples turns the per-sample Jacobians into one batched backward of 128 x B rows.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import jacrev, vmap

from vgmodels.models.config import SKIP_ADDS

# epochs after which the spectrum is measured (besides initialization and the run's last epoch)
PROBE_EPOCHS = frozenset({1, 2, 5, 10, 20, 50, 100, 200, 300})


def hidden_tail(model: nn.Module, h1: torch.Tensor) -> torch.Tensor:
    """h_L from h_1: the hidden layers 2 .. active_depth of a DeepMLP, skips included."""
    adds = SKIP_ADDS.get(model.cfg.skip, {})
    h, outputs = h1, [h1]
    for i, layer in enumerate(model.hidden[1 : model.active_depth], start=1):
        h = layer(h)
        if i in adds:
            h = h + outputs[adds[i]]
        outputs.append(h)
    return h


def hidden_jacobian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(B, N, N): dh_L / dh_1 for each sample of x (B, 784), the model in eval mode."""
    was_training = model.training
    model.eval()  # BatchNorm on its running statistics: a sample's Jacobian is its own
    kernels = [m for m in model.modules() if getattr(m, "onednn", False)]
    for m in kernels:  # the oneDNN Linear's autograd Function has no functorch rules; aten has
        m.onednn = False
    try:
        with torch.no_grad():
            xin = (x - model.in_mean) / model.in_std if model.cfg.standardize_input else x
            h1 = model.hidden[0](xin)  # (B, N)

        def one(h: torch.Tensor) -> torch.Tensor:  # (N,) -> (N,)
            return hidden_tail(model, h.unsqueeze(0)).squeeze(0)

        return vmap(jacrev(one))(h1).detach()
    finally:
        model.train(was_training)
        for m in kernels:
            m.onednn = True


def spectrum_stats(jac: torch.Tensor) -> dict[str, float | None]:
    """Singular values s of each sample's J, pooled: mean and variance of s^2, max and min of s,
    and the spread var(s^2) / mean(s^2)^2 (0 for an isometry up to scale)."""
    s = torch.linalg.svdvals(jac.double())  # (B, N)
    lam = (s * s).flatten()
    mean, var = lam.mean().item(), lam.var(unbiased=False).item()
    out = {"sq_mean": mean, "sq_var": var, "max": s.max().item(), "min": s.min().item()}
    out["spread"] = var / mean**2 if mean > 0 else None
    return {k: (v if v is not None and math.isfinite(v) else None) for k, v in out.items()}


def measurable(model: nn.Module) -> bool:
    """A plain or residual DeepMLP: the models whose hidden layers are one stack."""
    return hasattr(model, "hidden") and hasattr(model, "cfg")


def jacobian_entry(model: nn.Module, x: torch.Tensor, epoch: int) -> dict:
    """One measurement for the record: the epoch (0 = at initialization), samples, statistics."""
    stats = spectrum_stats(hidden_jacobian(model, x))
    return {"epoch": epoch, "samples": len(x), "layers": model.active_depth - 1, **stats}
