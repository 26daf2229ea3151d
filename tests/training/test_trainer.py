"""The trainer: records against plain-torch training and hand counts, determinism, divergence."""

import itertools
import json
import math
import platform
import resource
import sys
import types
from dataclasses import replace

import pytest
import torch

import vgmodels
from vgmodels.models import build
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training import trainer
from vgmodels.training.loop import new_sums
from vgmodels.training.record import make_record, peak_rss_mb
from vgmodels.training.schedules import phases_for
from vgmodels.training.trainer import train_case

EPOCH_FIELDS = {
    "epoch",
    "phase",
    "lr",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "grad_norm",
    "update_ratio",
    "act_mean",
    "act_std",
    "saturation",
    "dead",
    "seconds",
}
FINAL_FIELDS = {
    "case",
    "config",
    "profile",
    "seed",
    "device",
    "torch",
    "test_acc",
    "test_loss",
    "best_val_acc",
    "convergence_epoch",
    "plateau_epoch",
    "vanishing_ratio",
    "diverged",
    "train_seconds",
    "samples_per_second",
    "flops_per_epoch",
    "mfu",
    "run_seconds",
    "started_at",
    "finished_at",
}


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


def _relu_stack(linears, x):
    """Logits of a ReLU stack composed by hand, and each hidden layer's (z, h)."""
    layers, h = [], x
    for m in linears[:-1]:
        z = h @ m.weight.T + m.bias
        h = torch.relu(z)
        layers.append((z, h))
    return h @ linears[-1].weight.T + linears[-1].bias, layers


def _reference_epochs(case, data, seed, epochs, probe_size):
    """The trainer's epochs redone with plain torch ops: the same init and batch order, SGD by
    hand, the probe's layers composed by hand. Per epoch: the record's numbers."""
    F, tc = torch.nn.functional, case.train
    torch.manual_seed(seed)
    linears = build(case.model).linears()
    params = [p for m in linears for p in (m.weight, m.bias)]
    gen = torch.Generator().manual_seed(seed)
    n, rows = len(data.train), []
    for epoch in range(1, epochs + 1):
        before = [m.weight.detach().clone() for m in linears]
        loss_sum, correct, norms = 0.0, 0, torch.zeros(len(linears))
        batches = torch.randperm(n, generator=gen).split(tc.batch_size)
        for b in batches:
            x, y = data.train.x[b], data.train.y[b]
            logits, _ = _relu_stack(linears, x)
            loss = F.cross_entropy(logits, y)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads, strict=True):
                    p -= tc.lr * g
            norms += torch.stack([g.norm() for g in grads[::2]])  # the weights' gradients
            loss_sum += loss.item() * len(b)
            correct += (logits.argmax(1) == y).sum().item()
        with torch.no_grad():
            val_logits, _ = _relu_stack(linears, data.val.x)
            _, probe = _relu_stack(linears, data.val.x[:probe_size])
        after = [m.weight.detach() for m in linears]
        rows.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / n,
                "train_acc": correct / n,
                "val_loss": F.cross_entropy(val_logits, data.val.y).item(),
                "val_acc": (val_logits.argmax(1) == data.val.y).float().mean().item(),
                "grad_norm": (norms / len(batches)).tolist(),
                "update_ratio": [
                    ((a - w).norm() / w.norm()).item() for w, a in zip(before, after, strict=True)
                ],
                "act_mean": [h.mean().item() for _, h in probe],
                "act_std": [h.std().item() for _, h in probe],
                "dead": [(z <= 0).all(0).float().mean().item() for z, _ in probe],
            }
        )
    return rows


