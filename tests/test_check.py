"""`python -m vgmodels.check`: regressions exit 1 naming the case, bad input exits 2."""

import copy
import json
import subprocess
import sys

import pytest

from vgmodels.check import compare, make_baseline
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.train import train_case


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory):
    from tests.conftest import synthetic_dataset

    data = synthetic_dataset(256, 64, 64)
    rec = train_case(REMEDIES["baseline"], Profile("smoke", 1, 1, probe_size=16), 0, "cpu", data)
    # the checker only reads test_acc: give each case three seeds with a known spread
    accs = {"baseline": (0.10, 0.11, 0.12), "adam": (0.80, 0.81, 0.82)}
    benches = []
    for cid, values in accs.items():
        recs = [
            dict(copy.deepcopy(rec), case=cid, seed=s, test_acc=a) for s, a in enumerate(values)
        ]
        benches.append({"name": f"test_case[{cid}]", "extra_info": {"records": recs}})
    path = tmp_path_factory.mktemp("r") / "bench.json"
    path.write_text(json.dumps({"benchmarks": benches}))
    return path


def _check(*args):
    return subprocess.run(
        [sys.executable, "-m", "vgmodels.check", *map(str, args)], capture_output=True, text=True
    )


def test_baseline_tolerance_follows_seed_noise(bench_json):
    recs = [
        r
        for b in json.loads(bench_json.read_text())["benchmarks"]
        for r in b["extra_info"]["records"]
    ]
    base = make_baseline(recs)
    for entry in base["cases"].values():
        assert entry["std"] == pytest.approx(0.01, abs=1e-6)
        assert entry["tolerance"] == pytest.approx(0.03, abs=1e-6)  # 3 std, above the 0.01 floor
        assert entry["seeds"] == [0, 1, 2]
    assert base["cases"]["adam"]["mean"] == pytest.approx(0.81)


def test_fresh_passes_doctored_fails_truncated_is_bad_input(bench_json, tmp_path):
    base = tmp_path / "base.json"
    assert _check(bench_json, "--write-baseline", base).returncode == 0
    fresh = _check(bench_json, "--baseline", base)
    assert fresh.returncode == 0 and "baseline" in fresh.stdout and "adam" in fresh.stdout

    doctored = json.loads(bench_json.read_text())
    for r in doctored["benchmarks"][1]["extra_info"]["records"]:
        r["test_acc"] -= 0.05
    bad = tmp_path / "doctored.json"
    bad.write_text(json.dumps(doctored))
    out = _check(bad, "--baseline", base)
    assert out.returncode == 1
    assert "regression: adam" in out.stderr and "REGRESSION" in out.stdout

    better = copy.deepcopy(doctored)
    for r in better["benchmarks"][1]["extra_info"]["records"]:
        r["test_acc"] += 0.10
    good = tmp_path / "better.json"
    good.write_text(json.dumps(better))
    assert _check(good, "--baseline", base).returncode == 0  # higher accuracy never fails

    trunc = tmp_path / "trunc.json"
    trunc.write_text(bench_json.read_text()[:200])
    out = _check(trunc, "--baseline", base)
    assert (
        out.returncode == 2
        and len(out.stderr.strip().splitlines()) == 1
        and "not valid JSON" in out.stderr
    )


def test_wrong_shape_and_unknown_case_exit_2(bench_json, tmp_path):
    base = tmp_path / "base.json"
    _check(bench_json, "--write-baseline", base)
    shape = tmp_path / "shape.json"
    shape.write_text(json.dumps({"benchmarks": [{"name": "x", "extra_info": {}}]}))
    assert _check(shape, "--baseline", base).returncode == 2
    unknown = json.loads(bench_json.read_text())
    unknown["benchmarks"][0]["extra_info"]["records"][0]["case"] = "magic"
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(unknown))
    out = _check(path, "--baseline", base)
    assert out.returncode == 2 and "unknown case 'magic'" in out.stderr
    assert _check(tmp_path / "missing.json", "--baseline", base).returncode == 2


def test_compare_accepts_run_out_records(bench_json):
    recs = [
        r
        for b in json.loads(bench_json.read_text())["benchmarks"]
        for r in b["extra_info"]["records"]
    ]
    rows = compare(recs[:1], make_baseline(recs))
    assert {r.case: r.verdict for r in rows}["adam"] == "not run"
