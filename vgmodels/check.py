"""`python -m vgmodels.check RESULTS --baseline FILE`: accuracy regression check against a baseline."""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass

from .cli import OneLineParser, fail
from .remedies import REMEDIES
from .results import ResultsError, by_case, load_records, read_json, write_json_atomic

PROG = "vgmodels.check"
MIN_TOLERANCE = 0.01
NOISE_MULTIPLE = 3.0  # a case fails only below mean - 3 std of its seeds (never less than 0.01)


@dataclass(frozen=True)
class Row:
    """One case's verdict: current mean test accuracy against its baseline."""

    case: str
    current: float | None
    baseline: float | None
    tolerance: float | None
    verdict: str  # ok | improved | REGRESSION | no baseline | not run

    @property
    def regressed(self) -> bool:
        return self.verdict == "REGRESSION"


def mean_acc(records: list[dict]) -> float:
    return statistics.fmean(r["test_acc"] for r in records)


def make_baseline(records: list[dict]) -> dict:
    """Per case: mean, std over seeds and a tolerance that follows the seed noise."""
    groups = by_case(records)
    cases = {}
    for cid, rs in groups.items():
        accs = [r["test_acc"] for r in rs]
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        cases[cid] = {
            "mean": round(statistics.fmean(accs), 6),
            "std": round(std, 6),
            "tolerance": round(max(MIN_TOLERANCE, NOISE_MULTIPLE * std), 6),
            "seeds": [r["seed"] for r in rs],
        }
    first = records[0]
    return {
        "profile": first["profile"],
        "epochs": first["profile_config"]["epochs"],
        "device": first["device"],
        "device_name": first["device_name"],
        "torch": first["torch"],
        "rule": f"fail when mean test_acc < mean - max({MIN_TOLERANCE}, {NOISE_MULTIPLE:g} * std)",
        "cases": cases,
    }


def validate_baseline(obj, where: str) -> dict:
    """The baseline's case table, or ResultsError naming what is wrong."""
    if not isinstance(obj, dict) or not isinstance(obj.get("cases"), dict):
        raise ResultsError(f"{where}: not a baseline (expected an object with a 'cases' table)")
    for cid, entry in obj["cases"].items():
        if cid not in REMEDIES:
            raise ResultsError(f"{where}: unknown case {cid!r}; accepted: {', '.join(REMEDIES)}")
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), (int, float)) for k in ("mean", "tolerance")
        ):
            raise ResultsError(f"{where}: case {cid} needs numeric 'mean' and 'tolerance'")
    return obj


def compare(records: list[dict], baseline: dict) -> list[Row]:
    """One row per case in the results or the baseline; higher accuracy is never a failure."""
    groups = by_case(records)
    table = baseline["cases"]
    rows = []
    for cid in REMEDIES:
        if cid not in groups and cid not in table:
            continue
        cur = mean_acc(groups[cid]) if cid in groups else None
        ref = table.get(cid)
        if cur is None:
            rows.append(Row(cid, None, ref["mean"], ref["tolerance"], "not run"))
        elif ref is None:
            rows.append(Row(cid, cur, None, None, "no baseline"))
        else:
            delta = cur - ref["mean"]
            verdict = (
                "REGRESSION"
                if delta < -ref["tolerance"]
                else "improved"
                if delta > ref["tolerance"]
                else "ok"
            )
            rows.append(Row(cid, cur, ref["mean"], ref["tolerance"], verdict))
    return rows


def format_rows(rows: list[Row]) -> str:
    def f(x):
        return "-" if x is None else f"{x:.4f}"

    lines = [f"{'case':<18} {'current':>8} {'baseline':>8} {'tol':>7}  verdict"]
    lines += [
        f"{r.case:<18} {f(r.current):>8} {f(r.baseline):>8} {f(r.tolerance):>7}  {r.verdict}"
        for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(prog=PROG, description=__doc__)
    p.add_argument(
        "results", nargs="+", help="pytest-benchmark JSON or `vgmodels run --out` records"
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--baseline", help="baseline JSON to check against")
    g.add_argument("--write-baseline", metavar="FILE", help="write a baseline made from RESULTS")
    args = p.parse_args(argv)
    try:
        records = load_records(args.results)
        if args.write_baseline:
            base = make_baseline(records)
            write_json_atomic(args.write_baseline, base)
            print(f"wrote {args.write_baseline}: {len(base['cases'])} cases")
            return 0
        baseline = validate_baseline(read_json(args.baseline), args.baseline)
    except ResultsError as e:
        fail(PROG, str(e))
    profiles = {r["profile"] for r in records}
    if baseline.get("profile") and profiles != {baseline["profile"]}:
        fail(
            PROG,
            f"results are profile {', '.join(sorted(profiles))}, baseline is {baseline['profile']}",
        )
    rows = compare(records, baseline)
    print(format_rows(rows))
    bad = [r.case for r in rows if r.regressed]
    if bad:
        print(f"regression: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
