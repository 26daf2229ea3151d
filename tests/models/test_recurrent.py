"""The recurrent family: shapes and steps per case, the through-time probe against closed form."""

import pytest
import torch
from torch import nn

from vgmodels.models import ModelConfig, SequenceClassifier, build, layer_weights
from vgmodels.remedies import REMEDIES
from vgmodels.training.probes import time_probe
from vgmodels.training.trainer import train_case

CASES = {"rnn": (nn.RNN, 28), "lstm": (nn.LSTM, 28), "gru": (nn.GRU, 28)}
CASES |= {f"{k}_long": (cls, 196) for k, (cls, _) in CASES.items()}


@pytest.mark.parametrize("case_id", CASES)
def test_each_recurrent_case_reads_the_image_in_its_steps(case_id):
    cls, steps = CASES[case_id]
    model = build(REMEDIES[case_id].model)
    assert type(model.rnn) is cls
    assert (model.rnn.input_size, model.rnn.hidden_size, model.rnn.num_layers) == (
        784 // steps,
        128,
        1,
    )
    assert (model.head.in_features, model.head.out_features) == (128, 10)
    x = torch.rand(3, 784)
    assert model.sequence(x).shape == (3, steps, 784 // steps)
    # row t of the sequence is pixels [t * p, (t + 1) * p) of the flattened image
    torch.testing.assert_close(
        model.sequence(x)[1, 5], x[1, 5 * (784 // steps) : 6 * (784 // steps)]
    )
    assert model(x).shape == (3, 10)
    tc = REMEDIES[case_id].train
    assert (tc.optimizer, tc.lr, tc.clip_norm, tc.batch_size) == ("adam", 1e-3, 1.0, 512)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_unrolled_probe_runs_the_fused_models_arithmetic(arch):
    torch.manual_seed(0)
    model = build(
        ModelConfig(arch=arch, depth=1, width=16, steps=7, in_features=28, init="default")
    )
    x, y = torch.rand(5, 28), torch.randint(0, 10, (5,))
    fused = nn.functional.cross_entropy(model(x), y)
    logits, hs = model.unrolled(x)
    assert len(hs) == 7
    torch.testing.assert_close(nn.functional.cross_entropy(logits, y), fused, rtol=1e-6, atol=1e-7)
    assert len(time_probe(model, x, y)) == 7


def test_time_probe_equals_closed_form_gradients_of_a_3_step_rnn():
    torch.manual_seed(3)
    cfg = ModelConfig(arch="rnn", depth=1, width=2, steps=3, in_features=3, classes=2)
    model = SequenceClassifier(cfg).double()
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(torch.tensor([[0.9, -0.4], [0.3, 0.8]]))
    x = torch.tensor([[0.2, -0.5, 1.0], [0.7, 0.1, -0.3]], dtype=torch.float64)
    y = torch.tensor([1, 0])
    w_ih, w_hh = model.rnn.weight_ih_l0.detach(), model.rnn.weight_hh_l0.detach()
    b = (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach()
    w_o, b_o = model.head.weight.detach(), model.head.bias.detach()
    hs, h = [], torch.zeros(2, 2, dtype=torch.float64)
    for t in range(3):  # h_t = tanh(W_ih x_t + W_hh h_{t-1} + b)
        h = torch.tanh(x[:, t : t + 1] @ w_ih.T + h @ w_hh.T + b)
        hs.append(h)
    p = torch.softmax(hs[-1] @ w_o.T + b_o, dim=1)
    g = ((p - nn.functional.one_hot(y, 2)) / 2) @ w_o  # dL/dh_3 of the batch-mean loss
    want = [None, None, g]
    for t in (2, 1):  # dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) W_hh
        g = (g * (1 - hs[t] ** 2)) @ w_hh
        want[t - 1] = g
    got = time_probe(model, x, y)
    assert got == pytest.approx([w.norm().item() for w in want], rel=1e-9)
    assert got[0] < got[2]  # the earliest step's gradient is the smallest here: it vanishes


def test_recurrent_record_has_through_time_norms_and_no_made_up_layer_fields(tiny_data):
    from vgmodels.profiles import Profile

    case = REMEDIES["gru"]
    rec = train_case(case, Profile("t", 2, 1, probe_size=16), 0, "cpu", tiny_data)
    assert rec["layers"] == ["W_ih1", "W_hh1", "out"]
    for row in rec["history"]:
        assert len(row["grad_norm_time"]) == 28 and all(g > 0 for g in row["grad_norm_time"])
        assert len(row["grad_norm"]) == len(layer_weights(build(case.model))) == 3
        assert "act_mean" not in row and "saturation" not in row
    assert rec["vanishing_ratio"] == {"epoch1": None, "final": None}
    assert rec["wiring"] == "28 steps x 28 pixels -> GRU 128 -> last state -> Linear 10"
