"""The study's claims in bench/test_cases.py: each kind of claim holds and fails as it should."""

import importlib.util

from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import PROFILES
from vgmodels.remedies import REMEDIES

spec = importlib.util.spec_from_file_location(
    "bench_cases", PROJECT_ROOT / "bench" / "test_cases.py"
)
bench_cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_cases)


def test_claims_name_real_cases_of_their_profile():
    for profile, claims in bench_cases.CLAIMS.items():
        heavy = PROFILES[profile].heavy
        runs_by_default = {c for c, case in REMEDIES.items() if heavy or not case.heavy}
        assert set(claims) <= runs_by_default
    assert bench_cases.CLAIMS["quick"]["relu_std1"] == ("diverged", True)


def test_claim_kinds():
    holds = bench_cases._holds
    assert holds(("<", 0.2), {"test_acc": 0.1, "diverged": False})
    assert not holds(("<", 0.2), {"test_acc": 0.3, "diverged": False})
    assert holds((">", 0.75), {"test_acc": 0.8, "diverged": False})
    assert not holds((">", 0.75), {"test_acc": 0.7, "diverged": False})
    assert holds(("diverged", True), {"test_acc": 0.1, "diverged": True})
    assert not holds(("diverged", True), {"test_acc": 0.1, "diverged": False})
    # the bounds are strict: a run exactly at the bound does not hold either way
    assert not holds(("<", 0.2), {"test_acc": 0.2, "diverged": False})
    assert not holds((">", 0.75), {"test_acc": 0.75, "diverged": False})
    # a diverged run is judged by its accuracy for an accuracy claim, not excused
    assert not holds((">", 0.75), {"test_acc": 0.1, "diverged": True})
