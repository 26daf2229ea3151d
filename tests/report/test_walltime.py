"""The wall-time line: spans, core-seconds and shares counted by hand."""

import pytest

from vgmodels.report.walltime import wall_info, wall_text


def _run(case, start, end, threads=1, at_once=2):
    return {
        "case": case,
        "started_at": 1000.0 + start,
        "finished_at": 1000.0 + end,
        "run_seconds": end - start,
        "threads": threads,
        "concurrent_runs": at_once,
    }


def test_two_cases_sharing_two_cores_each_had_half_the_machine():
    # core 1: a from 0 to 100 s; core 2: b seed 0 from 0 to 60, b seed 1 from 60 to 90
    records = [_run("a", 0, 100), _run("b", 0, 60), _run("b", 60, 90)]
    for r, rss in zip(records, (410.0, 395.5, 398.0), strict=True):
        r["peak_rss_mb"] = rss
    session = {"session_start": 990.0, "session_seconds": 130.0}
    w = wall_info(records, {"cores": 2, "wall": session, "peak_rss_mb": 1700.2})
    assert w["training_seconds"] == pytest.approx(100.0)
    assert w["share"] == pytest.approx({"a": 100 / 200, "b": 90 / 200})
    assert w["busy"] == pytest.approx(190 / 200)
    assert (w["runs"], w["at_once"], w["threads"], w["cores"]) == (3, 2, 1, 2)
    text = wall_text(w, 12.4)
    assert text.startswith(
        "142 s in all: the benchmark session 130 s, of which training 100 s and the speed "
        "benchmarks, data loading and start-up 30 s; rendering the figures and this page 12 s"
    )
    assert "3 runs, 2 at a time on 2 cores with 1 thread each, kept the machine 95% busy" in text
    assert text.endswith(
        "; peak resident memory 1,700 MiB in the benchmark process, 410 MiB in the largest "
        "process that trained"
    )


def test_one_run_after_another_on_two_threads_fills_the_machine():
    records = [_run("a", 0, 40, threads=2, at_once=1), _run("b", 40, 50, threads=2, at_once=1)]
    w = wall_info(records, {"cores": 2, "wall": {"session_start": 1000.0, "session_seconds": 60.0}})
    assert w["share"] == pytest.approx({"a": 0.8, "b": 0.2}) and w["busy"] == pytest.approx(1.0)


def test_seeds_stacked_on_a_gpu_split_their_run_and_the_gpu_is_the_machine():
    # a: 3 seeds stacked from 0 to 10 s, b: 3 seeds stacked from 10 to 30 s, one after another
    records = [
        dict(_run(c, s, e, threads=16, at_once=3), device="cuda")
        for c, s, e in [("a", 0, 10)] * 3 + [("b", 10, 30)] * 3
    ]
    w = wall_info(records, {"cores": 16, "wall": {"session_start": 990.0, "session_seconds": 40.0}})
    assert w["run_seconds"] == pytest.approx(30.0)  # not 90: each seed is a third of its stack
    assert w["share"] == pytest.approx({"a": 10 / 30, "b": 20 / 30})
    assert w["busy"] == pytest.approx(1.0)
    assert "6 runs on one GPU, up to 3 seeds stacked into one model, kept it 100% busy" in (
        wall_text(w, 2.0)
    )
    apart = wall_info(records, {})  # no session: the runs' own seconds, each seed its third
    assert apart["run_seconds"] == pytest.approx(30.0)


def test_records_of_several_sessions_get_no_span_and_old_records_no_line():
    records = [_run("a", 0, 100), _run("a", 5000, 5100)]
    w = wall_info(records, {})  # a folder of records: no bench session around them
    assert w["training_seconds"] is None and w["share"] == {}
    assert wall_text(w, 3.0) == (
        "the 2 runs' own wall times sum to 200 s (runs of several sessions: no one span to "
        "share); rendering the figures and this page 3 s (the PDF after)"
    )
    old = [{"case": "a", "train_seconds": 5.0}]
    assert (
        wall_text(wall_info(old, {}), 3.0)
        == "rendering the figures and this page 3 s (the PDF after)"
    )


def test_records_reused_from_an_earlier_session_stay_out_of_the_span():
    earlier = _run("a", -5000, -4900)  # trained in another session, reused by --vg-resume
    records = [earlier, _run("b", 0, 50), _run("c", 0, 40)]
    w = wall_info(records, {"cores": 2, "wall": {"session_start": 995.0, "session_seconds": 70.0}})
    assert w["training_seconds"] == pytest.approx(50.0)
    assert w["share"] == pytest.approx({"b": 0.5, "c": 0.4})
    assert "2 runs (and 1 reused from earlier sessions), 2 at a time" in wall_text(w, 1.0)
