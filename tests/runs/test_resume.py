"""Nothing lost: each finished run is on disk at once, and a killed suite resumes to the same records."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import synthetic_dataset
from tests.test_results import make_record
from tests.training.test_trainer import _strip_timing
from vgmodels import provenance
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.results import load_records, validate_record
from vgmodels.runs import folder as runs
from vgmodels.runs.seeds import train_seeds

CPU = torch.device("cpu")
PROFILE = Profile("smoke", 2, 1, probe_size=16)  # the profile make_record trains with


def test_a_saved_record_is_reused_only_for_the_same_run_by_the_same_code(tmp_path, monkeypatch):
    relu = REMEDIES["relu"]
    path = runs.save(tmp_path, make_record("relu", 0))
    assert path == tmp_path / "relu-s0.json" and [p.name for p in tmp_path.iterdir()] == [path.name]
    assert json.loads(path.read_text())["code"] == provenance.code_version()
    assert runs.reusable(tmp_path, relu, PROFILE, 0, CPU) == json.loads(path.read_text())
    other_lr = dataclasses.replace(relu, train=dataclasses.replace(relu.train, lr=0.5))
    assert runs.reusable(tmp_path, relu, PROFILE, 1, CPU) is None  # another seed
    assert runs.reusable(tmp_path, relu, PROFILE.with_epochs(3), 0, CPU) is None
    assert runs.reusable(tmp_path, relu, dataclasses.replace(PROFILE, n_train=99), 0, CPU) is None
    assert runs.reusable(tmp_path, other_lr, PROFILE, 0, CPU) is None  # another config
    assert runs.reusable(tmp_path, relu, PROFILE, 0, torch.device("cuda")) is None
    new_code = {**provenance.code_version(), "source_sha256": "0" * 64}
    monkeypatch.setattr(provenance, "code_version", lambda: new_code)
    assert runs.reusable(tmp_path, relu, PROFILE, 0, CPU) is None  # the training code changed
    monkeypatch.undo()
    path.write_text(path.read_text()[:100])  # a file someone cut short is trained again
    assert runs.reusable(tmp_path, relu, PROFILE, 0, CPU) is None


@pytest.mark.parametrize("workers", [1, 2])
def test_each_seed_is_handed_over_the_moment_it_finishes(tmp_path, workers):
    data = synthetic_dataset(64, 32, 32)
    on_disk = []

    def save(record):
        on_disk.append(sorted(p.name for p in tmp_path.iterdir()))  # what a kill now would leave
        runs.save(tmp_path, record)

    records = train_seeds(REMEDIES["relu"], PROFILE, [3, 0], CPU, data, workers, on_record=save)
    assert [r["seed"] for r in records] == [3, 0]
    assert on_disk[0] == [] and len(on_disk) == 2 and len(on_disk[1]) == 1  # the first one, whole
    for r in records:
        saved = json.loads((tmp_path / f"relu-s{r['seed']}.json").read_text())
        assert saved == json.loads(json.dumps(r))  # the record as returned, code stated
        assert saved["concurrent_runs"] == workers


CASES = "depth3,relu,adam"


def _bench(folder, out, *extra):
    return [
        sys.executable,
        "-m",
        "pytest",
        "bench/test_cases.py",
        "-p",
        "no:cacheprovider",
        "-q",
        "--vg-profile",
        "smoke",
        "--vg-cases",
        CASES,
        "--vg-epochs",
        "1",
        "--vg-runs",
        str(folder),
        "--benchmark-json",
        str(out),
        *extra,
    ]


# the Linear kernel is picked by a timing probe unless named: named, so all three runs take one
ENV = {**os.environ, "VG_LINEAR": "aten"}


def _records(folder) -> dict:
    return {(r["case"], r["seed"]): r for r in load_records([folder])}


@pytest.mark.realdata
def test_a_killed_suite_resumes_to_the_records_of_an_uninterrupted_one(tmp_path):
    t0 = time.perf_counter()
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    killed_run = subprocess.run(  # its own session: the plugin kills that process group only
        _bench(killed, tmp_path / "killed.json", "-p", "tests.runs.kill_at_first_record"),
        cwd=PROJECT_ROOT,
        env=ENV,
        start_new_session=True,
        capture_output=True,
        text=True,
    )
    assert killed_run.returncode == -signal.SIGKILL, killed_run.stdout[-2000:]
    left = {p.name: p.read_bytes() for p in killed.glob("*.json")}
    assert len(left) == 1  # killed at its first record
    for name, text in left.items():  # a record on disk is whole
        validate_record(json.loads(text), name)
    resumed = subprocess.run(
        _bench(killed, tmp_path / "resumed.json", "--vg-resume"),
        cwd=PROJECT_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:]
    reference = subprocess.run(
        _bench(whole, tmp_path / "whole.json"),
        cwd=PROJECT_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert reference.returncode == 0, reference.stdout[-2000:]
    a, b = _records(killed), _records(whole)
    codes = {r["code"]["source_sha256"] for r in [*a.values(), *b.values()]}
    if len(codes) > 1:
        pytest.skip("the training sources changed while this test ran")
    assert sorted(a) == sorted(b) == [(c, 0) for c in sorted(CASES.split(","))]
    assert {k: _strip_timing(r) for k, r in a.items()} == {
        k: _strip_timing(r) for k, r in b.items()
    }
    assert {p.name: p.read_bytes() for p in killed.glob("*.json") if p.name in left} == left
    bench = json.loads((tmp_path / "resumed.json").read_text())["benchmarks"]
    reused = {b["extra_info"]["case"]: b["extra_info"]["resumed_seeds"] for b in bench}
    assert reused == {c: [0] if f"{c}-s0.json" in left else [] for c in CASES.split(",")}
    assert [r for b in bench for r in b["extra_info"]["records"]] == [
        a[c, 0] for c in CASES.split(",")
    ]
    print(f"kill, resume and an uninterrupted run: {time.perf_counter() - t0:.1f} s")
