"""Seeds stacked into one model train as each seed would alone (vgmodels.training.stacked)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from vgmodels.remedies import REMEDIES
from vgmodels.training.stacked import clip_per_seed, stackable, train_stacked
from vgmodels.training.trainer import train_case

# every kind of piece a stacked model runs through: custom autograd Functions (mynorm, grad_norm,
# sigmoid_boost, elu, softplus), BatchNorm's running statistics, learned slopes, skips, Adam,
# clipping, label smoothing and a one-cycle schedule (resnet_bn_relu)
CASES = [
    "baseline",
    "batchnorm",
    "mynorm",
    "grad_norm",
    "sigmoid_boost",
    "elu",
    "softplus",
    "prelu",
    "skip",
    "adam",
    "grad_clip",
    "resnet_bn_relu",
]


def test_which_cases_stack():
    assert stackable(REMEDIES["baseline"]) and stackable(REMEDIES["resnet_bn_relu"])
    for cid in ("layerwise_paper", "layerwise_greedy_full", "sdagd", "lstm", "gru_long"):
        assert not stackable(REMEDIES[cid]), cid
    with pytest.raises(ValueError, match="cannot stack"):
        train_stacked(REMEDIES["sdagd"], None, [0, 1], torch.device("cpu"), None)


@pytest.mark.parametrize("case_id", CASES)
def test_stacked_seeds_follow_their_runs_alone(case_id, tiny_data, tiny_profile):
    # batches of 64: 8 steps an epoch, so each seed's own batch order matters
    case = replace(REMEDIES[case_id], train=replace(REMEDIES[case_id].train, batch_size=64))
    cpu = torch.device("cpu")
    alone = [train_case(case, tiny_profile, s, cpu, tiny_data) for s in (0, 1, 2)]
    stacked = train_stacked(case, tiny_profile, [0, 1, 2], cpu, tiny_data)
    assert [r["seed"] for r in stacked] == [0, 1, 2]
    for a, b in zip(alone, stacked, strict=True):
        assert b["concurrent_runs"] == 3 and b["epochs_run"] == a["epochs_run"] == 2
        for ha, hb in zip(a["history"], b["history"], strict=True):
            assert hb["lr"] == pytest.approx(ha["lr"], rel=1e-6)
            assert hb["train_loss"] == pytest.approx(ha["train_loss"], rel=1e-4)
            assert hb["val_loss"] == pytest.approx(ha["val_loss"], rel=1e-4)
            assert hb["act_mean"] == pytest.approx(ha["act_mean"], rel=1e-3, abs=1e-6)
        # epoch 1's mean gradient norms; later ones are ill-conditioned where gradients are
        # standardized (grad_norm_pre's first layer moves 0.5% between 1 and 2 threads alone)
        assert b["history"][0]["grad_norm"] == pytest.approx(a["history"][0]["grad_norm"], rel=1e-3)
        assert b["test_loss"] == pytest.approx(a["test_loss"], rel=1e-4)
        assert abs(b["test_acc"] - a["test_acc"]) <= 2 / len(tiny_data.test)
    # the seeds did differ: stacking did not train one seed three times
    assert stacked[0]["history"][0]["train_loss"] != stacked[1]["history"][0]["train_loss"]


def test_custom_functions_act_per_seed_under_vmap():
    """Whole-tensor statistics (MyNormalization, GradientNormalization) are each seed's own."""
    from torch.func import vmap

    from vgmodels.models.layers import GradientNormalization, MyNormalization

    g = torch.Generator().manual_seed(0)
    scale = torch.tensor([0.1, 1.0, 30.0]).view(3, 1, 1)  # seeds with very different statistics
    x = (torch.randn(3, 8, 5, generator=g) * scale + scale).requires_grad_()
    up = torch.randn(3, 8, 5, generator=g) * scale
    y = vmap(MyNormalization())(x)
    xs = x.detach()
    mean, std = xs.mean((1, 2), keepdim=True), xs.std((1, 2), keepdim=True)  # unbiased, per seed
    assert torch.allclose(y, (xs - mean) / std, atol=1e-5)
    z = x.detach().clone().requires_grad_()
    vmap(GradientNormalization())(z).backward(up)
    m, s = up.mean((1, 2), keepdim=True), up.std((1, 2), keepdim=True)
    assert torch.allclose(z.grad, (up - m) / (s + 1e-6), atol=1e-5)


def test_a_diverging_seed_stops_as_it_would_alone(tiny_data, tiny_profile):
    # lr 1e3 on ReLU with N(0, 1) weights diverges within the first epoch whatever the seed
    case = replace(REMEDIES["relu_std1"], train=replace(REMEDIES["relu_std1"].train, lr=1e3))
    cpu = torch.device("cpu")
    out = train_stacked(case, tiny_profile, [0, 1], cpu, tiny_data)
    alone = [train_case(case, tiny_profile, s, cpu, tiny_data) for s in (0, 1)]
    assert all(r["diverged"] and r["epochs_run"] == 1 for r in out)
    assert [r["epochs_run"] for r in alone] == [1, 1] and all(r["diverged"] for r in alone)
    assert [r["history"][0]["val_loss"] for r in out] == [None, None]


def test_clip_per_seed_matches_torch_on_each_slice():
    g = torch.Generator().manual_seed(0)
    scale = torch.tensor([0.01, 1.0, 10.0])  # seed 0 under the limit, 1 and 2 over it
    a = torch.randn(3, 4, 5, generator=g) * scale.view(3, 1, 1)
    b = torch.randn(3, 4, generator=g) * scale.view(3, 1)
    params = [torch.zeros_like(a, requires_grad=True), torch.zeros_like(b, requires_grad=True)]
    params[0].grad, params[1].grad = a.clone(), b.clone()
    clip_per_seed(params, 1.0)
    for s in range(3):
        ref = [torch.zeros(4, 5, requires_grad=True), torch.zeros(4, requires_grad=True)]
        ref[0].grad, ref[1].grad = a[s].clone(), b[s].clone()
        norm = torch.nn.utils.clip_grad_norm_(ref, 1.0)
        assert torch.allclose(params[0].grad[s], ref[0].grad, rtol=1e-6)
        assert torch.allclose(params[1].grad[s], ref[1].grad, rtol=1e-6)
        total = math.sqrt(sum(float(t[s].pow(2).sum()) for t in (a, b)))
        assert float(norm) == pytest.approx(total, rel=1e-5)
    # the small seed is left alone, the large ones end at norm 1
    assert torch.equal(params[0].grad[0], a[0])
