"""The seeds of one case: submitted to the one queue, at once where cores allow, else in turn.

How many train at once and whether seeds stack is `vgmodels.runs.workers`; re-exported here for
the callers that decide both for a case.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from vgmodels.data import Dataset
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.runs.queue import Job, LocalQueue, RayQueue
from vgmodels.runs.workers import stacks, workers_for

__all__ = ["stacks", "train_seeds", "workers_for"]


def train_seeds(
    case: Case,
    profile: Profile,
    seeds: list[int],
    device: torch.device,
    data: Dataset,
    workers: int | None = None,
    on_record: Callable[[dict], None] | None = None,
) -> list[dict]:
    """One record per seed, in the order of `seeds`; each record says how many ran at once.

    `on_record` gets each record as soon as its seed finishes, in this process. Several seeds on
    a CPU train as Ray tasks (a local cluster started and stopped here, or the one this process
    joined); one seed, one core or an accelerator train here (stacked where the case allows).
    """
    n = workers_for(len(seeds), device) if workers is None else min(workers, len(seeds))
    hook = (lambda _job, rec: on_record(rec)) if on_record is not None else None
    if n <= 1 or stacks(case, len(seeds), device):
        queue = LocalQueue(data, device, on_record=hook)
    else:
        queue = RayQueue(data, device, n, on_record=hook)
    with queue:
        queue.submit([Job(s, case, profile, s) for s in seeds])
        return queue.collect(list(seeds))
