"""Device facts: which device, its name, the cores this process may use, sync and best-of-repeats timing."""

from __future__ import annotations

import os
import platform
import time

import torch


def sync(device: torch.device) -> None:
    """Wait for queued device work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def best_seconds(kernel, device: torch.device, seconds: float) -> float:
    """Fastest time of one call, over repeats of 4 calls for about `seconds` (after 3 warm-ups)."""
    for _ in range(3):
        kernel()
    sync(device)
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or best == float("inf"):
        t0 = time.perf_counter()
        for _ in range(4):
            kernel()
        sync(device)
        best = min(best, (time.perf_counter() - t0) / 4)
    return best


DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> torch.device:
    """auto -> CUDA, then MPS, then CPU; an unknown or absent device is a ValueError."""
    if name not in DEVICES:
        raise ValueError(f"unknown device {name!r}; accepted: {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ValueError(f"device {name!r} is not available here; accepted: auto, cpu")
    return torch.device(name)


def device_name(device: torch.device) -> str:
    """Human name of the device: GPU model or CPU model with thread count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    n = torch.get_num_threads()
    return f"{cpu} ({n} thread{'' if n == 1 else 's'})"


def default_cpus() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
