"""The claims table on synthetic records: verdicts derived by hand, S4's numbers in closed form."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis import computed_claims as K
from vgmodels.analysis import verdicts as C
from vgmodels.analysis import worked_examples as W
from vgmodels.analysis.claims import CLAIMS, group, reproduction

LEARNING = [2.3, 1.5, 1.0, 0.8, 0.6]  # a loss that leaves chance: no failing diagnosis
STUCK = [2.3026] * 5  # ln 10 every epoch: "stuck at chance loss"


def rec(
    case,
    seed,
    acc,
    profile="paper",
    epochs=100,
    train_acc=0.5,
    loss=LEARNING,
    n_train=None,
    saturation=None,
    time=None,
):
    """A record with just the fields the claims read."""
    hist = [
        {
            "epoch": i + 1,
            "train_loss": v,
            "train_acc": train_acc,
            "val_acc": acc,
            "grad_norm": [1.0, 1.0],
            "saturation": saturation,
            "grad_norm_time": time,
        }
        for i, v in enumerate(loss)
    ]
    return {
        "case": case,
        "seed": seed,
        "test_acc": acc,
        "profile": profile,
        "epochs": epochs,
        "profile_config": {"epochs": epochs, "n_train": n_train},
        "history": hist,
        "diverged": False,
    }


def seeds(case, accs, **kw):
    return [rec(case, i, a, **kw) for i, a in enumerate(accs)]


# --- comparisons by the one rule ---------------------------------------------------------------


def test_compare_reproduced_with_the_welch_interval():
    # 0.82 vs 0.12, each sd 0.02, n = 3: df 4, half 2.776445 x sqrt(2 x 0.0004 / 3) = 0.045339
    groups = group(seeds("relu", [0.80, 0.82, 0.84]) + seeds("baseline", [0.10, 0.12, 0.14]))
    o = C.Compare("relu")(groups)
    assert o.verdict == C.REPRODUCED and o.seeds is None
    assert o.difference == "+70.0 (95% CI +65.5 to +74.5) points"
    assert "0.8200 (seeds 0.8000, 0.8200, 0.8400) vs baseline 0.1200" in o.measured


def test_compare_at_chance_both_sides_is_contradicted_inside_the_margin():
    groups = group(seeds("std10", [0.1] * 3, loss=STUCK) + seeds("baseline", [0.1] * 3))
    o = C.Compare("std10")(groups)
    assert o.verdict == C.CONTRADICTED and "inside ±0.01" in o.reason
    assert o.difference == "+0.0 (no spread) points"


def test_compare_overlapping_seeds_is_inconclusive_with_seeds():
    groups = group(seeds("tanh", [0.3, 0.5, 0.7]) + seeds("baseline", [0.2, 0.4, 0.6]))
    o = C.Compare("tanh")(groups)
    assert o.verdict == C.INCONCLUSIVE and o.seeds == 32  # worked in test_stats


def test_compare_one_seed_and_missing():
    groups = group(seeds("relu", [0.8]) + seeds("baseline", [0.1]))
    o = C.Compare("relu")(groups)
    assert o.verdict == C.INCONCLUSIVE and "0.8000 (seeds 0.8000)" in o.measured
    assert C.Compare("adam")(groups).verdict == C.NOT_RUN
    assert C.Compare("adam")(groups).reason == "no records of adam"


def test_compare_reads_the_budget_matched_comparison_from_the_supplement():
    groups = group(
        seeds("layerwise_paper_full", [0.8, 0.82], epochs=900) + seeds("baseline", [0.5] * 2)
    )
    extra = group(seeds("baseline", [0.1] * 2, profile="paper300", epochs=300))
    o = C.Compare("layerwise_paper_full", against_profile="paper300", note="n")(groups, extra)
    assert o.protocol == "paper, 900 epochs, 2 seeds (baseline: paper300, 300 epochs, 2 seeds)"
    assert "vs baseline 0.1000" in o.measured and o.reason == "n"


def test_compare_log_metric_and_lower_side():
    def t(first):
        return [first, 0.5, 1.0]  # first / last = first

    groups = group(
        seeds("rnn_long", [0.2] * 2, time=t(1e-8)) + seeds("lstm_long", [0.8] * 2, time=t(1e-2))
    )
    o = C.Compare("lstm_long", "rnn_long", C.THROUGH_TIME)(groups)
    assert o.verdict == C.REPRODUCED and o.difference.startswith("×1e6")
    sat = group(
        seeds("batchnorm", [0.8] * 2, saturation=[0.0, 0.0])
        + seeds("baseline", [0.1] * 2, saturation=[0.0, 0.0])
    )
    o = C.Compare("batchnorm", metric=C.SATURATED, side=-1)(sat)
    assert o.verdict == C.CONTRADICTED  # neither saturates: inside the 1% margin, no effect
    assert o.difference == "+0.000 (no spread) % of units"


def test_compare_names_every_side_without_records_or_without_the_metric():
    assert C.Compare("adam")(group([])) == C.Outcome(
        "–", "–", C.NOT_RUN, "no records of adam and baseline"
    )
    groups = group(seeds("rnn_long", [0.2] * 2) + seeds("lstm_long", [0.8] * 2))  # no time norms
    o = C.Compare("lstm_long", "rnn_long", C.THROUGH_TIME)(groups)
    want = "no ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖, last epoch in the records"
    assert o == C.Outcome("paper, 100 epochs, 2 seeds", "–", C.NOT_RUN, want)
    one_side = group(seeds("rnn_long", [0.2] * 2) + seeds("lstm_long", [0.8] * 2, time=[1.0, 2.0]))
    assert C.Compare("lstm_long", "rnn_long", C.THROUGH_TIME)(one_side) == o


def test_compare_reads_the_supplement_only_when_asked():
    groups = group(seeds("relu", [0.80, 0.82, 0.84]) + seeds("baseline", [0.10, 0.12, 0.14]))
    extra = group(seeds("baseline", [0.90, 0.92, 0.94], profile="paper300", epochs=300))
    o = C.Compare("relu")(groups, extra)
    assert o.verdict == C.REPRODUCED and o.protocol == "paper, 100 epochs, 3 seeds"
    assert o.measured.endswith("vs baseline 0.1200 (seeds 0.1000, 0.1200, 0.1400)")


def test_compare_below_is_the_side_asked_for_and_joins_the_note():
    groups = group(seeds("std10", [0.10, 0.12, 0.14]) + seeds("baseline", [0.80, 0.82, 0.84]))
    assert C.Compare("std10", side=-1)(groups).verdict == C.REPRODUCED
    above = C.Compare("std10")(groups)  # the same records read as a claim of a gain
    assert above.verdict == C.CONTRADICTED
    assert above.reason == "the interval lies on the other side of zero"
    noted = C.Compare("std10", note="budget-matched")(groups)
    assert noted.reason == "the interval lies on the other side of zero; budget-matched"


def test_last_epoch_readers_take_the_last_epoch_and_an_index_of_it():
    r = {
        "history": [
            {"train_acc": 0.1, "grad_norm": [5.0, 6.0]},
            {"train_acc": 0.4, "grad_norm": [3.0, 4.0]},
            {"train_acc": 0.7, "grad_norm": [1.0, 2.0]},
        ]
    }
    assert C._last("train_acc")(r) == 0.7 and C.TRAIN_ACC.read(r) == 0.7
    assert C._last("grad_norm", 1)(r) == 2.0
    assert C._last("saturation", 0)(r) is None  # absent at the last epoch: no number, no error


def test_not_run_names_each_case_without_records():
    o = C.not_run(("adam", None), ("baseline", seeds("baseline", [0.1])), ("relu", []))
    assert o == C.Outcome("–", "–", C.NOT_RUN, "no records of adam and relu")


# --- the article's 300-epoch claims: about a value ---------------------------------------------


def test_about_needs_300_epochs_on_the_full_data():
    check = C.About("depth3", C.TRAIN_ACC, 0.7, 0.1)
    assert check(group(seeds("depth3", [0.8] * 3, train_acc=0.7))).verdict == C.NOT_RUN
    short = group(seeds("depth3", [0.8] * 3, epochs=300, n_train=4096, train_acc=0.7))
    assert check(short).verdict == C.NOT_RUN
    extra = group(seeds("depth3", [0.7] * 3, profile="paper300", epochs=300, train_acc=0.72))
    o = check(group([]), extra)
    assert o.verdict == C.REPRODUCED and o.protocol == "paper300, 300 epochs, 3 seeds"
    far = group(seeds("baseline", [0.5] * 3, epochs=300, train_acc=0.5))
    assert C.About("baseline", C.TRAIN_ACC, 0.1, 0.05)(far) == C.Outcome(
        "paper, 300 epochs, 3 seeds",
        "final training acc. 0.5000 (seeds 0.5000, 0.5000, 0.5000)",
        C.CONTRADICTED,
        "the interval lies outside 0.1 ± 0.05",
        "mean 0.500 (95% CI 0.500 to 0.500)",
    )
    assert check(group([])) == C.Outcome(
        "–", "–", C.NOT_RUN, "no records of depth3 at 300 epochs, full data"
    )


def test_explodes():
    boom = group(seeds("relu_std1", [0.1] * 2, loss=[2.3, 1e4, 1e6, 1e8, 1e9]))
    o = C.Explodes("relu_std1")(boom)
    assert o.verdict == C.REPRODUCED and "largest training loss 1e9" in o.measured
    calm = group(seeds("relu_std1", [0.8] * 2))
    assert C.Explodes("relu_std1")(calm).verdict == C.CONTRADICTED
    mixed = group(
        seeds("relu_std1", [0.8]) + [rec("relu_std1", 1, 0.1, loss=[2.3, 1e4, 1e5, 1e6, 1e7])]
    )
    assert C.Explodes("relu_std1")(mixed) == C.Outcome(
        "paper, 100 epochs, 2 seeds",
        "diverged in 0 of 2 seeds; largest training loss 1e7",
        C.INCONCLUSIVE,
        "1 of 2 seeds explode",
    )
    assert C.Explodes("relu_std1")(calm).reason == "its loss stays bounded in every seed"
    nan = rec("relu_std1", 1, 0.1, loss=[None] * 5) | {"diverged": True}  # NaN is stored null
    o = C.Explodes("relu_std1")(group(seeds("relu_std1", [0.8]) + [nan]))
    assert o.measured == "diverged in 1 of 2 seeds; largest training loss 2.3"
    assert o.reason == "1 of 2 seeds explode"
    gone = C.Explodes("relu_std1")(group([nan]))
    assert gone.verdict == C.REPRODUCED
    assert gone.measured == "diverged in 1 of 1 seeds; no finite loss"
    # 100 x chance's loss itself does not pass it
    edge = group(seeds("relu_std1", [0.1], loss=[2.3, C.EXPLODED, 2.0, 2.0, 2.0]))
    assert C.Explodes("relu_std1")(edge).verdict == C.CONTRADICTED


# --- S4's numbers, computed -------------------------------------------------------------------


def test_computed_claims_agree_with_their_quotes():
    for f in (
        K.zero_init_relu_mlp,
        K.zero_init_regressions,
        K.sigmoid_chain,
        K.linear_chain,
        K.skip_gradient,
        K.boost_derivative,
        K.adam_defaults,
    ):
        assert all(C.agrees(ours, quoted) for _, ours, quoted in f()), f.__name__
    assert K.sigmoid_chain()[0][1] == pytest.approx(0.25**7, rel=1e-12)
    assert dict((n, v) for n, v, _ in K.zero_init_regressions()) == pytest.approx(
        {
            "linear w₁": 0.01 * 5 * 2,
            "linear w₂": 0.01 * 5 * 3,
            "logistic w₁": 0.01 * 0.5 * 1.5,
            "logistic w₂": 0.01 * 0.5 * 2.0,
        }
    )


def test_agrees_reads_the_quoted_precision():
    assert C.agrees(0.7621, "0.761")  # two units of the third decimal
    assert not C.agrees(0.7640, "0.761")
    assert C.agrees(0.006648, "0.0066–0.0069") and not C.agrees(0.0072, "0.0066–0.0069")
    assert C.agrees(0.0, "=0") and not C.agrees(1e-12, "=0")
    assert C.agrees(0.05, ">0") and not C.agrees(0.0, ">0")
    # exponents: two units of the mantissa's last digit, scaled ('1.0e-5' is 0.8e-5 to 1.2e-5)
    assert C.agrees(1.19e-5, "1.0e-5") and not C.agrees(1.3e-5, "1.0e-5")
    assert C.agrees(2.1e3, "2E3") and not C.agrees(4.5e3, "2E3")  # 2e3 +- 2e3
    assert C.agrees(0.0729, "0.071") and not C.agrees(0.0731, "0.071")
    # both ends of the two units are inside: '3' is 1 to 5, exactly representable
    assert C.agrees(1.0, "3") and C.agrees(5.0, "3")
    assert not C.agrees(0.999, "3") and not C.agrees(5.001, "3")


def test_computed_names_each_number_off_its_quote():
    rows = [("a", 1.0, "=1"), ("b", 0.5, "0.9"), ("c", 3.0, ">4")]
    assert C.Computed(lambda: rows, how="by hand")(group([])) == C.Outcome(
        "by hand",
        "a = 1; b = 0.5; c = 3",
        C.CONTRADICTED,
        "b: ours vs quoted 0.9; c: ours vs quoted >4",
    )
    assert C.Computed(lambda: rows[:1])(group([])) == C.Outcome(
        "computed with torch autograd", "a = 1", C.REPRODUCED
    )


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
    computed = [r for r in rows if r.protocol.startswith(("computed", "our"))]
    assert len(computed) >= 15 and all(r.verdict == C.REPRODUCED for r in computed)
    assert {r.verdict for r in rows if r not in computed} == {C.NOT_RUN}


def test_no_claim_the_sources_do_not_make():
    texts = " ".join(c.text for c in CLAIMS)
    for gone in ("require_grad", "worsens beyond 3", "split budget", "N(0, 10) help"):
        assert gone not in texts
    named = {getattr(c.check, "case", None) for c in CLAIMS}
    assert not named & {"layerwise_paper", "layerwise_greedy", "std10", "grad_clip"}


def test_every_case_the_brief_names_has_a_row():
    named = {getattr(c.check, "case", None) for c in CLAIMS}
    named |= {getattr(c.check, "against", None) for c in CLAIMS}
    for case in (
        "std1",
        "relu",
        "tanh",
        "adam",
        "rmsprop",
        "batchnorm",
        "mynorm",
        "skip",
        "skip_article",
        "layerwise_paper_full",
        "layerwise_greedy_full",
        "grad_norm",
        "grad_norm_pre",
        "grad_norm_pre_default",
        "baseline_default",
        "sigmoid_boost",
        "sdagd",
        "sgd_lr0.1",
        "lstm_long",
        "gru_long",
        "rnn_long",
        "depth3",
        "depth5",
        "baseline",
        "sgd_momentum",
        "relu_std1",
    ):
        assert case in named, case
