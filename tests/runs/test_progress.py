"""Progress: the plan line at once, a live line on a terminal, one plain line per run elsewhere."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import termios
from io import StringIO

import pytest
import torch

from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.runs.progress import Progress, clock
from vgmodels.runs.queue import Job, LocalQueue, cost

CPU = torch.device("cpu")


class Clock:
    """perf_counter on a fake clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock() -> Clock:
    return Clock()


def _rec(acc: float, seconds: float) -> dict:
    return {"test_acc": acc, "run_seconds": seconds, "diverged": False}


def test_clock_reads_minutes_and_hours():
    assert (clock(0), clock(59.6), clock(61), clock(3723)) == ("0:00", "1:00", "1:01", "1:02:03")


def test_plain_mode_one_line_per_run_with_the_time_left_by_cost(fake_clock):
    out = StringIO()
    p = Progress(out, live=False, label="bench", now=fake_clock)
    # costs 4, 2, 2 on two workers, the costliest first
    p.plan([("a", "big s0", 4.0), ("b", "mid s0", 2.0), ("c", "low s1", 2.0)], 2, "local")
    fake_clock.now += 10
    p.finished("a", _rec(0.5, 8.0))  # 8 s for 4 units: 2 s a unit; 4 units left on 2 workers
    p.now_training(["b"])
    fake_clock.now += 65
    p.finished("c", RuntimeError("boom\nlast line"))  # failed: no rate from it, 2 units left
    p.finished("b", _rec(0.25, 3.0))
    p.close()
    lines = out.getvalue().splitlines()
    assert lines == [
        "bench: 3 runs queued, 2 at once (local), costliest first: big s0, mid s0, low s1",
        "bench: [1/3] big s0: test_acc=0.5000 in 8.0s; 0:10 elapsed, ~0:04 left",
        "bench: [2/3] low s1: FAILED: last line; 1:15 elapsed, ~0:04 left; training mid s0",
        "bench: [3/3] mid s0: test_acc=0.2500 in 3.0s; 1:15 elapsed, ~0:00 left",
    ]


def test_before_the_first_run_ends_the_time_left_is_not_guessed(fake_clock):
    p = Progress(StringIO(), live=False, now=fake_clock)
    p.plan([("a", "a", 1.0)], 1, "here")
    assert p.seconds_left() is None and "time left after the first run" in p.status()


def _read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0)[0]:
        try:
            chunks.append(os.read(fd, 65536))
        except OSError:  # EIO: the terminal's other end is closed and all is read
            break
    return b"".join(chunks).decode()


def test_on_a_terminal_one_live_line_redrawn_in_place(fake_clock):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # 160 columns
    with os.fdopen(slave, "w") as tty:
        p = Progress(tty, now=fake_clock)  # the mode is found from the stream: a terminal
        assert p.live
        p.plan([("a", "big s0", 3.0), ("b", "low s0", 1.0)], 1, "here")
        fake_clock.now += 30
        p.finished("a", _rec(0.5, 30.0))  # 10 s a unit, 1 unit left
        p.now_training(["b"])
        p.close()
    text = _read_all(master)
    os.close(master)
    assert "here), costliest first: big s0, low s0" in text  # the plan line, printed once
    redraws = text.replace("\r\n", "\n").split("\r")
    assert len(redraws) > 2  # the same line drawn again, not one line per update
    assert "| 1/2 runs, 0:30 elapsed, ~0:10 left; training low s0" in text
    assert "[1/2]" not in text  # no plain lines on a terminal


def test_the_queue_prints_its_plan_when_submitted_then_a_line_per_run(tiny_data):
    out = StringIO()
    one = Profile("smoke", epochs=1, seeds=1, probe_size=16)
    q = LocalQueue(tiny_data, CPU, progress=Progress(out, live=False, label="q"))
    jobs = [Job(s, REMEDIES[c], one, s) for c, s in (("depth3", 0), ("relu", 1))]
    q.submit(jobs)
    assert cost(REMEDIES["relu"], one) > cost(REMEDIES["depth3"], one)
    assert out.getvalue() == (
        "q: 2 runs queued, 1 at once (one after another in this process), "
        "costliest first: relu s1, depth3 s0\n"
    )  # before anything trained
    q.collect([0])
    assert out.getvalue().splitlines()[1].startswith("q: [1/2] depth3 s0: test_acc=")
    q.close()
