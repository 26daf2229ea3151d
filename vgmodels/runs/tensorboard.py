"""A finished record as TensorBoard event files: curves, per-layer gradient norms, config as hparams.

Tags: `acc/train`, `acc/val`, `loss/train`, `loss/val`, `lr`; one tag per layer under
`grad_norm/`, `update_ratio/`, `saturation/` and `dead/` (hidden layers `layer_1` ... `layer_L`,
the output layer `out`; a recurrent model's weights by name), so TensorBoard shows a metric's
layers side by side; the Custom Scalars tab overlays each metric's layers on one chart, where a
vanishing network shows as a fan of curves decades apart. The step is the epoch; the wall time
is the run's own clock (its start plus the epochs' seconds). The config, flattened, is the run's
hparams, with its test and best validation accuracy as the hparam metrics.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

SCALARS = {
    "acc/train": "train_acc",
    "acc/val": "val_acc",
    "loss/train": "train_loss",
    "loss/val": "val_loss",
    "lr": "lr",
}
PER_LAYER = ("grad_norm", "update_ratio", "saturation", "dead")
HPARAM_METRICS = {"hparam/test_acc": "test_acc", "hparam/best_val_acc": "best_val_acc"}


def run_name(rec: dict) -> str:
    """The run's folder under the TensorBoard directory: its sweep key, or case-profile-sSEED."""
    key = rec.get("sweep", {}).get("key")
    return key or f"{rec['case']}-{rec['profile']}-s{rec['seed']}"


def layer_tags(rec: dict, width: int) -> list[str]:
    """Tag names of a per-layer list of `width` entries: h3 -> layer_3, out, W_hh1 kept."""
    names = list(rec.get("layers") or [])
    if len(names) < width:
        return [f"layer_{i}" for i in range(1, width + 1)]
    return [re.sub(r"^h(\d+)$", r"layer_\1", n) for n in names[:width]]


def flat_hparams(config: dict, prefix: str = "") -> dict:
    """A nested config as one level of `model.depth`-style keys; values TensorBoard accepts."""
    out = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat_hparams(value, name + "."))
        elif isinstance(value, bool | int | float | str):
            out[name] = value
        else:  # None, lists, tuples: their JSON text
            out[name] = json.dumps(value)
    return out


def _layout(rec: dict) -> dict:
    charts = {m: ["Multiline", [rf"{m}/.*"]] for m in PER_LAYER}
    charts.update({"accuracy": ["Multiline", [r"acc/.*"]], "loss": ["Multiline", [r"loss/.*"]]})
    return {"vgmodels": charts}


def _write_events(writer, rec: dict) -> None:
    clock = rec.get("started_at", 0.0)
    for row in rec["history"]:
        step = row["epoch"]
        clock += row.get("seconds") or 0.0
        for tag, key in SCALARS.items():
            if row.get(key) is not None:
                writer.add_scalar(tag, row[key], step, walltime=clock)
        for metric in PER_LAYER:
            values = row.get(metric) or []
            for tag, value in zip(layer_tags(rec, len(values)), values, strict=True):
                if value is not None:
                    writer.add_scalar(f"{metric}/{tag}", value, step, walltime=clock)


def write_record(rec: dict, log_dir: str | Path) -> Path:
    """Write `rec` as event files into log_dir/RUN (replacing that run's folder); returns it."""
    from torch.utils.tensorboard import SummaryWriter

    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    target = log_dir / run_name(rec)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=log_dir))
    try:
        with SummaryWriter(log_dir=str(tmp)) as writer:
            writer.add_custom_scalars(_layout(rec))
            _write_events(writer, rec)
            metrics = {t: rec[k] for t, k in HPARAM_METRICS.items() if rec.get(k) is not None}
            hparams = {
                "case": rec["case"],
                "profile": rec["profile"],
                "seed": rec["seed"],
                **flat_hparams(rec.get("config", {})),
            }
            writer.add_hparams(hparams, metrics, run_name=".", global_step=rec["epochs_run"])
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_records(records: list[dict], log_dir: str | Path | None) -> list[Path]:
    """Every record's event files under `log_dir` (nothing when it is None)."""
    if log_dir is None:
        return []
    return [write_record(r, log_dir) for r in records]


def write_files(paths: list[Path], log_dir: str | Path | None) -> list[Path]:
    """The event files of the record files among `paths` that exist (a failed run has none)."""
    if log_dir is None:
        return []
    records = [json.loads(Path(p).read_text()) for p in paths if Path(p).is_file()]
    return write_records(records, log_dir)
