"""Speed: our trainer against a faithful seed-style loop on the same case, timed in one run."""

from __future__ import annotations

import math
import statistics
import time

import pytest
import torch
from torch import nn

from vgmodels.device import default_cpus
from vgmodels.models import DeepMLP, flops_per_sample, linear_shapes
from vgmodels.models.onednn_linear import use_onednn
from vgmodels.remedies import REMEDIES
from vgmodels.runs.seeds import stacks, train_seeds, workers_for
from vgmodels.training.flops import matmul_peak_gflops, products_seconds_per_epoch
from vgmodels.training.metrics import EPOCH_METRICS, interleaved_ratios, max_relative_difference
from vgmodels.training.reference_loop import seed_style_epochs
from vgmodels.training.trainer import train_case

SPEED_CASE = "baseline"
RELATIVE_TRAIN = 8192  # samples per epoch when timing every case against baseline (16 steps)


def _time_speed_case(vg, dataset, case, epochs: int, full: bool, seeds_at_once: list[int]):
    """One run of the case timed per epoch, the seed-style loop, and its seeds trained at once."""
    ends: list[float] = []  # after each epoch's evaluation and probes: whole-epoch walls
    matmul_peak_gflops(vg["device"].type)  # the once-per-process probes, outside the timing
    use_onednn()
    profile = vg["profile"].with_epochs(epochs)
    if vg["device"].type != "cpu":  # the CUDA context and the libraries' workspaces, once
        train_case(case, vg["profile"].with_epochs(1), 0, vg["device"], dataset)
    t0 = time.perf_counter()

    def on_epoch(row):
        ends.append(time.perf_counter())

    ours = train_case(case, profile, 0, vg["device"], dataset, on_epoch=on_epoch)
    ours_run = time.perf_counter() - t0  # the whole run: start, epochs, test
    # 2 epochs of the seed-style loop (1.6-3.7 s each): its epochs vary by 2-5%, the
    # machine from minute to minute by more, so more epochs would not steady the ratio
    seed_style = (
        seed_style_epochs(case, DeepMLP(case.model, linear=nn.Linear), 2, vg["device"])
        if full
        else None
    )
    started = False
    if workers_for(len(seeds_at_once), vg["device"]) > 1:
        from vgmodels.runs import queue as engine

        started = not engine.ray.is_initialized()
        engine.start(cpus=len(seeds_at_once))  # the session's cluster, or one started here
    try:
        t0 = time.perf_counter()
        seeds = train_seeds(case, profile, seeds_at_once, vg["device"], dataset)
        seeds_wall = time.perf_counter() - t0
    finally:
        if started:
            engine.stop()
    walls = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    return ours, walls, ours_run, seed_style, seeds, seeds_wall


def _speed_info(case, vg, epochs, measured, stacked, seeds_at_once) -> dict:
    """The speed benchmark's numbers (its extra_info) from what `_time_speed_case` measured."""
    ours, ours_walls, ours_run, seed_style, seeds, seeds_wall = measured
    ours_s = statistics.median(h["seconds"] for h in ours["history"])
    ours_wall = statistics.median(ours_walls) if ours_walls else None
    seed_s = statistics.median(t for t, _ in seed_style) if seed_style else None
    seed_wall = statistics.median(w for _, w in seed_style) if seed_style else None
    flops = flops_per_sample(case.model) * ours["n_train"]
    peak = matmul_peak_gflops(vg["device"].type)
    # the step's matrix products alone, same shapes and kernels: the floor under our loop
    floor = products_seconds_per_epoch(
        linear_shapes(case.model), case.train.batch_size, ours["n_train"], vg["device"]
    )
    n = len(seeds_at_once)
    info = {
        "kind": "speed", "case": SPEED_CASE, "epochs": epochs,
        "ours_seconds_per_epoch": ours_s, "seed_style_seconds_per_epoch": seed_s,
        "speedup": seed_s / ours_s if seed_s else None,
        "ours_epoch_wall_seconds": ours_wall, "seed_style_epoch_wall_seconds": seed_wall,
        "speedup_epoch_wall": seed_wall / ours_wall if seed_wall and ours_wall else None,
        "flops_per_epoch": flops, "gflops_per_second": flops / ours_s / 1e9, "peak_gflops": peak,
        "mfu": flops / ours_s / (peak * 1e9), "products_seconds_per_epoch": floor,
        "products_share": floor / ours_s, "products_mfu": flops / floor / (peak * 1e9),
        "speedup_bound": seed_s / floor if seed_s else None,
        "linear_kernel": ours["linear_kernel"],
        # several seeds at once against one: whole runs (start, epochs with validation, test)
        "ours_run_seconds": ours_run, "seeds": n,
        "seeds_concurrent_runs": seeds[0]["concurrent_runs"], "seeds_stacked": stacked,
        "seeds_threads": seeds[0]["threads"],
        "seeds_wall_seconds_per_seed_epoch": seeds_wall / (n * epochs),
        "seeds_machine_mfu": flops * n * epochs / seeds_wall / (peak * 1e9),
    }  # fmt: skip
    per = info["seeds_wall_seconds_per_seed_epoch"]
    info["seeds_speedup_epoch_wall"] = seed_wall / per if seed_wall else None
    info["seeds_gain_epoch_wall"] = ours_run / epochs / per
    return info


