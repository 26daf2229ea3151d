"""The provenance section: per case where its records ran (device, torch, commit, seeds, epochs),
and a warning naming the cases wherever the records of one report differ in what made them."""

from __future__ import annotations

import json
from collections import defaultdict

from vgmodels.report.tables import Table
from vgmodels.results import device_label

# What must agree across the records of one table for its rows to compare like with like.
QUANTITIES = {
    "device type": lambda r: r.get("device"),
    "torch version": lambda r: r.get("torch"),
    "commit": lambda r: commit_of(r),
}


def commit_of(record: dict) -> str:
    """The commit a record names (older records: the git commit's first 7 digits, or unknown)."""
    code = record.get("code") or {}
    if code.get("commit"):
        return code["commit"]
    if code.get("git_commit"):
        return code["git_commit"][:7] + ("-dirty" if code.get("git_dirty") else "")
    return "unknown"


def code_line(records: list[dict]) -> str:
    """The setup's one line on the code: the commit the records ran from and whether it was clean
    (every record publishable), or how many commits they mix."""
    commits = sorted({commit_of(r) for r in records})
    clean = all((r.get("code") or {}).get("publishable") for r in records)
    if len(commits) == 1:
        state = "clean" if clean else "not clean: the records cannot all be traced to it"
        shas = {(r.get("code") or {}).get("source_sha256") for r in records} - {None}
        sha = f", training sources sha256 {next(iter(shas))[:12]}" if len(shas) == 1 else ""
        return f"commit {commits[0]} ({state}{sha})"
    return f"{len(commits)} commits ({', '.join(commits)}): see the provenance section"


def _join(values) -> str:
    return ", ".join(sorted({str(v) for v in values}))


def provenance_table(records: list[dict]) -> Table:
    """One row per case: device name(s), torch, commit, seeds and epochs of its records."""
    by_case: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_case[r["case"]].append(r)
    rows = []
    for case, recs in sorted(by_case.items()):
        seeds = sorted(r["seed"] for r in recs)
        rows.append(
            [
                case,
                _join(device_label(r) for r in recs),
                _join(r.get("torch") for r in recs),
                _join(commit_of(r) for r in recs),
                f"{len(seeds)} ({', '.join(map(str, seeds))})",
                _join(r.get("epochs") for r in recs),
            ]
        )
    caption = "Where each case's records ran: device, PyTorch, commit, seeds and epoch budget."
    cols = ["Case", "Device", "torch", "Commit", "Seeds", "Epochs"]
    return Table("provenance", caption, cols, rows, [""] * len(rows))


def profile_settings(records: list[dict]):
    """A reader of the profile settings that differ among `records` ("k=v, ..."; "" if none)."""
    configs = [r.get("profile_config") or {} for r in records]
    keys = sorted({k for c in configs for k in c})
    varying = [k for k in keys if len({json.dumps(c.get(k)) for c in configs}) > 1]
    return lambda r: ", ".join(f"{k}={(r.get('profile_config') or {}).get(k)}" for k in varying)


def mixed(records: list[dict]) -> list[dict]:
    """Each quantity on which the records differ: every value but the commonest with the cases
    that hold it, then the commonest with how many cases hold it (a case whose seeds differ is
    named under each of its values)."""
    out = []
    readers = {**QUANTITIES, "profile settings": profile_settings(records)}
    for name, read in readers.items():
        cases_by_value: dict[str, set[str]] = defaultdict(set)
        for r in records:
            cases_by_value[str(read(r))].add(r["case"])
        if len(cases_by_value) > 1:
            ranked = sorted(cases_by_value.items(), key=lambda kv: (len(kv[1]), kv[0]))
            values = [{"value": v, "cases": sorted(c)} for v, c in ranked[:-1]]
            common, cases = ranked[-1]
            out.append(
                {"quantity": name, "values": values, "common": common, "n_common": len(cases)}
            )
    return out


def provenance_section(records: list[dict]) -> dict | None:
    """The section's context: the table and the mixtures to warn about (None without records)."""
    if not records:
        return None
    return {"table": provenance_table(records), "mixed": mixed(records)}
