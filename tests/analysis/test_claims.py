"""The claims table on synthetic records: verdicts derived by hand, S4's numbers in closed form."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis import verdicts as C
from vgmodels.analysis import worked_examples as W
from vgmodels.analysis.claims import CLAIMS, group, reproduction

LEARNING = [2.3, 1.5, 1.0, 0.8, 0.6]  # a loss that leaves chance: no failing diagnosis
STUCK = [2.3026] * 5  # ln 10 every epoch: "stuck at chance loss"


def rec(case, seed, acc, profile="paper", epochs=100, train_acc=0.5, loss=LEARNING, n_train=None,
        saturation=None, time=None):  # fmt: skip
    """A record with just the fields the claims read."""
    hist = [{"epoch": i + 1, "train_loss": v, "train_acc": train_acc, "val_acc": acc,
             "grad_norm": [1.0, 1.0], "saturation": saturation, "grad_norm_time": time}
            for i, v in enumerate(loss)]  # fmt: skip
    return {"case": case, "seed": seed, "test_acc": acc, "profile": profile, "epochs": epochs,
            "profile_config": {"epochs": epochs, "n_train": n_train}, "history": hist,
            "diverged": False}  # fmt: skip


def seeds(case, accs, **kw):
    return [rec(case, i, a, **kw) for i, a in enumerate(accs)]


# --- helps: the permutation test of Table 1 -------------------------------------------------


def test_helps_four_seeds_a_side_all_above_is_reproduced():
    # complete separation of 4 vs 4: 2 of C(8, 4) = 70 splits are as extreme, p = 0.029
    groups = group(seeds("relu", [0.80, 0.81, 0.82, 0.83]) + seeds("baseline", [0.1] * 4))
    o = C.Helps("relu")(groups)
    assert o.verdict == C.REPRODUCED
    assert "p = 0.03" in o.measured and "+71.5 points" in o.measured


def test_helps_three_seeds_a_side_cannot_reach_significance():
    # 3 vs 3: the smallest two-sided p is 2 / C(6, 3) = 0.10 > 0.05
    groups = group(seeds("relu", [0.80, 0.81, 0.82]) + seeds("baseline", [0.1] * 3))
    o = C.Helps("relu")(groups)
    assert o.verdict == C.NOT_TESTED
    assert o.reason == "3 seeds a side: p ≥ 0.10; every seed above every baseline seed"


def test_helps_below_the_baseline_is_not_reproduced_with_the_diagnosis():
    groups = group(seeds("std10", [0.1] * 3, loss=STUCK) + seeds("baseline", [0.1] * 3))
    o = C.Helps("std10")(groups)
    assert o.verdict == C.NOT_REPRODUCED
    assert "stuck at chance loss" in o.reason
    assert "+0.0 points" in o.measured  # no "-0.0"


def test_helps_overlapping_seeds_not_significant():
    # 4 vs 4 with one seed of each side swapped: p well above 0.05
    groups = group(
        seeds("tanh", [0.50, 0.52, 0.54, 0.40]) + seeds("baseline", [0.45, 0.41, 0.43, 0.44])
    )
    o = C.Helps("tanh")(groups)
    assert o.verdict == C.NOT_REPRODUCED and o.reason == "not significant"


def test_helps_one_seed_and_missing():
    groups = group(seeds("relu", [0.8]) + seeds("baseline", [0.1]))
    o = C.Helps("relu")(groups)
    assert o.verdict == C.NOT_TESTED and "0.8000 (n=1, no CI)" in o.measured
    assert C.Helps("adam")(groups).verdict == C.NOT_RUN
    assert C.Helps("adam")(groups).protocol == "–"


def test_protocol_names_both_budgets_when_they_differ():
    groups = group(
        seeds("layerwise_paper_full", [0.8] * 2, epochs=900) + seeds("baseline", [0.1] * 2)
    )
    assert (
        C.Helps("layerwise_paper_full")(groups).protocol
        == "paper, 900 epochs, 2 seeds (baseline: 100 epochs)"
    )


def test_mean_ci_is_the_t_interval():
    # mean 0.9, sd 0.1, t(0.975, 2) = 4.302653: half-width 0.1 * 4.302653 / sqrt(3) = 0.248414
    assert C.mean_ci([0.8, 0.9, 1.0]) == "0.9000 ± 0.2484"
    assert C.mean_ci([0.5]) == "0.5000 (n=1, no CI)"


# --- the article's 300-epoch depth claims -----------------------------------------------------


def test_depth_claims_need_300_epochs_on_the_full_data():
    groups = group(seeds("depth3", [0.8] * 3, train_acc=0.8))
    assert C.DepthAt300("depth3", learns=True)(groups).verdict == C.NOT_TESTED
    short = group(seeds("depth3", [0.8] * 3, epochs=300, n_train=4096, train_acc=0.8))
    assert C.DepthAt300("depth3", learns=True)(short).verdict == C.NOT_TESTED


def test_depth_claims_at_300_epochs():
    groups = group(seeds("depth3", [0.7] * 3, epochs=300, train_acc=0.72)
                   + seeds("depth5", [0.1] * 3, epochs=300, train_acc=0.11)
                   + seeds("baseline", [0.5] * 3, epochs=300, train_acc=0.5))  # fmt: skip
    assert C.DepthAt300("depth3", learns=True)(groups).verdict == C.REPRODUCED
    assert C.DepthAt300("depth5", learns=False)(groups).verdict == C.REPRODUCED
    o = C.DepthAt300("baseline", learns=False)(groups)
    assert o.verdict == C.NOT_REPRODUCED
    assert o.reason == "it learns: training accuracy above 0.2 in 3 of 3 seeds"


# --- through time, saturation, explosion -------------------------------------------------------


def test_through_time_ratio():
    def t(first):
        return [first, 0.5, 1.0]  # ratio first / last = first

    groups = group(
        seeds("rnn_long", [0.2] * 2, time=t(1e-8)) + seeds("lstm_long", [0.8] * 2, time=t(1e-1))
    )
    o = C.ThroughTime("rnn_long", ("lstm_long", "gru_long"))(groups)
    assert o.verdict == C.REPRODUCED
    assert o.measured.startswith("rnn_long 1e-8 (95% CI 1e-8–1e-8); lstm_long 0.1")
    worse = group(seeds("rnn_long", [0.2], time=t(1e-3)) + seeds("lstm_long", [0.8], time=t(1e-4)))
    assert C.ThroughTime("rnn_long", ("lstm_long",))(worse).verdict == C.NOT_REPRODUCED
    assert C.ThroughTime("rnn_long", ("lstm_long",))(group([])).verdict == C.NOT_RUN


def test_batchnorm_saturation():
    ok = group(seeds("batchnorm", [0.8] * 2, saturation=[0.0, 0.01]))
    assert C.Unsaturated("batchnorm")(ok).verdict == C.REPRODUCED
    bad = group(seeds("batchnorm", [0.8] * 2, saturation=[0.0, 0.3]))
    assert C.Unsaturated("batchnorm")(bad).verdict == C.NOT_REPRODUCED


def test_explodes():
    boom = group(seeds("relu_std1", [0.1] * 2, loss=[2.3, 1e4, 1e6, 1e8, 1e9]))
    o = C.Explodes("relu_std1")(boom)
    assert o.verdict == C.REPRODUCED and "largest training loss 1e9" in o.measured
    calm = group(seeds("relu_std1", [0.8] * 2))
    assert C.Explodes("relu_std1")(calm).verdict == C.NOT_REPRODUCED


# --- S4's numbers, computed -------------------------------------------------------------------


def test_agrees_reads_the_quoted_precision():
    assert C.agrees(0.7621, "0.761")  # two units of the third decimal
    assert not C.agrees(0.7640, "0.761")
    assert C.agrees(0.006648, "0.0066–0.0069") and not C.agrees(0.0072, "0.0066–0.0069")
    assert C.agrees(0.0, "=0") and not C.agrees(1e-12, "=0")
    assert C.agrees(0.05, ">0") and not C.agrees(0.0, ">0")


def test_activation_derivatives_in_closed_form():
    d = W.activation_derivatives()
    s5 = 1 / (1 + math.exp(-5))
    assert d["sigmoid'(0)"] == 0.25 and d["max sigmoid'"] == 0.25
    assert d["sigmoid'(5)"] == pytest.approx(s5 * (1 - s5), rel=1e-12)
    assert d["tanh'(2)"] == pytest.approx(1 - math.tanh(2) ** 2, rel=1e-12)
    assert d["tanh'(3)"] == pytest.approx(1 / math.cosh(3) ** 2, rel=1e-12)
    assert d["softplus'(-3)"] == pytest.approx(1 / (1 + math.exp(3)), rel=1e-12)
    assert d["elu'(-3)"] == pytest.approx(math.exp(-3), rel=1e-12)


def test_dying_relu_example_by_hand():
    e = W.dying_relu_example()
    assert e["h"] == pytest.approx([1.5 * 0.86 + 0.2 * 0.41, -1.5 * 1.04 - 0.2 * 0.65])
    logits = [1.372 * 0.5, 1.372 * 0.3, 1.372 * -0.2]  # the dead unit adds nothing
    z = sum(math.exp(v) for v in logits)
    p = [math.exp(v) / z for v in logits]
    assert e["softmax"] == pytest.approx(p)
    assert e["loss"] == pytest.approx(-math.log(p[0]))
    assert e["grad_into_unit2"] == pytest.approx((p[0] - 1) * -0.1 + p[1] * 0.4 + p[2] * 0.6)
    assert e["dL/dh2"] == 0.0 and e["unit2_weight_grad_max"] == 0.0


def test_chain_mynorm_and_zero_init():
    assert W.shrinking_chain() == pytest.approx({"gradient": 1e-5, "update": 1e-7})
    m = W.mynorm_check()
    assert abs(m["mean"]) < 1e-6 and m["std"] == pytest.approx(1, abs=1e-6)
    assert m["value_diff"] < 1e-5 and m["grad_diff"] < 1e-5
    z = W.zero_init_spread()
    assert z["moved"] > 0 and z["spread"] == 0.0


# --- the table ------------------------------------------------------------------------------


def test_reproduction_rows_without_records():
    rows = reproduction([])
    assert len(rows) == len(CLAIMS)
    computed = [r for r in rows if r.source == "S4"]
    assert computed and all(r.verdict == C.REPRODUCED for r in computed)
    assert {
        r.verdict for r in rows if r.source != "S4" and "MyNormalization is" not in r.claim
    } == {C.NOT_RUN}


def test_every_case_the_brief_names_has_a_row():
    named = {getattr(c.check, "case", None) for c in CLAIMS}
    for case in ("std1", "std10", "relu", "tanh", "adam", "rmsprop", "batchnorm", "mynorm", "skip",
                 "skip_article", "layerwise_paper", "layerwise_greedy", "layerwise_paper_full",
                 "layerwise_greedy_full", "grad_norm", "grad_norm_pre", "sigmoid_boost", "sdagd",
                 "sdagd_depth5", "lstm_long", "gru_long", "depth3", "depth5",
                 "baseline"):  # fmt: skip
        assert case in named, case
