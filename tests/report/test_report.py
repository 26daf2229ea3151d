"""The report built from a small fixture set of records: files, references, PDF, browser."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import shutil
import statistics
import subprocess
import sys

import pytest

from tests.conftest import synthetic_dataset
from vgmodels.analysis.published import PUBLISHED
from vgmodels.analysis.summary import summarize
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.report import render
from vgmodels.report.figure_files import make_figures
from vgmodels.report.render import build_site, missing_references
from vgmodels.results import by_case
from vgmodels.training.trainer import train_case

from .chromium import chromium_path, open_page, render_figures

FIXTURE_CASES = ("depth3", "baseline", "adam", "batchnorm", "relu_std1", "layerwise_paper")
MISSING = [c for c in REMEDIES if c not in FIXTURE_CASES]


@pytest.fixture(scope="module")
def records():
    data = synthetic_dataset(512, 128, 128)
    profile = Profile("smoke", 3, 3, probe_size=32)
    return [
        train_case(REMEDIES[c], profile, s, "cpu", data) for c in FIXTURE_CASES for s in range(3)
    ]


@pytest.fixture(scope="module")
def site(records, tmp_path_factory):
    results = tmp_path_factory.mktemp("res") / "records.json"
    results.write_text(json.dumps(records))
    out = tmp_path_factory.mktemp("site") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "vgmodels.report", "--results", str(results), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(out / "index.html"), str(out / "report.pdf")]
    return out


def expected_figures(records) -> set[str]:
    """The figure files the fixture's cases call for, derived from the cases (not today's count):
    the two intro figures, one curves figure per family with records, the four all-case figures
    and the schedule, plus the layer-wise section's growth figure when a layer-wise case ran."""
    from vgmodels.remedies import FAMILIES

    fams = {REMEDIES[r["case"]].family for r in records} - {"problem"}
    names = {
        "derivatives.svg",
        "depth.svg",
        "grad-layer.svg",
        "heatmaps.png",
        "saturation.svg",
        "time.svg",
        "schedule.svg",
    } | {f"family-{f}.svg" for f in fams if f in FAMILIES}
    if any(r["case"].startswith("layerwise") for r in records):
        names.add("layerwise-growth.svg")
    if PUBLISHED.is_file():  # the fixture's runs beside the published study (they are not its runs)
        names.add("published.svg")
    return names


def test_every_figure_exists_and_is_referenced(site, records):
    html = (site / "index.html").read_text()
    figures = {p.name for p in (site / "figures").iterdir()}
    others = {"published.svg"} if 'id="published"' in html else set()  # a section others own
    assert figures == expected_figures(records) | others
    for name in figures:
        assert html.count(f'src="figures/{name}"') == 1, name
    assert missing_references(html, site) == []
    n = len(figures)
    assert html.count('<figure id="fig-') == n
    assert f"Figure {n}." in html and f"Figure {n + 1}." not in html
    assert (site / ".nojekyll").exists() and (site / "results.json").exists()


def test_diverged_and_missing_cases_are_shown(site):
    html = (site / "index.html").read_text()
    assert '<tr class="diverged"><td>relu_std1</td>' in html
    assert "diverged (3/3)" in html
    for cid in MISSING:
        assert f'<tr class="missing"><td>{cid}</td>' in html
    assert "Missing from these results: " + ", ".join(MISSING) in html


def test_text_states_measured_numbers(site, records):
    html = (site / "index.html").read_text()
    base = [r["test_acc"] for r in records if r["case"] == "baseline"]
    assert f"The sigmoid baseline ends at {sum(base) / 3:.4f} test accuracy" in html
    assert "{{" not in html and "None" not in html.replace("none", "")


def test_setup_names_the_peak_and_the_kernels_the_records_used(site, records):
    html = (site / "index.html").read_text()
    peak = records[0]["peak_gflops"]
    assert f"{records[0]['device_name']}: {peak:,.0f} GFLOP/s. Each run probes the faster" in html
    onednn = "Linear layers run oneDNN&#39;s fp32 inner product"
    aten = "Linear layers run PyTorch&#39;s addmm (MKL&#39;s fp32 sgemm)"
    assert (onednn in html) == (records[0]["linear_kernel"] == "onednn")
    assert (aten in html) == (records[0]["linear_kernel"] == "aten")


