"""`python -m vgmodels.check RESULTS --baseline FILE`: a regression gate on accuracy and fingerprint.

Each baseline case holds, over its seeds, its mean test accuracy and its fingerprint (see
fingerprint.py). Lower test accuracy fails; higher test accuracy never does (whatever else moved is
listed for information); any other quantity that moved fails the case, and so does a case of the
baseline that is missing from the results, unless --allow-missing.

What the gate is for: a change that moves what a case learns on the smoke profile by more than
its seeds' spread (a remedy switched off, a wrong learning rate or depth, a broken forward or
backward, a case that now diverges), or moves its fingerprint (per-layer gradient norms,
saturation, the vanishing ratio). What it cannot see: a wrong wiring whose accuracy stays inside
the tolerance. Those belong to the unit tests, which check the wiring by its numbers: GradNorm's
placement (grad_norm_pre's seeds fall inside grad_norm's tolerance; tests/models/test_mlp.py),
SDAGD's per-tensor ball of radius 0.1 with its curvature (plain normalized SGD reaches 0.370
against 0.362 on smoke; tests/training/test_wiring.py), the optimizer renewed at each growth of a
layer-wise schedule, the rmsprop and momentum settings (test_wiring.py), activation names and
init scales (tests/models/).
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass

from vgmodels.analysis.fingerprint import FLOORS, LOSS_RELATIVE, K, Moved, moved, summarize, valid
from vgmodels.cli import OneLineParser, fail
from vgmodels.remedies import REMEDIES
from vgmodels.results import ResultsError, by_case, load_records, read_json, write_json_atomic

PROG = "vgmodels.check"
FAILING = ("REGRESSION", "MOVED", "MISSING")


@dataclass(frozen=True)
class Row:
    """One case's verdict: mean test accuracy against its baseline, and what else moved."""

    case: str
    current: float | None
    baseline: float | None
    tolerance: float | None
    verdict: str  # ok | improved | REGRESSION | MOVED | MISSING | not run | no baseline
    moved: tuple[Moved, ...] = ()

    @property
    def regressed(self) -> bool:
        return self.verdict in FAILING

    @property
    def reason(self) -> str:
        """One line: the verdict and the quantities that moved, worst first."""
        if self.verdict == "MISSING":
            return f"{self.case}: in the baseline, missing from the results"
        worst = sorted(self.moved, key=lambda m: m.excess, reverse=True)
        return f"{self.case}: {self.verdict}: " + ("; ".join(map(str, worst)) or "-")


def make_baseline(records: list[dict]) -> dict:
    """Per case: accuracy and fingerprint over its seeds, with the rule that judges them."""
    first = records[0]
    floors = ", ".join(f"{k} {v:g}" for k, v in FLOORS.items())
    return {
        "profile": first["profile"],
        "epochs": first["profile_config"]["epochs"],
        "n_train": first.get("n_train"),
        "device": first["device"],
        "device_name": first.get("device_name"),
        "torch": first.get("torch"),
        "rule": (
            f"tolerance = max(floor, {K:g} x seed std; the gradient profile takes its largest layer "
            f"std, the validation curve its mean epoch std); floors {floors}, train_loss also "
            f"{LOSS_RELATIVE:g} x its mean; fails: lower test_acc, any other quantity moved "
            "unless test_acc rose, a baseline case missing from the results"
        ),
        "k": K,
        "floors": FLOORS,
        "cases": {cid: summarize(rs) for cid, rs in by_case(records).items()},
    }


def compare(records: list[dict], baseline: dict, allow_missing: bool = False) -> list[Row]:
    """One row per case in the results or the baseline, in REMEDIES order."""
    groups = by_case(records)
    table = baseline["cases"]
    rows = []
    for cid in REMEDIES:
        ref = table.get(cid)
        if cid not in groups:
            if ref is not None:
                verdict = "not run" if allow_missing else "MISSING"
                rows.append(Row(cid, None, ref["mean"], ref["tolerance"], verdict))
            continue
        cur = statistics.fmean(r["test_acc"] for r in groups[cid])
        if ref is None:
            rows.append(Row(cid, cur, None, None, "no baseline"))
            continue
        off = tuple(moved(groups[cid], ref))
        if cur > ref["mean"] + ref["tolerance"]:
            verdict = "improved"  # higher accuracy never fails: what moved is shown, not judged
        elif any(m.quantity == "test_acc" for m in off):
            verdict = "REGRESSION"
        else:
            verdict = "MOVED" if off else "ok"
        rows.append(Row(cid, cur, ref["mean"], ref["tolerance"], verdict, off))
    return rows


