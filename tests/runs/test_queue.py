"""The one queue: runs at once on Ray give the records of the runs alone; in turn in this process."""

import functools
import json
import os

import pytest
import ray
import torch

from tests.training.test_trainer import _strip_timing
from vgmodels.profiles import Profile
from vgmodels.provenance import code_version
from vgmodels.remedies import REMEDIES
from vgmodels.runs import cluster as ray_cluster
from vgmodels.runs import queue as engine
from vgmodels.runs import seeds as seeds_module
from vgmodels.runs.queue import Job, LocalQueue, RayQueue
from vgmodels.runs.seeds import train_seeds, workers_for
from vgmodels.runs.tasks import cpu_probes, data_arrays, train_task
from vgmodels.training.trainer import train_case

CPU = torch.device("cpu")


def test_workers_are_the_cores_on_a_cpu_and_one_elsewhere(monkeypatch):
    monkeypatch.delenv("VG_WORKERS", raising=False)
    assert workers_for(3, CPU, cores=2) == 2
    assert workers_for(1, CPU, cores=2) == 1  # one run keeps every thread
    assert workers_for(40, CPU, cores=16) == 16
    assert workers_for(3, CPU, cores=1) == 1
    assert workers_for(3, torch.device("cuda"), cores=16) == 1  # one device, one process
    monkeypatch.setenv("VG_WORKERS", "1")
    assert workers_for(3, CPU, cores=2) == 1
    monkeypatch.setenv("VG_WORKERS", "3")
    assert workers_for(5, CPU, cores=2) == 3
    for bad in ("two", "0"):
        monkeypatch.setenv("VG_WORKERS", bad)
        with pytest.raises(ValueError, match=f"VG_WORKERS='{bad}': accepted a whole number"):
            workers_for(3, CPU, cores=2)


def test_queue_order_is_costliest_first():
    quick = Profile("quick", epochs=20, seeds=1, recurrent_epochs=2)
    # 7 x 128 sigmoid, 20 epochs: 20 x 998,912 FLOPs per sample (counted by hand in test_speed)
    assert engine.cost(REMEDIES["baseline"], quick) == 20 * 998912
    assert engine.cost(REMEDIES["baseline"], quick.with_epochs(3)) == 3 * 998912
    assert engine.cost(REMEDIES["depth3"], quick) < engine.cost(REMEDIES["baseline"], quick)
    # the recurrent budget, not the MLP's
    lstm = engine.cost(REMEDIES["lstm"], quick)
    assert lstm == pytest.approx(2 / 3 * engine.cost(REMEDIES["lstm"], quick.with_epochs(3)))


def test_seeds_stop_the_cluster_they_started(tiny_data, tiny_profile):
    assert not ray.is_initialized()  # before the module's cluster starts
    recs = train_seeds(
        REMEDIES["relu"], tiny_profile.with_epochs(1), [2, 5], CPU, tiny_data, workers=2
    )
    assert [r["seed"] for r in recs] == [2, 5] and not ray.is_initialized()


@pytest.fixture(scope="module")
def cluster():
    assert ray_cluster.connect(cpus=2)
    yield
    ray_cluster.stop()


def test_runs_at_once_give_the_records_of_runs_alone(cluster, tiny_data, tiny_profile):
    """Three cases on a 2-CPU cluster, two at a time, against each run alone on one thread."""
    jobs = [("bn3", "batchnorm", 3), ("bn0", "batchnorm", 0), ("relu0", "relu", 0)]
    pids = []
    q = RayQueue(tiny_data, CPU, 2, on_record=lambda job, rec: pids.append(job.key))
    q.submit([Job(k, REMEDIES[c], tiny_profile, s) for k, c, s in jobs])
    together = q.collect(["relu0", "bn3", "bn0"])
    assert sorted(pids) == ["bn0", "bn3", "relu0"] and not q.pending and not q.owns
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = [
            train_case(REMEDIES[c], tiny_profile, s, "cpu", tiny_data)
            for c, s in [("relu", 0), ("batchnorm", 3), ("batchnorm", 0)]
        ]
    finally:
        torch.set_num_threads(threads)
    assert [(r["case"], r["seed"]) for r in together] == [
        ("relu", 0),
        ("batchnorm", 3),
        ("batchnorm", 0),
    ]
    assert [r["concurrent_runs"] for r in together] == [2, 2, 2]
    assert [r["threads"] for r in together] == [1, 1, 1]
    for t, a in zip(together, alone, strict=True):
        assert _strip_timing(t) == _strip_timing(a)
    assert together[1]["history"] != together[2]["history"]  # seeds differ: the check has teeth


