"""What each case changes, the significance test, and the diagnoses said per case."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis.case_diagnosis import LEARNS, diagnose_case
from vgmodels.analysis.changes import case_changes, changes_text, config_changes
from vgmodels.analysis.evidence import evidence
from vgmodels.analysis.summary import permutation_p

BASE = {
    "model": {"activation": "sigmoid", "init_std": 0.05, "grad_norm": "none"},
    "train": {"optimizer": "sgd", "lr": 0.01, "clip_norm": None},
}


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
    relu = {
        "case": "relu",
        "config": {"model": {**BASE["model"], "activation": "relu"}, "train": BASE["train"]},
    }
    out = case_changes({"baseline": [base], "relu": [relu]})
    assert out["baseline"] == "the reference" and out["relu"] == "activation sigmoid → relu"


def test_permutation_test_is_exact_and_valid_with_zero_variance():
    # pooled [1, 1, 0, 0]: of the 6 splits, {1, 1} and {0, 0} give |difference| 1, the rest 0
    assert permutation_p([1.0, 1.0], [0.0, 0.0]) == pytest.approx(2 / 6)
    # a baseline with identical seeds: every seed of the case above them all, 2 of C(6, 3) = 20
    assert permutation_p([0.33, 0.5, 0.23], [0.1, 0.1, 0.1]) == pytest.approx(0.1)
    assert permutation_p([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]) == 1.0
    assert permutation_p([0.5], [0.1, 0.1]) is None


def _record(seed, losses, acc=0.1, val=None, **row):
    val = val or [0.1] * len(losses)
    hist = [
        {
            "epoch": i + 1,
            "phase": "all",
            "train_loss": v,
            "val_acc": val[i],
            "grad_norm": [1.0, 1.0, 1.0, 1.0],
            **row,
        }
        for i, v in enumerate(losses)
    ]
    return {
        "seed": seed,
        "history": hist,
        "diverged": False,
        "test_acc": acc,
        "vanishing_ratio": {"epoch1": 1.0, "final": 1.0},
    }


def test_a_case_holds_what_most_seeds_show_and_says_it_with_numbers():
    ln10 = math.log(10)
    stuck = [ln10 + 0.05] + [ln10 + 0.001] * 9
    stds = [0.4, 0.4 * 0.05, 0.4 * 0.05**2]  # x0.05 per layer
    recs = [_record(s, stuck, act_std=stds) for s in range(2)] + [
        _record(2, [2.3] + [1.0] * 9, 0.6)
    ]
    d = diagnose_case("swish", recs)
    assert d.failing and d.label == (
        "does not learn (1/3 seeds learn); stuck at chance loss (2/3); forward signal dies (2/3)"
    )
    text = "; ".join(evidence(d))
    assert text.startswith("2 of 3 seeds end below 0.50 test accuracy (0.1000–0.6000)")
    assert "within 0.001 of chance loss" in text and "from epoch 2 to 10" in text
    assert "shrinks from 0.4 in hidden layer 1 to 0.001 in layer 3 (×0.05 per layer)" in text
    assert "undiminished (first/last ratio 1)" in text


def test_a_diverged_seed_is_always_reported():
    nan = _record(0, [None])
    ok = [_record(s, [2.3] + [0.5] * 20, 0.85) for s in (1, 2)]
    d = diagnose_case("relu_std1", [nan, *ok])
    assert d.label == "learns (2/3 seeds); diverged (1/3)" and not d.failing
    assert evidence(d)[0].startswith(
        "its training loss turned NaN or infinite in epoch 1 in 1 of 3"
    )


def test_learning_is_judged_on_test_accuracy_not_on_the_loss():
    ln10 = math.log(10)
    # a seed at chance loss and chance accuracy does not learn, whatever its neighbours do
    at_chance = _record(0, [ln10] * 12, acc=0.1)
    weak = _record(1, [2.3] + [1.7] * 11, acc=0.2)
    fair = _record(2, [2.3] + [1.4] * 11, acc=0.38)
    d = diagnose_case("grad_norm", [at_chance, weak, fair])
    assert d.learned == 0 and d.failing and d.label.startswith("does not learn")
    # an exploded loss with accuracy well above the line still learns (grad_clip at 0.689)
    huge = [_record(s, [3e7] + [3e5] * 11, acc=0.689) for s in range(3)]
    d = diagnose_case("grad_clip", huge)
    assert not d.failing and d.label == "learns; loss exploded"
    assert LEARNS == 0.5  # five times chance, the line the sweeps' frontier also draws


def test_still_improving_only_when_the_best_validation_is_late():
    falling = [2.3 - 0.02 * i for i in range(40)]  # the loss falls 1.4% per epoch to the end
    early = [0.1] * 40
    early[5] = 0.7  # best validation at epoch 6 of 40 (layerwise_greedy_full's stage 1)
    late = [0.1 + 0.01 * i for i in range(40)]  # best at epoch 40
    d = diagnose_case("x", [_record(s, falling, 0.6, early) for s in range(3)])
    assert "improving" not in d.held
    d = diagnose_case("x", [_record(s, falling, 0.6, late) for s in range(3)])
    assert "improving" in d.held and len(d.held["improving"]) == 3


def test_the_vanishing_ratio_is_table_1s_geometric_mean_everywhere():
    recs = []
    for s, (first, final) in enumerate([(4.1e-5, 5.3e-5), (3.8e-5, 4.2e-5), (3.6e-5, 4.4e-5)]):
        r = _record(s, [math.log(10)] * 12, grad_norm=[1e-6, 1.0, 1.0, 1.0])
        r["vanishing_ratio"] = {"epoch1": first, "final": final}
        recs.append(r)
    d = diagnose_case("baseline", recs)
    # geometric means typed by hand: (4.1 * 3.8 * 3.6)^(1/3) = 3.828, (5.3 * 4.2 * 4.4)^(1/3) = 4.610
    assert d.ratio_epoch1 == pytest.approx(3.8279e-5, rel=1e-4)
    assert d.grad_ratio == pytest.approx(4.6096e-5, rel=1e-4)
    text = "; ".join(evidence(d))
    assert "of 3.8e-5 in epoch 1 and 4.6e-5 in the last epoch" in text


def test_the_network_sentence_groups_the_cases_by_depth():
    from vgmodels.analysis.summary import CaseSummary
    from vgmodels.report.text import network_text

    def case(name, depth, arch="mlp"):
        rec = {"config": {"model": {"depth": depth, "width": 128, "arch": arch}}}
        return CaseSummary(name, "", "", records=[rec], accs=[0.5], mean=0.5)

    cases = [case("baseline", 7), case("depth3", 3), case("sdagd_depth3", 3), case("depth5", 5)]
    s = {c.case: c for c in [*cases, case("lstm", 1, arch="lstm")]}
    assert network_text(s) == (
        "784 → 7 × 128 → 10; depth3 and sdagd_depth3 have 3 hidden layers; depth5 has 5 hidden "
        "layers; lstm read the image as a sequence"
    )


def test_the_seeds_line_names_the_cases_with_another_seed_set():
    from vgmodels.report.render import seeds_text

    def recs(*seeds):
        return [{"seed": s} for s in seeds]

    groups = {"a": recs(0, 1, 2), "b": recs(2, 1, 0), "c": recs(0, 1, 2, 3, 4), "d": recs(0)}
    assert (
        seeds_text(groups) == "3 seeds (0, 1, 2) (5 seeds (0, 1, 2, 3, 4) for c; 1 seed (0) for d)"
    )
    assert seeds_text({"a": recs(0, 1)}) == "2 seeds (0, 1)"
