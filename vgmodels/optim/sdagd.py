"""SDAGD: stochastic diagonal approximate greatest descent (Tan & Lim, 2020) as a torch optimizer.

Defaults for the `sdagd` case (7 x 128 sigmoid MLP, N(0, 0.05), batch 512) from 3 epochs of plain
training on the full Fashion-MNIST training split (54k), GNB curvature, beta 0 unless stated;
test accuracy, seed 0:

    plain SGD lr 1e-2 (the baseline)              0.100  (train loss 2.303 at epoch 3)
    SDAGD, one param group (global ||g||), R=0.1  0.100  (beta 0.9; also at R = 1 and 10; R = 100
                                                          diverges; seed 1, beta 0: 0.100)
    SDAGD, one group per tensor, R = 0.03         0.203  (beta 0.9)
    SDAGD, one group per tensor, R = 0.1          0.362  (seed 1: 0.344; beta 0.9: 0.367,
                                                          beta 0.99: 0.372)
    SDAGD, one group per tensor, R = 0.3          0.348  (beta 0.9)
    SDAGD, one group per tensor, R = 1            0.195  (beta 0.9)
    SDAGD, one group per Linear (W, b), R = 0.1   0.357  (beta 0.9)
    one group per tensor, R = 0.1, H forced to 0  0.370

So the case runs `SDAGD([{"params": [p]} for p in params], radius=0.1, hessian="gnb")`. Why
the global norm fails here: at initialization ||g|| = 0.47 is the output layer's, while the first
layer's gradient norm is 2e-6, so its step, at most R g / ||g||, is 4e-6 R. Why the curvature does
not matter at this radius: the Gauss-Newton diagonal of a layer shrinks with the square of its
backpropagated gradient (mean 1e-15 in layer 1, 0.025 in the output layer) while mu = ||g|| / R
shrinks only linearly, so mu dominates in every layer and SDAGD acts as gradient descent
normalized to a step of length R per tensor; the diagonal Newton term takes over only where
h > ||g|| / R.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

HESSIANS = ("hutchinson", "gnb")


class SDAGD(torch.optim.Optimizer):
    """W <- W - [mu I + |H|]^-1 g with mu = ||g|| / R and H a diagonal curvature estimate.

    The method (Tan & Lim, "Vanishing Gradient Analysis in Stochastic Diagonal Approximate Greatest
    Descent Optimization", J. Inf. Sci. Eng. 36(5), 2020) takes the greatest-descent step inside a
    ball of radius R around W: far from a minimum (large ||g||) mu dominates and the step is a
    gradient step of length about R; near one (small ||g||) the diagonal Hessian dominates and
    the step becomes a diagonal Newton step, so a tiny gradient on a flat curvature still moves
    the weights. Since every |h| >= 0, each coordinate's step is at most g_i / mu: the whole step
    is never longer than R, and it is always a descent direction (a positive diagonal scaling of
    -g).

    ||g|| is the norm of the whole gradient of a param group, not of each tensor: the paper's mu
    uses the gradient vector of all weights, and the radius bounds the step of the weight vector
    as a whole. Where one ball per layer is wanted, give each tensor its own param group; the deep
    sigmoid MLP needs that (module docstring: with one group its first layer moves 4e-6 R a step).

    The diagonal H, estimated on the step's own batch (the closure's return carries what it needs):

    - ``hessian="gnb"`` (for networks trained with a batch-mean cross-entropy): the closure
      returns ``(loss, sampled_cross_entropy(logits))``. The squared gradient of the sampled
      loss is the Gauss-Newton-Bartlett estimator (Liu et al., "Sophia", ICLR 2024, sec. 2.3):
      an unbiased estimate of the Gauss-Newton diagonal, the curvature LeCun et al.'s stochastic
      diagonal Levenberg-Marquardt ("Efficient BackProp", 1998) backpropagates, for one more
      backward pass (about 1.8x an SGD step on the 7 x 128 sigmoid MLP, batch 512, CPU; see
      bench/test_sdagd_speed.py). It is never negative.
    - ``hessian="hutchinson"`` (any twice-differentiable loss; the model must support a double
      backward): the closure returns the loss; h = z * (Hz) with Rademacher z and Hz by double
      backward (Bekas, Kokiopoulou & Saad, 2007; as in AdaHessian, Yao et al., 2021). Exact for
      a diagonal Hessian; about 3x an SGD step. It can be negative: |h| is used.

    ``beta = 0`` (the default) uses each step's own estimate, H(W_k) as the paper writes it;
    ``beta > 0`` keeps a running average instead, as SDLM and Sophia do (the first step uses its
    own estimate). On the trench surface (vgmodels.analysis.surfaces) the averaged, stale curvature throws
    the path out of the narrow trench; on the MLP it changes nothing measurable.

    The closure must NOT call backward: step differentiates the loss itself (once for g, once
    more for the curvature) and leaves g in each ``.grad``, as backward would.
    """

    def __init__(self, params, radius: float = 0.1, beta: float = 0.0, hessian: str = "hutchinson"):
        if not (isinstance(radius, (int, float)) and math.isfinite(radius) and radius > 0):
            raise ValueError(f"Invalid radius: {radius}")
        if not (isinstance(beta, (int, float)) and 0.0 <= beta < 1.0):
            raise ValueError(f"Invalid beta: {beta}")
        if hessian not in HESSIANS:
            raise ValueError(f"Invalid hessian: {hessian!r}; accepted: {', '.join(HESSIANS)}")
        super().__init__(params, {"radius": radius, "beta": beta, "hessian": hessian})

    def step(self, closure=None):
        """One SDAGD step; `closure` re-evaluates the model and returns what `hessian` needs."""
        if closure is None:
            raise RuntimeError("SDAGD needs a closure: the curvature takes a second backward pass")
        hessian = self.param_groups[0]["hessian"]
        if any(group["hessian"] != hessian for group in self.param_groups):
            raise ValueError("SDAGD: every param group must use the same hessian estimator")
        groups = [[p for p in group["params"] if p.requires_grad] for group in self.param_groups]
        params = [p for ps in groups for p in ps]
        # one evaluation for all groups: the closure's loss is differentiated w.r.t. every parameter
        with torch.enable_grad():
            out = closure()
            grads, curv = _grads_and_curvature(out, params, hessian)
        self._update(groups, params, grads, curv)
        return out[0] if hessian == "gnb" else out

    @torch.no_grad()
    def _update(self, groups, params, grads, curv):
        """Store the curvature, then step every parameter the loss reaches (mu per param group)."""
        live = [k for k, g in enumerate(grads) if g is not None]
        if not live:
            return
        gs = [grads[k].detach() for k in live]
        norms = dict(zip(live, torch._foreach_norm(gs), strict=True))  # 0-d device tensors
        group_norms, radii, owner, start = [], [], [], 0
        for group, members in zip(self.param_groups, groups, strict=True):
            inside = [k for k in range(start, start + len(members)) if k in norms]
            start += len(members)
            if inside:
                n = [norms[k] for k in inside]
                group_norms.append(
                    n[0] if len(n) == 1 else torch.linalg.vector_norm(torch.stack(n))
                )
                radii.append(group["radius"])
                owner += [(len(radii) - 1, group["beta"])] * len(inside)
        # mu = ||g|| / R, the whole group's gradient norm: device tensors, no host sync
        mus = torch._foreach_div(group_norms, radii)
        ps = [params[k] for k in live]
        hs = []
        for k, p, g, (_, beta) in zip(live, ps, gs, owner, strict=True):
            p.grad = g
            est = curv[k] if curv[k] is not None else torch.zeros_like(g)
            state = self.state[p]
            if beta == 0.0 or "hessian" not in state:
                state["hessian"] = est  # a fresh tensor of this step, shared with nothing
            else:
                state["hessian"].lerp_(est, 1.0 - beta)
            hs.append(state["hessian"])
        denom = torch._foreach_abs(hs)
        torch._foreach_add_(denom, [mus[gi] for gi, _ in owner])
        # only a zero gradient (mu = 0) with zero curvature gives 0 here; its step is 0, not 0/0
        torch._foreach_clamp_min_(denom, torch.finfo(gs[0].dtype).tiny)
        torch._foreach_sub_(ps, torch._foreach_div(gs, denom))


def _grads_and_curvature(out, params, hessian):
    """Gradient g and one curvature estimate per parameter (None where the loss does not reach)."""
    if hessian == "gnb":
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(
                "hessian='gnb': the closure must return (loss, sampled_cross_entropy(logits))"
            )
        loss, sampled = out
        grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        sgrads = torch.autograd.grad(sampled, params, allow_unused=True)
        return grads, [None if s is None else s * s for s in sgrads]
    if not torch.is_tensor(out):
        raise TypeError("hessian='hutchinson': the closure must return the loss tensor")
    grads = torch.autograd.grad(out, params, create_graph=True, allow_unused=True)
    # only gradients that still depend on the parameters carry curvature
    live = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
    curv = [None] * len(params)
    if live:
        zs = [torch.randint_like(grads[i], 2).mul_(2).sub_(1) for i in live]  # Rademacher
        hz = torch.autograd.grad([grads[i] for i in live], params, zs, allow_unused=True)
        for i, z in zip(live, zs, strict=True):
            curv[i] = None if hz[i] is None else z * hz[i]
    for i, g in enumerate(grads):
        if g is not None and curv[i] is None:
            curv[i] = torch.zeros_like(g)
    return grads, curv


def sampled_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against labels drawn from softmax(logits), scaled for the GNB estimator.

    Its gradient squared is an unbiased estimate of the Gauss-Newton diagonal of the batch-mean
    cross-entropy: with B samples, (1/sqrt(B)) sum_b J_b^T u_b squared has expectation
    (1/B) sum_b diag(J_b^T H_b J_b) since the u_b are independent with covariance H_b.
    """
    logits_d = logits.detach()  # (B, C)
    # Gumbel-max: a categorical sample from softmax(logits) without a host sync
    u = torch.rand_like(logits_d).clamp(min=torch.finfo(logits_d.dtype).tiny)
    labels = (logits_d - torch.log(-torch.log(u))).argmax(1)  # (B,)
    return F.cross_entropy(logits, labels, reduction="sum") / math.sqrt(logits.shape[0])
