"""Deliberate breakages of the remedies, each run at the smoke profile: the regression gate must
fail every one against the committed smoke baseline, on the quantity the breakage moves."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from vgmodels.check import compare, validate_baseline
from vgmodels.data import load_fashion_mnist
from vgmodels.models.layers import GradientNormalization
from vgmodels.models.mlp import DeepMLP
from vgmodels.profiles import get_profile
from vgmodels.remedies import REMEDIES
from vgmodels.results import read_json
from vgmodels.training import schedules
from vgmodels.training import trainer as train

pytestmark = pytest.mark.realdata

BASELINE = Path(__file__).parents[1] / "bench" / "baselines" / "smoke.json"
SMOKE = get_profile("smoke")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread, as the baseline's seeds trained (and no stalls when the cores are shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return load_fashion_mnist(n_train=SMOKE.n_train, n_val=SMOKE.n_val, n_test=SMOKE.n_test)


@pytest.fixture(scope="module")
def baseline():
    base = validate_baseline(read_json(BASELINE), str(BASELINE))
    assert all("fingerprint" in e for e in base["cases"].values()), "regenerate the baseline"
    return base


def run(case, data):
    """The case's seed-0 record at the smoke profile, as `make test` trains it."""
    return train.train_case(case, SMOKE, 0, "cpu", data)


def verdict(record, baseline):
    (row,) = [
        r for r in compare([record], baseline, allow_missing=True) if r.case == record["case"]
    ]
    return row


def model(case_id, **kw):
    case = REMEDIES[case_id]
    return replace(case, model=replace(case.model, **kw))


def trained(case_id, **kw):
    case = REMEDIES[case_id]
    return replace(case, train=replace(case.train, **kw))


def freeze_hidden(monkeypatch):
    """Every hidden layer frozen in every phase: only the output layer learns."""
    real = train.apply_phase

    def frozen(m, phase):
        real(m, phase)
        m.hidden.requires_grad_(False)
        return [len(train.layer_weights(m)) - 1]

    monkeypatch.setattr(train, "apply_phase", frozen)


def constant_predictor(monkeypatch):
    """The output ignores the input: logits are the head's bias for every image."""
    real = DeepMLP.forward
    monkeypatch.setattr(
        DeepMLP, "forward", lambda self, x, record=None: real(self, x, record) * 0 + self.head.bias
    )


def grad_norm_at_output(monkeypatch):
    """The gradient normalization moved from after each hidden sigmoid to after the output layer."""
    real = DeepMLP.forward
    monkeypatch.setattr(
        DeepMLP,
        "forward",
        lambda self, x, record=None: GradientNormalization()(real(self, x, record)),
    )


def reversed_phases(monkeypatch):
    monkeypatch.setitem(
        schedules.SCHEDULES, "layerwise_greedy", schedules.SCHEDULES["layerwise_greedy"][::-1]
    )


# id: (the broken case, a monkeypatch to apply or None, the quantities the gate must name)
MUTATIONS = {
    # without the adds h1 -> h3 and h4 -> h7 the first layers' gradients vanish again (~3-4 decades)
    "skip adds removed": (lambda: model("skip", skip="none"), None, {"grad_log10"}),
    # normalizing the logits' gradient instead of each hidden layer's leaves the hidden ones tiny
    "gradient normalization moved to the output": (
        lambda: model("grad_norm", grad_norm="none"),
        grad_norm_at_output,
        {"grad_log10"},
    ),
    # batchnorm reaches ~0.76 in smoke; without the norm the sigmoids saturate: chance
    "BatchNorm dropped": (
        lambda: model("batchnorm", norm="none"),
        None,
        {"test_acc", "grad_log10"},
    ),
    # tanh's gradients are flat over depth (~1e-1.7); sigmoid's fall 4 decades to the first layer
    "tanh replaced by sigmoid": (lambda: model("tanh", activation="sigmoid"), None, {"grad_log10"}),
    "learning rate 0": (lambda: trained("batchnorm", lr=0.0), None, {"test_acc", "train_loss"}),
    # frozen layers record no gradient: null where the baseline has one
    "every hidden layer frozen": (lambda: REMEDIES["batchnorm"], freeze_hidden, {"grad_log10"}),
    # N(0, 0.1) instead of N(0, 0.05): each layer's backward gain doubles, h1's gradient 2 decades up
    "init std doubled": (lambda: model("baseline", init_std=0.1), None, {"grad_log10"}),
    "He init replaced by N(0, 0.05)": (
        lambda: model("kaiming_relu", init="normal"),
        None,
        {"test_acc", "grad_log10"},
    ),
    # the last stage first: all 7 layers learn in epoch 1 where the baseline trains h1-h2 alone
    "layer-wise phases in reverse order": (
        lambda: REMEDIES["layerwise_greedy"],
        reversed_phases,
        {"grad_log10"},
    ),
    "constant predictor (a learning case)": (
        lambda: REMEDIES["batchnorm"],
        constant_predictor,
        {"test_acc", "grad_log10"},
    ),
    # at chance its accuracy matches the baseline case's; no gradient reaches any layer though
    "constant predictor (a chance-level case)": (
        lambda: REMEDIES["baseline"],
        constant_predictor,
        {"grad_log10"},
    ),
    "gradient clipping removed": (lambda: trained("grad_clip", clip_norm=None), None, {"diverged"}),
    "Adam replaced by SGD": (
        lambda: trained("adam", optimizer="sgd", lr=1e-2),
        None,
        {"test_acc", "train_loss"},
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_gate_fails_the_mutation_on_the_quantity_it_moves(name, monkeypatch, data, baseline):
    make, patch, quantities = MUTATIONS[name]
    if patch is not None:
        patch(monkeypatch)
    row = verdict(run(make(), data), baseline)
    assert row.regressed, row.reason
    assert quantities <= {m.quantity for m in row.moved}, row.reason


@pytest.fixture(scope="module")
def honest(data):
    return {c: run(REMEDIES[c], data) for c in ("baseline", "skip", "batchnorm", "adam", "relu")}


@pytest.mark.parametrize(
    ("name", "quantity"),
    [
        ("skip", "grad_log10"),
        ("batchnorm", "test_acc"),
        ("adam", "train_loss"),
        ("relu", "grad_log10"),
    ],
)
def test_baseline_run_named_as_another_case_fails_and_the_true_record_passes(
    honest, baseline, name, quantity
):
    assert verdict(honest[name], baseline).verdict == "ok", verdict(honest[name], baseline).reason
    row = verdict(dict(honest["baseline"], case=name), baseline)
    assert row.regressed and quantity in {m.quantity for m in row.moved}, row.reason


def _check(path, *flags):
    cmd = [sys.executable, "-m", "vgmodels.check", str(path), "--baseline", str(BASELINE), *flags]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_cli_relabelled_fails_with_allow_missing_and_a_subset_fails_without(honest, tmp_path):
    path = tmp_path / "skip.json"
    path.write_text(json.dumps(dict(honest["baseline"], case="skip")))
    out = _check(path, "--allow-missing")
    assert out.returncode == 1 and "regression: skip" in out.stderr, out.stdout + out.stderr
    path.write_text(json.dumps(honest["skip"]))
    assert _check(path, "--allow-missing").returncode == 0
    out = _check(path)  # every other case of the baseline is missing
    assert out.returncode == 1 and "MISSING" in out.stdout and "regression: depth3" in out.stderr
