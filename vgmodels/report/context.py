"""Everything the report template lays out, computed from the records: text, tables, figures."""

from __future__ import annotations

from pathlib import Path

from vgmodels.analysis.case_diagnosis import CaseDiagnosis, diagnose_case, evidence
from vgmodels.analysis.changes import case_changes
from vgmodels.analysis.diagnosis import CHANCE_LOSS, STUCK_MARGIN
from vgmodels.analysis.references import REFERENCES, cite
from vgmodels.analysis.summary import CaseSummary, summarize
from vgmodels.analysis.suspects import suspicion
from vgmodels.remedies import REMEDIES
from vgmodels.report import tables, text
from vgmodels.report.figset import make_figures
from vgmodels.report.findings import findings, significance_note
from vgmodels.report.sections import build as build_sections
from vgmodels.results import by_case

TITLE = "Vanishing gradients in deep MLPs: remedies measured on Fashion-MNIST"

DIAGNOSES_INTRO = (
    "Each failing case gets one entry: the facts its records show in most of its seeds, read by "
    "the checks of vgmodels.analysis.diagnosis, then the cause, said as a cause where the records measure "
    "it and as a suspicion where they do not, with the run that would test it. Chance loss is "
    f"ln 10 = {CHANCE_LOSS:.4f}, the cross-entropy of a uniform guess over the ten classes; "
    f"“stays within x of chance loss” means every epoch after the first, to {STUCK_MARGIN}. "
    "A unit is saturated beyond 0.99 of its range; the activation spread is the standard "
    "deviation of a hidden layer's outputs over a fixed probe batch after the epoch "
    f"{cite('glorot', 'schoenholz')}."
)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def case_diagnoses(s: dict[str, CaseSummary]) -> dict[str, CaseDiagnosis]:
    """Every case's diagnosis (an empty one for a missing case)."""
    return {cid: diagnose_case(cid, x.records) if not x.missing else CaseDiagnosis(cid)
            for cid, x in s.items()}  # fmt: skip


def diagnosis_entries(s: dict[str, CaseSummary], diag: dict[str, CaseDiagnosis]) -> list[dict]:
    """One entry per failing case: its evidence clauses and its (suspected) cause."""
    out = []
    for cid, d in diag.items():
        if not d.failing:
            continue
        held = max(len(v) for v in d.held.values())
        out.append({
            "case": cid,
            "seeds": f"{held}/{d.n} seeds" if d.n > 1 else "1 seed",
            "evidence": _sentence("; ".join(evidence(d, s[cid].mean))),
            "cause": suspicion(d, s),
        })  # fmt: skip
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
    figs = make_figures(s, out / "figures", records[0]["profile_config"]["epochs"])
    tables.results_frame(s, diag).to_csv(out / "table1.csv", index=False, float_format="%.6g")
    profile_seeds = records[0]["profile_config"].get("seeds")
    return {
        "title": TITLE,
        "intro": text.INTRO,
        "abstract": text.abstract(s, info, diag),
        "findings": findings(s, diag, changes),
        "significance": significance_note(s),
        "setup": text.setup(info),
        "defects": text.DEFECTS,
        "diagnoses_intro": DIAGNOSES_INTRO,
        "diagnoses": diagnosis_entries(s, diag),
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
