"""Seeds in parallel: the same records as separate runs, one process per seed on the CPU."""

import os

import pytest
import torch

from tests.test_train import _strip_timing
from vgmodels.remedies import REMEDIES
from vgmodels.seeds import plan, train_seeds
from vgmodels.train import train_case

CPU = torch.device("cpu")


def test_plan_splits_the_threads_among_the_seeds(monkeypatch):
    monkeypatch.delenv("VG_SEED_WORKERS", raising=False)
    assert plan(3, CPU, threads=2) == (3, 1)
    assert plan(2, CPU, threads=2) == (2, 1)
    assert plan(2, CPU, threads=8) == (1, 8)  # workers stay single-threaded: more threads, one seed
    assert plan(9, CPU, threads=2) == (4, 1)  # at most two processes per thread
    assert plan(1, CPU, threads=2) == (1, 2)  # one seed keeps every thread
    assert plan(3, CPU, threads=1) == (1, 1)
    assert plan(3, torch.device("cuda"), threads=2) == (1, 2)  # one device, one process
    monkeypatch.setenv("VG_SEED_WORKERS", "1")
    assert plan(3, CPU, threads=2) == (1, 2)
    monkeypatch.setenv("VG_SEED_WORKERS", "two")
    with pytest.raises(ValueError, match="VG_SEED_WORKERS='two': accepted a whole number"):
        plan(3, CPU, threads=2)


def test_parallel_seeds_give_the_records_of_separate_runs(tiny_data, tiny_profile):
    case = REMEDIES["batchnorm"]
    par = train_seeds(case, tiny_profile, [3, 0], CPU, tiny_data, workers=2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = [train_case(case, tiny_profile, s, "cpu", tiny_data) for s in (3, 0)]
    finally:
        torch.set_num_threads(threads)
    assert [r["seed"] for r in par] == [3, 0]
    assert [r["concurrent_runs"] for r in par] == [2, 2]
    assert [r["threads"] for r in par] == [1, 1]
    for p, a in zip(par, alone, strict=True):
        p, a = _strip_timing(p), _strip_timing(a)
        p.pop("concurrent_runs"), a.pop("concurrent_runs")
        assert p == a
    assert par[0]["history"] != par[1]["history"]


def test_one_seed_trains_in_this_process(monkeypatch, tiny_data, tiny_profile):
    from vgmodels import seeds

    calls, real = [], seeds.train_case

    def spy(case, profile, seed, device, data, epochs=None):
        calls.append((os.getpid(), case.id, seed, epochs))
        return real(case, profile, seed, device, data, epochs=epochs)

    monkeypatch.setattr(seeds, "train_case", spy)
    (rec,) = train_seeds(REMEDIES["relu"], tiny_profile, [1], CPU, tiny_data, epochs=1)
    # a call in a forked worker would land in the worker's copy of `calls`, not in this one
    assert calls == [(os.getpid(), "relu", 1, 1)]
    assert (rec["seed"], rec["epochs_run"], rec["concurrent_runs"]) == (1, 1, 1)
    assert rec["threads"] == torch.get_num_threads()
