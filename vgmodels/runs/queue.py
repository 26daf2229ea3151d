"""Many trainings at once: Ray tasks on a local cluster (or one at an address).

The one engine for the benchmark's runs (every case and seed of a session), the seeds of a case
and the sweeps. A step of the 7 x 128 MLP is a chain of small products (512 x 128 x 128) and
elementwise ops; split over two threads each op waits for both, so two threads run an epoch only
about 1.5x faster than one. Separate single-threaded runs share the cores with no such waits.
Each task is one unchanged call of `train_case` with one thread, so a record is the one the same
single-threaded run gives alone; only its timing fields and `concurrent_runs` tell them apart.

Plain tasks, not Ray Tune or a pool of actors: every run is one call with a fixed budget, a task
per run lets Ray hand the next run to whichever core frees first, and `ray.wait` yields runs as
they finish, so each record is written the moment it exists.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path

import ray
import torch

from vgmodels.data import Dataset, Split
from vgmodels.device import default_cpus, resolve_device
from vgmodels.models import flops_per_sample
from vgmodels.models.onednn_linear import use_onednn
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.training.flops import inherit_peak, matmul_peak_gflops
from vgmodels.training.schedules import phases_for
from vgmodels.training.trainer import train_case


def start(address: str | None = None, cpus: int | None = None) -> int:
    """Connect to `address`, or start a local cluster of `cpus` CPUs; returns the cluster's CPUs.

    A cluster this process already joined is reused as it is.
    """
    cpus = cpus or default_cpus()
    if not ray.is_initialized():
        quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        if address:
            package = str(Path(__file__).resolve().parent)  # the same code on every node
            ray.init(address=address, runtime_env={"py_modules": [package]}, **quiet)
        else:
            ray.init(address="local", num_cpus=cpus, **quiet)
    return int(ray.cluster_resources().get("CPU", cpus))


def stop() -> None:
    """Stop the local cluster (or leave a remote one)."""
    ray.shutdown()


def data_arrays(data: Dataset) -> dict:
    """The splits as numpy arrays: Ray maps them from the object store without a copy."""
    out = {"source": data.source}
    for name in ("train", "val", "test"):
        split = getattr(data, name)
        out[name] = (split.x.cpu().numpy(), split.y.cpu().numpy())
    return out


def dataset(arrays: dict) -> Dataset:
    """The Dataset over `data_arrays`' arrays, sharing their memory."""
    with warnings.catch_warnings():  # read-only object-store memory; training never writes it
        warnings.simplefilter("ignore", UserWarning)
        splits = [
            Split(*(torch.from_numpy(a) for a in arrays[n])) for n in ("train", "val", "test")
        ]
    return Dataset(*splits, arrays["source"])


def cpu_probes() -> dict:
    """The once-per-process CPU probes, made here on an idle machine for every worker: the Linear
    kernel (a worker probing while others train could pick another one, and the kernel moves the
    last bits of every number) and the fp32 peak that MFU divides by."""
    return {"linear": "onednn" if use_onednn() else "aten", "peak": matmul_peak_gflops("cpu")}


@ray.remote(num_cpus=1)
def train_task(case: Case, profile: Profile, seed: int, arrays: dict, device: str = "auto",
               epochs: int | None = None, probes: dict | None = None) -> dict:  # fmt: skip
    """One training in a Ray worker, single-threaded (Ray counts the task as one CPU)."""
    torch.set_num_threads(1)
    if probes:
        os.environ["VG_LINEAR"] = probes["linear"]  # read once per worker, by use_onednn
        inherit_peak("cpu", probes["peak"])
    return train_case(case, profile, seed, device, dataset(arrays), epochs=epochs)


def cost(case: Case, profile: Profile, epochs: int | None = None) -> float:
    """A run's FLOPs per training sample summed over its epochs: the order of the queue."""
    p = profile.with_epochs(epochs)
    cfg, tc = case.model, case.train
    phases = phases_for(tc.schedule, p.epochs_for(cfg.recurrent), cfg.depth, p.exact_layerwise,
                        tc.budget)  # fmt: skip
    return sum(flops_per_sample(cfg, ph.active_depth, ph.trainable) * ph.epochs for ph in phases)


class Runs:
    """Trainings submitted at once, longest first, and collected by key as they finish.

    `on_record(key, record)` gets every record the moment this process sees it finish, whichever
    key is being waited for; each record's `concurrent_runs` is the number of runs that could
    train at the same time (the cluster's CPUs, or fewer runs).
    """

    def __init__(self, data: Dataset, cpus: int, device: str = "auto",
                 on_record: Callable[[Hashable, dict], None] | None = None, gpus_per_run: float = 0.0):  # fmt: skip
        self.data_ref = ray.put(data_arrays(data))  # once: every task maps the same object
        self.cpus, self.device, self.on_record = cpus, device, on_record
        self.probes = cpu_probes() if resolve_device(device).type == "cpu" else None
        self.task = train_task.options(num_gpus=gpus_per_run) if gpus_per_run else train_task
        self.pending: dict = {}  # ObjectRef -> key
        self.done: dict = {}  # key -> record, or the exception the run raised
        self.submitted = 0

    def submit(self, runs: list[tuple[Hashable, Case, Profile, int, int | None]]) -> None:
        """Queue (key, case, profile, seed, epochs) runs, the costliest first: the last to start
        are short ones, so the cores finish together."""
        self.submitted += len(runs)
        for key, case, profile, seed, epochs in sorted(
            runs, key=lambda r: cost(r[1], r[2], r[4]), reverse=True
        ):
            ref = self.task.remote(case, profile, seed, self.data_ref, self.device, epochs,
                                   self.probes)  # fmt: skip
            self.pending[ref] = key

    def _take(self, ref) -> None:
        key = self.pending.pop(ref)
        try:
            rec = ray.get(ref)
        except ray.exceptions.RayTaskError as e:  # the run's own exception, re-raised by collect
            self.done[key] = e.as_instanceof_cause()
            return
        except ray.exceptions.RayError as e:  # the worker died (killed, out of memory, ...)
            self.done[key] = e
            return
        rec["concurrent_runs"] = min(self.cpus, self.submitted)
        self.done[key] = rec
        if self.on_record is not None:
            self.on_record(key, rec)

    def next(self) -> tuple[Hashable, dict | BaseException]:
        """The next run to finish: (key, record or the exception it raised)."""
        (ref,), _ = ray.wait(list(self.pending), num_returns=1)
        key = self.pending[ref]
        self._take(ref)
        return key, self.done.pop(key)

    def drain(self) -> None:
        """Hand over every run finished by now (to `on_record`) without waiting for the rest."""
        if self.pending:
            ready, _ = ray.wait(list(self.pending), num_returns=len(self.pending), timeout=0)
            for ref in ready:
                self._take(ref)

    def collect(self, keys: list[Hashable]) -> list[dict]:
        """The records of `keys` in that order, waiting for those still running; a run that
        failed raises its exception here."""
        while any(k not in self.done for k in keys):
            (ref,), _ = ray.wait(list(self.pending), num_returns=1)
            self._take(ref)
        out = [self.done.pop(k) for k in keys]
        for r in out:
            if isinstance(r, BaseException):
                raise r
        return out
