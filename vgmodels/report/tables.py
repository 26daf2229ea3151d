"""The report's tables, built with pandas from the case summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..remedies import FAMILIES
from .summary import CaseSummary


@dataclass(frozen=True)
class Table:
    """A table as the template lays it out: caption, header, string cells, a class per row."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    row_classes: list[str]


def fmt_acc(s: CaseSummary) -> str:
    if s.missing:
        return "missing"
    text = f"{s.mean:.4f}"
    return text + (f" ± {s.ci95:.4f}" if s.ci95 is not None else "")


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "–"
    if math.isinf(x):
        return "inf"
    return f"{x:.2g}" if x < 0.01 or x >= 100 else f"{x:.2f}"


def fmt_conv(s: CaseSummary) -> str:
    if s.missing:
        return "–"
    if s.convergence is None:
        return "never"
    text = f"{s.convergence:g}"
    return text if s.converged_seeds == s.n else f"{text} ({s.converged_seeds}/{s.n} seeds)"


def fmt_sig(s: CaseSummary, base: CaseSummary) -> str:
    if s.case == "baseline" or s.missing or base.missing:
        return "–"
    delta = s.mean - base.mean
    mark = ""
    if s.p_value is not None:
        mark = " *" if s.p_value < 0.05 else " (n.s.)"
    return f"{delta:+.4f}{mark}"


def results_frame(summaries: dict[str, CaseSummary]) -> pd.DataFrame:
    """Table 1 as numbers: one row per case (missing cases included)."""
    rows = []
    for s in summaries.values():
        rows.append({
            "case": s.case, "family": FAMILIES[s.family], "seeds": s.n, "test_acc_mean": s.mean,
            "test_acc_ci95": s.ci95, "p_vs_baseline": s.p_value, "convergence_epoch": s.convergence,
            "vanishing_ratio_epoch1": s.vr_epoch1, "vanishing_ratio_final": s.vr_final,
            "train_seconds": s.seconds, "seconds_per_epoch": s.seconds_per_epoch, "mfu": s.mfu,
            "status": s.status,
        })  # fmt: skip
    return pd.DataFrame(rows)


def table1(summaries: dict[str, CaseSummary]) -> Table:
    """Every case: accuracy, difference to baseline, convergence, vanishing ratio, time, MFU."""
    base = summaries["baseline"]
    df = results_frame(summaries)
    n_seeds = max((s.n for s in summaries.values()), default=0)
    acc_head = "Test acc. (mean ± 95% CI)" if n_seeds > 1 else "Test acc."
    cols = ["Case", "Family", acc_head, "Δ vs baseline", "Conv. epoch", "Vanish. ratio ep. 1",
            "final", "Seconds", "MFU", "Status"]  # fmt: skip
    rows, classes = [], []
    for s, (_, r) in zip(summaries.values(), df.iterrows(), strict=True):
        rows.append([
            s.case, r["family"], fmt_acc(s), fmt_sig(s, base), fmt_conv(s), fmt_ratio(s.vr_epoch1),
            fmt_ratio(s.vr_final), "–" if s.seconds is None else f"{s.seconds:.1f}",
            "–" if s.mfu is None else f"{s.mfu:.2f}", s.status,
        ])  # fmt: skip
        classes.append("missing" if s.missing else "diverged" if s.diverged else "")
    sig = (
        " * marks a difference significant at p < 0.05 (Welch t-test, ≥ 3 seeds each)."
        if n_seeds >= 3
        else ""
    )
    caption = (
        "All cases. Test accuracy on the 10,000 held-out images; convergence epoch: first epoch with "
        "validation accuracy ≥ 0.80 (median over seeds); vanishing ratio: gradient norm of the first "
        "hidden layer over the last hidden layer (geometric mean over seeds); seconds: training time "
        f"per seed; MFU: achieved matmul FLOP/s over the machine's probed fp32 peak.{sig}"
    )
    return Table("results", caption, cols, rows, classes)


