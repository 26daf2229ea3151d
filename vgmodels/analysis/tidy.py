"""Every per-epoch and per-layer quantity of the records as one long (tidy) table.

One row per run x epoch x layer x metric. Columns: `run` (the sweep key, else
case-profile-sSEED), `case`, `seed`, `profile`, `device`, `commit` (git describe, the git commit,
else the package version), `epoch`, `phase`, `layer` (the record's layer name: h1 ... h7, out,
W_ih1, ...; `t1` ... `tT` for a recurrent model's gradient norm through time; empty for a
per-epoch scalar), `metric`, `value`. A value the record holds as null (a sigmoid layer's dead
units, a diverged loss) has no row.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = [
    "run",
    "case",
    "seed",
    "profile",
    "device",
    "commit",
    "epoch",
    "phase",
    "layer",
    "metric",
    "value",
]
SCALARS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")
PER_LAYER = ("grad_norm", "update_ratio", "act_mean", "act_std", "saturation", "dead")
PER_STEP = ("grad_norm_time",)


def run_id(rec: dict) -> str:
    """A run's name: its sweep key, or case-profile-sSEED."""
    return rec.get("sweep", {}).get("key") or f"{rec['case']}-{rec['profile']}-s{rec['seed']}"


def commit_of(rec: dict) -> str:
    """The code that made a record: git describe, else the git commit, else the version."""
    code = rec.get("code") or {}
    return code.get("commit") or code.get("git_commit") or rec.get("code_version", "")


def _layer_names(rec: dict, width: int) -> list[str]:
    names = list(rec.get("layers") or [])
    return names[:width] if len(names) >= width else [f"layer{i}" for i in range(1, width + 1)]


def _epoch_rows(rec: dict, row: dict):
    """(layer, metric, value) of one history entry; nulls left out."""
    for metric in SCALARS:
        if row.get(metric) is not None:
            yield "", metric, row[metric]
    for metric in PER_LAYER:
        values = row.get(metric) or []
        for layer, v in zip(_layer_names(rec, len(values)), values, strict=True):
            if v is not None:
                yield layer, metric, v
    for metric in PER_STEP:
        for t, v in enumerate(row.get(metric) or [], start=1):
            if v is not None:
                yield f"t{t}", metric, v


def long_frame(records: list[dict]) -> pd.DataFrame:
    """The records' histories as one long frame (COLUMNS), in record, epoch, metric order."""
    rows = []
    for rec in records:
        fixed = (
            run_id(rec),
            rec["case"],
            rec["seed"],
            rec["profile"],
            rec["device"],
            commit_of(rec),
        )
        for row in rec["history"]:
            at = (*fixed, row["epoch"], row.get("phase", ""))
            rows += [(*at, layer, metric, float(v)) for layer, metric, v in _epoch_rows(rec, row)]
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    for c in ("run", "case", "profile", "device", "commit", "phase", "layer", "metric"):
        frame[c] = frame[c].astype("category")
    return frame.astype({"seed": "int64", "epoch": "int64", "value": "float64"})
