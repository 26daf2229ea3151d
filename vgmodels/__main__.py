"""`python -m vgmodels list|run ...`: list the cases, or train one and write its record."""

from __future__ import annotations

import sys
from pathlib import Path

from vgmodels.cli import OneLineParser, fail, file_output_problem, folder_output_problem, seed
from vgmodels.data import DataError, load_fashion_mnist
from vgmodels.device import resolve_device
from vgmodels.profiles import DEFAULT_PROFILE, get_profile
from vgmodels.remedies import REMEDIES, get_case
from vgmodels.results import OutputError, write_json_atomic
from vgmodels.runs.tensorboard import write_records

PROG = "vgmodels"


def _parser() -> OneLineParser:
    p = OneLineParser(prog=PROG, description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("list", help="one line per case: id, family, description")
    run = sub.add_parser("run", help="train one case and write its record")
    run.add_argument("case")
    run.add_argument("--profile", default=DEFAULT_PROFILE)
    run.add_argument("--epochs", type=int)
    run.add_argument("--seed", type=seed, default=0, help="0 <= seed < 2**32")
    run.add_argument("--device", default="auto")
    run.add_argument("--out", help="record JSON path (default results/CASE-PROFILE-sSEED.json)")
    run.add_argument("--data-dir", help="folder with the four Fashion-MNIST IDX files")
    run.add_argument("--no-flush-denormal", action="store_true", help="keep CPU denormals")
    run.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files here")
    return p


def _progress(total: int):
    """A per-epoch callback: a tqdm bar on a terminal, one line per epoch otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="epoch", file=sys.stderr)

        def tick(row):
            bar.update(1)
            bar.set_postfix(val_acc=f"{row['val_acc']:.3f}", phase=row["phase"])
            if row["epoch"] == total:
                bar.close()

        return tick

    def line(row):
        loss = row["train_loss"]
        print(
            f"epoch {row['epoch']}/{total} phase={row['phase']} "
            f"train_loss={loss if loss is None else round(loss, 4)} val_acc={row['val_acc']:.4f} "
            f"{row['seconds']:.2f}s",
            file=sys.stderr,
            flush=True,
        )

    return line


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        for case in REMEDIES.values():
            print(f"{case.id}\t{case.family}\t{case.description}")
        return 0
    try:
        case = get_case(args.case)
        profile = get_profile(args.profile).with_epochs(args.epochs)
        device = resolve_device(args.device)
    except ValueError as e:
        fail(PROG, str(e))
    if args.epochs is not None and args.epochs < 1:
        fail(PROG, f"--epochs must be a positive integer, got {args.epochs}")
    out = args.out or f"results/{case.id}-{profile.name}-s{args.seed}.json"
    problem = file_output_problem(out)
    if problem:
        fail(PROG, f"--out {out}: {problem}")
    if args.tensorboard and folder_output_problem(args.tensorboard):
        fail(PROG, f"--tensorboard {args.tensorboard}: {folder_output_problem(args.tensorboard)}")
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        fail(PROG, f"--data-dir {args.data_dir}: no such folder; name the folder of the IDX files")
    try:
        data = load_fashion_mnist(args.data_dir, profile.n_train, profile.n_val, profile.n_test)
    except DataError as e:
        fail(PROG, str(e))
    from vgmodels.training.schedules import case_phases
    from vgmodels.training.trainer import train_case

    total = sum(p.epochs for p in case_phases(case, profile))
    record = train_case(
        case,
        profile,
        args.seed,
        device,
        data,
        on_epoch=_progress(total),
        flush_denormal=not args.no_flush_denormal,
    )
    try:
        write_json_atomic(out, record)
    except OutputError as e:
        fail(PROG, str(e))
    write_records([record], args.tensorboard)
    status = "diverged" if record["diverged"] else f"test_acc={record['test_acc']:.4f}"
    print(f"{case.id}: {status} in {record['train_seconds']:.1f}s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
