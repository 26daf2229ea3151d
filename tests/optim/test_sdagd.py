"""SDAGD against closed forms computed here in plain torch."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from vgmodels.optim import SDAGD, sampled_cross_entropy

A = torch.tensor([1.0, 4.0, 0.5, 10.0], dtype=torch.float64)  # the diagonal Hessian
C = torch.tensor([1.0, -2.0, 3.0, 0.25], dtype=torch.float64)  # the minimum


def quadratic(w: torch.Tensor) -> torch.Tensor:
    """0.5 sum a_i (w_i - c_i)^2: gradient a (w - c), Hessian diag(a)."""
    return 0.5 * (A * (w - C) ** 2).sum()


def closed_form(w: torch.Tensor, radius: float) -> torch.Tensor:
    """W - [mu I + H]^-1 g with mu = ||g|| / R, for the quadratic."""
    g = A * (w - C)
    return w - g / (g.norm() / radius + A)


def _param(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("radius", [0.1, 1.0, 7.0])
def test_step_is_the_closed_form_on_a_diagonal_quadratic(radius):
    torch.manual_seed(0)
    w = _param([0.0, 0.0, 0.0, 0.0])
    opt = SDAGD([w], radius=radius, beta=0.5)
    for _ in range(3):  # the curvature is constant, so its running average stays exact
        expected = closed_form(w.detach().clone(), radius)
        opt.step(lambda: quadratic(w))
        torch.testing.assert_close(w.detach(), expected, rtol=1e-14, atol=1e-14)


def test_mu_is_per_param_group():
    u, v = _param([0.0, 0.0]), _param([0.0, 0.0])
    opt = SDAGD([{"params": [u]}, {"params": [v], "radius": 3.0}], radius=0.5)
    w0 = torch.zeros(4, dtype=torch.float64)
    opt.step(lambda: quadratic(torch.cat([u, v])))
    g = A * (w0 - C)
    expected_u = -g[:2] / (g[:2].norm() / 0.5 + A[:2])
    expected_v = -g[2:] / (g[2:].norm() / 3.0 + A[2:])
    torch.testing.assert_close(u.detach(), expected_u, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(v.detach(), expected_v, rtol=1e-14, atol=1e-14)


def test_small_mu_is_the_diagonal_newton_step():
    w = _param([5.0, 5.0, -5.0, 2.0])
    opt = SDAGD([w], radius=1e12)
    opt.step(lambda: quadratic(w))
    # Newton on a quadratic with diagonal Hessian lands on the minimum in one step
    torch.testing.assert_close(w.detach(), C, rtol=1e-9, atol=1e-9)


def test_large_mu_is_a_gradient_step_of_length_radius():
    w = _param([5.0, 5.0, -5.0, 2.0])
    w0 = w.detach().clone()
    g = A * (w0 - C)
    radius = 1e-6
    opt = SDAGD([w], radius=radius)
    opt.step(lambda: quadratic(w))
    step = w.detach() - w0
    assert step.norm().item() == pytest.approx(radius, rel=1e-5)
    assert step.norm().item() <= radius
    torch.testing.assert_close(step / step.norm(), -g / g.norm(), rtol=1e-5, atol=1e-8)


def test_leaves_the_gradient_in_grad():
    w = _param([0.0, 1.0, 2.0, 3.0])
    expected = A * (w.detach() - C)
    loss = SDAGD([w], radius=1.0).step(lambda: quadratic(w))
    torch.testing.assert_close(w.grad, expected)
    assert loss.item() == pytest.approx(quadratic(torch.tensor([0.0, 1.0, 2.0, 3.0])).item())


def test_hutchinson_averages_to_the_hessian_diagonal():
    # H = [[2, 1], [1, 3]]: z * (Hz) has mean diag(H) = (2, 3); off-diagonal terms average out
    torch.manual_seed(0)
    h = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    w = _param([1.0, 1.0])
    opt = SDAGD([w], radius=1e-9, beta=0.995)
    for _ in range(3000):
        opt.step(lambda: 0.5 * w @ h @ w)
    est = opt.state[w]["hessian"]
    torch.testing.assert_close(est, torch.tensor([2.0, 3.0], dtype=torch.float64), rtol=0, atol=0.2)


def rosenbrock(p: torch.Tensor) -> torch.Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def test_decreases_rosenbrock_from_the_standard_start():
    torch.manual_seed(0)
    p = _param([-1.5, 2.0])
    start = rosenbrock(p).item()
    assert start == pytest.approx(12.5)
    opt = SDAGD([p], radius=0.1)
    for _ in range(2000):
        opt.step(lambda: rosenbrock(p))
    assert rosenbrock(p).item() < 0.05
    assert (p.detach() - torch.tensor([1.0, 1.0], dtype=torch.float64)).norm() < 0.3


def test_zero_gradient_leaves_the_weights_unchanged():
    w = C.clone().requires_grad_()  # at the minimum: g = 0, H = diag(a)
    u = _param([1.0, -2.0])  # the loss ignores it: g = 0, H = 0, mu = 0
    opt = SDAGD([{"params": [w]}, {"params": [u]}], radius=1.0)
    opt.step(lambda: quadratic(w) + 0.0 * u.sum())
    assert torch.equal(w.detach(), C)
    assert torch.equal(u.detach(), torch.tensor([1.0, -2.0], dtype=torch.float64))


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"radius": 0.0}, "0.0"),
        ({"radius": -1.0}, "-1.0"),
        ({"radius": math.inf}, "inf"),
        ({"radius": math.nan}, "nan"),
        ({"beta": 1.0}, "1.0"),
        ({"beta": -0.1}, "-0.1"),
        ({"hessian": "exact"}, "exact"),
    ],
)
def test_bad_hyper_parameters_raise(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        SDAGD([_param([0.0])], **kwargs)


def test_needs_a_closure_of_the_right_kind():
    w = _param([0.0, 0.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="closure"):
        SDAGD([w]).step()
    with pytest.raises(TypeError, match="sampled_cross_entropy"):
        SDAGD([w], hessian="gnb").step(lambda: quadratic(w))


def test_gnb_estimates_the_gauss_newton_diagonal():
    # softmax regression: the GN diagonal of the mean cross-entropy is, for W[k, j],
    # (1/B) sum_b p_bk (1 - p_bk) x_bj^2, as its Hessian in the logits is diag(p) - pp^T
    torch.manual_seed(0)
    x = torch.randn(8, 3, dtype=torch.float64)  # (B, in)
    w, b = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    p = F.softmax(x @ w.T + b, 1)  # (B, C)
    exact = (p * (1 - p)).T @ (x * x) / len(x)  # (C, in)

    def sampled_grad(_):
        return torch.func.grad(lambda w_: sampled_cross_entropy(x @ w_.T + b))(w)

    # 20,000 independent draws: the mean's relative error is about 1%
    g = torch.func.vmap(sampled_grad, randomness="different")(torch.arange(20_000))  # (n, C, in)
    torch.testing.assert_close((g * g).mean(0), exact, rtol=0.08, atol=0.0)


def _mlp_step_run(resume_after: int | None, load_opt: bool = True) -> list[torch.Tensor]:
    """Train a small MLP with SDAGD (GNB); optionally rebuild everything from state_dicts midway."""
    torch.manual_seed(0)
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))

    def build():
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 3))
        return model, SDAGD(model.parameters(), radius=0.3, beta=0.9, hessian="gnb")

    model, opt = build()

    def closure():
        out = model(x)
        return F.cross_entropy(out, y), sampled_cross_entropy(out)

    torch.manual_seed(2)
    for i in range(6):
        if i == resume_after:
            saved = (model.state_dict(), opt.state_dict(), torch.get_rng_state())
            assert all("hessian" in s for s in saved[1]["state"].values())
            model, opt = build()
            model.load_state_dict(saved[0])
            if load_opt:
                opt.load_state_dict(saved[1])
            torch.set_rng_state(saved[2])
        opt.step(closure)
    return [p.detach().clone() for p in model.parameters()]


def test_state_dict_round_trip_resumes_bit_identically():
    straight = _mlp_step_run(None)
    resumed = _mlp_step_run(3)
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed, strict=True))
    # the optimizer's state matters: resuming without it gives another run
    fresh = _mlp_step_run(3, load_opt=False)
    assert not all(torch.equal(a, b) for a, b in zip(straight, fresh, strict=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_step_matches_the_closed_form_without_a_host_sync():
    w = torch.zeros(4, dtype=torch.float64, device="cuda", requires_grad=True)
    a, c = A.cuda(), C.cuda()
    opt = SDAGD([w], radius=0.7)
    opt.step(lambda: 0.5 * (a * (w - c) ** 2).sum())  # first step creates the state
    expected = closed_form(w.detach().cpu(), 0.7)
    torch.cuda.set_sync_debug_mode("error")
    try:
        opt.step(lambda: 0.5 * (a * (w - c) ** 2).sum())
    finally:
        torch.cuda.set_sync_debug_mode("default")
    torch.testing.assert_close(w.detach().cpu(), expected, rtol=1e-14, atol=1e-14)
