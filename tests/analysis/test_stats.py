"""The one verdict rule against intervals worked by hand from t-table values typed in here."""

import math

import pytest

from vgmodels.analysis import stats as S

# two-sided 95% quantiles of Student's t, from a printed table
T975 = {2: 4.302653, 3: 3.182446, 4: 2.776445, 60: 2.000298, 62: 1.998972}


def test_the_t_quantiles_are_the_tables():
    for df, t in T975.items():
        assert S.t_quantile(df) == pytest.approx(t, abs=1e-6)


def test_welch_with_equal_variances_has_df_2n_minus_2():
    # means 0.82 and 0.12, each variance 0.0004: se^2 = 2 x 0.0004 / 3, df = 4
    iv = S.welch([0.80, 0.82, 0.84], [0.10, 0.12, 0.14])
    half = T975[4] * math.sqrt(2 * 0.0004 / 3)  # 0.045339
    assert iv.df == pytest.approx(4)
    assert (iv.estimate, iv.lo, iv.hi) == pytest.approx((0.70, 0.70 - half, 0.70 + half))


def test_welch_df_for_unequal_sides():
    # va = 0.04 / 3, vb = 0.01 / 5: (va + vb)^2 / (va^2 / 2 + vb^2 / 4) = 2.61557
    assert S.welch_df(0.04 / 3, 3, 0.01 / 5, 5) == pytest.approx(2.61557, abs=1e-5)


def test_a_side_without_variance_gives_the_one_sample_interval():
    # b pinned at chance: the interval is a's own, df = 3 - 1 = 2, half 4.302653 x 0.1 / sqrt 3
    iv = S.welch([0.5, 0.6, 0.7], [0.1, 0.1, 0.1])
    half = T975[2] * 0.1 / math.sqrt(3)  # 0.248414
    assert iv.df == pytest.approx(2)
    assert (iv.lo, iv.hi) == pytest.approx((0.5 - half, 0.5 + half))
    iv, d = S.decide_difference([0.5, 0.6, 0.7], [0.1, 0.1, 0.1])
    assert d.verdict == S.REPRODUCED and d.reason == ""


def test_both_sides_without_variance_the_interval_is_the_point():
    iv, d = S.decide_difference([0.3] * 3, [0.1] * 3)
    assert (iv.lo, iv.hi) == pytest.approx((0.2, 0.2)) and math.isinf(iv.df)
    assert d.verdict == S.REPRODUCED
    _, same = S.decide_difference([0.1] * 3, [0.1] * 3, margin=0.01)
    assert same.verdict == S.CONTRADICTED and "inside ±0.01" in same.reason
    _, no_margin = S.decide_difference([0.1] * 3, [0.1] * 3)
    assert no_margin.verdict == S.INCONCLUSIVE and no_margin.seeds is None


def test_overlapping_seeds_are_inconclusive_with_the_seeds_that_would_decide():
    # 0.5 vs 0.4, each sd 0.2, n = 3: half 2.776445 x sqrt(2 x 0.04 / 3) = 0.453391
    iv, d = S.decide_difference([0.3, 0.5, 0.7], [0.2, 0.4, 0.6], margin=0.01)
    assert (iv.lo, iv.hi) == pytest.approx((0.1 - 0.453391, 0.1 + 0.453391), abs=1e-6)
    assert d.verdict == S.INCONCLUSIVE
    # n a side: t(2n - 2) x sqrt(0.08 / n) < 0.1; n = 31: 2.000298 x 0.050800 = 0.10162 (no),
    # n = 32: 1.998972 x 0.05 = 0.09995 (yes)
    assert T975[60] * math.sqrt(0.08 / 31) > 0.1 > T975[62] * math.sqrt(0.08 / 32)
    assert d.seeds == 32


def test_the_rule_is_the_same_both_ways():
    _, below = S.decide_difference([0.10, 0.12, 0.14], [0.80, 0.82, 0.84])
    assert below.verdict == S.CONTRADICTED and "other side" in below.reason
    _, claimed_below = S.decide_difference([0.10, 0.12, 0.14], [0.80, 0.82, 0.84], side=-1)
    assert claimed_below.verdict == S.REPRODUCED
    _, short_of_size = S.decide_difference([0.80, 0.82, 0.84], [0.10, 0.12, 0.14], size=0.72)
    assert short_of_size.verdict == S.INCONCLUSIVE  # the whole interval is below the claimed 0.72


def test_one_seed_a_side_has_no_interval():
    iv, d = S.decide_difference([0.8], [0.1, 0.1])
    assert iv is None and d.verdict == S.INCONCLUSIVE


def test_about_a_target_within_a_tolerance():
    # depth3 at 300 epochs: mean 0.67, sd 0.033511; half 4.302653 x 0.033511 / sqrt 3 = 0.083248
    iv, d = S.decide_about([0.636, 0.703, 0.671], 0.7, 0.1)
    assert (iv.lo, iv.hi) == pytest.approx((0.67 - 0.083248, 0.67 + 0.083248), abs=1e-5)
    assert d.verdict == S.INCONCLUSIVE  # 0.5868 < 0.6
    # 4 seeds: 3.182446 x 0.033511 / 2 = 0.05332 < 0.1 - 0.03
    assert d.seeds == 4
    assert S.decide_about([0.69, 0.70, 0.71], 0.7, 0.1)[1].verdict == S.REPRODUCED
    assert S.decide_about([0.10, 0.10, 0.11], 0.7, 0.1)[1].verdict == S.CONTRADICTED


def test_bounded_cuts_an_accuracy_interval_to_0_1():
    iv = S.bounded(S.one_sample([0.1, 0.2, 0.3783]))
    # mean 0.2261, sd 0.14097: half 4.302653 x 0.14097 / sqrt 3 = 0.35019, raw lo -0.1241
    assert iv.lo == 0.0 and iv.hi == pytest.approx(0.2261 + 0.35019, abs=1e-4)
