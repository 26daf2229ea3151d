"""`python -m vgmodels.report [--results FILE|DIR ...] [--other-device FILE|DIR ...] [--out DIR]
[--no-pdf]`: render the site."""

from __future__ import annotations

import sys
from pathlib import Path

from vgmodels.cli import OneLineParser, fail
from vgmodels.data import PROJECT_ROOT
from vgmodels.report.floor import floor_info, floor_text
from vgmodels.report.partition import partition
from vgmodels.report.render import RenderError, build_site
from vgmodels.results import ResultsError, load_results

PROG = "vgmodels.report"


def newest_results() -> Path | None:
    """The newest JSON the bench wrote under results/ (None when there is none)."""
    found = sorted((PROJECT_ROOT / "results").glob("*.json"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(prog=PROG, description=__doc__)
    p.add_argument(
        "--results",
        nargs="+",
        help="pytest-benchmark JSON, `vgmodels run --out` records, or folders of them (a runs folder)",
    )
    p.add_argument(
        "--out",
        default="results/site",
        help="new, empty, or a site this tool wrote (default results/site/; site/ is the published study)",
    )
    p.add_argument(
        "--other-device",
        nargs="+",
        help="records of the same cases and seeds from another device: compared in the setup only",
    )
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    args = p.parse_args(argv)
    paths = args.results
    if not paths:
        newest = newest_results()
        if newest is None:
            fail(PROG, "no results under results/; run `make report` or pass --results FILE")
        paths = [newest]
    try:
        records, speed, info = load_results(paths)
    except ResultsError as e:
        fail(PROG, str(e))
    others = []
    if args.other_device:
        try:
            others = load_results(args.other_device)[0]
        except ResultsError as e:
            fail(PROG, f"--other-device: {e}")
    try:
        partition(records)
    except ValueError as e:
        fail(PROG, str(e))
    try:
        out = build_site(records, speed, info, Path(args.out), pdf=not args.no_pdf, others=others)
    except RenderError as e:
        fail(PROG, str(e))
    except OSError as e:
        fail(PROG, f"--out {args.out}: {e.strerror or e}{f' ({e.filename})' if e.filename else ''}")
    floor = floor_text(floor_info(partition(records)[0], info))
    if floor:
        print(f"{PROG}: {floor}")
    print(out / "index.html")
    if not args.no_pdf:
        print(out / "report.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
