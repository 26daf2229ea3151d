"""Training wiring: the optimizer of each case and its settings, renewed at each growth of a
layer-wise schedule; SDAGD in the sdagd case, one ball of radius 0.1 per tensor with its curvature."""

import math

import pytest
import torch
from torch.nn import functional as F

from tests.conftest import synthetic_dataset
from vgmodels.optim import SDAGD
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training.trainer import Run


def _run(case_id, n_train=512, epochs=4):
    data = synthetic_dataset(n_train, 32, 32)
    return Run(REMEDIES[case_id], Profile("t", epochs, 1, probe_size=16), 0, "cpu", data)


def _one_epoch(run):
    before = run.snapshot()
    run.end_epoch(run.train_epoch(), 1.0, before)


@pytest.mark.parametrize("case_id", ["layerwise_greedy", "layerwise_paper"])
def test_each_growth_trains_its_new_head_with_a_new_optimizer(case_id):
    run = _run(case_id, epochs=4 if case_id == "layerwise_greedy" else 9)
    opts = []
    for phase in run.phases:
        run.begin_phase(phase)
        opts.append(run.opt)
        head = run.model.head
        # the optimizer holds exactly the parameters of the network as it stands
        held = {id(p) for g in run.opt.param_groups for p in g["params"]}
        assert held == {id(p) for p in run.model.parameters()}, phase.name
        start = head.weight.detach().clone()
        for _ in range(phase.epochs):
            _one_epoch(run)
        assert not torch.equal(head.weight, start), f"{phase.name}: the head did not learn"
    renewed = [opts[i] is not opts[i - 1] for i in range(1, len(opts))]
    assert renewed == [p.grow for p in run.phases[1:]]


def test_rmsprop_case_is_torchs_rmsprop_lr_1e3_and_steps_by_its_rule():
    run = _run("rmsprop")
    opt = run.opt
    assert type(opt) is torch.optim.RMSprop
    group = opt.param_groups[0]
    settings = ("lr", "alpha", "eps", "momentum", "centered", "weight_decay")
    assert tuple(group[k] for k in settings) == (1e-3, 0.99, 1e-8, 0, False, 0)
    # two steps by hand on one tensor: v = 0.99 v + 0.01 g^2, w -= lr g / (sqrt(v) + eps)
    w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = type(opt)([w], **{k: group[k] for k in settings})
    want, v = w.detach().clone(), torch.zeros(3)
    for g in (torch.tensor([0.3, -1.0, 2.0]), torch.tensor([0.1, 0.5, -4.0])):
        w.grad = g
        opt.step()
        v = 0.99 * v + 0.01 * g * g
        want -= 1e-3 * g / (v.sqrt() + 1e-8)
    torch.testing.assert_close(w.detach(), want)


def test_sgd_momentum_case_is_sgd_lr_1e2_with_heavy_ball_momentum_0_9():
    run = _run("sgd_momentum")
    opt = run.opt
    assert type(opt) is torch.optim.SGD
    group = opt.param_groups[0]
    settings = ("lr", "momentum", "dampening", "nesterov", "weight_decay")
    assert tuple(group[k] for k in settings) == (1e-2, 0.9, 0, False, 0)
    # by hand: b = 0.9 b + g (b = g at the first step), w -= lr b
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = type(opt)([w], **{k: group[k] for k in settings})
    want, buf = w.detach().clone(), None
    for g in (torch.tensor([1.0, 2.0]), torch.tensor([-3.0, 0.5]), torch.tensor([0.2, 0.2])):
        w.grad = g
        opt.step()
        buf = g.clone() if buf is None else 0.9 * buf + g
        want -= 1e-2 * buf
    torch.testing.assert_close(w.detach(), want)
    assert _run("baseline").opt.param_groups[0]["momentum"] == 0  # the baseline has none


def _sdagd_by_hand(params, x, y, forward, radius):
    """One SDAGD step from the paper's formula, per tensor: w - g / (||g|| / R + h), h the
    squared gradient of the cross-entropy against labels sampled from the model (GNB)."""
    logits = forward(x)
    grads = torch.autograd.grad(F.cross_entropy(logits, y), params, retain_graph=True)
    u = torch.rand_like(logits).clamp(min=torch.finfo(logits.dtype).tiny)
    sampled = (logits.detach() - torch.log(-torch.log(u))).argmax(1)  # Gumbel-max draw
    scale = math.sqrt(len(x))
    s = torch.autograd.grad(F.cross_entropy(logits, sampled, reduction="sum") / scale, params)
    new = [p - g / (g.norm() / radius + h * h) for p, g, h in zip(params, grads, s, strict=True)]
    normalized_sgd = [p - radius * g / g.norm() for p, g in zip(params, grads, strict=True)]
    return [t.detach() for t in new], [t.detach() for t in normalized_sgd]


def test_sdagd_case_steps_one_ball_of_radius_0_1_per_tensor_with_its_curvature():
    run = _run("sdagd")
    params = list(run.model.parameters())
    assert type(run.opt) is SDAGD
    assert [g["params"] for g in run.opt.param_groups] == [[p] for p in params]
    assert {(g["radius"], g["hessian"], g["beta"]) for g in run.opt.param_groups} == {
        (0.1, "gnb", 0.0)
    }
    run.begin_phase(run.phases[0])
    before = [p.detach().clone() for p in params]
    rng = torch.get_rng_state()
    run.train_epoch()  # 512 samples, batch 512: one step
    after = [p.detach().clone() for p in params]
    # the same step by hand, on the same batch order and the same sampled labels
    order = torch.randperm(512, generator=torch.Generator().manual_seed(0))
    x, y = run.data.train.x[order], run.data.train.y[order]
    with torch.no_grad():
        for p, b in zip(params, before, strict=True):
            p.copy_(b)
    torch.set_rng_state(rng)
    want, plain = _sdagd_by_hand(params, x, y, run.model, 0.1)
    for got, w, b in zip(after, want, before, strict=True):
        torch.testing.assert_close(got, w, rtol=1e-5, atol=1e-7)
        assert (got - b).norm() <= 0.1 * (1 + 1e-5)  # never longer than R
    # the curvature term shows in the head: normalized SGD per tensor would not pass
    head_gap = (after[-2] - plain[-2]).abs().max() / (after[-2] - before[-2]).abs().max()
    assert head_gap > 1e-3
