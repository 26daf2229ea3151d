"""2-D error surfaces and optimizer paths on them: the SDAGD paper's illustration, computed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from vgmodels.optim import SDAGD

STEPS = 400  # steps per run
TOL = 0.05  # "reached": within this distance of the global minimum
# the rule that picks each optimizer's step size (lr; SDAGD's radius R) on each surface: the value
# of this half-decade grid that reaches the global minimum in the fewest steps (ties: the closer
# end point); when none reaches it, the value with the lowest final loss. Other settings: defaults.
GRID = tuple(10 ** (k / 2) for k in range(-6, 3))  # 1e-3 ... 10


def _gauss(p: torch.Tensor, centre: tuple[float, float], s: float) -> torch.Tensor:
    d = p - p.new_tensor(centre)  # (..., 2)
    return torch.exp(-(d * d).sum(-1) / (2 * s * s))  # (...)


def hilly(p: torch.Tensor) -> torch.Tensor:
    """A bowl with three Gaussian wells (one deepest) and a hill between them."""
    return (
        0.04 * (p * p).sum(-1)
        - 1.5 * _gauss(p, (1.5, 1.5), 0.8)
        - 0.9 * _gauss(p, (-1.6, 1.0), 0.7)
        - 0.8 * _gauss(p, (0.4, -1.7), 0.7)
        + 0.6 * _gauss(p, (0.0, 0.3), 0.5)
    )


TRENCH_CENTRE = (1.0, 0.5)
TRENCH_AXIS = (math.cos(math.pi / 6), math.sin(math.pi / 6))  # the trench runs at 30 degrees


def trench(p: torch.Tensor) -> torch.Tensor:
    """A long, narrow (width 0.12), deep Gaussian trench in a shallow bowl with the same centre."""
    d = p - p.new_tensor(TRENCH_CENTRE)  # (..., 2)
    along = d @ p.new_tensor(TRENCH_AXIS)  # (...)
    across = d @ p.new_tensor((-TRENCH_AXIS[1], TRENCH_AXIS[0]))  # (...)
    well = torch.exp(-0.5 * ((along / 2.5) ** 2 + (across / 0.12) ** 2))
    return 0.03 * (d * d).sum(-1) - 3.0 * well


def plateau(p: torch.Tensor) -> torch.Tensor:
    """One Gaussian well on a flat plain: the gradient at the start is about 6e-6."""
    return -_gauss(p, (1.0, 1.0), 0.6)


@dataclass(frozen=True)
class Surface:
    """A 2-D function with its global minimum, its local minima, a start and a plot extent."""

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    minimum: tuple[float, float]
    local_minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    extent: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax


# hilly's minima are Newton's method's fixed points from the wells' centres (gradient < 1e-15)
SURFACES = {
    s.name: s
    for s in (
        Surface(
            "hilly", hilly, (1.451667764228940, 1.451458512012230),
            ((-1.537766416506054, 0.961462517789775), (0.381698721226219, -1.620491498113963)),
            (-2.5, -2.5), (-3.0, 3.0, -3.0, 3.0),
        ),
        Surface("trench", trench, TRENCH_CENTRE, (), (-1.5, 2.5), (-2.0, 3.5, -1.5, 3.0)),
        Surface("plateau", plateau, (1.0, 1.0), (), (-1.5, -1.0), (-2.0, 2.0, -1.5, 2.0)),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Path:
    """The points an optimizer visited (start first) and the step it settled within `tol`."""

    points: torch.Tensor  # (steps + 1, 2)
    values: torch.Tensor  # (steps + 1,)
    steps_to_minimum: int | None  # None: not reached


def steps_to_reach(points: torch.Tensor, minimum, tol: float = TOL) -> int | None:
    """The step from which every later point stays within `tol` of `minimum`; None if the last
    point is outside (a path that passes through and leaves has not reached it)."""
    outside = (points - points.new_tensor(minimum)).norm(dim=-1) > tol  # (n,)
    if outside[-1]:
        return None
    out = torch.nonzero(outside)
    return int(out[-1, 0]) + 1 if len(out) else 0


def descend(
    surface: Surface,
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    steps: int = STEPS,
    tol: float = TOL,
    start: tuple[float, float] | None = None,
    seed: int = 0,
) -> Path:
    """Run an optimizer from the surface's start (or `start`) for `steps` steps; return its path."""
    p = torch.tensor(surface.start if start is None else start, dtype=torch.float64)
    p.requires_grad_()
    opt = make_optimizer([p])
    # SDAGD differentiates the closure's loss itself (it needs a second backward pass)
    differentiate = not isinstance(opt, SDAGD)

    def closure():
        opt.zero_grad()
        loss = surface.fn(p)
        if differentiate:
            loss.backward()
        return loss

    points = [p.detach().clone()]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # SDAGD's Rademacher draws: the same path on every run
        for _ in range(steps):
            opt.step(closure)
            points.append(p.detach().clone())
    pts = torch.stack(points)  # (steps + 1, 2)
    with torch.no_grad():
        values = surface.fn(pts)  # (steps + 1,)
    return Path(pts, values, steps_to_reach(pts, surface.minimum, tol))


OPTIMIZERS: dict[str, Callable[[list[torch.Tensor], float], torch.optim.Optimizer]] = {
    "GD": lambda ps, s: torch.optim.SGD(ps, lr=s),
    "momentum": lambda ps, s: torch.optim.SGD(ps, lr=s, momentum=0.9),
    "AdaGrad": lambda ps, s: torch.optim.Adagrad(ps, lr=s),
    "AdaDelta": lambda ps, s: torch.optim.Adadelta(ps, lr=s),
    "Adam": lambda ps, s: torch.optim.Adam(ps, lr=s),
    "SDAGD": lambda ps, s: SDAGD(ps, radius=s),
}


def _rank(path: Path, minimum) -> tuple:
    end = float((path.points[-1] - path.points.new_tensor(minimum)).norm())
    if path.steps_to_minimum is not None:
        return (0, path.steps_to_minimum, end)
    final = float(path.values[-1])
    return (1, final if math.isfinite(final) else math.inf, end)


def tune(surface: Surface, optimizer: str, grid=GRID, steps: int = STEPS) -> tuple[float, Path]:
    """The grid's best step size for one optimizer on one surface (the rule above) and its path."""
    runs = [
        (s, descend(surface, lambda ps, s=s: OPTIMIZERS[optimizer](ps, s), steps)) for s in grid
    ]
    return min(runs, key=lambda run: _rank(run[1], surface.minimum))


def compare(surfaces=None, optimizers=None, grid=GRID, steps: int = STEPS) -> dict:
    """{surface: {optimizer: (step size, Path)}}, every optimizer tuned by the same rule."""
    surfaces = list(SURFACES.values()) if surfaces is None else surfaces
    names = list(OPTIMIZERS) if optimizers is None else optimizers
    return {s.name: {n: tune(s, n, grid, steps) for n in names} for s in surfaces}


def surface_grid(surface: Surface, n: int = 200) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The surface on an n x n grid over its extent: X, Y, Z, each (n, n)."""
    x0, x1, y0, y1 = surface.extent
    xs = torch.linspace(x0, x1, n, dtype=torch.float64)
    ys = torch.linspace(y0, y1, n, dtype=torch.float64)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")
    with torch.no_grad():
        Z = surface.fn(torch.stack([X, Y], dim=-1))  # (n, n)
    return X, Y, Z
