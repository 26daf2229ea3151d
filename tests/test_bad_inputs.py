"""Every bad input across the commands: exit 2, one line on stderr, no traceback, nothing written."""

import json
import subprocess
import sys

import pytest

from tests.test_results import make_record
from vgmodels import __main__ as run_cli
from vgmodels import check
from vgmodels import data as data_module
from vgmodels.data import PROJECT_ROOT
from vgmodels.report import __main__ as report_cli
from vgmodels.results import write_json_atomic
from vgmodels.sweep import cli as sweep

COMMANDS = {
    "vgmodels": run_cli.main,
    "report": report_cli.main,
    "check": check.main,
    "sweep": sweep.main,
}
UNWRITABLE = "/proc/vgmodels/out"  # no process may create files under /proc, not even root


def _inputs(root):
    """The files the bad inputs name, under root/in (the command runs in the empty root/work)."""
    d = root / "in"
    rec = make_record("relu", 0)
    write_json_atomic(d / "rec.json", rec)
    write_json_atomic(d / "recs" / "relu-s0.json", rec)
    write_json_atomic(d / "quick.json", {**make_record("adam", 0), "profile": "quick"})
    write_json_atomic(
        d / "base.json", {"profile": "smoke", "cases": {"relu": {"mean": 0.1, "tolerance": 0.01}}}
    )
    (d / "empty.json").write_text("")
    (d / "truncated.json").write_text(json.dumps(rec)[:500])
    (d / "wrong.json").write_text('{"name": "a benchmark of something else"}')
    (d / "nan.json").write_text(json.dumps({**rec, "test_acc": float("nan")}))
    (d / "unknown.json").write_text(json.dumps({**rec, "case": "relu2"}))
    (d / "history.json").write_text(json.dumps({**rec, "history": "abc"}))
    (d / "latin1.json").write_bytes(b'{"case": "\xe9"}')
    (d / "emptydir").mkdir()
    (d / "thesis").mkdir()
    (d / "thesis" / "chapter1.tex").write_text("the user's own file")
    (d / "notes.txt").write_text("the user's own file")
    (d / "corrupt").mkdir()
    (d / "corrupt" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x01" + bytes(100))
    (root / "work").mkdir()


R = "vgmodels run relu --profile smoke --epochs 1 --out out.json"
CASES = [
    ("vgmodels run nope --out out.json", "unknown case 'nope'; accepted: depth3, depth5"),
    (f"{R} --profile huge", "unknown profile 'huge'; accepted: smoke, quick"),
    (f"{R} --device tpu", "unknown device 'tpu'; accepted: auto, cpu"),
    ("vgmodels run relu --epochs 0 --out out.json", "--epochs must be a positive integer, got 0"),
    (f"{R} --epochs two", "argument --epochs: invalid int value: 'two'"),
    (f"{R} --seed -1", "argument --seed: seed '-1': accepted a whole number 0 <= seed < 2**32"),
    (f"{R} --seed 4294967296", "seed '4294967296': accepted a whole number 0 <= seed < 2**32"),
    (f"{R} --seed 1.5", "seed '1.5': accepted a whole number"),
    (f"{R} --out {UNWRITABLE}.json", f"--out {UNWRITABLE}.json: cannot write in /proc ("),
    (f"{R} --out IN/emptydir", "--out IN/emptydir: IN/emptydir is a folder; name a file"),
    (f"{R} --out IN/notes.txt/r.json", "IN/notes.txt is not a folder"),
    (f"{R} --data-dir IN/nowhere", "--data-dir IN/nowhere: no such folder"),
    (f"{R} --data-dir IN/corrupt", "IN/corrupt/train-images-idx3-ubyte: not an IDX file"),
    (f"MISSING-DATA {R}", "train-images-idx3-ubyte not found in"),
    ("report --results IN/missing.json", "IN/missing.json: no such file"),
    ("report --results IN/empty.json", "IN/empty.json: not valid JSON: Expecting value"),
    ("report --results IN/truncated.json", "IN/truncated.json: not valid JSON: "),
    ("report --results IN/wrong.json", "IN/wrong.json: record lacks case, seed"),
    ("report --results IN/nan.json", "IN/nan.json: not valid JSON: NaN is not valid JSON"),
    ("report --results IN/unknown.json", "unknown case 'relu2'; accepted: depth3"),
    ("report --results IN/history.json", "IN/history.json: history is str, expected list"),
    ("report --results IN/latin1.json", "IN/latin1.json: not valid JSON (not UTF-8 text)"),
    ("report --results IN/emptydir", "IN/emptydir: a folder with no .json files"),
    ("report --results IN/recs IN/quick.json", "results mix profiles quick, smoke"),
    ("report --results IN/recs --out IN/notes.txt", "--out IN/notes.txt: is an existing file"),
    ("report --results IN/rec.json --out IN/thesis", "holds chapter1.tex, which this tool did not"),
    ("report --results IN/rec.json --out .", "--out .: is the current folder or holds it"),
    (f"report --results IN/rec.json --out {UNWRITABLE}", "cannot write there (No such file"),
    ("report --results IN/rec.json --no-pdf --pdf", "unrecognized arguments: --pdf"),
    ("check IN/missing.json --baseline IN/base.json", "IN/missing.json: no such file"),
    ("check IN/rec.json --baseline IN/truncated.json", "IN/truncated.json: not valid JSON"),
    ("check IN/rec.json --baseline IN/wrong.json", "IN/wrong.json: not a baseline"),
    ("check IN/nan.json --baseline IN/base.json", "NaN is not valid JSON"),
    ("check IN/rec.json --baseline IN/emptydir", "IN/emptydir: is a folder; expected a JSON file"),
    (f"check IN/rec.json --write-baseline {UNWRITABLE}.json", "cannot write there (No such"),
    ("sweep depth --out IN/notes.txt", "--out IN/notes.txt: IN/notes.txt is a file; name a folder"),
    (f"sweep depth --out {UNWRITABLE}", f"--out {UNWRITABLE}: cannot write in /proc"),
    ("sweep nope", "argument kind: invalid choice: 'nope'"),
    ("sweep lr --depths 3", "--depths applies to the depth, phase and beyond sweep, not lr"),
    ("sweep depth --cases nope --dry-run", "unknown case 'nope'; accepted: depth3"),
]


def _tree(root) -> dict:
    """Every path under root, with each file's bytes (a folder's own timestamps may move)."""
    return {p.relative_to(root).as_posix(): p.is_file() and p.read_bytes() for p in root.rglob("*")}


@pytest.mark.parametrize("line, needle", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    line, needle, tmp_path, monkeypatch, capsys
):
    _inputs(tmp_path)
    monkeypatch.chdir(tmp_path / "work")
    if line.startswith("MISSING-DATA "):  # no copy of the dataset anywhere, no network
        line = line.removeprefix("MISSING-DATA ")
        monkeypatch.setattr(data_module, "DEBIAN_DIR", tmp_path / "no-debian")
        monkeypatch.setattr(data_module, "PROJECT_ROOT", tmp_path / "no-project")
        monkeypatch.setattr(data_module, "download_to_cache", lambda: False)
    command, *argv = line.replace("IN/", f"{tmp_path}/in/").split()
    before = _tree(tmp_path)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        COMMANDS[command](argv)
    out, err = capsys.readouterr()
    assert e.value.code == 2
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err
    assert needle.replace("IN/", f"{tmp_path}/in/") in err
    assert out == ""
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--vg-seeds", "4294967296,1"], "--vg-seeds '4294967296,1': accepted a positive count"),
        (["--vg-runs", "pyproject.toml"], "--vg-runs pyproject.toml: pyproject.toml is a file"),
        (
            ["--vg-runs", f"{UNWRITABLE}/runs"],
            f"--vg-runs {UNWRITABLE}/runs: cannot write in /proc",
        ),
    ],
)
def test_bench_options_are_usage_errors(args, needle):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench/",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            *args,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 4  # pytest's usage-error exit code, as for its other options
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_seeds_from_0_to_2_to_the_32_minus_1_are_accepted():
    parser = run_cli._parser()
    assert parser.parse_args(["run", "relu", "--seed", "0"]).seed == 0
    assert parser.parse_args(["run", "relu", "--seed", str(2**32 - 1)]).seed == 2**32 - 1
