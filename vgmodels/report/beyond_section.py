"""'Beyond the sources': accuracy against depth to 200 layers, the Jacobian's spread, the papers' claims.

Input: the sweep records of kind 'beyond' (`python -m vgmodels.sweep beyond`); None without them.
Every number comes from a record; a variant or depth without one is said to be absent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vgmodels.analysis import meanfield
from vgmodels.analysis.references import cite
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.tables import Table
from vgmodels.results import device_label

LEARNS = 0.5  # a run learns at test accuracy >= 0.5 (five times chance)
SPECTRUM = ("tanh_orthogonal", "tanh_gaussian", "sigmoid_orthogonal", "baseline_init", "relu_he")


def beyond_records(records: list[dict]) -> list[dict]:
    return [r for r in records if r.get("sweep", {}).get("kind") == "beyond"]


def by_variant(records: list[dict]) -> dict[str, dict[int, list[dict]]]:
    """variant -> depth -> its records."""
    out: dict = defaultdict(lambda: defaultdict(list))
    for r in records:
        out[r["case"]][r["config"]["model"]["depth"]].append(r)
    return out


def budget(r: dict) -> tuple[int, int]:
    """(epochs, training images) of a run's budget."""
    return (r.get("epochs") or r["epochs_run"], r["n_train"])


def grid_runs(records: list[dict]) -> list[dict]:
    """The runs of the sweep's own grid: those of its commonest budget (longer runs of a few
    variants, on the full training set say, are kept out of the figures' curves)."""
    common = Counter(budget(r) for r in records).most_common(1)[0][0]
    return [r for r in records if budget(r) == common]


def largest_budgets(records: list[dict]) -> dict[str, dict[int, list[dict]]]:
    """variant -> depth -> its runs of the largest budget (epochs x images) at that depth."""
    out: dict = defaultdict(dict)
    for case, depths in by_variant(records).items():
        for d, rs in depths.items():
            top = max(budget(r)[0] * budget(r)[1] for r in rs)
            out[case][d] = [r for r in rs if budget(r)[0] * budget(r)[1] == top]
    return out


def init_spread(recs: list[dict]) -> float | None:
    """Mean over seeds of the Jacobian's spread var(s^2)/mean(s^2)^2 at initialization."""
    vals = [j["spread"] for r in recs for j in r.get("jacobian", []) if j["epoch"] == 0]
    vals = [v for v in vals if v is not None]
    return float(np.mean(vals)) if vals else None


def _acc_figure(groups, figs: Path) -> Figure:
    fig, ax = plt.subplots(figsize=(WIDTH * 0.6, 2.8))
    for case, depths in sorted(groups.items()):
        ds = sorted(depths)
        ax.plot(ds, [np.mean([r["test_acc"] for r in depths[d]]) for d in ds], "o-", label=case)
    ax.set_xscale("log")
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("test acc.")
    ax.axhline(0.1, color="grey", lw=0.6, ls=":")
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1, 0.5))
    return Figure(
        "beyond-acc",
        _save(fig, figs, "beyond_acc.svg"),
        "Accuracy against depth",
        "Test accuracy of each variant against its depth, mean over its seeds (dotted: "
        "chance). Budgets as the records state them (table below).",
    )


def _spread_figure(groups, figs: Path) -> Figure | None:
    fig, ax = plt.subplots(figsize=(WIDTH * 0.6, 2.8))
    drawn = 0
    for case in SPECTRUM:
        pts = [(d, init_spread(rs)) for d, rs in sorted(groups.get(case, {}).items())]
        pts = [(d, s) for d, s in pts if s is not None and s > 0]
        if pts:
            ax.plot(*zip(*pts, strict=True), "o-", label=case)
            drawn += 1
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("var(s²) / mean(s²)² at init")
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1, 0.5))
    return Figure(
        "beyond-spread",
        _save(fig, figs, "beyond_spread.svg"),
        "The Jacobian's spread at initialization",
        "Spread of the squared singular values s² of the hidden-to-hidden Jacobian "
        "dh_L/dh_1 (var / mean², 0 for an isometry) on the records' probe images "
        "before training, against depth (log axes). Orthogonal against Gaussian "
        "weights for tanh, sigmoid and ReLU (He).",
    )


