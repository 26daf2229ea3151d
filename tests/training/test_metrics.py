"""Metrics on hand-worked networks and given curves."""

import math

import pytest
import torch
from torch import nn

from vgmodels.models import DeepMLP, ModelConfig
from vgmodels.training import metrics


def _tiny_relu():
    """2 inputs, 2 ReLU units, 3 outputs; unit 2's pre-activation is negative for x = [1.5, 0.2]."""
    model = DeepMLP(ModelConfig(depth=1, width=2, in_features=2, classes=3, activation="relu"))
    with torch.no_grad():
        model.hidden[0].linear.weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 0.5]]))
        model.hidden[0].linear.bias.zero_()
        model.head.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]]))
        model.head.bias.zero_()
    return model


def test_hand_built_relu_network_dead_unit_and_gradients():
    model = _tiny_relu()
    x, y = torch.tensor([[1.5, 0.2]]), torch.tensor([0])
    record = []
    logits = model(x, record)
    z, h = record[0]
    torch.testing.assert_close(z, torch.tensor([[1.3, -1.4]]))
    torch.testing.assert_close(h, torch.tensor([[1.3, 0.0]]))
    assert metrics.dead_fraction(z, "relu") == 0.5
    nn.functional.cross_entropy(logits, y).backward()
    # by hand: logits = [1.3, 0, -1.3]; dL/dlogits = softmax - onehot
    p = torch.softmax(torch.tensor([1.3, 0.0, -1.3]), 0)
    d = p - torch.tensor([1.0, 0, 0])
    dh1 = d[0] * 1.0 + d[2] * -1.0  # column 1 of the head
    expected_w1 = torch.tensor([[dh1 * 1.5, dh1 * 0.2], [0.0, 0.0]])
    torch.testing.assert_close(model.hidden[0].linear.weight.grad, expected_w1)
    assert model.hidden[0].linear.weight.grad[1].abs().sum().item() == 0.0
    torch.testing.assert_close(model.head.weight.grad, torch.outer(d, torch.tensor([1.3, 0.0])))


def test_saturation_counts_outputs_beyond_099_of_range():
    h = torch.sigmoid(torch.tensor([[6.0, 0.0, -6.0, 1.0]]))  # 0.9975, 0.5, 0.0025, 0.73
    assert metrics.saturation(h, "sigmoid") == 0.5
    t = torch.tanh(torch.tensor([[3.0, -3.0, 0.1, 2.0]]))  # 0.995, -0.995, 0.1, 0.964
    assert metrics.saturation(t, "tanh") == 0.5
    assert metrics.saturation(h, "relu") is None
    assert metrics.dead_fraction(h, "sigmoid") is None


def test_dead_requires_zero_for_every_sample():
    z = torch.tensor([[-1.0, 2.0, -3.0], [-0.5, -1.0, 0.0]])
    assert metrics.dead_fraction(z, "relu") == pytest.approx(2 / 3)


def test_grad_norm_per_layer_matches_autograd():
    torch.manual_seed(0)
    model = DeepMLP(ModelConfig(depth=4, width=16, in_features=10, classes=3))
    x, y = torch.rand(20, 10), torch.randint(0, 3, (20,))
    loss = nn.functional.cross_entropy(model(x), y)
    weights = [m.weight for m in model.linears()]
    independent = torch.autograd.grad(loss, weights, retain_graph=True)
    loss.backward()
    got = metrics.grad_norm_per_layer([w.grad for w in weights])
    expected = torch.tensor([g.pow(2).sum().sqrt().item() for g in independent])
    torch.testing.assert_close(got, expected)
    # sigmoid network with small weights: the first layer gets far less gradient than the last hidden
    assert metrics.vanishing_ratio(got.tolist()) < 0.5


def test_update_ratio():
    before = [torch.ones(2, 2), torch.zeros(3)]
    after = [torch.ones(2, 2) * 1.5, torch.zeros(3)]
    torch.testing.assert_close(metrics.update_ratio(before, after), torch.tensor([0.5, 0.0]))


def test_convergence_and_plateau_epochs():
    curve = [0.1, 0.5, 0.79, 0.80, 0.85, 0.851, 0.86]
    assert metrics.convergence_epoch(curve) == 4
    assert metrics.plateau_epoch(curve) == 5  # best 0.86; 0.85 is within 1 point
    assert metrics.convergence_epoch([0.1, 0.2, 0.3]) is None
    assert metrics.plateau_epoch([0.1, 0.1, 0.1]) == 1
    assert metrics.plateau_epoch([]) is None


def test_vanishing_ratio_edge_cases():
    assert metrics.vanishing_ratio([1e-5, 1e-3, 1e-1, 5.0]) == 1e-5 / 1e-1
    assert metrics.vanishing_ratio([0.0, 1.0, 0.0, 1.0]) is None
    assert metrics.vanishing_ratio([1.0, 1.0, 0.0, 1.0]) == math.inf
    assert metrics.vanishing_ratio([None, 1.0, 1.0]) is None


