"""Result files: atomic writes, the record schema, files and folders read, random JSON refused."""

import copy
import json

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import synthetic_dataset
from vgmodels import check
from vgmodels.analysis.summary import summarize
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.results import (
    OutputError,
    ResultsError,
    by_case,
    load_results,
    read_json,
    records_from_obj,
    validate_record,
    write_json_atomic,
)
from vgmodels.training.record import make_record as record_of_run
from vgmodels.training.schedules import phases_for
from vgmodels.training.trainer import train_case

_CACHE: dict = {}


def make_record(case="relu", seed=0) -> dict:
    """A real record of a two-epoch run on tiny synthetic data (trained once per case and seed)."""
    if (case, seed) not in _CACHE:
        data = synthetic_dataset(64, 32, 32)
        rec = train_case(REMEDIES[case], Profile("smoke", 2, 1, probe_size=16), seed, "cpu", data)
        _CACHE[case, seed] = json.loads(json.dumps(rec))
    return copy.deepcopy(_CACHE[case, seed])


def test_atomic_write_leaves_only_the_file(tmp_path):
    path = write_json_atomic(tmp_path / "a" / "r.json", {"x": 1})
    write_json_atomic(path, {"x": 2})
    assert json.loads(path.read_text()) == {"x": 2}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]


def test_unwritable_place_is_one_line_output_error(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"^.*notes.txt/r.json: cannot write there \(") as e:
        write_json_atomic(tmp_path / "notes.txt" / "r.json", {"x": 1})
    assert isinstance(e.value, ResultsError) and isinstance(e.value, OSError)
    assert "\n" not in str(e.value)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_nan_is_refused_with_the_json(tmp_path):
    with pytest.raises(ValueError):
        write_json_atomic(tmp_path / "r.json", {"x": float("nan")})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "text, needle",
    [
        ('{"test_acc": NaN}', "not valid JSON: NaN is not valid JSON"),
        ('{"test_acc": -Infinity}', "not valid JSON: -Infinity is not valid JSON"),
        ('{"test_acc": 1e400}', "not valid JSON: 1e400 is out of range for a number"),
        ('{"seed": 123456789012345678901}', "not valid JSON: 12345678901234567890 is out of range"),
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        ('{"a": ', "not valid JSON: Expecting value (line 1, column 7); truncated?"),
        ("", "not valid JSON: Expecting value (line 1, column 1); truncated?"),
    ],
)
def test_read_json_refuses_what_a_record_never_holds(tmp_path, text, needle):
    (tmp_path / "r.json").write_text(text)
    with pytest.raises(ResultsError) as e:
        read_json(tmp_path / "r.json")
    assert str(e.value) == f"{tmp_path / 'r.json'}: {needle}" or needle in str(e.value)
    assert "\n" not in str(e.value)


def _broken(path, value):
    rec = make_record()
    *parents, last = path
    target = rec
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return rec


@pytest.mark.parametrize(
    "path, value, needle",
    [
        (("case",), "nope", "unknown case 'nope'; accepted: depth3"),
        (("test_acc",), 1.5, "case relu: test_acc 1.5 is not a number in [0, 1]"),
        (("best_val_acc",), 5.0, "case relu: best_val_acc 5.0 is not a number in [0, 1]"),
        (("best_val_acc",), -0.5, "case relu: best_val_acc -0.5 is not a number in [0, 1]"),
        (("history", 1, "val_acc"), 1.01, "case relu: epoch 2: val_acc 1.01 is not in [0, 1]"),
        (("test_acc",), "0.9", "test_acc is str, expected int or float"),
        (("seed",), -1, "case relu: seed -1 is not in [0, 2**32)"),
        (("seed",), True, "seed is bool, expected int"),
        (("diverged",), 0, "diverged is int, expected bool"),
        (("history",), KeyError, "record lacks history"),
        (("history",), [], "history holds 0 epochs, epochs_run says 2"),
        (("history", 1), "epoch", "history entry 2 is not an object"),
        (("history", 0, "val_acc"), None, "epoch 1: val_acc is NoneType, expected int or float"),
        (("history", 1, "grad_norm"), [1.0], "epoch 2: grad_norm is not a per-layer list"),
        (("history", 0, "dead"), ["x"], "epoch 1: dead is not a per-layer list"),
        (("vanishing_ratio", "final"), KeyError, "vanishing_ratio needs epoch1 and final"),
        (("profile_config", "epochs"), "2", "profile_config lacks an integer epochs"),
    ],
)
def test_schema_names_the_first_broken_field(path, value, needle):
    with pytest.raises(ResultsError, match=r"^r.json: ") as e:
        validate_record(_broken(path, value), "r.json")
    assert needle in str(e.value)


