"""Steps replayed from CUDA graphs train as the eager steps do (vgmodels.training.cuda_graphs)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from vgmodels.remedies import REMEDIES
from vgmodels.training.cuda_graphs import Stepper, graphs_on
from vgmodels.training.stacked import train_stacked
from vgmodels.training.trainer import train_case

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_graphs_only_on_cuda_and_vg_graphs_turns_them_off(monkeypatch):
    monkeypatch.delenv("VG_GRAPHS", raising=False)
    assert graphs_on(torch.device("cuda")) and not graphs_on(torch.device("cpu"))
    monkeypatch.setenv("VG_GRAPHS", "0")
    assert not graphs_on(torch.device("cuda"))
    monkeypatch.setenv("VG_GRAPHS", "yes")
    with pytest.raises(ValueError, match="VG_GRAPHS='yes': accepted 1"):
        graphs_on(torch.device("cuda"))


def test_eager_stepper_runs_every_batch_in_order_and_restarts_its_sums():
    seen, afters, zeros = [], [], []
    total = torch.zeros(())

    def step(b):
        seen.append(b.tolist())
        total.add_(b.sum())

    s = Stepper(step, zeros.append, [total], graph=False, after=lambda: afters.append(1))
    batches = list(torch.arange(10).split(4))  # 4, 4, 2
    (first,) = s.epoch(batches)
    (second,) = s.epoch(batches[:1])
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]]
    assert float(first) == 45 and float(second) == 6  # each epoch's own sum
    assert len(afters) == 4 and zeros == [True] * 4
    assert first.data_ptr() != total.data_ptr()  # a copy: the next epoch cannot change it


def test_a_schedule_keeps_steps_eager():
    assert not Stepper(lambda b: None, lambda n: None, [], True, after=lambda: None).graph


def _batch64(case):
    return replace(case, train=replace(case.train, batch_size=64))


def _close(a: dict, b: dict, rel: float = 1e-4) -> None:
    assert a["epochs_run"] == b["epochs_run"]
    for ha, hb in zip(a["history"], b["history"], strict=True):
        assert hb["train_loss"] == pytest.approx(ha["train_loss"], rel=rel)
        assert hb["val_loss"] == pytest.approx(ha["val_loss"], rel=rel)
        assert hb["grad_norm"] == pytest.approx(ha["grad_norm"], rel=10 * rel)
    assert b["test_loss"] == pytest.approx(a["test_loss"], rel=rel)


@cuda
@pytest.mark.parametrize(
    "case_id", ["baseline", "adam", "rmsprop", "sgd_momentum", "grad_clip", "layerwise_greedy"]
)
def test_graphed_run_follows_the_eager_run(case_id, monkeypatch, tiny_data, tiny_profile):
    # 512 samples in batches of 64: 3 warm-up steps, the capture, 4 replays in the first epoch
    case = _batch64(REMEDIES[case_id])
    dev = torch.device("cuda")
    monkeypatch.setenv("VG_GRAPHS", "0")
    eager = train_case(case, tiny_profile, 0, dev, tiny_data)
    monkeypatch.setenv("VG_GRAPHS", "1")
    graphed = train_case(case, tiny_profile, 0, dev, tiny_data)
    _close(eager, graphed)


@cuda
@pytest.mark.parametrize("case_id", ["baseline", "batchnorm", "mynorm", "grad_clip"])
def test_graphed_stack_follows_the_eager_runs(case_id, monkeypatch, tiny_data, tiny_profile):
    case = _batch64(REMEDIES[case_id])
    dev = torch.device("cuda")
    monkeypatch.setenv("VG_GRAPHS", "0")
    eager = [train_case(case, tiny_profile, s, dev, tiny_data) for s in (0, 1)]
    monkeypatch.setenv("VG_GRAPHS", "1")
    for a, b in zip(eager, train_stacked(case, tiny_profile, [0, 1], dev, tiny_data), strict=True):
        _close(a, b)


@cuda
def test_graphed_sdagd_follows_the_eager_run(monkeypatch, tiny_data, tiny_profile):
    # the same update rule; the sampled labels of its curvature come from another stream of the
    # generator when graphed, so the runs agree to the curvature's noise, not to rounding
    case = _batch64(REMEDIES["sdagd"])
    dev = torch.device("cuda")
    monkeypatch.setenv("VG_GRAPHS", "0")
    eager = train_case(case, tiny_profile, 0, dev, tiny_data)
    monkeypatch.setenv("VG_GRAPHS", "1")
    graphed = train_case(case, tiny_profile, 0, dev, tiny_data)
    _close(eager, graphed, rel=1e-2)
