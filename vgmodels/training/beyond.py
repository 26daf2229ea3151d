"""The trainer's hooks for the remedies beyond the sources: LSUV set-up and the Jacobian probe.

A Run calls `setup` once its model is built, `after_epoch` at each epoch's end (outside the
timed epoch) and `record_fields` when it writes its record; each does nothing for a config
that asks for neither LSUV nor the Jacobian, so those records are unchanged.
"""

from __future__ import annotations

import time

from vgmodels.device import sync
from vgmodels.models.init import lsuv_
from vgmodels.training.jacobian import PROBE_EPOCHS, jacobian_entry, measurable


def setup(run) -> None:
    """LSUV on the first training batch (timed: its seconds count as training), then the
    Jacobian at initialization."""
    cfg = run.case.model
    run.lsuv_steps, run.lsuv_seconds, run.jacobian = None, None, []
    if cfg.init == "lsuv":
        x = run.data.train.x[: run.case.train.batch_size]
        sync(run.dev)
        t0 = time.perf_counter()
        run.lsuv_steps = lsuv_(run.model, run.model.linears(), x)
        sync(run.dev)
        run.lsuv_seconds = time.perf_counter() - t0
        run.timing["seconds"] += run.lsuv_seconds
    _probe(run, 0)


def _probe(run, epoch: int) -> None:
    n = run.case.model.jacobian_probe
    if n and measurable(run.model):
        run.jacobian.append(jacobian_entry(run.model, run.data.val.x[:n], epoch))


def after_epoch(run, epoch: int) -> None:
    """The Jacobian after the epochs of PROBE_EPOCHS."""
    if epoch in PROBE_EPOCHS:
        _probe(run, epoch)


def record_fields(run) -> dict:
    """Fields added to the record: only those this run's config asked for."""
    out = {}
    if run.lsuv_steps is not None:
        out.update(lsuv_steps=run.lsuv_steps, lsuv_seconds=run.lsuv_seconds)
    if run.case.model.jacobian_probe and measurable(run.model):
        last = len(run.history)
        if last and (not run.jacobian or run.jacobian[-1]["epoch"] != last):
            _probe(run, last)
        out["jacobian"] = run.jacobian
    return out
