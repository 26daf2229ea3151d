"""bench/gpu_study.py's plan: every case of each profile once, the sweeps, the runs folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vgmodels.remedies import REMEDIES

SPEC = importlib.util.spec_from_file_location(
    "gpu_study", Path(__file__).parents[1] / "bench" / "gpu_study.py"
)
gpu_study = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(gpu_study)


def test_the_plan_holds_every_paper_case_paper300s_three_and_the_four_sweeps(tmp_path):
    items = gpu_study.plan(tmp_path / "out", runs=tmp_path / "study")
    names = [n for n, _ in items]
    assert len(names) == len(set(names))
    assert {n.split(":")[1] for n in names if n.startswith("paper:")} == set(REMEDIES)
    assert {n.split(":")[1] for n in names if n.startswith("paper300:")} == set(gpu_study.PAPER300)
    assert {n for n in names if n.startswith("sweep:")} == {f"sweep:{k}" for k in gpu_study.SWEEPS}
    cmds = dict(items)
    assert f"--vg-runs={tmp_path / 'study'}/paper" in cmds["paper:baseline"]
    assert (
        "--vg-cases=baseline" in cmds["paper:baseline"] and "--vg-resume" in cmds["paper:baseline"]
    )
    assert cmds["sweep:lr"][-2:] == ["--out", f"{tmp_path / 'study'}/sweeps"]
    # the recurrent 196-step cases lead; every 100-epoch sigmoid variant comes after them
    assert names.index("paper:lstm_long") < names.index("paper:baseline")
