"""The per-record quantities the claim checks read, on records written by hand."""

from __future__ import annotations

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
