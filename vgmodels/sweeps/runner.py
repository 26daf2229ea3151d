"""Run a sweep's trainings as Ray tasks; each finished run's record is written at once.

Plain Ray tasks, not Ray Tune: every training is one call of `train_case` with a fixed budget, so
Tune's search algorithms, schedulers and per-trial checkpoints have nothing to do; its
resume (`Tuner.restore`) replays an experiment folder of its own beside ours, where the contract
is that the records in --out are the state; and Tune is an extra (`ray[tune]`, with pyarrow)
that plain `ray` does not install. Tasks give the rest: the grid is a list, `ray.wait` yields
each run as it finishes, a record on disk means "done". The engine only schedules: a run's
numbers are those of the same `train_case` call made alone.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import ray
import torch

from ..data import Dataset, Split
from ..results import write_json_atomic
from ..train import train_case
from .grid import Run


def record_path(out: Path, run: Run) -> Path:
    return Path(out) / f"{run.key}.json"


def _same(a, b) -> bool:
    return json.loads(json.dumps(a)) == json.loads(json.dumps(b))


def is_done(out: Path, run: Run) -> bool:
    """True when --out holds this run's record: same key, seed, config and budget."""
    path = record_path(out, run)
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return False  # absent or unreadable: trained again and replaced
    return (
        isinstance(rec, dict)
        and rec.get("sweep", {}).get("key") == run.key
        and rec.get("seed") == run.seed
        and _same(rec.get("config"), run.case.config())
        and _same(rec.get("profile_config"), run.profile.as_dict())
    )


def data_arrays(data: Dataset) -> dict:
    """The splits as numpy arrays: Ray maps them from the object store without a copy."""
    out = {"source": data.source}
    for name in ("train", "val", "test"):
        split = getattr(data, name)
        out[name] = (split.x.numpy(), split.y.numpy())
    return out


def _dataset(arrays: dict) -> Dataset:
    with warnings.catch_warnings():  # read-only object-store memory; training never writes it
        warnings.simplefilter("ignore", UserWarning)
        splits = [
            Split(*(torch.from_numpy(a) for a in arrays[n])) for n in ("train", "val", "test")
        ]
    return Dataset(*splits, arrays["source"])


@ray.remote(num_cpus=1)
def train_task(run: Run, arrays: dict) -> dict:
    """One training in a Ray worker, single-threaded; the record gains its start and end times."""
    torch.set_num_threads(1)  # one core per task: Ray counts it as 1 CPU
    started = time.time()
    rec = train_case(run.case, run.profile, run.seed, "auto", _dataset(arrays))
    rec["sweep"] = {**run.sweep, "started_at": started, "finished_at": time.time()}
    return rec


def start_ray(address: str | None, cpus: int) -> int:
    """Connect to `address`, or start a local cluster of `cpus` CPUs; returns the cluster's CPUs."""
    quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    if address:
        package = str(Path(__file__).resolve().parent.parent)  # the same code on every node
        ray.init(address=address, runtime_env={"py_modules": [package]}, **quiet)
    else:
        ray.init(address="local", num_cpus=cpus, **quiet)
    return int(ray.cluster_resources().get("CPU", cpus))


class Progress:
    """A tqdm bar over runs on a terminal; one line per finished run otherwise."""

    def __init__(self, total: int):
        self.total, self.n = total, 0
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", file=sys.stderr)

    def done(self, key: str, text: str) -> None:
        self.n += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{key}: {text}")
        else:
            print(f"[{self.n}/{self.total}] {key}: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _status(rec: dict) -> str:
    acc = "diverged" if rec["diverged"] else f"test_acc={rec['test_acc']:.4f}"
    return f"{acc} in {rec['train_seconds']:.1f}s"


def run_all(runs: list[Run], out: Path, data: Dataset, cluster_cpus: int,
            gpus_per_run: float = 0.0) -> tuple[int, int]:  # fmt: skip
    """Train every run on the connected Ray cluster; returns (records written, runs failed)."""
    session = time.strftime("%Y-%m-%dT%H:%M:%S")
    data_ref = ray.put(data_arrays(data))  # once: every task maps the same object
    task = train_task.options(num_gpus=gpus_per_run) if gpus_per_run else train_task
    # longest first: the last runs to start are short ones, so the cores finish together
    order = sorted(runs, key=lambda r: r.case.model.depth * r.profile.epochs, reverse=True)
    pending = {task.remote(r, data_ref): r for r in order}
    progress, written, failed = Progress(len(runs)), 0, 0
    try:
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            run = pending.pop(ref)
            try:
                rec = ray.get(ref)
            except (ray.exceptions.RayError, RuntimeError, ValueError) as e:
                failed += 1
                progress.done(run.key, f"failed: {str(e).strip().splitlines()[-1][:200]}")
                continue
            rec["concurrent_runs"] = min(cluster_cpus, len(runs))
            rec["sweep"].update(session=session, cluster_cpus=cluster_cpus)
            write_json_atomic(record_path(out, run), rec)
            written += 1
            progress.done(run.key, _status(rec))
    finally:
        progress.close()
    return written, failed


def default_cpus() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
