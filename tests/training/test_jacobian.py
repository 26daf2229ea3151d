"""The Jacobian instrument against closed forms, and its fields in a run's record."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from vgmodels.models import ModelConfig, build
from vgmodels.remedies import REMEDIES
from vgmodels.training.jacobian import hidden_jacobian, spectrum_stats
from vgmodels.training.trainer import train_case


def _linear_net(depth: int, gain: float, width: int = 16):
    torch.manual_seed(0)
    model = build(
        ModelConfig(depth=depth, width=width, activation="tanh", init="orthogonal", init_gain=gain)
    )
    for layer in model.hidden:
        layer.act = nn.Identity()  # a deep linear network
    return model


@pytest.mark.parametrize(("depth", "gain"), [(2, 1.0), (6, 1.1), (11, 0.9)])
def test_deep_linear_orthogonal_network_has_every_singular_value_gain_to_the_depth(depth, gain):
    model = _linear_net(depth, gain)
    jac = hidden_jacobian(model, torch.rand(3, 784))
    assert jac.shape == (3, 16, 16)
    s = torch.linalg.svdvals(jac.double())
    expected = gain ** (depth - 1)  # depth - 1 square layers between h_1 and h_L
    torch.testing.assert_close(s, torch.full_like(s, expected), atol=1e-5 * expected, rtol=0)
    stats = spectrum_stats(jac)
    assert stats["sq_mean"] == pytest.approx(expected**2, rel=1e-5)
    assert stats["spread"] == pytest.approx(0.0, abs=1e-8)


def test_diagonal_tanh_network_by_hand():
    """Width 2, diagonal weights: J = diag(prod_l w_l tanh'(z_l)) with z_l by hand."""
    model = build(ModelConfig(depth=3, width=2, activation="tanh", init="zero"))
    ws = [(2.0, 0.5), (-1.5, 3.0)]
    bs = [(0.1, -0.2), (0.3, 0.0)]
    with torch.no_grad():
        for layer, w, b in zip(model.hidden[1:], ws, bs, strict=True):
            layer.linear.weight.copy_(torch.diag(torch.tensor(w)))
            layer.linear.bias.copy_(torch.tensor(b))
        first = model.hidden[0].linear
        first.weight.zero_()
        first.weight[0, 0], first.weight[1, 1] = 1.0, 1.0  # h1 = tanh(x_0, x_1)
    x = torch.zeros(1, 784)
    x[0, 0], x[0, 1] = 0.4, -0.7
    expected = []
    for unit in range(2):
        h, d = torch.tanh(x[0, unit]).item(), 1.0
        for w, b in zip(ws, bs, strict=True):
            z = w[unit] * h + b[unit]
            t = torch.tanh(torch.tensor(z)).item()
            d *= w[unit] * (1 - t * t)
            h = t
        expected.append(d)
    jac = hidden_jacobian(model, x)[0]
    torch.testing.assert_close(jac, torch.diag(torch.tensor(expected)), atol=1e-6, rtol=1e-5)
    stats = spectrum_stats(jac[None])
    s = sorted(abs(v) for v in expected)
    assert stats["max"] == pytest.approx(s[1]) and stats["min"] == pytest.approx(s[0])
    lam = [v * v for v in expected]
    mean = sum(lam) / 2
    assert stats["sq_mean"] == pytest.approx(mean)
    assert stats["sq_var"] == pytest.approx(sum((v - mean) ** 2 for v in lam) / 2)


def test_course_skips_enter_the_jacobian():
    """h3 = tanh(W3 h2) + h1 under the course's wiring: J gains the identity from h1."""
    torch.manual_seed(0)
    cfg = ModelConfig(depth=7, width=8, activation="tanh", init="orthogonal", skip="course")
    model = build(cfg)
    x = torch.rand(2, 784)
    h1 = model.hidden[0](x)[0].detach().requires_grad_(True)

    def by_hand(h1):  # the course's adds, spelled out: h1 -> h3, h4 -> h7
        h = [h1]
        for i in range(1, 7):
            out = model.hidden[i](h[-1][None])[0]
            out = out + h[0] if i == 2 else out + h[3] if i == 6 else out
            h.append(out)
        return h[-1]

    expected = torch.autograd.functional.jacobian(by_hand, h1)
    torch.testing.assert_close(hidden_jacobian(model, x)[0], expected, atol=1e-6, rtol=1e-5)


def test_record_holds_the_spectrum_only_where_asked(tiny_data, tiny_profile):
    base = REMEDIES["baseline"]
    plain = train_case(base, tiny_profile, 0, "cpu", tiny_data)
    assert "jacobian" not in plain and "lsuv_steps" not in plain
    case = replace(base, model=replace(base.model, depth=4, init="lsuv", jacobian_probe=3))
    rec = train_case(case, tiny_profile, 0, "cpu", tiny_data)
    assert [j["epoch"] for j in rec["jacobian"]] == [0, 1, 2]
    assert all(j["samples"] == 3 and j["layers"] == 3 for j in rec["jacobian"])
    assert rec["config"]["model"]["jacobian_probe"] == 3
    assert len(rec["lsuv_steps"]) == 5 and rec["lsuv_seconds"] > 0
    epochs = sum(h["seconds"] for h in rec["history"])
    assert rec["train_seconds"] == pytest.approx(rec["lsuv_seconds"] + epochs, rel=1e-9)


def test_probe_runs_the_aten_kernel_and_restores_the_onednn_one(monkeypatch):
    from vgmodels.models import onednn_linear

    if not onednn_linear.onednn_available():
        pytest.skip("no oneDNN on this machine")
    monkeypatch.setattr(onednn_linear, "use_onednn", lambda: True)
    model = _linear_net(5, 1.2, width=64)  # width >= 64: the hidden layers take oneDNN
    jac = hidden_jacobian(model, torch.rand(2, 784))
    s = torch.linalg.svdvals(jac.double())
    torch.testing.assert_close(s, torch.full_like(s, 1.2**4), atol=1e-4, rtol=0)
    assert all(m.onednn for m in model.linears())
