"""Result files: the record schema, atomic JSON writes, reading records from files and folders."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from vgmodels.remedies import REMEDIES

MAX_SEED = 2**32  # torch.manual_seed and numpy take seeds in [0, 2**32)


class ResultsError(Exception):
    """A results file is missing, truncated or of the wrong shape; the message is one line."""


class OutputError(ResultsError, OSError):
    """A result could not be written where asked; the message is one line."""


def write_json_atomic(path: str | os.PathLike, obj, indent: int | None = 1) -> Path:
    """Write JSON to a temporary file beside `path`, flush it to disk, then rename it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise OutputError(f"{path}: cannot write there ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(
                obj, f, indent=indent, allow_nan=False, separators=None if indent else (",", ":")
            )
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write there ({e.strerror or e})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# What the report and the checks read from a record: key -> accepted JSON types (None = null).
NUM, INT, OPT_NUM, OPT_INT = (int, float), (int,), (int, float, type(None)), (int, type(None))
RECORD = {
    "case": (str,), "seed": INT, "profile": (str,), "profile_config": (dict,), "config": (dict,),
    "epochs_run": INT, "history": (list,), "test_acc": NUM, "test_loss": OPT_NUM,
    "convergence_epoch": OPT_INT, "vanishing_ratio": (dict,), "diverged": (bool,),
    "train_seconds": NUM, "seconds_per_epoch": NUM, "device": (str,),
}  # fmt: skip
# Checked when present: what the tables and the setup read besides.
OPTIONAL = {
    "epochs": INT, "best_val_acc": OPT_NUM, "plateau_epoch": OPT_INT, "samples_per_second": OPT_NUM,
    "flops_per_epoch": NUM, "gflops_per_second": OPT_NUM, "peak_gflops": OPT_NUM, "mfu": OPT_NUM,
    "threads": INT, "concurrent_runs": INT, "n_train": INT, "n_val": INT, "n_test": INT,
    "device_name": (str,), "torch": (str,), "python": (str,), "phases": (list,),
    "run_seconds": NUM, "started_at": NUM, "finished_at": NUM, "peak_rss_mb": OPT_NUM,
}  # fmt: skip
EPOCH = {"epoch": INT, "val_acc": NUM, "train_loss": OPT_NUM, "grad_norm": (list,)}
PER_LAYER = ("grad_norm", "update_ratio", "act_mean", "act_std", "saturation", "dead")


def _type_error(where: str, key: str, value, types) -> ResultsError:
    names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
    return ResultsError(f"{where}: {key} is {type(value).__name__}, expected {names}")


def _check_fields(obj: dict, fields: dict, where: str) -> None:
    for key, types in fields.items():
        if key not in obj:
            raise ResultsError(f"{where}: record lacks {key}; expected a vgmodels record")
        v = obj[key]
        if isinstance(v, bool) and bool not in types or not isinstance(v, types):
            raise _type_error(where, key, v, types)


def _is_number_list(values) -> bool:
    return isinstance(values, list) and all(
        v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    )


def _beyond_variant(rec: dict) -> bool:
    """A 'beyond' sweep record: its case names one of that sweep's own variants
    (vgmodels.sweep.beyond_grid, not the remedies), and its config states the whole model."""
    sweep = rec.get("sweep")
    return (
        isinstance(sweep, dict)
        and sweep.get("kind") == "beyond"
        and isinstance(rec["case"], str)
        and rec["case"].isidentifier()
        and isinstance(rec.get("config"), dict)
    )


def validate_record(rec, where: str) -> dict:
    """The record itself, or ResultsError naming the first field that breaks the schema."""
    if not isinstance(rec, dict):
        raise ResultsError(f"{where}: a record must be a JSON object, got {type(rec).__name__}")
    missing = [k for k in RECORD if k not in rec]
    if missing:
        raise ResultsError(
            f"{where}: record lacks {', '.join(missing)}; expected a vgmodels record"
        )
    _check_fields(rec, RECORD, where)
    _check_fields(rec, {k: t for k, t in OPTIONAL.items() if k in rec}, where)
    if rec["case"] not in REMEDIES and not _beyond_variant(rec):
        raise ResultsError(
            f"{where}: unknown case {rec['case']!r}; accepted: {', '.join(REMEDIES)}, or a "
            "'beyond' sweep's variant"
        )
    where = f"{where}: case {rec['case']}"
    for key in ("test_acc", "best_val_acc"):
        if key in rec and rec[key] is not None and not 0 <= rec[key] <= 1:
            raise ResultsError(f"{where}: {key} {rec[key]!r} is not a number in [0, 1]")
    if not 0 <= rec["seed"] < MAX_SEED:
        raise ResultsError(f"{where}: seed {rec['seed']} is not in [0, 2**32)")
    if not isinstance(rec["profile_config"].get("epochs"), int):
        raise ResultsError(f"{where}: profile_config lacks an integer epochs")
    vr = rec["vanishing_ratio"]
    if not all(k in vr and isinstance(vr[k], OPT_NUM) for k in ("epoch1", "final")):
        raise ResultsError(f"{where}: vanishing_ratio needs epoch1 and final (numbers or null)")
    history = rec["history"]
    if not history or len(history) != rec["epochs_run"]:
        raise ResultsError(f"{where}: history holds {len(history)} epochs, epochs_run says "
                           f"{rec['epochs_run']}; expected at least one")  # fmt: skip
    widths: dict[str, int] = {}
    for i, row in enumerate(history, 1):
        if not isinstance(row, dict):
            raise ResultsError(f"{where}: history entry {i} is not an object")
        _check_fields(row, EPOCH, f"{where}: epoch {i}")
        if not 0 <= row["val_acc"] <= 1:
            raise ResultsError(f"{where}: epoch {i}: val_acc {row['val_acc']!r} is not in [0, 1]")
        for key in PER_LAYER:
            if key in row:
                value = row[key]
                if not _is_number_list(value) or widths.setdefault(key, len(value)) != len(value):
                    raise ResultsError(f"{where}: epoch {i}: {key} is not a per-layer list of "
                                       "numbers of one length")  # fmt: skip
    return rec


