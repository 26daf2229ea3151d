"""What each case changes: its config's difference to the baseline's, one line, no typed prose."""

from __future__ import annotations

from vgmodels.remedies import REMEDIES

# human names of known config keys, in the order a change is listed; unknown keys follow by name
LABELS = {
    "model.arch": "architecture",
    "model.depth": "hidden layers",
    "model.width": "width",
    "model.steps": "time steps",
    "model.activation": "activation",
    "model.init": "init",
    "model.init_std": "init std",
    "model.boost_beta": "sigmoid derivative + β",
    "train.optimizer": "optimizer",
    "train.lr": "lr",
    "train.momentum": "momentum",
    "train.weight_decay": "weight decay",
    "train.lr_schedule": "lr schedule",
    "train.batch_size": "batch",
    "model.norm": "normalization",
    "model.skip": "skip connections",
    "model.grad_norm": "gradient normalization",
    "model.standardize_input": "standardized inputs",
    "train.schedule": "training schedule",
    "train.budget": "stage budget",
    "train.clip_norm": "clip norm",
    "train.label_smoothing": "label smoothing",
}
VALUE_LABELS = {
    "model.init": {"default": "PyTorch default", "kaiming": "He", "xavier": "Glorot"},
    "model.grad_norm": {"post": "after each activation", "pre": "between Linear and activation"},
}
WIRING_KEYS = {"model.arch", "model.skip", "model.depth", "model.steps"}


def flatten(config: dict, prefix: str = "") -> dict:
    """Nested config dicts as one dict of dotted keys ('model.activation': 'relu')."""
    out = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def fmt_value(key: str, value) -> str:
    """A config value as the report writes it."""
    if value in VALUE_LABELS.get(key, {}):
        return VALUE_LABELS[key][value]
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _order(key: str) -> tuple[int, str]:
    keys = list(LABELS)
    return (keys.index(key), "") if key in LABELS else (len(keys), key)


def config_changes(
    config: dict, base: dict, defaults: dict | None = None
) -> list[tuple[str, object, object]]:
    """(key, baseline value, case value) for every key whose value differs from the baseline's.

    A key the baseline lacks is compared with `defaults` (the baseline as defined now) and is a
    change only if it differs there too; a key the case lacks is not one of its changes.
    """
    a, b, d = flatten(config), flatten(base), flatten(defaults or {})
    keys = [k for k in a if (a[k] != b[k] if k in b else k not in d or a[k] != d[k])]
    return [(k, b.get(k, d.get(k)), a[k]) for k in sorted(keys, key=_order)]


def changes_text(
    config: dict, base: dict, wiring: str | None = None, defaults: dict | None = None
) -> str:
    """One line: 'activation sigmoid → relu; lr 0.01 → 0.05' ('the reference' for no change)."""
    changes = config_changes(config, base, defaults)
    if not changes:
        return "the reference"
    known = {**flatten(defaults or {}), **flatten(base)}
    parts = []
    for key, old, new in changes:
        label, was, now = LABELS.get(key, key), fmt_value(key, old), fmt_value(key, new)
        parts.append(f"{label} {now}" if key not in known else f"{label} {was} → {now}")
    text = "; ".join(parts)
    if wiring and any(k in WIRING_KEYS for k, _, _ in changes):
        text += f" (wiring: {wiring})"
    return text


def baseline_config(records_by_case: dict[str, list[dict]]) -> dict:
    """The baseline's config as it ran (its record), else as REMEDIES defines it now."""
    base = records_by_case.get("baseline")
    if base and isinstance(base[0].get("config"), dict):
        return base[0]["config"]
    return REMEDIES["baseline"].config()


def case_changes(records_by_case: dict[str, list[dict]]) -> dict[str, str]:
    """Every case of REMEDIES: its change line, from its record's config (REMEDIES when missing)."""
    ran, now = baseline_config(records_by_case), REMEDIES["baseline"].config()
    out = {}
    for cid, case in REMEDIES.items():
        rs = records_by_case.get(cid)
        if rs and isinstance(rs[0].get("config"), dict):
            out[cid] = changes_text(rs[0]["config"], ran, rs[0].get("wiring"), defaults=now)
        else:  # missing: what the case would change, both sides as defined now
            out[cid] = changes_text(case.config(), now)
    return out
