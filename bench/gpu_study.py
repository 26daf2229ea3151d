"""The published study on one GPU machine: every paper run, paper300's and the sweeps, in one go.

    VG_DATA=FOLDER python bench/gpu_study.py OUT [--runs DIR] [--seconds S] [--workers N]

A step of these models is a few hundred tiny kernels; one process keeps an H200 busy only while
it replays a CUDA graph, and the eager parts (evaluation, probes, the recurrent and layer-wise
cases) leave it idle. So N processes train at once, each one item of the plan (one case of a
profile through `pytest bench/test_cases.py`, or one sweep through `python -m vgmodels.sweep
--device cuda`), taken the longest first from one list (the plan's order below) so that they end
together. Every process writes each record the moment it finishes into RUNS/paper, RUNS/paper300
and RUNS/sweeps (RUNS: --runs, default OUT/runs) and reuses the identical runs already there, so a
later call with the same code and --runs resumes where one stopped; an item
still running at the deadline is interrupted (SIGINT: what it finished is kept) and listed as
unfinished. OUT/items.tsv states each item's start, end, seconds and exit code: the per-case split
of the wall time. Nothing here changes what a run computes: each record is the one `pytest
bench/ --vg-profile paper` gives for that case and seed on that device.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vgmodels.profiles import get_profile  # noqa: E402
from vgmodels.remedies import REMEDIES  # noqa: E402
from vgmodels.runs.queue import cost  # noqa: E402

SWEEPS = ("beyond", "phase", "depth", "lr")
PAPER300 = ("depth3", "depth5", "baseline")


def _eager_weight(case) -> float:
    """How much longer than its FLOPs say a case takes on a GPU: eager steps (the recurrent
    family, SDAGD's double backward, a schedule) and one-seed-at-a-time layer-wise stages."""
    if case.model.recurrent:
        return 40.0
    if case.train.optimizer == "sdagd" or case.train.lr_schedule != "constant":
        return 20.0
    return 4.0 if case.train.schedule != "none" else 1.0


def plan(
    out: Path, profiles=("paper", "paper300"), device="cuda", runs: Path | None = None
) -> list[tuple[str, list[str]]]:
    """(name, command) of every item, the longest expected first."""
    py = sys.executable
    runs = runs or out / "runs"
    items = []
    for prof in profiles:
        profile = get_profile(prof)
        ids = [c for c in REMEDIES if profile.heavy or not REMEDIES[c].heavy]
        ids = list(PAPER300) if prof == "paper300" else ids
        for cid in ids:
            case = REMEDIES[cid]
            weight = cost(case, profile) * _eager_weight(case)
            cmd = [
                py, "-m", "pytest", "bench/test_cases.py", "-q", "-p", "no:cacheprovider",
                f"--vg-profile={prof}", f"--vg-cases={cid}", f"--vg-device={device}",
                f"--vg-runs={runs}/{prof}", "--vg-resume",
                f"--benchmark-json={out}/bench/{prof}-{cid}.json",
            ]  # fmt: skip
            items.append((weight, f"{prof}:{cid}", cmd))
    top = max(w for w, _, _ in items)
    for i, kind in enumerate(SWEEPS):  # after the longest cases: they are many short runs
        cmd = [py, "-m", "vgmodels.sweep", kind, "--device", device, "--out", f"{runs}/sweeps"]
        items.append((top * (0.9 - 0.1 * i), f"sweep:{kind}", cmd))
    items.sort(key=lambda t: -t[0])
    return [(name, cmd) for _, name, cmd in items]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--runs", type=Path, default=None, help="records folder (default OUT/runs)")
    ap.add_argument("--seconds", type=float, default=480.0, help="deadline from the start")
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--only", default=None, help="comma-separated item names (default: all)")
    ap.add_argument("--profiles", default="paper,paper300", help="a check of this script: smoke")
    ap.add_argument("--device", default="cuda", help="a check of this script: cpu")
    args = ap.parse_args()
    out = args.out.resolve()
    for d in ("bench", "logs"):
        (out / d).mkdir(parents=True, exist_ok=True)
    runs = args.runs.resolve() if args.runs else None
    items = plan(out, args.profiles.split(","), args.device, runs)
    if args.only:
        keep = set(args.only.split(","))
        items = [it for it in items if it[0] in keep]
    t0 = time.time()
    deadline = t0 + args.seconds
    rows = []
    path = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p)
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}

    def run(item):
        name, cmd = item
        start = time.time()
        left = deadline - start
        if left < 5:
            rows.append((name, start - t0, start - t0, 0.0, "not started"))
            return
        log = out / "logs" / (name.replace(":", "-") + ".log")
        with open(log, "w") as f:
            p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
            try:
                rc = p.wait(timeout=left)
            except subprocess.TimeoutExpired:
                p.send_signal(2)  # SIGINT: the queue saves what finished
                try:
                    rc = p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    rc = p.wait()
                rc = f"interrupted ({rc})"
        end = time.time()
        rows.append((name, start - t0, end - t0, end - start, rc))
        print(f"{end - t0:6.0f}s  {name:32s} {end - start:6.1f}s  rc {rc}", flush=True)

    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(run, items))
    wall = time.time() - t0
    with open(out / "items.tsv", "w") as f:
        f.write("item\tstart_s\tend_s\tseconds\trc\n")
        for r in sorted(rows, key=lambda r: r[1]):
            f.write("\t".join(str(round(x, 1)) if isinstance(x, float) else str(x) for x in r))
            f.write("\n")
    bad = [r for r in rows if r[4] != 0]
    print(
        f"study: {len(rows)} items in {wall:.0f}s wall, {args.workers} at once; not ok: "
        + (", ".join(f"{r[0]} ({r[4]})" for r in bad) or "none"),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