def test_record_is_the_plain_torch_training_of_the_case(tiny_data, tiny_profile):
    # batches of 128: four steps an epoch, so the mean of the gradient norms and the batch order show
    case = replace(REMEDIES["relu"], train=replace(REMEDIES["relu"].train, batch_size=128))
    rec = train_case(case, tiny_profile, 3, "cpu", tiny_data)
    want = _reference_epochs(case, tiny_data, 3, 2, tiny_profile.probe_size)
    assert [h["epoch"] for h in rec["history"]] == [1, 2] and rec["epochs_run"] == 2
    for got, ref in zip(rec["history"], want, strict=True):
        assert EPOCH_FIELDS <= got.keys()
        for key, value in ref.items():
            assert got[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
        assert got["lr"] == 0.01 and got["phase"] == "all"
        assert got["saturation"] == [None] * 7  # ReLU does not saturate
    assert rec["linear_kernel"] == "aten"  # pinned in tests/conftest.py
    # 512 samples an epoch of 998,912 matmul FLOPs each (forward 2 x 199,936; both gradients
    # 2 x 199,936 less the first layer's input gradient, 2 x 784 x 128)
    assert rec["flops_per_epoch"] == 512 * (3 * 2 * 199_936 - 2 * 784 * 128)
    assert rec["best_val_acc"] == max(want[0]["val_acc"], want[1]["val_acc"])
    assert rec["train_seconds"] == pytest.approx(sum(h["seconds"] for h in rec["history"]))
    json.dumps(rec, allow_nan=False)


def _history(val_acc, grad_norms):
    return [
        {"epoch": i + 1, "val_acc": a, "grad_norm": g}
        for i, (a, g) in enumerate(zip(val_acc, grad_norms, strict=True))
    ]


def test_record_final_numbers_by_hand(tiny_data):
    case = REMEDIES["baseline"]  # 784 -> 7 x 128 -> 10, every layer learning
    profile = Profile("smoke", epochs=3, seeds=1)
    phases = phases_for("none", 3)
    history = _history(
        [0.5, 0.85, 0.9],  # >= 0.80 first at epoch 2; within 0.01 of the best 0.9 first at 3
        [
            [1e-4, 1, 1, 1, 1, 1, 4e-2, 9.0],
            [2.0, 1, 1, 1, 1, 1, 0.5, 9.0],
            [3.0, 1, 1, 1, 1, 1, 6.0, 9.0],
        ],
    )
    # per sample: forward 2mn per Linear; backward a weight gradient everywhere and an input
    # gradient above the first layer
    per_sample = 2 * (784 * 128 + 6 * 128 * 128 + 128 * 10) * 2 + 2 * (6 * 128 * 128 + 128 * 10)
    flops = 3 * per_sample * 512
    timing = {
        "seconds": 6.0,
        "flops": flops,
        "peak": 100.0,
        "diverged": False,
        "run_seconds": 9.5,
        "started_at": 1000.0,
        "finished_at": 1010.0,
    }
    rec = make_record(
        case,
        profile,
        7,
        torch.device("cpu"),
        tiny_data,
        phases,
        history,
        (0.75, 0.625),
        timing,
        True,
        "aten",
    )
    assert (rec["test_acc"], rec["test_loss"], rec["seed"], rec["epochs"]) == (0.625, 0.75, 7, 3)
    assert rec["best_val_acc"] == 0.9
    assert rec["convergence_epoch"] == 2 and rec["plateau_epoch"] == 3
    assert rec["vanishing_ratio"] == {"epoch1": pytest.approx(1e-4 / 4e-2), "final": 0.5}
    assert rec["seconds_per_epoch"] == 2.0
    assert rec["samples_per_second"] == 512 * 3 / 6.0
    assert rec["flops_per_epoch"] == per_sample * 512 == 998_912 * 512
    assert rec["gflops_per_second"] == pytest.approx(flops / 6.0 / 1e9)
    assert rec["mfu"] == pytest.approx(flops / 6.0 / 100e9)
    assert (rec["n_train"], rec["n_val"], rec["n_test"]) == (512, 128, 128)
    assert rec["layers"] == ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "out"]
    assert rec["phases"] == [
        {
            "name": "all",
            "epochs": 3,
            "active_depth": 7,
            "trainable": list(range(7)),
            "frozen": [],
            "head": "head 1",
            "new_optimizer": False,
        }
    ]
    assert rec["flush_denormal"] is True and rec["linear_kernel"] == "aten"
    assert (rec["run_seconds"], rec["started_at"], rec["finished_at"]) == (9.5, 1000.0, 1010.0)
    # what ran, where and with what: the case's own words, this interpreter and package
    assert (rec["case"], rec["family"], rec["profile"]) == ("baseline", "problem", "smoke")
    assert rec["description"] == "Model 3: 7x128 sigmoid, N(0, 0.05), SGD lr 1e-2"
    assert rec["wiring"] == "784 -> 7 x [Linear -> sigmoid] -> Linear 10"
    assert rec["python"] == platform.python_version() and rec["torch"] == torch.__version__
    assert rec["code_version"] == vgmodels.__version__ == rec["code"]["version"]
    assert (rec["schema"], rec["device"], rec["concurrent_runs"]) == ("vgmodels.record/1", "cpu", 1)
    assert rec["threads"] == torch.get_num_threads()
    model, train = rec["config"]["model"], rec["config"]["train"]
    assert (model["depth"], model["width"], model["activation"]) == (7, 128, "sigmoid")
    assert (model["init"], model["init_std"], train["optimizer"], train["lr"]) == (
        "normal",
        0.05,
        "sgd",
        0.01,
    )


