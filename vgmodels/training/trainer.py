"""The trainer: one case, one seed, under a profile -> the full record (a JSON-safe dict)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch import nn

from vgmodels.data import Dataset, load_fashion_mnist
from vgmodels.device import resolve_device, sync
from vgmodels.models import build, flops_per_sample, layer_weights
from vgmodels.models.onednn_linear import use_onednn
from vgmodels.optim.factory import make_optimizer
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.training import beyond, metrics
from vgmodels.training.cuda_graphs import graphs_on
from vgmodels.training.flops import matmul_peak_gflops
from vgmodels.training.loop import EpochSums, evaluate, stepper, train_epoch
from vgmodels.training.probes import layer_probe, time_probe
from vgmodels.training.record import make_record
from vgmodels.training.schedules import Phase, case_phases

__all__ = ["Run", "train_case", "make_optimizer", "evaluate"]


def apply_phase(model: nn.Module, phase: Phase) -> list[int]:
    """Grow and freeze as the phase says; the indices (into layer_weights) of the weights that learn."""
    model.active_depth = phase.active_depth
    n = len(layer_weights(model))
    if not hasattr(model, "hidden"):  # no layer-wise schedule for this model: all learn
        return list(range(n))
    learning = []
    for i, layer in enumerate(model.hidden):
        on = i in phase.trainable and i < phase.active_depth
        layer.requires_grad_(on)
        learning += [i] if on else []
    return learning + [n - 1]  # the head always learns


def _json_list(t: torch.Tensor, mask: list[bool]) -> list[float | None]:
    return [metrics.finite_or_none(v) if m else None for v, m in zip(t.tolist(), mask, strict=True)]


class Run:
    """One seed of one case under a profile: its model, optimizer, schedule, history and timing.

    `train_case` drives one Run epoch by epoch; `vgmodels.training.stacked` drives several in lockstep, their
    models' weights stacked into one. Either way each epoch ends in `end_epoch` and the run in
    `finish`, so a record is made the same way whoever trained it.
    """

    def __init__(
        self,
        case: Case,
        profile: Profile,
        seed: int = 0,
        device: str | torch.device = "auto",
        data: Dataset | None = None,
        on_epoch: Callable[[dict], None] | None = None,
        flush_denormal: bool = True,
    ):
        self.started, self.t_run = time.time(), time.perf_counter()
        dev = device if isinstance(device, torch.device) else resolve_device(device)
        if data is None:
            data = load_fashion_mnist(
                n_train=profile.n_train, n_val=profile.n_val, n_test=profile.n_test
            )
        data = data.to(dev)
        # probed before timing
        self.kernel = "onednn" if dev.type == "cpu" and use_onednn() else "aten"
        if dev.type == "cpu":
            # saturated sigmoids produce denormal floats that slow CPU arithmetic several-fold
            torch.set_flush_denormal(flush_denormal)
        else:  # fp32 as on the CPU: no TF32 in cuDNN's recurrent layers or cuBLAS products
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
        torch.manual_seed(seed)
        cfg, tc = case.model, case.train
        model = build(cfg)
        if cfg.standardize_input:
            model.set_input_stats(data.train.x.mean().item(), data.train.x.std().item())
        model.to(dev)
        self.case, self.profile, self.seed, self.dev, self.data = case, profile, seed, dev, data
        self.model, self.on_epoch, self.flush_denormal = model, on_epoch, flush_denormal
        # recurrent steps stay eager: cuDNN's fused layers are not captured here (and cost little)
        self.graphs = graphs_on(dev) and not case.model.recurrent
        self.opt = make_optimizer(model.parameters(), tc, self.graphs)
        self.phases = case_phases(case, profile)
        self.n_train = len(data.train)
        self.steps = math.ceil(self.n_train / tc.batch_size)
        self.sched = None
        if tc.lr_schedule == "onecycle":
            self.sched = self.onecycle(self.opt)
        self.gen = torch.Generator(device=dev).manual_seed(seed)
        self.probe_x = data.val.x[: profile.probe_size]
        self.probe_y = data.val.y[: profile.probe_size]
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=tc.label_smoothing)
        self.history: list[dict] = []
        self.timing = {"seconds": 0.0, "flops": 0.0, "diverged": False}
        beyond.setup(self)  # LSUV and the Jacobian at initialization, where the config asks

    def onecycle(self, opt: torch.optim.Optimizer) -> torch.optim.lr_scheduler.OneCycleLR:
        """The one-cycle schedule over every step of every phase, on `opt`."""
        total = self.steps * sum(p.epochs for p in self.phases)
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=self.case.train.lr, total_steps=total
        )

    def begin_phase(self, phase: Phase) -> None:
        """Grow and freeze as the phase says (a new head takes a new optimizer, fresh state)."""
        if phase.grow:
            self.model.new_head()
            self.opt = make_optimizer(self.model.parameters(), self.case.train, self.graphs)
        self.learning = apply_phase(self.model, phase)
        self.weights = layer_weights(self.model)
        n = len(self.weights)
        self.mask = [i in self.learning for i in range(n)]
        self.grown = [i < phase.active_depth or i == n - 1 for i in range(n)]
        self.phase = phase
        tc = self.case.train
        self.stepper = stepper(
            self.model,
            self.opt,
            self.data.train,
            self.loss_fn,
            self.weights,
            self.learning,
            tc.clip_norm,
            self.sched,
            self.graphs,
        )
        flops = flops_per_sample(self.case.model, phase.active_depth, phase.trainable)
        self.flops_epoch = flops * self.n_train

    def snapshot(self) -> list[torch.Tensor]:
        """The layers' weights before an epoch (for its update ratios)."""
        return [w.detach().clone() for w in self.weights]

    def train_epoch(self) -> EpochSums:
        """One epoch of this run alone."""
        bs = self.case.train.batch_size
        return train_epoch(self.model, self.stepper, self.data.train, bs, self.gen)

    def end_epoch(self, sums: EpochSums, seconds: float, before: list[torch.Tensor]) -> bool:
        """Evaluate, probe and record the epoch just trained; True when the run diverged."""
        self.timing["seconds"] += seconds
        self.timing["flops"] += self.flops_epoch
        train_loss = sums.loss.item() / self.n_train  # the epoch's one host sync
        val_loss, val_acc = evaluate(self.model, self.data.val)
        group = self.opt.param_groups[0]
        row = {
            "epoch": len(self.history) + 1,
            "phase": self.phase.name,
            "lr": group.get("lr", group.get("radius")),
            "train_loss": metrics.finite_or_none(train_loss),
            "train_acc": sums.correct.item() / self.n_train,
            "val_loss": metrics.finite_or_none(val_loss),
            "val_acc": val_acc,
            "grad_norm": _json_list(sums.grad_norm / self.steps, self.mask),
            "update_ratio": _json_list(
                metrics.update_ratio(before, [w.detach() for w in self.weights]), self.grown
            ),
            "seconds": seconds,
        }
        cfg = self.case.model
        if cfg.recurrent:
            row["grad_norm_time"] = time_probe(self.model, self.probe_x, self.probe_y)
        else:
            row.update(layer_probe(self.model, self.probe_x, cfg.activation, cfg.depth))
        self.history.append(row)
        beyond.after_epoch(self, row["epoch"])
        if self.on_epoch is not None:
            self.on_epoch(row)
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
            self.timing["diverged"] = True
        return self.timing["diverged"]

    def finish(self) -> dict:
        """Test the model as it stands and return the record of DESIGN.md."""
        timing = self.timing
        timing["peak"] = matmul_peak_gflops(self.dev.type)
        test = evaluate(self.model, self.data.test)
        timing.update(
            run_seconds=time.perf_counter() - self.t_run,
            started_at=self.started,
            finished_at=time.time(),
        )
        record = make_record(
            self.case,
            self.profile,
            self.seed,
            self.dev,
            self.data,
            self.phases,
            self.history,
            test,
            timing,
            self.flush_denormal,
            self.kernel,
        )
        return {**record, **beyond.record_fields(self)}


def timed(dev: torch.device, fn: Callable):
    """(fn(), its seconds on the wall clock), the device synchronized on both sides."""
    sync(dev)
    t0 = time.perf_counter()
    out = fn()
    sync(dev)
    return out, time.perf_counter() - t0


def train_case(
    case: Case,
    profile: Profile,
    seed: int = 0,
    device: str | torch.device = "auto",
    data: Dataset | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    flush_denormal: bool = True,
) -> dict:
    """Train `case` under `profile` with `seed`; returns the record of DESIGN.md."""
    run = Run(case, profile, seed, device, data, on_epoch, flush_denormal)
    for phase in run.phases:
        run.begin_phase(phase)
        for _ in range(phase.epochs):
            before = run.snapshot()
            sums, seconds = timed(run.dev, run.train_epoch)
            if run.end_epoch(sums, seconds, before):
                return run.finish()
    return run.finish()
