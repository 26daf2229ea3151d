"""One training as a Ray task: the data shared through the object store, one thread, the driver's probes.

A step of the 7 x 128 MLP is a chain of small products (512 x 128 x 128) and elementwise ops;
split over two threads each op waits for both, so two threads run an epoch only about 1.5x faster
than one. Separate single-threaded runs share the cores with no such waits. Each task is one
unchanged call of `train_case` with one thread, so a record is the one the same single-threaded
run gives alone; only its timing fields and `concurrent_runs` tell them apart.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

try:
    import ray
except ImportError:  # only runs at once need Ray; the local queue (a GPU, one core) runs without it
    ray = None
import torch

from vgmodels.data import Dataset, Split
from vgmodels.models.onednn_linear import use_onednn
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.training.flops import inherit_peak, matmul_peak_gflops
from vgmodels.training.trainer import train_case

# A run whose worker process dies (killed, out of memory, a node lost) is started again from its
# first epoch, at most this many times; a run that raises is not retried (it would raise again).
RETRIES = 2


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


def train_task(
    case: Case,
    profile: Profile,
    seed: int,
    arrays: dict,
    device: str = "auto",
    probes: dict | None = None,
    on_epoch: Callable[[dict], None] | None = None,
) -> dict:
    """One training in a Ray worker, single-threaded (Ray counts the task as one CPU)."""
    torch.set_num_threads(1)
    if probes:
        os.environ["VG_LINEAR"] = probes["linear"]  # read once per worker, by use_onednn
        inherit_peak("cpu", probes["peak"])
    return train_case(case, profile, seed, device, dataset(arrays), on_epoch=on_epoch)


if ray is not None:
    train_task = ray.remote(num_cpus=1, max_retries=RETRIES)(train_task)
