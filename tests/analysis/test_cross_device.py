"""Same seed on two machines: pairing and the differences, against numbers worked by hand."""

from __future__ import annotations

import pytest

from vgmodels.analysis.cross_device import pairs, per_case


def _rec(case, seed, device, acc, g1, epochs=100, profile="paper"):
    return {
        "case": case,
        "seed": seed,
        "device": device,
        "device_name": {"cpu": "AMD EPYC", "cuda": "NVIDIA H200"}[device],
        "profile": profile,
        "epochs": epochs,
        "test_acc": acc,
        "history": [{"grad_norm": g1}],
    }


def test_pairs_match_case_seed_profile_and_budget_across_device_types():
    study = [
        _rec("rnn", 0, "cpu", 0.86, [1.0, 2.0, 4.0]),
        _rec("rnn", 1, "cpu", 0.85, [1.0, 0.0, 4.0]),
        _rec("sdagd", 0, "cpu", 0.80, [0.5]),
    ]
    other = [
        _rec("rnn", 0, "cuda", 0.8677, [1.5, 2.0, 1.0]),
        _rec("rnn", 1, "cuda", 0.8521, [1.0, 3.0, float("nan")]),
        _rec("rnn", 2, "cuda", 0.87, [1.0, 1.0, 1.0]),  # no seed 2 in the study
        _rec("sdagd", 0, "cpu", 0.81, [0.5]),  # same device type: not a comparison
        _rec("sdagd", 0, "cuda", 0.79, [0.5], epochs=50),  # another budget
        _rec("sdagd", 0, "cuda", 0.79, [0.5], profile="quick"),  # another profile
    ]
    got = pairs(study, other)
    assert [(p["case"], p["seed"]) for p in got] == [("rnn", 0), ("rnn", 1)]
    first, second = got
    assert first["d_acc"] == pytest.approx(0.0077)
    assert first["grad1_ratio"] == [1.5, 1.0, 0.25]
    assert second["grad1_ratio"] == [1.0, None, None]  # a zero and a NaN give no ratio
    assert (first["device"], first["other_device"]) == ("AMD EPYC", "NVIDIA H200")

    (summary,) = per_case(got)
    assert summary["seeds"] == 2
    assert summary["mean_abs_d_acc"] == pytest.approx((0.0077 + 0.0021) / 2)
    assert summary["max_abs_d_acc"] == pytest.approx(0.0077)
    assert (summary["grad1_ratio_min"], summary["grad1_ratio_max"]) == (0.25, 1.5)


def test_nothing_to_pair_is_an_empty_comparison():
    assert pairs([_rec("rnn", 0, "cpu", 0.8, [1.0])], []) == []
    assert per_case([]) == []
