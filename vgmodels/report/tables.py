"""The report's tables, built with pandas from the case summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from vgmodels.analysis.case_diagnosis import CaseDiagnosis, g
from vgmodels.analysis.summary import ALPHA, CaseSummary
from vgmodels.remedies import FAMILIES


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
    return g(x) if x < 0.01 or x >= 100 else f"{x:.2f}"


def fmt_conv(s: CaseSummary) -> str:
    """Median over seeds, a seed that never reaches 0.80 counting as never; (k/n) when not all do."""
    if s.missing:
        return "–"
    text = "never" if s.convergence is None else f"{s.convergence:g}"
    return text if s.converged_seeds in (0, s.n) else f"{text} ({s.converged_seeds}/{s.n})"


def fmt_p(s: CaseSummary) -> str:
    if s.p_value is None:
        return "–"
    return f"{s.p_value:.2f}" + (" *" if s.p_value <= ALPHA else " n.s.")


def results_frame(
    summaries: dict[str, CaseSummary], diagnoses: dict[str, CaseDiagnosis] | None = None
) -> pd.DataFrame:
    """Table 1 as numbers: one row per case (missing cases included)."""
    rows = []
    for s in summaries.values():
        rows.append({
            "case": s.case, "family": FAMILIES[s.family], "seeds": s.n, "test_acc_mean": s.mean,
            "test_acc_ci95": s.ci95, "p_vs_baseline": s.p_value, "convergence_epoch": s.convergence,
            "converged_seeds": s.converged_seeds,
            "vanishing_ratio_epoch1": s.vr_epoch1, "vanishing_ratio_final": s.vr_final,
            "train_seconds": s.seconds, "seconds_per_epoch": s.seconds_per_epoch, "mfu": s.mfu,
            "status": s.status,
            "diagnosis": diagnoses[s.case].label if diagnoses else None,
        })  # fmt: skip
    return pd.DataFrame(rows)


def table1(summaries: dict[str, CaseSummary], diagnoses: dict[str, CaseDiagnosis]) -> Table:
    """Every case by family: accuracy, convergence, vanishing ratio, time, MFU, diagnosis."""
    n_seeds = max((s.n for s in summaries.values()), default=0)
    acc_head = "Test acc. (mean ± 95% CI)" if n_seeds > 1 else "Test acc."
    cols = [
        "Case", "Family", acc_head, "Conv. epoch", "Vanish. ratio ep. 1", "final", "Seconds", "MFU",
        "Diagnosis",
    ]  # fmt: skip
    rows, classes = [], []
    for s in summaries.values():
        rows.append([
            s.case, FAMILIES[s.family], fmt_acc(s), fmt_conv(s), fmt_ratio(s.vr_epoch1),
            fmt_ratio(s.vr_final), "–" if s.seconds is None else f"{s.seconds:.1f}",
            "–" if s.mfu is None else f"{s.mfu:.2f}", diagnoses[s.case].label,
        ])  # fmt: skip
        failing = not s.missing and diagnoses[s.case].failing
        classes.append("missing" if s.missing else "diverged" if s.diverged else
                       "failing" if failing else "")  # fmt: skip
    ci = " ± half-width of the 95% t-interval over seeds" if n_seeds > 1 else ""
    caption = (
        f"All cases, by family. Test acc.: on the 10,000 held-out images, mean over seeds{ci}. "
        "Conv. epoch: the first epoch with validation accuracy ≥ 0.80, median over seeds, a seed "
        "that never gets there counting as never; (k/n) when only k of n seeds get there. "
        "Vanish. ratio: gradient norm of the first hidden layer over the last hidden layer's, in "
        "epoch 1 and in the last epoch, geometric mean over seeds; – where it cannot be measured "
        "(a frozen layer, a zero gradient, a diverged run). Seconds: training time per seed. MFU: "
        "achieved matmul FLOP/s over the machine's probed fp32 peak. Diagnosis: what the records "
        "show in most seeds (section Diagnoses); shaded rows fail."
    )
    return Table("results", caption, cols, rows, classes)


def ranking_table(
    summaries: dict[str, CaseSummary], diagnoses: dict[str, CaseDiagnosis],
    changes: dict[str, str],
) -> Table:  # fmt: skip
    """All cases by mean test accuracy: difference to baseline, its p, what the case changes."""
    base = summaries["baseline"]
    ok = sorted((s for s in summaries.values() if not s.missing), key=lambda s: -s.mean)
    rows, classes = [], []
    for rank, s in enumerate(ok, 1):
        diff = "–" if base.missing or s.case == "baseline" else f"{100 * (s.mean - base.mean):+.1f}"
        rows.append([str(rank), s.case, fmt_acc(s), diff, fmt_p(s), changes[s.case]])
        classes.append("failing" if diagnoses[s.case].failing else "")
    p_min = min((s.p_min for s in ok if s.p_min is not None), default=None)
    floor = (f" With these seed counts p cannot go below {p_min:.2f}." if p_min is not None
             else "")  # fmt: skip
    caption = (
        "Ranking of all cases by mean test accuracy. Δ: difference of means to the baseline, in "
        "points. p: exact two-sided permutation test over seeds against the baseline; * "
        f"significant at {ALPHA}, n.s. not.{floor} Changes: the case's config against the "
        "baseline's, read from the records. Shaded rows fail (Table 1's diagnosis)."
    )
    cols = ["#", "Case", "Test acc.", "Δ vs baseline", "p", "Changes"]
    return Table("ranking", caption, cols, rows, classes)


def speed_table(
    summaries: dict[str, CaseSummary], speed: list[dict], share: dict[str, float] | None = None
) -> Table:
    """Per-case seconds per epoch, GFLOP/s and MFU, relative to baseline; the seed-loop ratio;
    each case's share of the machine while the study trained (`share`, where known)."""
    share = share or {}
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
            first = ["–" if ms is None else f"{ms:.2f}",
                     "–" if ms is None or not rel else f"{ms / rel:.2f}"]  # fmt: skip
        else:
            gf, mfu, first = s.gflops, s.mfu, [f"{s.seconds_per_epoch:.3f}"]
        rows.append([
            s.case, *first, "–" if rel is None else f"{rel:.2f}",
            "–" if gf is None else f"{gf:.0f}", "–" if mfu is None else f"{mfu:.2f}",
            *([f"{share[s.case]:.1%}" if s.case in share else "–"] if share else []),
        ])  # fmt: skip
        classes.append("slow" if rel is not None and rel > 1.5 else "")
    if alone:
        ref = interleaved["relative_to"]
        caption = (
            f"Training speed per case, timed apart from the study: each case alone on "
            f"{interleaved['alone_threads']} threads, {interleaved['relative_epochs']} epochs of "
            f"{interleaved['relative_n_train']:,} samples, interleaved with {ref} ({ref}, case, "
            f"{ref}, case, ...); medians of {interleaved['relative_rounds']} rounds. ms / step: "
            f"the case's milliseconds per training step (batch 512). {ref} beside: the {ref}'s "
            f"milliseconds per step in the runs just before and after the case (ms / step over the "
            f"ratio); it moves down the table with the machine's drift, which is why rows timed at "
            f"different moments are compared through the ratio, not through the first column. "
            f"× {ref}: the case's time over the {ref} runs beside it, in which the drift cancels. "
            f"GFLOP/s and MFU: the case's achieved matmul rate and its share of the probed peak"
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
            how = (
                "stacked into one model"
                if sp.get("seeds_stacked")
                else f"{sp['seeds_concurrent_runs']} processes of {sp['seeds_threads']} "
                f"thread{'s' if sp['seeds_threads'] > 1 else ''}"
            )
            caption += (
                f" {sp['seeds']} seeds trained at once ({how}, as the study's runs train): "
                f"{sp['seeds_wall_seconds_per_seed_epoch']:.3f} s per seed-epoch with validation"
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
    if share:
        caption += (
            " Share: the case's runs' core-seconds in the study (whole runs, evaluation included) "
            "over the machine's core-seconds from the first run's start to the last run's end."
        )
    first = ["ms / step", "baseline beside"] if alone else ["s / epoch"]
    cols = ["Case", *first, "× baseline", "GFLOP/s", "MFU", *(["Share"] if share else [])]
    return Table("speed", caption, cols, rows, classes)