def test_records_from_files_and_folders_in_any_mix(tmp_path):
    a, b, c = make_record("relu", 0), make_record("relu", 1), make_record("adam", 0)
    runs = tmp_path / "runs"
    write_json_atomic(runs / "relu-s0.json", a)
    write_json_atomic(runs / "relu-s1.json", b)
    (runs / ".relu-s2.json.tmp").write_text("{")  # a temporary file of a killed writer
    (runs / "notes.txt").write_text("not JSON, not read")
    bench = {"benchmarks": [{"name": "test_case[adam]", "extra_info": {"records": [c, a]}}]}
    write_json_atomic(tmp_path / "bench.json", bench)
    records, speed, info = load_results([runs, tmp_path / "bench.json"])
    assert [(r["case"], r["seed"]) for r in records] == [("relu", 0), ("relu", 1), ("adam", 0)]
    assert speed == [] and info == {}


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d.mkdir(), "a folder with no .json files"),
        (lambda d: d.with_name("missing.json"), "missing.json: no such file"),
    ],
)
def test_an_empty_folder_or_a_missing_file_is_refused(tmp_path, make, needle):
    target = make(tmp_path / "runs") or tmp_path / "runs"
    with pytest.raises(ResultsError, match=needle):
        load_results([target])


# Random JSON: anything a file may hold, with the record's own key names drawn often.
KEYS = st.sampled_from(
    [
        "case",
        "seed",
        "profile",
        "test_acc",
        "history",
        "diverged",
        "records",
        "benchmarks",
        "extra_info",
        "cases",
        "mean",
        "tolerance",
        "epochs_run",
        "grad_norm",
        "val_acc",
    ]
) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False)  # flushed here
    | st.text(max_size=8)
    | st.sampled_from(list(REMEDIES)[:3])
)
JSON = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=5),
    max_leaves=25,
)


def _accepts_or_refuses(obj) -> None:
    """records_from_obj gives schema-valid records the report summarizes, or ResultsError."""
    try:
        records = records_from_obj(obj, "r.json")
    except ResultsError as e:
        assert "\n" not in str(e)
        return
    for r in records:
        assert validate_record(r, "again") is r
    summarize(by_case(records))


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(JSON)
def test_random_json_is_a_record_or_one_line(obj):
    _accepts_or_refuses(obj)


# The fields every record must hold and the JSON types each takes, written out here (not read
# from vgmodels.results) so that a loosened schema fails these tests
N, INT, ON, OI = (int, float), (int,), (int, float, type(None)), (int, type(None))
RECORD = {
    "case": (str,),
    "seed": INT,
    "profile": (str,),
    "profile_config": (dict,),
    "config": (dict,),
    "epochs_run": INT,
    "history": (list,),
    "test_acc": N,
    "test_loss": ON,
    "convergence_epoch": OI,
    "vanishing_ratio": (dict,),
    "diverged": (bool,),
    "train_seconds": N,
    "seconds_per_epoch": N,
    "device": (str,),
}
EPOCH = {"epoch": INT, "val_acc": N, "train_loss": ON, "grad_norm": (list,)}

