"""The report's sections beyond Table 1: reproduction, layer-wise budgets, recurrent, SDAGD."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from vgmodels.analysis.claims import ClaimRow, group, reproduction
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import ALPHA, smallest_p
from vgmodels.analysis.verdicts import (
    BARELY,
    KEPT,
    LEARNS,
    NOT_REPRODUCED,
    NOT_RUN,
    NOT_TESTED,
    REPRODUCED,
)
from vgmodels.report.layerwise_section import layerwise_section
from vgmodels.report.provenance_section import provenance_section
from vgmodels.report.recurrent_section import recurrent_section
from vgmodels.report.sdagd_section import sdagd_section
from vgmodels.report.sweeps import sweeps_section
from vgmodels.report.tables import Table

VERDICTS = (REPRODUCED, NOT_REPRODUCED, NOT_TESTED, NOT_RUN)
ROW_CLASS = {NOT_REPRODUCED: "failing", NOT_RUN: "missing"}


def reproduction_intro() -> str:
    """How each kind of claim is tested, stated once."""
    return (
        f"One row per claim of the five sources {cite('S1', 'S2', 'S3', 'S4', 'S5')} that this "
        "suite can test, from one claims table in code (vgmodels/claims.py). A claim that a remedy "
        "helps is reproduced when its mean test accuracy is above the comparison case's and the "
        "exact two-sided permutation test over seeds of Table 1 gives p ≤ "
        f"{ALPHA:g}; with too few seeds for that test to reach {ALPHA:g} (3 a side give at least "
        f"p = {smallest_p(3, 3):.2f}) the verdict is “{NOT_TESTED}” and the row says whether every "
        "seed lies above the comparison's. The article's depth claims are on the final training "
        "accuracy after 300 epochs on the full data (profile paper300): converging means at least "
        f"{LEARNS}, barely learning at most {BARELY}. The numbers of the blog post {cite('S4')} "
        "are computed by our code with torch autograd: quoted with ≈, they agree within two units "
        "of the quoted last digit (the sources round intermediate steps); quoted with =, to 1e-9. "
        f"BatchNorm keeps pre-activations in the sigmoid's strong range when under {KEPT:.0%} of "
        "its units are saturated (beyond 0.99 of the range, |z| > 4.6) in every hidden layer. "
        "A row that is not reproduced names the likely reason: the failing case's diagnosis "
        "where it has one."
    )


def tally(rows: list[ClaimRow]) -> str:
    """'Of 40 claims: 12 reproduced, 3 not reproduced, ...'."""
    n = Counter(r.verdict for r in rows)
    parts = [f"{n[v]} {v}" for v in VERDICTS if n[v]]
    return f"Of {len(rows)} claims: " + ", ".join(parts) + "."


def claims_table(rows: list[ClaimRow]) -> Table:
    """The Reproduction table: source, claim, protocol, our number, verdict (with its reason)."""
    cells = [[r.source, r.claim, r.protocol, r.measured,
              r.verdict + (f": {r.reason}" if r.reason else "")] for r in rows]  # fmt: skip
    caption = (
        "Reproduction of the sources' claims. Protocol: the profile, epochs (a layer-wise case: "
        "its total) and seeds of our records. Ours: test accuracy, mean ± 95% t-interval over "
        "seeds (n=1: no interval), against the comparison case with the difference in points "
        "and the permutation p, unless the row says what else it measures."
    )
    cols = ["Source", "Claim", "Protocol run", "Ours", "Verdict"]
    return Table("claims", caption, cols, cells, [ROW_CLASS.get(r.verdict, "") for r in rows])


def build(
    records: list[dict], fig_dir: Path, supplement: list[dict] = (), swept: list[dict] = (),
    surfaces=None,
) -> dict:  # fmt: skip
    """Every new section's context (None where its records are absent); writes their figures.

    `supplement`: runs of another profile that only the claims needing them read (paper300);
    `swept`: the sweeps' runs.
    """
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    groups = group(records)
    rows = reproduction(records, supplement=supplement)
    return {
        "provenance": provenance_section([*records, *supplement, *swept]),
        "reproduction": {
            "intro": reproduction_intro(),
            "tally": tally(rows),
            "table": claims_table(rows),
        },  # fmt: skip
        "layerwise": layerwise_section(groups, fig_dir),
        "recurrent": recurrent_section(groups, fig_dir),
        "sdagd": sdagd_section(groups, fig_dir, surfaces),
        "sweeps": sweeps_section(list(swept), fig_dir) if swept else None,
    }
