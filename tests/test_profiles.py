"""Profiles: the seeds rule of the published study, by hand."""

from __future__ import annotations

import pytest

from vgmodels.profiles import SEED_SPREAD, get_profile, seeds_needed


def test_paper_trains_five_seeds_and_ten_where_they_spread():
    paper = get_profile("paper")
    assert (paper.seeds, paper.seeds_if_spread, SEED_SPREAD) == (5, 10, 0.05)
    # sample std of (0.80, 0.80, 0.80, 0.80, 0.92): mean 0.824, squares 4 x 0.000576 + 0.009216
    # = 0.01152, / 4 = 0.00288, sqrt = 0.0537 > 0.05
    assert seeds_needed(paper, [0.80, 0.80, 0.80, 0.80, 0.92]) == 10
    # (0.80, 0.80, 0.80, 0.80, 0.90): squares 4 x 0.0004 + 0.0064 = 0.008, / 4, sqrt = 0.0447
    assert seeds_needed(paper, [0.80, 0.80, 0.80, 0.80, 0.90]) == 5
    assert seeds_needed(paper, [0.1, 0.2, 0.378]) == 10  # the published grad_norm seeds


@pytest.mark.parametrize("name", ["smoke", "quick"])
def test_the_short_profiles_keep_their_seeds_whatever_the_spread(name):
    profile = get_profile(name)
    assert seeds_needed(profile, [0.1, 0.9]) == profile.seeds == 1
    assert get_profile("paper300").seeds == 5
