"""The sweep command: its grids, argument errors, a 2 x 2 run on a local Ray, and resume by the one rule."""

from __future__ import annotations

import json
import math
import re

import pytest
import ray

from tests.conftest import synthetic_dataset
from tests.test_results import make_record
from vgmodels import provenance
from vgmodels.profiles import get_profile
from vgmodels.provenance import code_version
from vgmodels.remedies import get_case
from vgmodels.runs import queue
from vgmodels.runs.folder import save
from vgmodels.sweep import cli as sweep
from vgmodels.sweep import grids as grid
from vgmodels.sweep import runner
from vgmodels.sweep.grids import budget_profile, build_runs

SMOKE = ["--profile", "smoke", "--cases", "baseline,kaiming_relu", "--depths", "3,6"]


def test_depth_grid_is_cases_times_depths_with_distinct_keys():
    runs = build_runs("depth", ["baseline", "relu"], get_profile("smoke"), depths=(2, 9))
    assert [r.key for r in runs] == [
        "depth-baseline-d2-s0",
        "depth-baseline-d9-s0",
        "depth-relu-d2-s0",
        "depth-relu-d9-s0",
    ]
    assert [r.case.model.depth for r in runs] == [2, 9, 2, 9]
    assert runs[0].case.model.activation == "sigmoid" and runs[2].case.model.activation == "relu"
    assert runs[1].sweep == {"kind": "depth", "key": "depth-baseline-d9-s0", "values": {"depth": 9}}


def test_default_grids_and_budgets():
    p = budget_profile("depth", None, None, None, None)
    assert (p.epochs, p.n_train, p.seeds) == (10, 20_000, 1)
    assert len(build_runs("depth", list(grid.DEFAULT_CASES["depth"]), p)) == 6 * 9
    # 6 SGD cases x 7 rates + adam and rmsprop x 6 rates (their 1e-3 is on the grid)
    assert len(build_runs("lr", list(grid.DEFAULT_CASES["lr"]), p)) == 6 * 7 + 2 * 6
    assert len(build_runs("phase", ["tanh", "baseline"], p)) == 2 * 7 * 5


def test_lr_grid_holds_the_cases_own_rate():
    relu_lr = get_case("relu_lr0.05")
    assert grid.lr_grid(relu_lr) == (1e-3, 3e-3, 1e-2, 3e-2, 0.05, 0.1, 0.3, 1.0)
    assert grid.lr_grid(get_case("adam"), (0.1,)) == (1e-3, 0.1)
    runs = build_runs("lr", ["adam"], get_profile("smoke"), lrs=(0.1,))
    assert [r.case.train.lr for r in runs] == [1e-3, 0.1]
    assert runs[0].sweep["default_lr"] == 1e-3


def test_phase_grid_sets_init_std_from_sigma_w():
    runs = build_runs("phase", ["tanh"], get_profile("smoke"), depths=(4,), sigma_ws=(1.0, 2.0))
    assert [r.case.model.init_std for r in runs] == pytest.approx(
        [1 / math.sqrt(128), 2 / math.sqrt(128)]
    )
    assert runs[1].key == "phase-tanh-sw2-d4-s0"
    assert runs[1].sweep["values"] == {
        "sigma_w": 2.0,
        "sigma_b": 0.0,
        "init_std": pytest.approx(0.1767767),
        "depth": 4,
    }
    assert runs[1].sweep["first_layer_sigma_w"] == pytest.approx(2 / math.sqrt(128) * 28)


def test_seeds_multiply_the_grid():
    p = budget_profile("depth", "smoke", 1, 100, 3)
    assert (p.epochs, p.n_train, p.seeds) == (1, 100, 3)
    runs = build_runs("depth", ["relu"], p, depths=(2,))
    assert [(r.key, r.seed) for r in runs] == [(f"depth-relu-d2-s{s}", s) for s in range(3)]


