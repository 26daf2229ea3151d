"""`vgmodels.check`: tolerances, verdicts and the table, on records whose numbers are set by hand."""

import contextlib
import copy
import io
import json
import math
import subprocess
import sys
import types

import pytest

from vgmodels.analysis.fingerprint import FLOORS, LOSS_RELATIVE, K
from vgmodels.check import compare, format_rows, make_baseline
from vgmodels.check import main as check_main
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training.trainer import train_case

# three seeds of one case, every fingerprint number chosen so the statistics are easy by hand
ACCS = (0.50, 0.51, 0.52)  # mean 0.51, std 0.01 -> tolerance max(0.05, 6 x 0.01) = 0.06
LOSSES = (1.0, 1.1, 1.2)  # mean 1.1, std 0.1 -> tolerance max(0.05, 0.1 x 1.1, 6 x 0.1) = 0.6
# log10 grad norms: h1 -3 on every seed, out -2.1 / -2.0 / -1.9 (std 0.1): the largest layer
# std, 0.1, sets the whole profile's tolerance, max(0.25, 6 x 0.1) = 0.6
GRADS = ([1e-3, 10**-2.1], [1e-3, 1e-2], [1e-3, 10**-1.9])
# epoch stds 0 and 0.05: their mean 0.025 -> tolerance on the mean |difference| max(0.03, 0.15)
CURVES = ([0.2, 0.45], [0.2, 0.5], [0.2, 0.55])


@pytest.fixture(scope="module")
def template():
    from tests.conftest import synthetic_dataset

    data = synthetic_dataset(128, 32, 32)
    return train_case(REMEDIES["baseline"], Profile("smoke", 2, 1, probe_size=8), 0, "cpu", data)


def record(template, case="adam", seed=0, acc=0.51, loss=1.1, grads=(1e-3, 1e-2), curve=(0.2, 0.5)):
    """A real record with its fingerprint numbers replaced (two layers, two epochs)."""
    r = copy.deepcopy(template)
    r.update(case=case, seed=seed, test_acc=acc, layers=["h1", "out"], diverged=False)
    r["history"] = r["history"][: len(curve)]
    r["epochs_run"] = len(curve)
    for row, val in zip(r["history"], curve, strict=True):
        row.update(val_acc=val, train_loss=loss, grad_norm=list(grads))
    return r


@pytest.fixture(scope="module")
def seeds(template):
    return [
        record(template, seed=s, acc=a, loss=lo, grads=g, curve=c)
        for s, (a, lo, g, c) in enumerate(zip(ACCS, LOSSES, GRADS, CURVES, strict=True))
    ]


@pytest.fixture(scope="module")
def base(seeds):
    return make_baseline(seeds)


def test_baseline_tolerances_are_floor_or_k_times_the_pooled_seed_spread(base):
    assert (K, FLOORS["test_acc"], FLOORS["grad_log10"], FLOORS["val_acc"]) == (6, 0.05, 0.25, 0.03)
    e = base["cases"]["adam"]
    assert (e["mean"], e["std"], e["tolerance"]) == pytest.approx((0.51, 0.01, 0.06))
    assert e["seeds"] == [0, 1, 2]
    fp = e["fingerprint"]
    assert fp["train_loss"]["mean"] == pytest.approx(1.1)
    assert fp["train_loss"]["tolerance"] == pytest.approx(0.6)
    assert fp["grad_log10"]["mean"] == pytest.approx([-3.0, -2.0])
    assert fp["grad_log10"]["std"] == pytest.approx(0.1)  # the larger of 0 and 0.1
    assert fp["grad_log10"]["tolerance"] == pytest.approx(0.6)
    assert fp["val_acc"]["mean"] == pytest.approx([0.2, 0.5])
    assert fp["val_acc"]["std"] == pytest.approx(0.025)
    assert fp["val_acc"]["tolerance"] == pytest.approx(0.15)
    assert fp["diverged"] == 0


def test_floors_apply_when_the_seeds_agree(template):
    same = [record(template, seed=s) for s in range(3)]
    fp = make_baseline(same)["cases"]["adam"]
    assert fp["tolerance"] == FLOORS["test_acc"]
    assert fp["fingerprint"]["grad_log10"]["tolerance"] == FLOORS["grad_log10"]
    assert fp["fingerprint"]["val_acc"]["tolerance"] == FLOORS["val_acc"]
    assert LOSS_RELATIVE == 0.1
    assert fp["fingerprint"]["train_loss"]["tolerance"] == pytest.approx(0.11)  # 10% of 1.1


def _row(records, base, **kw):
    (row,) = [r for r in compare(records, base, **kw) if r.case == "adam"]
    return row


