"""Build the site: figures, tables and text into HTML (Jinja2) and PDF (WeasyPrint), atomically."""

from __future__ import annotations

import concurrent.futures
import contextlib
import html.parser
import logging
import multiprocessing
import shutil
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

import jinja2
import torch

from vgmodels import __version__
from vgmodels.analysis.references import link_citations
from vgmodels.analysis.surfaces import compare
from vgmodels.report.context import report_context
from vgmodels.report.cross_device_section import cross_device_section
from vgmodels.report.floor import floor_info, floor_text
from vgmodels.report.partition import partition
from vgmodels.report.provenance_section import code_line
from vgmodels.report.section_data import SDAGD_DEPTHS, present
from vgmodels.report.site_folder import OutFolderError, check_replaceable, make_temporary, swap_in
from vgmodels.report.text import budgets, machines
from vgmodels.report.tidy_files import write_tidy
from vgmodels.report.walltime import wall_info, wall_text
from vgmodels.results import by_case, write_json_atomic

TEMPLATES = (
    Path(__file__).resolve().parent / "templates"
)  # the top-level templates/, shipped in the wheel


class RenderError(Exception):
    """The report could not be built (a missing asset, a PDF error); one line for the user."""


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.refs.append(value)


def local_references(html_text: str) -> list[str]:
    """Every relative src/href in an HTML document (links to other sites are left out)."""
    p = _Refs()
    p.feed(html_text)
    return [r for r in p.refs if not urlparse(r).scheme and not r.startswith("//")]


def missing_references(html_text: str, root: Path) -> list[str]:
    """Relative references of the HTML that name no file under `root`."""
    return [
        r for r in local_references(html_text) if not (root / unquote(r.split("#")[0])).is_file()
    ]


def _machines(records: list[dict]) -> str:
    """The device the runs saw, or each device with its number of runs where they differ."""
    counts = Counter(f"{r['device_name']}, torch {r['torch']}" for r in records)
    if len(counts) == 1:
        return records[0]["device_name"]
    return "; ".join(f"{name} ({n} runs)" for name, n in counts.most_common())


def seeds_text(groups: dict[str, list[dict]]) -> str:
    """'3 seeds (0, 1, 2)', or the commonest seed set and the cases with another."""
    sets: dict[tuple, list[str]] = {}
    for case, recs in groups.items():
        sets.setdefault(tuple(sorted({r["seed"] for r in recs})), []).append(case)

    def said(seeds: tuple) -> str:
        return f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} ({', '.join(map(str, seeds))})"

    ranked = sorted(sets.items(), key=lambda kv: -len(kv[1]))
    text = said(ranked[0][0])
    others = [f"{said(seeds)} for {', '.join(cases)}" for seeds, cases in ranked[1:]]
    return text + (f" ({'; '.join(others)})" if others else "")


def run_info(records: list[dict], bench_info: dict) -> dict:
    """What the setup section states, from the records (and the bench's run information)."""
    first = records[0]
    seeds = sorted({r["seed"] for r in records})
    budget = budgets(by_case(records))
    return {
        "profile": first["profile"],
        "epochs": f"{budget['main']}" + (" (some cases other)" if budget["others"] else ""),
        "budgets": budget,
        "machines": machines(records),
        "n_seeds": len(seeds),
        "seeds_text": seeds_text(by_case(records)),
        "device": first["device"],
        # the machine as the run saw it; records of seeds trained at once name their 1-thread worker
        "device_name": bench_info.get("device_name") or _machines(records),
        "torch": ", ".join(sorted({r["torch"] for r in records})),
        "python": ", ".join(sorted({r["python"] for r in records})),
        "n_train": first["n_train"],
        "n_val": first["n_val"],
        "n_test": first["n_test"],
    }


def _surfaces_in_child() -> dict:
    torch.set_num_threads(1)  # a forked child starts no thread team of its own
    return compare()


