"""How runs share a machine: how many train at once, and whether a case's seeds stack.

On a CPU with two or more cores, runs train at once as single-threaded Ray tasks
(`vgmodels.runs.queue`), as many as there are cores: measured on 2 cores, two single-threaded runs
of baseline took 0.47-0.56 s per epoch each against 0.28-0.33 s for one run on both threads, so
the pair delivers about 1.17x the epochs. On a GPU (or MPS) the seeds of a case train as one
stacked model where the case allows (`vgmodels.training.stacked`), else one after another in this
process, as on one core or for one run. `VG_WORKERS=1` turns concurrency off; `VG_STACK=0` turns
stacking off.
"""

from __future__ import annotations

import os

import torch

from vgmodels.device import default_cpus
from vgmodels.remedies import Case
from vgmodels.training.stacked import stackable


def workers_for(
    n_runs: int, device: torch.device, cores: int | None = None, cap: int | None = None
) -> int:
    """How many runs train at once: the cores (or `cap`, else `VG_WORKERS`) on a CPU, else 1."""
    env = os.environ.get("VG_WORKERS", "")
    if env and not (env.isdigit() and int(env) >= 1):
        raise ValueError(f"VG_WORKERS={env!r}: accepted a whole number of runs at once, 1 = off")
    cap = cap or (int(env) if env else (cores or default_cpus()))
    if device.type != "cpu" or n_runs < 2 or cap < 2:
        return 1
    return min(n_runs, cap)


def stacks(case: Case, n_seeds: int, device: torch.device) -> bool:
    """Whether the seeds of `case` train as one stacked model: on an accelerator, 2+ seeds."""
    env = os.environ.get("VG_STACK", "")
    if env not in ("", "0", "1"):
        raise ValueError(f"VG_STACK={env!r}: accepted 1 (stack where a case allows) or 0 (off)")
    on = env == "1" or (env == "" and device.type != "cpu")
    return on and n_seeds > 1 and stackable(case)
