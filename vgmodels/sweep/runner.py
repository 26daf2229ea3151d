"""A sweep's runs on the one queue: what is left to train, and each finished run written at once.

Plain Ray tasks, not Ray Tune: every training is one call of `train_case` with a fixed budget, so
Tune's search algorithms, schedulers and per-trial checkpoints have nothing to do; its
resume (`Tuner.restore`) replays an experiment folder of its own beside ours, where the contract
is that the records in --out are the state; and Tune is an extra (`ray[tune]`, with pyarrow)
that plain `ray` does not install. The queue gives the rest (`vgmodels.runs.queue`): the grid is
a list, each run's record lands in --out as it finishes (`vgmodels.runs.folder.save`, with the
code version a bench record states), and a rerun trains what the one resume rule
(`vgmodels.runs.folder.reusable`) does not find there, as the benchmark's `--vg-resume` does.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from vgmodels.data import Dataset
from vgmodels.runs import folder
from vgmodels.runs.folder import reusable
from vgmodels.runs.progress import Progress
from vgmodels.runs.queue import Job, LocalQueue, RayQueue
from vgmodels.sweep.grids import GridPoint


def record_path(out: Path, run: GridPoint) -> Path:
    """A sweep run's record in --out: KEY.json."""
    return folder.record_path(out, run.case.id, run.seed, run.key)


def run_device(gpus_per_run: float, device: str = "cpu") -> torch.device:
    """The device type a sweep's runs train on: a GPU where each asks Ray for one or where
    `device` is cuda, else the CPU."""
    return torch.device("cuda" if gpus_per_run or device == "cuda" else "cpu")


def left_to_train(runs: list[GridPoint], out: Path, device: torch.device) -> list[GridPoint]:
    """The runs --out holds no reusable record of (same case, seed, profile, config, code,
    device type)."""
    return [r for r in runs if reusable(out, r.case, r.profile, r.seed, device, r.key) is None]


def run_all(
    runs: list[GridPoint],
    out: Path,
    data: Dataset,
    address: str | None = None,
    cpus: int | None = None,
    gpus_per_run: float = 0.0,
    progress: Progress | None = None,
    device: str = "cpu",
) -> tuple[int, int]:
    """Train every run on Ray (the cluster this process joined, else a local one of `cpus`), or
    with `device` cuda one after another on this machine's GPU, as the benchmark trains there;
    returns (records written, runs failed). A failed run is reported by its key."""
    session = time.strftime("%Y-%m-%dT%H:%M:%S")
    by_key = {r.key: r for r in runs}
    written, failed = 0, 0

    def annotate(job: Job, rec: dict) -> None:
        rec["sweep"] = {
            **by_key[job.key].sweep,
            "started_at": rec["started_at"],
            "finished_at": rec["finished_at"],
            "session": session,
            "cluster_cpus": queue.workers,
        }

    dev = run_device(gpus_per_run, device)
    kw = dict(folder=Path(out), progress=progress, on_record=annotate)
    if device == "cuda":
        queue = LocalQueue(data.to(dev), dev, **kw)
    else:
        queue = RayQueue(data, dev, cpus, address, gpus_per_run, **kw)
    with queue:
        queue.submit([Job(r.key, r.case, r.profile, r.seed, name=r.key) for r in runs])
        for _key, result in queue.as_finished():
            if isinstance(result, BaseException):
                failed += 1
            else:
                written += 1
    return written, failed
