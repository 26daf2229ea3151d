"""A failing case's likely cause, said as a cause where measured and as a suspicion where not,
with the experiment that tests it: a neighbouring case (one config change), the source's longer
budget (its results where those runs are in the records) or a sweep."""

from __future__ import annotations

import math
import statistics

from vgmodels.analysis.case_diagnosis import LATE, LEARNS, CaseDiagnosis, g
from vgmodels.analysis.changes import LABELS as KEY_LABELS
from vgmodels.analysis.changes import config_changes, fmt_value
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import CaseSummary
from vgmodels.remedies import REMEDIES

RELU_LIKE = {"relu", "leaky_relu", "prelu"}
LONG_PROFILE = "paper300"  # the source's 300 epochs


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
        out.append(
            f"{what} is not in these results" if s.missing else f"{what} reaches {s.mean:.2f}"
        )
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


def longer_budget(case: str, longer: dict[str, list[dict]]) -> str:
    """What the source's 300 epochs did to the case where its runs exist, else how to run them."""
    rs = longer.get(case) or []
    if not rs:
        return (
            f"The source's 300 epochs (profile {LONG_PROFILE}) would test it; no such run of "
            f"{case} is in these results."
        )
    accs = [r["test_acc"] for r in rs]
    loss = statistics.fmean(r["history"][-1]["train_loss"] for r in rs)
    learned = sum(a >= LEARNS for a in accs)
    verdict = (
        "so the budget was the cause"
        if learned > len(rs) / 2
        else "so a longer budget alone does not make it learn"
    )
    return (
        f"Its {LONG_PROFILE} runs test it: {rs[0]['epochs']} epochs, {len(rs)} seeds, test "
        f"accuracy {statistics.fmean(accs):.4f} and final training loss {loss:.3f}; "
        f"{learned} of {len(rs)} seeds reach {LEARNS:.2f}, {verdict}."
    )


def _diverged(d, s, summaries, longer) -> str:
    model = _config(s).get("model", {})
    act, std, width = model.get("activation"), model.get("init_std"), model.get("width", 128)
    if act in RELU_LIKE and std:
        gain = std * math.sqrt(width / 2)
        cause = (
            f"Suspected cause: the weights' scale. With N(0, {g(std)}) and {width} inputs "
            f"each ReLU layer multiplies the activations' spread by about "
            f"{g(std)}·√({width}/2) = {gain:.1f} {cite('he')}, until they overflow."
        )
    else:
        cause = "Suspected cause: steps too large for this network."
    keys = {"model.init_std", "model.init", "train.clip_norm", "train.lr"}
    return f"{cause} {_test(d.case, summaries, keys, _lr_sweep(d.case))}"


def _exploded(d, s, summaries, longer) -> str:
    return (
        "Clipping bounds each step, not the weights' scale: the logits stay enormous, so each "
        "mistake costs a huge loss while the ranking of the classes still gives the accuracy; "
        "this is not a remedy. " + _test(d.case, summaries, {"model.init_std", "model.init"}, "")
    ).strip()


def _collapsed(d, s, summaries, longer) -> str:
    phases = (s.records[0].get("phases") or []) if s.records else []
    stage = phases[0].get("epochs") if phases else None
    full = summaries.get(f"{d.case}_full")
    budget = f"each stage had {stage} epochs" if stage else "each stage had a share of the budget"
    if full is not None and not full.missing:
        test = (
            f"The case {full.case} (every stage the profile's epochs, the sources' budget, "
            f"{full.records[0]['epochs']} in all) tests it and reaches {full.mean:.4f}"
        )
    else:
        test = f"The case {d.case}_full (the sources' budget) would test it; it is not in these results"
    return (
        f"Suspected cause: the budget: {budget}, and every growth starts a new output "
        f"layer and optimizer from chance on a deeper sigmoid stack. {test}."
    )


def _symmetric(d, s, summaries, longer) -> str:
    return (
        "Cause: every weight starts at 0, so all units of a layer compute the same value and "
        f"receive the same gradient: the symmetry is never broken {cite('S4')}."
    )


