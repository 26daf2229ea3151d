"""Every claim row's phrase is found at its cited lines: in the committed copy of those lines (always)
and in ../shared/sources/ itself where that folder exists (a clone of the repo alone has none).

After changing a citation: `.venv/bin/python -m tests.analysis.test_citations` rewrites the copy
from ../shared/sources/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vgmodels.analysis.claims import CLAIMS, SOURCE_FILES

ROOT = Path(__file__).parents[2]
SOURCES = ROOT / ".." / "shared" / "sources"
COPY = Path(__file__).with_name("cited_lines.json")
MAX_PHRASE = 110  # "quote at most a short phrase"

needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"{SOURCES} absent (a clone of the repo alone has no sources)"
)


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def key(cite) -> str:
    return f"{cite.file}:{cite.first}-{cite.last}"


def cites():
    return [c for claim in CLAIMS for c in claim.cites]


def lines_of(file: str, first: int, last: int) -> str:
    lines = (SOURCES / file).read_text(encoding="utf-8").splitlines()
    assert 1 <= first <= last <= len(lines), f"{file}:{first}-{last} outside 1-{len(lines)}"
    return "\n".join(lines[first - 1 : last])


def test_every_claim_cites_a_short_phrase_with_a_gloss():
    for claim in CLAIMS:
        assert claim.cites, claim.text
        for c in claim.cites:
            assert c.source in SOURCE_FILES and c.first <= c.last
            assert 0 < len(c.phrase) <= MAX_PHRASE and c.gloss.strip(), (claim.text, c.phrase)


def test_every_phrase_is_in_the_committed_copy_of_its_lines():
    copy = json.loads(COPY.read_text(encoding="utf-8"))
    for c in cites():
        assert key(c) in copy, f"{key(c)} not in {COPY.name}: rewrite it (see the docstring)"
        assert normalized(c.phrase) in normalized(copy[key(c)]), (key(c), c.phrase)


def test_the_phrase_check_fails_on_a_wrong_line():
    copy = json.loads(COPY.read_text(encoding="utf-8"))
    c = CLAIMS[0].cites[0]
    other = next(k for k in copy if k.startswith(c.file) and k != key(c))
    assert normalized(c.phrase) not in normalized(copy[other])


@needs_sources
def test_every_phrase_is_at_its_lines_in_the_sources():
    for c in cites():
        assert normalized(c.phrase) in normalized(lines_of(c.file, c.first, c.last)), (
            key(c),
            c.phrase,
        )


@needs_sources
def test_the_committed_copy_is_the_sources_text():
    copy = json.loads(COPY.read_text(encoding="utf-8"))
    assert set(copy) == {key(c) for c in cites()}, "stale or missing entries: rewrite the copy"
    for k, text in copy.items():
        file, _, span = k.partition(":")
        first, _, last = span.partition("-")
        assert lines_of(file, int(first), int(last)) == text, k


def write_copy() -> None:
    """The cited lines of every claim, as the sources have them."""
    copy = {key(c): lines_of(c.file, c.first, c.last) for c in cites()}
    COPY.write_text(json.dumps(dict(sorted(copy.items())), ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    write_copy()
