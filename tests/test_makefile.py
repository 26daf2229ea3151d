"""The Makefile: `make report` renders into results/site (site/ is the published study), `make
test` lints the CI workflow, and the workflow runs `make test` on pushes and pull requests."""

import re
import shutil
import subprocess

import pytest

from vgmodels.data import PROJECT_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _dry(target: str) -> list[str]:
    out = subprocess.run(["make", "-n", target], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def _out_folders(lines: list[str]) -> list[str]:
    return [
        m.group(1)
        for line in lines
        for m in re.finditer(r"--out\s+(\S+)", line)
        if "vgmodels.report" in line
    ]


def test_report_renders_into_results_site_and_never_into_site():
    lines = _dry("report")
    assert _out_folders(lines) == ["results/site"]
    assert not any(re.search(r"--out\s+site\b", line) for line in lines)
    assert any("results/site/index.html" in line for line in lines)  # it says where


def test_publish_is_the_one_target_that_renders_site():
    lines = _dry("publish")
    assert _out_folders(lines) == ["site"]
    assert any("--vg-profile paper" in line and "--vg-resume" in line for line in lines)


def test_make_test_lints_the_workflows_and_they_pass():
    assert any("actionlint .github/workflows/" in line for line in _dry("test"))
    binary = PROJECT_ROOT / ".venv" / "bin" / "actionlint"
    if not binary.exists():
        pytest.skip("actionlint is not installed in .venv")
    workflows = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
    out = subprocess.run([str(binary), *map(str, workflows)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_ci_workflow_runs_make_test_on_push_and_pull_request():
    text = (PROJECT_ROOT / ".github" / "workflows" / "test.yml").read_text()
    assert re.search(r"^on:\n  push:\n  pull_request:\n", text, re.M)
    assert "run: make test" in text and "python:3.11-bookworm" in text
    for artifact in ("results/site-smoke", "results/gate-smoke.txt"):
        assert f"path: {artifact}" in text or f"  {artifact}\n" in text