def test_max_relative_difference_over_epochs_and_layers():
    a = [
        {"val_acc": 0.5, "grad_norm": [1e-5, 2.0, None]},
        {"val_acc": 0.8, "grad_norm": [4.0, 0.0, 1.0]},
    ]
    b = [
        {"val_acc": 0.5, "grad_norm": [2e-5, 2.0, 3.0]},
        {"val_acc": 0.6, "grad_norm": [4.0, 0.0, 1.0]},
    ]
    assert metrics.max_relative_difference(a, b, "val_acc") == pytest.approx(0.25)  # 0.2 / 0.8
    assert metrics.max_relative_difference(a, b, "grad_norm") == pytest.approx(0.5)  # 1e-5 / 2e-5
    assert metrics.max_relative_difference(a, a, "grad_norm") == 0.0
    assert metrics.max_relative_difference(a[:1], b, "val_acc") == 0.0  # epochs both ran
    assert metrics.max_relative_difference([{"x": 1.0}], [{"x": -1.0}], "x") == 2.0
    assert metrics.max_relative_difference([{"dead": None}], [{"dead": None}], "dead") is None


def test_interleaved_ratios_cancel_a_linear_drift():
    # the machine slows by 10% per measurement; the case is truly 1.5x the base
    speed = [1.0 + 0.1 * k for k in range(7)]  # base, other, base, other, base, other, base
    base, other = speed[0::2], [1.5 * s for s in speed[1::2]]
    assert metrics.interleaved_ratios(base, other) == pytest.approx([1.5, 1.5, 1.5])
    assert metrics.interleaved_ratios([2.0, 4.0], [6.0]) == [2.0]
    with pytest.raises(ValueError, match="one more base"):
        metrics.interleaved_ratios([1.0], [1.0])


def test_update_ratio_at_and_below_unit_norm_and_from_zero():
    before = [torch.zeros(1, 2), torch.tensor([[0.3, 0.4]]), torch.zeros(1, 2)]  # norms 0, 0.5, 0
    after = [torch.tensor([[0.3, 0.4]]), torch.tensor([[0.6, 0.8]]), torch.zeros(1, 2)]
    # a weight that starts at 0 and moves: inf; |dW| 0.5 over |W| 0.5: 1; nothing to nothing: 0
    assert metrics.update_ratio(before, after).tolist() == [math.inf, 1.0, 0.0]


def test_saturation_counts_strictly_beyond_the_bounds():
    h = torch.tensor([0.01, 0.99, 0.5, 0.995, 0.005])  # the bounds themselves do not count
    assert metrics.saturation(h, "sigmoid") == pytest.approx(2 / 5)
    assert metrics.saturation(torch.tensor([0.99, -0.99, 0.995, -0.999]), "tanh") == 0.5
    assert metrics.saturation(h, "relu") is None


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "prelu", "elu"])
def test_dead_fraction_for_every_relu_family_activation(activation):
    z = torch.tensor([[0.5, -1.0], [0.2, 0.0]])  # (B, units): unit 2 is never positive
    assert metrics.dead_fraction(z, activation) == 0.5


def test_dead_fraction_is_none_for_saturating_activations():
    assert metrics.dead_fraction(torch.zeros(2, 2), "sigmoid") is None


def test_plateau_skips_nan_and_none_wherever_they_sit():
    assert metrics.plateau_epoch([math.nan, 0.5, 0.8]) == 3
    assert metrics.plateau_epoch([None, 0.795, 0.8]) == 2


def test_vanishing_ratio_uses_the_last_hidden_layer_and_rejects_non_finite_ends():
    assert metrics.vanishing_ratio([1e-3, 1e-1, 5.0]) == pytest.approx(1e-2)  # h1, h2, out
    assert metrics.vanishing_ratio([math.inf, 1.0, 1.0]) is None
    assert metrics.vanishing_ratio([math.nan, 1.0, 1.0]) is None
    assert metrics.vanishing_ratio([1.0, math.inf, 1.0]) is None
    assert metrics.vanishing_ratio([1.0, 1.0]) is None


def test_max_relative_difference_skips_missing_layers_and_rejects_ragged_ones():
    assert metrics.max_relative_difference([{"g": [1.0, 2.0]}], [{"g": None}], "g") is None
    with pytest.raises(ValueError):
        metrics.max_relative_difference([{"g": [1.0, 2.0]}], [{"g": [1.0]}], "g")


def test_accuracy_takes_the_argmax_over_classes():
    logits = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]])
    assert metrics.accuracy(logits, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)


def test_finite_or_none():
    assert metrics.finite_or_none(2.5) == 2.5
    assert [metrics.finite_or_none(x) for x in (math.nan, math.inf, -math.inf, None)] == [None] * 4
