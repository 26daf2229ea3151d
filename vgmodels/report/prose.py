"""Captions and prose live in templates/prose/*.txt; this renders one with its measured facts."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2

PROSE = Path(__file__).resolve().parent / "templates" / "prose"  # templates/prose, in the wheel


def _and(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [str(x) for x in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROSE),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text: the page template escapes it where it lands
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["and"] = _and
    env.filters["g"] = _g
    return env


def _g(x) -> str:
    from vgmodels.analysis.case_diagnosis import g

    return g(x)


def prose(name: str, **facts) -> str:
    """templates/prose/NAME.txt rendered with `facts`, its line breaks and indents folded."""
    text = _environment().get_template(f"{name}.txt").render(**facts)
    return re.sub(r" ([;,.])(?=\s|$)", r"\1", " ".join(text.split()))
