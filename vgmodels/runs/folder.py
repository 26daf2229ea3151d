"""The runs folder: each finished run's record written at once, atomically; reuse on resume.

A record states the code that made it (`code`, see vgmodels.provenance). A record is
reused only when its case, profile (name, data sizes, epochs), seed, config, device type,
package version and source hash equal the run's own; the commit is stated, not compared, so a
commit that leaves the training sources alone keeps the runs already made.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.provenance import same_code
from vgmodels.remedies import Case
from vgmodels.results import ResultsError, read_json, validate_record, write_json_atomic


def default_folder(profile: Profile) -> Path:
    """results/runs/PROFILE/ under the project."""
    return PROJECT_ROOT / "results" / "runs" / profile.name


def record_path(folder: Path, case_id: str, seed: int, name: str | None = None) -> Path:
    """FOLDER/NAME.json, by default FOLDER/CASE-sSEED.json (a sweep names its runs by key)."""
    return Path(folder) / f"{name or f'{case_id}-s{seed}'}.json"


def save(folder: Path, record: dict, name: str | None = None) -> Path:
    """Write the record (it states its code: training/record.py) atomically into the folder."""
    path = record_path(folder, record["case"], record["seed"], name)
    return write_json_atomic(path, record, None)


def reusable(
    folder: Path,
    case: Case,
    profile: Profile,
    seed: int,
    device: torch.device,
    name: str | None = None,
) -> dict | None:
    """The folder's record of this exact run made by this code, or None (absent or different):
    the one resume rule of the benchmark (`--vg-resume`) and the sweeps (a rerun)."""
    path = record_path(folder, case.id, seed, name)
    if not path.is_file():
        return None
    try:
        rec = validate_record(read_json(path), str(path))
    except ResultsError:
        return None  # a file we cannot use is trained again and replaced
    want = {
        "case": case.id,
        "seed": seed,
        "profile": profile.name,
        "profile_config": json.loads(json.dumps(profile.as_dict())),
        "config": json.loads(json.dumps(case.config())),
        "device": device.type,
    }
    if any(rec.get(k) != v for k, v in want.items()) or not same_code(rec.get("code")):
        return None
    return rec
