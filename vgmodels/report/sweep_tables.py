"""Sweep records as pandas frames and report tables: depth frontier, lr fairness, phase, budgets."""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import kendalltau

from vgmodels.analysis import meanfield
from vgmodels.remedies import REMEDIES
from vgmodels.report.tables import Table

LEARNS = 0.5  # a run "learns" when its mean test accuracy reaches 0.50: five times chance
ORDER = {c: i for i, c in enumerate(REMEDIES)}


def split_records(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """(records of single runs, records of sweeps)."""
    return [r for r in records if "sweep" not in r], [r for r in records if "sweep" in r]


def sweep_frame(records: list[dict], kind: str | None = None) -> pd.DataFrame:
    """One row per sweep record: kind, case, seed, swept values, accuracy, budget and timing."""
    rows = []
    for r in records:
        s = r["sweep"]
        if kind is not None and s["kind"] != kind:
            continue
        rows.append(
            {
                "kind": s["kind"],
                "case": r["case"],
                "seed": r["seed"],
                **s["values"],
                "default_lr": s.get("default_lr"),
                "test_acc": r["test_acc"],
                "diverged": r["diverged"],
                "epochs": r["epochs_run"],
                "n_train": r["n_train"],
                "train_seconds": r["train_seconds"],
                "started_at": s.get("started_at"),
                "finished_at": s.get("finished_at"),
                "session": s.get("session"),
                "cpus": s.get("cluster_cpus"),
                "activation": r["config"]["model"]["activation"],
            }
        )
    df = pd.DataFrame(rows)
    if not df.empty:
        df["order"] = df["case"].map(lambda c: ORDER.get(c, len(ORDER)))
        df = df.sort_values(["order", "seed"], kind="stable").drop(columns="order")
    return df


def _mean(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = df.groupby(keys, sort=False)
    out = g.agg(
        test_acc=("test_acc", "mean"),
        std=("test_acc", "std"),
        n=("seed", "count"),
        diverged=("diverged", "sum"),
    )
    return out.reset_index()


def depth_accuracy(records: list[dict]) -> pd.DataFrame:
    """Mean test accuracy over seeds per (case, depth)."""
    return _mean(sweep_frame(records, "depth"), ["case", "depth"])


def deepest_learning(acc: pd.DataFrame, threshold: float = LEARNS) -> dict[str, int | None]:
    """Per case, the deepest depth whose mean test accuracy reaches `threshold` (None: none does)."""
    out = {}
    for case, rows in acc.groupby("case", sort=False):
        ok = rows.loc[rows["test_acc"] >= threshold, "depth"]
        out[case] = int(ok.max()) if len(ok) else None
    return out


def frontier_table(acc: pd.DataFrame, threshold: float = LEARNS) -> Table:
    """Cases x depths of mean test accuracy, and the deepest depth that still learns."""
    depths = sorted(acc["depth"].unique())
    grid = acc.pivot(index="case", columns="depth", values="test_acc")
    deepest = deepest_learning(acc, threshold)
    rows = []
    for case in deepest:
        cells = ["–" if pd.isna(grid.loc[case, d]) else f"{grid.loc[case, d]:.3f}" for d in depths]
        rows.append([case, *cells, str(deepest[case] or "none")])
    caption = (
        f"Depth frontier: mean test accuracy over seeds at each depth; the last column is "
        f"the deepest depth whose accuracy reaches {threshold:.2f} (five times chance)."
    )
    classes = ["never" if deepest[c] is None else "" for c in deepest]
    return Table(
        "depth-frontier", caption, ["Case", *map(str, depths), "Deepest ≥ thr."], rows, classes
    )


def lr_accuracy(records: list[dict]) -> pd.DataFrame:
    """Mean test accuracy over seeds per (case, learning rate), with the case's default."""
    df = sweep_frame(records, "lr")
    return _mean(df, ["case", "lr", "default_lr"])


def lr_fairness(acc: pd.DataFrame) -> pd.DataFrame:
    """Per case: accuracy at its default and at its best rate, and its rank under each."""
    rows = {}
    for case, r in acc.groupby("case", sort=False):
        default = r[r["lr"] == r["default_lr"]]
        best = r.loc[r["test_acc"].idxmax()]
        rows[case] = {
            "default_lr": r["default_lr"].iloc[0],
            "acc_default": default["test_acc"].iloc[0] if len(default) else float("nan"),
            "best_lr": best["lr"],
            "acc_best": best["test_acc"],
            "at_edge": best["lr"] in (r["lr"].min(), r["lr"].max()),
            "n_lrs": len(r),
        }
    f = pd.DataFrame.from_dict(rows, orient="index")
    f["gain"] = f["acc_best"] - f["acc_default"]
    f["rank_default"] = f["acc_default"].rank(ascending=False, method="min").astype("Int64")
    f["rank_tuned"] = f["acc_best"].rank(ascending=False, method="min").astype("Int64")
    return f


def rank_agreement(fair: pd.DataFrame) -> float:
    """Kendall's tau between the rankings at the default and at the best learning rates."""
    if len(fair) < 2:
        return float("nan")
    return float(kendalltau(fair["acc_default"], fair["acc_best"]).statistic)


def fairness_table(fair: pd.DataFrame) -> Table:
    """Each case at its default and at its own best learning rate; the ranking under both."""
    rows = []
    for case, f in fair.iterrows():
        move = int(f["rank_default"] - f["rank_tuned"])
        rows.append(
            [
                case,
                f"{f['default_lr']:g}",
                f"{f['acc_default']:.3f}",
                f"{f['best_lr']:g}" + (" †" if f["at_edge"] else ""),
                f"{f['acc_best']:.3f}",
                f"{f['gain']:+.3f}",
                str(f["rank_default"]),
                str(f["rank_tuned"]),
                "=" if move == 0 else f"{move:+d}",
            ]
        )
    caption = (
        "Learning-rate fairness: mean test accuracy at the suite's default learning rate "
        "and at the case's own best on the grid, same budget; rank 1 = best. † the best "
        "rate is at the end of the grid: a wider grid may find a better one."
    )
    cols = [
        "Case",
        "Default lr",
        "Acc. default",
        "Best lr",
        "Acc. best",
        "Gain",
        "Rank default",
        "Rank tuned",
        "Change",
    ]
    return Table("lr-fairness", caption, cols, rows, [""] * len(rows))


def phase_grid(records: list[dict], activation: str) -> pd.DataFrame:
    """Mean test accuracy, depth (rows) x sigma_w (columns), for one activation."""
    df = sweep_frame(records, "phase")
    df = df[df["activation"] == activation]
    m = _mean(df, ["depth", "sigma_w"])
    return m.pivot(index="depth", columns="sigma_w", values="test_acc").sort_index()


def phase_theory(activation: str, sigma_ws) -> pd.DataFrame:
    """Mean-field chi_1, xi_c and predicted trainable depth 6 xi_c per sigma_w (sigma_b = 0)."""
    rows = [
        {
            "sigma_w": s,
            "chi_1": meanfield.chi_1(activation, s, 0.0),
            "xi_c": meanfield.depth_scale(activation, s),
        }
        for s in sigma_ws
    ]
    df = pd.DataFrame(rows).set_index("sigma_w")
    df["trainable_depth"] = meanfield.TRAINABLE_DEPTH_FACTOR * df["xi_c"]
    return df


def _depth(x: float) -> str:
    return "∞" if not math.isfinite(x) or x > 1e6 else f"{x:.3g}"  # on the critical line


def phase_table(records: list[dict], threshold: float = LEARNS) -> Table:
    """Per activation and sigma_w: chi_1, xi_c, predicted 6 xi_c and the deepest depth that learned."""
    rows = []
    for act in ("tanh", "sigmoid"):
        grid = phase_grid(records, act)
        if grid.empty:
            continue
        theory = phase_theory(act, grid.columns)
        for sw in grid.columns:
            ok = grid.index[grid[sw] >= threshold]
            t = theory.loc[sw]
            rows.append(
                [
                    act,
                    f"{sw:g}",
                    f"{t['chi_1']:.3g}",
                    _depth(t["xi_c"]),
                    _depth(t["trainable_depth"]),
                    str(max(ok)) if len(ok) else "none",
                ]
            )
    caption = (
        f"Mean field against training (σ_b = 0): χ₁ per layer (< 1 ordered, > 1 chaotic), "
        f"the depth scale ξ_c, the predicted trainable depth 6 ξ_c, and the deepest depth "
        f"whose mean test accuracy reached {threshold:.2f}."
    )
    cols = ["Activation", "σ_w", "χ₁", "ξ_c", "6 ξ_c", "Deepest ≥ thr."]
    return Table("phase", caption, cols, rows, [""] * len(rows))


def sweep_budgets(records: list[dict]) -> pd.DataFrame:
    """Per sweep: runs, cases, seeds, epochs, data sizes, CPUs and wall time (sum over sessions)."""
    df = sweep_frame(records)
    out = {}
    for kind, d in df.groupby("kind", sort=False):
        spans = d.groupby("session")[["started_at", "finished_at"]].agg(
            {"started_at": "min", "finished_at": "max"}
        )
        out[kind] = {
            "runs": len(d),
            "cases": d["case"].nunique(),
            "seeds": d["seed"].nunique(),
            "epochs": "/".join(map(str, sorted(d["epochs"].unique()))),
            "n_train": "/".join(map(str, sorted(d["n_train"].unique()))),
            "cpus": int(d["cpus"].max()) if d["cpus"].notna().any() else None,
            "wall_seconds": float((spans["finished_at"] - spans["started_at"]).sum()),
            "train_seconds": float(d["train_seconds"].sum()),
        }
    return pd.DataFrame.from_dict(out, orient="index")


def budget_table(budgets: pd.DataFrame) -> Table:
    """The budget and the measured wall time of each sweep."""
    rows = [
        [
            kind,
            str(b["runs"]),
            str(b["cases"]),
            str(b["seeds"]),
            b["epochs"],
            b["n_train"],
            str(b["cpus"] or "–"),
            f"{b['wall_seconds'] / 60:.1f}",
            f"{b['train_seconds'] / 60:.1f}",
        ]
        for kind, b in budgets.iterrows()
    ]
    caption = (
        "Sweep budgets: every run of a sweep trains the same epochs on the same data; "
        "wall time from the first run's start to the last run's end on a Ray cluster of "
        "the stated CPUs (one single-threaded run per CPU); training time summed over runs."
    )
    cols = [
        "Sweep",
        "Runs",
        "Cases",
        "Seeds",
        "Epochs",
        "Train samples",
        "CPUs",
        "Wall (min)",
        "Training (min)",
    ]
    return Table("sweep-budgets", caption, cols, rows, [""] * len(rows))