# Generated records: every field the trainer's make_record fills, with values in range.
TINY = synthetic_dataset(8, 8, 8)
MLP_CASES = [c for c in REMEDIES if not REMEDIES[c].model.recurrent]
UNIT = st.floats(0.0, 1.0, allow_subnormal=False)  # denormals are flushed here
POSITIVE = st.floats(0.0, 1e6, allow_subnormal=False)
SECONDS = st.floats(
    1e-3, 1e6, allow_subnormal=False
)  # a timed run takes some time: rates stay finite
MAYBE = st.none() | POSITIVE


@st.composite
def valid_record(draw) -> dict:
    """A record made by the trainer's own make_record from drawn, in-range run results."""
    case = REMEDIES[draw(st.sampled_from(MLP_CASES))]
    epochs = draw(st.integers(1, 4))
    width = case.model.depth + 1  # hidden layers and the head
    rows = [
        {
            "epoch": e,
            "phase": "all",
            "lr": case.train.lr,
            "val_acc": draw(UNIT),
            "train_loss": draw(MAYBE),
            "train_acc": draw(UNIT),
            "val_loss": draw(MAYBE),
            "grad_norm": draw(st.lists(MAYBE, min_size=width, max_size=width)),
            "update_ratio": [draw(MAYBE)] * width,
            "seconds": draw(POSITIVE),
        }
        for e in range(1, epochs + 1)
    ]
    timing = {
        "seconds": draw(SECONDS),
        "flops": draw(POSITIVE),
        "peak": draw(SECONDS),
        "diverged": draw(st.booleans()),
        "run_seconds": draw(POSITIVE),
        "started_at": draw(POSITIVE),
        "finished_at": draw(POSITIVE),
    }
    test = (draw(POSITIVE), draw(UNIT))
    seed = draw(st.integers(0, 2**32 - 1))
    profile = Profile("smoke", epochs, 1)
    rec = record_of_run(
        case,
        profile,
        seed,
        torch.device("cpu"),
        TINY,
        phases_for("none", epochs, case.model.depth),
        rows,
        test,
        timing,
        True,
        "aten",
    )
    return json.loads(json.dumps(rec, allow_nan=False))


@settings(max_examples=50, deadline=None, database=None, derandomize=True)
@given(valid_record())
def test_generated_valid_records_are_accepted_in_every_file_shape(rec):
    assert records_from_obj(rec, "r.json") == [rec]
    assert records_from_obj([rec, rec], "r.json") == [rec, rec]
    bench = {"benchmarks": [{"name": "b", "extra_info": {"records": [rec]}}]}
    assert records_from_obj(bench, "r.json") == [rec]


def _not_of(types):
    """A JSON value of none of `types` (bool counts as its own type, as the reader counts it)."""
    values = [None, True, 3, 2.5, "x", [1], {"a": 1}]
    return [
        v
        for v in values
        if not (isinstance(v, types) and not (isinstance(v, bool) and bool not in types))
    ]


def _out_of_range(draw, rec):
    key = draw(st.sampled_from(["test_acc", "seed"]))
    if key == "test_acc":
        rec[key] = draw(
            st.floats(1.0, 1e6, exclude_min=True, allow_subnormal=False)
            | st.floats(-1e6, -1e-9, allow_subnormal=False)
        )
    else:
        rec[key] = draw(st.integers(2**32, 2**52) | st.integers(-(2**52), -1))
    return key


def _wrong_type(draw, rec):
    key = draw(st.sampled_from(sorted(RECORD)))
    rec[key] = draw(st.sampled_from(_not_of(RECORD[key])))
    return key


def _missing(draw, rec):
    key = draw(st.sampled_from(sorted(RECORD)))
    del rec[key]
    return key


def _epoch_field(draw, rec):
    i = draw(st.integers(0, len(rec["history"]) - 1))
    key = draw(st.sampled_from(sorted(EPOCH)))
    row = rec["history"][i]
    if draw(st.booleans()):
        del row[key]
    else:
        row[key] = draw(st.sampled_from(_not_of(EPOCH[key])))
    return f"epoch {i + 1}: "