def test_estimate_follows_the_cost_model():
    # the model's shape, not its constants: a start-up once, then per run a fixed overhead plus a
    # cost linear in epochs and in samples, affine in depth, one factor more with normalization,
    # the whole shared by min(cpus, runs) workers
    def est(cases=("relu",), epochs=2, n=1000, depth=4, cpus=1):
        p = budget_profile("depth", "smoke", epochs, n, 1)
        return grid.estimate_seconds(build_runs("depth", list(cases), p, depths=(depth,)), cpus)

    start = est() - (est(epochs=4) - est(epochs=2))  # the per-run fixed part and the start-up
    assert est(epochs=6) - est(epochs=4) == pytest.approx(est(epochs=4) - est(epochs=2))
    assert est(n=3000) - est(n=2000) == pytest.approx(est(n=2000) - est(n=1000))
    assert est(epochs=4, n=1000) - start == pytest.approx(est(epochs=2, n=2000) - start)
    assert est(depth=6) - est(depth=4) == pytest.approx(est(depth=8) - est(depth=6))
    assert est(depth=6) > est(depth=4)
    for depth in (4, 8):
        norm = [est(("batchnorm",), epochs=e, depth=depth) for e in (2, 4)]
        plain = [est(epochs=e, depth=depth) for e in (2, 4)]
        factor = (norm[1] - norm[0]) / (plain[1] - plain[0])
        assert factor > 1 and factor == pytest.approx(
            (est(("layernorm",), epochs=4, depth=8) - est(("layernorm",), epochs=2, depth=8))
            / (est(epochs=4, depth=8) - est(epochs=2, depth=8))
        )
    three = ("relu", "batchnorm", "tanh")
    overhead = est(three) - (est(three) - est(three, cpus=2)) * 2  # the start-up alone
    assert overhead > 0
    assert est(three, cpus=3) - overhead == pytest.approx((est(three) - overhead) / 3)
    assert est(three, cpus=8) == est(three, cpus=3)  # no more workers than runs
    assert grid.estimate_seconds([], 4) == 0.0


@pytest.mark.parametrize(
    "args,needle",
    [
        (["width"], "invalid choice: 'width'"),
        (["depth", "--cases", "nope"], "unknown case 'nope'"),
        (["depth", "--profile", "huge"], "unknown profile 'huge'"),
        (["depth", "--depths", "3,x"], "invalid int list value"),
        (["depth", "--depths", "0,3"], "invalid int list value"),
        (["lr", "--lrs", "-1"], "invalid float list value"),
        (["depth", "--lrs", "0.1"], "--lrs applies to the lr sweep"),
        (["lr", "--depths", "3"], "--depths applies to the depth, phase and beyond sweep"),
        (["depth", "--seeds", "0"], "invalid positive integer value"),
        (["depth", "--cases", "layerwise_paper"], "depth: case layerwise_paper"),
        (["depth", "--cases", "resnet_bn_relu", "--depths", "4"], "odd depth"),
        (["phase", "--cases", "relu"], "not a plain tanh or sigmoid MLP"),
        (["phase", "--cases", "batchnorm"], "not a plain tanh or sigmoid MLP"),
        (["depth", "--gpus-per-run", "-1"], "--gpus-per-run must be a number >= 0"),
        (["depth", "--device", "cuda", "--gpus-per-run", "1"], "--device cuda trains here"),
        (["depth", "--device", "cuda", "--address", "h:1"], "--device cuda trains here"),
        (["depth", "--device", "tpu"], "invalid choice: 'tpu'"),
        (["depth", "--address", "127.0.0.1"], "--address 127.0.0.1: '127.0.0.1' is not HOST:PORT"),
        (["depth", "--address", "127.0.0.1:1"], "no Ray cluster reachable at 127.0.0.1:1"),
    ],
)
def test_bad_argument_one_line_exit_2_before_ray(tmp_path, capsys, args, needle):
    out = tmp_path / "runs"
    with pytest.raises(SystemExit) as e:
        sweep.main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not ray.is_initialized() and not out.exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "f.json"
    f.write_text("{}")
    with pytest.raises(SystemExit) as e:
        sweep.main(["depth", "--out", str(f)])
    assert e.value.code == 2 and "is a file" in capsys.readouterr().err


