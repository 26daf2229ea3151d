"""Why a run failed, read from its record: pure functions, each returning its evidence or None."""

from __future__ import annotations

import math

CHANCE_ACC = 0.10  # ten balanced classes
CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over ten classes, 2.3026
STUCK_MARGIN = 0.01  # "at chance loss": within this of ln 10
EXPLODED = 100.0  # a loss this many times chance loss (or its own start) has exploded
BARELY = 0.3  # a final loss within this of ln 10 has barely left chance
SATURATED = 0.5  # a layer is saturated when this fraction of its units is
COLLAPSE = 1e-2  # activation spread of the last hidden layer over the first's, below: collapse
EXPLOSION = 1e2  # ... above: explosion
VANISHING = 1e-2  # first / last hidden layer gradient norm below this: vanishing
DROP = 0.2  # best validation accuracy this far above the final: learned, then collapsed
WINDOW = 10  # epochs over which "still improving" is judged
IMPROVING = 0.01  # relative fall of the training loss over the window that counts as improving


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def losses(record: dict) -> list[float | None]:
    """Training loss per epoch; None where it was not finite."""
    return [
        h.get("train_loss") if _finite(h.get("train_loss")) else None for h in record["history"]
    ]


def layer_values(row: dict, key: str) -> list[float]:
    """The finite per-layer values of one epoch's entry (empty when absent or all null)."""
    vals = row.get(key)
    return [v for v in vals if _finite(v)] if isinstance(vals, list) else []


def _last_with(record: dict, key: str) -> tuple[int, list] | None:
    """(epoch, per-layer list) of the last epoch whose `key` has a finite value in every slot."""
    for h in reversed(record["history"]):
        vals = h.get(key)
        if isinstance(vals, list) and vals and all(_finite(v) for v in vals):
            return h["epoch"], vals
    return None


def diverged(record: dict) -> dict | None:
    """NaN or inf met: the epoch where the loss stopped being finite."""
    ls = losses(record)
    bad = next((i for i, v in enumerate(ls) if v is None), None)
    if bad is None and not record.get("diverged"):
        return None
    epoch = record["history"][bad]["epoch"] if bad is not None else len(ls)
    return {"epoch": epoch, "epochs_run": len(ls)}


def exploded(record: dict) -> dict | None:
    """A finite loss orders of magnitude above chance loss (or its own start) at the end."""
    ls = [v for v in losses(record) if v is not None]
    if not ls:
        return None
    first, last = ls[0], ls[-1]
    if last < EXPLODED * CHANCE_LOSS and last < EXPLODED * first:
        return None
    return {"first": first, "last": last, "max": max(ls), "epochs": len(ls)}


def stuck_at_chance(record: dict, margin: float = STUCK_MARGIN) -> dict | None:
    """Training loss within `margin` of ln 10 in every epoch after the first (the first may settle)."""
    ls = losses(record)
    tail = ls[1:] if len(ls) > 1 else ls
    if not tail or any(v is None or abs(v - CHANCE_LOSS) > margin for v in tail):
        return None
    return {
        "from_epoch": record["history"][len(ls) - len(tail)]["epoch"],
        "to_epoch": record["history"][-1]["epoch"],
        "max_gap": max(abs(v - CHANCE_LOSS) for v in tail),
        "final_loss": tail[-1],
    }


def above_chance_loss(record: dict, margin: float = STUCK_MARGIN) -> dict | None:
    """The last epoch's loss is above chance loss: worse than guessing the class frequencies."""
    ls = [v for v in losses(record) if v is not None]
    if not ls or ls[-1] <= CHANCE_LOSS + margin or exploded(record):
        return None
    return {"first": ls[0], "final_loss": ls[-1]}


def barely_learning(record: dict) -> dict | None:
    """The loss ends below chance loss, but within BARELY of it."""
    ls = [v for v in losses(record) if v is not None]
    if not ls or not CHANCE_LOSS - BARELY < ls[-1] < CHANCE_LOSS - STUCK_MARGIN:
        return None
    return {"final_loss": ls[-1], "below_chance": CHANCE_LOSS - ls[-1]}


def saturated(record: dict, threshold: float = SATURATED) -> dict | None:
    """Every measured layer has at least `threshold` of its units saturated at the last epoch."""
    last = _last_with(record, "saturation")
    if last is None or min(last[1]) < threshold:
        return None
    first = next(
        (
            h["epoch"]
            for h in record["history"]
            if layer_values(h, "saturation") and min(layer_values(h, "saturation")) >= threshold
        ),
        None,
    )
    return {"layers": len(last[1]), "min": min(last[1]), "max": max(last[1]), "from_epoch": first}


def forward_signal(record: dict) -> dict | None:
    """Activation spread (std over the probe) of the first and last hidden layer, last epoch."""
    last = _last_with(record, "act_std")
    if last is None or len(last[1]) < 2:
        return None
    stds = last[1]
    first, end, n = stds[0], stds[-1], len(stds)
    ratio = end / first if first > 0 else None
    factor = ratio ** (1 / (n - 1)) if ratio else None
    return {
        "epoch": last[0],
        "first": first,
        "last": end,
        "layers": n,
        "ratio": ratio,
        "per_layer": factor,
    }


