"""A failing case's likely cause, said as a cause where measured and as a suspicion where not,
with the experiment that would test it: a neighbouring case (one config change) or a sweep."""

from __future__ import annotations

import math
import statistics

from vgmodels.analysis.case_diagnosis import CaseDiagnosis, g
from vgmodels.analysis.changes import LABELS as KEY_LABELS
from vgmodels.analysis.changes import config_changes, fmt_value
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import CaseSummary
from vgmodels.remedies import REMEDIES

RELU_LIKE = {"relu", "leaky_relu", "prelu"}


def _config(s: CaseSummary) -> dict:
    if s.records and isinstance(s.records[0].get("config"), dict):
        return s.records[0]["config"]
    return REMEDIES[s.case].config()


def neighbours(case: str, summaries: dict[str, CaseSummary], keys: set[str]) -> list[str]:
    """Cases whose config differs from `case`'s in exactly one key, that key among `keys`:
    '<case> (<change>) reaches <acc>' or '... is not in these results'."""
    mine = _config(summaries[case])
    out = []
    for other, s in summaries.items():
        if other == case:
            continue
        diff = config_changes(_config(s), mine)
        if len(diff) != 1 or diff[0][0] not in keys:
            continue
        key, _, new = diff[0]
        what = f"{other} ({KEY_LABELS.get(key, key)} {fmt_value(key, new)})"
        out.append(f"{what} is not in these results" if s.missing else
                   f"{what} reaches {s.mean:.2f}")  # fmt: skip
    return out


def _test(case, summaries, keys, fallback: str) -> str:
    near = neighbours(case, summaries, keys)
    if near:
        return "The cases one change away test it: " + "; ".join(near) + "."
    return fallback


def _first_layer_grad(s: CaseSummary) -> float | None:
    vals = [r["history"][0].get("grad_norm") for r in s.records]
    vals = [v[0] for v in vals if isinstance(v, list) and v and isinstance(v[0], (int, float))]
    return sum(vals) / len(vals) if vals else None


def suspicion(d: CaseDiagnosis, summaries: dict[str, CaseSummary]) -> str:
    """One or two sentences: the cause (measured) or the suspected cause, and its test."""
    s, h = summaries[d.case], d.held
    model, train = _config(s).get("model", {}), _config(s).get("train", {})
    act, std, width = model.get("activation", "?"), model.get("init_std"), model.get("width", 128)
    lr_sweep = f"A learning-rate sweep (python -m vgmodels.sweep lr --cases {d.case}) tests it."
    if "diverged" in h:
        if act in RELU_LIKE and std:
            gain = std * math.sqrt(width / 2)
            cause = (f"Suspected cause: the weights' scale. With N(0, {g(std)}) and {width} inputs "
                     f"each ReLU layer multiplies the activations' spread by about "
                     f"{g(std)}·√({width}/2) = {gain:.1f} {cite('he')}, until they overflow.")  # fmt: skip
        else:
            cause = "Suspected cause: steps too large for this network."
        keys = {"model.init_std", "model.init", "train.clip_norm", "train.lr"}
        return f"{cause} {_test(d.case, summaries, keys, lr_sweep)}"
    if "exploded" in h:
        return (
            "Clipping bounds each step, not the weights' scale: the logits stay enormous, so "
            "each mistake costs a huge loss while the ranking of the classes still gives the "
            "accuracy; this is not a remedy. "
            + _test(d.case, summaries, {"model.init_std", "model.init"}, "")
        ).strip()
    if "collapsed" in h:
        phases = (s.records[0].get("phases") or []) if s.records else []
        stage = phases[0].get("epochs") if phases else None
        full = f"{d.case}_full"
        budget = (
            f"each stage had {stage} epochs" if stage else "each stage had a share of the budget"
        )
        test = (f"The case {full} (every stage the profile's epochs, the sources' budget) tests "
                "it" + ("" if summaries.get(full) and not summaries[full].missing
                        else "; it is not in these results"))  # fmt: skip
        return (f"Suspected cause: the budget: {budget}, and every growth starts a new output "
                f"layer and optimizer from chance on a deeper sigmoid stack. {test}.")  # fmt: skip
    if "zero_gradient" in h or ("forward_collapse" in h and h["forward_collapse"][0]["constant"]):
        return (
            "Cause: every weight starts at 0, so all units of a layer compute the same value and "
            f"receive the same gradient: the symmetry is never broken {cite('S4')}."
        )
    if "saturated" in h:
        if std and std * math.sqrt(width) >= 5:
            return (f"Cause: weights N(0, {g(std)}) put the sigmoids' inputs deep in their flat "
                    f"tails from the first step {cite('glorot')}.")  # fmt: skip
        mine, base = _first_layer_grad(s), _first_layer_grad(summaries["baseline"])
        steps = (f" (layer 1's gradient norm in epoch 1 is {g(mine)}, against {g(base)} in the "
                 "baseline)" if mine and base else "")  # fmt: skip
        near = neighbours(d.case, summaries, {"model.grad_norm", "train.lr", "model.init"})
        return (f"Suspected cause: the learning rate is too large for this gradient{steps}: "
                f"steps that big drive every unit into saturation. {lr_sweep}"
                + (f" The cases one change away: {'; '.join(near)}." if near else ""))  # fmt: skip
    if "forward_collapse" in h:
        x = h["forward_collapse"]
        per = sorted(v["per_layer"] for v in x)[len(x) // 2]
        he = (f"The same {act} network with He initialization {cite('he')} would test it; no "
              "case runs it yet.")  # fmt: skip
        return (
            f"Suspected cause: the initialization N(0, {g(std)}) is too small for {act}: a layer "
            f"scales the spread by about {g(std)}·√{width} = {std * math.sqrt(width):.2f} times "
            f"the activation's slope near 0 (measured: ×{per:.2f} per layer) "
            f"{cite('schoenholz')}. {_test(d.case, summaries, {'model.init', 'model.init_std'}, he)}"
        )
    if "vanishing" in h:
        base = summaries["baseline"]
        ratio = g(statistics.median(v["final"] for v in d.held["vanishing"]))
        ref = (f" (the baseline's: {g(base.vr_final)})" if d.case != "baseline"
               and base.vr_final else "")  # fmt: skip
        epochs = train.get("epochs") or (
            s.records[0]["profile_config"]["epochs"] if s.records else ""
        )
        lr = fmt_value("train.lr", train.get("lr"))
        return (
            f"Suspected cause: layer 1's gradient, and so its SGD step, is about {ratio} of the "
            f"last hidden layer's{ref}, too small to learn in {epochs} epochs at lr {lr} "
            f"{cite('glorot')}. A learning-rate sweep "
            f"(python -m vgmodels.sweep lr --cases {d.case}) and the source's 300 epochs "
            "(profile paper300) test it."
        )
    if "barely" in h:
        still = " — its loss is still falling" if "improving" in h else ""
        return (f"Suspected cause: the budget{still}; the source's 300 epochs (profile paper300) "
                "test it.")  # fmt: skip
    return lr_sweep
