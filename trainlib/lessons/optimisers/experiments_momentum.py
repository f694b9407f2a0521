"""Momentum on the ill-conditioned valley (C31): how many steps, and the √κ speed-up.

- `momentum_path`: SGD with momentum μ (torch's form, optionally Nesterov) on `VALLEY`;
- `settle_step`: the first step from which the loss stays within the tolerance
  (`trainlib.train.steps_to_tolerance` gives the first step that *touches* it);
- `critical_damping`: the best α and μ for curvatures m … L and the contraction per step of
  momentum and of plain gradient descent (Goh, "Why Momentum Really Works", Distill 2017);
- `contraction_per_step`: the measured factor by which the distance to the minimum shrinks per
  step at the end of a run;
- `MOMENTUM_GRID`, `MOMENTUM_LRS`: the live figure's μ and α; `momentum_table` caches its runs.

Every run is `trainlib.train.descend` with `trainlib.optim.sgd`. numpy only.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from trainlib import optim
from trainlib.surfaces import valley
from trainlib.train import Path, descend, steps_to_tolerance
from trainlib.validation import check_int, check_positive, check_range

__all__ = [
    "MOMENTUM_GRID",
    "MOMENTUM_LRS",
    "MOMENTUM_STEPS",
    "MOMENTUM_TOL",
    "VALLEY",
    "VALLEY_CURVATURES",
    "Damping",
    "contraction_per_step",
    "critical_damping",
    "momentum_path",
    "momentum_rate",
    "momentum_row",
    "momentum_table",
    "settle_step",
    "valley_steps",
]

#: The valley of notebook 07: L = ½θᵀHθ, curvatures 1 and κ = 50, tilted by 30°; minimum 0.
VALLEY = valley
VALLEY_CURVATURES: tuple[float, float] = (1.0, 50.0)
MOMENTUM_STEPS = 200  # steps of every run (the race's length)
MOMENTUM_TOL = 1e-4  # "at the minimum" means L ≤ MOMENTUM_TOL (the race's tolerance)

#: The live figure's grids: μ from 0 (plain GD) to 0.95, α from 10⁻³ to 10⁻¹ in 81 log steps.
MOMENTUM_GRID: tuple[float, ...] = (0.0, 0.3, 0.5, 0.566, 0.6, 0.7, 0.8, 0.9, 0.95)
MOMENTUM_LRS: tuple[float, ...] = tuple(float(v) for v in np.round(np.geomspace(1e-3, 0.1, 81), 5))


def momentum_path(
    mu: float, lr: float, nesterov: bool = False, steps: int = MOMENTUM_STEPS
) -> Path:
    """`optim.sgd(lr, momentum=mu, nesterov=…)` for `steps` steps from the valley's start.

    Shapes: xs (steps + 1, 2), losses (steps + 1,) (shorter if it diverged: see `Path`).
    μ = 0 is plain gradient descent (then `nesterov` must be False).
    """
    mu = check_range("mu", mu, 0.0, 1.0, hi_closed=False)
    lr = check_positive("lr", lr)
    steps = check_int("steps", steps, minimum=1)
    opt = optim.sgd(lr, momentum=mu, nesterov=nesterov)
    return descend(VALLEY, VALLEY.start, opt, steps)


def settle_step(path: Path, tol: float = MOMENTUM_TOL) -> int | None:
    """First step t from which L(θₛ) ≤ tol for every s ≥ t until the end; None if never.

    A run that oscillates can dip below tol and leave again: `steps_to_tolerance` reports the
    dip, this the step from which it stays. None also for a diverged run.
    """
    tol = check_positive("tol", tol)
    if np.any(path.diverged):
        return None
    above = np.flatnonzero(np.asarray(path.losses) > tol)
    if len(above) == 0:
        return 0
    last = int(above[-1])
    return None if last == len(path.losses) - 1 else last + 1


def valley_steps(mu: float, lr: float, nesterov: bool = False) -> tuple[int | None, int | None]:
    """(first step with L ≤ tol, step from which L stays ≤ tol) of `momentum_path`; None: never."""
    path = momentum_path(mu, lr, nesterov)
    if np.any(path.diverged):
        return None, None
    return steps_to_tolerance(path, MOMENTUM_TOL, 0.0), settle_step(path)


class Damping(NamedTuple):
    """The best settings for curvatures m … L (condition number κ = L/m), and their rates.

    lr_momentum = (2/(√L + √m))², mu = ((√κ − 1)/(√κ + 1))², rate_momentum = √mu: the factor by
    which the distance to the minimum shrinks per step. lr_gd = 2/(m + L) and
    rate_gd = (κ − 1)/(κ + 1): the same for plain gradient descent at its best rate.
    """

    lr_momentum: float
    mu: float
    rate_momentum: float
    lr_gd: float
    rate_gd: float


def critical_damping(m: float = VALLEY_CURVATURES[0], L: float = VALLEY_CURVATURES[1]) -> Damping:
    """Optimal heavy-ball settings on a quadratic with curvatures in [m, L] (Goh, Distill 2017)."""
    m = check_positive("m", m)
    L = check_positive("L", L)
    if L < m:
        raise ValueError(f"L: expected the largest curvature, ≥ m = {m:g}, got {L:g}")
    root = np.sqrt(L / m)
    mu = float(((root - 1) / (root + 1)) ** 2)
    return Damping(
        lr_momentum=float((2 / (np.sqrt(L) + np.sqrt(m))) ** 2),
        mu=mu,
        rate_momentum=float(np.sqrt(mu)),
        lr_gd=2 / (m + L),
        rate_gd=float((L / m - 1) / (L / m + 1)),
    )


def momentum_rate(mu: float, lr: float, curvatures: tuple[float, ...] = VALLEY_CURVATURES) -> float:
    """Theory: the factor per step by which momentum shrinks the distance to the minimum.

    Along a direction of curvature λ, θₜ = (1 + μ − αλ)·θₜ₋₁ − μ·θₜ₋₂; the factor is the
    larger root's size of r² − (1 + μ − αλ)·r + μ = 0, the worst over the curvatures.
    μ = 0 gives plain GD's max |1 − αλ|. Above 1: the run diverges.
    """
    mu = check_range("mu", mu, 0.0, 1.0, hi_closed=False)
    lr = check_positive("lr", lr)
    worst = 0.0
    for lam in curvatures:
        roots = np.roots([1.0, -(1.0 + mu - lr * check_positive("curvatures", lam)), mu])
        worst = max(worst, float(np.max(np.abs(roots))))
    return worst


def contraction_per_step(path: Path, last: int = 40) -> float:
    """Measured shrink factor per step of the distance ‖θₜ‖ to the minimum (0), end of a run.

    (‖θ_T‖/‖θ_{T−last}‖)^(1/last) over the last `last` steps; the theory's rate, measured.
    """
    last = check_int("last", last, minimum=1)
    xs = np.asarray(path.xs)
    if len(xs) <= last:
        raise ValueError(f"last: expected fewer than the run's {len(xs)} iterates, got {last}")
    d = np.linalg.norm(xs, axis=-1)
    return float((d[-1] / d[-1 - last]) ** (1.0 / last))


def momentum_table(mu: float, lr: float) -> Path:
    """`momentum_path(mu, lr)`, computed once per (μ, α) (the live figure reads it).

    On the figure's grid (μ in `MOMENTUM_GRID`, α in `MOMENTUM_LRS`) the run comes from
    `momentum_row(mu)`, which runs every α of the grid at once; elsewhere `momentum_path`.
    """
    if mu in MOMENTUM_GRID and lr in MOMENTUM_LRS:
        return momentum_row(mu)[MOMENTUM_LRS.index(lr)]
    return _momentum_path_cached(mu, lr)


@functools.lru_cache(maxsize=256)
def _momentum_path_cached(mu: float, lr: float) -> Path:
    return momentum_path(mu, lr)


@functools.lru_cache(maxsize=len(MOMENTUM_GRID))
def momentum_row(mu: float) -> tuple[Path, ...]:
    """`momentum_path(mu, α)` for every α of `MOMENTUM_LRS`, in one `descend` of 81 points.

    Speed plumbing for the live figure (one slider move ≤ 17 ms): on a quadratic, momentum
    with rate α on L is momentum with rate 1 on αL (b ← μb + α∇L, θ ← θ − b is torch's rule
    with b scaled by α), so one run of `optim.sgd(1, momentum=μ)` with each point's gradient
    multiplied by its α gives all 81 paths. The losses are L's own. Same numbers as
    `momentum_path` up to rounding, and the same divergence steps (tested).
    """
    mu = check_range("mu", mu, 0.0, 1.0, hi_closed=False)
    lrs = np.asarray(MOMENTUM_LRS)[:, None]

    def scaled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, grad = VALLEY(x)
        return value, lrs * grad

    start = np.broadcast_to(np.asarray(VALLEY.start, dtype=float), (len(MOMENTUM_LRS), 2))
    run = descend(scaled, start, optim.sgd(1.0, momentum=mu), MOMENTUM_STEPS)
    paths = []
    for i, at in enumerate(np.asarray(run.diverged_at)):
        end = len(run.xs) if at < 0 else int(at)
        paths.append(
            Path(run.xs[:end, i], run.losses[:end, i], at >= 0, None if at < 0 else int(at))
        )
    return tuple(paths)
