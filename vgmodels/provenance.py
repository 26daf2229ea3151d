"""Which code made a record: package version, a hash of the training sources, the git commit.

`commit` is `git describe --always` in a checkout (with -dirty where vgmodels/ has uncommitted
changes), else the package version and the first
12 hex digits of the source hash; `publishable` is true only for a checkout with no uncommitted
change under vgmodels/ (records from a dirty tree cannot be traced to a commit).
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

from vgmodels import __version__

PACKAGE = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE.parent

# Sources that only read, write, check or present records: a change to them keeps old runs valid.
NOT_TRAINING = (
    "report/",
    "analysis/",
    "sweep/cli.py",
    "__main__.py",
    "check.py",
    "cli.py",
    "results.py",
    "provenance.py",
    "runs/folder.py",
    "runs/tensorboard.py",
)


def source_sha256(package: Path = PACKAGE) -> str:
    """sha256 over the path and bytes of every source that can change what a run computes."""
    h = hashlib.sha256()
    for f in sorted(package.rglob("*.py")):
        rel = f.relative_to(package).as_posix()
        if not rel.startswith(NOT_TRAINING):
            h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def describe_code(package: Path) -> dict:
    """Version, source hash, commit and publishability of the package at `package`."""
    root, sha = package.parent, source_sha256(package)
    head = _git(root, "rev-parse", "HEAD") if (root / ".git").exists() else None
    changed = _git(root, "status", "--porcelain", "--", package.name) if head else None
    dirty = None if changed is None else bool(changed)
    described = _git(root, "describe", "--always") if head else None
    return {
        "version": __version__,
        "source_sha256": sha,
        "git_commit": head,
        "git_dirty": dirty,
        "commit": f"{described}-dirty" if dirty else described or f"{__version__}+{sha[:12]}",
        "publishable": dirty is False,
    }


@functools.lru_cache(maxsize=1)
def code_version() -> dict:
    """Which code makes this process's records (see describe_code)."""
    return describe_code(PACKAGE)


def same_code(code) -> bool:
    """Whether a record's `code` names the code of this process (version and training sources)."""
    mine = code_version()
    return isinstance(code, dict) and all(
        code.get(k) == mine[k] for k in ("version", "source_sha256")
    )
