"""Each case's diagnosis over its seeds: what held in most seeds, the evidence, a short label."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from vgmodels.analysis.diagnosis import CHANCE_LOSS, FAILURES, diagnose, gradient_ratio

# Table 1's words for each finding, in the order they are listed
LABELS = {
    "diverged": "diverged",
    "exploded": "loss exploded",
    "collapsed": "learned, then collapsed",
    "stuck": "stuck at chance loss",
    "above_chance": "loss above chance",
    "barely": "barely learning",
    "saturated": "saturated",
    "zero_gradient": "zero gradient",
    "forward_collapse": "forward signal dies",
    "forward_explosion": "forward signal explodes",
    "vanishing": "vanishing gradient",
    "improving": "still improving",
}


@dataclass
class CaseDiagnosis:
    """The findings that hold in most seeds of a case (divergence: in any seed), per seed."""

    case: str
    n: int = 0
    held: dict[str, list[dict]] = field(default_factory=dict)
    grad_ratio: float | None = None  # first / last hidden gradient, last epoch, median over seeds

    @property
    def failing(self) -> bool:
        return any(k in self.held for k in FAILURES)

    @property
    def label(self) -> str:
        """Table 1's diagnosis cell."""
        if not self.n:
            return "missing"
        words = []
        for k in LABELS:
            if k in self.held:
                m = len(self.held[k])
                words.append(
                    LABELS[k] + (f" ({m}/{self.n})" if k == "diverged" or m < self.n else "")
                )
        if not self.failing:
            words.insert(0, "learns")
        return "; ".join(words)

    @property
    def short(self) -> str:
        """The label without 'learns' and 'still improving': what is wrong."""
        return ", ".join(w for w in self.label.split("; ")
                         if w != "learns" and not w.startswith(LABELS["improving"]))  # fmt: skip


def diagnose_case(case: str, records: list[dict]) -> CaseDiagnosis:
    """A case's findings: each per-record finding held by more than half the seeds."""
    per_seed = [diagnose(r) for r in records]
    d = CaseDiagnosis(case, len(records))
    for k in LABELS:
        found = [x[k] for x in per_seed if k in x]
        if found and (k == "diverged" or len(found) > len(records) / 2):
            d.held[k] = found
    ratios = [gradient_ratio(r["history"][-1]) for r in records]
    ratios = [x for x in ratios if x is not None]
    d.grad_ratio = statistics.median(ratios) if ratios else None
    return d