def test_runs_are_queued_costliest_first(cluster, tiny_data, tiny_profile):
    queued = []

    class Task:  # stands in for the Ray task: records what is queued, in order
        def remote(self, case, profile, seed, *rest):
            queued.append((case.id, seed))
            return object()

    q = RayQueue(tiny_data, CPU, 2)
    q.task = Task()
    q.submit(
        [
            Job(k, REMEDIES[c], tiny_profile, s)
            for k, c, s in [("a", "depth3", 0), ("b", "lstm", 0), ("c", "baseline", 1)]
        ]
    )
    # per sample and epoch: lstm's 28 steps of 4 gates >> 7 x 128 sigmoid > 3 x 128 sigmoid
    assert queued == [("lstm", 0), ("baseline", 1), ("depth3", 0)]


def test_workers_take_the_kernel_and_peak_probed_by_the_driver(cluster, tiny_data, tiny_profile):
    kernel = cpu_probes()["linear"]
    arrays = ray.put(data_arrays(tiny_data))
    probes = {"linear": kernel, "peak": 123.0}  # a peak no probe gives: it must come from here
    one = tiny_profile.with_epochs(1)
    rec = ray.get(train_task.remote(REMEDIES["relu"], one, 0, arrays, "cpu", probes))
    assert rec["linear_kernel"] == kernel and rec["peak_gflops"] == 123.0
    assert rec["mfu"] == pytest.approx(rec["gflops_per_second"] / 123.0)


def test_a_failing_run_raises_its_error_when_collected(cluster):
    from tests.conftest import synthetic_dataset
    from vgmodels.data import Dataset, Split

    d = synthetic_dataset(64, 32, 32)
    narrow = Dataset(*(Split(s.x[:, :10], s.y) for s in (d.train, d.val, d.test)), "narrow")
    q = RayQueue(narrow, CPU, 2)  # 10 pixels into a 784-wide first layer: fails in the worker
    q.submit([Job("ko", REMEDIES["relu"], Profile("smoke", epochs=1, seeds=1), 0)])
    with pytest.raises(RuntimeError, match="train_task") as e:  # raised in the worker, here
        q.collect(["ko"])
    assert "model(xb)" in str(e.value)  # the worker's traceback: the first layer's forward
    assert not q.pending and not q.done


def test_seeds_of_one_case_train_at_once_on_the_cluster(
    cluster, tiny_data, tiny_profile, tmp_path, monkeypatch
):
    """Each seed waits after its first epoch until the other has trained one too, in another
    process: seeds trained one after another (or in this process) never get past the wait."""
    arrived = tmp_path / "arrived"

    def meet(row):  # runs in the Ray worker after every epoch
        import os
        import time

        if row["epoch"] != 1:
            return
        with open(arrived, "a") as f:
            f.write(f"{os.getpid()}\n")
        deadline = time.monotonic() + 120  # only a failing run waits this long
        while len(set(open(arrived).read().split())) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("the other seed never trained beside this one")
            time.sleep(0.05)

    monkeypatch.setattr(seeds_module, "Job", functools.partial(Job, on_epoch=meet))
    recs = train_seeds(REMEDIES["relu"], tiny_profile, [1, 0], CPU, tiny_data, workers=2)
    assert [(r["seed"], r["concurrent_runs"], r["threads"]) for r in recs] == [(1, 2, 1), (0, 2, 1)]
    pids = arrived.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2 and str(os.getpid()) not in pids
    assert ray.is_initialized()  # the cluster it found is left running