@contextlib.contextmanager
def surfaces_beside(needed: bool):
    """The toy surfaces' descents (`vgmodels.analysis.surfaces.compare`, about 12 s of Python on one core)
    run in a forked second process while this one draws the figures; yields a callable that
    waits for them (None when not `needed`). A kept library (concurrent.futures) runs this one
    call: it trains nothing, so it needs no Ray."""
    if not needed:
        yield None
        return
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        future = pool.submit(_surfaces_in_child)
        yield future.result


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cite"] = link_citations  # [n] -> a link to the reference list
    return env


def render_html(
    records: list[dict],
    speed: list[dict],
    bench_info: dict,
    out: Path,
    has_pdf: bool = True,
    others: list[dict] = (),
) -> str:
    """Figures into out/figures, the stylesheet beside; returns the HTML text.

    The wall-time line's rendering time is this render's, stored into `bench_info` (and so into
    the site's results.json); a page rebuilt from a site's results.json states the time stored
    there, so the same results give the same page.
    """
    t0 = time.perf_counter()
    main, supplement, swept = partition(records)
    info = run_info(main, bench_info)
    info["speed"] = speed
    info["wall"] = wall_info(main, bench_info)
    needed = present(by_case(main), SDAGD_DEPTHS.values())  # as sdagd_section decides
    with surfaces_beside(needed) as surfaces:
        context = report_context(main, speed, info, out, supplement, swept, surfaces)
    shutil.copy(TEMPLATES / "report.css", out / "report.css")
    template = _environment().get_template("report.html")
    seconds = bench_info.setdefault("render_seconds", time.perf_counter() - t0)
    context["setup"].append(("Wall time", wall_text(info["wall"], seconds)))
    floor = floor_text(floor_info(main, bench_info))
    if floor:
        context["setup"].append(("Against the fp32 floor", floor))
    context["setup"].insert(1, ("Code", code_line(main)))
    context["cross_device"] = cross_device_section(main, list(others), out / "figures")
    return template.render(version=__version__, has_pdf=has_pdf, info=info, **context)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render_pdf(index: Path, pdf: Path) -> None:
    """The PDF from the same HTML with the print stylesheet; any failed load is an error."""
    import weasyprint

    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        weasyprint.HTML(filename=str(index), base_url=str(index.parent)).write_pdf(str(pdf))
    finally:
        logger.removeHandler(collect)
    failed = [m for m in collect.messages if "Failed" in m or "error" in m.lower()]
    if failed:
        pdf.unlink(missing_ok=True)
        raise RenderError(f"PDF: {failed[0]}")


def build_site(
    records: list[dict],
    speed: list[dict],
    bench_info: dict,
    out: Path,
    pdf: bool = True,
    others: list[dict] = (),
) -> Path:
    """Render into a temporary folder beside `out`, check it, then replace `out` with it;
    `others` (records of the same seeds on another device) only for the setup's comparison."""
    out = Path(out)
    try:
        check_replaceable(out)
        tmp = make_temporary(out)
    except OutFolderError as e:
        raise RenderError(str(e)) from None
    bench_info = dict(bench_info)  # the render adds its own time
    try:
        html_text = render_html(records, speed, bench_info, tmp, has_pdf=pdf, others=others)
        (tmp / "index.html").write_text(html_text)
        (tmp / ".nojekyll").write_text("")
        write_tidy(records, tmp)  # results.parquet, results.csv.gz: every epoch and layer
        write_json_atomic(
            tmp / "results.json",
            {"vgmodels": bench_info, "records": records, "speed": speed}
            | ({"other_device_records": list(others)} if others else {}),
            indent=None,
        )
        if pdf:
            render_pdf(tmp / "index.html", tmp / "report.pdf")
        missing = missing_references(html_text, tmp)
        if missing:
            raise RenderError(f"the HTML references missing files: {', '.join(missing)}")
        swap_in(tmp, out)
    except OutFolderError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RenderError(str(e)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
