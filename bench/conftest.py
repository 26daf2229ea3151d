"""Options and fixtures of the benchmark suite: --vg-profile, --vg-cases, --vg-seeds, --vg-runs, ..."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest
import torch

from vgmodels.check import validate_baseline
from vgmodels.cli import folder_output_problem
from vgmodels.data import DataError, load_fashion_mnist
from vgmodels.perf import device_name, matmul_peak_gflops, resolve_device
from vgmodels.profiles import DEFAULT_PROFILE, PROFILES, get_profile
from vgmodels.remedies import REMEDIES
from vgmodels.results import MAX_SEED, ResultsError, read_json
from vgmodels.runs import default_folder


def pytest_addoption(parser):
    g = parser.getgroup("vgmodels")
    g.addoption("--vg-profile", default=DEFAULT_PROFILE, help=f"one of {', '.join(PROFILES)}")
    g.addoption("--vg-cases", default=None, help="comma-separated case ids (default: all)")
    g.addoption("--vg-seeds", default=None, help="records per case, seeds 0..N-1 (or a list 0,3,7)")
    g.addoption("--vg-epochs", default=None, type=int, help="override the profile's epochs")
    g.addoption("--vg-device", default="auto", help="auto, cpu, cuda or mps")
    g.addoption("--vg-baseline", default=None, help="baseline JSON: fail a case below it")
    g.addoption("--vg-runs", default=None, help="folder of per-run records (results/runs/PROFILE/)")
    g.addoption(
        "--vg-resume", action="store_true", help="reuse the runs folder's records of identical runs"
    )


def _settings(config) -> dict:
    """Validated options, computed once per session."""
    cached = getattr(config, "_vg_settings", None)
    if cached is not None:
        return cached
    try:
        profile = get_profile(config.getoption("--vg-profile")).with_epochs(
            config.getoption("--vg-epochs")
        )
        device = resolve_device(config.getoption("--vg-device"))
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None
    cases = config.getoption("--vg-cases")
    # the long cases run by default only in profiles that include them; by id, always
    default = [c.id for c in REMEDIES.values() if profile.heavy or not c.heavy]
    ids = default if not cases else [c.strip() for c in cases.split(",") if c.strip()]
    unknown = [c for c in ids if c not in REMEDIES]
    if unknown:
        raise pytest.UsageError(
            f"unknown case {', '.join(unknown)}; accepted: {', '.join(REMEDIES)}"
        )
    seeds_opt = config.getoption("--vg-seeds")
    try:
        if seeds_opt is None:
            seeds = list(range(profile.seeds))
        elif "," in seeds_opt:
            seeds = [int(s) for s in seeds_opt.split(",") if s.strip()]
        else:
            seeds = list(range(int(seeds_opt)))
        if not seeds or min(seeds) < 0 or max(seeds) >= MAX_SEED:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(
            f"--vg-seeds {seeds_opt!r}: accepted a positive count N or a list of seeds like 0,1,2 "
            "(0 <= seed < 2**32)"
        ) from None
    runs = config.getoption("--vg-runs") or default_folder(profile)
    problem = folder_output_problem(runs)
    if problem:
        raise pytest.UsageError(f"--vg-runs {runs}: {problem}")
    baseline = None
    path = config.getoption("--vg-baseline")
    if path:
        try:
            baseline = validate_baseline(read_json(path), path)
        except ResultsError as e:
            raise pytest.UsageError(f"--vg-baseline {path}: not a baseline JSON ({e})") from None
        if baseline.get("profile") != profile.name:
            raise pytest.UsageError(
                f"--vg-baseline {path} is for profile {baseline.get('profile')!r}, "
                f"this run is {profile.name!r}"
            )
    config._vg_settings = {
        "profile": profile, "device": device, "cases": ids, "seeds": seeds, "baseline": baseline,
        "runs": Path(runs), "resume": config.getoption("--vg-resume"),
    }  # fmt: skip
    return config._vg_settings


def pytest_configure(config):
    if config.getoption("--vg-profile", None) is not None:
        _settings(config)


def pytest_generate_tests(metafunc):
    if "case_id" in metafunc.fixturenames:
        ids = _settings(metafunc.config)["cases"]
        metafunc.parametrize("case_id", ids, ids=ids)


@pytest.fixture(scope="session")
def vg(request) -> dict:
    return _settings(request.config)


@pytest.fixture(scope="session")
def dataset(vg):
    """The profile's Fashion-MNIST splits, loaded once and kept on the run's device."""
    p = vg["profile"]
    try:
        data = load_fashion_mnist(n_train=p.n_train, n_val=p.n_val, n_test=p.n_test)
    except DataError as e:
        pytest.exit(str(e), returncode=2)
    return data.to(vg["device"])


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Run information beside the benchmarks: device, versions, profile, probed fp32 peak."""
    s = _settings(config)
    dev = s["device"]
    output_json["vgmodels"] = {
        "profile": s["profile"].name,
        "profile_config": s["profile"].as_dict(),
        "seeds": s["seeds"],
        "cases": s["cases"],
        "device": dev.type,
        "device_name": device_name(dev),
        "cpu": device_name(torch.device("cpu")),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "peak_gflops": matmul_peak_gflops(dev.type),
    }
