"""The trainer: one case, one seed, under a profile -> the full record (a JSON-safe dict)."""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable

import torch
from torch import nn

from . import metrics
from .data import Dataset, Split, load_fashion_mnist
from .linear import use_onednn
from .models import DeepMLP, flops_per_sample
from .perf import device_name, matmul_peak_gflops, mfu, resolve_device, sync
from .profiles import Profile
from .remedies import Case, TrainConfig
from .schedules import Phase, phases_for

SCHEMA = "vgmodels.record/1"


def make_optimizer(params, tc: TrainConfig) -> torch.optim.Optimizer:
    """The case's optimizer (PyTorch defaults for every setting the case does not name).

    Multi-tensor (foreach) and fused kernels apply the same update rule as the per-parameter loop
    in fewer calls; fused Adam and AdamW are about 2.5x faster per step here and differ from the
    loop only by float rounding.
    """
    if tc.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=tc.lr, momentum=tc.momentum, weight_decay=tc.weight_decay, foreach=True
        )
    if tc.optimizer == "adam":
        return torch.optim.Adam(params, lr=tc.lr, weight_decay=tc.weight_decay, fused=True)
    if tc.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay, fused=True)
    if tc.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=tc.lr, weight_decay=tc.weight_decay, foreach=True)
    raise ValueError(f"unknown optimizer {tc.optimizer!r}; accepted: sgd, adam, adamw, rmsprop")


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, batch: int = 8192) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the model in eval mode over a whole split."""
    model.eval()
    loss, correct = torch.zeros((), device=split.x.device), torch.zeros((), device=split.x.device)
    for i in range(0, len(split), batch):
        logits = model(split.x[i : i + batch])
        y = split.y[i : i + batch]
        loss += nn.functional.cross_entropy(logits.float(), y, reduction="sum")
        correct += (logits.argmax(1) == y).sum()
    n = len(split)
    return loss.item() / n, correct.item() / n


@torch.no_grad()
def probe(model: DeepMLP, x: torch.Tensor, activation: str, depth: int) -> dict[str, list]:
    """Per hidden layer on a fixed batch: activation mean/std, saturation, dead-unit fraction."""
    model.eval()
    record: list = []
    model(x, record)
    out: dict[str, list] = {"act_mean": [], "act_std": [], "saturation": [], "dead": []}
    for z, h in record:
        out["act_mean"].append(metrics.finite_or_none(h.mean().item()))
        out["act_std"].append(metrics.finite_or_none(h.std().item()))
        out["saturation"].append(metrics.saturation(h, activation))
        out["dead"].append(metrics.dead_fraction(z, activation))
    for values in out.values():  # layers not yet grown (greedy schedule) are absent
        values += [None] * (depth - len(values))
    return out


def _apply_phase(model: DeepMLP, phase: Phase) -> list[int]:
    """Freeze and grow as the phase says; returns indices (into model.linears()) that learn."""
    model.active_depth = phase.active_depth
    learning = []
    if hasattr(model, "hidden"):
        for i, layer in enumerate(model.hidden):
            on = i in phase.trainable and i < phase.active_depth
            layer.requires_grad_(on)
            if on:
                learning.append(i)
        learning.append(len(model.hidden))  # the head
    else:
        learning = list(range(len(model.linears())))
    return learning


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
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    profile = profile.with_epochs(epochs)
    if data is None:
        data = load_fashion_mnist(
            n_train=profile.n_train, n_val=profile.n_val, n_test=profile.n_test
        )
    data = data.to(dev)
    # decided (and probed) before any timing starts
    kernel = "onednn" if dev.type == "cpu" and use_onednn() else "aten"
    if dev.type == "cpu":
        # saturated sigmoids produce denormal floats that slow CPU arithmetic several-fold
        torch.set_flush_denormal(flush_denormal)
    torch.manual_seed(seed)
    cfg, tc = case.model, case.train
    model = DeepMLP(cfg)
    if cfg.standardize_input:
        model.set_input_stats(data.train.x.mean().item(), data.train.x.std().item())
    model.to(dev)
    linears = model.linears()
    weights = [m.weight for m in linears]
    n_layers = len(linears)
    opt = make_optimizer(model.parameters(), tc)
    phases = phases_for(tc.schedule, profile.epochs, cfg.depth, profile.exact_layerwise)
    total_epochs = sum(p.epochs for p in phases)
    n_train, bs = len(data.train), tc.batch_size
    steps_per_epoch = math.ceil(n_train / bs)
    sched = None
    if tc.lr_schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=tc.lr, total_steps=steps_per_epoch * total_epochs
        )
    gen = torch.Generator(device=dev).manual_seed(seed)
    probe_x = data.val.x[: profile.probe_size]
    loss_fn = nn.CrossEntropyLoss(label_smoothing=tc.label_smoothing)
    params = [p for p in model.parameters()]

    history: list[dict] = []
    diverged = False
    train_seconds = 0.0
    flops_total = 0.0
    epoch = 0
    for phase in phases:
        learning = _apply_phase(model, phase)
        idx = torch.tensor(learning, device=dev)
        mask = [i in learning for i in range(n_layers)]
        flops_epoch = flops_per_sample(cfg, phase.active_depth, phase.trainable) * n_train
        for _ in range(phase.epochs):
            epoch += 1
            model.train()
            before = [w.detach().clone() for w in weights]
            gn_sum = torch.zeros(n_layers, device=dev)
            loss_sum = torch.zeros((), device=dev)
            correct = torch.zeros((), device=dev, dtype=torch.long)
            sync(dev)
            t0 = time.perf_counter()
            perm = torch.randperm(n_train, device=dev, generator=gen)
            for i in range(0, n_train, bs):
                b = perm[i : i + bs]
                # index_select: about 4x faster than x[b] on the CPU (no advanced-indexing machinery)
                xb, yb = (
                    data.train.x.index_select(0, b),
                    data.train.y.index_select(0, b),
                )  # (B, 784)
                logits = model(xb)
                loss = loss_fn(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                gn_sum.index_add_(
                    0, idx, metrics.grad_norm_per_layer([weights[j].grad for j in learning])
                )
                if tc.clip_norm is not None:
                    nn.utils.clip_grad_norm_(params, tc.clip_norm, foreach=True)
                opt.step()
                if sched is not None:
                    sched.step()
                loss_sum += loss.detach() * len(b)
                correct += (logits.detach().argmax(1) == yb).sum()
            sync(dev)
            seconds = time.perf_counter() - t0
            train_seconds += seconds
            flops_total += flops_epoch
            train_loss = loss_sum.item() / n_train  # the epoch's one host sync
            ratios = metrics.update_ratio(before, [w.detach() for w in weights])
            val_loss, val_acc = evaluate(model, data.val)
            row = {
                "epoch": epoch,
                "phase": phase.name,
                "lr": opt.param_groups[0]["lr"],
                "train_loss": metrics.finite_or_none(train_loss),
                "train_acc": correct.item() / n_train,
                "val_loss": metrics.finite_or_none(val_loss),
                "val_acc": val_acc,
                "grad_norm": _json_list(gn_sum / steps_per_epoch, mask),
                "update_ratio": _json_list(ratios, [True] * n_layers),
                "seconds": seconds,
                **probe(model, probe_x, cfg.activation, cfg.depth),
            }
            history.append(row)
            if on_epoch is not None:
                on_epoch(row)
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                diverged = True
                break
        if diverged:
            break

    test_loss, test_acc = evaluate(model, data.test)
    val_curve = [h["val_acc"] for h in history]
    peak = matmul_peak_gflops(dev.type)
    return {
        "schema": SCHEMA,
        "case": case.id,
        "family": case.family,
        "description": case.description,
        "config": case.config(),
        "profile": profile.name,
        "profile_config": profile.as_dict(),
        "epochs": total_epochs,
        "epochs_run": len(history),
        "phases": [
            {
                "name": p.name,
                "epochs": p.epochs,
                "trainable": list(p.trainable),
                "active_depth": p.active_depth,
            }
            for p in phases
        ],  # fmt: skip
        "seed": seed,
        "device": dev.type,
        "device_name": device_name(dev),
        "threads": torch.get_num_threads(),
        "concurrent_runs": 1,  # train_seeds sets how many seeds shared the machine with this one
        "torch": torch.__version__,
        "python": platform.python_version(),
        "flush_denormal": bool(flush_denormal and dev.type == "cpu"),
        "linear_kernel": kernel,
        "n_train": n_train,
        "n_val": len(data.val),
        "n_test": len(data.test),
        "data_source": data.source,
        "history": history,
        "test_acc": test_acc,
        "test_loss": metrics.finite_or_none(test_loss),
        "best_val_acc": max(val_curve) if val_curve else None,
        "convergence_epoch": metrics.convergence_epoch(val_curve),
        "plateau_epoch": metrics.plateau_epoch(val_curve),
        "vanishing_ratio": {
            "epoch1": metrics.vanishing_ratio(history[0]["grad_norm"]) if history else None,
            "final": metrics.vanishing_ratio(history[-1]["grad_norm"]) if history else None,
        },
        "diverged": diverged,
        "train_seconds": train_seconds,
        "seconds_per_epoch": train_seconds / max(1, len(history)),
        "samples_per_second": n_train * len(history) / train_seconds if train_seconds else None,
        "flops_per_epoch": flops_total / max(1, len(history)),
        "gflops_per_second": flops_total / train_seconds / 1e9 if train_seconds else None,
        "peak_gflops": peak,
        "mfu": mfu(flops_total, train_seconds, peak),
    }
