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
import sys
import time
from pathlib import Path

import ray  # noqa: F401 - the cluster the runs go to (sweep.py stops it through here)

from vgmodels.data import Dataset
from vgmodels.results import write_json_atomic
from vgmodels.runs import queue as engine
from vgmodels.sweep.grids import Run


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


def start_ray(address: str | None, cpus: int) -> int:
    """Connect to `address`, or start a local cluster of `cpus` CPUs; returns the cluster's CPUs."""
    return engine.start(address, cpus)


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
    by_key = {r.key: r for r in runs}
    queue = engine.Runs(data, cluster_cpus, "auto", gpus_per_run=gpus_per_run)
    queue.submit([(r.key, r.case, r.profile, r.seed, None) for r in runs])
    progress, written, failed = Progress(len(runs)), 0, 0
    try:
        while queue.pending:
            key, rec = queue.next()
            if isinstance(rec, BaseException):
                failed += 1
                progress.done(key, f"failed: {str(rec).strip().splitlines()[-1][:200]}")
                continue
            rec["sweep"] = {**by_key[key].sweep, "started_at": rec["started_at"],
                            "finished_at": rec["finished_at"], "session": session,
                            "cluster_cpus": cluster_cpus}  # fmt: skip
            write_json_atomic(record_path(out, by_key[key]), rec)
            written += 1
            progress.done(key, _status(rec))
    finally:
        progress.close()
    return written, failed

