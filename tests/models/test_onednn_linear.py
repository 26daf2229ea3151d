"""The oneDNN-backed Linear against nn.Linear: same outputs, same gradients, same fallbacks."""

import pytest
import torch
from torch import nn

from vgmodels.models import DeepMLP, ModelConfig
from vgmodels.models import onednn_linear as linear
from vgmodels.models.onednn_linear import Linear, _OneDnnLinearFn, onednn_available

needs_onednn = pytest.mark.skipif(not onednn_available(), reason="no oneDNN kernel on this build")


@pytest.fixture
def force_onednn(monkeypatch):
    """Take the oneDNN path whatever the probe chose on this machine."""
    monkeypatch.setattr(linear, "use_onednn", lambda: True)


@pytest.fixture
def fresh_choice():
    linear.use_onednn.cache_clear()
    yield
    linear.use_onednn.cache_clear()


def _pair(fan_in: int, fan_out: int) -> tuple[Linear, nn.Linear]:
    torch.manual_seed(0)
    ours = Linear(fan_in, fan_out)
    ref = nn.Linear(fan_in, fan_out)
    ref.load_state_dict(ours.state_dict())
    return ours, ref


@needs_onednn
@pytest.mark.parametrize("shape", [(784, 128), (128, 128), (128, 10)])
def test_forward_and_every_gradient_match_nn_linear(shape, force_onednn):
    ours, ref = _pair(*shape)
    x = torch.randn(512, shape[0])
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    upstream = torch.randn(512, shape[1])
    y1, y2 = ours(x1), ref(x2)
    torch.testing.assert_close(y1, y2, rtol=1e-5, atol=1e-5)
    (y1 * upstream).sum().backward()
    (y2 * upstream).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ours.weight.grad, ref.weight.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ours.bias.grad, ref.bias.grad, rtol=1e-5, atol=1e-5)


def _dnn_calls(monkeypatch) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Spy on oneDNN's product: (shape of x, shape of w) of every call, in order."""
    calls, real = [], linear._dnn

    def spy(x, w, b=None):
        calls.append((tuple(x.shape), tuple(w.shape)))
        return real(x, w, b)

    monkeypatch.setattr(linear, "_dnn", spy)
    return calls


def _forward_backward(model, x, y):
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return loss.detach(), [m.weight.grad.clone() for m in model.linears()]


# under oneDNN, a 7 x 128 stack runs per step: 7 hidden forwards (the 10-wide head takes aten),
# 6 input gradients (none below the first layer) and 1 weight gradient (784 >= 4 x 128: only the
# first layer's); the seed-style model (plain nn.Linear) and aten run none of them
_ONEDNN_STEP = (
    [((8, 784), (128, 784))]
    + [((8, 128), (128, 128))] * 6  # forward
    + [((8, 128), (128, 128))] * 6  # input gradients, top layer first
    + [((128, 8), (784, 8))]  # the first layer's weight gradient, g.T with x.T
)


@needs_onednn
@pytest.mark.parametrize(("kernel", "ours_calls"), [("onednn", _ONEDNN_STEP), ("aten", [])])
def test_the_pinned_kernel_decides_which_products_take_onednn(
    monkeypatch, fresh_choice, kernel, ours_calls
):
    monkeypatch.setenv("VG_LINEAR", kernel)
    torch.manual_seed(0)
    ours = DeepMLP(ModelConfig())
    seed_style = DeepMLP(ModelConfig(), linear=nn.Linear)
    seed_style.load_state_dict(ours.state_dict())
    x, y = torch.rand(8, 784), torch.arange(8)
    calls = _dnn_calls(monkeypatch)
    loss, grads = _forward_backward(ours, x, y)
    assert sorted(calls) == sorted(ours_calls)
    calls.clear()
    ref_loss, ref_grads = _forward_backward(seed_style, x, y)
    assert calls == []  # the seed-style model never takes oneDNN
    torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=1e-6)
    for a, e in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-6)


