"""The trainer: complete records, determinism, divergence as a result."""

import json
import math
import time

from vgmodels.models.onednn_linear import use_onednn
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training.trainer import train_case

EPOCH_FIELDS = {
    "epoch", "phase", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "grad_norm",
    "update_ratio", "act_mean", "act_std", "saturation", "dead", "seconds",
}  # fmt: skip
FINAL_FIELDS = {
    "case", "config", "profile", "seed", "device", "torch", "test_acc", "test_loss", "best_val_acc",
    "convergence_epoch", "plateau_epoch", "vanishing_ratio", "diverged", "train_seconds",
    "samples_per_second", "flops_per_epoch", "mfu", "run_seconds", "started_at", "finished_at",
}  # fmt: skip


def _strip_timing(rec):
    rec = json.loads(json.dumps(rec))
    for k in (
        "train_seconds",
        "seconds_per_epoch",
        "samples_per_second",
        "gflops_per_second",
        "mfu",
        "peak_gflops",
        "run_seconds",
        "started_at",
        "finished_at",
        "concurrent_runs",  # how the run was scheduled, not what it computed
        "peak_rss_mb",
    ):
        rec.pop(k)
    for h in rec["history"]:
        h.pop("seconds")
    return rec


def test_record_has_every_field_and_is_json(tiny_data, tiny_profile):
    before = time.time()
    rec = train_case(REMEDIES["relu"], tiny_profile, 0, "cpu", tiny_data)
    after = time.time()
    assert FINAL_FIELDS <= rec.keys()
    # the whole run holds its training steps, and its clock times bracket it
    assert before <= rec["started_at"] < rec["finished_at"] <= after
    assert rec["train_seconds"] < rec["run_seconds"] <= rec["finished_at"] - rec["started_at"] + 0.01
    assert len(rec["history"]) == 2
    for h in rec["history"]:
        assert EPOCH_FIELDS <= h.keys()
        assert len(h["grad_norm"]) == 8 and len(h["act_mean"]) == 7
        assert all(g > 0 for g in h["grad_norm"])
    assert rec["history"][0]["saturation"] == [None] * 7  # ReLU does not saturate
    assert all(0 <= d <= 1 for d in rec["history"][0]["dead"])
    json.dumps(rec, allow_nan=False)
    assert rec["flops_per_epoch"] > 0 and 0 < rec["mfu"]
    assert rec["linear_kernel"] == ("onednn" if use_onednn() else "aten")


def test_sigmoid_baseline_gradients_vanish_toward_the_input(tiny_data, tiny_profile):
    rec = train_case(REMEDIES["baseline"], tiny_profile, 0, "cpu", tiny_data)
    g = rec["history"][0]["grad_norm"]
    assert g[0] < g[3] < g[6]  # each layer nearer the input gets less
    assert rec["vanishing_ratio"]["epoch1"] < 1e-2
    assert rec["history"][0]["saturation"][0] is not None


def test_same_seed_same_record_on_cpu(tiny_data, tiny_profile):
    a = train_case(REMEDIES["batchnorm"], tiny_profile, 3, "cpu", tiny_data)
    b = train_case(REMEDIES["batchnorm"], tiny_profile, 3, "cpu", tiny_data)
    assert _strip_timing(a) == _strip_timing(b)
    c = train_case(REMEDIES["batchnorm"], tiny_profile, 4, "cpu", tiny_data)
    assert _strip_timing(a)["history"] != _strip_timing(c)["history"]


def test_divergence_is_recorded_not_raised(tiny_data):
    rec = train_case(REMEDIES["relu_std1"], Profile("t", 5, 1, probe_size=32), 0, "cpu", tiny_data)
    assert rec["diverged"] is True
    assert rec["epochs_run"] < 5
    assert rec["history"][-1]["train_loss"] is None or not math.isfinite(
        rec["history"][-1]["val_loss"] or math.nan
    )
    json.dumps(rec, allow_nan=False)


def test_resnet_learns_the_synthetic_task():
    from tests.conftest import synthetic_dataset

    data = synthetic_dataset(2048, 256, 256)
    rec = train_case(REMEDIES["resnet_bn_relu"], Profile("t", 6, 1, probe_size=32), 0, "cpu", data)
    assert rec["best_val_acc"] > 0.2  # chance is 0.1
    assert rec["history"][-1]["train_loss"] < rec["history"][0]["train_loss"]


def test_layerwise_budget_matches_profile(tiny_data):
    rec = train_case(
        REMEDIES["layerwise_paper"], Profile("t", 9, 1, probe_size=32), 0, "cpu", tiny_data
    )
    assert rec["epochs"] == 9 and [p["epochs"] for p in rec["phases"]] == [1, 1, 1, 1, 1, 1, 3]