def format_rows(rows: list[Row], most: int = 3) -> str:
    """The table: accuracy columns, the verdict and the quantities that moved (worst first)."""

    def f(x):
        return "-" if x is None else f"{x:.4f}"

    lines = [f"{'case':<22} {'test_acc':>8} {'baseline':>8} {'tol':>7}  {'verdict':<11} moved"]
    for r in rows:
        worst = sorted(r.moved, key=lambda m: m.excess, reverse=True)
        moved = "; ".join(map(str, worst[:most]))
        if len(worst) > most:
            moved += f"; +{len(worst) - most} more"
        lines.append(
            f"{r.case:<22} {f(r.current):>8} {f(r.baseline):>8} {f(r.tolerance):>7}  "
            f"{r.verdict:<11} {moved}".rstrip()
        )
    return "\n".join(lines)


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def validate_baseline(obj, where: str) -> dict:
    """The baseline, or ResultsError naming what is wrong with it."""
    if not isinstance(obj, dict) or not isinstance(obj.get("cases"), dict):
        raise ResultsError(f"{where}: not a baseline (expected an object with a 'cases' table)")
    for cid, entry in obj["cases"].items():
        if cid not in REMEDIES:
            raise ResultsError(f"{where}: unknown case {cid!r}; accepted: {', '.join(REMEDIES)}")
        if not isinstance(entry, dict) or not all(
            _is_num(entry.get(k)) for k in ("mean", "tolerance")
        ):
            raise ResultsError(f"{where}: case {cid} needs numeric 'mean' and 'tolerance'")
        if "fingerprint" in entry and not valid(entry["fingerprint"]):
            raise ResultsError(
                f"{where}: case {cid}: fingerprint needs train_loss, grad_log10 and val_acc "
                "(each a mean and a numeric tolerance) and a diverged count"
            )
    return obj


def _same_profile(records: list[dict], baseline: dict) -> str | None:
    """Why these records cannot be judged against this baseline, or None."""
    profiles = {r["profile"] for r in records}
    if baseline.get("profile") and profiles != {baseline["profile"]}:
        return (
            f"results are profile {', '.join(sorted(profiles))}, baseline is {baseline['profile']}"
        )
    ran = {(r["profile_config"]["epochs"], r.get("n_train")) for r in records}
    want = (baseline.get("epochs"), baseline.get("n_train"))
    off = [(e, n) for e, n in ran if e != want[0] or (want[1] and n != want[1])]
    if want[0] is not None and off:
        e, n = min(off)  # the smallest budget that differs (every record names its n_train)
        on = f" on {want[1]}" if want[1] else ""  # an older baseline names its epochs alone
        return (
            f"results ran {e} epochs on {n} training images, the baseline {want[0]}{on}: "
            "check against a baseline of the same profile"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument(
        "results", nargs="+", help="pytest-benchmark JSON or `vgmodels run --out` records"
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--baseline", help="baseline JSON to check against")
    g.add_argument("--write-baseline", metavar="FILE", help="write a baseline made from RESULTS")
    p.add_argument(
        "--allow-missing", action="store_true", help="a baseline case absent from RESULTS passes"
    )
    args = p.parse_args(argv)
    try:
        records = load_records(args.results)
        if args.write_baseline:
            if len({r["profile"] for r in records}) > 1:
                raise ResultsError("results mix profiles; a baseline is made from one profile")
            base = make_baseline(records)
            write_json_atomic(args.write_baseline, base)
            print(f"wrote {args.write_baseline}: {len(base['cases'])} cases")
            return 0
        baseline = validate_baseline(read_json(args.baseline), args.baseline)
    except ResultsError as e:
        fail(PROG, str(e))
    why = _same_profile(records, baseline)
    if why:
        fail(PROG, why)
    rows = compare(records, baseline, allow_missing=args.allow_missing)
    print(format_rows(rows))
    bad = [r.case for r in rows if r.regressed]
    if bad:
        print(f"regression: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
