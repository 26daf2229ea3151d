"""The training wall time against the fp32 floor: FLOPs at the probed peak, by hand."""

from vgmodels.report.floor import floor_info, floor_text


def _run(case, start, end, flops_per_epoch=1e12, epochs=10, peak=None):
    return {
        "case": case,
        "seed": 0,
        "device": "cpu",
        "threads": 1,
        "concurrent_runs": 2,
        "run_seconds": end - start,
        "started_at": start,
        "finished_at": end,
        "flops_per_epoch": flops_per_epoch,
        "epochs_run": epochs,
        "peak_gflops": peak,
    }


def test_two_runs_at_once_against_their_floor():
    # 2 runs x 10 epochs x 1e12 FLOP = 2e13 FLOP; at 100 GFLOP/s the floor is 200 s;
    # the runs span 1000 .. 1400 s: 400 s of training, 2.0x the floor
    records = [_run("baseline", 1000.0, 1300.0), _run("relu", 1000.0, 1400.0)]
    info = {
        "peak_gflops": 100.0,
        "cores": 2,
        "wall": {"session_start": 990.0, "session_seconds": 500.0},
    }
    f = floor_info(records, info)
    assert f["flops"] == 2e13 and f["floor_seconds"] == 200.0
    assert f["training_seconds"] == 400.0 and f["ratio"] == 2.0
    assert floor_text(f) == (
        "training 400 s = 2.0× its fp32 floor of 200 s (20.0 TFLOP of 2 runs "
        "at the probed peak of 100 GFLOP/s)"
    )


def test_only_this_sessions_runs_count_and_the_records_peak_stands_in():
    old = _run("depth3", 10.0, 500.0)  # reused from an earlier session: neither time nor FLOPs
    records = [old, _run("baseline", 1000.0, 1100.0, flops_per_epoch=5e11, peak=50.0)]
    f = floor_info(
        records, {"cores": 2, "wall": {"session_start": 990.0, "session_seconds": 200.0}}
    )
    assert f["flops"] == 5e12 and f["peak_gflops"] == 50.0 and f["floor_seconds"] == 100.0
    assert f["ratio"] == 1.0


def test_no_floor_without_a_session_span():
    assert floor_info([_run("baseline", 0.0, 10.0, peak=10.0)], {}) is None
    assert floor_text(None) is None
