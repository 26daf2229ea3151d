"""Seeds at once on one device: the seeds of one case trained as one stacked model.

On a GPU a step of this 7 x 128 MLP is a few dozen tiny kernels: the time goes to launching them,
not to arithmetic. Stacking the seeds' weights along a leading axis (torch.func.stack_module_state)
and running the case's own model under torch.func.vmap turns S launches of each kernel into one
batched kernel. Each seed keeps its own initial weights (built under its seed), its own order of
mini-batches (its own generator) and its own loss; the loss summed over seeds gives every seed
exactly its own gradient, and the optimizers (SGD, Adam, AdamW, RMSprop) update element by element,
so each seed follows the run it would have alone up to float rounding. Gradient clipping is applied
per seed. After every epoch the stacked weights are copied into each seed's own model, which is
evaluated, probed and recorded by `vgmodels.training.trainer.Run` as a seed trained alone would be.

Stacked: every case with one phase, a per-element optimizer and a feed-forward model. The
layer-wise schedules (growing and freezing), SDAGD (it differentiates inside its step) and the
recurrent family train one seed at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch.func import functional_call, stack_module_state, vmap

from vgmodels.data import Dataset, Split
from vgmodels.models.onednn_linear import Linear
from vgmodels.optim.factory import make_optimizer
from vgmodels.profiles import Profile
from vgmodels.remedies import Case
from vgmodels.training.cuda_graphs import Stepper
from vgmodels.training.loop import EpochSums, new_sums
from vgmodels.training.trainer import Run, timed

PER_ELEMENT = ("sgd", "adam", "adamw", "rmsprop")


def stackable(case: Case) -> bool:
    """Whether the seeds of `case` can train as one stacked model."""
    tc = case.train
    return not case.model.recurrent and tc.schedule == "none" and tc.optimizer in PER_ELEMENT


class SeedStack:
    """The weights and buffers of S models of one architecture, stacked; one optimizer over them."""

    def __init__(self, runs: list[Run]):
        self.runs = runs
        self.models = [r.model for r in runs]
        self.params, self.buffers = stack_module_state(self.models)  # name -> (S, ...)
        self.base = copy.deepcopy(self.models[0]).to("meta")  # the architecture, no storage
        for m in self.base.modules():
            if isinstance(m, Linear):
                m.onednn = False
        names = {id(p): n for n, p in self.models[0].named_parameters()}
        weight_names = [names[id(w)] for w in runs[0].weights]
        first = runs[0]
        tc = first.case.train
        self.opt = make_optimizer(self.params.values(), tc, first.graphs)
        self.sched = first.onecycle(self.opt) if tc.lr_schedule == "onecycle" else None
        self.loss_fn = first.loss_fn
        self.sums = new_sums(len(weight_names), first.dev, (len(runs),))
        step = self._step_fn(first.data.train, [self.params[k] for k in weight_names], tc.clip_norm)
        after = self.sched.step if self.sched is not None else None
        self.steps = Stepper(step, self._zero_grad, self.sums.tensors(), first.graphs, after)

    def _zero_grad(self, set_to_none: bool) -> None:
        self.opt.zero_grad(set_to_none=set_to_none)

    def _loss(self, params, buffers, x, y):
        logits = functional_call(self.base, (params, buffers), (x,))
        return self.loss_fn(logits, y), logits

    def _step_fn(self, split: Split, weights: list[torch.Tensor], clip: float | None):
        s, sums, params = len(self.runs), self.sums, list(self.params.values())
        loss_of = vmap(self._loss)

        def step(b: torch.Tensor) -> None:  # b: (S, B) row indices, each seed its own
            xb = split.x.index_select(0, b.reshape(-1)).view(s, b.shape[1], -1)  # (S, B, 784)
            yb = split.y.index_select(0, b.reshape(-1)).view(s, -1)  # (S, B)
            loss, logits = loss_of(self.params, self.buffers, xb, yb)  # (S,), (S, B, 10)
            loss.sum().backward()  # seeds share no weights: each gets its own loss's gradient
            sums.grad_norm += torch.stack([w.grad.flatten(1).norm(dim=1) for w in weights], 1)
            if clip is not None:
                clip_per_seed(params, clip)
            self.opt.step()
            sums.loss += loss.detach() * b.shape[1]
            sums.correct += (logits.detach().argmax(-1) == yb).sum(1)

        return step

    def train_epoch(self, batch_size: int, gens: list[torch.Generator]) -> EpochSums:
        """One pass over the training split for every seed, each in its own order; sums (S, ...)."""
        self.base.train()
        n, dev = len(self.runs[0].data.train), self.runs[0].dev
        perms = torch.stack([torch.randperm(n, device=dev, generator=g) for g in gens])  # (S, n)
        return EpochSums(*self.steps.epoch(list(perms.split(batch_size, dim=1))))

    @torch.no_grad()
    def unstack(self) -> None:
        """Copy each seed's slice of the stacked weights and buffers into its own model."""
        stacked = {**self.params, **self.buffers}
        for s, model in enumerate(self.models):
            for name, t in [*model.named_parameters(), *model.named_buffers()]:
                t.copy_(stacked[name][s])


def clip_per_seed(params: list[torch.Tensor], max_norm: float) -> None:
    """clip_grad_norm_ for each seed's slice: g *= min(1, max_norm / (||g_s|| + 1e-6))."""
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()  # (S,)
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))


def train_stacked(
    case: Case,
    profile: Profile,
    seeds: list[int],
    device: torch.device,
    data: Dataset,
    on_record: Callable[[dict], None] | None = None,
) -> list[dict]:
    """One record per seed, in the order of `seeds`, the seeds trained as one stacked model.

    Each record's epoch seconds are the stacked epoch's (the seeds shared it), so its samples per
    second, GFLOP/s and MFU are its own share, 1/S of what the device delivered; its
    `concurrent_runs` is the number of seeds stacked. A seed that diverges is recorded then and
    there; its slice trains on with the others (its NaNs reach no other seed).
    """
    if not stackable(case):
        raise ValueError(f"case {case.id!r} cannot stack its seeds: see vgmodels.training.stacked")
    runs = [Run(case, profile, s, device, data) for s in seeds]
    (phase,) = runs[0].phases
    for r in runs:
        r.begin_phase(phase)
    stack = SeedStack(runs)
    for r in runs:  # the row's learning rate is the one the stack trained with
        r.opt, r.sched = stack.opt, stack.sched
    records: dict[int, dict] = {}
    live = list(range(len(runs)))
    gens = [r.gen for r in runs]
    bs = case.train.batch_size
    for _ in range(phase.epochs):
        before = [runs[k].snapshot() for k in live]
        sums, seconds = timed(runs[0].dev, lambda: stack.train_epoch(bs, gens))
        stack.unstack()
        for k, snap in zip(list(live), before, strict=True):
            seed_sums = EpochSums(sums.loss[k], sums.correct[k], sums.grad_norm[k])
            if runs[k].end_epoch(seed_sums, seconds, snap):  # diverged: tested as it stands
                records[k] = _finish(runs[k], len(runs), on_record)
                live.remove(k)
        if not live:
            break
    for k in live:
        records[k] = _finish(runs[k], len(runs), on_record)
    stack.steps = (
        None  # its step refers back to the stack: free the graph and the stacked state now
    )
    return [records[k] for k in range(len(runs))]


def _finish(run: Run, stacked: int, on_record) -> dict:
    rec = run.finish()
    rec["concurrent_runs"] = stacked
    if on_record is not None:
        on_record(rec)
    return rec