def _moved(row):
    return {(m.quantity, m.where) for m in row.moved}


@pytest.mark.parametrize(
    ("change", "verdict", "moved"),
    [
        ({}, "ok", set()),
        ({"acc": 0.455}, "ok", set()),  # 0.055 below: inside the 0.06 tolerance
        ({"acc": 0.44}, "REGRESSION", {("test_acc", "")}),  # 0.07 below
        ({"loss": 1.75}, "MOVED", {("train_loss", "")}),  # +0.65 > 0.6
        ({"loss": 0.45}, "MOVED", {("train_loss", "")}),  # two-sided: -0.65
        ({"grads": (1e-3, 10**-2.7)}, "MOVED", {("grad_log10", "out")}),  # -0.7 decades
        ({"grads": (10**-2.3, 1e-2)}, "MOVED", {("grad_log10", "h1")}),  # +0.7 decades
        ({"grads": (10**-2.5, 1e-2)}, "ok", set()),  # +0.5: inside 0.6
        ({"curve": (0.45, 0.65)}, "MOVED", {("val_acc", "mean |diff|; epoch 1 +0.25")}),  # 0.2
        ({"curve": (0.35, 0.5)}, "ok", set()),  # one epoch off by 0.15: mean |diff| 0.075
        ({"curve": (0.2,)}, "MOVED", {("epochs", "")}),  # one epoch where the baseline had two
        ({"loss": None}, "MOVED", {("train_loss", "")}),  # diverged loss where there was one
        ({"grads": (None, 1e-2)}, "MOVED", {("grad_log10", "h1")}),  # a layer gone
        ({"grads": (0.0, 1e-2)}, "MOVED", {("grad_log10", "h1")}),  # zero: log10 -10, not -inf
        ({"acc": 0.60, "loss": 0.3}, "improved", {("train_loss", "")}),  # higher acc never fails
    ],
)
def test_verdict_names_the_quantity_that_moved(template, base, change, verdict, moved):
    kw = dict(acc=0.51, loss=1.1, grads=(1e-3, 1e-2), curve=(0.2, 0.5)) | change
    row = _row([record(template, **kw)], base)
    assert row.verdict == verdict
    assert _moved(row) == moved
    assert row.regressed is (verdict in ("REGRESSION", "MOVED"))


def test_moved_amounts_are_current_minus_baseline(template, base):
    row = _row([record(template, acc=0.43, grads=(1e-3, 10**-2.7))], base)
    by = {m.quantity: m for m in row.moved}
    assert by["test_acc"].amount == pytest.approx(-0.08)
    assert by["grad_log10"].amount == pytest.approx(-0.7)
    assert by["grad_log10"].tolerance == pytest.approx(0.6)
    assert (  # worst first: 0.08 / 0.06 = 1.33 tolerances, then 0.7 / 0.6 = 1.17
        row.reason == "adam: REGRESSION: test_acc -0.08 (tol 0.06); grad_log10[out] -0.7 (tol 0.6)"
    )


def test_null_layers_match_null_layers(template):
    """Layers not yet grown (or a recurrent model's) are null in the baseline and the run alike."""
    recs = [record(template, seed=s, grads=(None, 1e-2)) for s in range(3)]
    base = make_baseline(recs)
    assert base["cases"]["adam"]["fingerprint"]["grad_log10"]["mean"] == [None, -2.0]
    assert _row([record(template, grads=(None, 1e-2))], base).verdict == "ok"
    assert _moved(_row([record(template, grads=(1e-5, 1e-2))], base)) == {("grad_log10", "h1")}


def test_divergence_must_match(template):
    calm = make_baseline([record(template, seed=s) for s in range(3)])
    boom = record(template)
    boom["diverged"] = True
    assert _moved(_row([boom], calm)) == {("diverged", "")}
    wild = [dict(record(template, seed=s), diverged=True) for s in range(3)]
    assert _moved(_row([record(template)], make_baseline(wild))) == {("diverged", "")}


def test_missing_case_fails_unless_allowed(template, base):
    other = record(template, case="rmsprop")
    assert _row([other], base).verdict == "MISSING"
    assert _row([other], base).regressed
    assert _row([other], base, allow_missing=True).verdict == "not run"
    assert not _row([other], base, allow_missing=True).regressed
    # the missing case's row still states its baseline: mean 0.51, tolerance 0.06 (see ACCS)
    (adam,) = [r for r in compare([other], base, allow_missing=True) if r.case == "adam"]
    assert adam.current is None
    assert (adam.baseline, adam.tolerance) == pytest.approx((0.51, 0.06))
    extra = {r.case: r.verdict for r in compare([other], base, allow_missing=True)}
    assert extra["rmsprop"] == "no baseline"


