"""The error surfaces' minima, and the runner's step count on paths worked out by hand."""

from __future__ import annotations

import pytest
import torch

from vgmodels.analysis.surfaces import (
    OPTIMIZERS,
    SURFACES,
    Surface,
    compare,
    descend,
    steps_to_reach,
    surface_grid,
    tune,
)
from vgmodels.optim import SDAGD

# 0.5 ||p||^2 from (1, 0): GD with lr 0.5 halves the point every step
BOWL = Surface("bowl", lambda p: 0.5 * (p * p).sum(-1), (0.0, 0.0), (), (1.0, 0.0), (-1, 1, -1, 1))


def _grad_hessian(fn, point):
    p = torch.tensor(point, dtype=torch.float64)
    # reverse over reverse: forward-mode AD would load TorchScript decompositions (a FutureWarning)
    return torch.func.grad(fn)(p), torch.func.jacrev(torch.func.grad(fn))(p)


@pytest.mark.parametrize("name", list(SURFACES))
def test_global_minimum_is_a_stationary_point_below_everything(name):
    s = SURFACES[name]
    g, h = _grad_hessian(s.fn, s.minimum)
    assert g.norm() < 1e-9
    assert torch.linalg.eigvalsh(h).min() > 0  # a minimum, not a saddle
    f_min = s.fn(torch.tensor(s.minimum, dtype=torch.float64))
    # no point of a fine grid over the plotted extent lies lower
    _, _, z = surface_grid(s, n=400)
    assert z.min() >= f_min - 1e-12
    for local in s.local_minima:
        g, h = _grad_hessian(s.fn, local)
        assert g.norm() < 1e-9
        assert torch.linalg.eigvalsh(h).min() > 0
        assert s.fn(torch.tensor(local, dtype=torch.float64)) > f_min + 0.1


def test_hilly_has_two_local_minima_and_the_plateau_a_tiny_start_gradient():
    assert len(SURFACES["hilly"].local_minima) == 2
    s = SURFACES["plateau"]
    g, _ = _grad_hessian(s.fn, s.start)
    assert 1e-7 < g.norm() < 1e-4


def test_steps_to_reach_counts_from_the_step_it_stays():
    pts = torch.tensor([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.01, 0.0], [0.0, 0.0]])
    assert steps_to_reach(pts, (0.0, 0.0), tol=0.05) == 3  # passes by at 1, leaves, settles at 3
    assert steps_to_reach(pts[:3], (0.0, 0.0), tol=0.05) is None
    assert steps_to_reach(pts[1:2], (0.0, 0.0), tol=0.05) == 0


def test_gd_on_the_bowl_reaches_the_minimum_at_the_hand_computed_step():
    # points 1, 0.5, 0.25, 0.125, 0.0625: the first within 0.1 is step 4
    path = descend(BOWL, lambda ps: torch.optim.SGD(ps, lr=0.5), steps=6, tol=0.1)
    expected_x = torch.tensor([0.5**k for k in range(7)], dtype=torch.float64)
    torch.testing.assert_close(path.points[:, 0], expected_x)
    assert path.steps_to_minimum == 4
    assert (
        descend(BOWL, lambda ps: torch.optim.SGD(ps, lr=0.5), steps=3, tol=0.1).steps_to_minimum
        is None
    )
    torch.testing.assert_close(path.values, 0.5 * expected_x**2)


def test_sdagd_runs_through_the_same_runner_reproducibly():
    # mu -> 0: a Newton step lands on the bowl's minimum at once
    path = descend(BOWL, lambda ps: SDAGD(ps, radius=1e12), steps=3)
    assert path.steps_to_minimum == 1
    hilly = SURFACES["hilly"]
    a = descend(hilly, lambda ps: SDAGD(ps, radius=0.1), steps=30)
    b = descend(hilly, lambda ps: SDAGD(ps, radius=0.1), steps=30)
    assert torch.equal(a.points, b.points)
    assert a.values[-1] < a.values[0]


def test_tune_picks_the_fewest_steps_then_a_finite_loss():
    lr, path = tune(BOWL, "GD", grid=(0.1, 0.5, 1.0), steps=20)
    assert lr == 1.0 and path.steps_to_minimum == 1  # lr 1 is Newton's step on this bowl
    lr, path = tune(BOWL, "GD", grid=(0.01, 2.5), steps=20)
    assert lr == 0.01 and path.steps_to_minimum is None  # 2.5 diverges, 0.01 is still on its way


def test_compare_runs_each_optimizer_by_its_own_update_rule():
    # bowl f = |p|^2 / 2 from (1, 0): the gradient is p itself, so each rule is a recurrence on x
    result = compare(surfaces=[BOWL], grid=(0.3,), steps=5)
    assert set(result) == {"bowl"} and list(result["bowl"]) == list(OPTIMIZERS)
    xs = {name: path.points[:, 0].tolist() for name, (_, path) in result["bowl"].items()}
    assert all(float(path.points[:, 1].abs().max()) == 0 for _, path in result["bowl"].values())
    assert xs["GD"] == pytest.approx([0.7**k for k in range(6)], abs=1e-12)
    x, v, momentum = 1.0, 0.0, [1.0]
    for _ in range(5):  # heavy ball: v <- 0.9 v + g, x <- x - 0.3 v
        v = 0.9 * v + x
        x -= 0.3 * v
        momentum.append(x)
    assert xs["momentum"] == pytest.approx(momentum, abs=1e-12)
    # AdaGrad and Adam normalize the first gradient: the first step is the step size itself
    assert xs["AdaGrad"][1] == pytest.approx(0.7, abs=1e-9)
    assert xs["Adam"][1] == pytest.approx(0.7, abs=1e-6)
    # with a choice, the rule takes the step size that reaches the minimum first (GD at 1: one step)
    step, path = compare(surfaces=[BOWL], optimizers=["GD"], grid=(0.1, 1.0), steps=5)["bowl"]["GD"]
    assert step == 1.0 and path.steps_to_minimum == 1


def test_report_table_and_figure_lay_out_the_result():
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from vgmodels.report.surface_figs import draw_surface_paths, step_size_table, steps_table

    result = compare(surfaces=[BOWL], optimizers=["GD", "SDAGD"], grid=(0.01, 0.5), steps=6)
    table = steps_table(result)
    assert list(table.index) == ["GD", "SDAGD"] and list(table.columns) == ["bowl"]
    assert table.loc["GD", "bowl"] == 5  # lr 0.5: 0.5**5 is the first point within TOL = 0.05
    assert step_size_table(result).loc["GD", "bowl"] == 0.5
    slow = {"bowl": {"GD": (0.01, descend(BOWL, lambda ps: torch.optim.SGD(ps, lr=0.01), 6))}}
    assert steps_table(slow)["bowl"].isna().all()  # not reached
    fig, ax = plt.subplots()
    draw_surface_paths(ax, BOWL, surface_grid(BOWL, n=20), result["bowl"])
    assert len(ax.lines) == 2 + 2  # two paths, the global minimum, the start
    plt.close(fig)
