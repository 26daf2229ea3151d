"""Shared command-line plumbing: an argparse that fails in one line with exit code 2."""

from __future__ import annotations

import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str):
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def fail(prog: str, message: str, code: int = 2):
    """Print `prog: error: message` on stderr and exit."""
    sys.stderr.write(f"{prog}: error: {message}\n")
    raise SystemExit(code)