def _print_speed(info: dict, seeds_at_once: list[int]) -> None:
    """Two lines on the terminal: one run against the seed-style loop, and seeds at once."""
    if info["speedup"]:
        ratio = (
            f"ratio {info['speedup']:.1f}x (products alone would give {info['speedup_bound']:.1f}x)"
        )
        if info["speedup_epoch_wall"]:
            ratio += (
                f" (whole epochs with validation: {info['ours_epoch_wall_seconds']:.3f} vs "
                f"{info['seed_style_epoch_wall_seconds']:.3f} s, {info['speedup_epoch_wall']:.1f}x)"
            )
    else:
        ratio = "ratio n/a (subset profile)"
    print(
        f"\nspeed[{SPEED_CASE}]: training steps ours {info['ours_seconds_per_epoch']:.3f} s/epoch, "
        f"seed-style {info['seed_style_seconds_per_epoch'] or float('nan'):.3f} s/epoch, {ratio}; "
        f"{info['gflops_per_second']:.0f} GFLOP/s, MFU {info['mfu']:.2f} of "
        f"{info['peak_gflops']:.0f} GFLOP/s; the products alone take "
        f"{info['products_seconds_per_epoch']:.3f} s/epoch ({info['products_share']:.0%} of our "
        f"step time, MFU {info['products_mfu']:.2f}), {info['linear_kernel']} kernels"
    )
    gain = f", {info['seeds_gain_epoch_wall']:.2f}x the throughput of one seed's whole run"
    vs_seed = (
        f", {info['seeds_speedup_epoch_wall']:.1f}x the seed-style loop's"
        if info["seeds_speedup_epoch_wall"]
        else ""
    )
    how = (
        "stacked into one model"
        if info["seeds_stacked"]
        else f"{info['seeds_concurrent_runs']} processes x {info['seeds_threads']} threads"
    )
    print(
        f"speed[{SPEED_CASE}, seeds {seeds_at_once} at once, {how}]: "
        f"{info['seeds_wall_seconds_per_seed_epoch']:.3f} s per seed-epoch with validation{gain}"
        f"{vs_seed}; machine MFU {info['seeds_machine_mfu']:.2f}"
    )


def test_speed(benchmark, vg, dataset):
    case = REMEDIES[SPEED_CASE]
    epochs = 1 if vg["profile"].name == "smoke" else 3
    full = vg["profile"].n_train is None
    # as many seeds as the case benchmarks train at once: on a CPU the cores, each single-threaded;
    # on an accelerator the paper profile's 3 seeds, stacked into one model
    stacked = stacks(case, 3, vg["device"])
    n_at_once = 3 if stacked else max(2, min(4, workers_for(default_cpus(), vg["device"])))
    seeds_at_once = list(range(n_at_once))
    measured = benchmark.pedantic(
        _time_speed_case,
        args=(vg, dataset, case, epochs, full, seeds_at_once),
        rounds=1,
        iterations=1,
        warmup_rounds=0,
    )
    ours, ours_walls, _, seed_style, seeds, _ = measured
    info = _speed_info(case, vg, epochs, measured, stacked, seeds_at_once)
    benchmark.extra_info.update(info)
    _print_speed(info, seeds_at_once)
    floor, ours_s = info["products_seconds_per_epoch"], info["ours_seconds_per_epoch"]
    # 784 -> 7 x 128 -> 10, per sample: forward 2mn for each Linear, a weight gradient 2mn for
    # each, an input gradient 2mn for all but the first: 2 (2 x 100352 + 3 x 6 x 16384 + 3 x 1280)
    assert info["flops_per_epoch"] == 998912 * ours["n_train"]
    # timings are reported, never compared with each other: only that each is a real duration
    assert all(math.isfinite(t) and t > 0 for t in (floor, ours_s))
    assert ours["train_seconds"] == pytest.approx(sum(h["seconds"] for h in ours["history"]))
    assert len(ours_walls) == epochs - 1 and len(seed_style or []) == (2 if full else 0)
    assert [r["seed"] for r in seeds] == seeds_at_once
    at_once = len(seeds_at_once) if stacked else workers_for(len(seeds_at_once), vg["device"])
    assert info["seeds_concurrent_runs"] == at_once


