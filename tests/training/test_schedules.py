"""Layer-wise schedules: budget split, and which layers learn in each phase."""

import pytest
import torch

from vgmodels.models import DeepMLP
from vgmodels.profiles import Profile
from vgmodels.remedies import REMEDIES
from vgmodels.training.schedules import phases_for, split_budget
from vgmodels.training.trainer import train_case


def test_split_budget_follows_proportions():
    assert split_budget([1, 1, 1, 1, 1, 1, 3], 90) == [10, 10, 10, 10, 10, 10, 30]
    assert sum(split_budget([1, 1, 1, 1, 1, 1, 3], 20)) == 20
    assert split_budget([1, 1, 1, 1], 2) == [1, 1, 1, 1]  # at least one epoch a phase


def test_paper300_uses_the_exact_paper_epochs():
    phases = phases_for("layerwise_paper", 300, exact=True)
    assert [p.epochs for p in phases] == [100] * 6 + [300]
    assert sum(p.epochs for p in phases_for("layerwise_greedy", 300, exact=True)) == 300


def test_full_budget_gives_every_stage_the_profile_epochs():
    assert [p.epochs for p in phases_for("layerwise_paper", 100, budget="full")] == [100] * 6 + [
        300
    ]
    assert [p.epochs for p in phases_for("layerwise_greedy", 20, budget="full")] == [20] * 4
    assert [p.epochs for p in phases_for("layerwise_greedy", 100)] == [25] * 4


def test_article_schedule_grows_2_4_4_6_6_7_7():
    phases = phases_for("layerwise_paper", 9)
    assert [p.active_depth for p in phases] == [2, 4, 4, 6, 6, 7, 7]
    assert [p.trainable for p in phases] == [
        (0, 1),
        (2, 3),
        (0, 1, 2, 3),
        (4, 5),
        (0, 1, 2, 3, 4, 5),
        (6,),
        tuple(range(7)),
    ]
    assert [p.frozen for p in phases] == [(), (0, 1), (), (0, 1, 2, 3), (), tuple(range(6)), ()]
    assert [p.grow for p in phases] == [True, True, False, True, False, True, False]


def test_course_schedule_grows_2_4_6_7_with_a_new_head_each_stage():
    phases = phases_for("layerwise_greedy", 4)
    assert [p.active_depth for p in phases] == [2, 4, 6, 7]
    assert [p.trainable for p in phases] == [(0, 1), (2, 3), (4, 5), tuple(range(7))]
    assert [p.frozen for p in phases] == [(), (0, 1), (0, 1, 2, 3), ()]
    assert all(p.grow for p in phases)


def _weights_per_epoch(case_id, tiny_data, epochs, monkeypatch):
    """Train the case; snapshot every hidden weight and the head object after each epoch."""
    import vgmodels.training.trainer as train_mod

    snapshots, heads = [], []
    original = train_mod.evaluate

    def spy(model, split, batch=8192):
        if len(split) == len(tiny_data.val):
            snapshots.append([layer.linear.weight.detach().clone() for layer in model.hidden])
            heads.append(model.head)
        return original(model, split, batch)

    monkeypatch.setattr(train_mod, "evaluate", spy)
    profile = Profile("t", epochs, 1, probe_size=32)
    rec = train_case(REMEDIES[case_id], profile, 0, "cpu", tiny_data)
    return rec, snapshots, heads


def _changed(a, b):
    return [not torch.equal(x, y) for x, y in zip(a, b, strict=True)]


