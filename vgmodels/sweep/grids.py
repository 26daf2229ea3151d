"""The three sweeps as lists of runs: each a variant of a case, a budget, a seed and a run key.

Default grids and budgets are sized so that all three finish within 30 minutes on 2 CPU cores
(one single-threaded training per core); `estimate_seconds` states the expected wall time from a
measured cost per sample and epoch. Every default is a command-line flag away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from vgmodels.analysis.meanfield import sigma_w_of_std
from vgmodels.profiles import Profile, get_profile
from vgmodels.remedies import Case, get_case
from vgmodels.sweep.beyond_grid import BEYOND_CASES, BEYOND_DEPTHS, beyond_case
from vgmodels.training.schedules import case_phases

KINDS = ("depth", "lr", "phase", "beyond")


@dataclass(frozen=True)
class Budget:
    """Epochs and data sizes of every run of a sweep."""

    epochs: int
    n_train: int | None
    n_val: int | None
    n_test: int | None


# 20,000 training samples = 40 SGD steps an epoch; 10 epochs = 400 steps per run
BUDGETS = {
    "depth": Budget(epochs=10, n_train=20_000, n_val=2_000, n_test=5_000),
    "lr": Budget(epochs=10, n_train=20_000, n_val=2_000, n_test=5_000),
    "phase": Budget(epochs=10, n_train=20_000, n_val=2_000, n_test=5_000),
    # beyond the sources: 200-layer nets cost 25x a 7-layer one, so fewer samples and epochs
    "beyond": Budget(epochs=5, n_train=10_000, n_val=2_000, n_test=5_000),
}
DEFAULT_CASES = {
    "depth": ("baseline", "relu", "kaiming_relu", "adam", "batchnorm", "layernorm"),
    "lr": (
        "baseline",
        "relu",
        "tanh",
        "sgd_momentum",
        "adam",
        "rmsprop",
        "batchnorm",
        "kaiming_relu",
    ),
    "phase": ("tanh", "baseline"),
    "beyond": tuple(BEYOND_CASES),
}
DEPTHS = {
    "depth": (2, 3, 5, 7, 10, 15, 20, 30, 50),
    "phase": (3, 6, 12, 24, 48),
    "beyond": BEYOND_DEPTHS,
}
# half-decade grids per optimizer family; each case's own learning rate is always added
LRS = {
    "sgd": (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0),
    "adaptive": (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
}
# sigma_w = init_std * sqrt(width) of the hidden layers, around each activation's critical value
SIGMA_WS = {
    "tanh": (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0),
    "sigmoid": (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0),
}

# seconds per training sample and epoch on one thread, a + b * depth: the first layer (784 x 128)
# and the head cost a, each hidden 128 x 128 layer b; normalization layers cost NORM_FACTOR more.
# Measured with two trainings at once on 2 AMD EPYC cores that other jobs shared (load ~6), so
# the estimate errs long; a sweep also pays SWEEP_OVERHEAD (Ray start, each worker's first run)
COST_A, COST_B, NORM_FACTOR = 16e-6, 3.5e-6, 1.35
RUN_OVERHEAD, SWEEP_OVERHEAD = 0.5, 30.0  # seconds: evaluation, probes, scheduling; start-up


@dataclass(frozen=True)
class GridPoint:
    """One training of a sweep (a point of its grid): its key (the record's file name), variant case, budget and seed."""

    key: str
    case: Case
    profile: Profile
    seed: int
    sweep: dict


def budget_profile(
    kind: str, profile: str | None, epochs: int | None, n_train: int | None, seeds: int | None
) -> Profile:
    """The named profile, or the sweep's default budget; flags override epochs, data and seeds."""
    if profile is not None:
        p = get_profile(profile)
    else:
        b = BUDGETS[kind]
        p = replace(
            get_profile("quick"),
            name="sweep",
            epochs=b.epochs,
            seeds=1,
            n_train=b.n_train,
            n_val=b.n_val,
            n_test=b.n_test,
            probe_size=256,
        )
    p = p.with_epochs(epochs)
    if n_train is not None:
        p = replace(p, n_train=n_train)
    return p if seeds is None else replace(p, seeds=seeds)


def lr_grid(case: Case, lrs: tuple[float, ...] | None = None) -> tuple[float, ...]:
    """The learning rates tried for a case: its family's grid plus its own default."""
    family = "sgd" if case.train.optimizer == "sgd" else "adaptive"
    return tuple(sorted(set(lrs or LRS[family]) | {case.train.lr}))


def _fmt(x: float) -> str:
    return f"{x:g}"


def _check_plain(case: Case) -> None:
    m, t = case.model, case.train
    plain = (
        getattr(m, "arch", "mlp") == "mlp"
        and m.activation in SIGMA_WS
        and m.init == "normal"
        and m.norm == "none"
        and m.skip == "none"
        and getattr(m, "grad_norm", "none") in ("none", False)
        and not m.boost_beta
        and not m.standardize_input
        and t.schedule == "none"
    )
    if not plain:
        raise ValueError(
            f"phase: case {case.id} is not a plain tanh or sigmoid MLP with N(0, std) weights; "
            f"accepted: {', '.join(c for c in DEFAULT_CASES['phase'])} and alike"
        )


def _variant(case: Case, kind: str, values: dict, profile: Profile) -> Case:
    """The case with the swept knobs changed; ValueError if the case cannot take them."""
    model, train = case.model, case.train
    try:
        if "depth" in values:
            model = replace(model, depth=values["depth"])
        if "init_std" in values:
            model = replace(model, init_std=values["init_std"])
        if "lr" in values:
            train = replace(train, lr=values["lr"])
        case_phases(replace(case, model=model, train=train), profile)
    except ValueError as e:
        raise ValueError(f"{kind}: case {case.id}: {e}") from None
    return replace(case, model=model, train=train)


def _points(kind: str, case: Case, depths, lrs, sigma_ws) -> list[tuple[dict, str]]:
    """(swept values, key part) of every grid point of one case."""
    if kind in ("depth", "beyond"):
        return [({"depth": d}, f"d{d}") for d in depths or DEPTHS[kind]]
    if kind == "lr":
        return [({"lr": lr}, f"lr{_fmt(lr)}") for lr in lr_grid(case, lrs)]
    _check_plain(case)
    width = case.model.width
    out = []
    for sw in sigma_ws or SIGMA_WS[case.model.activation]:
        for d in depths or DEPTHS["phase"]:
            vals = {"sigma_w": sw, "sigma_b": 0.0, "init_std": sw / math.sqrt(width), "depth": d}
            out.append((vals, f"sw{_fmt(sw)}-d{d}"))
    return out


def build_runs(
    kind: str, cases: list[str], profile: Profile, depths=None, lrs=None, sigma_ws=None
) -> list[GridPoint]:
    """Every run of the sweep, in grid order; ValueError naming the first bad case or value."""
    if kind not in KINDS:
        raise ValueError(f"unknown sweep {kind!r}; accepted: {', '.join(KINDS)}")
    runs = []
    for cid in cases:
        base = beyond_case(cid) if kind == "beyond" else get_case(cid)
        for values, part in _points(kind, base, depths, lrs, sigma_ws):
            variant = _variant(base, kind, values, profile)
            extra = {"default_lr": base.train.lr} if kind == "lr" else {}
            if kind == "phase":
                extra = {
                    "width": base.model.width,
                    "activation": base.model.activation,
                    "first_layer_sigma_w": sigma_w_of_std(
                        values["init_std"], base.model.in_features
                    ),
                }
            for seed in range(profile.seeds):
                key = f"{kind}-{cid}-{part}-s{seed}"
                sweep = {"kind": kind, "key": key, "values": values, **extra}
                runs.append(GridPoint(key, variant, profile, seed, sweep))
    return runs


def estimate_seconds(runs: list[GridPoint], cpus: int) -> float:
    """Expected wall time of the runs on `cpus` single-threaded workers (cost model above)."""
    total = 0.0
    for r in runs:
        m = r.case.model
        per_sample = (COST_A + COST_B * m.depth) * (NORM_FACTOR if m.norm != "none" else 1.0)
        n = r.profile.n_train or 54_000
        total += per_sample * n * r.profile.epochs + RUN_OVERHEAD
    return SWEEP_OVERHEAD + total / max(1, min(cpus, len(runs))) if runs else 0.0
