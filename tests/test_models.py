"""The MLP built from configs: shapes, init, symmetry under zero init, skips, FLOP count."""

import pytest
import torch
from torch import nn

from vgmodels.models import DeepMLP, ModelConfig, flops_per_sample
from vgmodels.remedies import REMEDIES


def test_baseline_is_model_3():
    cfg = REMEDIES["baseline"].model
    torch.manual_seed(0)
    model = DeepMLP(cfg)
    linears = model.linears()
    assert [tuple(m.weight.shape) for m in linears] == [(128, 784)] + [(128, 128)] * 6 + [(10, 128)]
    w = torch.cat([m.weight.flatten() for m in linears])
    assert abs(w.std().item() - 0.05) < 0.001 and abs(w.mean().item()) < 0.001
    assert all(m.bias.abs().max().item() == 0 for m in linears)
    assert all(isinstance(layer.act, nn.Sigmoid) for layer in model.hidden)
    tc = REMEDIES["baseline"].train
    assert (tc.optimizer, tc.lr, tc.batch_size, tc.momentum) == ("sgd", 0.01, 512, 0.0)


def test_zero_init_keeps_hidden_units_identical():
    torch.manual_seed(0)
    model = DeepMLP(ModelConfig(depth=3, width=8, in_features=6, classes=4, init="zero"))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.rand(32, 6), torch.randint(0, 4, (32,))
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    for layer in model.hidden:
        w = layer.linear.weight
        # every unit has the same incoming weights (up to float rounding of the reductions)
        torch.testing.assert_close(w, w[:1].expand_as(w), rtol=1e-5, atol=0)
        assert w.abs().sum().item() > 0
    assert model.head.weight.abs().sum().item() > 0  # but the network did learn something


def test_zero_init_relu_has_exactly_zero_hidden_gradients():
    model = DeepMLP(
        ModelConfig(depth=3, width=8, in_features=6, classes=4, init="zero", activation="relu")
    )
    x, y = torch.rand(16, 6), torch.randint(0, 4, (16,))
    nn.functional.cross_entropy(model(x), y).backward()
    for layer in model.hidden:
        assert layer.linear.weight.grad.abs().max().item() == 0.0


def test_paper_skips_add_layer1_to_3_and_4_to_6():
    cfg = ModelConfig(depth=7, width=4, in_features=3, classes=2, skip="paper", activation="relu")
    model = DeepMLP(cfg)
    record = []
    x = torch.rand(5, 3)
    model(x, record)
    h = [hh for _, hh in record]  # activations before the adds
    # recompute by hand: outputs o_i, with o3 = h3 + o1 and o6 = h6 + o4
    o = x
    outs = []
    for i, layer in enumerate(model.hidden):
        o = layer(o)
        if i in (2, 5):
            o = o + outs[i - 2]
        outs.append(o)
    torch.testing.assert_close(outs[2], h[2] + outs[0])
    torch.testing.assert_close(outs[5], h[5] + outs[3])
    torch.testing.assert_close(model(x), model.head(outs[6]))


def test_resnet_has_seven_hidden_linears_and_learns_input_stats():
    model = DeepMLP(REMEDIES["resnet_bn_relu"].model)
    assert len(model.linears()) == 8
    model.set_input_stats(0.3, 0.35)
    assert model.in_mean.item() == pytest.approx(0.3)


def test_flops_per_sample_counts_forward_and_both_backward_matmuls():
    cfg = ModelConfig()
    fwd = 2 * (784 * 128 + 6 * 128 * 128 + 128 * 10)
    bwd_in = 2 * (6 * 128 * 128 + 128 * 10)  # no input gradient for the first layer
    assert flops_per_sample(cfg) == fwd * 2 + bwd_in
    # with only the head learning, backward is just the head's weight gradient
    assert flops_per_sample(cfg, 7, ()) == fwd + 2 * 128 * 10


def test_unknown_config_value_is_rejected():
    with pytest.raises(ValueError, match="accepted"):
        ModelConfig(activation="sine")
