"""The sweeps' report section from ordinary records with chosen accuracies."""

from __future__ import annotations

import copy
import math
from functools import cache

import jinja2
import pytest

from tests.conftest import synthetic_dataset
from vgmodels.analysis import meanfield
from vgmodels.data import PROJECT_ROOT
from vgmodels.profiles import Profile
from vgmodels.remedies import get_case
from vgmodels.report import sweep_tables as ST
from vgmodels.report.sweeps import split_records, sweeps_section
from vgmodels.training.trainer import train_case


@cache
def _template_record() -> dict:
    prof = Profile("smoke", epochs=1, seeds=1, probe_size=32)
    return train_case(get_case("relu"), prof, 0, "cpu", synthetic_dataset(256, 64, 64))


def rec(kind, case, acc, seed=0, session="a", t=(0.0, 1.0), **values) -> dict:
    """A real record of a 1-epoch run, relabelled as one sweep point with test accuracy `acc`."""
    r = copy.deepcopy(_template_record())
    r.update(case=case, seed=seed, test_acc=acc)
    r["config"]["model"]["activation"] = get_case(case).model.activation
    extra = {"default_lr": get_case(case).train.lr} if kind == "lr" else {}
    key = f"{kind}-{case}-" + "-".join(f"{k}{v}" for k, v in values.items()) + f"-s{seed}"
    r["sweep"] = {
        "kind": kind,
        "key": key,
        "values": values,
        **extra,
        "session": session,
        "started_at": t[0],
        "finished_at": t[1],
        "cluster_cpus": 2,
    }
    return r


DEPTH = [
    *(rec("depth", "relu", a, depth=d) for d, a in ((2, 0.8), (5, 0.7), (10, 0.55), (20, 0.3))),
    rec("depth", "baseline", 0.1, depth=2),
    rec("depth", "baseline", 0.1, depth=20),
    # two seeds at depth 20: mean 0.5 reaches the threshold
    rec("depth", "adam", 0.8, depth=2),
    rec("depth", "adam", 0.6, seed=0, depth=20),
    rec("depth", "adam", 0.4, seed=1, depth=20),
]
LR = [
    *(rec("lr", "baseline", a, lr=lr) for lr, a in ((1e-3, 0.3), (1e-2, 0.5), (0.1, 0.8))),
    *(rec("lr", "adam", a, lr=lr) for lr, a in ((1e-4, 0.6), (1e-3, 0.7), (1e-2, 0.65))),
]
PHASE = [
    rec(
        "phase",
        c,
        a,
        sigma_w=sw,
        sigma_b=0.0,
        init_std=sw / math.sqrt(128),
        depth=d,
        session="b",
        t=(100.0 + d, 200.0 + d),
    )
    for c, sws in (("tanh", (0.5, 1.0, 2.0)), ("baseline", (4.0, 10.0)))
    for sw in sws
    for d, a in ((3, 0.8), (12, 0.6 if sw >= 1 else 0.2), (48, 0.3))
]


def test_deepest_depth_that_learns_uses_the_mean_over_seeds():
    acc = ST.depth_accuracy(DEPTH)
    assert ST.deepest_learning(acc, 0.5) == {"baseline": None, "relu": 10, "adam": 20}
    assert ST.deepest_learning(acc, 0.75) == {"baseline": None, "relu": 2, "adam": 2}
    t = ST.frontier_table(acc, 0.5)
    assert t.columns == ["Case", "2", "5", "10", "20", "Deepest ≥ thr."]
    assert t.rows[0] == ["baseline", "0.100", "–", "–", "0.100", "none"]  # REMEDIES order
    assert t.rows[2] == ["adam", "0.800", "–", "–", "0.500", "20"]
    assert t.row_classes == ["never", "", ""]


def test_lr_fairness_ranks_and_gains():
    fair = ST.lr_fairness(ST.lr_accuracy(LR))
    b, a = fair.loc["baseline"], fair.loc["adam"]
    assert (b["acc_default"], b["best_lr"], b["gain"]) == (0.5, 0.1, pytest.approx(0.3))
    assert b["at_edge"] and not a["at_edge"] and a["gain"] == 0
    assert (b["rank_default"], b["rank_tuned"], a["rank_default"], a["rank_tuned"]) == (2, 1, 1, 2)
    assert ST.rank_agreement(fair) == pytest.approx(-1.0)  # two cases, order swapped
    row = ST.fairness_table(fair).rows[0]
    assert row == ["baseline", "0.01", "0.500", "0.1 †", "0.800", "+0.300", "2", "1", "+1"]


def test_phase_grid_and_theory():
    grid = ST.phase_grid(PHASE, "tanh")
    assert list(grid.index) == [3, 12, 48] and list(grid.columns) == [0.5, 1.0, 2.0]
    assert grid.loc[12, 0.5] == 0.2 and grid.loc[12, 2.0] == 0.6
    th = ST.phase_theory("tanh", [0.5])
    assert th.loc[0.5, "chi_1"] == pytest.approx(0.25)  # tanh, sigma_b = 0: chi_1 = sigma_w^2
    assert th.loc[0.5, "trainable_depth"] == pytest.approx(-6 / math.log(0.25))
    rows = ST.phase_table(PHASE, 0.5).rows
    assert rows[0][:2] == ["tanh", "0.5"] and rows[0][-1] == "3" and rows[1][-1] == "12"
    assert [r[0] for r in rows] == ["tanh"] * 3 + ["sigmoid"] * 2


def test_budgets_sum_wall_time_over_sessions():
    recs = [
        rec("depth", "relu", 0.5, session="a", t=(100, 150), depth=2),
        rec("depth", "relu", 0.5, session="a", t=(110, 200), depth=3),
        rec("depth", "relu", 0.5, session="b", t=(1000, 1030), depth=5),
    ]
    b = ST.sweep_budgets(recs).loc["depth"]
    assert b["wall_seconds"] == 130 and b["runs"] == 3 and b["cpus"] == 2
    assert b["epochs"] == "1" and b["n_train"] == "256"


def test_split_records():
    plain = copy.deepcopy(_template_record())
    assert split_records([plain, *LR[:1]]) == ([plain], LR[:1])
    assert sweeps_section([plain], PROJECT_ROOT / "unused") is None


def test_section_renders_three_numbered_sections(tmp_path):
    section = sweeps_section([*DEPTH, *LR, *PHASE], tmp_path / "figures")
    assert [p["key"] for p in section["parts"]] == ["depth", "lr", "phase"]
    for part in section["parts"]:
        for fig in part["figures"]:
            assert (tmp_path / fig.file).is_file()
    crit = meanfield.critical_sigma_w("sigmoid", 0.0)
    assert f"{crit:.3g} for sigmoid" in section["parts"][2]["text"]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"), undefined=jinja2.StrictUndefined
    )
    env.filters["cite"] = lambda s: s
    page = env.from_string(
        "{% set sec = namespace(n=0, toc=[]) %}{% set num = namespace(fig=0, tab=0) %}"
        '{% include "partials/sweeps.html" %}'
    ).render(sections={"sweeps": section})
    assert page.count("<section") == 3 and "<h2>3. Order-to-chaos phase diagram</h2>" in page
    assert "Figure 3." in page and "Table 4." in page and "Table 5." not in page
