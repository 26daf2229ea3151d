"""The reproduction, layer-wise, recurrent and SDAGD sections on synthetic records."""

from __future__ import annotations

import math

import jinja2
import numpy as np
import pytest

from vgmodels.analysis.claims import Cite, ClaimRow, group
from vgmodels.analysis.references import link_citations
from vgmodels.analysis.verdicts import CONTRADICTED, INCONCLUSIVE, NOT_RUN, REPRODUCED
from vgmodels.report import sdagd_section, sections
from vgmodels.report.layerwise_section import budget_table
from vgmodels.report.recurrent_section import recurrent_table
from vgmodels.report.render import TEMPLATES
from vgmodels.report.section_data import phase_spans, ratio_at, time_matrix

PAPER_PHASES = [
    {
        "name": n,
        "epochs": e,
        "active_depth": d,
        "trainable": t,
        "frozen": [],
        "head": h,
        "new_optimizer": h.endswith("(new)"),
    }
    for n, e, d, t, h in [
        ("sub-model 1", 1, 2, [0, 1], "head 1 (new)"),
        ("+ sub-model 2, 1 frozen", 1, 4, [2, 3], "head 2 (new)"),
        ("1-2 unfrozen", 1, 4, [0, 1, 2, 3], "head 2"),
        ("+ sub-model 3, 1-2 frozen", 1, 6, [4, 5], "head 3 (new)"),
        ("1-3 unfrozen", 1, 6, list(range(6)), "head 3"),
        ("+ sub-model 4, 1-3 frozen", 1, 7, [6], "head 4 (new)"),
        ("all unfrozen", 3, 7, list(range(7)), "head 4"),
    ]
]


def rec(case, seed, acc, epochs=2, time=None, phases=None, steps=28, seconds=3.0):
    """A record with the fields the sections read; `time[e]` is epoch e's grad_norm_time."""
    hist = [
        {
            "epoch": i + 1,
            "train_loss": 2.3 - 0.5 * i,
            "train_acc": acc,
            "val_acc": acc,
            "grad_norm": [1.0, 1.0],
            "grad_norm_time": time[i] if time else None,
        }
        for i in range(epochs)
    ]
    return {
        "case": case,
        "seed": seed,
        "test_acc": acc,
        "profile": "paper",
        "epochs": epochs,
        "device_name": "CPU (1 thread)",
        "epochs_run": epochs,
        "profile_config": {"epochs": epochs, "n_train": None},
        "history": hist,
        "diverged": False,
        "best_val_acc": acc,
        "seconds_per_epoch": seconds,
        "train_seconds": seconds * epochs,
        "phases": phases or [],
        "config": {
            "model": {"steps": steps},
            "train": {"optimizer": "adam", "lr": 1e-3, "clip_norm": 1.0},
        },
    }


def test_time_matrix_is_the_geometric_mean_over_seeds():
    a = rec("rnn", 0, 0.8, time=[[1e-2, 1.0], [1e-2, 2.0]])
    b = rec("rnn", 1, 0.8, time=[[1e-4, 1.0], [1e-6, 8.0]])
    m = time_matrix([a, b])  # (steps, epochs)
    assert m.shape == (2, 2)
    np.testing.assert_allclose(m, [[1e-3, 1e-4], [1.0, 4.0]], rtol=1e-12)
    # first / last step: epoch 1 sqrt(1e-2 * 1e-4) = 1e-3; last sqrt(5e-3 * 1.25e-7) = 2.5e-5
    assert ratio_at([a, b], 1) == pytest.approx(1e-3)
    assert ratio_at([a, b], -1) == pytest.approx(math.sqrt(5e-3 * 1.25e-7))


def test_recurrent_table():
    groups = group(
        [rec("rnn", s, 0.8, time=[[1e-2, 1.0], [1e-3, 1.0]], seconds=2.0 + s) for s in range(2)]
    )
    t = recurrent_table(groups, ["rnn"])
    # mean 0.8, no spread: CI 0; seconds (2 + 3) / 2
    assert t.rows == [["rnn", "28", "2", "0.8000 (every seed)", "2.5", "0.01", "0.001"]]
    assert "training on CPU (1 thread)." in t.caption


def test_phase_spans_and_budget_table():
    spans = phase_spans(PAPER_PHASES)
    assert (
        spans[0] == (1, 1, 2, True)
        and spans[2] == (3, 3, 4, False)
        and spans[-1] == (7, 9, 7, False)
    )
    groups = group(
        [rec("layerwise_paper", s, 0.3 + 0.1 * s, epochs=9, phases=PAPER_PHASES) for s in range(2)]
    )
    t = budget_table(groups)
    assert t.rows[0][:4] == ["layerwise_paper", "split", "1+1+1+1+1+1+3 (depth 2→4→6→7)", "9"]
    # mean 0.35 and the seeds' range, which stays inside [0, 1] (a t-interval: ± 0.6353)
    assert t.rows[0][4] == "0.3500 (0.3000–0.4000)"
    assert t.rows[1] == ["layerwise_paper_full", "sources'", "–", "–", "not run", "–"]
    assert t.row_classes[1] == "missing"


