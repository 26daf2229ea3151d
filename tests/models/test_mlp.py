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


def _manual_forward(model, x, adds):
    """Plain-torch forward of a ReLU stack from the model's own weights, with the given adds."""
    outs, h = [], x
    for i, layer in enumerate(model.hidden):
        h = torch.relu(h @ layer.linear.weight.T + layer.linear.bias)
        if i in adds:
            h = h + outs[adds[i]]
        outs.append(h)
    return h @ model.head.weight.T + model.head.bias


@pytest.mark.parametrize(
    "skip, adds",
    [("course", {2: 0, 6: 3}), ("article", {2: 0})],  # S2: h1 -> h3, h4 -> h7; S1: h1 -> h3
)
def test_skip_wiring_matches_the_sources(skip, adds):
    torch.manual_seed(0)
    cfg = ModelConfig(depth=7, width=16, in_features=5, classes=3, skip=skip, activation="relu")
    model = DeepMLP(cfg).double()
    for m in model.linears():  # weights large enough that every add moves the logits visibly
        nn.init.normal_(m.weight, 0.0, 0.5)
        nn.init.normal_(m.bias, 0.0, 0.5)
    x = torch.rand(6, 5, dtype=torch.float64)
    got = model(x)
    torch.testing.assert_close(got, _manual_forward(model, x, adds), rtol=1e-12, atol=1e-12)
    for wrong in ({}, {2: 0, 5: 3}, {2: 0, 6: 3} if skip == "article" else {2: 0}):
        assert (got - _manual_forward(model, x, wrong)).abs().max() > 1e-3


def _sigmoid_stack_grads(placement):
    """W1's gradient of a 1-hidden-layer sigmoid net with GradNorm at `placement` (model's)."""
    torch.manual_seed(1)
    cfg = ModelConfig(depth=1, width=6, in_features=4, classes=3, grad_norm=placement)
    model = DeepMLP(cfg).double()
    x, y = torch.rand(8, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    nn.functional.cross_entropy(model(x), y).backward()
    return model, x, y


def _standardize(g):
    return (g - g.mean()) / (g.std() + 1e-6)


@pytest.mark.parametrize("placement", ["post", "pre"])
def test_gradient_normalization_placement(placement):
    model, x, y = _sigmoid_stack_grads(placement)
    lin = model.hidden[0].linear
    z = (x @ lin.weight.T + lin.bias).detach()
    h = torch.sigmoid(z).requires_grad_(True)
    loss = nn.functional.cross_entropy(h @ model.head.weight.T + model.head.bias, y)
    (g_h,) = torch.autograd.grad(loss, h)  # dL/dh without any normalization
    ds = h.detach() * (1 - h.detach())  # sigmoid'(z)
    post = (_standardize(g_h) * ds).T @ x  # Linear -> sigmoid -> GradNorm
    pre = _standardize(g_h * ds).T @ x  # Linear -> GradNorm -> sigmoid
    want, other = (post, pre) if placement == "post" else (pre, post)
    torch.testing.assert_close(lin.weight.grad, want, rtol=1e-10, atol=1e-12)
    assert (lin.weight.grad - other).abs().max() > 1e-3


def _run_order(model, x):
    """Class names of the modules that run, in the order their forwards finish (leaves only)."""
    ran = []
    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda m, i, o: ran.append(type(m).__name__)) for m in leaves]
    model(x)
    for h in hooks:
        h.remove()
    return [name for name in ran if name != "Identity"]


@pytest.mark.parametrize(
    ("case_id", "layer"),
    [
        ("baseline", ["Linear", "Sigmoid"]),
        ("grad_norm", ["Linear", "Sigmoid", "GradientNormalization"]),
        ("grad_norm_pre", ["Linear", "GradientNormalization", "Sigmoid"]),
        ("batchnorm", ["Linear", "BatchNorm1d", "Sigmoid"]),
        ("mynorm", ["Linear", "MyNormalization", "Sigmoid"]),
        ("layernorm", ["Linear", "LayerNorm", "Sigmoid"]),
        ("sigmoid_boost", ["Linear", "BoostedSigmoid"]),
    ],
)
def test_modules_run_in_the_order_of_each_remedy(case_id, layer):
    # the order the forward runs them (forward hooks), not the order they are declared in
    model = DeepMLP(REMEDIES[case_id].model)
    assert _run_order(model, torch.rand(4, 784)) == layer * 7 + ["Linear"]


def test_resnet_runs_stem_three_residual_blocks_and_head_on_standardized_input():
    model = DeepMLP(REMEDIES["resnet_bn_relu"].model)
    block = ["BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Linear"]
    x = torch.rand(4, 784)
    ran = _run_order(model, x)
    assert ran == ["Linear"] + block * 3 + ["BatchNorm1d", "ReLU", "Linear"]
    assert ran.count("Linear") == 8  # 7 hidden (stem + 3 x 2) and the head
    model.set_input_stats(0.3, 0.35)
    seen = []
    model.stem.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    model(x)
    torch.testing.assert_close(seen[0], (x - 0.3) / 0.35)