def _layer_width(draw, rec):
    row = draw(st.sampled_from(rec["history"]))
    if len(rec["history"]) > 1 and draw(st.booleans()):
        row["grad_norm"] = row["grad_norm"] + [1.0]  # one epoch wider than the others
    else:
        row["grad_norm"] = draw(st.sampled_from([["x"], [True], "1.0", {"h1": 1.0}]))
    return "grad_norm"


def _epochs_run(draw, rec):
    rec["epochs_run"] = draw(st.integers(0, 10).filter(lambda n: n != len(rec["history"])))
    return "epochs_run"


BREAKAGES = [_out_of_range, _wrong_type, _missing, _epoch_field, _layer_width, _epochs_run]


@st.composite
def invalid_record(draw):
    """A valid record with one thing broken, and the name the refusal must give."""
    rec = draw(valid_record())
    breakage = draw(st.sampled_from(BREAKAGES))
    return rec, breakage(draw, rec)


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(invalid_record())
def test_generated_invalid_records_are_refused_naming_the_field(broken):
    rec, field = broken
    for obj in (rec, [rec], {"benchmarks": [{"name": "b", "extra_info": {"records": [rec]}}]}):
        with pytest.raises(ResultsError) as e:
            records_from_obj(obj, "r.json")
        assert field in str(e.value) and "\n" not in str(e.value)


def test_every_required_field_refuses_every_wrong_type_and_its_absence():
    # the generated breakages above sample these; here every pair, so none is left to chance
    for key, types in RECORD.items():
        for bad in _not_of(types):
            rec = make_record()
            rec[key] = bad
            with pytest.raises(ResultsError, match=f": {key} is {type(bad).__name__}, expected"):
                validate_record(rec, "r.json")
        rec = make_record()
        del rec[key]
        with pytest.raises(ResultsError, match=f"record lacks {key}; expected a vgmodels record"):
            validate_record(rec, "r.json")
    for key, types in EPOCH.items():
        for bad in [*_not_of(types), KeyError]:
            rec = make_record()
            if bad is KeyError:
                del rec["history"][1][key]
            else:
                rec["history"][1][key] = bad
            with pytest.raises(ResultsError, match=f"relu: epoch 2: (record lacks )?{key}"):
                validate_record(rec, "r.json")


def test_a_test_accuracy_outside_0_1_is_refused():
    for bad in (5.0, -0.1, 1.0000001):
        rec = make_record()
        rec["test_acc"] = bad
        with pytest.raises(ResultsError, match=f"test_acc {bad!r} is not a number in"):
            validate_record(rec, "r.json")


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "results.json"
    write_json_atomic(path, [make_record("relu", 0), make_record("adam", 0)])
    return path