def test_sdagd_depth_table():
    groups = group(
        [rec("depth5", s, 0.1) for s in range(2)]
        + [rec("sgd_lr0.1_depth5", s, a) for s, a in enumerate((0.10, 0.12))]
        + [rec("sdagd_depth5", s, a) for s, a in enumerate((0.60, 0.62))]
    )
    t = sdagd_section.depth_table(groups)
    row5 = next(r for r in t.rows if r[0] == "5")
    # SDAGD - SGD at 0.1: 0.61 - 0.11 = +50 points; each side's mean has variance 0.0002 / 2,
    # so se = sqrt(0.0002) = 0.01414 with Welch df = 2, t = 4.303: half-width 6.1 points
    assert row5[2:] == [
        "sgd_lr0.1_depth5: 0.1100 (0.1000–0.1200)",
        "sdagd_depth5: 0.6100 (0.6000–0.6200)",
        "+50.0 (95% CI +43.9 to +56.1)",
    ]
    assert t.row_classes[0] == "missing"  # depth 3: none ran


def test_claims_table_and_tally():
    cite = (
        Cite("S1", 157, 158, "train accuracy tiệm cận 0,7", "training accuracy approaching 0.7"),
    )
    rows = [
        ClaimRow("S1", cite, "a", "p", "m", "+1.0 points", REPRODUCED, ""),
        ClaimRow("S2", cite, "b", "p", "m", "–", CONTRADICTED, "inside ±0.01: no effect"),
        ClaimRow("S2", cite, "c", "p", "m", "–", INCONCLUSIVE, "straddles", 7),
        ClaimRow("S3", cite, "d", "–", "–", "–", NOT_RUN, "no records of x"),
    ]
    t = sections.claims_table(rows)
    assert t.rows[0][:2] == [
        "S1 000_3ba0b06fb0d362d6.txt:157–158",
        "“train accuracy tiệm cận 0,7” (training accuracy approaching 0.7)",
    ]
    assert [r[-2] for r in t.rows] == [
        "reproduced",
        "contradicted: inside ±0.01: no effect",
        "inconclusive: straddles",
        "not run: no records of x",
    ]
    assert [r[-1] for r in t.rows] == ["–", "–", "7 a side", "–"]
    assert t.row_classes == ["", "failing", "", "missing"]
    assert sections.tally(rows) == (
        "Of 4 claims: 1 reproduced, 1 contradicted, 1 inconclusive, 1 not run."
    )
    assert sections.reproduction_intro().startswith("Every comparison claim is judged by one rule")


def test_build_shows_only_sections_with_records(tmp_path):
    time = [[1e-6] * 27 + [1e-2], [1e-5] * 27 + [1e-2]]
    records = [rec("rnn", 0, 0.8, time=time), rec("lstm", 0, 0.85, time=time)] + [
        rec("layerwise_paper", 0, 0.3, epochs=9, phases=PAPER_PHASES)
    ]
    ctx = sections.build(records, tmp_path / "figures")
    assert ctx["sdagd"] is None
    assert ctx["reproduction"]["table"].rows
    assert [f.key for f in ctx["recurrent"]["figures"]] == [
        "recurrent-acc",
        "recurrent-heat",
        "recurrent-profile",
    ]
    assert ctx["layerwise"]["figure"].key == "layerwise-growth"
    assert "trained with adam lr 0.001, gradients clipped at norm 1." in ctx["recurrent"]["intro"]
    for f in ctx["recurrent"]["figures"] + [ctx["layerwise"]["figure"]]:
        assert (tmp_path / f.file).stat().st_size > 1000
    assert sections.build(records[:1], tmp_path / "f2")["layerwise"] is None


def test_sdagd_section_with_the_surfaces(tmp_path):
    from vgmodels.analysis.surfaces import compare

    # real descents, a small grid: the table states each optimizer's steps and step size
    results = compare(optimizers=["GD", "SDAGD"], grid=(0.3,), steps=60)
    groups = group(
        [rec("sdagd", s, a) for s, a in enumerate((0.5, 0.6))]
        + [rec("baseline", s, 0.1) for s in range(2)]
    )
    ctx = sdagd_section.sdagd_section(groups, tmp_path, lambda: results)
    rows = {r[0]: r[1:] for r in ctx["surfaces"]["table"].rows}
    for i, surface in enumerate(results):
        for name, knob in (("GD", "lr"), ("SDAGD", "R")):
            n = results[surface][name][1].steps_to_minimum
            assert rows[name][i] == f"{'not reached' if n is None else f'{n} steps'} ({knob} 0.3)"
    assert (tmp_path / "surfaces.png").stat().st_size > 1000
    # depth 7: SDAGD beside SGD at 0.01; SGD at SDAGD's step size has no runs: no difference
    row7 = next(r for r in ctx["depth_table"].rows if r[0] == "7")
    assert row7 == [
        "7",
        "baseline: 0.1000 (every seed)",
        "sgd_lr0.1: not run",
        "sdagd: 0.5500 (0.5000–0.6000)",
        "–",
    ]
    assert (tmp_path / "sdagd-depth.svg").is_file()
    assert sdagd_section.sdagd_section(group([rec("baseline", 0, 0.1)]), tmp_path) is None


def test_partials_number_figures_and_tables_in_reading_order(tmp_path):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined
    )
    env.filters["cite"] = link_citations
    page = env.from_string(
        "{% set sec = namespace(n=0, toc=[]) %}{% set num = namespace(fig=2, tab=1) %}"
        '{% include "partials/reproduction.html" %}{% include "partials/layerwise.html" %}'
        '{% include "partials/recurrent.html" %}{% include "partials/sdagd.html" %}'
    )
    records = [rec("layerwise_paper", 0, 0.3, epochs=9, phases=PAPER_PHASES)]
    html = page.render(sections=sections.build(records, tmp_path / "figures"))
    assert "1. Reproduction of the sources" in html and "2. Layer-wise training" in html
    assert 'id="recurrent"' not in html and 'id="sdagd"' not in html
    assert "Table 2." in html and "Table 3." in html and "Figure 3." in html
