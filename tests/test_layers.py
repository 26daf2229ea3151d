"""Custom layers against independent PyTorch computations."""

import torch
from torch import nn

from vgmodels.layers import BoostedSigmoid, GradientNormalization, MyNormalization
from vgmodels.models import DeepMLP, ModelConfig


def test_batchnorm_sits_between_linear_and_activation_train_and_eval():
    torch.manual_seed(0)
    model = DeepMLP(ModelConfig(depth=2, width=16, in_features=8, classes=3, norm="batchnorm"))
    layer = model.hidden[0]
    ref = nn.BatchNorm1d(16)
    x = torch.randn(32, 8)
    for mode in ("train", "eval"):
        getattr(layer, mode)()
        getattr(ref, mode)()
        expected = torch.sigmoid(ref(layer.linear(x)))
        got = layer(x)
        torch.testing.assert_close(got, expected)
    # the registered BatchNorm learns running statistics like nn.BatchNorm1d
    torch.testing.assert_close(layer.norm.running_mean, ref.running_mean)
    assert any(n.endswith("norm.running_var") for n, _ in model.named_buffers())


def test_mynorm_is_whole_tensor_standardization():
    x = torch.tensor([[1.0, 2.0], [3.0, 10.0]])
    mean, std = 4.0, torch.tensor([1.0, 2.0, 3.0, 10.0]).std().item()  # unbiased, as torch.std
    expected = (x - mean) / std
    torch.testing.assert_close(MyNormalization()(x), expected)
    assert abs(MyNormalization()(x).mean().item()) < 1e-6


def test_gradient_normalization_identity_forward_standardized_backward():
    torch.manual_seed(1)
    x = torch.randn(4, 5, requires_grad=True)
    y = GradientNormalization()(x)
    torch.testing.assert_close(y, x)
    upstream = torch.randn(4, 5) * 1e-4 + 3e-5
    (g,) = torch.autograd.grad(y, x, grad_outputs=upstream)
    expected = (upstream - upstream.mean()) / (upstream.std() + 1e-6)
    torch.testing.assert_close(g, expected)
    s = upstream.std().item()
    assert abs(g.mean().item()) < 1e-6 and abs(g.std().item() - s / (s + 1e-6)) < 1e-4


def test_boosted_sigmoid_forward_exact_backward_plus_beta():
    z = torch.linspace(-8, 8, 33, requires_grad=True)
    s = BoostedSigmoid(0.05)(z)
    assert torch.equal(s, torch.sigmoid(z))
    (g,) = torch.autograd.grad(s.sum(), z)
    sig = torch.sigmoid(z.detach())
    torch.testing.assert_close(g, sig * (1 - sig) + 0.05)
    assert g.min().item() >= 0.05  # the derivative never falls below beta


def test_sigmoid_boost_model_uses_boosted_activation():
    model = DeepMLP(ModelConfig(depth=2, width=4, in_features=3, classes=2, boost_beta=0.05))
    assert isinstance(model.hidden[0].act, BoostedSigmoid)
