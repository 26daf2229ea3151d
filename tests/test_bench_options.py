"""The benchmark suite's options: unknown values are usage errors naming what is accepted."""

import subprocess
import sys

import pytest

from vgmodels.data import PROJECT_ROOT


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--vg-cases", "baseline,nope"], "unknown case nope; accepted: depth3"),
        (
            ["--vg-profile", "huge"],
            "unknown profile 'huge'; accepted: smoke, quick, paper, paper300",
        ),
        (["--vg-device", "tpu"], "unknown device 'tpu'; accepted: auto, cpu, cuda, mps"),
        (["--vg-seeds", "zero"], "--vg-seeds 'zero': accepted a positive count N"),
        (
            ["--vg-baseline", "/nonexistent.json"],
            "--vg-baseline /nonexistent.json: not a baseline JSON",
        ),
    ],
)
def test_unknown_option_values_are_usage_errors(args, needle):
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
    assert proc.returncode == 4  # pytest's usage-error exit code
    assert needle in proc.stderr


def test_baseline_of_another_profile_is_refused():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench/",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "--vg-profile",
            "smoke",
            "--vg-baseline",
            "bench/baselines/quick.json",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 4 and "is for profile 'quick', this run is 'smoke'" in proc.stderr


def _collected(*args):
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
    assert proc.returncode == 0, proc.stderr
    return [
        line.split("[", 1)[1].rstrip("]")
        for line in proc.stdout.splitlines()
        if "test_case[" in line
    ]


LONG = ["layerwise_paper_full", "layerwise_greedy_full", "rnn_long", "lstm_long", "gru_long"]


def test_collects_one_benchmark_per_case_and_the_long_ones_where_the_profile_has_them():
    from vgmodels.remedies import REMEDIES

    assert _collected("--vg-profile", "paper") == list(REMEDIES)
    assert _collected() == [c for c in REMEDIES if c not in LONG]  # quick, the default
    assert _collected("--vg-cases", "rnn_long,depth3") == ["rnn_long", "depth3"]  # by id, always
