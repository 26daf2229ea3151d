"""TensorBoard events of a record read back equal to the record (TensorBoard's own event reader)."""

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from vgmodels.remedies import REMEDIES
from vgmodels.runs.tensorboard import (
    flat_hparams,
    layer_tags,
    write_files,
    write_record,
    write_records,
)
from vgmodels.training.trainer import train_case


@pytest.fixture(scope="module")
def record():
    from tests.conftest import synthetic_dataset
    from vgmodels.profiles import Profile

    data = synthetic_dataset(128, 64, 64)
    return train_case(REMEDIES["relu"], Profile("smoke", 2, 1, probe_size=16), 0, "cpu", data)


def _read(folder):
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def _series(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_curves_and_every_layer_read_back_equal_to_the_record(record, tmp_path):
    folder = write_record(record, tmp_path)
    assert folder == tmp_path / "relu-smoke-s0"
    acc = _read(folder)
    h = record["history"]
    assert len(h) == 2
    for tag, key in [
        ("acc/val", "val_acc"),
        ("acc/train", "train_acc"),
        ("loss/train", "train_loss"),
        ("loss/val", "val_loss"),
    ]:
        assert _series(acc, tag) == [(r["epoch"], pytest.approx(r[key], rel=1e-6)) for r in h]
    # the record has 7 hidden layers and the output: h1..h7 -> layer_1..layer_7, then out
    assert record["layers"] == ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "out"]
    grad_tags = sorted(t for t in acc.Tags()["scalars"] if t.startswith("grad_norm/"))
    assert grad_tags == sorted([f"grad_norm/layer_{i}" for i in range(1, 8)] + ["grad_norm/out"])
    for i in (1, 4, 7):
        got = _series(acc, f"grad_norm/layer_{i}")
        assert got == [(r["epoch"], pytest.approx(r["grad_norm"][i - 1], rel=1e-6)) for r in h]
    assert _series(acc, "grad_norm/out")[1][1] == pytest.approx(h[1]["grad_norm"][7], rel=1e-6)
    assert _series(acc, "dead/layer_2")[0][1] == pytest.approx(h[0]["dead"][1], abs=1e-7)


def test_the_config_is_the_runs_hparams(record, tmp_path):
    acc = _read(write_record(record, tmp_path))
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    info = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    hp = {k: v.ListFields()[0][1] for k, v in info.hparams.items()}
    assert hp["case"] == "relu" and hp["seed"] == 0
    assert hp["model.activation"] == "relu"
    assert hp["model.depth"] == record["config"]["model"]["depth"] == 7
    assert hp["train.lr"] == pytest.approx(record["config"]["train"]["lr"])
    assert _series(acc, "hparam/test_acc") == [(2, pytest.approx(record["test_acc"], rel=1e-6))]


def test_rewriting_a_run_replaces_its_events(record, tmp_path):
    write_record(record, tmp_path)
    changed = {**record, "history": [{**r, "val_acc": 0.5} for r in record["history"]]}
    (folder,) = write_records([changed], tmp_path)
    assert [v for _, v in _series(_read(folder), "acc/val")] == [0.5, 0.5]
    assert write_records([record], None) == []


def test_layer_names_and_flat_config():
    assert layer_tags({"layers": ["h1", "h2", "out"]}, 2) == ["layer_1", "layer_2"]
    assert layer_tags({"layers": ["W_ih1", "W_hh1", "out"]}, 3) == ["W_ih1", "W_hh1", "out"]
    assert layer_tags({}, 2) == ["layer_1", "layer_2"]
    flat = flat_hparams({"model": {"depth": 3, "skip": None}, "train": {"lrs": [1, 2]}})
    assert flat == {"model.depth": 3, "model.skip": "null", "train.lrs": "[1, 2]"}


def _cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "vgmodels", *args], capture_output=True, text=True)


@pytest.mark.realdata
def test_run_with_tensorboard_writes_the_records_events(tmp_path):
    import json

    out = _cli(
        "run",
        "relu",
        "--profile",
        "smoke",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "r.json"),
        "--tensorboard",
        str(tmp_path / "tb"),
    )
    assert out.returncode == 0, out.stderr
    rec = json.loads((tmp_path / "r.json").read_text())
    acc = _read(tmp_path / "tb" / "relu-smoke-s0")
    assert _series(acc, "acc/val") == [(1, pytest.approx(rec["history"][0]["val_acc"], rel=1e-6))]


def test_run_refuses_a_tensorboard_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("")
    out = _cli(
        "run", "relu", "--out", str(tmp_path / "r.json"), "--tensorboard", str(tmp_path / "f")
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "--tensorboard" in out.stderr and "is a file; name a folder" in out.stderr
    assert not (tmp_path / "r.json").exists()


def test_record_files_of_a_sweep_become_runs_named_by_their_key(record, tmp_path):
    import json

    swept = {**record, "sweep": {"key": "depth-relu-d7-s0"}}
    (tmp_path / "a.json").write_text(json.dumps(swept))
    folders = write_files([tmp_path / "a.json", tmp_path / "failed.json"], tmp_path / "tb")
    assert folders == [tmp_path / "tb" / "depth-relu-d7-s0"]
    assert len(_series(_read(folders[0]), "acc/val")) == 2


def test_bench_refuses_a_tensorboard_folder_that_is_a_file(tmp_path):
    import subprocess
    import sys

    from vgmodels.data import PROJECT_ROOT

    (tmp_path / "f").write_text("")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench/",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "--vg-profile",
            "smoke",
            "--tensorboard",
            str(tmp_path / "f"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 4  # pytest's usage-error exit code
    assert (
        f"--tensorboard {tmp_path / 'f'}: {tmp_path / 'f'} is a file; name a folder" in proc.stderr
    )
