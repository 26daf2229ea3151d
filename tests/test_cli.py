"""`python -m vgmodels list|run`: every case listed, bad input in one line with exit 2."""

import json
import subprocess
import sys

import pytest

from vgmodels.profiles import PROFILES
from vgmodels.remedies import REMEDIES

DESIGN_IDS = """depth3 depth5 baseline baseline_default std1 std10 relu relu_lr0.05 tanh leaky_relu
elu prelu softplus swish gelu adam rmsprop sgd_momentum batchnorm mynorm skip skip_article
layerwise_paper layerwise_paper_full layerwise_greedy layerwise_greedy_full grad_norm grad_norm_pre
sigmoid_boost sdagd sdagd_depth3 sdagd_depth5 zero_init relu_std1 grad_clip xavier kaiming_relu layernorm resnet_bn_relu
rnn lstm gru rnn_long lstm_long gru_long
grad_norm_pre_default sgd_lr0.1_depth3 sgd_lr0.1_depth5 sgd_lr0.1""".split()


def _run(*args):
    return subprocess.run([sys.executable, "-m", "vgmodels", *args], capture_output=True, text=True)


def test_list_prints_every_design_id():
    out = _run("list")
    assert out.returncode == 0
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == DESIGN_IDS == list(REMEDIES)
    assert all(len(r) == 3 and r[2] for r in rows)


@pytest.mark.parametrize(
    "args, needle",
    [
        (("run", "nope"), "unknown case 'nope'; accepted: depth3"),
        (
            ("run", "baseline", "--profile", "huge"),
            "unknown profile 'huge'; accepted: smoke, quick",
        ),
        (("run", "baseline", "--device", "tpu"), "unknown device 'tpu'; accepted: auto, cpu"),
        (("run", "baseline", "--epochs", "0"), "--epochs must be a positive integer"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, needle):
    out_file = tmp_path / "r.json"
    out = _run(*args, "--out", str(out_file))
    assert out.returncode == 2
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not out_file.exists()


@pytest.mark.realdata
def test_run_writes_the_record_the_trainer_makes_of_that_run(tmp_path):
    from tests.records_digest import strip
    from vgmodels.data import load_fashion_mnist
    from vgmodels.training.trainer import train_case

    out_file = tmp_path / "r.json"
    out = _run(
        "run", "relu", "--profile", "smoke", "--epochs", "1", "--seed", "3", "--out", str(out_file)
    )
    assert out.returncode == 0, out.stderr
    assert "epoch 1/1" in out.stderr  # one line per epoch off a terminal
    smoke = PROFILES["smoke"]
    data = load_fashion_mnist(n_train=smoke.n_train, n_val=smoke.n_val, n_test=smoke.n_test)
    # the same run in this process: the command changes nothing of what the run computes
    alone = train_case(REMEDIES["relu"], smoke.with_epochs(1), 3, "cpu", data)
    rec = json.loads(out_file.read_text())
    assert strip(rec) == strip(json.loads(json.dumps(alone)))
    assert (rec["seed"], rec["epochs_run"], rec["n_train"]) == (3, 1, 8192)


@pytest.mark.parametrize(
    "command, needle",
    [
        (["vgmodels", "run", "relu", "--out", "/proc/vgmodels/r.json"], "cannot write in /proc"),
        (["vgmodels", "run", "relu", "--seed", "-1"], "0 <= seed < 2**32"),
        (["vgmodels.report", "--results", "r.json", "--out", "."], "--out .: is the current fold"),
        (["vgmodels.report", "--results", "r.json", "--out", "notes.txt"], "is an existing file"),
    ],
)
def test_the_reported_failures_are_one_line_in_a_real_process(tmp_path, command, needle):
    (tmp_path / "notes.txt").write_text("the user's own file")
    (tmp_path / "r.json").write_text(json.dumps(_tiny_record()))
    proc = subprocess.run(
        [sys.executable, "-m", *command], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and needle in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "r.json"]
    assert (tmp_path / "notes.txt").read_text() == "the user's own file"


def _tiny_record() -> dict:
    from tests.test_results import make_record

    return make_record("relu", 0)


@pytest.mark.realdata
def test_run_states_the_code_that_made_the_record(tmp_path):
    from vgmodels.provenance import code_version

    out = _run(
        "run",
        "depth3",
        "--profile",
        "smoke",
        "--epochs",
        "1",
        "--seed",
        "4294967295",
        "--out",
        str(tmp_path / "r.json"),
    )
    assert out.returncode == 0, out.stderr
    rec = json.loads((tmp_path / "r.json").read_text())
    assert rec["seed"] == 2**32 - 1 and rec["code"]["version"] == code_version()["version"]
