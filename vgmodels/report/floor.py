"""The run's training wall time against the machine's own limit: its FLOPs at the probed fp32 peak."""

from __future__ import annotations

from vgmodels.report.walltime import wall_info


def floor_info(records: list[dict], bench_info: dict) -> dict | None:
    """Training FLOPs (flops_per_epoch x epochs_run of every run), the peak, the floor in seconds,
    the session's training span and their ratio; None without a span or a peak."""
    wall = wall_info(records, bench_info)
    span = wall.get("training_seconds")
    timed = [r for r in records if "run_seconds" in r and "started_at" in r]
    if bench_info.get("wall"):
        timed = [r for r in timed if r["started_at"] >= bench_info["wall"]["session_start"]]
    peaks = [r.get("peak_gflops") for r in timed if r.get("peak_gflops")]
    peak = bench_info.get("peak_gflops") or (max(peaks) if peaks else None)
    if not span or not peak or not timed:
        return None
    flops = sum(r["flops_per_epoch"] * r["epochs_run"] for r in timed if r.get("flops_per_epoch"))
    floor = flops / (peak * 1e9)
    return {
        "flops": flops,
        "peak_gflops": peak,
        "floor_seconds": floor,
        "runs": len(timed),
        "training_seconds": span,
        "ratio": span / floor if floor else None,
    }


def floor_text(f: dict | None) -> str | None:
    """'training 227 s = 2.6x its fp32 floor of 88 s (39.8 TFLOP at 450 GFLOP/s)'; None without."""
    if f is None or f["ratio"] is None:
        return None
    return (
        f"training {f['training_seconds']:.0f} s = {f['ratio']:.1f}× its fp32 floor of "
        f"{f['floor_seconds']:.0f} s ({f['flops'] / 1e12:.1f} TFLOP of {f['runs']} runs at the "
        f"probed peak of {f['peak_gflops']:.0f} GFLOP/s)"
    )