def speed_table(summaries: dict[str, CaseSummary], speed: list[dict]) -> Table:
    """Per-case seconds per epoch, GFLOP/s and MFU, relative to baseline; the seed-loop ratio."""
    base = summaries["baseline"]
    interleaved = next((sp for sp in speed if sp.get("relative_seconds")), None)
    alone = interleaved is not None and "alone_ms_per_step" in interleaved
    rows, classes = [], []
    for s in summaries.values():
        if s.missing:
            continue
        if interleaved is not None:
            rel = interleaved["relative_seconds"].get(s.case)
        else:
            rel = s.seconds_per_epoch / base.seconds_per_epoch if not base.missing else None
        if alone:
            ms, gf, mfu = (
                interleaved[k].get(s.case)
                for k in ("alone_ms_per_step", "alone_gflops", "alone_mfu")
            )
            first = "–" if ms is None else f"{ms:.2f}"
        else:
            gf, mfu, first = s.gflops, s.mfu, f"{s.seconds_per_epoch:.3f}"
        rows.append([
            s.case, first, "–" if rel is None else f"{rel:.2f}",
            "–" if gf is None else f"{gf:.0f}", "–" if mfu is None else f"{mfu:.2f}",
        ])  # fmt: skip
        classes.append("slow" if rel is not None and rel > 1.5 else "")
    if alone:
        ref = interleaved["relative_to"]
        caption = (
            f"Training speed per case, timed apart from the study: each case alone on "
            f"{interleaved['alone_threads']} threads, {interleaved['relative_epochs']} epochs of "
            f"{interleaved['relative_n_train']:,} samples, interleaved with {ref} ({ref}, case, "
            f"{ref}, case, ...) so that the machine's drift cancels out of the ratio: milliseconds "
            f"per training step (batch 512), seconds per epoch over the mean of the {ref} runs "
            f"either side, achieved GFLOP/s and MFU; medians of {interleaved['relative_rounds']} rounds"
        )
    else:
        caption = "Training speed per case: seconds per epoch (training steps only), ratio to baseline, achieved GFLOP/s and MFU."
        if interleaved is not None:
            ref = interleaved["relative_to"]
            caption += (
                f" The ratio to {ref} is timed apart from the study, interleaved ({ref}, case, {ref}, "
                f"case, ...) so that the machine's drift cancels out: each case's seconds per epoch "
                f"on {interleaved['relative_n_train']:,} samples over the mean of the {ref} runs "
                f"either side, median of {interleaved['relative_rounds']} rounds"
            )
        else:
            caption += (
                " The ratio to baseline divides seconds per epoch measured at different times."
            )
    if interleaved is not None:
        own = interleaved["relative_seconds"].get(ref)
        caption += f"; {ref} against itself: {own:.2f}." if own is not None else "."
    for sp in speed:
        if sp.get("speedup"):
            caption += (
                f" Speed benchmark on {sp['case']}: training steps take {sp['ours_seconds_per_epoch']:.3f} s "
                f"per epoch against {sp['seed_style_seconds_per_epoch']:.3f} s for a seed-style loop "
                f"(torchvision dataset, ToTensor, DataLoader), a {sp['speedup']:.1f}× speed-up measured "
                f"in one run, at {sp['gflops_per_second']:.0f} GFLOP/s (MFU {sp['mfu']:.2f})."
            )
            if sp.get("products_seconds_per_epoch"):
                caption += (
                    f" The step's matrix products alone, same shapes and kernels, take "
                    f"{sp['products_seconds_per_epoch']:.3f} s per epoch (MFU {sp['products_mfu']:.2f}), "
                    f"{sp['products_share']:.0%} of the step time; the rest is activations, loss, "
                    f"autograd and optimizer. With these kernels no loop can beat the seed-style one "
                    f"by more than {sp['speedup_bound']:.1f}×."
                )
            if sp.get("speedup_epoch_wall"):
                caption += (
                    f" Whole epochs with validation: {sp['ours_epoch_wall_seconds']:.3f} s against "
                    f"{sp['seed_style_epoch_wall_seconds']:.3f} s ({sp['speedup_epoch_wall']:.1f}×)."
                )
        if sp.get("seeds_wall_seconds_per_seed_epoch"):
            caption += (
                f" {sp['seeds']} seeds trained at once ({sp['seeds_concurrent_runs']} processes of "
                f"{sp['seeds_threads']} thread{'s' if sp['seeds_threads'] > 1 else ''}, as the "
                f"study's multi-seed cases run): {sp['seeds_wall_seconds_per_seed_epoch']:.3f} s per "
                f"seed-epoch with validation"
            )
            if sp.get("seeds_gain_epoch_wall"):
                caption += f", {sp['seeds_gain_epoch_wall']:.2f}× the throughput of one seed"
            if sp.get("seeds_speedup_epoch_wall"):
                caption += f" and {sp['seeds_speedup_epoch_wall']:.1f}× the seed-style loop's"
            caption += f", machine MFU {sp['seeds_machine_mfu']:.2f}."
        if sp.get("slowdown_without_flush"):
            caption += (
                f" Denormals on {sp['case']}: {sp['flush_seconds_per_epoch']:.3f} s per epoch flushed, "
                f"{sp['no_flush_seconds_per_epoch']:.3f} s kept ({sp['slowdown_without_flush']:.2f}×)."
            )
    first = "ms / step" if alone else "s / epoch"
    return Table("speed", caption, ["Case", first, "× baseline", "GFLOP/s", "MFU"], rows, classes)
