"""The one queue of trainings: the benchmark's runs, a case's seeds and the sweeps all submit here.

Runs are queued at once, the costliest first (FLOPs per sample times epochs): the last to start
are short ones, so the workers finish together. Two ways to train what is queued, one interface:

- `RayQueue`: Ray tasks (`vgmodels.runs.tasks`), one single-threaded run per CPU, on a local
  cluster started here or the cluster at `address`; `ray.wait` yields runs as they finish.
- `LocalQueue`: one run after another in this process on all its threads (one core,
  `VG_WORKERS=1`, an accelerator), a case's seeds stacked into one model where `stacks` says so.

Either way each finished run's record goes to `on_record(job, record)`, is then written at once,
atomically, into `folder` (`vgmodels.runs.folder.save`), and is shown by `progress`. A run that
fails (its exception, or its worker lost after Ray's retries) is reported by name and raised by
`collect`; it is never silently missing. Scheduling never changes a run's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import ray
except ImportError:  # only runs at once need Ray; the local queue (a GPU, one core) runs without it
    ray = None
import torch

from vgmodels.data import Dataset
from vgmodels.device import default_cpus
from vgmodels.models import flops_per_sample
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.runs import cluster
from vgmodels.runs.folder import save
from vgmodels.runs.progress import Progress
from vgmodels.runs.tasks import cpu_probes, data_arrays, train_task
from vgmodels.runs.workers import stacks
from vgmodels.training.schedules import case_phases
from vgmodels.training.stacked import train_stacked
from vgmodels.training.trainer import train_case

TICK = 1.0  # seconds between redraws of a live progress line while waiting for a run


@dataclass(frozen=True, eq=False)
class Job:
    """One training: its key, case, profile (its epochs included) and seed; `name` is its record's
    file name in the runs folder (default CASE-sSEED); `on_epoch` runs where it trains, after
    every epoch."""

    key: Hashable
    case: Case
    profile: Profile
    seed: int
    name: str | None = None
    on_epoch: Callable[[dict], None] | None = None

    @property
    def label(self) -> str:
        return self.name or f"{self.case.id} s{self.seed}"


def cost(case: Case, profile: Profile) -> float:
    """A run's FLOPs per training sample summed over its epochs: the order of the queue."""
    phases = case_phases(case, profile)
    return sum(flops_per_sample(case.model, p.active_depth, p.trainable) * p.epochs for p in phases)


