"""Layer-wise schedules: budget split, and which layers learn in each phase."""

import torch

from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.schedules import phases_for, split_budget
from vgmodels.train import train_case


def test_split_budget_follows_proportions():
    assert split_budget([1, 1, 1, 1, 1, 1, 3], 90) == [10, 10, 10, 10, 10, 10, 30]
    assert sum(split_budget([1, 1, 1, 1, 1, 1, 3], 20)) == 20
    assert split_budget([1, 1, 1, 1], 2) == [1, 1, 1, 1]  # at least one epoch a phase


def test_paper300_uses_the_exact_paper_epochs():
    phases = phases_for("layerwise_paper", 300, exact=True)
    assert [p.epochs for p in phases] == [100] * 6 + [300]
    assert sum(p.epochs for p in phases_for("layerwise_greedy", 300, exact=True)) == 300


def test_paper_schedule_alternates_block_and_all():
    phases = phases_for("layerwise_paper", 9)
    assert [p.trainable for p in phases] == [
        (0, 1), (2, 3), tuple(range(7)), (4, 5), tuple(range(7)), (6,), tuple(range(7)),
    ]  # fmt: skip
    assert all(p.active_depth == 7 for p in phases)


def test_greedy_grows_the_network():
    phases = phases_for("layerwise_greedy", 4)
    assert [p.active_depth for p in phases] == [2, 4, 6, 7]
    assert [p.trainable for p in phases][:3] == [(0, 1), (2, 3), (4, 5)]


def _weights_per_epoch(case_id, tiny_data, epochs):
    snapshots = []
    import vgmodels.train as train_mod

    original = train_mod.evaluate

    def spy(model, split, batch=8192):
        if split is not None and len(split) == len(tiny_data.val):
            snapshots.append([layer.linear.weight.detach().clone() for layer in model.hidden])
        return original(model, split, batch)

    train_mod.evaluate = spy
    try:
        rec = train_case(
            REMEDIES[case_id], Profile("t", epochs, 1, probe_size=32), 0, "cpu", tiny_data
        )
    finally:
        train_mod.evaluate = original
    return rec, snapshots


def _changed(a, b):
    return [not torch.equal(x, y) for x, y in zip(a, b, strict=True)]


def test_layerwise_paper_freezes_exactly_the_other_blocks(tiny_data):
    rec, snaps = _weights_per_epoch("layerwise_paper", tiny_data, 9)
    from vgmodels.models import DeepMLP

    torch.manual_seed(0)
    init = [
        layer.linear.weight.detach().clone()
        for layer in DeepMLP(REMEDIES["layerwise_paper"].model).hidden
    ]
    states = [init] + snaps
    phase_of_epoch = [h["phase"] for h in rec["history"]]
    for e, phase in enumerate(phase_of_epoch):
        changed = _changed(states[e], states[e + 1])
        spec = next(p for p in rec["phases"] if p["name"] == phase)
        assert changed == [i in spec["trainable"] for i in range(7)], (e + 1, phase, changed)
        # frozen layers record no gradient at all
        grads = rec["history"][e]["grad_norm"]
        assert [g is not None for g in grads[:7]] == [i in spec["trainable"] for i in range(7)]


def test_layerwise_greedy_runs_only_grown_layers(tiny_data):
    rec, snaps = _weights_per_epoch("layerwise_greedy", tiny_data, 4)
    assert [h["phase"] for h in rec["history"]] == [
        "grow 1-2",
        "grow 3-4",
        "grow 5-6",
        "grow 7, all",
    ]
    first = rec["history"][0]
    assert first["act_mean"][2] is None and first["act_mean"][1] is not None  # layers 3-7 not grown
    assert _changed(snaps[0], snaps[1]) == [False, False, True, True, False, False, False]
    assert all(_changed(snaps[2], snaps[3]))
