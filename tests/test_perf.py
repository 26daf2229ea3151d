"""Speed helpers: device choice, the peak probe's choice of library, MFU arithmetic."""

import math

import pytest
import torch

from vgmodels import linear, perf


def test_auto_device_is_cpu_without_accelerators_and_unknown_names_are_rejected():
    if not torch.cuda.is_available():
        assert perf.resolve_device("auto").type in ("cpu", "mps")
    with pytest.raises(ValueError, match="accepted: auto, cpu, cuda, mps"):
        perf.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="not available"):
            perf.resolve_device("cuda")


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
    assert perf.matmul_peak_gflops.__wrapped__("cpu", n=64) == 475.0
    assert calls == [2.0 * 64**3] * 2


def test_peak_without_onednn_is_the_sgemm_rate(monkeypatch):
    monkeypatch.setattr(linear, "onednn_available", lambda: False)
    calls = _fake_rates(monkeypatch, [210.0])
    assert perf.matmul_peak_gflops.__wrapped__("cpu", n=64) == 210.0
    assert len(calls) == 1


def test_best_gflops_times_a_real_matmul():
    a = torch.randn(64, 64)
    rate = perf._best_gflops(lambda: a @ a, 2.0 * 64**3, torch.device("cpu"), 0.01)
    assert 0 < rate < math.inf


def test_mfu_is_achieved_over_peak():
    assert perf.mfu(54e9, 0.3, 450.0) == pytest.approx(0.4)
    assert perf.mfu(54e9, 0.0, 450.0) is None


def test_products_floor_scales_with_steps_and_is_below_a_real_step(monkeypatch):
    from vgmodels.models import ModelConfig, linear_shapes

    monkeypatch.setattr(linear, "use_onednn", lambda: False)  # the kernel choice has its own tests
    cfg = ModelConfig(depth=3, width=32, in_features=64)
    one = perf.products_seconds_per_epoch(linear_shapes(cfg), 64, 64, torch.device("cpu"), epochs=9)
    many = perf.products_seconds_per_epoch(linear_shapes(cfg), 64, 64 * 200, torch.device("cpu"), epochs=9)
    assert 0 < one < many
    # 200 steps of the same products: far more than one step, far less than 5000 (medians; the
    # clock of a shared machine is noisy, and a lone step runs from warmer caches)
    assert 50 < many / one < 5000


def test_step_products_compute_what_a_linear_stack_computes(monkeypatch):
    # the floor must time the products of a real step: count them through a spy
    calls = []
    real_addmm, real_mm = torch.addmm, torch.Tensor.__matmul__
    monkeypatch.setattr(linear, "use_onednn", lambda: False)
    monkeypatch.setattr(torch, "addmm", lambda *a: calls.append("fwd") or real_addmm(*a))
    monkeypatch.setattr(
        torch.Tensor, "__matmul__", lambda a, b: calls.append("mm") or real_mm(a, b)
    )
    xs = [torch.rand(8, 5), torch.rand(8, 4)]
    ws = [torch.rand(4, 5), torch.rand(3, 4)]
    gs = [torch.rand(8, 4), torch.rand(8, 3)]
    linear.step_products(xs, ws, [torch.zeros(4), torch.zeros(3)], gs)
    # two forward products, two weight gradients, one input gradient (none below the first layer)
    assert calls.count("fwd") == 2 and calls.count("mm") == 3


def test_device_name_counts_threads_in_words():
    from vgmodels.perf import device_name

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert device_name(torch.device("cpu")).endswith(" (1 thread)")
        torch.set_num_threads(2)
        assert device_name(torch.device("cpu")).endswith(" (2 threads)")
    finally:
        torch.set_num_threads(threads)