def _boundary_figure(groups, figs: Path) -> Figure:
    sws = np.linspace(0.6, 2.5, 60)
    bound = meanfield.trainable_depth_boundary("tanh", sws, 0.0)
    fig, ax = plt.subplots(figsize=(WIDTH * 0.6, 2.8))
    ax.plot(sws, [min(b, 1e4) for _, b in bound], "k--", label="6 ξ_c (tanh, σ_b = 0)")
    for case in ("tanh_orthogonal", "tanh_gaussian"):
        for d, rs in groups.get(case, {}).items():
            sw = rs[0]["config"]["model"]["init_gain"]
            ok = np.mean([r["test_acc"] for r in rs]) >= LEARNS
            orth = "orth" in case  # drawn large and hollow: the Gaussian mark sits inside it
            ax.plot(
                [sw], [d], "o" if ok else "x", color="C0" if orth else "C1",
                ms=10 if orth else 4, mfc="none" if orth else None, mew=1.2,
            )  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(3, 2e3)
    ax.set_xlabel("σ_w")
    ax.set_ylabel("hidden layers")
    ax.legend(fontsize=6)
    return Figure(
        "beyond-boundary",
        _save(fig, figs, "beyond_boundary.svg"),
        "Trainable depth against the mean-field prediction",
        "Dashed: 6 ξ_c, the depth below which Schoenholz et al. find networks "
        "trainable, for tanh at σ_b = 0. Marks: our tanh runs at the critical σ_w "
        "(σ_b = 0.01); o learned (test acc. ≥ 0.5), x did not; blue orthogonal, "
        "orange Gaussian (the small mark inside the large one where both ran at the same σ_w).",
    )


def _acc_at(groups, case: str, depth: int) -> float | None:
    rs = groups.get(case, {}).get(depth)
    return float(np.mean([r["test_acc"] for r in rs])) if rs else None


def claim_rows(groups, longest=None) -> list[list[str]]:
    """One row per paper's claim: the paper, the claim, what we measured, what it shows.
    Accuracies come from `longest` (each variant's largest budget at a depth; default `groups`)
    and name their budget; the Jacobian's spread, measured before training, from `groups`."""
    longest = groups if longest is None else longest
    deep = max((d for g in groups.values() for d in g), default=None)

    def acc(case):
        rs = longest.get(case, {}).get(deep) if deep else None
        if not rs:
            return "absent"
        epochs, n = budget(rs[0])
        seeds = ", ".join(str(r["seed"]) for r in sorted(rs, key=lambda r: r["seed"]))
        return (
            f"{_acc_at(longest, case, deep):.4f} at depth {deep} ({epochs} epochs on {n:,} "
            f"images, seed{'s' if len(rs) > 1 else ''} {seeds})"
        )

    def learns(case):
        a = _acc_at(longest, case, deep) if deep else None
        return "absent" if a is None else "learns" if a >= LEARNS else "does not learn"

    so, sg = (
        init_spread(groups.get(c, {}).get(deep, [])) if deep else None
        for c in ("tanh_orthogonal", "tanh_gaussian")
    )
    spread = (
        "absent"
        if so is None or sg is None
        else f"spread {so:.3g} orthogonal, {sg:.3g} Gaussian at depth {deep}"
    )
    iso = "absent" if so is None or sg is None else ("seen" if so < sg else "not seen")
    return [
        [
            cite("schoenholz"),
            "Networks train only within about 6 ξ_c of depth; ξ_c diverges at criticality",
            f"baseline init: {acc('baseline_init')}; tanh critical: {acc('tanh_orthogonal')}",
            learns("tanh_orthogonal") + " at criticality, baseline " + learns("baseline_init"),
        ],
        [
            cite("pennington"),
            "Orthogonal weights at criticality keep the Jacobian's singular "
            "values concentrated at any depth; Gaussian ones spread",
            spread,
            iso,
        ],
        [
            cite("xiao_cnn"),
            "Critical orthogonal init trains very deep plain networks",
            acc("tanh_orthogonal"),
            learns("tanh_orthogonal"),
        ],
        [
            cite("bachlechner", "de_smith"),
            "Residual blocks that start as the identity train at any depth",
            acc("rezero"),
            learns("rezero"),
        ],
        [
            cite("klambauer"),
            "SELU with LeCun-normal init self-normalizes deep MLPs",
            acc("selu"),
            learns("selu"),
        ],
        [
            cite("mishkin"),
            "LSUV lets very deep networks train",
            acc("lsuv_sigmoid"),
            learns("lsuv_sigmoid"),
        ],
    ]


