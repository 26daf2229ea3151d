"""The runs folder: each finished run's record written at once, atomically; reuse on resume.

A record states the code that made it (`code`): the package version, a sha256 over the
package's training sources (every .py under vgmodels/ but those in NOT_TRAINING) and, when the
project is a git checkout, the commit and whether those sources differ from it. A record is
reused only when its case, profile (name, data sizes, epochs), seed, config, device type,
package version and source hash equal the run's own; the commit is stated, not compared, so a
commit that leaves the training sources alone keeps the runs already made.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from pathlib import Path

import torch

from vgmodels import __version__
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.results import ResultsError, read_json, validate_record, write_json_atomic

PACKAGE = Path(__file__).resolve().parent


def default_folder(profile: Profile) -> Path:
    """results/runs/PROFILE/ under the project."""
    return PROJECT_ROOT / "results" / "runs" / profile.name


# Sources that only read, write, check or present records: a change to them keeps old runs valid.
NOT_TRAINING = ("report/", "__main__.py", "check.py", "cli.py", "results.py", "runs.py")


def source_sha256() -> str:
    """sha256 over the path and bytes of every source that can change what a run computes."""
    h = hashlib.sha256()
    for f in sorted(PACKAGE.rglob("*.py")):
        rel = f.relative_to(PACKAGE).as_posix()
        if not rel.startswith(NOT_TRAINING):
            h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True,
                             text=True, timeout=10)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@functools.lru_cache(maxsize=1)
def code_version() -> dict:
    """Which code makes this process's records: version, source hash, git commit when known."""
    commit = _git("rev-parse", "HEAD") if (PROJECT_ROOT / ".git").exists() else None
    changed = _git("status", "--porcelain", "--", "vgmodels") if commit else None
    return {
        "version": __version__,
        "source_sha256": source_sha256(),
        "git_commit": commit,
        "git_dirty": None if changed is None else bool(changed),
    }


def record_path(folder: Path, case_id: str, seed: int) -> Path:
    return Path(folder) / f"{case_id}-s{seed}.json"


def save(folder: Path, record: dict) -> Path:
    """State the code version in the record, then write it atomically into the runs folder."""
    record["code"] = code_version()
    return write_json_atomic(record_path(folder, record["case"], record["seed"]), record, None)


def _same_code(code) -> bool:
    mine = code_version()
    return isinstance(code, dict) and all(
        code.get(k) == mine[k] for k in ("version", "source_sha256")
    )


def reusable(
    folder: Path, case: Case, profile: Profile, seed: int, device: torch.device
) -> dict | None:
    """The folder's record of this exact run made by this code, or None (absent or different)."""
    path = record_path(folder, case.id, seed)
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
    if any(rec.get(k) != v for k, v in want.items()) or not _same_code(rec.get("code")):
        return None
    return rec
