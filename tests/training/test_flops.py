"""Speed helpers: the peak probe's choice of library, MFU arithmetic."""

import pytest
import torch

from vgmodels.models import onednn_linear as linear
from vgmodels.training import flops as perf


def _fake_rates(monkeypatch, rates):
    calls = []

    def fake(kernel, flops, device, seconds):
        calls.append(flops)
        return rates[len(calls) - 1]

    monkeypatch.setattr(perf, "_best_gflops", fake)
    return calls


def test_peak_is_the_faster_of_mkl_and_onednn(monkeypatch):
    monkeypatch.setattr(linear, "onednn_available", lambda: True)
    calls = _fake_rates(monkeypatch, [210.0, 475.0])
    assert perf._probe_peak.__wrapped__("cpu", 64, 0.5) == 475.0
    assert calls == [2.0 * 64**3] * 2


def test_peak_without_onednn_is_the_sgemm_rate(monkeypatch):
    monkeypatch.setattr(linear, "onednn_available", lambda: False)
    calls = _fake_rates(monkeypatch, [210.0])
    assert perf._probe_peak.__wrapped__("cpu", 64, 0.5) == 210.0
    assert len(calls) == 1


def test_best_seconds_is_the_fastest_mean_of_four_calls(monkeypatch):
    from vgmodels import device as timing

    # a fake clock that only the kernel moves: calls 1-3 warm up, then repeats of four calls
    costs = iter([9.0, 9.0, 9.0] + [4.0, 2.0, 2.0, 2.0] + [1.0, 1.0, 1.0, 2.0] + [3.0] * 4)
    now = [0.0]
    monkeypatch.setattr(timing.time, "perf_counter", lambda: now[0])

    def kernel():
        now[0] += next(costs)

    # a budget of 12 s: the first repeat (10 s) and the second (5 s, mean 1.25) run, then stop
    assert timing.best_seconds(kernel, torch.device("cpu"), 12.0) == 1.25
    assert next(costs) == 3.0  # the third repeat never started


def test_best_gflops_is_flops_over_the_best_time(monkeypatch):
    monkeypatch.setattr(perf, "best_seconds", lambda kernel, device, seconds: 0.004)
    assert perf._best_gflops(None, 2.0 * 64**3, torch.device("cpu"), 0.01) == pytest.approx(
        2.0 * 64**3 / 0.004 / 1e9
    )


def test_mfu_is_achieved_over_peak():
    assert perf.mfu(54e9, 0.3, 450.0) == pytest.approx(0.4)
    assert perf.mfu(54e9, 0.0, 450.0) is None


def test_products_floor_is_the_median_epoch_of_ceil_n_over_b_steps(monkeypatch):
    from vgmodels.models import ModelConfig, linear_shapes

    cfg = ModelConfig(depth=3, width=32, in_features=64)
    seen, now, cost = [], [0.0], iter([0.0] + [1e-3] * 201 + [3e-3] * 201 + [2e-3] * 201)

    def fake_step(xs, ws, bs, gs):
        seen.append(
            [
                (tuple(x.shape), tuple(w.shape), tuple(g.shape))
                for x, w, g in zip(xs, ws, gs, strict=True)
            ]
        )
        now[0] += next(cost)

    monkeypatch.setattr(linear, "step_products", fake_step)
    monkeypatch.setattr(perf.time, "perf_counter", lambda: now[0])
    # 64 * 200 + 1 samples in batches of 64: 201 steps an epoch (the last one short)
    sec = perf.products_seconds_per_epoch(
        linear_shapes(cfg), 64, 64 * 200 + 1, torch.device("cpu"), epochs=3
    )
    assert sec == pytest.approx(201 * 2e-3)  # epochs of 0.201, 0.603, 0.402 s: the median
    assert len(seen) == 1 + 3 * 201  # one warm-up step, untimed
    # every Linear of the stack at its own shape: x (B, in), W (out, in), dL/dy (B, out)
    assert seen[0] == [
        ((64, 64), (32, 64), (64, 32)),
        ((64, 32), (32, 32), (64, 32)),
        ((64, 32), (32, 32), (64, 32)),
        ((64, 32), (10, 32), (64, 10)),
    ]


@pytest.mark.parametrize("kernel", ["aten", "onednn"])
def test_step_products_compute_what_a_linear_stack_computes(monkeypatch, kernel):
    # the floor must time the products of a real step: record every product's result and
    # match each against the plain matmul of a Linear stack's forward, weight and input gradients
    if kernel == "onednn" and not linear.onednn_available():
        pytest.skip("no oneDNN kernel on this build")
    monkeypatch.setattr(linear, "use_onednn", lambda: kernel == "onednn")
    made = []
    real = {"addmm": torch.addmm, "matmul": torch.Tensor.__matmul__, "dnn": linear._dnn}
    monkeypatch.setattr(torch, "addmm", lambda *a: made.append(real["addmm"](*a)) or made[-1])
    monkeypatch.setattr(
        torch.Tensor, "__matmul__", lambda a, b: made.append(real["matmul"](a, b)) or made[-1]
    )
    monkeypatch.setattr(linear, "_dnn", lambda *a: made.append(real["dnn"](*a)) or made[-1])
    torch.manual_seed(0)
    # widths >= 64 so that the hidden layers take oneDNN when it is on; the 10-wide head never does
    xs = [torch.rand(8, 300), torch.rand(8, 64), torch.rand(8, 64)]
    ws = [torch.randn(64, 300), torch.randn(64, 64), torch.randn(10, 64)]
    bs = [torch.randn(64), torch.randn(64), torch.randn(10)]
    gs = [torch.randn(8, 64), torch.randn(8, 64), torch.randn(8, 10)]
    linear.step_products(xs, ws, bs, gs)
    want = []
    for i, (x, w, b, g) in enumerate(zip(xs, ws, bs, gs, strict=True)):
        want.append(x.numpy() @ w.numpy().T + b.numpy())  # forward (B, out)
        want.append(g.numpy().T @ x.numpy())  # weight gradient (out, in)
        if i:  # no input gradient below the first layer
            want.append(g.numpy() @ w.numpy())  # input gradient (B, in)
    assert len(made) == len(want) == 8
    for got, expected in zip(made, want, strict=True):
        torch.testing.assert_close(got, torch.from_numpy(expected), rtol=1e-4, atol=1e-4)
