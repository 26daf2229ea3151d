"""Which code made a record: package version, a hash of the training sources, the git commit.

`commit` is `git describe --always` in a checkout (with -dirty where vgmodels/ has uncommitted
changes), else the package version and the first
12 hex digits of the source hash; `publishable` is true only for a checkout with no uncommitted
change under vgmodels/ (records from a dirty tree cannot be traced to a commit).

A copy of the package with no git beside it (a wheel, a tree sent to a GPU machine) can carry a
stamp, `vgmodels/COMMIT.json`, written in a clean checkout by `python -m vgmodels.provenance
stamp`: the commit and the source hash it had. Such a copy names that commit, clean, only while its
own source hash still equals the stamp's; a copy whose training sources changed since is dirty. A
copy inside another, older checkout (git there calls it dirty) takes the stamp on the same terms.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from vgmodels import __version__

PACKAGE = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE.parent
STAMP = "COMMIT.json"  # beside the sources of a copy with no git (see the module)

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


def _stamp(package: Path) -> dict | None:
    try:
        stamp = json.loads((package / STAMP).read_text())
    except (OSError, ValueError):
        return None
    keys = ("git_commit", "describe", "source_sha256")
    return (
        stamp
        if isinstance(stamp, dict) and all(isinstance(stamp.get(k), str) for k in keys)
        else None
    )


def describe_code(package: Path) -> dict:
    """Version, source hash, commit and publishability of the package at `package`."""
    root, sha = package.parent, source_sha256(package)
    head = _git(root, "rev-parse", "HEAD") if (root / ".git").exists() else None
    changed = _git(root, "status", "--porcelain", "--", package.name) if head else None
    dirty = None if changed is None else bool(changed)
    described = _git(root, "describe", "--always") if head else None
    stamp = None if dirty is False else _stamp(package)
    if stamp is not None and (head is None or stamp["source_sha256"] == sha):
        # no git, or a checkout whose changes since touch no training source: the stamp's commit,
        # clean while the sources match it
        head, described = stamp["git_commit"], stamp["describe"]
        dirty = stamp["source_sha256"] != sha
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


def write_stamp(package: Path = PACKAGE) -> Path:
    """Write `package`/COMMIT.json from its clean checkout; ValueError where it is not one."""
    code = describe_code(package)
    if not (package.parent / ".git").exists() or not code["publishable"]:
        raise ValueError(f"{package}: not a clean git checkout; commit first")
    out = package / STAMP
    keys = ("git_commit", "source_sha256")
    stamp = {k: code[k] for k in keys} | {"describe": code["commit"]}
    out.write_text(json.dumps(stamp, indent=1) + "\n")
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["stamp"]:
        sys.exit("usage: python -m vgmodels.provenance stamp")
    try:
        print(write_stamp())
    except ValueError as e:
        sys.exit(f"vgmodels.provenance: {e}")