def forward_collapse(record: dict, limit: float = COLLAPSE) -> dict | None:
    """The activation spread dies going forward: constant from layer 1, or shrinking below `limit`."""
    sig = forward_signal(record)
    if sig is None:
        return None
    if sig["first"] == 0:
        return {**sig, "constant": True}
    if sig["ratio"] < limit:
        return {**sig, "constant": False}
    return None


def forward_explosion(record: dict, limit: float = EXPLOSION) -> dict | None:
    """The activation spread grows by more than `limit` from the first hidden layer to the last."""
    sig = forward_signal(record)
    return sig if sig is not None and sig["ratio"] is not None and sig["ratio"] > limit else None


def gradient_ratio(row: dict) -> float | None:
    """Gradient norm of the first hidden layer over the last hidden one (output layer left out)."""
    g = row.get("grad_norm")
    if not isinstance(g, list) or len(g) < 3 or not _finite(g[0]) or not _finite(g[-2]):
        return None
    return g[0] / g[-2] if g[-2] > 0 else None


def zero_gradient(record: dict) -> dict | None:
    """Hidden layers whose gradient is exactly zero at the last epoch (symmetry, dead units)."""
    g = record["history"][-1].get("grad_norm")
    if not isinstance(g, list):
        return None
    zero = [i + 1 for i, v in enumerate(g[:-1]) if v == 0]
    return {"layers": zero, "of": len(g) - 1} if zero else None


def vanishing_gradient(record: dict, limit: float = VANISHING) -> dict | None:
    """First / last hidden-layer gradient ratio below `limit` at the last epoch it is measured."""
    rows = [(h, gradient_ratio(h)) for h in record["history"]]
    rows = [(h, r) for h, r in rows if r is not None]
    if not rows or rows[-1][1] >= limit or zero_gradient(record):
        return None
    hidden = rows[-1][0]["grad_norm"][:-1]
    weakest = min(range(len(hidden)), key=lambda i: hidden[i])
    return {
        "first_epoch": rows[0][0]["epoch"],
        "first": rows[0][1],
        "final": rows[-1][1],
        "weakest_layer": weakest + 1,
        "weakest": hidden[weakest] / hidden[-1],
    }


def _phase_at(record: dict, epoch: int) -> tuple[int, dict] | None:
    """(index, entry) of the schedule phase that ran `epoch`, from the record's phases."""
    start = 0
    for i, p in enumerate(record.get("phases") or []):
        start += p.get("epochs", 0)
        if epoch <= start:
            return i, p
    return None


def learned_then_collapsed(record: dict, drop: float = DROP) -> dict | None:
    """Best validation accuracy far above the final one, which is back near chance."""
    hist = record["history"]
    vals = [h.get("val_acc") for h in hist]
    if not vals or not all(_finite(v) for v in vals):
        return None
    best_i = max(range(len(vals)), key=vals.__getitem__)
    best, final = vals[best_i], vals[-1]
    if best - final < drop or final > CHANCE_ACC + drop / 4:
        return None
    mid = (best + final) / 2
    fall = next(i for i in range(best_i, len(vals)) if vals[i] < mid)
    out = {
        "best": best,
        "best_epoch": hist[best_i]["epoch"],
        "best_phase": hist[best_i].get("phase"),
        "final": final,
        "epoch": hist[fall]["epoch"],
        "phase": hist[fall].get("phase"),
    }
    at, before = _phase_at(record, out["epoch"]), _phase_at(record, out["epoch"] - 1)
    if at and before and at[0] != before[0]:
        out["phase_start"] = True
        out["depth_before"] = before[1].get("active_depth")
        out["depth_after"] = at[1].get("active_depth")
    return out


def still_improving(record: dict, window: int = WINDOW, rel: float = IMPROVING) -> dict | None:
    """The training loss still fell by at least `rel` of itself over the last `window` epochs."""
    ls = losses(record)
    if len(ls) <= window or ls[-1] is None or ls[-1 - window] is None:
        return None
    fall = ls[-1 - window] - ls[-1]
    if fall < rel * ls[-1]:
        return None
    vals = [h.get("val_acc") for h in record["history"]]
    gain = (
        vals[-1] - vals[-1 - window] if _finite(vals[-1]) and _finite(vals[-1 - window]) else None
    )
    return {"window": window, "loss_fall": fall, "final_loss": ls[-1], "val_gain": gain}


CHECKS = {
    "diverged": diverged,
    "exploded": exploded,
    "collapsed": learned_then_collapsed,
    "stuck": stuck_at_chance,
    "above_chance": above_chance_loss,
    "barely": barely_learning,
    "saturated": saturated,
    "zero_gradient": zero_gradient,
    "forward_collapse": forward_collapse,
    "forward_explosion": forward_explosion,
    "vanishing": vanishing_gradient,
    "improving": still_improving,
}
FAILURES = ("diverged", "exploded", "collapsed", "stuck", "above_chance", "barely")


def diagnose(record: dict) -> dict[str, dict]:
    """Every check that holds for the record, with its evidence, in CHECKS order."""
    out = {}
    for name, check in CHECKS.items():
        found = check(record)
        if found is not None:
            out[name] = found
    if "diverged" in out:  # after NaN the probes describe a broken network, not a mechanism
        out = {k: v for k, v in out.items() if k == "diverged"}
    return out