NUMBER = st.integers(-(2**40), 2**40) | st.floats(-1e6, 1e6, allow_subnormal=False)
NUMBERS = st.lists(st.none() | NUMBER, max_size=8)  # null: a layer not recorded
FINGERPRINT = st.fixed_dictionaries(
    {
        "train_loss": st.fixed_dictionaries({"mean": st.none() | NUMBER, "tolerance": NUMBER}),
        "grad_log10": st.fixed_dictionaries({"mean": NUMBERS, "tolerance": NUMBER}),
        "val_acc": st.fixed_dictionaries({"mean": NUMBERS, "tolerance": NUMBER}),
        "diverged": NUMBER,
    }
)
ENTRY = (
    st.fixed_dictionaries({}, optional={"mean": JSON, "tolerance": JSON, "fingerprint": JSON})
    | st.fixed_dictionaries(
        {"mean": NUMBER, "tolerance": NUMBER}, optional={"fingerprint": FINGERPRINT | JSON}
    )
    | JSON
)
BASELINE = st.fixed_dictionaries(
    {"cases": st.dictionaries(st.sampled_from(["relu", "adam", "nope"]) | KEYS, ENTRY, max_size=3)},
    optional={"profile": st.just("smoke") | JSON},
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(baseline=JSON | BASELINE)
@example(baseline={"cases": {"grad_norm": {"mean": 0, "tolerance": 0}}})  # not in the results
def test_random_baseline_is_compared_or_refused_in_one_line(results_file, baseline):
    path = results_file.with_name("baseline.json")
    path.write_text(json.dumps(baseline))
    try:
        table = check.validate_baseline(read_json(path), str(path))
    except ResultsError as e:
        assert "\n" not in str(e)
        return
    rows = check.compare(load_results([results_file])[0], table)
    # check.py's verdicts: a baseline case absent from the results is MISSING, never dropped
    verdicts = {"ok", "improved", "REGRESSION", "MOVED", "MISSING", "no baseline", "not run"}
    assert {r.verdict for r in rows} <= verdicts
    ran = {r["case"] for r in load_results([results_file])[0]}
    missing = {r.case for r in rows if r.verdict == "MISSING"}
    assert missing == set(table["cases"]) - ran


@st.composite
def valid_baseline(draw):
    """A baseline the gate reads: numeric mean and tolerance per case, a full fingerprint or none."""
    cases = draw(st.lists(st.sampled_from(["relu", "adam", "baseline"]), unique=True, max_size=3))
    table = {}
    for cid in cases:
        entry = {"mean": draw(NUMBER), "tolerance": draw(NUMBER)}
        if draw(st.booleans()):
            entry["fingerprint"] = draw(FINGERPRINT)
        table[cid] = entry
    return {"cases": table, "profile": "smoke"}


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(valid_baseline())
def test_generated_valid_baselines_are_accepted(baseline):
    assert check.validate_baseline(baseline, "b.json") is baseline


def _break_fingerprint(draw, fp):
    """One field of a fingerprint made unreadable: removed, or of the wrong type."""
    part = draw(st.sampled_from(["train_loss", "grad_log10", "val_acc", "diverged"]))
    if part == "diverged" or draw(st.booleans()):
        fp[part] = draw(
            st.sampled_from([None, "0", [0], True] if part == "diverged" else [None, 1.0, "x"])
        )
        if draw(st.booleans()):
            del fp[part]
        return
    key = draw(st.sampled_from(["mean", "tolerance"]))
    bad = {"mean": ["x", [True], ["1"], {"h1": 1.0}, True], "tolerance": [None, "0.1", [0.1], True]}
    if part == "train_loss" and key == "mean":
        bad["mean"] = ["x", [1.0], True]  # a null mean is allowed here (a diverged baseline)
    fp[part][key] = draw(st.sampled_from(bad[key]))


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(valid_baseline().filter(lambda b: b["cases"]), st.data())
def test_a_broken_fingerprint_is_refused_naming_its_case(baseline, data):
    cid = data.draw(st.sampled_from(sorted(baseline["cases"])))
    entry = baseline["cases"][cid]
    entry["fingerprint"] = data.draw(FINGERPRINT)
    _break_fingerprint(data.draw, entry["fingerprint"])
    with pytest.raises(ResultsError, match=f"^b.json: case {cid}: fingerprint needs ") as e:
        check.validate_baseline(baseline, "b.json")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    "case, sweep, accepted",
    [
        ("tanh_orthogonal", {"kind": "beyond"}, True),  # a 'beyond' variant, not a remedy
        ("tanh_orthogonal", {"kind": "depth"}, False),  # other sweeps name remedies
        ("tanh_orthogonal", None, False),  # a bench record names a remedy
        ("", {"kind": "beyond"}, False),
        ("tanh orthogonal; rm", {"kind": "beyond"}, False),
        ("relu", {"kind": "depth"}, True),
    ],
)
def test_beyond_records_name_their_own_variants_and_only_they(case, sweep, accepted):
    from vgmodels.results import ResultsError, validate_record

    rec = make_record(case="relu")
    rec["case"] = case
    if sweep is not None:
        rec["sweep"] = sweep
    if accepted:
        assert validate_record(rec, "r.json") is rec
    else:
        with pytest.raises(ResultsError, match="unknown case"):
            validate_record(rec, "r.json")
