"""The steps of an epoch, each replayed from a CUDA graph on a GPU: one launch instead of hundreds.

On a GPU a training step of this 7 x 128 MLP is a few hundred tiny kernels, each launched from
Python: measured on an H200, 2.3 ms per step for one seed (0.25 s per epoch of 106 steps, no
faster than two CPU cores) while its products take 0.04 s per epoch. PyTorch's CUDA graphs
(torch.cuda.graph) record the kernels of one whole step once (forward, backward, the gradient
norms, clipping, the optimizer's update, the epoch's sums) and replay them with one call; the
batch's indices are the one input copied in before each replay. The recipe is PyTorch's for
whole-network capture: a few eager steps on a side stream first (they create the optimizer's
state and the libraries' workspaces), the gradients set to None before the capture so the graph's
backward writes them afresh. Every step is a real training step: warm-up and capture consume
batches in their order; they and the capture fall in the first epoch's time. The epoch's last,
shorter batch runs eagerly.

Graphed: the feed-forward models' steps with no host sync and no per-step Python state, SDAGD's
too (its two gradients, per-tensor norms and update are device tensors; its sampled labels draw
from the graph-safe generator, so a graphed SDAGD run is not bitwise the eager one); not a
learning-rate schedule (its rate is a Python number baked into the graph), and not the recurrent
family (cuDNN's fused layers; a few seconds a case).
`VG_GRAPHS=0` turns graphs off.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

WARMUP = 3  # eager steps before the capture (PyTorch's example takes 3)


def graphs_on(device: torch.device) -> bool:
    """Whether steps are replayed from CUDA graphs: on a CUDA device unless VG_GRAPHS=0."""
    env = os.environ.get("VG_GRAPHS", "")
    if env not in ("", "0", "1"):
        raise ValueError(f"VG_GRAPHS={env!r}: accepted 1 (CUDA graphs on a GPU) or 0 (off)")
    return device.type == "cuda" and env != "0"


class Stepper:
    """Runs the steps of each epoch of one run (or of one stack of seeds) in order.

    `step(b)` is one whole training step on the batch of row indices `b`, adding to the tensors of
    `sums` and syncing nothing with the host; `zero_grad(set_to_none)` clears the gradients;
    `after()` (optional) runs after every step, on the host (a learning-rate schedule).
    """

    def __init__(
        self,
        step: Callable[[torch.Tensor], None],
        zero_grad: Callable[[bool], None],
        sums: list[torch.Tensor],
        graph: bool,
        after: Callable[[], None] | None = None,
    ):
        self.step, self.zero_grad, self.sums, self.after = step, zero_grad, sums, after
        self.graph = graph and after is None
        self.warm, self.g, self.idx = 0, None, None

    def epoch(self, batches: list[torch.Tensor]) -> list[torch.Tensor]:
        """Every batch's step, in order; the epoch's sums (copies)."""
        for t in self.sums:
            t.zero_()
        full = batches[0].shape
        for b in batches:
            if self.graph and b.shape == full:
                self._graphed(b)
                continue
            # once a graph owns the gradients, an eager step clears them in place
            self.zero_grad(self.g is None)
            self.step(b)
            if self.after is not None:
                self.after()
        return [t.clone() for t in self.sums]

    def _graphed(self, b: torch.Tensor) -> None:
        if self.g is not None:
            self.idx.copy_(b)
            self.g.replay()
            return
        if self.warm < WARMUP:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                self.zero_grad(True)
                self.step(b)
            torch.cuda.current_stream().wait_stream(side)
            self.warm += 1
            return
        self.idx = b.clone()
        self.zero_grad(True)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):  # records the step; nothing runs until the replay
            self.step(self.idx)
        self.g = g
        g.replay()
