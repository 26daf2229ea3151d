"""What a user sees while runs train: a live line on a terminal, one plain line per run elsewhere.

The plan line comes the moment runs are queued. On a terminal a tqdm line then shows runs done /
total, the runs training, the time elapsed and the time left; elsewhere (CI, a log file) each
finished run prints one line with the same numbers. The time left comes from the queue's cost
model (FLOPs per sample times epochs): the runs done so far give the seconds one worker takes per
unit of cost, and the cost still queued, spread over the workers, gives the rest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Hashable
from typing import TextIO

from tqdm import tqdm


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS or M:SS."""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def outcome(result) -> str:
    """A finished run in a few words: its test accuracy and seconds, or why it failed."""
    if isinstance(result, BaseException):
        lines = str(result).strip().splitlines() or [type(result).__name__]
        return f"FAILED: {lines[-1][:200]}"
    acc = "diverged" if result.get("diverged") else f"test_acc={result['test_acc']:.4f}"
    return f"{acc} in {result['run_seconds']:.1f}s"


class Progress:
    """Progress of a queue's runs on `stream` (default stderr); `live` forces either mode, `now`
    is the clock the elapsed time is read from."""

    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        label: str = "vgmodels",
        now: Callable[[], float] = time.perf_counter,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.live = _isatty(self.stream) if live is None else live
        self.label, self.bar, self.now = label, None, now
        self.t0 = now()
        self.cost: dict[Hashable, float] = {}
        self.names: dict[Hashable, str] = {}
        self.left: set[Hashable] = set()
        self.done_cost = self.done_seconds = 0.0
        self.workers, self.n, self.training = 1, 0, []

    def plan(self, runs: list[tuple[Hashable, str, float]], workers: int, where: str) -> None:
        """Queued (key, name, cost) runs, costliest first, on `workers` at once: the plan line."""
        self.cost.update({k: c for k, _, c in runs})
        self.names.update({k: name for k, name, _ in runs})
        self.left.update(k for k, _, _ in runs)
        self.workers = max(1, workers)
        total = self.n + len(self.left)
        first = ", ".join(name for _, name, _ in runs[:3]) + (", ..." if len(runs) > 3 else "")
        self.write(
            f"{self.label}: {len(runs)} runs queued, {self.workers} at once ({where}), "
            f"costliest first: {first}"
        )
        if self.live and self.bar is None:
            fmt = "{desc}|{bar:12}| {n_fmt}/{total_fmt} runs{postfix}"  # postfix: ", STATUS"
            self.bar = tqdm(
                total=total,
                file=self.stream,
                bar_format=fmt,
                desc=f"{self.label}: ",
                dynamic_ncols=True,
                leave=True,
            )
        elif self.bar is not None:
            self.bar.total = total
        self.tick()

    def now_training(self, keys: list[Hashable]) -> None:
        """The runs training now (or the next to start): named on the live line."""
        self.training = list(keys)
        self.tick()

    def seconds_left(self) -> float | None:
        """Time left by the cost model, or None before the first run has finished."""
        if not self.done_seconds or not self.done_cost:
            return None
        cost_left = sum(self.cost[k] for k in self.left)
        workers = min(self.workers, len(self.left)) or 1
        return cost_left * self.done_seconds / self.done_cost / workers

    def status(self) -> str:
        """Elapsed, time left and the runs training, in one short phrase."""
        left = self.seconds_left()
        text = f"{clock(self.now() - self.t0)} elapsed, "
        text += f"~{clock(left)} left" if left is not None else "time left after the first run"
        training = [self.names.get(k, str(k)) for k in self.training if k in self.left]
        return text + (f"; training {', '.join(training)}" if training else "")

    def finished(self, key: Hashable, result) -> None:
        """A run ended (a record, or the exception it failed with)."""
        self.n += 1
        self.left.discard(key)
        if isinstance(result, dict) and result.get("run_seconds"):
            self.done_cost += self.cost.get(key, 0.0)
            self.done_seconds += result["run_seconds"]
        name = self.names.get(key, str(key))
        if self.bar is not None:
            self.bar.update(1)
            if isinstance(result, BaseException):
                self.bar.write(f"{self.label}: {name}: {outcome(result)}", file=self.stream)
            self.tick()
        else:
            total = self.n + len(self.left)
            self.write(
                f"{self.label}: [{self.n}/{total}] {name}: {outcome(result)}; {self.status()}"
            )

    def tick(self) -> None:
        """Redraw the live line (elapsed time moves on); nothing in plain mode."""
        if self.bar is not None:
            self.bar.set_postfix_str(self.status(), refresh=True)

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
