"""Shared command-line plumbing: one-line errors with exit code 2, seeds and output paths checked."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from vgmodels.results import MAX_SEED


def _one_line(message: str) -> str:
    return " ".join(str(message).split("\n"))


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str):
        sys.stderr.write(f"{self.prog}: error: {_one_line(message)}\n")
        raise SystemExit(2)


def fail(prog: str, message: str, code: int = 2):
    """Print `prog: error: message` on stderr and exit."""
    sys.stderr.write(f"{prog}: error: {_one_line(message)}\n")
    raise SystemExit(code)


def seed(text: str) -> int:
    """A seed as argparse type: a whole number in [0, 2**32)."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"seed {text!r}: accepted a whole number 0 <= seed < 2**32"
        )
    return value


def positive_int(text: str) -> int:
    """A count as argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: accepted a positive whole number")
    return value


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path) -> str | None:
    """Why no file can be created in `folder` (None when one can): tried, then removed."""
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".vgmodels-probe.", dir=folder)
    except OSError as e:
        return f"cannot write in {folder} ({e.strerror or e})"
    os.close(fd)
    os.unlink(tmp)
    return None


def file_output_problem(path: str | os.PathLike) -> str | None:
    """Why a file cannot be written at `path` (None when it can); nothing is left behind."""
    p = Path(path)
    if p.is_dir():
        return f"{p} is a folder; name a file"
    if p.exists() and not p.is_file():
        return f"{p} is not a regular file"
    return _probe(_nearest_existing(p.absolute().parent))


def folder_output_problem(path: str | os.PathLike) -> str | None:
    """Why records cannot be written into the folder `path` (None when they can)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        return f"{p} is a file; name a folder"
    return _probe(_nearest_existing(p.absolute()))
