"""The report's tables, built with pandas from the case summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from vgmodels.analysis.case_diagnosis import LEARNS, CaseDiagnosis, g
from vgmodels.analysis.stats import welch
from vgmodels.analysis.summary import CaseSummary
from vgmodels.remedies import FAMILIES
from vgmodels.report.prose import prose
from vgmodels.report.text import budgets


@dataclass(frozen=True)
class Table:
    """A table as the template lays it out: caption, header, string cells, a class per row."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    row_classes: list[str]


def fmt_acc(s: CaseSummary) -> str:
    """'0.8512 (0.8470–0.8561)': the mean and the seeds' range, which stays inside [0, 1]."""
    if s.missing:
        return "missing"
    lo, hi = f"{min(s.accs):.4f}", f"{max(s.accs):.4f}"
    return f"{s.mean:.4f}" + ("" if s.n < 2 else " (every seed)" if lo == hi else f" ({lo}–{hi})")


def off_budget(summaries: dict[str, CaseSummary]) -> tuple[int, dict[str, int]]:
    """(the common epoch budget, {case: its epochs} for each case that trained another)."""
    b = budgets({c: x.records for c, x in summaries.items()})
    return b["main"], {c: e for c, e in b["per_case"].items() if e != b["main"]}


def flagged(case: str, other: dict[str, int]) -> str:
    """The case id, marked † where it trained another budget than the rest."""
    return f"{case} †" if case in other else case


def budget_note(main: int, other: dict[str, int]) -> str:
    """The caption's sentence for the † cases."""
    if not other:
        return ""
    cases = "; ".join(f"{c} {e}" for c, e in other.items())
    return f" † trained another budget than the {main} epochs of the other cases: {cases}."


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


def results_frame(
    summaries: dict[str, CaseSummary], diagnoses: dict[str, CaseDiagnosis] | None = None
) -> pd.DataFrame:
    """Table 1 as numbers: one row per case (missing cases included)."""
    rows = []
    for s in summaries.values():
        rows.append(
            {
                "case": s.case,
                "family": FAMILIES[s.family],
                "seeds": s.n,
                "test_acc_mean": s.mean,
                "test_acc_ci95": s.ci95,
                "p_vs_baseline": s.p_value,
                "convergence_epoch": s.convergence,
                "converged_seeds": s.converged_seeds,
                "vanishing_ratio_epoch1": s.vr_epoch1,
                "vanishing_ratio_final": s.vr_final,
                "train_seconds": s.seconds,
                "seconds_per_epoch": s.seconds_per_epoch,
                "mfu": s.mfu,
                "status": s.status,
                "diagnosis": diagnoses[s.case].label if diagnoses else None,
            }
        )
    return pd.DataFrame(rows)


def table1(summaries: dict[str, CaseSummary], diagnoses: dict[str, CaseDiagnosis]) -> Table:
    """Every case by family: accuracy, convergence, vanishing ratio, time, MFU, diagnosis."""
    n_seeds = max((s.n for s in summaries.values()), default=0)
    acc_head = "Test acc. (mean, seeds' range)" if n_seeds > 1 else "Test acc."
    main, other = off_budget(summaries)
    cols = [
        "Case",
        "Family",
        acc_head,
        "Conv. epoch",
        "Vanish. ratio ep. 1",
        "final",
        "Seconds",
        "MFU",
        "Diagnosis",
    ]
    rows, classes = [], []
    for s in summaries.values():
        rows.append(
            [
                flagged(s.case, other),
                FAMILIES[s.family],
                fmt_acc(s),
                fmt_conv(s),
                fmt_ratio(s.vr_epoch1),
                fmt_ratio(s.vr_final),
                "–" if s.seconds is None else f"{s.seconds:.1f}",
                "–" if s.mfu is None else f"{s.mfu:.2f}",
                diagnoses[s.case].label,
            ]
        )
        failing = not s.missing and diagnoses[s.case].failing
        classes.append(
            "missing" if s.missing else "diverged" if s.diverged else "failing" if failing else ""
        )
    ci = (
        " (lowest–highest seed: with a few seeds a t-interval is wide enough to leave [0, 1], "
        "the seeds' range cannot)"
        if n_seeds > 1
        else ""
    )
    caption = (
        f"All cases, by family. Test acc.: on the 10,000 held-out images, mean over seeds{ci}. "
        "Conv. epoch: the first epoch with validation accuracy ≥ 0.80, median over seeds, a seed "
        "that never gets there counting as never; (k/n) when only k of n seeds get there. "
        "Vanish. ratio: gradient norm of the first hidden layer over the last hidden layer's, in "
        "epoch 1 and in the last epoch, geometric mean over seeds; – where it cannot be measured "
        "(a frozen layer, a zero gradient, a diverged run). Seconds: training time per seed. MFU: "
        "achieved matmul FLOP/s over the run's own probed fp32 peak, mean over seeds. Diagnosis: "
        f"learns when most seeds reach {LEARNS:.2f} test accuracy, then what the records show in "
        "most seeds (section Diagnoses); shaded rows do not learn." + budget_note(main, other)
    )
    return Table("results", caption, cols, rows, classes)


