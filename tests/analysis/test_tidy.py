"""The long table reads back with pandas into the records' own numbers."""

import pandas as pd
import pytest

from tests.test_results import make_record
from vgmodels.analysis.tidy import COLUMNS, long_frame
from vgmodels.report.tidy_files import write_tidy


def _hand_record() -> dict:
    """Two epochs of a 2-hidden-layer run, numbers chosen by hand; dead units null (sigmoid)."""
    base = {
        "grad_norm": [0.1, 0.2, 0.3],
        "update_ratio": [1e-3, 2e-3, 3e-3],
        "act_mean": [0.5, 0.4],
        "act_std": [0.1, 0.05],
        "saturation": [0.0, 0.25],
        "dead": [None, None],
    }
    history = [
        {
            "epoch": 1,
            "phase": "all",
            "lr": 0.01,
            "train_loss": 2.3,
            "train_acc": 0.11,
            "val_loss": 2.29,
            "val_acc": 0.12,
            "seconds": 1.5,
            **base,
        },
        {
            "epoch": 2,
            "phase": "all",
            "lr": 0.01,
            "train_loss": None,
            "train_acc": 0.2,
            "val_loss": 2.1,
            "val_acc": 0.25,
            "seconds": 1.25,
            **base,
            "grad_norm": [7.0, 8.0, 9.0],
        },
    ]
    return {
        "case": "depth3",
        "seed": 4,
        "profile": "quick",
        "device": "cpu",
        "layers": ["h1", "h2", "out"],
        "code": {"commit": "abc1234"},
        "history": history,
    }


def _value(frame, **where):
    rows = frame
    for k, v in where.items():
        rows = rows[rows[k].astype(str) == str(v)]
    assert len(rows) == 1, where
    return rows["value"].iloc[0]


@pytest.mark.parametrize("name", ["results.parquet", "results.csv.gz"])
def test_written_tables_read_back_into_the_records_numbers(tmp_path, name):
    rec = _hand_record()
    write_tidy([rec], tmp_path)
    back = (
        pd.read_parquet(tmp_path / name)
        if name.endswith("parquet")
        else pd.read_csv(tmp_path / name, keep_default_na=False)
    )
    assert list(back.columns) == COLUMNS
    # per epoch: 6 scalars (5 at epoch 2: its train loss is null) + 3+3+2+2+2 layer values
    assert len(back) == (6 + 12) + (5 + 12)
    assert _value(back, epoch=2, layer="h2", metric="grad_norm") == 8.0
    assert _value(back, epoch=1, layer="out", metric="update_ratio") == 3e-3
    assert _value(back, epoch=2, layer="h2", metric="saturation") == 0.25
    assert _value(back, epoch=2, layer="", metric="val_acc") == 0.25
    assert _value(back, epoch=1, layer="", metric="seconds") == 1.5
    assert back[back.metric == "train_loss"]["epoch"].tolist() == [1]
    assert not (back.metric == "dead").any()
    first = back.iloc[0]
    assert (first.run, first.case, first.seed, first.profile, first.device, first.commit) == (
        "depth3-quick-s4",
        "depth3",
        4,
        "quick",
        "cpu",
        "abc1234",
    )


def test_a_trained_record_and_a_sweep_record_are_runs_of_their_own():
    rec = make_record("relu", 0)
    swept = {**make_record("relu", 0), "sweep": {"key": "depth-relu-d7-s0"}}
    frame = long_frame([rec, swept])
    assert set(frame.run) == {"relu-smoke-s0", "depth-relu-d7-s0"}
    mine = frame[frame.run == "relu-smoke-s0"]
    h = rec["history"]
    assert _value(mine, epoch=2, layer="h7", metric="grad_norm") == h[1]["grad_norm"][6]
    assert _value(mine, epoch=1, layer="h3", metric="dead") == h[0]["dead"][2]
    assert _value(mine, epoch=2, layer="", metric="train_loss") == h[1]["train_loss"]
    n_values = sum(
        v is not None
        for r in h
        for k in ("grad_norm", "update_ratio", "act_mean", "act_std", "saturation", "dead")
        for v in r[k]
    )
    assert len(mine[mine.layer != ""]) == n_values


def test_a_recurrent_records_gradient_through_time_is_one_row_per_step():
    rec = {**_hand_record(), "layers": ["W_ih1", "W_hh1", "out"]}
    rec["history"] = [{**rec["history"][0], "grad_norm_time": [0.5, None, 0.125]}]
    frame = long_frame([rec])
    through_time = frame[frame.metric == "grad_norm_time"]
    assert through_time.layer.astype(str).tolist() == ["t1", "t3"]
    assert through_time.value.tolist() == [0.5, 0.125]
    assert _value(frame, layer="W_hh1", metric="grad_norm") == 0.2