def test_record_of_a_run_that_never_converged_nor_ran(tiny_data):
    case, profile = REMEDIES["baseline"], Profile("smoke", epochs=2, seeds=1)
    timing = {
        "seconds": 0.0,
        "flops": 0.0,
        "peak": 100.0,
        "diverged": True,
        "run_seconds": 1.0,
        "started_at": 0.0,
        "finished_at": 1.0,
    }
    args = (case, profile, 0, torch.device("cpu"), tiny_data, phases_for("none", 2))
    rec = make_record(
        *args, _history([0.1, 0.79], [[1.0] * 8] * 2), (float("nan"), 0.1), timing, False, "aten"
    )
    assert rec["convergence_epoch"] is None and rec["plateau_epoch"] == 2
    assert rec["test_loss"] is None and rec["diverged"] is True
    assert rec["samples_per_second"] is None and rec["gflops_per_second"] is None
    assert rec["mfu"] is None and rec["flush_denormal"] is False
    empty = make_record(*args, [], (1.0, 0.1), timing, True, "aten")
    assert empty["best_val_acc"] is None and empty["vanishing_ratio"] == {
        "epoch1": None,
        "final": None,
    }
    assert empty["seconds_per_epoch"] == 0.0 and empty["flops_per_epoch"] == 0.0
    # the last hidden layer without any gradient: the ratio is infinite, stored as null (JSON-safe)
    silent = _history([0.5], [[1.0, 1, 1, 1, 1, 1, 0.0, 1.0]])
    one = timing | {"seconds": 3.0, "flops": 7e6}  # one epoch: the totals are the epoch's
    rec = make_record(*args[:-1], phases_for("none", 1), silent, (1.0, 0.5), one, True, "aten")
    assert rec["vanishing_ratio"] == {"epoch1": None, "final": None}
    assert rec["flops_per_epoch"] == 7e6 and rec["seconds_per_epoch"] == 3.0
    json.dumps(rec, allow_nan=False)


@pytest.mark.parametrize(
    ("platform_name", "maxrss", "mib"), [("linux", 3 * 2**10, 3.0), ("darwin", 5 * 2**20, 5.0)]
)
def test_peak_rss_is_in_mib_from_linuxs_kib_and_macoss_bytes(
    monkeypatch, platform_name, maxrss, mib
):
    monkeypatch.setattr(sys, "platform", platform_name)
    monkeypatch.setattr(resource, "getrusage", lambda who: types.SimpleNamespace(ru_maxrss=maxrss))
    assert peak_rss_mb() == mib


def test_a_run_without_data_loads_the_profiles_split_sizes(monkeypatch, tiny_data):
    asked = []
    monkeypatch.setattr(trainer, "load_fashion_mnist", lambda **kw: asked.append(kw) or tiny_data)
    profile = Profile("t", 1, 1, n_train=64, n_val=32, n_test=16, probe_size=16)
    run = trainer.Run(REMEDIES["relu"], profile, 0, "cpu")
    assert asked == [{"n_train": 64, "n_val": 32, "n_test": 16}] and run.n_train == 512


def test_a_run_defaults_to_the_auto_device_and_flushes_denormals_unless_told(tiny_data):
    profile = Profile("t", 1, 1, probe_size=16)
    denormal = torch.tensor([1e-39])  # below float32's smallest normal, 1.18e-38
    run = trainer.Run(REMEDIES["relu"], profile, data=tiny_data)
    auto = "cuda" if torch.cuda.is_available() else "cpu"
    assert run.dev.type == auto and run.flush_denormal is True and run.seed == 0
    given = trainer.Run(REMEDIES["relu"], profile, 0, torch.device("cpu"), tiny_data)
    assert given.dev == torch.device("cpu")  # a torch.device is taken as it is
    if auto == "cpu":
        assert (denormal * 2).item() == 0.0  # flushed to zero
        trainer.Run(REMEDIES["relu"], profile, 0, "cpu", tiny_data, flush_denormal=False)
        try:
            assert (denormal * 2).item() == pytest.approx(2e-39)
        finally:
            torch.set_flush_denormal(True)  # as every run with the default leaves it


def test_an_epochs_sums_start_at_zero_one_per_seed_and_layer():
    one = new_sums(3, torch.device("cpu"))
    assert [t.shape for t in one.tensors()] == [(), (), (3,)]
    stacked = new_sums(3, torch.device("cpu"), (2,))
    assert [t.shape for t in stacked.tensors()] == [(2,), (2,), (2, 3)]
    assert stacked.correct.dtype == torch.long and stacked.loss.dtype == torch.float32
    assert all(not t.any() for t in stacked.tensors())