# benchmarks that time something and hold no run records: bench/test_speed.py, test_sdagd_speed.py
TIMING_KINDS = ("speed", "sdagd_speed")


def records_from_obj(obj, where: str) -> list[dict]:
    """Records in a parsed file: one record, a list of records, or a pytest-benchmark JSON."""
    if isinstance(obj, dict) and "benchmarks" in obj:
        if not isinstance(obj["benchmarks"], list):
            raise ResultsError(f"{where}: 'benchmarks' must be a list")
        out = []
        for b in obj["benchmarks"]:
            extra = b.get("extra_info", {}) if isinstance(b, dict) else None
            name = b.get("name", "?") if isinstance(b, dict) else "?"
            if not isinstance(extra, dict) or not isinstance(extra.get("records"), list):
                if isinstance(extra, dict) and extra.get("kind") in TIMING_KINDS:
                    continue
                raise ResultsError(
                    f"{where}: benchmark {name} has no vgmodels records in extra_info"
                )
            out += [validate_record(r, f"{where} ({name})") for r in extra["records"]]
        return out
    if isinstance(obj, dict) and "records" in obj:
        obj = obj["records"]
    if isinstance(obj, dict):
        return [validate_record(obj, where)]
    if isinstance(obj, list):
        return [validate_record(r, where) for r in obj]
    raise ResultsError(f"{where}: expected a record, a list of records or a pytest-benchmark JSON")


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON (records store null for a non-finite number)")


def _finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"{text[:20]} is out of range for a number")
    return x


def _safe_int(text: str) -> int:
    x = int(text)
    if abs(x) >= 2**53:  # beyond what a float holds exactly: the means and sums would overflow
        raise ValueError(f"{text[:20]} is out of range for a number")
    return x


def read_json(path: str | os.PathLike):
    """Parsed JSON of a file (NaN and infinities refused), or ResultsError saying why not."""
    p = Path(path)
    if p.is_dir():
        raise ResultsError(f"{p}: is a folder; expected a JSON file")
    if not p.is_file():
        raise ResultsError(
            f"{p}: no such file; pass a pytest-benchmark JSON, a `run --out` record or a folder"
        )
    try:
        text = p.read_text()
        return json.loads(
            text, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_safe_int
        )
    except json.JSONDecodeError as e:
        where = f"(line {e.lineno}, column {e.colno})"
        raise ResultsError(f"{p}: not valid JSON: {e.msg} {where}; truncated?") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{p}: not valid JSON (not UTF-8 text)") from None
    except ValueError as e:
        raise ResultsError(f"{p}: not valid JSON: {e}") from None
    except RecursionError:
        raise ResultsError(f"{p}: not valid JSON: nested too deeply") from None
    except OSError as e:
        raise ResultsError(f"{p}: cannot read ({e.strerror or e})") from None


def result_files(path: str | os.PathLike) -> list[Path]:
    """A file as itself; a folder as its *.json files in name order (hidden files left out)."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    try:
        found = sorted(f for f in p.glob("*.json") if f.is_file() and not f.name.startswith("."))
    except OSError as e:
        raise ResultsError(f"{p}: cannot read the folder ({e.strerror or e})") from None
    if not found:
        raise ResultsError(f"{p}: a folder with no .json files; expected records or benchmark JSON")
    return found


def load_results(paths) -> tuple[list[dict], list[dict], dict]:
    """(records, speed entries, bench run information) of files and folders, each parsed once.

    A run met twice (the same case and seed, say in a runs folder and a benchmark JSON) counts once.
    """
    records, speed, info, seen = [], [], {}, set()
    for path in [f for p in paths for f in result_files(p)]:
        obj = read_json(path)
        for r in records_from_obj(obj, str(path)):
            key = (r["case"], r["seed"], r["profile"], (r.get("sweep") or {}).get("key"))
            if key not in seen:
                seen.add(key)
                records.append(r)
        if isinstance(obj, dict) and isinstance(obj.get("benchmarks"), list):
            for b in obj["benchmarks"]:
                extra = b.get("extra_info", {}) if isinstance(b, dict) else None
                if isinstance(extra, dict) and extra.get("kind") in TIMING_KINDS:
                    speed.append(extra)
        elif isinstance(obj, dict) and isinstance(obj.get("speed"), list):  # a site's results.json
            speed += [
                s for s in obj["speed"] if isinstance(s, dict) and s.get("kind") in TIMING_KINDS
            ]
        if not info and isinstance(obj, dict) and isinstance(obj.get("vgmodels"), dict):
            info = obj["vgmodels"]
    if not records:
        raise ResultsError(f"{', '.join(map(str, paths))}: holds no records")
    return records, speed, info


def load_records(paths) -> list[dict]:
    """Every record in the given files and folders, in order; ResultsError on the first bad one."""
    return load_results(paths)[0]


def by_case(records: list[dict]) -> dict[str, list[dict]]:
    """Records grouped by case id, in REMEDIES order."""
    groups: dict[str, list[dict]] = {}
    for cid in REMEDIES:
        rs = [r for r in records if r["case"] == cid]
        if rs:
            groups[cid] = sorted(rs, key=lambda r: r["seed"])
    return groups


def device_label(rec: dict) -> str:
    """The machine a record ran on, as the report names it: its device name (CPU model and
    threads, or GPU model), else its device type."""
    return rec.get("device_name") or rec.get("device") or "unknown"