@pytest.mark.parametrize("case_id", ["layerwise_paper", "layerwise_greedy"])
def test_layerwise_trains_exactly_the_phase_layers_and_renews_the_head(
    case_id, tiny_data, monkeypatch
):
    epochs = 9 if case_id == "layerwise_paper" else 4
    rec, snaps, heads = _weights_per_epoch(case_id, tiny_data, epochs, monkeypatch)
    torch.manual_seed(0)
    init = [
        layer.linear.weight.detach().clone() for layer in DeepMLP(REMEDIES[case_id].model).hidden
    ]
    states = [init] + snaps
    phases = rec["phases"]
    assert [p["active_depth"] for p in phases] == (
        [2, 4, 4, 6, 6, 7, 7] if case_id == "layerwise_paper" else [2, 4, 6, 7]
    )
    by_name = {p["name"]: p for p in phases}
    for e, row in enumerate(rec["history"]):
        spec = by_name[row["phase"]]
        learns = [i in spec["trainable"] for i in range(7)]
        # frozen and not-yet-grown layers are bit-identical after the epoch; the others moved
        assert _changed(states[e], states[e + 1]) == learns, (e + 1, row["phase"])
        assert [g is not None for g in row["grad_norm"][:7]] == learns
        assert row["grad_norm"][7] is not None  # the head always learns
        grown = [i < spec["active_depth"] for i in range(7)]
        assert [a is not None for a in row["act_mean"]] == grown
    # a new head object exactly at each growth, the same head otherwise
    first_epoch = [
        e
        for e, row in enumerate(rec["history"])
        if e == 0 or row["phase"] != rec["history"][e - 1]["phase"]
    ]
    for e in range(1, len(heads)):
        grows = e in first_epoch and by_name[rec["history"][e]["phase"]]["new_optimizer"]
        assert (heads[e] is not heads[e - 1]) == grows, e
    assert [p["head"] for p in phases][:2] == ["head 1 (new)", "head 2 (new)"]


def test_split_budget_gives_the_leftover_epochs_to_the_largest_remainders():
    # 10 x [1,1,1,1,1,1,3] / 9: six parts of 1.11 and one of 3.33 -> 1 each and 3, one left over,
    # which goes to the largest remainder (0.33, the last part), not to the first part
    assert split_budget([1] * 6 + [3], 10) == [1, 1, 1, 1, 1, 1, 4]
    assert split_budget([3, 1], 5) == [4, 1]  # 3.75 and 1.25: the 0.75 remainder wins


def test_no_schedule_is_one_phase_with_every_layer_learning():
    (p,) = phases_for("none", 20, depth=5)
    assert (p.epochs, p.trainable, p.active_depth, p.grow) == (20, (0, 1, 2, 3, 4), 5, False)


def test_bad_schedule_names_what_is_accepted():
    with pytest.raises(ValueError, match="accepted: none, layerwise_paper, layerwise_greedy"):
        phases_for("layerwise", 20)
    with pytest.raises(ValueError, match="accepted: split, full"):
        phases_for("layerwise_paper", 20, budget="half")
    with pytest.raises(ValueError, match="defined for 7 hidden layers, got 5"):
        phases_for("layerwise_greedy", 20, depth=5)


def test_split_budget_hands_leftovers_by_remainder_one_each_in_turn():
    # 7 x 3/5 = 4.2 and 7 x 2/5 = 2.8: the smaller share has the larger remainder and gets the epoch
    assert split_budget([3, 2], 7) == [4, 3]
    # three equal shares of 5 (1.67 each): two leftovers, to the first two in turn
    assert split_budget([1, 1, 1], 5) == [2, 2, 1]
    # four equal shares of 7 (1.75 each): three leftovers, one to each of the first three
    assert split_budget([1, 1, 1, 1], 7) == [2, 2, 2, 1]


def test_case_phases_take_the_recurrent_budget_and_the_exact_layer_wise_one():
    from vgmodels.profiles import RECURRENT_PAPER, get_profile
    from vgmodels.remedies import REMEDIES
    from vgmodels.training.schedules import case_phases

    paper, paper300 = get_profile("paper"), get_profile("paper300")
    (rnn,) = case_phases(REMEDIES["rnn"], paper)
    assert rnn.epochs == RECURRENT_PAPER == 50
    (mlp,) = case_phases(REMEDIES["baseline"], paper)
    assert mlp.epochs == 100
    exact = [p.epochs for p in case_phases(REMEDIES["layerwise_paper"], paper300)]
    assert exact == [100] * 6 + [300]  # the article's own 6 x 100 + 300


def test_the_defaults_split_the_budget_and_the_full_cases_keep_their_own():
    from vgmodels.profiles import get_profile
    from vgmodels.remedies import REMEDIES
    from vgmodels.training.schedules import case_phases

    # 90 epochs over the article's 2-2-2-1 weights (1 x 6, 3): 10 a stage, 30 the last
    assert [p.epochs for p in phases_for("layerwise_paper", 90)] == [10] * 6 + [30]
    full = case_phases(REMEDIES["layerwise_paper_full"], get_profile("paper"))
    assert [p.epochs for p in full] == [100] * 6 + [300]  # every stage the profile's 100