def test_accuracy_only_baseline_judges_accuracy_alone(template, base):
    old = copy.deepcopy(base)
    del old["cases"]["adam"]["fingerprint"]
    assert _row([record(template, loss=9.0, grads=(1.0, 1.0))], old).verdict == "ok"
    assert _row([record(template, acc=0.40)], old).verdict == "REGRESSION"


def test_table_lists_the_worst_moves_first(template, base):
    rec = record(template, acc=0.44, loss=1.75, grads=(1e-3, 1e-4), curve=(0.9, 0.9))
    line = format_rows(compare([rec], base)).splitlines()[1]
    assert line.split()[:5] == ["adam", "0.4400", "0.5100", "0.0600", "REGRESSION"]
    # excess over tolerance: val mean |diff| (0.7 + 0.4) / 2 = 0.55 -> 3.67; grad out 2.0 / 0.6
    # -> 3.33; test_acc 0.07 / 0.06 -> 1.17; train_loss 0.65 / 0.6 -> 1.08 (left off)
    assert line.endswith(
        "val_acc[mean |diff|; epoch 1 +0.70] +0.55 (tol 0.15); grad_log10[out] -2 (tol 0.6); "
        "test_acc -0.07 (tol 0.06); +1 more"
    )


def _cli(*args):
    """`python -m vgmodels.check ARGS` in this process (so mutation testing sees what it runs):
    its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = check_main([str(a) for a in args])
        except SystemExit as e:
            code = e.code
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_the_module_runs_as_a_command(seeds, tmp_path):
    results = _bench(seeds, tmp_path / "bench.json")
    base = tmp_path / "base.json"
    out = subprocess.run(
        [sys.executable, "-m", "vgmodels.check", str(results), "--write-baseline", str(base)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(base.read_text())["cases"]["adam"]["seeds"] == [r["seed"] for r in seeds]


def _bench(records, path):
    benches = [{"name": f"test_case[{r['case']}]", "extra_info": {"records": [r]}} for r in records]
    path.write_text(json.dumps({"benchmarks": benches}))
    return path


def test_cli_fresh_passes_relabelled_fails_missing_fails(template, seeds, tmp_path):
    rms = [dict(copy.deepcopy(r), case="rmsprop", test_acc=0.2) for r in seeds]
    for r in rms:
        for row in r["history"]:
            row["grad_norm"] = [1e-6, 1e-4]
    results = _bench(seeds + rms, tmp_path / "bench.json")
    base = tmp_path / "base.json"
    wrote = _cli(results, "--write-baseline", base)
    assert (wrote.returncode, wrote.stdout) == (0, f"wrote {base}: 2 cases\n")
    assert set(json.loads(base.read_text())["cases"]) == {"adam", "rmsprop"}
    out = _cli(results, "--baseline", base)
    assert out.returncode == 0, out.stdout + out.stderr
    # rmsprop's record named adam: accuracy and gradients both off adam's baseline
    relabelled = _bench([dict(rms[0], case="adam")], tmp_path / "relabelled.json")
    out = _cli(relabelled, "--baseline", base, "--allow-missing")
    assert out.returncode == 1 and "regression: adam" in out.stderr
    assert "REGRESSION" in out.stdout and "grad_log10[h1]" in out.stdout
    # adam alone: rmsprop is missing
    alone = _bench(seeds[:1], tmp_path / "alone.json")
    out = _cli(alone, "--baseline", base)
    assert out.returncode == 1 and "regression: rmsprop" in out.stderr and "MISSING" in out.stdout
    assert _cli(alone, "--baseline", base, "--allow-missing").returncode == 0


def _one_line_exit_2(out):
    return out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_cli_bad_input_is_one_line_exit_2_nothing_written(seeds, tmp_path):
    results = _bench(seeds, tmp_path / "bench.json")
    base = tmp_path / "base.json"
    _cli(results, "--write-baseline", base)
    trunc = tmp_path / "trunc.json"
    trunc.write_text(results.read_text()[:200])
    out = _cli(trunc, "--baseline", base)
    assert _one_line_exit_2(out) and "not valid JSON" in out.stderr
    target = tmp_path / "never.json"
    out = _cli(trunc, "--write-baseline", target)
    assert _one_line_exit_2(out) and not target.exists()
    broken = json.loads(base.read_text())
    broken["cases"]["adam"]["fingerprint"]["val_acc"]["tolerance"] = "wide"
    bad_base = tmp_path / "bad_base.json"
    bad_base.write_text(json.dumps(broken))
    out = _cli(results, "--baseline", bad_base)
    assert _one_line_exit_2(out) and out.stderr.startswith(
        f"vgmodels.check: error: {bad_base}: case adam: fingerprint needs"
    )
    other = json.loads(base.read_text()) | {"epochs": 7}
    (tmp_path / "other.json").write_text(json.dumps(other))
    out = _cli(results, "--baseline", tmp_path / "other.json")
    assert _one_line_exit_2(out) and out.stderr.startswith(
        "vgmodels.check: error: results ran 2 epochs"
    )
    unknown = json.loads(results.read_text())
    unknown["benchmarks"][0]["extra_info"]["records"][0]["case"] = "magic"
    (tmp_path / "unknown.json").write_text(json.dumps(unknown))
    out = _cli(tmp_path / "unknown.json", "--baseline", base)
    assert _one_line_exit_2(out) and "unknown case 'magic'" in out.stderr
    assert _one_line_exit_2(_cli(tmp_path / "missing.json", "--baseline", base))
    assert math.isclose(json.loads(base.read_text())["cases"]["adam"]["mean"], 0.51)


def test_table_header_and_an_absent_baseline_written_out():
    from vgmodels.check import Row

    table = format_rows([Row("relu", 0.5, None, None, "no baseline")])
    header, row = table.splitlines()
    assert (
        header == f"{'case':<22} {'test_acc':>8} {'baseline':>8} {'tol':>7}  {'verdict':<11} moved"
    )
    assert row.split() == ["relu", "0.5000", "-", "-", "no", "baseline"]


def _prof(profile="smoke", epochs=2, n_train=128):
    return {"profile": profile, "profile_config": {"epochs": epochs}, "n_train": n_train}


@pytest.mark.parametrize(
    "records, baseline, why",
    [
        ([_prof()], {"profile": "smoke", "epochs": 2, "n_train": 128}, None),
        ([_prof()], {"epochs": 2}, None),  # no profile, no n_train named: epochs decide
        ([_prof()], {}, None),  # an old baseline naming nothing
        (
            [_prof("quick"), _prof("paper")],
            {"profile": "smoke"},
            "results are profile paper, quick, baseline is smoke",
        ),
        (
            [_prof(epochs=3, n_train=64), _prof(epochs=2, n_train=128)],
            {"profile": "smoke", "epochs": 2, "n_train": 128},
            "results ran 3 epochs on 64 training images, the baseline 2 on 128: check against "
            "a baseline of the same profile",
        ),
        (
            [_prof(n_train=64)],
            {"epochs": 2, "n_train": 128},
            "results ran 2 epochs on 64 training images, the baseline 2 on 128: check against "
            "a baseline of the same profile",
        ),
        ([_prof(n_train=64)], {"epochs": 2}, None),  # no n_train named: any size
        (  # no n_train named: the epochs alone decide, and are named alone
            [_prof(epochs=3)],
            {"epochs": 2},
            "results ran 3 epochs on 128 training images, the baseline 2: check against a "
            "baseline of the same profile",
        ),
        ([_prof(epochs=3)], {"n_train": 128}, None),  # no epochs named: nothing to compare
        (  # of two budgets that differ, the smaller is named, whatever the records' order
            [_prof(epochs=10, n_train=64), _prof(epochs=3, n_train=64), _prof()],
            {"epochs": 2, "n_train": 128},
            "results ran 3 epochs on 64 training images, the baseline 2 on 128: check against "
            "a baseline of the same profile",
        ),
    ],
)
def test_same_profile_says_exactly_why_records_and_baseline_differ(records, baseline, why):
    from vgmodels.check import _same_profile

    assert _same_profile(records, baseline) == why


@pytest.mark.parametrize(
    "obj, message",
    [
        ([], "b.json: not a baseline (expected an object with a 'cases' table)"),
        ({"cases": []}, "b.json: not a baseline (expected an object with a 'cases' table)"),
        ({"cases": {"magic": {}}}, "b.json: unknown case 'magic'; accepted: depth3, depth5,"),
        ({"cases": {"adam": []}}, "b.json: case adam needs numeric 'mean' and 'tolerance'"),
        (
            {"cases": {"adam": {"mean": True, "tolerance": 0.1}}},
            "b.json: case adam needs numeric 'mean' and 'tolerance'",
        ),
        (
            {"cases": {"adam": {"mean": 0.5, "tolerance": 0.1, "fingerprint": {}}}},
            "b.json: case adam: fingerprint needs train_loss, grad_log10 and val_acc (each a mean "
            "and a numeric tolerance) and a diverged count",
        ),
    ],
)
def test_a_bad_baseline_is_named_exactly(obj, message):
    from vgmodels.check import validate_baseline
    from vgmodels.results import ResultsError

    with pytest.raises(ResultsError) as e:
        validate_baseline(obj, "b.json")
    assert str(e.value).startswith(message)
    ok = {"cases": {"adam": {"mean": 0.5, "tolerance": 1}}}
    assert validate_baseline(ok, "b.json") is ok


def test_rows_for_unjudged_cases_and_the_improvement_boundary(template, base):
    # a case with no baseline states its accuracy; a missing case in the middle of REMEDIES does
    # not stop the rows after it; exactly mean + tolerance is not yet an improvement
    relu = record(template, case="relu", acc=0.7)
    rows = {r.case: r for r in compare([relu], base, allow_missing=True)}
    assert (rows["relu"].current, rows["relu"].verdict) == (pytest.approx(0.7), "no baseline")
    assert rows["adam"].verdict == "not run"
    edge = [record(template, seed=s, acc=0.51 + 0.06) for s in range(3)]
    assert _row(edge, base).verdict != "improved"
    above = [record(template, seed=s, acc=0.51 + 0.0601) for s in range(3)]
    assert _row(above, base).verdict == "improved"


def test_table_lists_exactly_most_moves_with_no_more_and_no_trailing_space():
    from vgmodels.analysis.fingerprint import Moved
    from vgmodels.check import Row

    moves = tuple(Moved("grad_log10", f"h{i}", -float(i), 0.5) for i in (1, 2, 3))
    row = format_rows([Row("adam", 0.5, 0.5, 0.06, "MOVED", moves)]).splitlines()[1]
    assert row == (
        f"{'adam':<22} {'0.5000':>8} {'0.5000':>8} {'0.0600':>7}  {'MOVED':<11} "
        "grad_log10[h3] -3 (tol 0.5); grad_log10[h2] -2 (tol 0.5); grad_log10[h1] -1 (tol 0.5)"
    )
    ok = format_rows([Row("adam", 0.5, 0.5, 0.06, "ok")]).splitlines()[1]
    assert ok == f"{'adam':<22} {'0.5000':>8} {'0.5000':>8} {'0.0600':>7}  ok"


def test_the_help_names_the_command_and_what_each_option_takes():
    out = _cli("--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())  # argparse wraps to the terminal's width
    assert text.startswith(
        "usage: vgmodels.check [-h] (--baseline BASELINE | --write-baseline FILE)"
    )
    for words in (
        "a regression gate on accuracy and fingerprint",
        "results pytest-benchmark JSON or `vgmodels run --out` records",
        "--baseline BASELINE baseline JSON to check against",
        "--write-baseline FILE write a baseline made from RESULTS",
        "--allow-missing a baseline case absent from RESULTS passes",
    ):
        assert words in text, words


def test_a_baseline_is_written_from_one_profile_only(template, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    for seed, profile in ((0, "smoke"), (1, "quick")):
        rec = record(template, seed=seed)
        rec["profile"] = profile
        (runs / f"adam-s{seed}.json").write_text(json.dumps(rec))
    out = _cli(runs, "--write-baseline", tmp_path / "base.json")
    assert out.returncode == 2 and out.stderr == (
        "vgmodels.check: error: results mix profiles; a baseline is made from one profile\n"
    )
    assert not (tmp_path / "base.json").exists()


def test_the_baseline_names_its_first_run_and_the_rule_written_out(seeds):
    import torch

    recs = copy.deepcopy(seeds)
    for r, name in zip(recs, ("machine A", "machine B", "machine C"), strict=True):
        r["device_name"] = name
    b = make_baseline(recs)
    assert {k: v for k, v in b.items() if k != "cases"} == {
        "profile": "smoke",
        "epochs": 2,
        "n_train": 128,
        "device": "cpu",
        "device_name": "machine A",
        "torch": torch.__version__,
        "rule": "tolerance = max(floor, 6 x seed std; the gradient profile takes its largest "
        "layer std, the validation curve its mean epoch std); floors test_acc 0.05, train_loss "
        "0.05, grad_log10 0.25, val_acc 0.03, train_loss also 0.1 x its mean; fails: lower "
        "test_acc, any other quantity moved unless test_acc rose, a baseline case missing from "
        "the results",
        "k": 6.0,
        "floors": {"test_acc": 0.05, "train_loss": 0.05, "grad_log10": 0.25, "val_acc": 0.03},
    }
    assert list(b["cases"]) == ["adam"] and b["cases"]["adam"]["seeds"] == [0, 1, 2]
