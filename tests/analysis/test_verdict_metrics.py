"""The per-record quantities the claim checks read, on records written by hand."""

from __future__ import annotations

import math

import pytest

from vgmodels.analysis.verdicts import _worst_saturation, first_last_ratio


def _rec(**last):
    first = {"grad_norm_time": [9.0, 9.0, 9.0], "saturation": [0.99, 0.99]}
    middle = {"grad_norm_time": [8.0, 1.0, 5.0], "saturation": [0.98, 0.97]}
    return {"history": [first, middle, last]}


def test_first_last_ratio_is_the_last_epochs_first_step_over_its_last():
    assert first_last_ratio(_rec(grad_norm_time=[6.0, 3.0, 2.0, 1.5])) == pytest.approx(4.0)
    assert first_last_ratio(_rec(grad_norm_time=[0.5, 7.0, 2.0])) == pytest.approx(0.25)


@pytest.mark.parametrize("norms", [[], [0.0, 2.0, 3.0], [2.0, 3.0, 0.0], None])
def test_first_last_ratio_is_none_where_either_end_is_zero_or_absent(norms):
    assert first_last_ratio(_rec(grad_norm_time=norms)) is None


def test_worst_saturation_is_the_last_epochs_largest_share():
    assert _worst_saturation(_rec(saturation=[0.1, None, 0.7, 0.3])) == 0.7
    assert _worst_saturation(_rec(saturation=[None])) is None
    assert _worst_saturation(_rec()) is None


def test_protocol_names_profile_budgets_and_seed_count():
    from vgmodels.analysis.verdicts import protocol

    recs = [{"profile": "paper", "epochs": e} for e in (100, 300, 100)]
    assert protocol(recs) == "paper, 100/300 epochs, 3 seeds"
    assert protocol(recs[:1]) == "paper, 100 epochs, 1 seed"


def test_first_layer_grad_is_epoch_ones_first_layer():
    from vgmodels.analysis.verdicts import _first_layer_grad

    r = {"history": [{"grad_norm": [2e-6, 0.3]}, {"grad_norm": [5.0, 6.0]}]}
    assert _first_layer_grad(r) == 2e-6
    assert _first_layer_grad({"history": [{}]}) is None


def test_metric_values_drop_missing_and_non_finite_and_log_the_positive():
    from vgmodels.analysis.verdicts import Metric

    acc = Metric("a", lambda r: r["v"])
    recs = [{"v": x} for x in (0.5, None, float("nan"), float("inf"), 0.0, 0.25)]
    assert acc.values(recs) == [0.5, 0.0, 0.25]
    log = Metric("l", lambda r: r["v"], "log")
    assert log.values(recs) == pytest.approx([math.log10(0.5), math.log10(0.25)])


def test_metric_show_seeds_up_to_five_then_the_interval_and_log_means_geometric():
    from vgmodels.analysis.verdicts import Metric

    acc = Metric("a", lambda r: r["v"])
    five = [0.80, 0.82, 0.84, 0.86, 0.88]
    assert acc.show(five) == "0.8400 (seeds 0.8000, 0.8200, 0.8400, 0.8600, 0.8800)"
    # six seeds: mean 0.85, sd sqrt(0.007 / 5), t(5) = 2.5706 -> half-width 0.03927
    assert acc.show([*five, 0.90]) == "0.8500 (95% CI 0.8107–0.8893)"
    # cut to [0, 1]: mean 0.99, sd 0.01095, half-width 2.5706 * 0.01095 / sqrt(6) = 0.0115
    assert acc.show([0.98, 1.0, 0.98, 1.0, 0.98, 1.0]) == "0.9900 (95% CI 0.9785–1.0000)"
    log = Metric("l", lambda r: r["v"], "log")
    assert log.show([-3.0, -1.0]) == "0.01 (seeds 0.001, 0.1)"


def test_metric_difference_in_points_ratios_and_shares():
    from vgmodels.analysis.stats import Interval
    from vgmodels.analysis.verdicts import Metric

    iv = Interval(0.1234, 0.1, 0.15, 4)
    assert Metric("a", lambda r: 0).difference(None) == "–"
    assert Metric("a", lambda r: 0).difference(iv) == "+12.3 (95% CI +10.0 to +15.0) points"
    assert (
        Metric("s", lambda r: 0, "share").difference(iv)
        == "+12.340 (95% CI +10.000 to +15.000) % of units"
    )
    log_iv = Interval(1.0, -2.0, 2.0, 4)
    assert Metric("l", lambda r: 0, "log").difference(log_iv) == "×10 (95% CI ×0.01 to ×100)"
    assert Metric("x", lambda r: 0, "other").difference(iv) == "+0.123 (95% CI +0.100 to +0.150)"


def test_short_keeps_four_significant_digits_and_writes_exponents_short():
    from vgmodels.analysis.verdicts import short

    assert short(0.123456) == "0.1235"
    assert short(1e-05) == "1e-5" and short(1.23456e-7) == "1.235e-7"
    assert short(1e-10) == "1e-10"  # two exponent digits stay
    assert short(2.5e10) == "2.5e10" and short(3e100) == "3e100"  # "2.5e+10" before
    assert short(12345.0) == "1.234e4"