def ranking_table(
    summaries: dict[str, CaseSummary],
    diagnoses: dict[str, CaseDiagnosis],
    changes: dict[str, str],
) -> Table:
    """All cases by mean test accuracy: difference to baseline, its p, what the case changes."""
    base = summaries["baseline"]
    ok = sorted((s for s in summaries.values() if not s.missing), key=lambda s: -s.mean)
    main, other = off_budget(summaries)
    rows, classes = [], []
    for rank, s in enumerate(ok, 1):
        diff = "–" if base.missing or s.case == "baseline" else f"{100 * (s.mean - base.mean):+.1f}"
        iv = None if base.missing or s.case == "baseline" else welch(s.accs, base.accs)
        ci = "–" if iv is None else f"{100 * iv.lo:+.1f} to {100 * iv.hi:+.1f}"
        rows.append([str(rank), flagged(s.case, other), fmt_acc(s), diff, ci, changes[s.case]])
        classes.append("failing" if diagnoses[s.case].failing else "")
    caption = (
        "Ranking of all cases by mean test accuracy. Δ: difference of means to the baseline, in "
        "points; 95% CI: its Welch interval over seeds (– with fewer than 2 seeds a side). "
        "Changes: the case's config against the "
        "baseline's, read from the records. Shaded rows do not learn (Table 1's diagnosis)."
        + budget_note(main, other)
    )
    cols = ["#", "Case", "Test acc.", "Δ vs baseline", "95% CI", "Changes"]
    return Table("ranking", caption, cols, rows, classes)


def _speed_cells(s: CaseSummary, base: CaseSummary, iv: dict | None) -> list[str]:
    """One case's speed cells: (ms / step, baseline beside) or s / epoch; ratio, GFLOP/s, MFU."""
    if iv is not None:
        rel = iv["relative_seconds"].get(s.case)
    else:
        rel = s.seconds_per_epoch / base.seconds_per_epoch if not base.missing else None
    if iv is not None and "alone_ms_per_step" in iv:
        ms, gf, mfu = (
            iv[k].get(s.case) for k in ("alone_ms_per_step", "alone_gflops", "alone_mfu")
        )
        first = [
            "–" if ms is None else f"{ms:.2f}",
            "–" if ms is None or not rel else f"{ms / rel:.2f}",
        ]
    else:
        gf, mfu, first = s.gflops, s.mfu, [f"{s.seconds_per_epoch:.3f}"]
    return [
        *first,
        "–" if rel is None else f"{rel:.2f}",
        "–" if gf is None else f"{gf:.0f}",
        "–" if mfu is None else f"{mfu:.2f}",
    ]


def speed_table(
    summaries: dict[str, CaseSummary], speed: list[dict], share: dict[str, float] | None = None
) -> Table:
    """Per-case seconds per epoch, GFLOP/s and MFU, relative to baseline; the seed-loop ratio;
    each case's share of the machine while the study trained (`share`, where known)."""
    share = share or {}
    base = summaries["baseline"]
    iv = next((sp for sp in speed if sp.get("relative_seconds")), None)
    alone = iv is not None and "alone_ms_per_step" in iv
    rows, classes = [], []
    for s in summaries.values():
        if s.missing:
            continue
        cells = _speed_cells(s, base, iv)
        rows.append(
            [
                s.case,
                *cells,
                *([f"{share[s.case]:.1%}" if s.case in share else "–"] if share else []),
            ]
        )
        rel = cells[-3]
        classes.append("slow" if rel != "–" and float(rel) > 1.5 else "")
    machines = sorted({r["device_name"] for x in summaries.values() for r in x.records})
    ref = iv["relative_to"] if iv else "baseline"
    caption = prose(
        "speed",
        alone=alone,
        iv=iv,
        ref=ref,
        speed=speed,
        share=share,
        own=iv["relative_seconds"].get(ref) if iv else None,
        machines_note=""
        if len(machines) < 2
        else f"; the runs come from {len(machines)} machines ({'; '.join(machines)}), so their seconds "
        "compare only within one machine",
    )
    first = ["ms / step", "baseline beside"] if alone else ["s / epoch"]
    cols = ["Case", *first, "× baseline", "GFLOP/s", "MFU", *(["Share"] if share else [])]
    return Table("speed", caption, cols, rows, classes)
