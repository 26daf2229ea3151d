"""Options and fixtures of the benchmark suite: --vg-profile, --vg-cases, --vg-seeds, --vg-runs, ..."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import pytest
import torch

from vgmodels.check import validate_baseline
from vgmodels.cli import folder_output_problem
from vgmodels.data import DataError, load_fashion_mnist
from vgmodels.device import default_cpus, device_name, resolve_device
from vgmodels.profiles import DEFAULT_PROFILE, PROFILES, get_profile, seeds_needed
from vgmodels.remedies import REMEDIES
from vgmodels.results import MAX_SEED, ResultsError, read_json
from vgmodels.runs import cluster
from vgmodels.runs.cluster import ClusterError
from vgmodels.runs.folder import default_folder, reusable
from vgmodels.runs.progress import Progress
from vgmodels.runs.queue import Job, LocalQueue, RayQueue
from vgmodels.runs.tensorboard import write_records
from vgmodels.runs.workers import workers_for
from vgmodels.training.flops import matmul_peak_gflops
from vgmodels.training.record import peak_rss_mb


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
    g.addoption(
        "--vg-tensorboard",
        "--tensorboard",
        dest="vg_tensorboard",
        default=None,
        help="folder for TensorBoard event files, one subfolder per finished run",
    )
    g.addoption(
        "--vg-workers",
        default=None,
        type=int,
        help="runs training at once (default: one per CPU core on the CPU; 1 = one after another)",
    )
    g.addoption(
        "--vg-address",
        default=None,
        help="HOST:PORT of a running Ray cluster to train on (default: a local one)",
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
    tensorboard = config.getoption("--vg-tensorboard")
    if tensorboard and folder_output_problem(tensorboard):
        raise pytest.UsageError(
            f"--tensorboard {tensorboard}: {folder_output_problem(tensorboard)}"
        )
    workers = config.getoption("--vg-workers")
    if workers is not None and workers < 1:
        raise pytest.UsageError(f"--vg-workers {workers}: accepted a whole number >= 1")
    config._vg_settings = {
        "profile": profile,
        "device": device,
        "cases": ids,
        "seeds": seeds,
        "baseline": baseline,
        "runs": Path(runs),
        "resume": config.getoption("--vg-resume"),
        "workers": workers,
        "address": config.getoption("--vg-address"),
        "tensorboard": tensorboard,
        "spread_rule": seeds_opt is None,  # the profile's seeds: more where they spread
    }
    return config._vg_settings


def pytest_configure(config):
    config._vg_wall = {"session_start": time.time()}  # what the report's wall-time line states
    if config.getoption("--vg-profile", None) is not None:
        address = _settings(config)["address"]
        if address:  # joined now: an unreachable one is one line and exit 2, before any test
            try:
                config._vg_joined = cluster.connect(address)
            except ClusterError as e:
                pytest.exit(f"--vg-address {address}: {e}", returncode=2)


def pytest_unconfigure(config):
    if getattr(config, "_vg_joined", False):
        cluster.stop()  # leaves the cluster joined at configure time


def pytest_sessionfinish(session):
    session.config._vg_wall["session_end"] = time.time()


def pytest_collection_finish(session):
    """The session's first line, the moment the cases are known: before the data and Ray."""
    config = session.config
    n = sum("case_id" in getattr(item, "fixturenames", ()) for item in session.items)
    if n and not config.option.collectonly:
        s = _settings(config)
        TerminalStream(config).write(
            f"bench: {n} cases x {len(s['seeds'])} seeds, profile {s['profile'].name}, "
            f"runs folder {s['runs']}; loading the data, then queueing the runs\n"
        )


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


class TerminalStream:
    """stderr past pytest's capture: the queue's progress reaches the terminal while tests run."""

    def __init__(self, config):
        self.capture = config.pluginmanager.getplugin("capturemanager")

    def write(self, text: str) -> None:
        with self.capture.global_and_fixture_disabled():
            sys.stderr.write(text)
            sys.stderr.flush()

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        with self.capture.global_and_fixture_disabled():
            return sys.stderr.isatty()