def test_wall_clock_fields_bracket_the_run_on_one_clock(monkeypatch, tiny_data, tiny_profile):
    # one fake clock behind both time.time and time.perf_counter, one second a reading: the
    # brackets hold exactly, with no slack for two clocks read at different moments
    now = itertools.count(1.0)
    fake = types.SimpleNamespace(time=lambda: next(now), perf_counter=lambda: next(now))
    monkeypatch.setattr(trainer, "time", fake)
    rec = train_case(REMEDIES["relu"], tiny_profile, 0, "cpu", tiny_data)
    assert [h["seconds"] for h in rec["history"]] == [1.0, 1.0]  # two readings around each epoch
    assert rec["train_seconds"] == 2.0
    assert rec["started_at"] < rec["finished_at"]
    assert rec["train_seconds"] < rec["run_seconds"] < rec["finished_at"] - rec["started_at"]


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
    assert (a["seed"], c["seed"], a["flush_denormal"]) == (3, 4, True)


def test_train_case_defaults_to_seed_0_the_auto_device_and_flush_to_zero(tiny_data, tiny_profile):
    one = tiny_profile.with_epochs(1)
    rec = train_case(REMEDIES["relu"], one, data=tiny_data)
    auto = "cuda" if torch.cuda.is_available() else "cpu"
    assert (rec["seed"], rec["device"], rec["flush_denormal"]) == (0, auto, True)
    assert _strip_timing(rec) == _strip_timing(
        train_case(REMEDIES["relu"], one, 0, auto, tiny_data)
    )
    off = train_case(REMEDIES["relu"], one, 0, "cpu", tiny_data, flush_denormal=False)
    assert off["flush_denormal"] is False


def test_divergence_is_recorded_not_raised(tiny_data):
    rec = train_case(REMEDIES["relu_std1"], Profile("t", 5, 1, probe_size=32), 0, "cpu", tiny_data)
    assert rec["diverged"] is True
    assert rec["epochs_run"] < 5
    assert rec["history"][-1]["train_loss"] is None or not math.isfinite(
        rec["history"][-1]["val_loss"] or math.nan
    )
    json.dumps(rec, allow_nan=False)


def test_resnet_case_runs_the_hand_built_residual_forward_with_its_training_set_up(tiny_data):
    """resnet_bn_relu: the train split's pixel statistics, pre-activation BN-ReLU blocks (batch
    statistics in training mode), AdamW with weight decay 0.05, one cycle, label smoothing 0.1."""
    F = torch.nn.functional
    run = trainer.Run(
        REMEDIES["resnet_bn_relu"], Profile("t", 2, 1, probe_size=16), 0, "cpu", tiny_data
    )
    model, x = run.model, tiny_data.val.x[:32]
    mean, std = tiny_data.train.x.mean(), tiny_data.train.x.std()
    assert (model.in_mean.item(), model.in_std.item()) == (mean.item(), std.item())

    def bn(t, norm):  # training mode: the batch's own statistics, biased variance
        return F.batch_norm(t, None, None, norm.weight, norm.bias, training=True, eps=norm.eps)

    with torch.no_grad():
        for p in model.parameters():  # BatchNorm's affine away from (1, 0): every term shows
            p.add_(0.1 * torch.randn_like(p))
        h = F.linear((x - mean) / std, model.stem.weight, model.stem.bias)
        for b in model.blocks:
            inner = F.linear(torch.relu(bn(h, b.norm1)), b.linear1.weight, b.linear1.bias)
            h = h + F.linear(torch.relu(bn(inner, b.norm2)), b.linear2.weight, b.linear2.bias)
        want = F.linear(torch.relu(bn(h, model.final_norm)), model.head.weight, model.head.bias)
        model.train()
        assert len(model.blocks) == 3  # stem + 3 blocks of two = 7 hidden Linears
        torch.testing.assert_close(model(x), want, rtol=1e-5, atol=1e-5)
    assert type(run.opt) is torch.optim.AdamW
    group = run.opt.param_groups[0]
    assert group["weight_decay"] == 0.05
    assert run.loss_fn.label_smoothing == 0.1
    # one cycle over both epochs' steps (512 samples in batches of 512: one a epoch), peak 3e-3
    assert isinstance(run.sched, torch.optim.lr_scheduler.OneCycleLR)
    assert run.sched.total_steps == 2
    assert group["max_lr"] == 3e-3 and group["initial_lr"] == pytest.approx(3e-3 / 25)


def test_layerwise_budget_matches_profile(tiny_data):
    rec = train_case(
        REMEDIES["layerwise_paper"], Profile("t", 9, 1, probe_size=32), 0, "cpu", tiny_data
    )
    assert rec["epochs"] == 9 and [p["epochs"] for p in rec["phases"]] == [1, 1, 1, 1, 1, 1, 3]
