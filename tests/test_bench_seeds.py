"""The bench's seeds rule: where a case's first seeds spread, its further seeds are queued too."""

from __future__ import annotations

import importlib.util
import io

import torch

from tests.conftest import synthetic_dataset
from tests.records_digest import strip
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training.trainer import train_case

spec = importlib.util.spec_from_file_location(
    "bench_conftest", PROJECT_ROOT / "bench" / "conftest.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

PROFILE = Profile("t", 1, 2, probe_size=16, seeds_if_spread=3)


def _plan(tmp_path, data, spread_rule=True):
    vg = {
        "profile": PROFILE,
        "device": torch.device("cpu"),
        "cases": ["relu", "tanh"],
        "seeds": [0, 1],
        "runs": tmp_path,
        "resume": False,
        "workers": 1,
        "address": None,
        "tensorboard": None,
        "spread_rule": spread_rule,
    }
    return bench.Plan(vg, data, {}, io.StringIO())


def test_a_spread_case_gets_the_profiles_further_seeds(tmp_path, monkeypatch):
    data = synthetic_dataset(64, 32, 32)
    seen = []

    def needed(profile, accs):  # the rule itself is tested by hand in tests/test_profiles.py
        seen.append(len(accs))
        return 3 if len(accs) == 2 else 2

    monkeypatch.setattr(bench, "seeds_needed", needed)
    plan = _plan(tmp_path, data)
    records, reused = plan.records("relu")
    assert [r["seed"] for r in records] == [0, 1, 2] and reused == [] and seen == [2]
    alone = train_case(REMEDIES["relu"], PROFILE, 2, "cpu", data)
    assert strip(records[2]["history"]) == strip(
        alone["history"]
    )  # the third seed is that seed's own run
    assert sorted(p.name for p in tmp_path.iterdir())[:3] == [
        "relu-s0.json",
        "relu-s1.json",
        "relu-s2.json",
    ]
    plan.queue.close()


def test_seeds_named_on_the_command_line_are_kept_as_named(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "seeds_needed", lambda profile, accs: 3)
    plan = _plan(tmp_path, synthetic_dataset(64, 32, 32), spread_rule=False)
    records, _ = plan.records("tanh")
    assert [r["seed"] for r in records] == [0, 1]
    plan.queue.close()
