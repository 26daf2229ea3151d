"""The Ray cluster runs go to: a local one started here, or a running one joined at an address.

A cluster is stopped (or left) only by whoever started (or joined) it: `connect` says which. An
address is tried with a plain TCP connection first: Ray's own client retries an unreachable
address for minutes and prints a traceback, where a user who mistyped a port wants one line.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

try:
    import ray
except ImportError:  # only runs at once need Ray; the local queue (a GPU, one core) runs without it
    ray = None

from vgmodels.device import default_cpus

ACCEPTED = "HOST:PORT of a running Ray head (started with `ray start --head --port=PORT`)"
CONNECT_SECONDS = 5.0  # a reachable head answers a TCP connect in milliseconds
QUIET = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)


class ClusterError(ValueError):
    """No Ray cluster at the address given: one line naming it and what is accepted."""


def parse_address(address: str) -> tuple[str, int]:
    """(host, port) of HOST:PORT; ClusterError for anything else."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"{address!r} is not HOST:PORT; accepted: {ACCEPTED}")
    return host.strip("[]"), int(port)


def check_address(address: str) -> None:
    """Return when something listens at `address`; ClusterError naming it otherwise."""
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise ClusterError(
            f"no Ray cluster reachable at {address} ({why}); accepted: {ACCEPTED}"
        ) from None


def connect(address: str | None = None, cpus: int | None = None) -> bool:
    """Join the cluster at `address`, or start a local one of `cpus` CPUs (default: all cores).

    Returns True when this call started or joined the cluster (its caller then calls `stop`),
    False when this process was connected already (that cluster is left as it is).
    """
    if ray is None:
        raise ClusterError(
            "Ray is not installed (pip install ray); without it runs train one after another "
            "(--vg-workers 1, or VG_WORKERS=1)"
        )
    if ray.is_initialized():
        return False
    if not address:
        ray.init(address="local", num_cpus=cpus or default_cpus(), **QUIET)
        return True
    check_address(address)
    package = str(Path(__file__).resolve().parents[1])  # the same code on every node
    try:
        ray.init(address=address, runtime_env={"py_modules": [package]}, **QUIET)
    except (ConnectionError, RuntimeError, TimeoutError, ValueError) as e:
        ray.shutdown()
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ClusterError(
            f"{address} answers but is not a Ray cluster ({first}); accepted: {ACCEPTED}"
        ) from None
    return True


def cluster_cpus() -> int:
    """The CPUs of the connected cluster, every node counted."""
    return int(ray.cluster_resources().get("CPU", 1))


def stop() -> None:
    """Stop the local cluster this process started, or leave the one it joined."""
    if ray is not None:
        ray.shutdown()
