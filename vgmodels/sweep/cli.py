"""`python -m vgmodels.sweep depth|lr|phase`: a grid of trainings as Ray tasks, one record per run.

depth: each case at depths 2 ... 50; lr: each case over a log grid of learning rates (its own
included); phase: plain tanh / sigmoid MLPs over weight std x depth (biases stay 0: the model has
no bias-std knob, so sigma_b = 0). Without --address a local Ray cluster is started and stopped
here; every record lands in --out the moment its run ends, and a rerun trains only what is missing
or was made by other code (the benchmark's resume rule). Progress: a live line on a terminal, one
line per finished run otherwise.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from vgmodels.cli import OneLineParser, fail, folder_output_problem
from vgmodels.data import DataError, load_fashion_mnist
from vgmodels.device import default_cpus
from vgmodels.runs import cluster
from vgmodels.runs.cluster import ClusterError, check_address
from vgmodels.runs.progress import Progress
from vgmodels.runs.tensorboard import write_files
from vgmodels.sweep.grids import DEFAULT_CASES as CASES
from vgmodels.sweep.grids import KINDS, budget_profile, build_runs, estimate_seconds

PROG = "vgmodels.sweep"


def _list(kind):
    def parse(text: str):
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise ValueError(f"not a list of {kind.__name__} values: {text!r}") from None
        if not values or not all(math.isfinite(v) and v > 0 for v in values):
            raise ValueError(f"expected positive comma-separated numbers, got {text!r}")
        return tuple(values)

    parse.__name__ = f"{kind.__name__} list"
    return parse


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise ValueError(text)
    return n


_positive.__name__ = "positive integer"


def parser() -> OneLineParser:
    p = OneLineParser(prog=PROG, description=__doc__)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--profile", help="budget of a named profile (default: the sweep's own)")
    p.add_argument("--cases", help="comma-separated case ids (default: the sweep's set)")
    p.add_argument("--depths", type=_list(int), help="depth: 2,3,5,...,50; phase: 3,6,12,24,48")
    p.add_argument("--lrs", type=_list(float), help="lr: one grid for every case")
    p.add_argument("--sigma-ws", type=_list(float), help="phase: init_std * sqrt(width) values")
    p.add_argument(
        "--seeds", type=_positive, help="seeds 0 .. N-1 per point (default 1, or the profile's)"
    )
    p.add_argument("--epochs", type=_positive, help="epochs per run (default 10, or the profile's)")
    p.add_argument(
        "--n-train",
        type=_positive,
        help="training samples per run (default 20000, or the profile's)",
    )
    p.add_argument("--address", help="an existing Ray cluster (default: a local one)")
    p.add_argument("--cpus", type=_positive, help="CPUs of the local cluster (default: all)")
    p.add_argument("--gpus-per-run", type=float, default=0.0, help="GPUs a run asks Ray for")
    p.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="cuda: every run on this machine's GPU, one after another in this process, no Ray",
    )
    p.add_argument(
        "--out", default="results/sweeps", help="folder of records (default: %(default)s)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan and the estimate only")
    p.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files here")
    return p


def _check_flags(args) -> None:
    misplaced = {"depths": ("depth", "phase", "beyond"), "lrs": ("lr",), "sigma_ws": ("phase",)}
    for flag, kinds in misplaced.items():
        if getattr(args, flag) is not None and args.kind not in kinds:
            name = "--" + flag.replace("_", "-")
            where = kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} and {kinds[-1]}"
            raise ValueError(f"{name} applies to the {where} sweep, not {args.kind}")
    if not (math.isfinite(args.gpus_per_run) and args.gpus_per_run >= 0):
        raise ValueError(f"--gpus-per-run must be a number >= 0, got {args.gpus_per_run}")
    if args.device == "cuda" and (args.address or args.gpus_per_run):
        raise ValueError(
            "--device cuda trains here, one run after another; for a Ray cluster's GPUs give "
            "--gpus-per-run (and --address) without --device"
        )
    problem = folder_output_problem(args.out)
    if problem:
        raise ValueError(f"--out {args.out}: {problem}")
    if args.tensorboard and folder_output_problem(args.tensorboard):
        raise ValueError(
            f"--tensorboard {args.tensorboard}: {folder_output_problem(args.tensorboard)}"
        )


def plan(args):
    """(runs, profile) of the command line; ValueError with one line on any bad value."""
    _check_flags(args)
    cases = args.cases.split(",") if args.cases else list(CASES[args.kind])
    if not all(cases):
        raise ValueError(f"--cases: empty case id in {args.cases!r}")
    profile = budget_profile(args.kind, args.profile, args.epochs, args.n_train, args.seeds)
    runs = build_runs(args.kind, cases, profile, args.depths, args.lrs, args.sigma_ws)
    return runs, profile


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        runs, profile = plan(args)
        if args.address:
            check_address(args.address)  # before anything is printed, started or written
    except ClusterError as e:
        fail(PROG, f"--address {args.address}: {e}")
    except ValueError as e:
        fail(PROG, str(e))
    out = Path(args.out)
    from vgmodels.sweep import runner

    todo = runner.left_to_train(runs, out, runner.run_device(args.gpus_per_run, args.device))
    cpus = args.cpus or default_cpus()
    n_data = f"{profile.n_train or 'all'} samples"
    print(
        f"{args.kind}: {len(runs)} runs, {len(runs) - len(todo)} already in {out}; "
        f"{profile.epochs} epochs on {n_data}; estimate {estimate_seconds(todo, cpus) / 60:.1f} "
        f"min on {cpus} CPUs",
        file=sys.stderr,
    )
    if args.dry_run:
        return 0
    if not todo:
        print(f"{args.kind}: 0 records written, {len(runs)} skipped, 0 failed -> {out}")
        return 0
    return _train(args, todo, len(runs), profile, out, cpus)


def _train(args, todo: list, n_runs: int, profile, out: Path, cpus: int) -> int:
    """Join or start the cluster, load the data, train `todo`; the exit code."""
    from vgmodels.sweep import runner

    try:
        owns = args.device == "cpu" and cluster.connect(args.address, cpus)
    except ClusterError as e:
        fail(PROG, f"--address {args.address}: {e}")
    t0 = time.perf_counter()
    try:
        data = load_fashion_mnist(
            n_train=profile.n_train, n_val=profile.n_val, n_test=profile.n_test
        )
        out.mkdir(parents=True, exist_ok=True)
        progress = Progress(label=f"{args.kind} sweep")
        written, failed = runner.run_all(
            todo, out, data, args.address, cpus, args.gpus_per_run, progress, args.device
        )
        write_files([runner.record_path(out, r) for r in todo], args.tensorboard)
    except (DataError, OSError) as e:
        fail(PROG, str(e))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished runs are in {out}, rerun to resume", file=sys.stderr)
        return 130
    finally:
        if owns:
            cluster.stop()  # the local cluster started here; with --address only disconnects
    print(
        f"{args.kind}: {written} records written, {n_runs - len(todo)} skipped, "
        f"{failed} failed -> {out} in {time.perf_counter() - t0:.0f}s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