def test_pdf_pages_and_case_ids(site):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO((site / "report.pdf").read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    words = set(re.findall(r"[\w.]+", text))
    for cid in REMEDIES:  # every case, present or missing, by its own id as a whole word
        assert cid in words, cid


def test_figures_are_reproducible(records, tmp_path):
    s = summarize(by_case(records))
    a = make_figures(s, tmp_path / "a")
    make_figures(s, tmp_path / "b")
    for f in a:
        name = f.file.split("/")[-1]
        da = hashlib.sha256((tmp_path / "a" / name).read_bytes()).hexdigest()
        db = hashlib.sha256((tmp_path / "b" / name).read_bytes()).hexdigest()
        assert da == db, name


def test_bad_input_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"benchmarks": [')
    out = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "vgmodels.report", "--results", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "not valid JSON" in proc.stderr
    assert not out.exists()


def test_failed_render_keeps_the_old_site(records, tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old")

    def broken(index, pdf):
        raise render.RenderError("PDF: simulated failure")

    monkeypatch.setattr(render, "render_pdf", broken)
    with pytest.raises(render.RenderError):
        build_site(records, [], {}, out)
    assert (out / "index.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left behind


def _uniform(png: bytes) -> bool:
    from PIL import Image

    lo, hi = Image.open(io.BytesIO(png)).convert("L").getextrema()
    return hi - lo < 16


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium is installed by `make test`")
def test_html_in_headless_chromium(site):
    from PIL import Image

    errors, png = open_page((site / "index.html").as_uri())
    assert errors == []
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.size == (1280, 1000) and not _uniform(png)  # text on paper, not a blank page
    errors, images = render_figures((site / "index.html").as_uri())
    assert errors == []
    srcs = {im["src"] for im in images}
    assert srcs == {f"figures/{p.name}" for p in (site / "figures").iterdir()}
    for im in images:  # each figure decodes, has a size on the page and is not one colour
        assert im["ok"] and im["natural"] > 0, im["src"]
        assert im["width"] > 100 and im["height"] > 50, im["src"]
        assert not _uniform(im["png"]), im["src"]


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium is installed by `make test`")
def test_the_browser_check_catches_a_corrupt_and_a_blank_figure(site, tmp_path):
    page = tmp_path / "page"
    shutil.copytree(site, page)
    svgs = sorted((page / "figures").glob("*.svg"))
    svgs[0].write_text(svgs[0].read_text()[: len(svgs[0].read_text()) // 2])  # cut: undecodable
    blank = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"></svg>'
    svgs[1].write_text(blank)  # decodes, draws nothing
    errors, images = render_figures((page / "index.html").as_uri())
    by_src = {im["src"]: im for im in images}
    corrupt, empty = by_src[f"figures/{svgs[0].name}"], by_src[f"figures/{svgs[1].name}"]
    assert not corrupt["ok"] or corrupt["natural"] == 0
    assert empty["ok"] and _uniform(empty["png"])
    good = by_src[f"figures/{svgs[2].name}"]
    assert good["ok"] and not _uniform(good["png"])


def test_speed_caption_states_the_measured_ratio_and_the_products_floor(records):
    from vgmodels.report.tables import speed_table

    speed = [
        {
            "kind": "speed",
            "case": "baseline",
            "ours_seconds_per_epoch": 0.45,
            "seed_style_seconds_per_epoch": 3.15,
            "speedup": 7.0,
            "gflops_per_second": 120.0,
            "mfu": 0.55,
            "products_seconds_per_epoch": 0.30,
            "products_mfu": 0.82,
            "products_share": 0.30 / 0.45,
            "speedup_bound": 10.5,
        }
    ]
    table = speed_table(summarize(by_case(records)), speed)
    assert "against 3.150 s for a seed-style loop" in table.caption
    assert "a 7.0× speed-up" in table.caption and "(MFU 0.55)" in table.caption
    assert "take 0.300 s per epoch (MFU 0.82), 67% of the step time" in table.caption
    assert "by more than 10.5×" in table.caption
    assert [row[0] for row in table.rows] == [c for c in REMEDIES if c in FIXTURE_CASES]
    # without the interleaved benchmark: each case's mean seconds per epoch over baseline's
    spe = {
        c: statistics.fmean(r["seconds_per_epoch"] for r in records if r["case"] == c)
        for c in ("baseline", "depth3")
    }
    ratio = {row[0]: row[2] for row in table.rows}
    assert ratio["baseline"] == "1.00"
    assert spe["depth3"] != spe["baseline"]  # the fixture gives the check something to see
    assert ratio["depth3"] == f"{spe['depth3'] / spe['baseline']:.2f}"


def test_speed_table_takes_the_interleaved_ratio_and_marks_slow_cases(records):
    from vgmodels.report.tables import speed_table

    rel = {"depth3": 0.55, "baseline": 0.98, "adam": 1.6, "batchnorm": 1.12}
    speed = [
        {
            "kind": "speed",
            "case": "all",
            "relative_to": "baseline",
            "relative_seconds": rel,
            "relative_rounds": 3,
            "relative_epochs": 2,
            "relative_n_train": 8192,
        }
    ]
    table = speed_table(summarize(by_case(records)), speed)
    ratio = {row[0]: row[2] for row in table.rows}
    assert ratio["depth3"] == "0.55" and ratio["baseline"] == "0.98" and ratio["adam"] == "1.60"
    assert ratio["relu_std1"] == "–"  # not timed in that run
    slow = [row[0] for row, cls in zip(table.rows, table.row_classes, strict=True) if cls == "slow"]
    assert slow == ["adam"]
    assert "on 8,192 samples" in table.caption and "median of 3 rounds" in table.caption
    assert "baseline against itself: 0.98." in table.caption


def test_denormal_row_sets_the_flush_effect_against_seed_noise():
    from vgmodels.report.text import _flush_effect

    same = {"flush_effect": {"val_acc": 0.0, "grad_norm": 0.0}, "seed_noise": {"val_acc": 0.1}}
    assert _flush_effect(same) == (
        "every recorded metric (2 of them, per epoch and per layer) came out identical with and "
        "without flushing"
    )
    moved = {
        "flush_effect": {"val_acc": 0.0, "grad_norm": 3e-7},
        "seed_noise": {"val_acc": 0.1, "grad_norm": 0.3},
        "flush_beyond_noise": [],
    }
    assert _flush_effect(moved) == (
        "flushing moved no recorded metric beyond seed noise: the largest relative change is "
        "3.0e-07 (grad_norm), where a second seed moves it by 3.0e-01"
    )
    assert _flush_effect({**moved, "flush_beyond_noise": ["grad_norm"]}).startswith(
        "flushing moved grad_norm beyond seed noise: "
    )


def test_speed_table_from_cases_timed_alone_and_seeds_at_once(records):
    from vgmodels.report.tables import speed_table

    cases = ["depth3", "baseline", "batchnorm"]
    speed = [
        {
            "kind": "speed",
            "case": "all",
            "relative_to": "baseline",
            "relative_seconds": dict(zip(cases, (0.55, 1.01, 1.2), strict=True)),
            "relative_rounds": 3,
            "relative_epochs": 2,
            "relative_n_train": 8192,
            "alone_ms_per_step": dict(zip(cases, (2.5, 4.61, 5.5), strict=True)),
            "alone_gflops": dict(zip(cases, (70.4, 110.0, 95.2), strict=True)),
            "alone_mfu": dict(zip(cases, (0.33, 0.514, 0.44), strict=True)),
            "alone_threads": 2,
        },
        {
            "kind": "speed",
            "case": "baseline",
            "seeds": 3,
            "seeds_concurrent_runs": 3,
            "seeds_threads": 1,
            "seeds_wall_seconds_per_seed_epoch": 0.3712,
            "seeds_gain_epoch_wall": 1.31,
            "seeds_speedup_epoch_wall": 8.4,
            "seeds_machine_mfu": 0.62,
        },
    ]
    table = speed_table(summarize(by_case(records)), speed)
    assert table.columns[1] == "ms / step"
    row = {r[0]: r for r in table.rows}
    # the baseline beside a case is its time over the ratio: 4.61 / 1.01, 2.50 / 0.55
    assert row["baseline"][1:] == ["4.61", "4.56", "1.01", "110", "0.51"]
    assert row["depth3"][1:] == ["2.50", "4.55", "0.55", "70", "0.33"]
    assert row["adam"][1:] == ["–", "–", "–", "–", "–"]  # not timed in that run
    assert "each case alone on 2 threads, 2 epochs of 8,192 samples" in table.caption
    assert (
        "3 seeds trained at once (3 processes of 1 thread, as the study's runs train): "
        "0.371 s per seed-epoch with validation, 1.31× the throughput of one seed and 8.4× the "
        "seed-style loop's, machine MFU 0.62." in table.caption
    )
    speed[1] = dict(speed[1], seeds_stacked=True)
    table = speed_table(summarize(by_case(records)), speed)
    assert "3 seeds trained at once (stacked into one model, as the study's runs" in table.caption


def test_setup_says_when_seeds_shared_the_cpu(records):
    from vgmodels.report.render import run_info
    from vgmodels.report.text import setup

    alone = dict(setup(run_info([dict(r, concurrent_runs=1) for r in records], {})))
    assert (
        f"{records[0]['device_name']} ({len(records)} runs): one run at a time."
        in alone["Runs at once"]
    )
    shared = [dict(r, concurrent_runs=3, threads=1) for r in records]
    row = dict(setup(run_info(shared, {})))["Runs at once"]
    assert "up to 3 runs at once (Ray tasks), one process of 1 thread each" in row
    assert row.endswith(
        "These results hold no speed benchmark: the speed table shows the study's own seconds."
    )
    info = run_info(shared, {})
    info["speed"] = [{"case": "baseline"}]
    assert dict(setup(info))["Runs at once"].endswith("The speed table times each case alone.")
    # two machines: each says what its own records say
    gpu = [dict(r, device="cuda", device_name="GPU X") for r in shared[:3]]
    row = dict(setup(run_info(gpu + shared[3:], {})))["Runs at once"]
    assert "GPU X (3 runs): up to 3 seeds of a case stacked into one model" in row
    name = records[0]["device_name"]
    assert f"{name} ({len(records) - 3} runs): up to 3 runs at once (Ray tasks)" in row


def test_setup_names_the_machine_from_the_run_not_from_a_worker(records):
    from vgmodels.report.render import run_info
    from vgmodels.report.text import setup

    shared = [
        dict(r, concurrent_runs=3, threads=1, device_name="AMD EPYC (1 thread)") for r in records
    ]
    assert dict(setup(run_info(shared, {})))["Device"] == "AMD EPYC (1 thread)"
    info = run_info(shared, {"device_name": "AMD EPYC (2 threads)"})
    assert dict(setup(info))["Device"] == "AMD EPYC (2 threads)"


def test_published_results_rebuild_the_same_page(records, tmp_path):
    """Benchmark JSON -> site; that site's results.json -> the same text, tables and figures."""
    speed = {
        "kind": "speed",
        "case": "all",
        "relative_to": "baseline",
        "relative_seconds": {"depth3": 0.6, "baseline": 1.0},
        "relative_rounds": 3,
        "relative_epochs": 2,
        "relative_n_train": 8192,
        "alone_ms_per_step": {"depth3": 4.1, "baseline": 6.3},
        "alone_gflops": {"depth3": 76.0},
        "alone_mfu": {"depth3": 0.36},
        "alone_threads": 2,
    }
    bench = {
        "vgmodels": {"profile": "smoke", "device_name": "CPU (2 threads)", "peak_gflops": 200.0},
        "benchmarks": [
            {"name": "test_case[all]", "extra_info": {"records": records}},
            {"name": "test_case_speed", "extra_info": speed},
        ],
    }
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    first, second = tmp_path / "first", tmp_path / "second"
    for src, out in ((tmp_path / "bench.json", first), (first / "results.json", second)):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "vgmodels.report",
                "--results",
                str(src),
                "--out",
                str(out),
                "--no-pdf",
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
    html = (first / "index.html").read_text()
    assert "4.10" in html and "each case alone on 2 threads" in html  # the speed table's numbers
    assert "CPU (2 threads)" in html  # the bench's run information
    assert (second / "index.html").read_text() == html
    # the rebuild states the first render's time, not its own
    stored = json.loads((first / "results.json").read_text())["vgmodels"]["render_seconds"]
    assert json.loads((second / "results.json").read_text())["vgmodels"]["render_seconds"] == stored
    assert f"rendering the figures and this page {stored:.0f} s" in html
    for name in sorted(p.name for p in (first / "figures").iterdir()) + ["../table1.csv"]:
        a, b = (first / "figures" / name).read_bytes(), (second / "figures" / name).read_bytes()
        assert a == b, name


def test_findings_name_no_best_of_failures_and_mark_every_comparison(site, records):
    html = (site / "index.html").read_text()
    assert "best is" not in html
    # comparisons carry the Reproduction section's Welch interval, never a permutation p
    assert "n.s." not in html and "smallest possible p" not in html and "95% CI" in html
    assert "Pitfalls: none is a remedy: relu_std1 fails (diverged; test accuracy" in html


def test_a_finding_states_the_welch_interval_worked_by_hand():
    from vgmodels.analysis.summary import CaseSummary
    from vgmodels.report.findings import fmt_ci

    case = CaseSummary("tanh", "activation", "", accs=[0.80, 0.82, 0.84], mean=0.82)
    base = CaseSummary("baseline", "problem", "", accs=[0.1, 0.1, 0.1], mean=0.1)
    # the baseline's seeds agree: a one-sample interval, sd 0.02, df 2, t = 4.303;
    # half-width 4.303 * 0.02 / sqrt(3) = 0.0497: 72 -/+ 5.0 points
    assert fmt_ci(case, base) == "95% CI +67.0 to +77.0 points, every plausible value above 0"
    wide = CaseSummary("x", "problem", "", accs=[0.05, 0.12, 0.19], mean=0.12)
    assert fmt_ci(wide, base).endswith("undecided: the interval holds 0")
    assert fmt_ci(base, base) == "no spread in either case's seeds"


def test_every_reference_is_cited_and_listed(site):
    from vgmodels.analysis.references import REFERENCES

    html = (site / "index.html").read_text()
    listed = re.findall(r'<li id="ref-(\d+)">', html)
    assert listed == [str(n) for n in range(1, len(REFERENCES) + 1)]
    cited = set(re.findall(r'<a href="#ref-(\d+)">\1</a>', html))
    assert cited <= set(listed)  # each citation resolves to a listed entry
    body = re.sub(r"<[^>]+>", "", html.split('id="references"')[0])
    assert re.findall(r"\[\d+(?:, \d+)*\]", body) != []
    for group in re.findall(r"\[(\d+(?:, \d+)*)\]", body):  # no [n] left unlinked or unlisted
        if group != "0, 1":  # the interval [0, 1] (pixels, accuracies), not a citation
            assert set(group.split(", ")) <= set(listed), group


def test_ranking_lists_every_case_with_records_by_mean(records):
    from vgmodels.analysis.changes import case_changes
    from vgmodels.report.context import case_diagnoses
    from vgmodels.report.tables import ranking_table

    s = summarize(by_case(records))
    table = ranking_table(s, case_diagnoses(s), case_changes(by_case(records)))
    means = {c: sum(r["test_acc"] for r in records if r["case"] == c) / 3 for c in FIXTURE_CASES}
    order = [c for c in REMEDIES if c in means]  # ties keep the table's case order
    names = [row[1].removesuffix(" †") for row in table.rows]
    assert names == sorted(order, key=lambda c: -means[c])
    # † marks exactly the cases whose records state another budget than the others' 3 epochs
    budget = {r["case"]: r["epochs"] for r in records}
    assert {row[1] for row in table.rows if row[1].endswith(" †")} == {
        f"{c} †" for c, e in budget.items() if e != 3
    }
    row = {r[1].removesuffix(" †"): r for r in table.rows}
    assert row["baseline"][3:] == ["–", "–", "the reference"]
    assert row["adam"][5] == "optimizer sgd → adam; lr 0.01 → 0.001"


def _pdf_page_lines(pdf, n: int) -> list[str]:
    """The text lines of page n as laid out, without the running head and the page number."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [
        line
        for line in lines
        if line != "vgmodels: vanishing-gradient remedies" and not re.fullmatch(r"\d+ / \d+", line)
    ]


def _pdf_page_has_image(pdf, n: int) -> bool:
    listing = subprocess.run(
        ["pdfimages", "-list", "-f", str(n), "-l", str(n), str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len(listing.strip().splitlines()) > 2  # two header lines, then one line per image


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils: `make test`")
def test_pdf_has_no_blank_page_and_no_heading_at_a_page_foot(site):
    from pypdf import PdfReader

    pdf = site / "report.pdf"
    html_text = (site / "index.html").read_text()
    headings = {
        html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
        for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html_text, re.S)
    }
    assert sum(bool(re.fullmatch(r"\d+\. .+", h)) for h in headings) >= 5  # numbered sections
    for n in range(1, len(PdfReader(pdf).pages) + 1):
        lines = _pdf_page_lines(pdf, n)
        assert lines or _pdf_page_has_image(pdf, n), f"page {n} is blank"
        assert not lines or lines[-1] not in headings, f"page {n} ends with heading {lines[-1]!r}"
