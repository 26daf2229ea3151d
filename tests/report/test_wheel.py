"""`pip install .` outside the source tree renders the report: the templates travel in the wheel."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

from tests.test_results import make_record

REPO = Path(__file__).parents[2]


def test_an_installed_wheel_renders_the_report_from_another_folder(tmp_path):
    # build from a copy: setuptools writes build/ and egg-info beside the sources it builds
    src = tmp_path / "src"
    skip = shutil.ignore_patterns(".git", ".venv", "results", "site", "build", "*.egg-info", "data")
    shutil.copytree(REPO, src, symlinks=True, ignore=skip)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("vgmodels-*.whl")

    # A fresh environment holding only the wheel; the dependencies come from this one's
    # site-packages by a path entry (its .pth files, the source tree's editable hook among them,
    # are not run from there).
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), wheel],
        check=True,
    )
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    runs = tmp_path / "runs"
    runs.mkdir()
    for case in ("baseline", "relu"):
        (runs / f"{case}.json").write_text(json.dumps(make_record(case)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [python, "-c", "import vgmodels; print(vgmodels.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=elsewhere,
        env=env,
    ).stdout
    assert where.startswith(str(target)), where  # the wheel's copy, not the source tree
    done = subprocess.run(
        [python, "-m", "vgmodels.report", "--results", str(runs), "--out", "site", "--no-pdf"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = (elsewhere / "site" / "index.html").read_text()
    assert "relu" in page and "<table" in page
    css = (elsewhere / "site" / "report.css").read_text()
    assert css == (REPO / "templates" / "report.css").read_text()
