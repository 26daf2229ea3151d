"""The trainer: one case, one seed, under a profile -> the full record (a JSON-safe dict)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch import nn

from . import metrics
from .data import Dataset, load_fashion_mnist
from .linear import use_onednn
from .loop import evaluate, train_epoch
from .models import build, flops_per_sample, layer_weights
from .optimizers import make_optimizer
from .perf import matmul_peak_gflops, resolve_device
from .probes import layer_probe, time_probe
from .profiles import Profile
from .record import make_record
from .remedies import Case
from .schedules import Phase, phases_for
from .timing import sync

__all__ = ["train_case", "make_optimizer", "evaluate"]


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


def train_case(
    case: Case,
    profile: Profile,
    seed: int = 0,
    device: str | torch.device = "auto",
    data: Dataset | None = None,
    epochs: int | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    flush_denormal: bool = True,
) -> dict:
    """Train `case` under `profile` with `seed`; returns the record of DESIGN.md."""
    started, t_run = time.time(), time.perf_counter()
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    profile = profile.with_epochs(epochs)
    if data is None:
        data = load_fashion_mnist(
            n_train=profile.n_train, n_val=profile.n_val, n_test=profile.n_test
        )
    data = data.to(dev)
    kernel = "onednn" if dev.type == "cpu" and use_onednn() else "aten"  # probed before timing
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
    opt = make_optimizer(model.parameters(), tc)
    budget = profile.epochs_for(cfg.recurrent)
    phases = phases_for(tc.schedule, budget, cfg.depth, profile.exact_layerwise, tc.budget)
    n_train, bs = len(data.train), tc.batch_size
    sched = None
    if tc.lr_schedule == "onecycle":
        total = math.ceil(n_train / bs) * sum(p.epochs for p in phases)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tc.lr, total_steps=total)
    gen = torch.Generator(device=dev).manual_seed(seed)
    probe_x, probe_y = data.val.x[: profile.probe_size], data.val.y[: profile.probe_size]
    loss_fn = nn.CrossEntropyLoss(label_smoothing=tc.label_smoothing)

    history: list[dict] = []
    timing = {"seconds": 0.0, "flops": 0.0, "diverged": False}
    for phase in phases:
        if phase.grow:  # a bigger network: a new output layer and a new optimizer, fresh state
            model.new_head()
            opt = make_optimizer(model.parameters(), tc)
        learning = apply_phase(model, phase)
        weights = layer_weights(model)
        mask = [i in learning for i in range(len(weights))]
        grown = [i < phase.active_depth or i == len(weights) - 1 for i in range(len(weights))]
        flops_epoch = flops_per_sample(cfg, phase.active_depth, phase.trainable) * n_train
        for _ in range(phase.epochs):
            before = [w.detach().clone() for w in weights]
            sync(dev)
            t0 = time.perf_counter()
            sums = train_epoch(
                model, opt, data.train, bs, gen, loss_fn, weights, learning, tc.clip_norm, sched
            )
            sync(dev)
            seconds = time.perf_counter() - t0
            timing["seconds"] += seconds
            timing["flops"] += flops_epoch
            train_loss = sums.loss.item() / n_train  # the epoch's one host sync
            val_loss, val_acc = evaluate(model, data.val)
            row = {
                "epoch": len(history) + 1,
                "phase": phase.name,
                "lr": opt.param_groups[0].get("lr", opt.param_groups[0].get("radius")),
                "train_loss": metrics.finite_or_none(train_loss),
                "train_acc": sums.correct.item() / n_train,
                "val_loss": metrics.finite_or_none(val_loss),
                "val_acc": val_acc,
                "grad_norm": _json_list(sums.grad_norm / math.ceil(n_train / bs), mask),
                "update_ratio": _json_list(
                    metrics.update_ratio(before, [w.detach() for w in weights]), grown
                ),
                "seconds": seconds,
            }
            if cfg.recurrent:
                row["grad_norm_time"] = time_probe(model, probe_x, probe_y)
            else:
                row.update(layer_probe(model, probe_x, cfg.activation, cfg.depth))
            history.append(row)
            if on_epoch is not None:
                on_epoch(row)
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                timing["diverged"] = True
                break
        if timing["diverged"]:
            break

    timing["peak"] = matmul_peak_gflops(dev.type)
    test = evaluate(model, data.test)
    timing.update(run_seconds=time.perf_counter() - t_run, started_at=started, finished_at=time.time())
    return make_record(
        case, profile, seed, dev, data, phases, history, test, timing, flush_denormal, kernel
    )
