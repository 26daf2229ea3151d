"""Your run beside the published study: within / outside the published seeds' spread."""

import copy
import json

import pytest

from vgmodels.analysis.published import OUTSIDE, PUBLISHED, WITHIN, compare, published_records
from vgmodels.report.published import published_section
from vgmodels.report.render import _environment

QUICK_EPOCHS = 20


@pytest.fixture(scope="module")
def site_records():
    if not PUBLISHED.is_file():
        pytest.skip("no published site/results.json in this checkout")
    return published_records()


def _as_users_run(rec: dict, epochs: int = QUICK_EPOCHS) -> dict:
    """A published record cut to the quick profile's epochs, as the user's run would state it."""
    r = copy.deepcopy(rec)
    r["history"] = r["history"][:epochs]
    r["epochs_run"] = epochs
    r["profile"] = "quick"
    r["profile_config"] = {**r["profile_config"], "name": "quick", "epochs": epochs}
    return r


def _pick(records, case, seed=0):
    return next(r for r in records if r["case"] == case and r["seed"] == seed)


def _row(section, case):
    return next(row for row in section["table"].rows if row[0] == case)


def test_a_published_run_cut_to_the_quick_epochs_reads_within(site_records, tmp_path):
    mine = [_as_users_run(_pick(site_records, c)) for c in ("baseline", "relu", "batchnorm")]
    section = published_section(mine, tmp_path)
    for case in ("baseline", "relu", "batchnorm"):
        row = _row(section, case)
        assert row[1] == "20" and row[-1] == WITHIN
        assert float(row[2]) == pytest.approx(
            _pick(site_records, case)["history"][19]["val_acc"], abs=5e-5
        )
    assert (tmp_path / "published.svg").is_file()
    assert section["figure"].file == "figures/published.svg"


def test_validation_accuracy_shifted_by_0_2_reads_outside(site_records, tmp_path):
    rec = _as_users_run(_pick(site_records, "baseline"))
    for h in rec["history"]:
        h["val_acc"] += 0.2
    (cmp,) = compare([rec], site_records)
    assert cmp.verdict == OUTSIDE
    assert cmp.quantities["grad_ratio"].inside() == [True]  # only the accuracy moved
    assert _row(published_section([rec], tmp_path), "baseline")[-1] == OUTSIDE


def test_no_section_when_the_records_are_the_published_ones(site_records, tmp_path):
    assert published_section(site_records[:4], tmp_path) is None


def test_a_missing_published_study_is_said_in_a_sentence(tmp_path):
    section = published_section([], tmp_path, path=tmp_path / "site" / "results.json")
    assert "absent" in section["intro"] and section["table"] is None


def _run(case, seed, accs, grads, profile="paper", phase="all"):
    history = [
        {
            "epoch": i + 1,
            "phase": phase,
            "lr": 0.01,
            "val_acc": a,
            "train_loss": 1.0,
            "grad_norm": g,
        }
        for i, (a, g) in enumerate(zip(accs, grads, strict=True))
    ]
    return {
        "case": case,
        "seed": seed,
        "profile": profile,
        "test_acc": 0.5,
        "train_seconds": 1.0,
        "epochs_run": len(history),
        "history": history,
    }


def test_range_and_ratio_by_hand():
    # published: 3 seeds, 3 epochs; at epoch 2 val_acc 0.5, 0.6, 0.7 and first/last hidden
    # ratios 0.1/1 = 0.1, 0.2/1 = 0.2, 0.4/1 = 0.4 (the output layer's norm is not used)
    g = lambda first: [first, 0.5, 1.0, 9.0]  # noqa: E731
    pub = [
        _run("baseline", s, [0.1, a, 0.9], [g(0.3), g(r), g(0.3)])
        for s, a, r in [(0, 0.5, 0.1), (1, 0.6, 0.2), (2, 0.7, 0.4)]
    ]
    inside = _run("baseline", 0, [0.0, 0.65], [g(1.0), g(0.3)], profile="quick")
    low_ratio = _run("baseline", 1, [0.0, 0.65], [g(1.0), g(0.05)], profile="quick")
    (c,) = compare([inside], pub)
    assert c.epoch == 2 and c.verdict == WITHIN
    assert (c.quantities["val_acc"].low, c.quantities["val_acc"].high) == (0.5, 0.7)
    assert (c.quantities["grad_ratio"].low, c.quantities["grad_ratio"].high) == (0.1, 0.4)
    (c,) = compare([inside, low_ratio], pub)
    assert c.verdict == OUTSIDE + " (1 of 2 seeds within)"
    assert c.quantities["grad_ratio"].inside() == [True, False]
    other_phase = _run("baseline", 0, [0.0, 0.65], [g(1.0), g(0.3)], "quick", "stage 2")
    assert compare([other_phase], pub)[0].verdict.startswith("not compared: its phase")
    assert (
        compare([_run("relu", 0, [0.6], [g(1.0)])], pub)[0].reason == "not in the published study"
    )


def test_the_partial_lays_out_the_table_and_the_figure(site_records, tmp_path):
    section = published_section([_as_users_run(_pick(site_records, "adam"))], tmp_path)
    html = (
        _environment()
        .from_string(
            "{% set sec = namespace(n=0, toc=[]) %}{% set num = namespace(fig=0, tab=0) %}"
            '{% include "partials/published.html" %}'
        )
        .render(sections={"published": section})
    )
    assert 'id="published"' in html and "Your run beside the published study" in html
    assert "<td>adam</td>" in html and WITHIN in html
    assert 'src="figures/published.svg"' in html
    empty = _environment().from_string('{% include "partials/published.html" %}')
    assert empty.render(sections={"published": None}).strip() == ""


def test_published_records_are_the_paper_profiles(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    assert published_records(path) is None
    assert json.dumps(published_records(tmp_path / "absent.json")) == "null"


def test_a_recurrent_case_is_compared_on_accuracy_alone(site_records):
    (c,) = compare([_as_users_run(_pick(site_records, "lstm"), epochs=2)], site_records)
    assert list(c.quantities) == ["val_acc"] and c.verdict == WITHIN
