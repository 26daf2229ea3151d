"""The provenance table and the warning box that names the cases whose records differ."""

from __future__ import annotations

import re

from vgmodels.report.provenance_section import mixed, provenance_section
from vgmodels.report.render import _environment


def record(case, seed, device="cpu", torch="2.14.1", commit="abc1234", recurrent_epochs=4):
    return {
        "case": case,
        "seed": seed,
        "device": device,
        "device_name": f"{device} box",
        "torch": torch,
        "code": {"commit": commit},
        "epochs": 100,
        "profile_config": {"name": "paper", "epochs": 100, "recurrent_epochs": recurrent_epochs},
    }


def render(records) -> str:
    page = (
        "{% set sec = namespace(n=0, toc=[]) %}{% set num = namespace(fig=0, tab=0) %}"
        '{% include "partials/provenance.html" %}'
    )
    return (
        _environment()
        .from_string(page)
        .render(sections={"provenance": provenance_section(records)})
    )


def test_alike_records_give_no_warning():
    records = [record("baseline", s) for s in range(3)] + [record("relu", 0)]
    assert mixed(records) == []
    page = render(records)
    assert 'class="warning"' not in page
    rows = re.findall(
        r"<tr><td>(\w+)</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", page
    )
    assert rows == [
        ("baseline", "cpu box", "abc1234", "3 (0, 1, 2)"),
        ("relu", "cpu box", "abc1234", "1 (0)"),
    ]


def test_each_difference_names_its_cases():
    records = [
        record("baseline", 0, device="cuda"),
        record("baseline", 1),
        record("relu", 0),
        record("sdagd", 0, torch="2.11.0", commit="fff0000-dirty"),
        record("lstm", 0, recurrent_epochs=10),
    ]
    found = {
        m["quantity"]: ([(v["value"], v["cases"]) for v in m["values"]], m["common"], m["n_common"])
        for m in mixed(records)
    }
    assert found == {
        "device type": ([("cuda", ["baseline"])], "cpu", 4),
        "torch version": ([("2.11.0", ["sdagd"])], "2.14.1", 3),
        "commit": ([("fff0000-dirty", ["sdagd"])], "abc1234", 3),
        "profile settings": ([("recurrent_epochs=10", ["lstm"])], "recurrent_epochs=4", 3),
    }
    box = render(records).split('class="warning"')[1].split("</div>")[0]
    assert "Device type: <em>cuda</em> (baseline); <em>cpu</em> (4 cases)" in box
    assert "Commit: <em>fff0000-dirty</em> (sdagd)" in box
    assert "Profile settings: <em>recurrent_epochs=10</em> (lstm)" in box


def test_older_records_name_their_git_commit():
    old = dict(record("relu", 0), code={"git_commit": "0123456789abcdef", "git_dirty": True})
    (commit,) = mixed([old, record("baseline", 0), record("tanh", 0)])
    assert commit["values"] == [{"value": "0123456-dirty", "cases": ["relu"]}]
    assert (commit["common"], commit["n_common"]) == ("abc1234", 2)


def test_the_setup_line_names_one_clean_commit_or_counts_the_mixture():
    from vgmodels.report.provenance_section import code_line

    def rec(commit, publishable=True, sha="ab" * 32):
        return {"code": {"commit": commit, "publishable": publishable, "source_sha256": sha}}

    assert code_line([rec("5ddd886"), rec("5ddd886")]) == (
        "commit 5ddd886 (clean, training sources sha256 abababababab)"
    )
    assert code_line([rec("5ddd886"), rec("5ddd886", publishable=False)]) == (
        "commit 5ddd886 (not clean: the records cannot all be traced to it, "
        "training sources sha256 abababababab)"
    )
    assert code_line([rec("a1"), rec("b2-dirty"), {}]) == (
        "3 commits (a1, b2-dirty, unknown): see the provenance section"
    )
