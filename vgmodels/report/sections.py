"""The report's sections beyond Table 1: reproduction, layer-wise budgets, recurrent, SDAGD."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from vgmodels.analysis.claims import ClaimRow, group, reproduction
from vgmodels.analysis.references import cite
from vgmodels.analysis.stats import MAX_SEEDS
from vgmodels.analysis.verdicts import (
    CONTRADICTED,
    EXPLODED,
    INCONCLUSIVE,
    MARGIN,
    NOT_RUN,
    REPRODUCED,
)
from vgmodels.report.beyond_section import beyond_section
from vgmodels.report.layerwise_section import layerwise_section
from vgmodels.report.provenance_section import provenance_section
from vgmodels.report.published import published_section
from vgmodels.report.recurrent_section import recurrent_section
from vgmodels.report.sdagd_section import sdagd_section
from vgmodels.report.sweeps import sweeps_section
from vgmodels.report.tables import Table

VERDICTS = (REPRODUCED, CONTRADICTED, INCONCLUSIVE, NOT_RUN)
ROW_CLASS = {CONTRADICTED: "failing", NOT_RUN: "missing"}


def reproduction_intro() -> str:
    """The one verdict rule, stated once, before anything else."""
    return (
        "Every comparison claim is judged by one rule, the same both ways: the difference of the "
        "two cases' means over seeds with its 95% Welch–Satterthwaite confidence interval (a side "
        "whose seeds all agree adds no variance: a one-sample interval; both: the interval is the "
        f"point). “{REPRODUCED}”: the interval lies on the claimed side of zero; "
        f"“{CONTRADICTED}”: it lies on the other side, or, for a claimed gain in accuracy, "
        f"inside ±{100 * MARGIN:g} point of zero (no effect); “{INCONCLUSIVE}” otherwise, "
        "with the seeds a side at which the observed spread would decide; "
        f"“{NOT_RUN}”: a case the claim needs has no records. A claim that a quantity reaches "
        "about X is reproduced when the mean's 95% interval lies inside the stated tolerance "
        "around X, contradicted when it lies outside. "
        f"Rows come from one claims table in code (vgmodels/analysis/claims.py), one per claim the "
        f"five sources {cite('S1', 'S2', 'S3', 'S4', 'S5')} make and this suite can test; each "
        "shows the file and lines of ../shared/sources/ that make it, a short phrase in the "
        "source's words and its gloss. The article's depth claims read its own protocol (300 "
        "epochs on the full data, profile paper300); the layer-wise rows compare the sources' own "
        "budget (100 epochs per stage), never the split budget, which is our fairness comparison "
        "(section on layer-wise budgets), not a source's claim. Numbers the sources work out by "
        "hand are computed by our code: quoted with ≈ they agree within two units of the quoted "
        "last digit, quoted with = to 1e-9. Exploding gradients: reproduced when every seed "
        f"diverges or its training loss passes {EXPLODED:.0f} (100 × chance's)."
    )


def tally(rows: list[ClaimRow]) -> str:
    """'Of 40 claims: 12 reproduced, 3 contradicted, ...'."""
    n = Counter(r.verdict for r in rows)
    parts = [f"{n[v]} {v}" for v in VERDICTS if n[v]]
    return f"Of {len(rows)} claims: " + ", ".join(parts) + "."


def seeds_cell(r: ClaimRow) -> str:
    """The seeds a side an inconclusive row needs; '–' for a decided row."""
    if r.verdict != INCONCLUSIVE:
        return "–"
    if r.seeds is None:
        return f"> {MAX_SEEDS} or none (no difference seen)"
    return f"{r.seeds} a side"


def claims_table(rows: list[ClaimRow]) -> Table:
    """Source lines, phrase and gloss, claim, protocol, ours, difference, verdict, seeds needed."""
    cells = [
        [
            "; ".join(c.where for c in r.cites),
            "; ".join(f"“{c.phrase}” ({c.gloss})" for c in r.cites),
            r.claim,
            r.protocol,
            r.measured,
            r.difference,
            r.verdict + (f": {r.reason}" if r.reason else ""),
            seeds_cell(r),
        ]
        for r in rows
    ]
    caption = (
        "Reproduction of the sources' claims. Where: source, file and lines in ../shared/sources/. "
        "Protocol: the profile, epochs (a layer-wise case: its total) and seeds of our records. "
        "Ours: the row's quantity, mean and every seed (the mean's interval, cut to [0, 1], past 5 "
        "seeds); difference: the first case's mean minus the second's (accuracy in points; a "
        "gradient ratio as a factor) with its 95% Welch interval; seeds: what an inconclusive row "
        "would need at the observed spread."
    )
    cols = [
        "Where",
        "Phrase (gloss)",
        "Claim",
        "Protocol run",
        "Ours",
        "Difference (95% CI)",
        "Verdict",
        "Seeds needed",
    ]
    return Table("claims", caption, cols, cells, [ROW_CLASS.get(r.verdict, "") for r in rows])


def build(
    records: list[dict],
    fig_dir: Path,
    supplement: list[dict] = (),
    swept: list[dict] = (),
    surfaces=None,
) -> dict:
    """Every new section's context (None where its records are absent); writes their figures.

    `supplement`: runs of another profile that only the claims needing them read (paper300);
    `swept`: the sweeps' runs.
    """
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    groups = group(records)
    rows = reproduction(records, supplement=supplement)
    return {
        "provenance": provenance_section(records),  # Table 1's records
        "reproduction": {
            "intro": reproduction_intro(),
            "tally": tally(rows),
            "table": claims_table(rows),
        },
        "layerwise": layerwise_section(groups, fig_dir),
        "recurrent": recurrent_section(groups, fig_dir),
        "sdagd": sdagd_section(groups, fig_dir, surfaces),
        "sweeps": sweeps_section(list(swept), fig_dir) if swept else None,
        "beyond": beyond_section(list(swept), fig_dir),
        "published": published_section(records, fig_dir),
    }