def test_layernorm_case_normalizes_each_sample_over_the_width():
    torch.manual_seed(0)
    model = DeepMLP(REMEDIES["layernorm"].model)
    seen = []
    for layer in model.hidden:
        layer.norm.register_forward_hook(lambda m, i, o: seen.append(o))
    model(torch.rand(5, 784))
    assert len(seen) == 7
    for out in seen:  # (5, 128): the affine starts at (1, 0), so mean 0, biased variance 1
        assert out.shape == (5, 128)
        torch.testing.assert_close(out.mean(1), torch.zeros(5), rtol=0, atol=1e-5)
        torch.testing.assert_close(out.var(1, unbiased=False), torch.ones(5), rtol=0, atol=1e-3)
    assert not torch.allclose(seen[0].mean(0), torch.zeros(128), atol=1e-2)  # not over the batch


def test_default_init_is_pytorchs():
    torch.manual_seed(0)
    model = DeepMLP(REMEDIES["baseline_default"].model)
    w = model.hidden[1].linear.weight  # kaiming_uniform(a=sqrt(5)): U(-1/sqrt(128), 1/sqrt(128))
    assert w.abs().max().item() <= 128**-0.5 and w.abs().max().item() > 0.9 * 128**-0.5
    assert model.hidden[1].linear.bias.abs().max().item() > 0


def test_new_head_is_a_new_default_initialized_layer():
    model = DeepMLP(REMEDIES["baseline"].model)
    old = model.head
    new = model.new_head()
    assert new is model.head and new is not old and model.linears()[-1] is new
    # PyTorch's default: U(-1/sqrt(128), 1/sqrt(128)), std 1/sqrt(3 x 128) = 0.051, bias too
    assert new.weight.abs().max().item() <= 128**-0.5
    assert new.weight.std().item() == pytest.approx((3 * 128) ** -0.5, rel=0.1)
    assert new.bias.abs().max().item() > 0  # the N(0, 0.05) init leaves biases at 0


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


def test_preact_forward_is_the_hand_composed_residual_stack():
    """resnet_bn_relu's wiring (BatchNorm in eval mode with fresh statistics is the identity
    affine map up to eps) against the same weights composed with plain torch ops."""
    torch.manual_seed(0)
    cfg = ModelConfig(
        depth=5,
        width=8,
        in_features=6,
        classes=4,
        activation="relu",
        norm="none",
        skip="preact",
        init="kaiming",
    )
    model = DeepMLP(cfg).double().eval()
    for p in model.parameters():  # non-zero biases: every term shows
        p.data.add_(0.1 * torch.randn_like(p))
    x = torch.rand(5, 6, dtype=torch.float64)
    F = nn.functional
    h = F.linear(x, model.stem.weight, model.stem.bias)
    for b in model.blocks:  # (depth - 1) // 2 = 2 blocks
        inner = F.linear(torch.relu(h), b.linear1.weight, b.linear1.bias)
        h = h + F.linear(torch.relu(inner), b.linear2.weight, b.linear2.bias)
    want = F.linear(torch.relu(h), model.head.weight, model.head.bias)
    assert len(model.blocks) == 2
    torch.testing.assert_close(model(x), want, rtol=1e-12, atol=1e-12)


def test_standardized_input_is_the_plain_model_on_standardized_pixels():
    torch.manual_seed(0)
    cfg = ModelConfig(depth=2, width=8, in_features=6, classes=4, standardize_input=True)
    model = DeepMLP(cfg).double()
    plain = DeepMLP(ModelConfig(depth=2, width=8, in_features=6, classes=4)).double()
    plain.load_state_dict(model.state_dict())
    model.set_input_stats(0.3, 0.5)
    x = torch.rand(5, 6, dtype=torch.float64)
    torch.testing.assert_close(model(x), plain((x - 0.3) / 0.5), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(model(x), plain(x))


@pytest.mark.parametrize(
    "init, std",
    # xavier normal: sqrt(2 / (fan_in + fan_out)); kaiming normal for ReLU: sqrt(2 / fan_in)
    [("xavier", (2 / (784 + 128)) ** 0.5), ("kaiming", (2 / 784) ** 0.5)],
)
def test_xavier_and_kaiming_scale_by_fan(init, std):
    torch.manual_seed(0)
    model = DeepMLP(ModelConfig(init=init))
    first, hidden = model.linears()[0], model.linears()[1]
    assert first.weight.std().item() == pytest.approx(std, rel=0.02)  # 100,352 draws: ~0.2%
    want_hidden = (2 / 256) ** 0.5 if init == "xavier" else (2 / 128) ** 0.5
    assert hidden.weight.std().item() == pytest.approx(want_hidden, rel=0.03)
    assert all(m.bias.abs().max().item() == 0 for m in model.linears())


def test_flops_of_a_partly_grown_partly_frozen_network():
    # two hidden layers run, only the second learns: the first needs no weight or input gradient,
    # the second a weight gradient, the head both (the second learns below it)
    cfg = ModelConfig()
    want = 2 * 784 * 128 * 1 + 2 * 128 * 128 * 2 + 2 * 128 * 10 * 3
    assert flops_per_sample(cfg, 2, (1,)) == want == 273920
