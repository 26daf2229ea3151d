"""The study's claims in bench/test_cases.py: each kind of claim holds and fails as it should."""

import importlib.util

from vgmodels.data import PROJECT_ROOT
from vgmodels.remedies import REMEDIES

spec = importlib.util.spec_from_file_location(
    "bench_cases", PROJECT_ROOT / "bench" / "test_cases.py"
)
bench_cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_cases)


def test_claims_name_real_cases():
    for claims in bench_cases.CLAIMS.values():
        assert set(claims) <= set(REMEDIES)


def test_claim_kinds():
    holds = bench_cases._holds
    assert holds(("<", 0.2), {"test_acc": 0.1, "diverged": False})
    assert not holds(("<", 0.2), {"test_acc": 0.3, "diverged": False})
    assert holds((">", 0.75), {"test_acc": 0.8, "diverged": False})
    assert not holds((">", 0.75), {"test_acc": 0.7, "diverged": False})
    assert holds(("diverged", True), {"test_acc": 0.1, "diverged": True})
    assert not holds(("diverged", True), {"test_acc": 0.1, "diverged": False})
