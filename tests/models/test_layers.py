"""Custom layers against independent PyTorch computations."""

import math

import pytest
import torch
from torch import nn

from vgmodels.models import DeepMLP, ModelConfig
from vgmodels.models.layers import (
    ELU,
    BoostedSigmoid,
    GradientNormalization,
    MyNormalization,
    Softplus,
)


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


def _same_function_and_gradient(ours, ref, x, atol):
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y1, y2 = ours(x1), ref(x2)
    torch.testing.assert_close(y1, y2, rtol=1e-6, atol=atol)
    upstream = torch.linspace(-1.0, 1.0, x.numel()).reshape(x.shape)
    (y1 * upstream).sum().backward()
    (y2 * upstream).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-6, atol=1e-6)


def test_elu_matches_nn_elu_and_is_exact_for_positive_inputs():
    x = torch.cat([torch.linspace(-30, 30, 6001), torch.tensor([0.0, -0.0, 1e-30, -1e-30])])
    _same_function_and_gradient(ELU(), nn.ELU(), x, atol=1.2e-7)
    pos = x[x > 0]
    assert torch.equal(ELU()(pos), pos)
    assert ELU()(torch.tensor([-1.0])).item() == pytest.approx(math.exp(-1) - 1, abs=1e-7)


def test_softplus_matches_nn_softplus_without_overflow():
    x = torch.linspace(-100, 100, 20001)
    _same_function_and_gradient(Softplus(), nn.Softplus(), x, atol=2e-6)  # one ulp at 100
    big = Softplus()(torch.tensor([1e4, -1e4, 0.0]))
    assert big.tolist() == pytest.approx([1e4, 0.0, math.log(2)], abs=1e-6)


def test_mynorm_backward_matches_autograd_through_mean_and_std():
    torch.manual_seed(4)
    x = torch.randn(64, 16) * 3 + 1

    def reference(t):
        return (t - t.mean()) / t.std()

    _same_function_and_gradient(MyNormalization(), reference, x, atol=1e-6)
