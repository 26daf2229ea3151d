"""The site folder: replaced only when empty or a site this tool wrote, swapped in at the end."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

MARKER = ".vgmodels-site"  # JSON: which tool wrote the folder and every file it wrote
WRITER = "vgmodels.report"


class OutFolderError(Exception):
    """The --out folder must not be replaced or cannot be written; the message is one line."""


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def write_marker(folder: Path) -> None:
    """Mark `folder` as a site this tool wrote, listing every file in it."""
    files = sorted(set(_files(folder)) | {MARKER})
    (folder / MARKER).write_text(json.dumps({"written_by": WRITER, "files": files}, indent=1))


def _own_files(folder: Path) -> set[str] | None:
    """The files the mark of `folder` lists, or None when it bears no valid mark."""
    try:
        mark = json.loads((folder / MARKER).read_text())
        if mark.get("written_by") == WRITER and all(isinstance(f, str) for f in mark["files"]):
            return set(mark["files"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def check_replaceable(out: Path) -> None:
    """OutFolderError unless `out` is new, empty, or a site this tool wrote and nobody added to."""
    hint = "name an empty or new folder"
    if out.is_symlink():
        raise OutFolderError(f"--out {out}: is a symbolic link; {hint}")
    if out.exists() and not out.is_dir():
        raise OutFolderError(f"--out {out}: is an existing file; {hint}")
    here = Path.cwd().resolve()
    target = out.resolve()
    if target == here or target in here.parents:
        raise OutFolderError(f"--out {out}: is the current folder or holds it; {hint}")
    if out.is_dir():
        try:
            entries = sorted(p.name for p in out.iterdir())
            ours = _own_files(out)
            files = _files(out)
        except OSError as e:
            raise OutFolderError(f"--out {out}: cannot read it ({e.strerror or e})") from None
        foreign = next((f for f in files if ours is None or f not in ours), None)
        if ours is None and entries and foreign is None:
            foreign = entries[0]  # only empty folders: still not ours
        if foreign is not None:
            what = "holds" if ours is None else "is a site of this tool, but holds"
            raise OutFolderError(
                f"--out {out}: {what} {foreign}, which this tool did not write; "
                f"nothing was changed; {hint}"
            )


def make_temporary(out: Path) -> Path:
    """A new folder beside `out` to render into (the parents of `out` are created)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:
        raise OutFolderError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    tmp.chmod(0o755)
    return tmp


def swap_in(tmp: Path, out: Path) -> None:
    """Mark `tmp` and put it in the place of `out`; the old folder is removed only afterwards."""
    write_marker(tmp)
    check_replaceable(out)  # again: the folder may have changed while the site was rendered
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.replace(out, old)  # onto the empty folder just made: a name nobody else uses
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
