"""Several seeds of one case at once: one forked process per seed, the CPU's threads split among them.

A training step of the 7 x 128 MLP is a chain of small products (512 x 128 x 128) and elementwise
ops; split over two threads, each one waits on the other at every op. Run as separate
single-threaded processes, two or three seeds share the cores with no such waits: on 2 cores,
3 seeds of 5 epochs trained in 0.72-0.83x the time of training them one after another. Each seed is still a
separate, unchanged run of `train_case`, so its record is the one a run with that thread count
gives alone (only the timing fields differ); the data is shared with the workers by fork, not
copied. Elsewhere (GPU, MPS, one seed, one thread) the seeds run one after another here.
"""

from __future__ import annotations

import multiprocessing
import os

import torch
import torch._dynamo  # noqa: F401 - torch.optim imports it on first use (about 2 s): here, once, before the fork

from .data import Dataset
from .linear import use_onednn
from .perf import matmul_peak_gflops
from .profiles import Profile
from .remedies import Case
from .train import train_case

_JOB: dict = {}  # what the forked workers read: case, profile, device, data, threads, epochs


def plan(n_seeds: int, device: torch.device, threads: int | None = None) -> tuple[int, int]:
    """(processes, threads per process) for `n_seeds` seeds: one process per seed on a CPU with
    at least two threads (at most two per thread, so each keeps half a core), else (1, threads)."""
    threads = torch.get_num_threads() if threads is None else threads
    env = os.environ.get("VG_SEED_WORKERS", "")
    if env and not env.isdigit():
        raise ValueError(f"VG_SEED_WORKERS={env!r}: accepted a whole number of processes, 1 = off")
    cap = int(env) if env else 2 * threads
    if device.type != "cpu" or n_seeds < 2 or threads < 2 or cap < 2:
        return 1, threads
    workers = min(n_seeds, cap)
    return workers, max(1, threads // workers)


def _train_one(seed: int) -> dict:
    j = _JOB
    torch.set_num_threads(j["threads"])  # first, before any op runs in the forked process
    return train_case(j["case"], j["profile"], seed, j["device"], j["data"], epochs=j["epochs"])


def train_seeds(
    case: Case,
    profile: Profile,
    seeds: list[int],
    device: torch.device,
    data: Dataset,
    workers: int | None = None,
    epochs: int | None = None,
) -> list[dict]:
    """One record per seed, in the order of `seeds`; each record says how many ran at once."""
    threads = torch.get_num_threads()
    n, per = plan(len(seeds), device) if workers is None else (workers, max(1, threads // workers))
    if n <= 1:
        records = [train_case(case, profile, s, device, data, epochs=epochs) for s in seeds]
    else:
        # probed once here, alone, and inherited by the workers
        matmul_peak_gflops(device.type)
        use_onednn()
        _JOB.update(
            case=case,
            profile=profile,
            device=device,
            data=data.to(device),
            threads=per,
            epochs=epochs,
        )
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(n, maxtasksperchild=1) as pool:
                records = pool.map(_train_one, seeds, chunksize=1)
        finally:
            _JOB.clear()
    for r in records:
        r["concurrent_runs"] = min(n, len(seeds))
    return records
