"""The setup's same-seed comparison: rendered only where records pair, with the hand-worked rows."""

from __future__ import annotations

import re

from tests.analysis.test_cross_device import _rec
from vgmodels.report.cross_device_section import cross_device_section
from vgmodels.report.render import _environment


def render(section) -> str:
    page = (
        "{% set sec = namespace(n=0, toc=[]) %}{% set num = namespace(fig=0, tab=0) %}"
        '{% include "partials/setup.html" %}'
    )
    return _environment().from_string(page).render(setup=[], cross_device=section)


def test_paired_seeds_give_the_figure_and_one_row_per_case(tmp_path):
    study = [_rec("rnn", s, "cpu", 0.86, [1.0, 2.0]) for s in (0, 1)]
    other = [
        _rec("rnn", 0, "cuda", 0.87, [2.0, 1.0]),
        _rec("rnn", 1, "cuda", 0.83, [1.0, 4.0]),
    ]
    section = cross_device_section(study, other, tmp_path / "figures")
    assert (tmp_path / "figures" / "cross_device.svg").stat().st_size > 1000
    page = render(section)
    assert 'id="fig-cross-device"' in page and "NVIDIA H200" in page
    (row,) = re.findall(r"<tr><td>rnn</td>(.*?)</tr>", page)
    # |0.87-0.86| = 1 point, |0.83-0.86| = 3 points: mean 2.00, largest 3.00; ratios 0.5 ... 2
    assert re.findall(r"<td>([^<]*)</td>", row) == ["2", "2.00", "3.00", "0.5-2"]


def test_no_pairs_no_comparison(tmp_path):
    study = [_rec("rnn", 0, "cpu", 0.86, [1.0])]
    assert cross_device_section(study, [_rec("rnn", 0, "cpu", 0.8, [1.0])], tmp_path) is None
    assert "fig-cross-device" not in render(None)