def g(x: float | None) -> str:
    """Two significant digits, exponents written short (2.7e7, 4e-05 -> 4e-5)."""
    if x is None:
        return "–"
    if 100 <= abs(x) < 1e5:
        return f"{float(f'{x:.2g}'):,.0f}"
    text = f"{x:.2g}"
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def span(values: list[float], fmt=g) -> str:
    """One value, or the range over seeds where they differ once written."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def pct(values: list[float]) -> str:
    return span([100 * v for v in values], lambda x: f"{x:.0f}") + "%"


def epochs(values: list[int]) -> str:
    return span(values, lambda x: f"{x:.0f}")


def evidence(d: CaseDiagnosis, acc: float | None) -> list[str]:
    """The measured facts behind each finding, one clause each."""
    h, out = d.held, []
    if "diverged" in h:
        e = epochs([x["epoch"] for x in h["diverged"]])
        out.append(f"its training loss turned NaN or infinite in epoch {e} in "
                   f"{len(h['diverged'])} of {d.n} seeds and the run stopped there")  # fmt: skip
        if acc is not None:
            out.append(f"its test accuracy ({acc:.4f}) is that of the broken network, not a fit")
    if "exploded" in h:
        x = h["exploded"]
        out.append(
            f"its training loss is {span([v['first'] for v in x])} in epoch 1 and still "
            f"{span([v['last'] for v in x])} at epoch {epochs([v['epochs'] for v in x])}, "
            f"{g(min(v['last'] for v in x) / CHANCE_LOSS)} times chance loss (ln 10 = 2.30)"
        )
    if "forward_explosion" in h:
        x = h["forward_explosion"]
        out.append(
            f"the activation spread grows from {span([v['first'] for v in x])} in hidden layer 1 "
            f"to {span([v['last'] for v in x])} in layer {x[0]['layers']} "
            f"(×{span([v['per_layer'] for v in x])} per layer)"
        )
    if "collapsed" in h:
        x = h["collapsed"]
        text = (
            f"it learned (best validation accuracy {span([v['best'] for v in x])} at epoch "
            f"{epochs([v['best_epoch'] for v in x])}"
            + (f", phase “{x[0]['best_phase']}”" if x[0].get("best_phase") else "")
            + f"), then fell to {span([v['final'] for v in x])} from epoch "
            f"{epochs([v['epoch'] for v in x])}"
        )
        if x[0].get("phase_start"):
            text += f", the first epoch of phase “{x[0]['phase']}”"
            if x[0].get("depth_after") != x[0].get("depth_before"):
                text += (f", when the network grew from {x[0]['depth_before']} to "
                         f"{x[0]['depth_after']} hidden layers")  # fmt: skip
        out.append(text + ", and never recovered")
    if "stuck" in h:
        x = h["stuck"]
        out.append(
            f"its training loss stays within {g(max(v['max_gap'] for v in x))} of chance loss "
            f"(ln 10 = {CHANCE_LOSS:.4f}) from epoch "
            f"{epochs([v['from_epoch'] for v in x])} to {epochs([v['to_epoch'] for v in x])}"
        )
    if "above_chance" in h:
        x = h["above_chance"]
        out.append(
            f"its training loss falls from {span([v['first'] for v in x])} in epoch 1 to "
            f"{span([v['final_loss'] for v in x], lambda v: f'{v:.2f}')} but ends above chance "
            "loss (2.30)"
        )
    if "barely" in h:
        x = h["barely"]
        out.append(f"its training loss ends at "
                   f"{span([v['final_loss'] for v in x], lambda v: f'{v:.2f}')}, only "
                   f"{span([v['below_chance'] for v in x])} below chance loss")  # fmt: skip
    if "saturated" in h:
        x = h["saturated"]
        first = [v["from_epoch"] for v in x if v["from_epoch"] is not None]
        out.append(
            f"{pct([v['min'] for v in x] + [v['max'] for v in x])} of the units are saturated "
            f"in each of the {x[0]['layers']} hidden layers"
            + (f" from epoch {epochs(first)}" if first else "")
        )
    if "zero_gradient" in h:
        layers = h["zero_gradient"][0]["layers"]
        which = f"{layers[0]}–{layers[-1]}" if len(layers) > 1 else str(layers[0])
        out.append(f"hidden layer{'s' if len(layers) > 1 else ''} {which} receive exactly "
                   "zero gradient")  # fmt: skip
    if "forward_collapse" in h:
        x = h["forward_collapse"]
        if x[0]["constant"]:
            out.append("every hidden unit outputs the same value for every image (activation "
                       "spread 0 from hidden layer 1)")  # fmt: skip
        else:
            text = (
                f"the activation spread shrinks from {span([v['first'] for v in x])} in hidden "
                f"layer 1 to {span([v['last'] for v in x])} in layer {x[0]['layers']} "
                f"(×{span([v['per_layer'] for v in x])} per layer): the signal dies going forward"
            )
            if "vanishing" not in h and d.grad_ratio is not None:
                text += (f", while the gradient reaches layer 1 undiminished (first/last "
                         f"ratio {g(d.grad_ratio)})")  # fmt: skip
            out.append(text)
    if "vanishing" in h:
        x = h["vanishing"]
        out.append(
            f"hidden layer 1 receives {span([v['first'] for v in x])} of the last hidden "
            f"layer's gradient in epoch {epochs([v['first_epoch'] for v in x])} and "
            f"{span([v['final'] for v in x])} at the end"
        )
    if "improving" in h and d.failing:
        x = h["improving"]
        out.append(
            f"the loss still fell by {pct([v['loss_fall'] / v['final_loss'] for v in x])} over "
            f"the last {x[0]['window']} epochs"
        )
    return out
