"""The measured facts behind each finding of a case's diagnosis, one clause per finding."""

from __future__ import annotations

from vgmodels.analysis.case_diagnosis import LEARNS, CaseDiagnosis, epochs, g, pct, span
from vgmodels.analysis.diagnosis import CHANCE_LOSS


def _loss(v: float) -> str:
    return f"{v:.2f}"


def _diverged(d: CaseDiagnosis, x: list[dict]) -> str:
    text = (
        f"its training loss turned NaN or infinite in epoch {epochs([v['epoch'] for v in x])} "
        f"in {len(x)} of {d.n} seeds and the run stopped there"
    )
    if d.accs:
        text += (
            f"; its test accuracy ({sum(d.accs) / len(d.accs):.4f}) is that of the broken "
            "network, not a fit"
        )
    return text


def _exploded(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"its training loss is {span([v['first'] for v in x])} in epoch 1 and still "
        f"{span([v['last'] for v in x])} at epoch {epochs([v['epochs'] for v in x])}, "
        f"{g(min(v['last'] for v in x) / CHANCE_LOSS)} times chance loss (ln 10 = 2.30)"
    )


def _forward_explosion(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"the activation spread grows from {span([v['first'] for v in x])} in hidden layer 1 "
        f"to {span([v['last'] for v in x])} in layer {x[0]['layers']} "
        f"(×{span([v['per_layer'] for v in x])} per layer)"
    )


def _collapsed(d: CaseDiagnosis, x: list[dict]) -> str:
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
            text += (
                f", when the network grew from {x[0]['depth_before']} to "
                f"{x[0]['depth_after']} hidden layers"
            )
    return text + ", and never recovered"


def _stuck(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"its training loss stays within {g(max(v['max_gap'] for v in x))} of chance loss "
        f"(ln 10 = {CHANCE_LOSS:.4f}) from epoch {epochs([v['from_epoch'] for v in x])} to "
        f"{epochs([v['to_epoch'] for v in x])}"
    )


def _above_chance(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"its training loss falls from {span([v['first'] for v in x])} in epoch 1 to "
        f"{span([v['final_loss'] for v in x], _loss)} but ends above chance loss (2.30)"
    )


def _barely(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"its training loss ends at {span([v['final_loss'] for v in x], _loss)}, only "
        f"{span([v['below_chance'] for v in x])} below chance loss"
    )


def _saturated(d: CaseDiagnosis, x: list[dict]) -> str:
    first = [v["from_epoch"] for v in x if v["from_epoch"] is not None]
    return (
        f"{pct([v['min'] for v in x] + [v['max'] for v in x])} of the units are saturated "
        f"in each of the {x[0]['layers']} hidden layers"
        + (f" from epoch {epochs(first)}" if first else "")
    )


def _zero_gradient(d: CaseDiagnosis, x: list[dict]) -> str:
    layers = x[0]["layers"]
    which = f"{layers[0]}–{layers[-1]}" if len(layers) > 1 else str(layers[0])
    return f"hidden layer{'s' if len(layers) > 1 else ''} {which} receive exactly zero gradient"


def _forward_collapse(d: CaseDiagnosis, x: list[dict]) -> str:
    if x[0]["constant"]:
        return (
            "every hidden unit outputs the same value for every image (activation spread 0 "
            "from hidden layer 1)"
        )
    text = (
        f"the activation spread shrinks from {span([v['first'] for v in x])} in hidden "
        f"layer 1 to {span([v['last'] for v in x])} in layer {x[0]['layers']} "
        f"(×{span([v['per_layer'] for v in x])} per layer): the signal dies going forward"
    )
    if "vanishing" not in d.held and d.grad_ratio is not None:
        text += (
            f", while the gradient reaches layer 1 undiminished (first/last ratio "
            f"{g(d.grad_ratio)})"
        )
    return text


def _vanishing(d: CaseDiagnosis, x: list[dict]) -> str:
    start = f" {g(d.ratio_epoch1)} in epoch 1 and" if d.ratio_epoch1 is not None else ""
    return (
        f"hidden layer 1 receives a share of the last hidden layer's gradient of{start} "
        f"{g(d.grad_ratio)} in the last epoch (Table 1's vanishing ratio, geometric mean "
        "over seeds)"
    )


def _improving(d: CaseDiagnosis, x: list[dict]) -> str:
    return (
        f"the loss still fell by {pct([v['loss_fall'] / v['final_loss'] for v in x])} over "
        f"the last {x[0]['window']} epochs, and the best validation accuracy came late"
    )


CLAUSES = {
    "diverged": _diverged,
    "exploded": _exploded,
    "forward_explosion": _forward_explosion,
    "collapsed": _collapsed,
    "stuck": _stuck,
    "above_chance": _above_chance,
    "barely": _barely,
    "saturated": _saturated,
    "zero_gradient": _zero_gradient,
    "forward_collapse": _forward_collapse,
    "vanishing": _vanishing,
    "improving": _improving,
}


def evidence(d: CaseDiagnosis) -> list[str]:
    """The measured facts behind whether the case learns and each finding, one clause each."""
    out = []
    if d.accs and d.failing:
        out.append(
            f"{d.n - d.learned} of {d.n} seeds end below {LEARNS:.2f} test accuracy "
            f"({span(d.accs, lambda v: f'{v:.4f}')})"
        )
    for key, clause in CLAUSES.items():
        if key in d.held and (key != "improving" or d.failing):
            out.append(clause(d, d.held[key]))
    return out
