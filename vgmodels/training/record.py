"""The record of one run (DESIGN.md, 'What each case records'): one JSON-safe dict."""

from __future__ import annotations

import platform
import sys

import torch

from vgmodels import __version__
from vgmodels.data import Dataset
from vgmodels.device import device_name
from vgmodels.models import describe, layer_names
from vgmodels.profiles import Profile
from vgmodels.provenance import code_version
from vgmodels.remedies import Case
from vgmodels.training import metrics
from vgmodels.training.flops import mfu
from vgmodels.training.schedules import Phase

SCHEMA = "vgmodels.record/1"


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MiB (Linux reports KiB, macOS bytes)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def phases_entry(phases: list[Phase], layerwise: bool) -> list[dict]:
    """Per phase: its name, epochs, active depth, which hidden layers learn and which are frozen,
    and the output layer it trained (a new one at each growth of a layer-wise schedule)."""
    out, head = [], 0 if layerwise else 1
    for p in phases:
        head += p.grow
        out.append(
            {
                "name": p.name,
                "epochs": p.epochs,
                "active_depth": p.active_depth,
                "trainable": list(p.trainable),
                "frozen": list(p.frozen),
                "head": f"head {head}" + (" (new)" if p.grow else ""),
                "new_optimizer": p.grow,
            }
        )
    return out


def make_record(
    case: Case,
    profile: Profile,
    seed: int,
    dev: torch.device,
    data: Dataset,
    phases: list[Phase],
    history: list[dict],
    test: tuple[float, float],
    timing: dict,
    flush_denormal: bool,
    kernel: str,
) -> dict:
    """Everything a run states: what ran, where, every epoch, and the final numbers."""
    cfg = case.model
    test_loss, test_acc = test
    val_curve = [h["val_acc"] for h in history]
    layer_curve = [h["grad_norm"] for h in history]
    train_seconds, flops_total, peak = timing["seconds"], timing["flops"], timing["peak"]
    epochs_run = len(history)
    vanishing = {"epoch1": None, "final": None}  # per layer: none for a recurrent model
    if not cfg.recurrent and history:
        # JSON-safe: a last hidden layer with no gradient at all gives inf, stored as null
        vanishing = {
            "epoch1": metrics.finite_or_none(metrics.vanishing_ratio(layer_curve[0])),
            "final": metrics.finite_or_none(metrics.vanishing_ratio(layer_curve[-1])),
        }
    return {
        "schema": SCHEMA,
        "code_version": __version__,
        "code": code_version(),
        "case": case.id,
        "family": case.family,
        "description": case.description,
        "wiring": describe(cfg),
        "config": case.config(),
        "profile": profile.name,
        "profile_config": profile.as_dict(),
        "epochs": sum(p.epochs for p in phases),
        "epochs_run": epochs_run,
        "phases": phases_entry(phases, case.train.schedule != "none"),
        "layers": layer_names(cfg),
        "seed": seed,
        "device": dev.type,
        "device_name": device_name(dev),
        "threads": torch.get_num_threads(),
        "concurrent_runs": 1,  # the engine sets how many runs could share the machine with this one
        "torch": torch.__version__,
        "python": platform.python_version(),
        "flush_denormal": bool(flush_denormal and dev.type == "cpu"),
        "linear_kernel": kernel,
        "n_train": len(data.train),
        "n_val": len(data.val),
        "n_test": len(data.test),
        "data_source": data.source,
        "history": history,
        "test_acc": test_acc,
        "test_loss": metrics.finite_or_none(test_loss),
        "best_val_acc": max(val_curve) if val_curve else None,
        "convergence_epoch": metrics.convergence_epoch(val_curve),
        "plateau_epoch": metrics.plateau_epoch(val_curve),
        "vanishing_ratio": vanishing,
        "diverged": timing["diverged"],
        "train_seconds": train_seconds,
        "seconds_per_epoch": train_seconds / max(1, epochs_run),
        "samples_per_second": len(data.train) * epochs_run / train_seconds
        if train_seconds
        else None,
        "flops_per_epoch": flops_total / max(1, epochs_run),
        "gflops_per_second": flops_total / train_seconds / 1e9 if train_seconds else None,
        "peak_gflops": peak,
        "mfu": mfu(flops_total, train_seconds, peak),
        # the whole run (set-up, epochs with their evaluations and probes, test) on the wall clock
        "run_seconds": timing["run_seconds"],
        "started_at": timing["started_at"],
        "finished_at": timing["finished_at"],
        "peak_rss_mb": peak_rss_mb(),  # of the process that ran it, over its life so far
    }
