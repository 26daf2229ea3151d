"""The control cases: their wiring (module order, init, optimizer and lr), and the recurrent plateau rule."""

import pytest
import torch
from torch import nn

from vgmodels.models import DeepMLP
from vgmodels.profiles import PROFILES, plateaued
from vgmodels.remedies import REMEDIES


def test_grad_norm_pre_default_is_linear_gradnorm_sigmoid_with_default_init():
    case = REMEDIES["grad_norm_pre_default"]
    torch.manual_seed(0)
    model = DeepMLP(case.model)
    for layer in model.hidden:
        names = [type(m).__name__ for m in layer.children() if not isinstance(m, nn.Identity)]
        assert names == ["Linear", "GradientNormalization", "Sigmoid"]
    w = model.hidden[1].linear.weight  # PyTorch's default: U(-1/sqrt(128), 1/sqrt(128)), bias too
    assert 0.9 * 128**-0.5 < w.abs().max().item() <= 128**-0.5
    assert w.std().item() == pytest.approx(128**-0.5 / 3**0.5, rel=0.05)  # uniform's std
    assert model.hidden[1].linear.bias.abs().max().item() > 0
    tc = case.train
    assert (tc.optimizer, tc.lr, tc.momentum, tc.batch_size) == ("sgd", 0.01, 0.0, 512)


def test_grad_norm_pre_default_standardizes_the_gradient_before_the_sigmoid():
    torch.manual_seed(0)
    model = DeepMLP(REMEDIES["grad_norm_pre_default"].model).double()
    x = torch.rand(16, 784, dtype=torch.float64)
    seen = {}
    model.hidden[0].gradnorm_pre.register_full_backward_hook(
        lambda m, g_in, g_out: seen.update(g_in=g_in[0], g_out=g_out[0])
    )
    nn.functional.cross_entropy(model(x), torch.arange(16) % 10).backward()
    g = seen["g_out"]
    torch.testing.assert_close(seen["g_in"], (g - g.mean()) / (g.std() + 1e-6))


@pytest.mark.parametrize(
    "depth, sgd, sdagd",
    [
        (3, "sgd_lr0.1_depth3", "sdagd_depth3"),
        (5, "sgd_lr0.1_depth5", "sdagd_depth5"),
        (7, "sgd_lr0.1", "sdagd"),
    ],
)
def test_sgd_at_sdagds_lr_differs_from_sdagd_only_in_the_optimizer(depth, sgd, sdagd):
    a, b = REMEDIES[sgd], REMEDIES[sdagd]
    assert a.model == b.model and a.model.depth == depth
    assert (a.model.activation, a.model.init, a.model.init_std) == ("sigmoid", "normal", 0.05)
    assert (a.train.optimizer, a.train.lr, a.train.momentum) == ("sgd", 0.1, 0.0)
    assert b.train.optimizer == "sdagd" and b.train.lr == a.train.lr
    torch.manual_seed(0)
    opt = torch.optim.SGD(DeepMLP(a.model).parameters(), lr=a.train.lr)
    assert opt.param_groups[0]["lr"] == 0.1


def test_controls_leave_the_existing_ids_in_place():
    ids = list(REMEDIES)
    assert ids[-4:] == [
        "grad_norm_pre_default",
        "sgd_lr0.1_depth3",
        "sgd_lr0.1_depth5",
        "sgd_lr0.1",
    ]
    assert ids.index("gru_long") == len(ids) - 5


def test_recurrent_budget_and_the_plateau_rule():
    assert PROFILES["paper"].epochs_for(recurrent=True) == 50
    assert PROFILES["paper"].epochs_for(recurrent=False) == 100
    assert PROFILES["paper300"].epochs_for(recurrent=True) == 4
    rising = [0.72, 0.78, 0.80, 0.82]  # the published lstm seed 0: still rising at epoch 4
    assert not plateaued(rising)
    flat = [0.5] * 5 + [0.880, 0.885, 0.879, 0.886, 0.884, 0.881, 0.887, 0.880, 0.883, 0.885]
    assert plateaued(flat)  # best 0.887, every one of the last 10 within 0.01
    dipped = flat[:-1] + [0.876]  # 0.011 under the best
    assert not plateaued(dipped)
