"""Device sync and best-of-repeats timing: the pieces both the kernel probe and perf use."""

from __future__ import annotations

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
