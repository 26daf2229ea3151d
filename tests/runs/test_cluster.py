"""The queue on a real Ray cluster: two nodes started with `ray start`, a sweep and a bench through
the address, a worker killed while it trains; and an address nothing listens on."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

import pytest
import torch

from tests.conftest import synthetic_dataset
from tests.training.test_trainer import _strip_timing
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.runs import cluster
from vgmodels.runs.progress import Progress
from vgmodels.runs.queue import Job, RayQueue
from vgmodels.sweep import cli as sweep
from vgmodels.training.trainer import train_case

CPU = torch.device("cpu")
RAY = str(Path(sys.executable).parent / "ray")
SAFETY = 120.0  # seconds: a safety net only; every wait below ends on an event
NOWHERE = "127.0.0.1:1"  # a port nothing listens on: refused at once


def _bench(*args) -> list[str]:
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
        *args,
    ]


def test_unreachable_address_bench_one_line_exit_2_nothing_written(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "bench.json"
    proc = subprocess.run(
        _bench(
            "--vg-cases",
            "depth3",
            "--vg-address",
            NOWHERE,
            "--vg-runs",
            str(runs),
            "--benchmark-json",
            str(out),
        ),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=SAFETY,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert f"--vg-address {NOWHERE}: no Ray cluster reachable at {NOWHERE}" in line
    assert "accepted: HOST:PORT of a running Ray head" in line
    assert list(tmp_path.iterdir()) == []


def test_unreachable_address_sweep_one_line_exit_2_nothing_written(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vgmodels.sweep",
            "depth",
            "--address",
            NOWHERE,
            "--out",
            str(tmp_path / "sweep"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=SAFETY,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"vgmodels.sweep: error: --address {NOWHERE}: no Ray cluster")
    assert list(tmp_path.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sessions_left(sids: set[int]) -> list[int]:
    """PIDs of the processes still in the sessions started here (the nodes and their workers)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in sids:  # the field after ppid and pgrp: the session id
            left.append(int(stat.parent.name))
    return left


