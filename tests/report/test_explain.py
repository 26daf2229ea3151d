"""What each case changes, the significance test, and the diagnoses said per case."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis.case_diagnosis import diagnose_case, evidence
from vgmodels.analysis.changes import case_changes, changes_text, config_changes
from vgmodels.analysis.summary import permutation_p, smallest_p

BASE = {"model": {"activation": "sigmoid", "init_std": 0.05, "grad_norm": "none"},
        "train": {"optimizer": "sgd", "lr": 0.01, "clip_norm": None}}  # fmt: skip


def test_changes_are_the_config_keys_that_differ_from_the_baseline():
    cfg = {"model": {**BASE["model"], "activation": "relu"}, "train": {**BASE["train"], "lr": 0.05}}
    assert changes_text(cfg, BASE) == "activation sigmoid → relu; lr 0.01 → 0.05"
    assert changes_text(BASE, BASE) == "the reference"
    clip = {"model": BASE["model"], "train": {**BASE["train"], "clip_norm": 1.0}}
    assert changes_text(clip, BASE) == "clip norm none → 1"


def test_a_new_config_field_shows_up_without_code_changes():
    cfg = {"model": {**BASE["model"], "arch": "lstm", "cell_bias": 1.5}, "train": BASE["train"]}
    assert changes_text(cfg, BASE) == "architecture lstm; model.cell_bias 1.5"
    # a key the baseline's record predates counts only where it differs from today's baseline
    defaults = {"model": {"arch": "mlp"}}
    mlp = {"model": {**BASE["model"], "arch": "mlp"}, "train": BASE["train"]}
    assert config_changes(mlp, BASE, defaults) == []
    assert changes_text(cfg, BASE, defaults=defaults).startswith("architecture mlp → lstm")
    placement = {"model": {**BASE["model"], "grad_norm": "pre"}, "train": BASE["train"]}
    assert changes_text(placement, BASE) == (
        "gradient normalization none → between Linear and activation"
    )


def test_case_changes_read_the_records_configs():
    base = {"case": "baseline", "config": BASE}
    relu = {"case": "relu", "config": {"model": {**BASE["model"], "activation": "relu"},
                                       "train": BASE["train"]}}  # fmt: skip
    out = case_changes({"baseline": [base], "relu": [relu]})
    assert out["baseline"] == "the reference" and out["relu"] == "activation sigmoid → relu"


def test_permutation_test_is_exact_and_valid_with_zero_variance():
    # pooled [1, 1, 0, 0]: of the 6 splits, {1, 1} and {0, 0} give |difference| 1, the rest 0
    assert permutation_p([1.0, 1.0], [0.0, 0.0]) == pytest.approx(2 / 6)
    # a baseline with identical seeds: every seed of the case above them all, 2 of C(6, 3) = 20
    assert permutation_p([0.33, 0.5, 0.23], [0.1, 0.1, 0.1]) == pytest.approx(0.1)
    assert permutation_p([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]) == 1.0
    assert smallest_p(3, 3) == pytest.approx(2 / math.comb(6, 3))
    assert smallest_p(5, 5) == pytest.approx(2 / math.comb(10, 5))
    assert permutation_p([0.5], [0.1, 0.1]) is None and smallest_p(1, 3) is None


def _record(seed, losses, **row):
    hist = [{"epoch": i + 1, "phase": "all", "train_loss": v, "val_acc": 0.1,
             "grad_norm": [1.0, 1.0, 1.0, 1.0], **row} for i, v in enumerate(losses)]  # fmt: skip
    return {"seed": seed, "history": hist, "diverged": False}


def test_a_case_holds_what_most_seeds_show_and_says_it_with_numbers():
    ln10 = math.log(10)
    stuck = [ln10 + 0.05] + [ln10 + 0.001] * 9
    stds = [0.4, 0.4 * 0.05, 0.4 * 0.05**2]  # x0.05 per layer
    recs = [_record(s, stuck, act_std=stds) for s in range(2)] + [_record(2, [2.3] + [1.0] * 9)]
    d = diagnose_case("swish", recs)
    assert d.failing and d.label == "stuck at chance loss (2/3); forward signal dies (2/3)"
    text = "; ".join(evidence(d, 0.1))
    assert "within 0.001 of chance loss" in text and "from epoch 2 to 10" in text
    assert "shrinks from 0.4 in hidden layer 1 to 0.001 in layer 3 (×0.05 per layer)" in text
    assert "undiminished (first/last ratio 1)" in text


def test_a_diverged_seed_is_always_reported():
    nan = _record(0, [None])
    ok = [_record(s, [2.3] + [0.5] * 20) for s in (1, 2)]
    d = diagnose_case("relu_std1", [nan, *ok])
    assert d.label == "diverged (1/3)" and d.failing
    assert evidence(d, 0.7)[0].startswith(
        "its training loss turned NaN or infinite in epoch 1 in 1 of 3"
    )
