"""Speed: device choice, the machine's fp32 matmul peak, MFU, and a seed-style reference loop."""

from __future__ import annotations

import functools
import platform
import statistics
import time

import torch
from torch import nn

from . import linear
from .timing import best_seconds, sync

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


_INHERITED_PEAK: dict[str, float] = {}  # device type -> a peak probed by the process that started this


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


def seed_style_epochs(
    case, model: nn.Module, epochs: int, device: torch.device, seed: int = 0
) -> list[tuple[float, float]]:
    """(training-step seconds, whole-epoch seconds) per epoch of a faithful seed-style loop.

    It trains the case's model the way the source notebooks do: torchvision dataset, ToTensor,
    DataLoader, plain nn.Linear, per-batch .item() calls, then a validation pass through a
    DataLoader. The first number covers the training steps only, as our records' `seconds` do;
    the second adds the validation pass, to compare with our whole epoch (evaluation and probes).
    """
    from torchvision import datasets, transforms

    from .data import ensure_raw_cache

    root = ensure_raw_cache()
    torch.manual_seed(seed)
    full = datasets.FashionMNIST(
        str(root), train=True, download=False, transform=transforms.ToTensor()
    )
    n_val = len(full) // 10
    train_set, val_set = torch.utils.data.random_split(full, [len(full) - n_val, n_val])
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=case.train.batch_size, shuffle=True
    )
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=case.train.batch_size)
    model = model.to(device)  # the case's model built with plain nn.Linear layers
    opt = torch.optim.SGD(model.parameters(), lr=case.train.lr, momentum=case.train.momentum)
    loss_fn = nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        running_loss, correct, total = 0.0, 0, 0
        for x, y in train_loader:
            x, y = x.view(x.size(0), -1).to(device), y.to(device)
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            running_loss += loss.item()
            correct += (out.argmax(1) == y).sum().item()
            total += y.size(0)
        sync(device)
        t_train = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.view(x.size(0), -1).to(device), y.to(device)
                out = model(x)
                running_loss += loss_fn(out, y).item()
        sync(device)
        seconds.append((t_train, time.perf_counter() - t0))
    return seconds
