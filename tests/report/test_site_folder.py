"""report --out: a new, empty or own site folder is replaced; anything else is refused untouched."""

import json

import pytest

from tests.test_results import make_record
from vgmodels.report import render
from vgmodels.report.render import RenderError, build_site
from vgmodels.report.site_folder import MARKER


@pytest.fixture
def quick_render(monkeypatch):
    """build_site with a one-line page instead of the figures, tables and PDF."""

    def page(records, speed, info, out, has_pdf=True, others=()):
        (out / "figures").mkdir()
        (out / "figures" / "a.svg").write_text("<svg/>")
        return '<html><img src="figures/a.svg"></html>'

    monkeypatch.setattr(render, "render_html", page)
    return [make_record("relu", 0)]


def _build(records, out):
    return build_site(records, [], {}, out, pdf=False)


def _tree(root) -> dict:
    return {p.relative_to(root).as_posix(): p.is_file() and p.read_bytes() for p in root.rglob("*")}


def test_a_new_folder_gets_the_site_and_its_mark(quick_render, tmp_path):
    out = _build(quick_render, tmp_path / "a" / "site")
    mark = json.loads((out / MARKER).read_text())
    assert mark["written_by"] == "vgmodels.report"
    assert mark["files"] == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["site"]


def test_an_empty_folder_and_an_own_site_are_replaced(quick_render, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    _build(quick_render, out)
    (out / "index.html").write_text("an older render")
    _build(quick_render, out)
    assert (out / "index.html").read_text() == '<html><img src="figures/a.svg"></html>'
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary or old folder left


@pytest.mark.parametrize(
    "prepare, needle",
    [
        (lambda d: (d / "thesis.tex").write_text("x"), "holds thesis.tex, which this tool did not"),
        (lambda d: (d / "sub").mkdir() or (d / "sub" / "x").write_text("x"), "holds sub/x"),
        (lambda d: (d / MARKER).write_text("{not json") or (d / "a").write_text("x"), "holds .vgm"),
    ],
)
def test_a_folder_of_someone_elses_files_survives(quick_render, tmp_path, prepare, needle):
    out = tmp_path / "thesis"
    out.mkdir()
    prepare(out)
    before = _tree(tmp_path)
    with pytest.raises(RenderError, match=f"--out {out}: {needle}") as e:
        _build(quick_render, out)
    assert "name an empty or new folder" in str(e.value)
    assert _tree(tmp_path) == before


def test_a_file_added_to_an_own_site_survives(quick_render, tmp_path):
    out = _build(quick_render, tmp_path / "site")
    (out / "figures" / "my-notes.txt").write_text("mine")
    before = _tree(tmp_path)
    with pytest.raises(RenderError, match="is a site of this tool, but holds figures/my-notes.txt"):
        _build(quick_render, out)
    assert _tree(tmp_path) == before


def test_an_existing_file_is_not_replaced_by_a_folder(quick_render, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RenderError, match="notes.txt: is an existing file; name an empty or new"):
        _build(quick_render, tmp_path / "notes.txt")
    assert _tree(tmp_path) == {"notes.txt": b"mine"}


def test_a_failed_render_keeps_the_own_site(quick_render, tmp_path, monkeypatch):
    out = _build(quick_render, tmp_path / "site")
    before = _tree(tmp_path)

    def broken(*args, **kwargs):
        raise RenderError("PDF: simulated failure")

    monkeypatch.setattr(render, "render_html", broken)
    with pytest.raises(RenderError, match="simulated"):
        _build(quick_render, out)
    assert _tree(tmp_path) == before


def test_a_file_written_into_the_folder_while_rendering_stops_the_swap(
    quick_render, tmp_path, monkeypatch
):
    out = tmp_path / "site"
    out.mkdir()
    page = render.render_html

    def slow_user(records, speed, info, tmp, has_pdf=True, others=()):
        (out / "draft.md").write_text("written meanwhile")
        return page(records, speed, info, tmp, has_pdf)

    monkeypatch.setattr(render, "render_html", slow_user)
    with pytest.raises(RenderError, match="holds draft.md"):
        _build(quick_render, out)
    assert _tree(tmp_path) == {"site": False, "site/draft.md": b"written meanwhile"}
