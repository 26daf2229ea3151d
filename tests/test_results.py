"""Result files: atomic writes, the record schema, files and folders read, random JSON refused."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
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
    ["case", "seed", "profile", "test_acc", "history", "diverged", "records", "benchmarks",
     "extra_info", "cases", "mean", "tolerance", "epochs_run", "grad_norm", "val_acc"]
) | st.text(max_size=6)  # fmt: skip
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


@settings(max_examples=300, deadline=None, database=None)
@given(JSON)
def test_random_json_is_a_record_or_one_line(obj):
    _accepts_or_refuses(obj)


@st.composite
def mutated_record(draw):
    """A real record with one value, anywhere in it, replaced by random JSON or removed."""
    rec = make_record()
    target, key = rec, None
    while True:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        child = target[key]
        if not isinstance(child, (dict, list)) or not child or draw(st.booleans()):
            break
        target = child
    if key is not None:
        if isinstance(target, dict) and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(JSON)
    return rec


@settings(max_examples=300, deadline=None, database=None)
@given(mutated_record())
def test_a_record_with_one_random_change_is_valid_or_one_line(rec):
    _accepts_or_refuses(rec)
    _accepts_or_refuses({"benchmarks": [{"name": "b", "extra_info": {"records": [rec]}}]})


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "results.json"
    write_json_atomic(path, [make_record("relu", 0), make_record("adam", 0)])
    return path


ENTRY = st.fixed_dictionaries({}, optional={"mean": JSON, "tolerance": JSON}) | JSON
BASELINE = st.fixed_dictionaries(
    {"cases": st.dictionaries(st.sampled_from(["relu", "adam", "nope"]) | KEYS, ENTRY, max_size=3)},
    optional={"profile": st.just("smoke") | JSON},
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(baseline=JSON | BASELINE)
def test_random_baseline_is_compared_or_refused_in_one_line(results_file, baseline):
    path = results_file.with_name("baseline.json")
    path.write_text(json.dumps(baseline))
    try:
        table = check.validate_baseline(read_json(path), str(path))
    except ResultsError as e:
        assert "\n" not in str(e)
        return
    rows = check.compare(load_results([results_file])[0], table)
    assert {r.verdict for r in rows} <= {"ok", "improved", "REGRESSION", "no baseline", "not run"}