def test_one_seed_trains_in_this_process(monkeypatch, tiny_data, tiny_profile):
    calls, real = [], engine.train_case

    def spy(case, profile, seed, device, data, **kw):
        calls.append((os.getpid(), case.id, seed, profile.epochs))
        return real(case, profile, seed, device, data, **kw)

    monkeypatch.setattr(engine, "train_case", spy)
    (rec,) = train_seeds(REMEDIES["relu"], tiny_profile.with_epochs(1), [1], CPU, tiny_data)
    # a call in a Ray worker would land in the worker's copy of `calls`, not in this one
    assert calls == [(os.getpid(), "relu", 1, 1)]
    assert (rec["seed"], rec["epochs_run"], rec["concurrent_runs"]) == (1, 1, 1)
    assert rec["threads"] == torch.get_num_threads()


def test_the_queue_writes_each_record_into_the_folder_under_its_name(cluster, tmp_path, tiny_data):
    one = Profile("smoke", epochs=1, seeds=1, probe_size=16)
    q = RayQueue(tiny_data, CPU, 2, folder=tmp_path)
    q.submit([Job("a", REMEDIES["relu"], one, 0), Job("b", REMEDIES["relu"], one, 1, name="mine")])
    finished = dict(q.as_finished())
    assert sorted(finished) == ["a", "b"] and not q.pending
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "relu-s0.json"]
    saved = json.loads((tmp_path / "mine.json").read_text())
    assert saved["seed"] == 1 and saved["code"] == code_version()
    assert saved == json.loads(json.dumps(finished["b"]))


def test_in_process_the_seeds_of_a_case_stack_where_asked(monkeypatch, tiny_data, tiny_profile):
    monkeypatch.setenv("VG_STACK", "1")
    got = []
    q = LocalQueue(tiny_data, CPU, on_record=lambda job, rec: got.append(job.key))
    one = tiny_profile.with_epochs(1)
    q.submit(
        [Job(s, REMEDIES["relu"], one, s) for s in (0, 1)] + [Job(9, REMEDIES["tanh"], one, 0)]
    )
    recs = q.collect([1, 0])  # trains the case asked for, its two seeds as one stacked model
    assert [r["seed"] for r in recs] == [1, 0] and [r["concurrent_runs"] for r in recs] == [2, 2]
    assert sorted(got) == [0, 1] and q.pending == [9]  # the other case waits until asked for
    alone = train_case(REMEDIES["relu"], one, 1, CPU, tiny_data)
    assert recs[0]["history"][0]["train_loss"] == pytest.approx(alone["history"][0]["train_loss"])


def test_a_run_queued_twice_or_never_is_refused(tiny_data, tiny_profile):
    q = LocalQueue(tiny_data, CPU)
    with pytest.raises(ValueError, match="queued twice"):
        q.submit([Job("x", REMEDIES["relu"], tiny_profile, 0)] * 2)
    with pytest.raises(KeyError, match="never queued"):
        q.collect(["nope"])


def test_without_ray_the_local_queue_trains_and_ray_queue_says_how(monkeypatch, tiny_data):
    # a machine without Ray (a lent GPU machine): one run after another here, and a request for
    # runs at once is one line naming the way out, nothing started
    monkeypatch.setattr(engine, "ray", None)
    monkeypatch.setattr(ray_cluster, "ray", None)
    with pytest.raises(ray_cluster.ClusterError, match="Ray is not installed.*--vg-workers 1"):
        RayQueue(tiny_data, torch.device("cpu"), workers=2)
    one = Profile("smoke", epochs=1, seeds=1, probe_size=32)
    with LocalQueue(tiny_data, torch.device("cpu")) as q:
        q.submit([Job(("relu", 0), REMEDIES["relu"], one, 0)])
        (rec,) = q.collect([("relu", 0)])
    alone = train_case(REMEDIES["relu"], one, 0, torch.device("cpu"), tiny_data)
    assert _strip_timing(rec) == _strip_timing(alone)
