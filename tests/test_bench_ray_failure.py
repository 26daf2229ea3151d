"""The bench's plan when Ray fails to start: one line and exit 3; any other error keeps its own."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
import torch

from tests.conftest import synthetic_dataset
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.runs import cluster

ray = pytest.importorskip("ray")

spec = importlib.util.spec_from_file_location(
    "bench_conftest", PROJECT_ROOT / "bench" / "conftest.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

# Ray's own words when its local node does not come up within 30 s (ray/_private/node.py)
TIMED_OUT = (
    "The current node timed out during startup. This could happen because some of the raylet "
    "failed to startup or the GCS has become overloaded."
)
NODE_PY = str(Path(ray.__file__).resolve().parent / "_private" / "node.py")


def _raise_from(filename: str, error: Exception):
    """A stand-in for ray.init that raises `error` from code whose frame names `filename`."""

    def init(*args, **kwargs):
        exec(compile("raise error", filename, "exec"), {"error": error})

    return init


def _plan(tmp_path):
    vg = {
        "profile": Profile("t", 1, 2, probe_size=16),
        "device": torch.device("cpu"),
        "cases": ["relu"],
        "seeds": [0, 1],
        "runs": tmp_path,
        "resume": False,
        "workers": 2,  # two runs at once: the local Ray cluster starts with the plan
        "address": None,
        "tensorboard": None,
        "spread_rule": False,
    }
    return bench.start_plan(vg, synthetic_dataset(64, 32, 32), {}, io.StringIO())


def test_ray_timing_out_at_startup_stops_the_bench_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster.ray, "init", _raise_from(NODE_PY, Exception(TIMED_OUT)))
    with pytest.raises(pytest.exit.Exception) as stop:
        _plan(tmp_path)
    assert stop.value.returncode == 3
    assert stop.value.msg == (
        "bench: Ray failed before any run trained (The current node timed out during startup. "
        "This could happen because some of the raylet failed to startup or the GCS has become "
        "overloaded.); accepted: rerun when the cores are less busy, or train in this process "
        "with --vg-workers 1"
    )
    assert "\n" not in stop.value.msg
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_error_outside_ray_keeps_its_traceback(tmp_path, monkeypatch):
    mine = ValueError("a bug of the bench's own")
    monkeypatch.setattr(cluster.ray, "init", _raise_from(__file__, mine))
    with pytest.raises(ValueError) as raised:
        _plan(tmp_path)
    assert raised.value is mine


def test_a_multi_line_ray_error_gives_its_first_line_and_an_empty_one_its_type():
    def error_from_ray(e):
        try:
            _raise_from(NODE_PY, e)()
        except Exception as caught:
            return caught

    assert bench.ray_failure(error_from_ray(RuntimeError("first\nsecond"))) == "first"
    assert bench.ray_failure(error_from_ray(RuntimeError("  "))) == "RuntimeError"
    assert bench.ray_failure(RuntimeError("never raised: no traceback")) is None


def test_a_cluster_error_stops_the_bench_with_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "ray", None)  # Ray not installed
    with pytest.raises(pytest.exit.Exception) as stop:
        _plan(tmp_path)
    assert stop.value.returncode == 2
    assert stop.value.msg.startswith("bench: Ray is not installed (pip install ray); ")
