"""Cost of one SDAGD step against one SGD step on the baseline network, timed interleaved."""

from __future__ import annotations

import math
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F

from vgmodels.optim import SDAGD, sampled_cross_entropy

BATCH = 512
ROUNDS = 8  # timed blocks per optimizer, interleaved: sgd, sdagd, sgd, hutchinson, sgd, ...
STEPS = 4  # steps per block
WARMUP = 3


def _models(device, linear=None):
    """Two copies of the baseline network (7 x 128 sigmoid, N(0, 0.05)) as vgmodels builds it."""
    from vgmodels.models import DeepMLP, ModelConfig

    kw = {} if linear is None else {"linear": linear}
    return [DeepMLP(ModelConfig(), **kw).to(device) for _ in range(2)]


def _sgd_step(model, opt, x, y):
    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def _sdagd_step(model, opt, x, y, hessian):
    def closure():
        logits = model(x)  # (B, 10)
        loss = F.cross_entropy(logits, y)
        return (loss, sampled_cross_entropy(logits)) if hessian == "gnb" else loss

    return lambda: opt.step(closure)


def _seconds_per_step(step, device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(STEPS):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / STEPS


def test_sdagd_step_cost(benchmark, vg):
    dev = vg["device"]
    torch.manual_seed(0)
    x = torch.rand(BATCH, 784, device=dev)  # (B, 784), synthetic pixels in [0, 1]
    y = torch.randint(0, 10, (BATCH,), device=dev)  # (B,)
    sgd_net, gnb_net = _models(dev)
    # Hutchinson needs a double backward: plain nn.Linear, so SGD on the same layers beside it
    sgd_plain, hutch_net = _models(dev, linear=nn.Linear)
    steps = {
        "sgd": _sgd_step(
            sgd_net, torch.optim.SGD(sgd_net.parameters(), lr=1e-2, foreach=True), x, y
        ),
        "sdagd": _sdagd_step(
            gnb_net,
            SDAGD([{"params": [p]} for p in gnb_net.parameters()], radius=0.1, hessian="gnb"),
            x,
            y,
            "gnb",
        ),
        "sgd_plain": _sgd_step(
            sgd_plain, torch.optim.SGD(sgd_plain.parameters(), lr=1e-2, foreach=True), x, y
        ),
        "hutchinson": _sdagd_step(
            hutch_net,
            SDAGD([{"params": [p]} for p in hutch_net.parameters()], radius=0.1),
            x,
            y,
            "hutchinson",
        ),
    }
    order = ["sgd", "sdagd", "sgd_plain", "hutchinson"]

    def run():
        for name in order:
            for _ in range(WARMUP):
                steps[name]()
        times = {name: [] for name in order}
        for _ in range(ROUNDS):
            for name in order:
                times[name].append(_seconds_per_step(steps[name], dev))
        return {name: statistics.median(t) for name, t in times.items()}

    t = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    ratio = t["sdagd"] / t["sgd"]
    hutch_ratio = t["hutchinson"] / t["sgd_plain"]
    benchmark.extra_info.update(
        {
            "kind": "sdagd_speed",
            "device": dev.type,
            "batch": BATCH,
            "sgd_step_seconds": t["sgd"],
            "sdagd_step_seconds": t["sdagd"],
            "sdagd_over_sgd": ratio,
            "hutchinson_step_seconds": t["hutchinson"],
            "sgd_nn_linear_step_seconds": t["sgd_plain"],
            "hutchinson_over_sgd": hutch_ratio,
        }
    )
    print(
        f"\nSDAGD (GNB) step / SGD step on the baseline network, batch {BATCH}, {dev.type}: "
        f"{ratio:.2f} ({t['sdagd'] * 1e3:.2f} ms / {t['sgd'] * 1e3:.2f} ms); "
        f"Hutchinson: {hutch_ratio:.2f}"
    )
    # the step costs are reported, never compared with each other: only that each is a real duration
    assert all(math.isfinite(v) and v > 0 for v in t.values())
