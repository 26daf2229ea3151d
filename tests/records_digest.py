"""Digest of smoke records without their timing fields: to show a refactor left what runs compute alone.

    python tests/records_digest.py write FILE   # train the cases, write their digests
    python tests/records_digest.py check FILE   # train again, exit 1 naming every case that moved

It trains through the command-line contract (`python -m vgmodels run`), so it reads the same before
and after the package's modules move. The Linear kernel is pinned (VG_LINEAR) because the automatic
choice is a timing probe. Digests hold on one machine: another CPU's kernels may round differently.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = ("baseline", "skip", "layerwise_paper", "grad_norm", "lstm", "sdagd", "resnet_bn_relu")
# What a run measured of the clock, the process or the moment: everything else must not move.
TIMING = {
    "seconds",
    "train_seconds",
    "seconds_per_epoch",
    "samples_per_second",
    "gflops_per_second",
    "peak_gflops",
    "mfu",
    "run_seconds",
    "started_at",
    "finished_at",
    "peak_rss_mb",
    "code_version",
    "code",
    "commit",
    "publishable",
    "concurrent_runs",
}


def strip(value):
    """The value with every timing field removed, at any depth, and every null field (a field
    added later at its null default changes nothing a run computes)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in TIMING and v is not None}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def digest(case: str, profile: str = "smoke") -> str:
    """sha256 of one smoke record of `case` (seed 0, plain aten Linear), timing fields aside."""
    env = dict(os.environ, VG_LINEAR="aten", VG_WORKERS="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "record.json"
        cmd = [
            sys.executable,
            "-m",
            "vgmodels",
            "run",
            case,
            "--profile",
            profile,
            "--out",
            str(out),
        ]
        subprocess.run(cmd, check=True, env=env, stderr=subprocess.DEVNULL)
        record = strip(json.loads(out.read_text()))
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print("usage: records_digest.py write|check FILE", file=sys.stderr)
        return 2
    verb, path = argv[0], Path(argv[1])
    now = {case: digest(case) for case in CASES}
    if verb == "write":
        path.write_text(json.dumps(now, indent=1) + "\n")
        return 0
    before = json.loads(path.read_text())
    moved = [c for c in CASES if before.get(c) != now[c]]
    for c in moved:
        print(f"{c}: record changed ({before.get(c)} -> {now[c]})", file=sys.stderr)
    print("records unchanged" if not moved else f"{len(moved)} of {len(CASES)} records changed")
    return 1 if moved else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
