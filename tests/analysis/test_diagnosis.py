"""Each diagnosis on synthetic records whose numbers are set by hand."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis import diagnosis as D

LN10 = math.log(10)


def record(losses, val=None, layers=3, **per_layer):
    """A record with one history row per loss; per-layer lists given per epoch or as one constant."""
    rows = []
    for i, loss in enumerate(losses):
        row = {
            "epoch": i + 1,
            "phase": "all",
            "train_loss": loss,
            "val_acc": val[i] if val else 0.5,
        }
        for key, value in per_layer.items():
            row[key] = value[i] if isinstance(value[0], list) else value
        row.setdefault("grad_norm", [1.0] * (layers + 1))
        rows.append(row)
    return {"history": rows, "diverged": any(v is None for v in losses)}


def test_diverged_names_the_epoch_the_loss_stopped_being_finite():
    assert D.diverged(record([2.3, 2.0, None])) == {"epoch": 3, "epochs_run": 3}
    assert D.diverged(record([2.3, 2.0, 1.5])) is None
    assert D.diagnose(record([None], act_std=[None] * 3)) == {
        "diverged": {"epoch": 1, "epochs_run": 1}
    }


def test_exploded_loss_is_orders_of_magnitude_above_chance_or_its_start():
    found = D.exploded(record([2.7e7, 1e6, 2.1e5]))
    assert found == {"first": 2.7e7, "last": 2.1e5, "max": 2.7e7, "epochs": 3}
    assert D.exploded(record([2.4, 2.3, 2.3 * 101]))["last"] == pytest.approx(232.3)  # 100x start
    assert D.exploded(record([87.0, 3.0, 2.48])) is None  # fell back below 100 x ln 10


def test_stuck_at_chance_allows_the_first_epoch_to_settle():
    found = D.stuck_at_chance(record([2.35, LN10 + 0.002, LN10 - 0.004, LN10 + 0.001]))
    assert found["from_epoch"] == 2 and found["to_epoch"] == 4
    assert found["max_gap"] == pytest.approx(0.004)
    assert D.stuck_at_chance(record([2.35, LN10, LN10 - 0.02])) is None  # left chance by 0.02


def test_above_chance_and_barely_learning_split_on_ln10():
    assert D.above_chance_loss(record([87.0, 2.5, 2.48]))["final_loss"] == 2.48
    assert D.above_chance_loss(record([2.31, 2.2, 2.1])) is None
    barely = D.barely_learning(record([2.31, 2.28, 2.20]))
    assert barely["below_chance"] == pytest.approx(LN10 - 2.20)
    assert D.barely_learning(record([2.31, 1.0, 0.5])) is None
    assert D.barely_learning(record([2.31, LN10, LN10 - 0.005])) is None  # still at chance


def test_saturated_needs_every_layer_and_reports_from_when():
    sat = [[0.1, 0.2, 0.3], [0.6, 0.9, 1.0], [0.7, 0.95, 1.0]]
    found = D.saturated(record([2.3] * 3, saturation=sat))
    assert found == {"layers": 3, "min": 0.7, "max": 1.0, "from_epoch": 2}
    assert D.saturated(record([2.3], saturation=[[0.9, 0.4, 1.0]])) is None
    assert D.saturated(record([2.3], saturation=[[None, None, None]])) is None  # ReLU: not measured
    assert D.saturated({"history": [{"epoch": 1, "train_loss": 2.3}]}) is None  # recurrent


def test_forward_collapse_measures_the_shrink_per_layer():
    # spread 0.4 shrinking by 0.3 per layer over 7 layers: last = 0.4 * 0.3**6
    stds = [0.4 * 0.3**i for i in range(7)]
    found = D.forward_collapse(record([2.3], act_std=stds, layers=7))
    assert found["ratio"] == pytest.approx(0.3**6) and found["per_layer"] == pytest.approx(0.3)
    assert found["constant"] is False
    assert D.forward_collapse(record([2.3], act_std=[0.15, 0.07, 0.066])) is None  # sigmoid
    constant = D.forward_collapse(record([2.3], act_std=[0.0, 0.0, 0.0]))
    assert constant["constant"] is True


def test_forward_explosion_is_the_mirror_of_collapse():
    stds = [8.0 * 7.5**i for i in range(7)]
    found = D.forward_explosion(record([2e5], act_std=stds, layers=7))
    assert found["per_layer"] == pytest.approx(7.5) and found["last"] == pytest.approx(8 * 7.5**6)
    assert D.forward_explosion(record([0.5], act_std=[0.6, 0.9, 1.7])) is None


def test_vanishing_gradient_is_first_over_last_hidden_layer():
    # hidden layers 1e-6, 1e-4, 1e-2, output 0.3: ratio 1e-6 / 1e-2, output left out
    g = [1e-6, 1e-4, 1e-2, 0.3]
    found = D.vanishing_gradient(record([2.3, 2.3], grad_norm=g))
    assert found["first"] == pytest.approx(1e-4) and found["final"] == pytest.approx(1e-4)
    assert found["weakest_layer"] == 1
    assert D.vanishing_gradient(record([2.3], grad_norm=[0.02, 0.02, 0.021, 0.02])) is None
    frozen = [[None, None, 1e-2, 0.3], g]  # epoch 1: layer 1 frozen, not measurable
    assert D.vanishing_gradient(record([2.3, 2.3], grad_norm=frozen))["first_epoch"] == 2


def test_zero_gradient_lists_the_hidden_layers_with_exactly_none():
    found = D.zero_gradient(record([2.3], grad_norm=[0.0, 0.0, 1e-9, 0.2]))
    assert found == {"layers": [1, 2], "of": 3}
    assert D.vanishing_gradient(record([2.3], grad_norm=[0.0, 0.0, 1e-9, 0.2])) is None


def test_learned_then_collapsed_names_the_epoch_phase_and_growth():
    val = [0.3, 0.55, 0.58, 0.12, 0.10, 0.10]
    rec = record([2.2, 2.0, 1.9, 2.3, 2.3, 2.3], val=val)
    names = ["grow 1-2"] * 3 + ["grow 3-4"] * 3
    for row, name in zip(rec["history"], names, strict=True):
        row["phase"] = name
    rec["phases"] = [
        {"name": "grow 1-2", "epochs": 3, "active_depth": 2},
        {"name": "grow 3-4", "epochs": 3, "active_depth": 4},
    ]
    found = D.learned_then_collapsed(rec)
    assert found["best"] == 0.58 and found["best_epoch"] == 3 and found["best_phase"] == "grow 1-2"
    assert found["epoch"] == 4 and found["phase"] == "grow 3-4" and found["phase_start"]
    assert (found["depth_before"], found["depth_after"]) == (2, 4)
    assert D.learned_then_collapsed(record([2.3] * 3, val=[0.3, 0.5, 0.45])) is None  # no fall


def test_still_improving_compares_the_loss_over_the_window():
    losses = [1.0 - 0.01 * i for i in range(21)]  # falls 0.10 over the last 10 epochs
    found = D.still_improving(record(losses), window=10)
    assert found["loss_fall"] == pytest.approx(0.10) and found["final_loss"] == pytest.approx(0.8)
    assert D.still_improving(record([0.5] * 21), window=10) is None
    assert D.still_improving(record([0.5] * 5), window=10) is None  # too short to tell


def test_diagnose_keeps_only_divergence_once_the_loss_is_nan():
    rec = record([2.3, None], act_std=[1.0, 1e3, 1e6])
    assert list(D.diagnose(rec)) == ["diverged"]
    healthy = record([2.3] + [0.5] * 20, act_std=[0.5, 0.6, 0.7])
    assert D.diagnose(healthy) == {}