@pytest.fixture(scope="module")
def ray_head():
    """A head and a second node, one CPU each, each `ray start --block` in a session of its own:
    stopped through those sessions only (never `ray stop`, which would stop every cluster here)."""
    port, client, temp = _free_port(), _free_port(), tempfile.mkdtemp(prefix="vgray")  # short paths
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    quiet = dict(
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    nodes = [
        subprocess.Popen(
            [
                RAY,
                "start",
                "--head",
                f"--port={port}",
                "--num-cpus=1",
                f"--ray-client-server-port={client}",
                "--include-dashboard=false",
                "--disable-usage-stats",
                f"--temp-dir={temp}",
                "--block",
            ],
            **quiet,
        )
    ]
    address = f"127.0.0.1:{port}"
    try:
        _wait(lambda: _listening(port) or nodes[0].poll() is not None)
        assert nodes[0].poll() is None, "ray start --head ended"
        nodes.append(
            subprocess.Popen(
                [RAY, "start", f"--address={address}", "--num-cpus=1", "--block"], **quiet
            )
        )
        yield address
    finally:
        for n in nodes:
            n.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes
        for n in nodes:
            try:
                n.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for pid in _sessions_left({n.pid for n in nodes}):
            os.kill(pid, signal.SIGKILL)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _wait(done) -> None:
    deadline = time.monotonic() + SAFETY
    while not done():
        assert time.monotonic() < deadline, "the cluster did not come up"
        time.sleep(0.1)


def _two_nodes(address: str) -> None:
    """Block until the second node has joined (its CPU counted by the head)."""
    import ray

    joined = cluster.connect(address)
    try:
        _wait(lambda: ray.cluster_resources().get("CPU", 0) >= 2)
    finally:
        if joined:
            cluster.stop()


@pytest.mark.cluster
def test_a_sweep_and_a_bench_through_the_address(ray_head, tmp_path, capsys):
    _two_nodes(ray_head)
    out = tmp_path / "sweep"
    args = [
        "depth",
        "--profile",
        "smoke",
        "--cases",
        "relu",
        "--depths",
        "2,3",
        "--epochs",
        "1",
        "--n-train",
        "512",
        "--address",
        ray_head,
        "--out",
        str(out),
    ]
    assert sweep.main(args) == 0
    recs = {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert sorted(recs) == ["depth-relu-d2-s0.json", "depth-relu-d3-s0.json"]
    for name, rec in recs.items():
        assert rec["sweep"]["cluster_cpus"] == 2 and rec["threads"] == 1
        assert rec["config"]["model"]["depth"] == int(name.split("-d")[1][0])
        assert rec["epochs_run"] == 1 and rec["n_train"] == 512
    err = capsys.readouterr().err
    assert f"2 at once (Ray cluster at {ray_head})" in err and err.count("depth sweep: [") == 2

    runs = tmp_path / "runs"
    bench = subprocess.run(
        _bench(
            "--vg-cases",
            "depth3,relu",
            "--vg-epochs",
            "1",
            "--vg-address",
            ray_head,
            "--vg-runs",
            str(runs),
            "--benchmark-json",
            str(tmp_path / "bench.json"),
        ),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=SAFETY,
    )
    assert bench.returncode == 0, bench.stdout[-2000:] + bench.stderr[-2000:]
    saved = sorted(p.name for p in runs.glob("*.json"))
    assert saved == ["depth3-s0.json", "relu-s0.json"]
    for p in runs.glob("*.json"):
        rec = json.loads(p.read_text())
        assert rec["concurrent_runs"] == 2 and rec["epochs_run"] == 1 and rec["code"]
    # the progress got past pytest's capture: the plan line, then one line per run
    assert f"bench: 2 runs queued, 2 at once (Ray cluster at {ray_head})" in bench.stderr
    assert bench.stderr.count("bench: [") == 2


ONE = Profile("smoke", epochs=2, seeds=1, probe_size=16)


@pytest.mark.cluster
def test_a_killed_worker_is_retried_and_its_record_lands_once(ray_head, tmp_path):
    data, flag, pids = synthetic_dataset(64, 32, 32), tmp_path / "killed", tmp_path / "pids"

    def kill_first_attempt(row):  # runs in the Ray worker after every epoch
        import os
        import signal

        with open(pids, "a") as f:
            f.write(f"{os.getpid()}\n")
        try:  # only the attempt that creates the flag dies, after its first epoch
            os.close(os.open(flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)

    handed, log = [], StringIO()
    jobs = [
        Job("relu", REMEDIES["relu"], ONE, 0, on_epoch=kill_first_attempt),
        Job("tanh", REMEDIES["tanh"], ONE, 0),
    ]
    with RayQueue(
        data,
        CPU,
        address=ray_head,
        folder=tmp_path / "runs",
        progress=Progress(log, live=False),
        on_record=lambda job, rec: handed.append(job.key),
    ) as q:
        q.submit(jobs)
        finished = dict(q.as_finished())
    killed, *retried = pids.read_text().split()
    assert flag.exists() and retried and killed not in retried  # a new worker ran it again
    assert sorted(handed) == ["relu", "tanh"]  # each record once
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["relu-s0.json", "tanh-s0.json"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the worker: the record of the run alone
    try:
        alone = train_case(REMEDIES["relu"], ONE, 0, CPU, data)
    finally:
        torch.set_num_threads(threads)
    assert _strip_timing(finished["relu"]) == _strip_timing(alone)  # restarted from epoch 1
    assert "FAILED" not in log.getvalue() and log.getvalue().count("] relu s0: test_acc=") == 1


@pytest.mark.cluster
def test_a_run_whose_worker_dies_beyond_the_retries_is_reported_failed_by_name(ray_head, tmp_path):
    def always_die(row):
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)

    log = StringIO()
    with RayQueue(
        synthetic_dataset(64, 32, 32),
        CPU,
        address=ray_head,
        folder=tmp_path,
        progress=Progress(log, live=False),
    ) as q:
        q.task = q.task.options(max_retries=0)  # no retry: the first death is final
        q.submit([Job("doomed", REMEDIES["relu"], ONE, 0, on_epoch=always_die)])
        with pytest.raises(Exception, match="worker|Worker") as e:
            q.collect(["doomed"])
    assert "ray" in type(e.value).__module__
    assert log.getvalue().count("] relu s0: FAILED: ") == 1  # the run, by name
    assert list(tmp_path.iterdir()) == []
