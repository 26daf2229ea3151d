"""Result files: atomic JSON writes, and reading records from run --out or pytest-benchmark JSON."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from .remedies import REMEDIES

REQUIRED = ("case", "seed", "profile", "test_acc", "history", "diverged")


class ResultsError(Exception):
    """A results file is missing, truncated or of the wrong shape; the message is one line."""


def write_json_atomic(path: str | os.PathLike, obj, indent: int | None = 1) -> Path:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(
                obj, f, indent=indent, allow_nan=False, separators=None if indent else (",", ":")
            )
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _check_record(rec, where: str) -> dict:
    if not isinstance(rec, dict):
        raise ResultsError(f"{where}: a record must be a JSON object, got {type(rec).__name__}")
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        raise ResultsError(
            f"{where}: record lacks {', '.join(missing)}; expected a vgmodels record"
        )
    if rec["case"] not in REMEDIES:
        raise ResultsError(
            f"{where}: unknown case {rec['case']!r}; accepted: {', '.join(REMEDIES)}"
        )
    acc = rec["test_acc"]
    if not isinstance(acc, (int, float)) or not math.isfinite(acc) or not 0 <= acc <= 1:
        raise ResultsError(
            f"{where}: case {rec['case']}: test_acc {acc!r} is not a number in [0, 1]"
        )
    return rec


def records_from_obj(obj, where: str) -> list[dict]:
    """Records in a parsed file: one record, a list of records, or a pytest-benchmark JSON."""
    if isinstance(obj, dict) and "benchmarks" in obj:
        if not isinstance(obj["benchmarks"], list):
            raise ResultsError(f"{where}: 'benchmarks' must be a list")
        out = []
        for b in obj["benchmarks"]:
            extra = b.get("extra_info", {}) if isinstance(b, dict) else None
            if not isinstance(extra, dict) or not isinstance(extra.get("records"), list):
                name = b.get("name", "?") if isinstance(b, dict) else "?"
                if isinstance(extra, dict) and extra.get("kind") == "speed":
                    continue
                raise ResultsError(
                    f"{where}: benchmark {name} has no vgmodels records in extra_info"
                )
            out += [_check_record(r, f"{where} ({b.get('name')})") for r in extra["records"]]
        return out
    if isinstance(obj, dict) and "records" in obj:
        obj = obj["records"]
    if isinstance(obj, dict):
        return [_check_record(obj, where)]
    if isinstance(obj, list):
        return [_check_record(r, where) for r in obj]
    raise ResultsError(f"{where}: expected a record, a list of records or a pytest-benchmark JSON")


def read_json(path: str | os.PathLike):
    """Parsed JSON of a file, or ResultsError saying why not."""
    p = Path(path)
    if not p.is_file():
        raise ResultsError(
            f"{p}: no such file; pass a pytest-benchmark JSON or a `run --out` record"
        )
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        where = f"(line {e.lineno}, column {e.colno})"
        raise ResultsError(f"{p}: not valid JSON: {e.msg} {where}; truncated?") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{p}: not valid JSON (not UTF-8 text)") from None


def load_results(paths) -> tuple[list[dict], list[dict], dict]:
    """(records, speed entries, bench run information) of the given files, each parsed once."""
    records, speed, info = [], [], {}
    for path in paths:
        obj = read_json(path)
        records += records_from_obj(obj, str(path))
        if isinstance(obj, dict) and isinstance(obj.get("benchmarks"), list):
            for b in obj["benchmarks"]:
                extra = b.get("extra_info", {})
                if isinstance(extra, dict) and extra.get("kind") == "speed":
                    speed.append(extra)
        elif isinstance(obj, dict) and isinstance(obj.get("speed"), list):  # a site's results.json
            speed += [s for s in obj["speed"] if isinstance(s, dict) and s.get("kind") == "speed"]
        if not info and isinstance(obj, dict) and isinstance(obj.get("vgmodels"), dict):
            info = obj["vgmodels"]
    if not records:
        raise ResultsError(f"{', '.join(map(str, paths))}: holds no records")
    return records, speed, info


def load_records(paths) -> list[dict]:
    """Every record in the given files, in order; ResultsError on the first bad one."""
    return load_results(paths)[0]


def by_case(records: list[dict]) -> dict[str, list[dict]]:
    """Records grouped by case id, in REMEDIES order."""
    groups: dict[str, list[dict]] = {}
    for cid in REMEDIES:
        rs = [r for r in records if r["case"] == cid]
        if rs:
            groups[cid] = sorted(rs, key=lambda r: r["seed"])
    return groups
