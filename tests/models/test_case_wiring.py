"""Case ids to modules: each activation name, sigmoid_boost's beta, std1 / std10's init std."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from vgmodels.models import DeepMLP
from vgmodels.remedies import REMEDIES

# a few values across the kinks and tails of every activation
Z = torch.tensor([-6.0, -2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 4.0])


@pytest.mark.parametrize(
    ("case_id", "reference"),
    [
        ("swish", lambda z: z * torch.sigmoid(z)),  # SiLU
        ("gelu", lambda z: 0.5 * z * (1 + torch.erf(z / 2**0.5))),  # the exact GELU, not tanh's
        ("leaky_relu", lambda z: torch.where(z > 0, z, 0.01 * z)),  # slope 0.01
        ("elu", lambda z: torch.where(z > 0, z, torch.exp(z) - 1)),  # alpha 1
        ("prelu", lambda z: torch.where(z > 0, z, 0.25 * z)),  # one learned slope, from 0.25
        ("softplus", lambda z: torch.log1p(torch.exp(z))),  # beta 1
        ("tanh", torch.tanh),
        ("relu", lambda z: z.clamp_min(0)),
        ("baseline", lambda z: 1 / (1 + torch.exp(-z))),
    ],
)
def test_each_activation_case_computes_its_function_in_every_hidden_layer(case_id, reference):
    model = DeepMLP(REMEDIES[case_id].model)
    want = reference(Z.double()).float()
    for layer in model.hidden:
        with torch.no_grad():
            torch.testing.assert_close(layer.act(Z), want, rtol=1e-6, atol=1e-6)


def test_the_library_functions_agree_with_the_hand_written_references():
    # the references above are the library's functions at their default settings
    assert torch.allclose(F.gelu(Z), 0.5 * Z * (1 + torch.erf(Z / 2**0.5)))
    assert not torch.allclose(F.gelu(Z, approximate="tanh"), F.gelu(Z), rtol=0, atol=1e-6)
    assert torch.allclose(F.leaky_relu(Z), torch.where(Z > 0, Z, 0.01 * Z))
    assert torch.allclose(nn.PReLU()(Z), torch.where(Z > 0, Z, 0.25 * Z))


def test_prelu_slope_is_a_learned_parameter_of_each_layer():
    model = DeepMLP(REMEDIES["prelu"].model)
    slopes = [layer.act.weight for layer in model.hidden]
    assert all(s.requires_grad and s.shape == (1,) for s in slopes)
    assert len({id(s) for s in slopes}) == 7  # not shared
    assert all(any(s is p for p in model.parameters()) for s in slopes)


def test_sigmoid_boost_backward_is_sigmoid_prime_plus_its_beta_in_every_layer():
    assert REMEDIES["sigmoid_boost"].model.boost_beta == 0.05  # Roodschild et al. 2020
    model = DeepMLP(REMEDIES["sigmoid_boost"].model)
    s = torch.sigmoid(Z)
    for layer in model.hidden:
        z = Z.clone().requires_grad_()
        out = layer.act(z)
        (g,) = torch.autograd.grad(out.sum(), z)
        torch.testing.assert_close(out, s)
        torch.testing.assert_close(g, s * (1 - s) + 0.05)
    plain = DeepMLP(REMEDIES["baseline"].model).hidden[0].act
    z = Z.clone().requires_grad_()
    (g,) = torch.autograd.grad(plain(z).sum(), z)
    torch.testing.assert_close(g, s * (1 - s))  # the baseline's sigmoid is not boosted


@pytest.mark.parametrize(("case_id", "std"), [("std1", 1.0), ("std10", 10.0), ("baseline", 0.05)])
def test_normal_init_cases_draw_weights_of_their_std_and_zero_biases(case_id, std):
    torch.manual_seed(0)
    model = DeepMLP(REMEDIES[case_id].model)
    w = torch.cat([m.weight.detach().flatten() for m in model.linears()])
    # 200,192 draws: the sample std is within 1% of the true one (its relative error ~ 0.16%);
    # a std off by 5% or a factor (e.g. 1 for 10, or sqrt of it) cannot pass
    assert w.std().item() == pytest.approx(std, rel=0.01)
    assert abs(w.mean().item()) < 0.01 * std
    assert all(m.bias.abs().max().item() == 0 for m in model.linears())