@pytest.mark.realdata
def test_two_by_two_smoke_sweep_on_local_ray_then_resume(tmp_path, capsys, monkeypatch):
    puts = []
    real_put = queue.ray.put
    monkeypatch.setattr(queue.ray, "put", lambda obj: puts.append(1) or real_put(obj))
    out = tmp_path / "runs"
    assert sweep.main(["depth", *SMOKE, "--epochs", "1", "--out", str(out)]) == 0
    assert not ray.is_initialized()  # the local cluster was stopped
    assert len(puts) == 1  # the data went to the object store once, for all four tasks
    files = sorted(p.name for p in out.glob("*.json"))
    assert files == [
        f"depth-{c}-d{d}-s0.json" for c in ("baseline", "kaiming_relu") for d in (3, 6)
    ]
    captured = capsys.readouterr()
    assert len(re.findall(r"^depth sweep: \[\d/4\] depth-", captured.err, re.M)) == 4
    assert "4 records written, 0 skipped, 0 failed" in captured.out
    for f in files:
        rec = json.loads((out / f).read_text())
        depth = int(f.split("-d")[1].split("-")[0])
        assert rec["case"] == f.split("-")[1] and rec["sweep"]["values"] == {"depth": depth}
        assert (
            rec["config"]["model"]["depth"] == depth
            and len(rec["history"][0]["grad_norm"]) == depth + 1
        )
        assert (
            rec["epochs_run"] == 1
            and rec["n_train"] == get_profile("smoke").n_train
            and rec["threads"] == 1
        )
        assert rec["sweep"]["key"] == f[:-5] and rec["sweep"]["cluster_cpus"] >= 1
        assert rec["sweep"]["started_at"] <= rec["sweep"]["finished_at"]
        # the provenance of a bench record: every field of one, the code that made it included
        assert set(rec) == set(make_record()) | {"sweep"} and rec["code"] == code_version()

    # resume: with every record there, nothing trains and Ray is not started
    stamps = {f: (out / f).stat().st_mtime_ns for f in files}
    monkeypatch.setattr(
        sweep.cluster, "connect", lambda *a: pytest.fail("Ray started with nothing to do")
    )
    assert sweep.main(["depth", *SMOKE, "--epochs", "1", "--out", str(out)]) == 0
    assert {f: (out / f).stat().st_mtime_ns for f in files} == stamps
    captured = capsys.readouterr()
    assert "4 already in" in captured.err and "0 records written, 4 skipped" in captured.out


def _finished_sweep(out, runs) -> None:
    """Records as a finished sweep leaves them: a real record given each run's own fields, saved
    by the runs folder's function (which states this code's version)."""
    for r in runs:
        rec = make_record("relu", 0)
        rec.update(
            case=r.case.id,
            seed=r.seed,
            profile=r.profile.name,
            device="cpu",
            sweep=r.sweep,
            profile_config=json.loads(json.dumps(r.profile.as_dict())),
            config=json.loads(json.dumps(r.case.config())),
        )
        save(out, rec, r.key)


@pytest.fixture
def rerun(tmp_path, monkeypatch):
    """A depth sweep's rerun over --out: the keys it trains (nothing trains for real)."""
    out = tmp_path / "runs"
    runs = build_runs(
        "depth",
        ["baseline", "kaiming_relu"],
        budget_profile("depth", "smoke", 1, None, None),
        depths=(3, 6),
    )
    _finished_sweep(out, runs)
    asked = []
    monkeypatch.setattr(sweep, "load_fashion_mnist", lambda **kw: synthetic_dataset())
    monkeypatch.setattr(sweep.cluster, "connect", lambda address, cpus: False)
    monkeypatch.setattr(runner, "run_all", lambda todo, *a: asked.extend(todo) or (len(todo), 0))

    def run(*extra) -> list[str]:
        asked.clear()
        assert sweep.main(["depth", *SMOKE, "--epochs", "1", "--out", str(out), *extra]) == 0
        return sorted(r.key for r in asked)

    return out, run


def test_rerun_trains_only_missing_unreadable_or_other_code_runs(rerun, capsys):
    out, run = rerun
    assert run() == []  # no change: nothing trains
    assert "4 already in" in capsys.readouterr().err
    (out / "depth-baseline-d6-s0.json").unlink()
    (out / "depth-kaiming_relu-d3-s0.json").write_text('{"truncated')
    stale = json.loads((out / "depth-kaiming_relu-d6-s0.json").read_text())
    stale["code"]["source_sha256"] = "0" * 64  # made by other training code
    (out / "depth-kaiming_relu-d6-s0.json").write_text(json.dumps(stale))
    assert run() == ["depth-baseline-d6-s0", "depth-kaiming_relu-d3-s0", "depth-kaiming_relu-d6-s0"]
    assert "3 records written, 1 skipped" in capsys.readouterr().out
    assert len(run("--epochs", "2")) == 4  # another budget is another run: nothing is reused


def test_rerun_after_a_change_to_training_code_retrains_everything(rerun, monkeypatch):
    out, run = rerun
    assert run() == []
    changed = {**provenance.code_version(), "source_sha256": "f" * 64}
    monkeypatch.setattr(provenance, "code_version", lambda: changed)
    assert len(run()) == 4