def test_denormal_flush(benchmark, vg, dataset):
    """std10's saturated sigmoids make denormal floats: time it with and without flushing them,
    and measure how far flushing moves each recorded metric against how far a second seed does."""
    case = REMEDIES["std10"]
    epochs = 1 if vg["profile"].name == "smoke" else 3

    def run():
        def train(seed, flush):
            return train_case(
                case,
                vg["profile"].with_epochs(epochs),
                seed,
                vg["device"],
                dataset,
                flush_denormal=flush,
            )

        return train(0, True), train(0, False), train(1, True)

    on, off, other = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    torch_on = statistics.median(h["seconds"] for h in on["history"])
    torch_off = statistics.median(h["seconds"] for h in off["history"])
    effect, noise = {}, {}
    for key in EPOCH_METRICS:
        e = max_relative_difference(on["history"], off["history"], key)
        if e is not None:
            effect[key] = e
            noise[key] = max_relative_difference(on["history"], other["history"], key)
    effect["test_acc"] = max_relative_difference([on], [off], "test_acc")
    noise["test_acc"] = max_relative_difference([on], [other], "test_acc")
    # beyond noise: more than the second seed moved it, and more than float rounding (1e-5)
    beyond = sorted(k for k, e in effect.items() if e > max(noise[k] or 0.0, 1e-5))
    benchmark.extra_info.update(
        kind="speed",
        case="std10",
        epochs=epochs,
        flush_seconds_per_epoch=torch_on,
        no_flush_seconds_per_epoch=torch_off,
        slowdown_without_flush=torch_off / torch_on,
        test_acc_flush=on["test_acc"],
        test_acc_no_flush=off["test_acc"],
        test_acc_delta=abs(on["test_acc"] - off["test_acc"]),
        flush_effect=effect,
        seed_noise=noise,
        flush_beyond_noise=beyond,
    )
    worst = max(effect, key=effect.get)
    print(
        f"\ndenormals[std10]: {torch_on:.3f} s/epoch flushed, {torch_off:.3f} s/epoch not "
        f"({torch_off / torch_on:.2f}x); test_acc {on['test_acc']:.4f} vs {off['test_acc']:.4f}; "
        f"largest relative change from flushing {effect[worst]:.2e} ({worst}), "
        f"seed 1 moves it {noise[worst] or 0:.2e}"
    )
    assert on["epochs_run"] == off["epochs_run"] == epochs
    assert not beyond, f"flushing denormals moved {beyond} beyond seed noise: {effect} vs {noise}"


def test_case_speed(benchmark, vg, dataset):
    """Every case's seconds per epoch over baseline's, timed interleaved (baseline, case,
    baseline, case, ...) so that the machine's drift between cases cancels out of each ratio;
    baseline against itself shows the noise that is left."""
    # one round in the quick profile keeps `make report` short (each round times 2 x 41 short
    # runs, about 15 s); baseline's ratio to itself, a row of the table, shows the noise left
    rounds, epochs = {"smoke": (1, 1), "quick": (1, 2)}.get(vg["profile"].name, (3, 2))
    data = dataset.subset(RELATIVE_TRAIN, 1024, 1024)
    cases = vg["cases"]

    def timed(case_id):
        profile = vg["profile"].with_epochs(epochs)
        rec = train_case(REMEDIES[case_id], profile, 0, vg["device"], data)
        steps = math.ceil(len(data.train) / REMEDIES[case_id].train.batch_size)
        return (
            rec["seconds_per_epoch"],
            rec["seconds_per_epoch"] / steps,
            rec["gflops_per_second"],
            rec["mfu"],
        )

    def run():
        per_round, alone = [], {cid: [] for cid in cases}
        for _ in range(rounds):
            base, other = [timed(SPEED_CASE)[0]], []
            for cid in cases:
                t = timed(cid)
                other.append(t[0])
                alone[cid].append(t[1:])
                base.append(timed(SPEED_CASE)[0])
            per_round.append(interleaved_ratios(base, other))
        return per_round, alone

    per_round, alone = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    ratios = {cid: statistics.median(r[i] for r in per_round) for i, cid in enumerate(cases)}

    def median_of(k):
        return {cid: statistics.median(t[k] for t in alone[cid]) for cid in cases}

    benchmark.extra_info.update(
        kind="speed",
        case="all",
        relative_to=SPEED_CASE,
        relative_seconds=ratios,
        relative_rounds=rounds,
        relative_epochs=epochs,
        relative_n_train=len(data.train),
        # each case alone, all threads, training steps only (medians over the rounds)
        alone_ms_per_step={cid: 1e3 * v for cid, v in median_of(0).items()},
        alone_gflops=median_of(1),
        alone_mfu=median_of(2),
        alone_threads=torch.get_num_threads(),
    )
    slowest = max(ratios, key=ratios.get)
    print(
        f"\nper-case speed (interleaved with {SPEED_CASE}, median of {rounds} rounds): slowest "
        f"{slowest} at {ratios[slowest]:.2f}x {SPEED_CASE}; "
        + ", ".join(f"{c} {r:.2f}" for c, r in ratios.items())
    )
    assert set(ratios) == set(cases)  # the ratios themselves are reported, not asserted
    info = benchmark.extra_info
    peak = matmul_peak_gflops(vg["device"].type)
    for cid in cases:  # MFU is GFLOP/s over the probed peak (a median commutes with the division)
        assert info["alone_mfu"][cid] == pytest.approx(info["alone_gflops"][cid] / peak)
