"""The inits beyond the sources against their definitions, and ReZero's identity at the start."""

import math

import pytest
import torch
from torch import nn

from vgmodels.models import ModelConfig, build
from vgmodels.models.init import LSUV_TOL, lsuv_


def _hidden_weights(model):
    return [m.weight.detach() for m in model.linears()]


@pytest.mark.parametrize("gain", [1.0, 1.3, 4.0])
def test_orthogonal_weights_are_gain_times_orthonormal(gain):
    torch.manual_seed(0)
    model = build(ModelConfig(depth=4, width=16, init="orthogonal", init_gain=gain, bias_std=0.1))
    first, *square, head = _hidden_weights(model)
    for w in square:  # 16 x 16: W W^T = W^T W = gain^2 I
        torch.testing.assert_close(w @ w.T, gain**2 * torch.eye(16), atol=1e-5, rtol=0)
        torch.testing.assert_close(w.T @ w, gain**2 * torch.eye(16), atol=1e-5, rtol=0)
    # 16 x 784 and 10 x 16: wide, so their rows are orthonormal (times gain)
    torch.testing.assert_close(first @ first.T, gain**2 * torch.eye(16), atol=1e-5, rtol=0)
    torch.testing.assert_close(head @ head.T, gain**2 * torch.eye(10), atol=1e-5, rtol=0)


def test_orthogonal_biases_have_the_asked_std():
    torch.manual_seed(0)
    model = build(ModelConfig(depth=40, width=128, init="orthogonal", bias_std=0.2))
    b = torch.cat([m.bias.detach() for m in model.linears()])
    assert b.std().item() == pytest.approx(0.2, rel=0.05)
    assert abs(b.mean().item()) < 0.02


def test_scaled_normal_and_lecun_variances_are_gain_squared_over_fan_in():
    torch.manual_seed(0)
    model = build(ModelConfig(depth=30, width=128, init="scaled_normal", init_gain=1.5))
    square = torch.cat([w.flatten() for w in _hidden_weights(model)[1:-1]])
    assert square.var().item() == pytest.approx(1.5**2 / 128, rel=0.02)
    assert _hidden_weights(model)[0].var().item() == pytest.approx(1.5**2 / 784, rel=0.02)
    lecun = build(ModelConfig(depth=30, activation="selu", init="lecun"))
    square = torch.cat([w.flatten() for w in _hidden_weights(lecun)[1:-1]])
    assert square.var().item() == pytest.approx(1 / 128, rel=0.02)
    assert all(torch.all(m.bias == 0) for m in lecun.linears())
    assert isinstance(lecun.hidden[0].act, nn.SELU)


def test_centred_sigmoid_layer_is_a_half_scaled_tanh_layer():
    """sigmoid(z) = 1/2 + tanh(z/2)/2, so with b = -W 1/2 the next layer sees W tanh(z/2) / 2."""
    torch.manual_seed(0)
    model = build(ModelConfig(depth=3, width=8, init="orthogonal", init_gain=4.0, center_bias=True))
    x = torch.rand(5, 784)
    rec = []
    model(x, rec)
    (z1, _), (z2, _) = rec[0], rec[1]
    w2 = model.hidden[1].linear.weight.detach()
    torch.testing.assert_close(z2, 0.5 * torch.tanh(z1 / 2) @ w2.T, atol=1e-5, rtol=1e-5)
    first = model.hidden[0].linear
    assert torch.all(first.bias == 0)  # the first layer reads pixels: no shift


def test_lsuv_gives_unit_output_variance_in_every_layer():
    torch.manual_seed(0)
    model = build(ModelConfig(depth=12, width=64, init="lsuv", activation="tanh"))
    x = torch.rand(256, 784)
    steps = lsuv_(model, model.linears(), x)
    assert len(steps) == 13 and max(steps) >= 1
    outs = []
    hooks = [m.register_forward_hook(lambda m, i, o: outs.append(o)) for m in model.linears()]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for o in outs:  # each Linear's output, whole batch, within the tolerance of 1
        assert abs(o.var().item() - 1.0) < LSUV_TOL
    w = model.hidden[3].linear.weight.detach()  # still orthogonal, only rescaled
    scale = w.norm(dim=1).mean()
    torch.testing.assert_close(w @ w.T, scale**2 * torch.eye(64), atol=1e-4, rtol=1e-4)


def test_rezero_starts_as_the_head_on_the_input_projection():
    torch.manual_seed(0)
    cfg = ModelConfig(depth=9, width=32, activation="relu", init="kaiming", skip="rezero")
    model = build(cfg)
    x = torch.rand(7, 784)
    first = model.hidden[0]
    expected = model.head(torch.relu(first.linear(x)))  # by hand: Linear -> ReLU -> head
    torch.testing.assert_close(model(x), expected)
    alphas = [p for n, p in model.named_parameters() if n.endswith("alpha")]
    assert len(alphas) == 8 and all(a.item() == 0.0 for a in alphas)
    loss = model(x).logsumexp(1).sum()
    loss.backward()
    assert all(a.grad is not None and a.grad.abs().item() > 0 for a in alphas)  # alpha learns


def test_rezero_block_adds_alpha_times_its_layer():
    torch.manual_seed(0)
    model = build(ModelConfig(depth=2, width=8, activation="tanh", init="kaiming", skip="rezero"))
    block = model.hidden[1]
    with torch.no_grad():
        block.alpha.fill_(0.5)
    h = torch.randn(3, 8)
    lin = block.layer.linear
    torch.testing.assert_close(block(h), h + 0.5 * torch.tanh(h @ lin.weight.T + lin.bias))


def test_new_knobs_at_their_defaults_leave_the_config_dict_as_before():
    keys = set(ModelConfig().as_dict())
    assert not keys & {"init_gain", "bias_std", "center_bias", "jacobian_probe"}
    assert ModelConfig(init_gain=2.0).as_dict()["init_gain"] == 2.0
    with pytest.raises(ValueError, match="init_gain"):
        ModelConfig(init_gain=0.0)
    assert math.isclose(ModelConfig(bias_std=0.3).as_dict()["bias_std"], 0.3)