class Queue:
    """Runs queued at once, costliest first, handed over as they finish (see the module)."""

    where, workers = "", 1

    def __init__(
        self,
        data: Dataset,
        device: torch.device,
        folder: Path | None = None,
        progress: Progress | None = None,
        on_record: Callable[[Job, dict], None] | None = None,
    ):
        self.data, self.device, self.folder = data, torch.device(device), folder
        self.progress, self.on_record = progress, on_record
        self.jobs: dict[Hashable, Job] = {}
        self.waiting: list[Hashable] = []  # queued, not finished, in queue order
        self.done: dict = {}  # key -> record, or the exception the run failed with

    @property
    def pending(self) -> list[Hashable]:
        return list(self.waiting)

    def submit(self, jobs: list[Job]) -> None:
        """Queue `jobs`, the costliest first, and print the plan line."""
        costs = {id(j): cost(j.case, j.profile) for j in jobs}
        jobs = sorted(jobs, key=lambda j: costs[id(j)], reverse=True)
        for j in jobs:
            if j.key in self.jobs:
                raise ValueError(f"run {j.key!r} queued twice")
            self.jobs[j.key] = j
            self.waiting.append(j.key)
        if self.progress is not None and jobs:
            plan = [(j.key, j.label, costs[id(j)]) for j in jobs]
            self.progress.plan(plan, self.workers, self.where)
        self._queue(jobs)

    def _queue(self, jobs: list[Job]) -> None:
        """Start what the backend starts at once."""

    def _next(self, wanted: list[Hashable] | None) -> None:
        """Train or wait until at least one more run (of `wanted`, where it can choose) is done."""
        raise NotImplementedError

    def _finish(self, key: Hashable, result) -> None:
        job = self.jobs[key]
        self.waiting.remove(key)
        if isinstance(result, dict):
            if self.on_record is not None:
                self.on_record(job, result)
            if self.folder is not None:
                save(self.folder, result, job.name)
        self.done[key] = result
        if self.progress is not None:
            self.progress.finished(key, result)

    def as_finished(self) -> Iterator[tuple[Hashable, dict | BaseException]]:
        """Every queued run as it finishes: (key, its record or the exception it failed with)."""
        while self.waiting or self.done:
            if not self.done:
                self._next(None)
            key = next(iter(self.done))
            yield key, self.done.pop(key)

    def collect(self, keys: list[Hashable]) -> list[dict]:
        """The records of `keys` in that order, training or waiting for those not done; a run
        that failed raises its exception here."""
        unknown = [k for k in keys if k not in self.done and k not in self.waiting]
        if unknown:
            raise KeyError(f"runs never queued (or collected already): {unknown}")
        while any(k not in self.done for k in keys):
            self._next([k for k in keys if k not in self.done])
        out = [self.done.pop(k) for k in keys]
        for r in out:
            if isinstance(r, BaseException):
                raise r
        return out

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RayQueue(Queue):
    """Each run a Ray task, single-threaded, on the cluster at `address` or on a local one of
    `workers` CPUs started here (and stopped on close); a cluster already joined is used as is."""

    def __init__(
        self,
        data: Dataset,
        device: torch.device,
        workers: int | None = None,
        address: str | None = None,
        gpus_per_run: float = 0.0,
        **kw,
    ):
        super().__init__(data, device, **kw)
        self.owns = False
        if ray is None:  # ClusterError: one line saying how to run without it
            cluster.connect(address, workers)
        if address or ray.is_initialized():  # ClusterError: one line, nothing started
            self.owns = cluster.connect(address, workers)
            cpus = cluster.cluster_cpus()
            self.workers = cpus if address or not workers else min(cpus, workers)
        else:  # a local cluster of `workers` CPUs, started once the plan line is out
            self.workers = workers or default_cpus()
        self.where = f"Ray cluster at {address}" if address else "local Ray cluster"
        self.task = train_task.options(num_gpus=gpus_per_run) if gpus_per_run else train_task
        self.refs: dict = {}  # ObjectRef -> key
        self.submitted, self.data_ref, self.probes = 0, None, None

    def _queue(self, jobs: list[Job]) -> None:
        if self.data_ref is None:
            self.owns = cluster.connect(None, self.workers) or self.owns
            self.data_ref = ray.put(data_arrays(self.data))  # once: every task maps this object
            self.probes = cpu_probes() if self.device.type == "cpu" else None
        self.submitted += len(jobs)
        for j in jobs:
            ref = self.task.remote(
                j.case, j.profile, j.seed, self.data_ref, self.device.type, self.probes, j.on_epoch
            )
            self.refs[ref] = j.key
        self._show_training()

    def _show_training(self) -> None:
        if self.progress is not None:  # Ray starts tasks in the order they were queued
            self.progress.now_training(self.waiting[: self.workers])

    def _take(self, ref) -> None:
        key = self.refs.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayTaskError as e:  # the run's own exception, re-raised by collect
            result = e.as_instanceof_cause()
        except ray.exceptions.RayError as e:  # the worker died more often than Ray retries
            result = e
        else:
            result["concurrent_runs"] = min(self.workers, self.submitted)
        self._finish(key, result)
        self._show_training()

    def _next(self, wanted: list[Hashable] | None) -> None:
        ready: list = []
        while not ready:
            ready, _ = ray.wait(list(self.refs), num_returns=1, timeout=TICK)
            if not ready and self.progress is not None:
                self.progress.tick()
        self._take(ready[0])

    def drain(self) -> None:
        """Hand over every run finished by now, without waiting for the rest."""
        if self.refs:
            ready, _ = ray.wait(list(self.refs), num_returns=len(self.refs), timeout=0)
            for ref in ready:
                self._take(ref)

    def close(self) -> None:
        """Save what has finished (an interrupted session keeps it); stop a cluster started here."""
        try:
            self.drain()
        finally:
            super().close()
            if self.owns:
                cluster.stop()


class LocalQueue(Queue):
    """One run after another in this process, when collected (or in queue order)."""

    where = "one after another in this process"

    def _next(self, wanted: list[Hashable] | None) -> None:
        keys = [k for k in (wanted or self.waiting) if k in self.waiting]
        job = self.jobs[keys[0]]
        group = [self.jobs[k] for k in keys]
        group = [j for j in group if j.case == job.case and j.profile == job.profile]
        if self.progress is not None:
            self.progress.now_training([j.key for j in group] if len(group) > 1 else [job.key])
        if stacks(job.case, len(group), self.device):
            self._stacked(group)
            return
        tick = (lambda _row: self.progress.tick()) if self.progress is not None else None
        try:
            rec = train_case(
                job.case,
                job.profile,
                job.seed,
                self.device,
                self.data,
                on_epoch=_both(job.on_epoch, tick),
            )
        except Exception as e:  # reported by name, raised by collect
            rec = e
        self._finish(job.key, rec)

    def _stacked(self, group: list[Job]) -> None:
        by_seed = {j.seed: j.key for j in group}
        try:
            train_stacked(
                group[0].case,
                group[0].profile,
                list(by_seed),
                self.device,
                self.data,
                on_record=lambda rec: self._finish(by_seed[rec["seed"]], rec),
            )
        except Exception as e:
            for key in by_seed.values():
                if key in self.waiting:
                    self._finish(key, e)


def _both(first, second):
    """Call both hooks (either may be None)."""
    hooks = [h for h in (first, second) if h is not None]
    if not hooks:
        return None
    return lambda row: [h(row) for h in hooks] and None


def start(address: str | None = None, cpus: int | None = None) -> int:
    """Join `address` or start a local cluster of `cpus` CPUs (kept running); its CPUs."""
    cluster.connect(address, cpus)
    return cluster.cluster_cpus()


stop = cluster.stop
