"""Speed: device choice, the machine's fp32 matmul peak, MFU, and a seed-style reference loop."""

from __future__ import annotations

import functools
import statistics
import time

import torch

from vgmodels.device import best_seconds, sync
from vgmodels.models import onednn_linear as linear

_INHERITED_PEAK: dict[
    str, float
] = {}  # device type -> a peak probed by the process that started this


def inherit_peak(device_type: str, gflops: float) -> None:
    """Take the peak a parent process probed on an idle machine (workers probe under load)."""
    _INHERITED_PEAK[device_type] = gflops


def matmul_peak_gflops(device_type: str = "cpu", n: int = 2048, seconds: float = 0.5) -> float:
    """Best fp32 GFLOP/s of an n x n matmul here (or the peak inherited from a parent process)."""
    if device_type in _INHERITED_PEAK:
        return _INHERITED_PEAK[device_type]
    return _probe_peak(device_type, n, seconds)


@functools.cache
def _probe_peak(device_type: str, n: int, seconds: float) -> float:
    """Best fp32 GFLOP/s of an n x n matmul here, over about `seconds` of repeats per library.

    On the CPU both libraries PyTorch carries are probed (MKL's sgemm and oneDNN's inner
    product, which the trainer's Linear uses) and the faster one is the peak, so MFU is
    measured against the best fp32 matmul this machine does, not the one we happen to call.
    """
    device = torch.device(device_type)
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    c = torch.empty(n, n, device=device)
    kernels = [lambda: torch.mm(a, b, out=c)]
    if device.type == "cpu" and linear.onednn_available():
        kernels.append(lambda: linear._dnn(a, b))
    return max(_best_gflops(k, 2.0 * n**3, device, seconds / len(kernels)) for k in kernels)


def _best_gflops(kernel, flops: float, device: torch.device, seconds: float) -> float:
    return flops / best_seconds(kernel, device, seconds) / 1e9


def products_seconds_per_epoch(
    shapes: list[tuple[int, int]], batch: int, n_train: int, device: torch.device, epochs: int = 3
) -> float:
    """Median seconds of an epoch of the training step's matrix products alone: the floor under our loop.

    The same shapes and kernels as the trainer's Linear layers (see linear.step_products), on
    resident random tensors, one epoch's worth of steps at a time, and the median over `epochs`
    as for the trainer's own seconds; everything else in a step (activations, loss, autograd,
    optimizer, metrics) is the gap between this and the trainer's measured seconds.
    """
    pairs = shapes  # (fan_in, fan_out) of each Linear, models.linear_shapes
    xs = [torch.rand(batch, m, device=device) for m, _ in pairs]  # (B, in)
    gs = [torch.randn(batch, n, device=device) for _, n in pairs]  # (B, out)
    ws = [torch.randn(n, m, device=device) * 0.05 for m, n in pairs]  # (out, in)
    bs = [torch.zeros(n, device=device) for _, n in pairs]
    steps = -(-n_train // batch)
    linear.step_products(xs, ws, bs, gs)  # warm-up
    times = []
    for _ in range(epochs):
        sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            linear.step_products(xs, ws, bs, gs)
        sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def mfu(flops: float, seconds: float, peak_gflops: float) -> float | None:
    """Achieved FLOP/s over the probed peak (None when nothing was timed)."""
    if seconds <= 0 or peak_gflops <= 0:
        return None
    return flops / seconds / (peak_gflops * 1e9)