class Plan:
    """The session's runs: the records reused from the runs folder, and those to train.

    Every run to train is submitted to the one queue (`vgmodels.runs.queue`) before the first case
    waits for its own, costliest first: on Ray where several train at once or `--vg-address` names
    a cluster (the cores stay busy across cases), else one after another in this process as each
    case asks. Each record is written to the runs folder the moment it finishes, whichever case is
    waiting, and the queue's progress goes to the terminal from the start.
    """

    def __init__(self, vg: dict, data, wall: dict, stream):
        self.vg, self.data, self.wall = vg, data, wall
        profile, device, folder = vg["profile"], vg["device"], vg["runs"]
        self.reused: dict = {}
        todo = [k for c in vg["cases"] for k in self._not_reused(c, vg["seeds"])]
        # from the session's plan, not from what is left to train: a resumed session gives its
        # runs the threads an uninterrupted one does (the thread count can move the last bits)
        n = len(vg["cases"]) * len(vg["seeds"])
        workers = workers_for(n, device, cap=vg["workers"])
        progress = Progress(stream, label="bench")
        if self.reused:
            progress.write(f"bench: {len(self.reused)} of {n} runs reused from {folder}")
        kw = dict(folder=folder, progress=progress)
        if todo and (vg["address"] or workers > 1):
            self.queue = RayQueue(data, device, workers, vg["address"], **kw)
            wall["training_start"] = time.time()
        else:
            self.queue = LocalQueue(data, device, **kw)
        self.queue.submit([Job((c, s), REMEDIES[c], profile, s) for c, s in todo])

    def _not_reused(self, case_id: str, seeds: list[int]) -> list[tuple[str, int]]:
        """The (case, seed) runs to train: with --vg-resume, those the runs folder lacks."""
        vg = self.vg
        for s in seeds if vg["resume"] else ():
            rec = reusable(vg["runs"], REMEDIES[case_id], vg["profile"], s, vg["device"])
            if rec is not None:
                self.reused[(case_id, s)] = rec
        return [(case_id, s) for s in seeds if (case_id, s) not in self.reused]

    def records(self, case_id: str) -> tuple[list[dict], list[int]]:
        """(this case's records in seed order, the seeds reused); trains what is missing, and
        the profile's further seeds where the first ones spread (profiles.seeds_needed)."""
        records, reused = self._records(case_id, self.vg["seeds"])
        wanted = seeds_needed(self.vg["profile"], [r["test_acc"] for r in records])
        if self.vg["spread_rule"] and wanted > len(records):
            more = list(range(len(records), wanted))
            todo = self._not_reused(case_id, more)
            self.queue.submit([Job(k, REMEDIES[case_id], self.vg["profile"], k[1]) for k in todo])
            extra, extra_reused = self._records(case_id, more)
            records, reused = records + extra, reused + extra_reused
        return records, reused

    def _records(self, case_id: str, seeds: list[int]) -> tuple[list[dict], list[int]]:
        todo = [(case_id, s) for s in seeds if (case_id, s) not in self.reused]
        by_seed = {}
        if todo:
            self.wall.setdefault("training_start", time.time())
            by_seed = {r["seed"]: r for r in self.queue.collect(todo)}
            write_records(list(by_seed.values()), self.vg["tensorboard"])  # runs trained here
            if not self.queue.pending:
                self.wall["training_end"] = time.time()
        records = [self.reused.get((case_id, s)) or by_seed[s] for s in seeds]
        return records, [s for s in seeds if (case_id, s) in self.reused]


def ray_failure(e: BaseException) -> str | None:
    """The first line of an error Ray raised from its own code, else None.

    Ray reports a local node that did not come up in time (every core busy at startup) as a bare
    `Exception` from inside its package; the bench then stops with one line instead of failing
    every case with the same traceback. Errors of anything else keep their traceback.
    """
    if cluster.ray is None:
        return None
    package = Path(cluster.ray.__file__).resolve().parent
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or not Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(package):
        return None
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def start_plan(vg: dict, data, wall: dict, stream) -> Plan:
    """The session's `Plan`; a cluster that fails to start is one line: exit 2 for a
    `ClusterError`, exit 3 for Ray failing in its own code."""
    try:
        return Plan(vg, data, wall, stream)
    except ClusterError as e:  # exit 2, as the one of --vg-address in pytest_configure
        pytest.exit(f"bench: {e}", returncode=2)
    except Exception as e:
        first = ray_failure(e)
        if first is None:
            raise
        cluster.stop()
        pytest.exit(
            f"bench: Ray failed before any run trained ({first}); accepted: rerun when the "
            "cores are less busy, or train in this process with --vg-workers 1",
            returncode=3,
        )


@pytest.fixture(scope="session")
def plan(vg, dataset, request):
    p = start_plan(vg, dataset, request.config._vg_wall, TerminalStream(request.config))
    yield p
    p.queue.close()  # saves runs finished while no case waited; stops a cluster started here


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
        "cores": default_cpus(),
        "peak_rss_mb": peak_rss_mb(),  # this process: data, records, the speed benchmarks
        # seconds since the session started (this JSON is written at its end), and when the
        # trainings of the cases ran: the report's wall-time line
        "wall": {
            **config._vg_wall,
            "session_seconds": time.time() - config._vg_wall["session_start"],
        },
    }