def _saturated(d, s, summaries, longer) -> str:
    model = _config(s).get("model", {})
    std, width = model.get("init_std"), model.get("width", 128)
    if std and std * math.sqrt(width) >= 5:
        return (
            f"Cause: weights N(0, {g(std)}) put the sigmoids' inputs deep in their flat "
            f"tails from the first step {cite('glorot')}."
        )
    mine, base = _first_layer_grad(s), _first_layer_grad(summaries["baseline"])
    steps = (
        f" (layer 1's gradient norm in epoch 1 is {g(mine)}, against {g(base)} in the baseline)"
        if mine and base
        else ""
    )
    near = neighbours(d.case, summaries, {"model.grad_norm", "train.lr", "model.init"})
    return (
        f"Suspected cause: the learning rate is too large for this gradient{steps}: steps "
        f"that big drive every unit into saturation. {_lr_sweep(d.case)}"
        + (f" The cases one change away: {'; '.join(near)}." if near else "")
    )


def _forward_collapse(d, s, summaries, longer) -> str:
    model = _config(s).get("model", {})
    act, std, width = model.get("activation", "?"), model.get("init_std"), model.get("width", 128)
    x = d.held["forward_collapse"]
    per = sorted(v["per_layer"] for v in x)[len(x) // 2]
    he = (
        f"The same {act} network with He initialization {cite('he')} would test it; no case "
        "runs it yet."
    )
    return (
        f"Suspected cause: the initialization N(0, {g(std)}) is too small for {act}: a layer "
        f"scales the spread by about {g(std)}·√{width} = {std * math.sqrt(width):.2f} times "
        f"the activation's slope near 0 (measured: ×{per:.2f} per layer) "
        f"{cite('schoenholz')}. {_test(d.case, summaries, {'model.init', 'model.init_std'}, he)}"
    )


def _vanishing(d, s, summaries, longer) -> str:
    base = summaries["baseline"]
    ref = f" (the baseline's: {g(base.vr_final)})" if d.case != "baseline" and base.vr_final else ""
    epochs = s.records[0]["epochs"] if s.records else "its"
    lr = fmt_value("train.lr", _config(s).get("train", {}).get("lr"))
    return (
        f"Suspected cause: layer 1's gradient, and so its SGD step, is about {g(d.grad_ratio)} "
        f"of the last hidden layer's{ref}, too small to learn in {epochs} epochs at lr {lr} "
        f"{cite('glorot')}. A learning-rate sweep (python -m vgmodels.sweep lr --cases {d.case}) "
        f"would test the step size. {longer_budget(d.case, longer)}"
    )


def _barely(d, s, summaries, longer) -> str:
    still = " — its loss is still falling" if "improving" in d.held else ""
    return f"Suspected cause: the budget{still}. {longer_budget(d.case, longer)}"


def _lr_sweep(case: str) -> str:
    return f"A learning-rate sweep (python -m vgmodels.sweep lr --cases {case}) would test it."


def _is_symmetric(h: dict) -> bool:
    return "zero_gradient" in h or (
        "forward_collapse" in h and h["forward_collapse"][0]["constant"]
    )


CAUSES = [
    (lambda h: "diverged" in h, _diverged),
    (lambda h: "exploded" in h, _exploded),
    (lambda h: "collapsed" in h, _collapsed),
    (_is_symmetric, _symmetric),
    (lambda h: "saturated" in h, _saturated),
    (lambda h: "forward_collapse" in h, _forward_collapse),
    (lambda h: "vanishing" in h, _vanishing),
    (lambda h: "barely" in h, _barely),
]


def suspicion(
    d: CaseDiagnosis, summaries: dict[str, CaseSummary], longer: dict[str, list[dict]] | None = None
) -> str:
    """One or two sentences: the cause (measured) or the suspected cause, and its test.

    `longer`: records of the source's longer budget (profile paper300) by case, where present.
    """
    s = summaries[d.case]
    for holds, cause in CAUSES:
        if holds(d.held):
            return cause(d, s, summaries, longer or {})
    return _no_finding(d, s)


def _no_finding(d: CaseDiagnosis, s: CaseSummary) -> str:
    """Below the accuracy line with no loss finding: where its best validation came."""
    rows = []
    for r in s.records:
        vals = [h.get("val_acc") or 0.0 for h in r["history"]]
        rows.append((max(range(len(vals)), key=vals.__getitem__) + 1, len(vals), max(vals)))
    late = sum(best > LATE * n for best, n, _ in rows)
    where = "; ".join(f"{v:.2f} at epoch {b} of {n}" for b, n, v in rows)
    if late > len(rows) / 2:
        return (
            f"Suspected cause: the budget: its best validation accuracy came late ({where}), "
            f"so its curve was still rising when the run ended; more epochs would test it."
        )
    return (
        f"Its best validation accuracy came early ({where}) and later epochs did not improve "
        f"on it: not a budget too short. {_lr_sweep(d.case)}"
    )
