"""Everything the report template lays out, computed from the records: text, tables, figures."""

from __future__ import annotations

from pathlib import Path

from vgmodels.analysis.case_diagnosis import LEARNS, CaseDiagnosis, diagnose_case
from vgmodels.analysis.changes import case_changes
from vgmodels.analysis.diagnosis import CHANCE_LOSS, FAILURES, STUCK_MARGIN
from vgmodels.analysis.evidence import evidence
from vgmodels.analysis.references import REFERENCES, cite
from vgmodels.analysis.summary import CaseSummary, summarize
from vgmodels.analysis.suspects import suspicion
from vgmodels.remedies import REMEDIES
from vgmodels.report import tables, text
from vgmodels.report.figure_files import make_figures
from vgmodels.report.findings import findings, significance_note
from vgmodels.report.sections import build as build_sections
from vgmodels.results import by_case

TITLE = "Vanishing gradients in deep MLPs: remedies measured on Fashion-MNIST"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def case_diagnoses(s: dict[str, CaseSummary]) -> dict[str, CaseDiagnosis]:
    """Every case's diagnosis (an empty one for a missing case)."""
    return {
        cid: diagnose_case(cid, x.records) if not x.missing else CaseDiagnosis(cid)
        for cid, x in s.items()
    }


def diagnosis_entries(
    s: dict[str, CaseSummary], diag: dict[str, CaseDiagnosis], longer: dict[str, list[dict]]
) -> list[dict]:
    """One entry per case that fails or shows a failure in its loss: evidence and (suspected) cause."""
    out = []
    for cid, d in diag.items():
        if not d.failing and not any(k in d.held for k in FAILURES):
            continue
        held = max([len(v) for v in d.held.values()] + [d.n - d.learned])
        clauses = evidence(d)
        if not d.failing:
            clauses.insert(
                0, f"it learns ({d.learned} of {d.n} seeds reach {LEARNS:.2f} test accuracy), but"
            )
        out.append(
            {
                "case": cid,
                "seeds": f"{held}/{d.n} seeds" if d.n > 1 else "1 seed",
                "evidence": _sentence("; ".join(clauses)).replace("but; ", "but "),
                "cause": suspicion(d, s, longer),
            }
        )
    return out


def ran_cases(groups: dict[str, list[dict]]) -> list[str]:
    """The case ids to name on the bench command: none when the results hold every case."""
    return [] if set(groups) == set(REMEDIES) else list(groups)


def report_context(
    records: list[dict],
    speed: list[dict],
    info: dict,
    out: Path,
    supplement: list[dict] = (),
    swept: list[dict] = (),
    surfaces=None,
) -> dict:
    """The template's variables; writes the figures and table1.csv into `out`."""
    groups = by_case(records)
    s = summarize(groups)
    diag = case_diagnoses(s)
    changes = case_changes(groups)
    figs = make_figures(s, out / "figures")
    tables.results_frame(s, diag).to_csv(out / "table1.csv", index=False, float_format="%.6g")
    profile_seeds = records[0]["profile_config"].get("seeds")
    return {
        "title": TITLE,
        "intro": text.INTRO,
        "abstract": text.abstract(s, info, diag),
        "findings": findings(s, diag, changes),
        "significance": significance_note(s),
        "setup": text.setup(info),
        "defects": text.defects(),
        "diagnoses_facts": {
            "learns": LEARNS,
            "chance_loss": CHANCE_LOSS,
            "margin": STUCK_MARGIN,
            "cite": cite("glorot", "schoenholz"),
        },
        "diagnoses": diagnosis_entries(s, diag, by_case(list(supplement))),
        "references": REFERENCES,
        "reproduce": text.reproduce(info, ran_cases(groups), profile_seeds),
        "figures": {f.key: f for f in figs},
        "figure_order": [f.key for f in figs],
        "tables": {
            "results": tables.table1(s, diag),
            "ranking": tables.ranking_table(s, diag, changes),
            "speed": tables.speed_table(s, speed, info.get("wall", {}).get("share", {})),
        },
        "missing": [x.case for x in s.values() if x.missing],
        "sections": build_sections(
            records, out / "figures", list(supplement), list(swept), surfaces
        ),
    }
