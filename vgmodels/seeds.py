"""Several seeds of one case at once: one forked single-thread process per seed.

A training step of the 7 x 128 MLP is a chain of small products (512 x 128 x 128) and elementwise
ops; split over two threads, each one waits on the other at every op. Run as separate
single-threaded processes, two or three seeds share the cores with no such waits: on 2 cores,
3 seeds of 5 epochs trained in 0.72-0.83x the time of training them one after another. Each seed
is still a separate, unchanged run of `train_case`, so its record is the one a single-threaded
run gives alone (only the timing fields differ); the data is shared with the workers by fork, not
copied. Elsewhere (GPU, MPS, one seed, one thread, more threads than seeds) the seeds run one
after another here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

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
    """(processes, threads per process) for `n_seeds` seeds.

    Seeds train at once, one single-threaded process each (at most two per thread), on a CPU
    with 2 to `n_seeds` threads; else one after another in this process, (1, threads). A forked
    worker must stay single-threaded: GNU OpenMP keeps no state across fork, so a team of
    threads started in the child can hang. Wider machines keep their threads for one seed.
    """
    threads = torch.get_num_threads() if threads is None else threads
    env = os.environ.get("VG_SEED_WORKERS", "")
    if env and not env.isdigit():
        raise ValueError(f"VG_SEED_WORKERS={env!r}: accepted a whole number of processes, 1 = off")
    cap = int(env) if env else 2 * threads
    if device.type != "cpu" or not 2 <= threads <= n_seeds or cap < 2:
        return 1, threads
    return min(n_seeds, cap), 1


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
    on_record: Callable[[dict], None] | None = None,
) -> list[dict]:
    """One record per seed, in the order of `seeds`; each record says how many ran at once.

    `on_record` gets each record as soon as its seed finishes, in this process.
    """
    n, per = plan(len(seeds), device) if workers is None else (workers, 1)

    def finished(record: dict) -> dict:
        record["concurrent_runs"] = min(n, len(seeds))
        if on_record is not None:
            on_record(record)
        return record

    if n <= 1:
        records = [
            finished(train_case(case, profile, s, device, data, epochs=epochs)) for s in seeds
        ]
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
                done = {r["seed"]: finished(r) for r in pool.imap_unordered(_train_one, seeds)}
            records = [done[s] for s in seeds]
        finally:
            _JOB.clear()
    return records