@needs_onednn
def test_frozen_weight_and_plain_input_get_no_gradient(force_onednn):
    ours, _ = _pair(784, 128)
    ours.requires_grad_(False)
    x = torch.randn(16, 784, requires_grad=True)
    ours(x).sum().backward()
    assert ours.weight.grad is None and ours.bias.grad is None
    torch.testing.assert_close(x.grad, ours.weight.sum(0).expand(16, 784), rtol=1e-5, atol=1e-5)


@needs_onednn
def test_function_agrees_with_autograd_gradcheck_in_double_shapes():
    # gradcheck needs float64, which the oneDNN kernel does not take: check the float32
    # backward against autograd's own derivative of F.linear instead
    torch.manual_seed(3)
    x = torch.randn(64, 200, requires_grad=True)
    w = torch.randn(30, 200, requires_grad=True)
    b = torch.randn(30, requires_grad=True)
    g = torch.randn(64, 30)
    got = torch.autograd.grad(_OneDnnLinearFn.apply(x, w, b), (x, w, b), g)
    want = torch.autograd.grad(nn.functional.linear(x, w, b), (x, w, b), g)
    for a, e in zip(got, want, strict=True):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-4)


def test_non_float32_input_falls_back_to_nn_linear():
    ours, ref = _pair(6, 4)
    ours.double(), ref.double()
    x = torch.randn(3, 6, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x))
    assert type(ours(x).grad_fn).__name__ == "AddmmBackward0"


@needs_onednn
@pytest.mark.parametrize(
    ("speedup", "chosen"), [(2.2, True), (1.3, True), (1.1, False), (0.9, False)]
)
def test_auto_takes_onednn_only_when_it_wins_by_the_margin(
    monkeypatch, fresh_choice, speedup, chosen
):
    monkeypatch.delenv("VG_LINEAR", raising=False)
    monkeypatch.setattr(linear, "onednn_speedup", lambda: speedup)
    assert linear.use_onednn() is chosen


@needs_onednn
@pytest.mark.parametrize(("env", "chosen"), [("onednn", True), ("aten", False)])
def test_vg_linear_overrides_the_probe(monkeypatch, fresh_choice, env, chosen):
    monkeypatch.setenv("VG_LINEAR", env)
    monkeypatch.setattr(linear, "onednn_speedup", lambda: 1.0 if chosen else 3.0)
    assert linear.use_onednn() is chosen


def test_vg_linear_rejects_unknown_kernels(monkeypatch, fresh_choice):
    monkeypatch.setenv("VG_LINEAR", "blas")
    with pytest.raises(ValueError, match="accepted: auto, onednn, aten"):
        linear.use_onednn()


def test_speedup_is_the_best_mkl_time_over_the_best_onednn_time(monkeypatch):
    timed = []
    times = iter([2.0, 6.0, 3.0, 5.0])  # onednn, mkl, onednn, mkl

    def fake(kernel, device, seconds):
        timed.append(kernel.__name__)
        return next(times)

    monkeypatch.setattr(linear, "best_seconds", fake)
    assert linear.onednn_speedup(batch=8, fan_in=12, width=4) == 5.0 / 2.0
    assert timed == ["onednn", "mkl", "onednn", "mkl"]  # interleaved, so drift hits both


@needs_onednn
def test_both_probed_kernels_compute_the_same_products():
    x, w, b = torch.rand(8, 12), torch.randn(4, 12), torch.randn(4)
    torch.testing.assert_close(linear._dnn(x, w, b), x @ w.t() + b)


@needs_onednn
def test_a_run_records_the_kernel_it_was_pinned_to_and_both_train_alike(monkeypatch, fresh_choice):
    from tests.conftest import synthetic_dataset
    from vgmodels.profiles import Profile
    from vgmodels.remedies import REMEDIES
    from vgmodels.training.trainer import train_case

    data, profile = synthetic_dataset(256, 64, 64), Profile("t", 1, 1, probe_size=16)
    recs = {}
    for kernel in ("onednn", "aten"):
        monkeypatch.setenv("VG_LINEAR", kernel)
        linear.use_onednn.cache_clear()
        recs[kernel] = train_case(REMEDIES["relu"], profile, 0, "cpu", data)
        assert recs[kernel]["linear_kernel"] == kernel
    a, b = (recs[k]["history"][0] for k in ("onednn", "aten"))
    assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-4)
    assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-3)
