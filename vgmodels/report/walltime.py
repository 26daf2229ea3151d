"""The run's wall time: total, training, rendering, and the share of the machine each case had."""

from __future__ import annotations

from collections import defaultdict


def own_seconds(r: dict) -> float:
    """A run's own wall seconds: on an accelerator the seeds stacked into one run split its time."""
    if r.get("device", "cpu") != "cpu":
        return r["run_seconds"] / r.get("concurrent_runs", 1)
    return r["run_seconds"]


def wall_info(records: list[dict], bench_info: dict) -> dict:
    """What the wall-time line states, from the bench's clock and the records' own clocks.

    Only the runs this session trained count (a resumed session's reused records keep their own
    sessions' clocks). Training time is the span from the first run's start to the last run's
    end. A case's share
    of the machine is its runs' core-seconds (each run's seconds times its threads) over the
    machine's core-seconds in that span: 0.5 for a case that alone had one of two cores for the
    whole span, 1/45 on average when 45 cases share it. On an accelerator the machine is the one
    device and a stacked run's seeds split its seconds (`own_seconds`).
    """
    timed = [r for r in records if "run_seconds" in r and "started_at" in r]
    wall = bench_info.get("wall") or {}
    if wall:
        timed = [r for r in timed if r["started_at"] >= wall["session_start"]]
    out = {
        "session_seconds": wall.get("session_seconds"),
        "runs": len(timed),
        "reused": len(records) - len(timed) if wall else 0,
    }
    if not timed or not wall:  # records of several sessions: no one span they shared
        return {
            **out,
            "training_seconds": None,
            "share": {},
            "run_seconds": sum(own_seconds(r) for r in timed),
        }
    span = max(r["finished_at"] for r in timed) - min(r["started_at"] for r in timed)
    at_once = max(r.get("concurrent_runs", 1) for r in timed)
    gpu = any(r.get("device", "cpu") != "cpu" for r in timed)
    threads = 1 if gpu else max(r.get("threads", 1) for r in timed)
    cores = 1 if gpu else bench_info.get("cores") or at_once * threads
    core_seconds: dict[str, float] = defaultdict(float)
    for r in timed:
        core_seconds[r["case"]] += own_seconds(r) * min(r.get("threads", 1), cores)
    share = {c: s / (cores * span) for c, s in core_seconds.items()} if span > 0 else {}
    rss = [r["peak_rss_mb"] for r in timed if r.get("peak_rss_mb") is not None]
    return {
        **out,
        "peak_rss_mb": bench_info.get("peak_rss_mb"),
        "run_peak_rss_mb": max(rss) if rss else None,
        "training_seconds": span,
        "run_seconds": sum(own_seconds(r) for r in timed),
        "gpu": gpu,
        "at_once": at_once,
        "threads": threads,
        "cores": cores,
        "share": share,
        "busy": sum(share.values()),
    }


def wall_text(w: dict, render_seconds: float) -> str:
    """One line: total, training, the rest of the bench, rendering; how the machine was shared."""
    render = f"rendering the figures and this page {render_seconds:.0f} s (the PDF after)"
    if w["training_seconds"] is None:
        if not w["runs"]:
            return render
        return (
            f"the {w['runs']} runs' own wall times sum to {w['run_seconds']:.0f} s (runs of "
            f"several sessions: no one span to share); {render}"
        )
    parts = []
    if w["session_seconds"] is not None:
        rest = w["session_seconds"] - w["training_seconds"]
        parts.append(
            f"{w['session_seconds'] + render_seconds:.0f} s in all: the benchmark session "
            f"{w['session_seconds']:.0f} s, of which training {w['training_seconds']:.0f} s and "
            f"the speed benchmarks, data loading and start-up {rest:.0f} s"
        )
    else:
        parts.append(f"training {w['training_seconds']:.0f} s (first start to last end)")
    parts.append(render)
    plural = "s" if w["threads"] > 1 else ""
    reused = f" (and {w['reused']} reused from earlier sessions)" if w.get("reused") else ""
    if w.get("gpu"):
        parts.append(
            f"{w['runs']} runs{reused} on one GPU, up to {w['at_once']} seeds stacked into one "
            f"model, kept it {w['busy']:.0%} busy while they trained (each case's share: the "
            f"speed table)"
        )
    else:
        parts.append(
            f"{w['runs']} runs{reused}, {w['at_once']} at a time on {w['cores']} cores with "
            f"{w['threads']} thread{plural} each, kept the machine {w['busy']:.0%} busy while "
            f"they trained (each case's share: the speed table)"
        )
    if w.get("peak_rss_mb") and w.get("run_peak_rss_mb"):
        parts.append(
            f"peak resident memory {w['peak_rss_mb']:,.0f} MiB in the benchmark process, "
            f"{w['run_peak_rss_mb']:,.0f} MiB in the largest process that trained"
        )
    return "; ".join(parts)
