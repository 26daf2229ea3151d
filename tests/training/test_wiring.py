"""Training wiring: the optimizer of each case and its settings, renewed at each growth of a
layer-wise schedule; SDAGD in the sdagd case, one ball of radius 0.1 per tensor with its curvature."""

import math
from dataclasses import replace

import pytest
import torch
from torch.nn import functional as F

from tests.conftest import synthetic_dataset
from vgmodels.optim import SDAGD
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training import trainer
from vgmodels.training.probes import time_probe
from vgmodels.training.trainer import Run, train_case


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


def test_grad_clip_case_scales_the_whole_gradient_to_norm_1_before_sgds_step():
    run = _run("grad_clip", epochs=1)
    run.begin_phase(run.phases[0])
    params = list(run.model.parameters())
    with torch.no_grad():  # a gradient well above the clip's norm 1
        run.model.head.weight.mul_(50.0)
    start = [p.detach().clone() for p in params]
    x, y = run.data.train.x, run.data.train.y  # batches of 512: the epoch's one step
    grads = torch.autograd.grad(F.cross_entropy(run.model(x), y), params)
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    assert norm > 2
    _one_epoch(run)
    for p, p0, g in zip(params, start, grads, strict=True):
        torch.testing.assert_close(p.detach(), p0 - 0.01 * g / (norm + 1e-6))


def test_resnet_case_steps_its_one_cycle_rate_at_every_batch():
    base = REMEDIES["resnet_bn_relu"]
    case = replace(base, train=replace(base.train, batch_size=128))  # 4 steps an epoch
    rec = train_case(case, Profile("t", 2, 1, probe_size=16), 0, "cpu", synthetic_dataset(512))
    # torch's own one-cycle over the 8 steps, read after steps 4 and 8
    w = torch.zeros(1, requires_grad=True)
    ref = torch.optim.lr_scheduler.OneCycleLR(
        torch.optim.AdamW([w], lr=3e-3), max_lr=3e-3, total_steps=8
    )
    want = []
    for step in range(1, 9):
        ref.optimizer.step()
        ref.step()
        if step % 4 == 0:
            want.append(ref.get_last_lr()[0])
    assert [h["lr"] for h in rec["history"]] == pytest.approx(want, rel=1e-9)
    assert want[0] > 1e-3 > want[1]  # past the peak, then falling (never stepped: 1.2e-4 twice)


def test_the_epochs_rate_is_the_optimizers_or_sdagds_radius():
    for case_id, lr in (("sdagd", 0.1), ("baseline", 0.01), ("adam", 1e-3)):
        run = _run(case_id, epochs=1)
        run.begin_phase(run.phases[0])
        _one_epoch(run)
        assert run.history[0]["lr"] == lr, case_id


def test_recurrent_epochs_record_the_gradient_through_time_and_reach_on_epoch():
    rows = []
    data = synthetic_dataset(256, 32, 32)
    run = Run(REMEDIES["rnn"], Profile("t", 2, 1, probe_size=16), 0, "cpu", data, rows.append)
    run.begin_phase(run.phases[0])
    _one_epoch(run)
    _one_epoch(run)
    assert len(rows) == 2 and rows == run.history
    got = rows[-1]["grad_norm_time"]
    assert len(got) == 28 and all(v > 0 for v in got)  # one norm per row of the image
    assert got == time_probe(run.model, run.probe_x, run.probe_y)  # of the model as it stands


@pytest.mark.parametrize(
    ("train_loss", "val_loss", "diverged"),
    [(math.nan, 0.5, True), (0.5, math.nan, True), (math.inf, math.inf, True), (0.5, 0.7, False)],
)
def test_an_epoch_diverges_when_either_loss_is_not_finite(
    monkeypatch, train_loss, val_loss, diverged
):
    run = _run("baseline", epochs=1)
    run.begin_phase(run.phases[0])
    before = run.snapshot()
    sums = run.train_epoch()
    sums.loss.fill_(train_loss * run.n_train)
    monkeypatch.setattr(trainer, "evaluate", lambda model, split: (val_loss, 0.1))
    assert run.end_epoch(sums, 1.0, before) is diverged
    assert run.timing["diverged"] is diverged