def spread_text(groups) -> str:
    """What the records show of the spread at initialization from the shallowest to the deepest
    depth measured, orthogonal against Gaussian tanh ("" without either)."""
    parts = []
    for case, name in (("tanh_orthogonal", "orthogonal"), ("tanh_gaussian", "Gaussian")):
        pts = [(d, init_spread(rs)) for d, rs in sorted(groups.get(case, {}).items())]
        pts = [(d, v) for d, v in pts if v is not None]
        if len(pts) > 1:
            (d0, v0), (d1, v1) = pts[0], pts[-1]
            parts.append(
                f"from {v0:.3g} at depth {d0} to {v1:.3g} at depth {d1} with {name} weights"
            )
    if not parts:
        return ""
    return (
        "Before training, the tanh Jacobian's spread var(s²)/mean(s²)² goes "
        + " and ".join(parts)
        + " (critical gain, σ_b = 0.01; measured on the probe images, whose pre-activations "
        "start away from the fixed point q* the critical gain is computed for)."
    )


def intro_text(recs: list[dict], groups) -> str:
    """The section's opening: what ran, where, on which budget, and the spread measured."""
    deep = max(r["config"]["model"]["depth"] for r in recs)
    devices = ", ".join(sorted({device_label(r) for r in recs}))
    epochs, n = budget(grid_runs(recs)[0])
    longer = sorted({budget(r) for r in recs} - {(epochs, n)})
    bn = (
        " BatchNorm's Jacobian is measured in evaluation mode, on its running statistics (so each "
        "image's Jacobian is its own); before training these are 0 and 1, which makes the layer "
        "the identity and its spectrum at initialization the plain sigmoid network's."
        if "batchnorm" in groups
        else ""
    )
    more = "".join(
        f" Longer runs ({e} epochs on {k:,} images) are in the claims and the run table, not in "
        "the curves."
        for e, k in longer[-1:]
    )
    return (
        "Every source stops at 7 hidden layers and at remedies from before 2016. Here the "
        "remedies that came after train the same 128-wide MLP on the same data and loss, "
        f"to {deep} layers, on {devices}. The curves are the sweep's grid: {epochs} epochs on "
        f"{n:,} training images each.{more} Variants absent from the records are absent from "
        "the figures and marked absent in the claims table. " + spread_text(groups) + bn
    ).strip()


def beyond_section(records: list[dict], fig_dir: Path) -> dict | None:
    """The section's text, figures and tables, or None without 'beyond' records."""
    recs = beyond_records(records)
    if not recs:
        return None
    figs = Path(fig_dir)
    figs.mkdir(parents=True, exist_ok=True)
    groups = by_variant(grid_runs(recs))
    figures = [
        _acc_figure(groups, figs),
        _spread_figure(groups, figs),
        _boundary_figure(groups, figs),
    ]
    runs = [
        [
            r["case"],
            str(r["config"]["model"]["depth"]),
            str(r["seed"]),
            str(r["epochs_run"]),
            str(r["n_train"]),
            f"{r['config']['train']['optimizer']} lr {r['config']['train']['lr']:g}",
            f"{r['test_acc']:.4f}",
            f"{r['seconds_per_epoch']:.2g}",
            f"{(r.get('mfu') or 0):.3f}",
        ]
        for r in sorted(recs, key=lambda r: (r["case"], r["config"]["model"]["depth"], r["seed"]))
    ]
    cols = [
        "Variant",
        "Depth",
        "Seed",
        "Epochs",
        "Train samples",
        "Optimizer",
        "Test acc.",
        "s / epoch",
        "MFU",
    ]
    text = intro_text(recs, groups)
    return {
        "text": text,
        "figures": [f for f in figures if f is not None],
        "runs": Table(
            "beyond-runs",
            "Every 'beyond' run: its budget and result.",
            cols,
            runs,
            [""] * len(runs),
        ),
        "claims": Table(
            "beyond-claims",
            "Claims of the papers after the sources, against our records.",
            ["Paper", "Claim", "Ours", "What it shows"],
            claim_rows(groups, largest_budgets(recs)),
            [""] * 6,
        ),
    }
