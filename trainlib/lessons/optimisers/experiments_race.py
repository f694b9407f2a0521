"""The race of notebook 07 (C31, C37): six optimisers on a classic surface.

`run_race` races them once (`trainlib.train.race`), optionally with seeded gradient noise;
`race_paths` remembers the paths per (surface, optimiser, lr, noise) for the live figure,
`race_leaderboard` ranks them (after the whole race or at step k) and `leaderboard_rows`
writes that ranking as the table the figure shows. `adamw_in_race` is why AdamW does not
race: its weight decay pulls towards the origin. numpy only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from trainlib import optim
from trainlib.lessons.optimisers.experiments_adamw import STRETCHED_BOWL
from trainlib.surfaces import SURFACES, Surface
from trainlib.train import LeaderboardEntry, Path, leaderboard, race
from trainlib.validation import check_choice, check_int, check_positive

__all__ = [
    "DEFAULT_LRS",
    "NOISE_LEVELS",
    "OPTIMISER_NAMES",
    "LR_RANGES",
    "RACERS",
    "RACE_STEPS",
    "RACE_SURFACES",
    "RACE_TOL",
    "adamw_gap_after",
    "adamw_in_race",
    "escape_steps",
    "leaderboard_rows",
    "log_landscape",
    "make_optimizer",
    "race_leaderboard",
    "race_paths",
    "run_race",
    "truncate",
]

#: The six racers, in legend order. Each is built by `make_optimizer(name, lr)`. AdamW does
#: not race: with λ = 0 it is Adam bit for bit, with λ > 0 its decay adds a pull towards the
#: origin that speeds it up where the minimum is the origin and slows it elsewhere, so a race
#: would measure the decay (`adamw_in_race`, `adamw_gap_after` show it).
RACERS: tuple[str, ...] = ("SGD", "SGD+momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
#: Every name `make_optimizer` builds: the racers and AdamW (the sweep and `adamw_in_race`).
OPTIMISER_NAMES: tuple[str, ...] = (*RACERS, "AdamW")
#: Gradient-noise levels σ of the race's noise control: gₜ = ∇L(θₜ) + σ·ξₜ, ξₜ ~ N(0, I).
NOISE_LEVELS: tuple[float, ...] = (0.0, 0.1, 0.3, 1.0, 3.0)
NOISE_SEED = 0  # every noisy race draws the same noise sequence (common random numbers)

#: The race courses, by `Surface.name`.
RACE_SURFACES: dict[str, Surface] = {
    name: SURFACES[name] for name in ("Valley", "Saddle", "Rosenbrock", "Beale")
}

RACE_STEPS = 200  # steps of every race
RACE_TOL = 1e-4  # "reached the minimum" means L − L_min ≤ RACE_TOL

#: Starting learning rates per surface: rates that work on that course, not each racer's best
#: (the notebook says so and lets the reader retune them); the sliders go from there.
DEFAULT_LRS: dict[str, dict[str, float]] = {
    "Valley": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.0, "Nesterov": 10**-1.75, "AdaGrad": 10**0.5,
        "RMSProp": 10**-0.5, "Adam": 10**-0.25,
    },
    "Saddle": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-1.5, "Nesterov": 10**-0.75, "AdaGrad": 10**-0.5,
        "RMSProp": 10**-1.5, "Adam": 10**-1.0,
    },
    "Rosenbrock": {
        "SGD": 10**-2.5, "SGD+momentum": 10**-2.75, "Nesterov": 10**-3.0, "AdaGrad": 10**0.25,
        "RMSProp": 10**-1.0, "Adam": 10**-0.25,
    },
    "Beale": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.5, "Nesterov": 10**-2.5, "AdaGrad": 10**0.0,
        "RMSProp": 10**-1.0, "Adam": 10**-0.5,
    },
}  # fmt: skip

#: Learning-rate slider ranges as exponents of 10: wide enough to diverge (SGD, momentum)
#: or to wander off (the adaptive ones, whose steps are bounded by about lr).
LR_RANGES: dict[str, tuple[float, float]] = {
    "SGD": (-4.0, 0.0),
    "SGD+momentum": (-4.0, 0.0),
    "Nesterov": (-4.0, 0.0),
    "AdaGrad": (-3.0, 1.0),
    "RMSProp": (-4.0, 0.5),
    "Adam": (-4.0, 0.5),
}


def make_optimizer(name: str, lr: float, weight_decay: float | None = None) -> optim.Optimizer:
    """The optimiser `name` of `OPTIMISER_NAMES` with learning rate `lr`, else torch's defaults.

    SGD+momentum and Nesterov use μ = 0.9 (no dampening, torch's form); AdamW's weight_decay
    is torch's 0.01 unless given (only AdamW takes `weight_decay`).
    """
    check_choice("name", name, OPTIMISER_NAMES)
    lr = check_positive("lr", lr)
    if weight_decay is not None and name != "AdamW":
        raise ValueError(f"weight_decay: expected None for {name}, got {weight_decay!r}")
    if name == "SGD":
        return optim.sgd(lr)
    if name in ("SGD+momentum", "Nesterov"):
        return optim.sgd(lr, momentum=0.9, nesterov=name == "Nesterov")
    if name == "AdamW" and weight_decay is not None:
        return optim.adamw(lr, weight_decay=check_positive("weight_decay", weight_decay,
                                                           strict=False))  # fmt: skip
    return optim.OPTIMIZERS[name](lr)


def _surface(surface: str) -> Surface:
    check_choice("surface", surface, tuple(RACE_SURFACES))
    return RACE_SURFACES[surface]


def run_race(
    surface: str,
    lrs: Mapping[str, float] | None = None,
    steps: int = RACE_STEPS,
    noise: float = 0.0,
) -> dict[str, Path]:
    """Race every optimiser of `lrs` (default: all six at `DEFAULT_LRS`) from the surface's start.

    `noise` σ ≥ 0 adds σ·ξₜ, ξₜ ~ N(0, I), to every gradient, drawn from a generator seeded
    with NOISE_SEED; every racer sees the same noise (`trainlib.train.race`).
    Shapes: returns {name: Path} with xs (steps + 1, 2), losses (steps + 1,) (fewer if the
    optimiser diverged: see `trainlib.train.Path`). One call of `trainlib.train.race`.
    """
    surf = _surface(surface)
    lrs = DEFAULT_LRS[surface] if lrs is None else lrs
    opts = {name: make_optimizer(name, lr) for name, lr in lrs.items()}
    noise = check_positive("noise", noise, strict=False)
    kw = {"noise": noise, "rng": np.random.default_rng(NOISE_SEED)} if noise > 0 else {}
    return race(opts, surf, surf.start, check_int("steps", steps, minimum=1), **kw)


_RACE_CACHE: dict[tuple[str, str, float, int, float], Path] = {}


def race_paths(
    surface: str, lrs: Mapping[str, float], steps: int = RACE_STEPS, noise: float = 0.0
) -> dict[str, Path]:
    """`run_race`, remembering each (surface, optimiser, lr, steps, noise): only new ones run.

    The missing optimisers run together in one `run_race` call; a race is deterministic (its
    noise seeded, the same for every racer), so a cached path is the path a fresh call
    returns (tests/test_07_optimisers.py checks it).
    """
    keys = {name: (surface, name, float(lr), steps, float(noise)) for name, lr in lrs.items()}
    missing = {name: key[2] for name, key in keys.items() if key not in _RACE_CACHE}
    if missing:
        for name, path in run_race(surface, missing, steps, noise).items():
            _RACE_CACHE[keys[name]] = path
    return {name: _RACE_CACHE[key] for name, key in keys.items()}


def truncate(path: Path, step: int) -> Path:
    """The race `path` as it stood at step `step`: iterates and losses up to θ_step.

    A path that diverged at step t > `step` had not diverged yet at `step`.
    """
    step = check_int("step", step, minimum=0)
    if path.diverged and path.diverged_at <= step:
        return path
    k = min(step, path.steps)
    return Path(path.xs[: k + 1], path.losses[: k + 1], False, None)


@functools.lru_cache(maxsize=8)
def log_landscape(surface: str, n: int = 120) -> tuple[np.ndarray, tuple[float, ...]]:
    """log₁₀(L − L_min + 10⁻³) on an n×n grid over a race surface's window, and its extent.

    Shapes: (n, n) and (x0, x1, y0, y1). `surface` is a key of RACE_SURFACES or any other
    name for STRETCHED_BOWL (the AdamW figure's). Cached: figures share one grid.
    """
    surf = RACE_SURFACES[surface] if surface in RACE_SURFACES else STRETCHED_BOWL
    _, _, Z = surf.grid(n)
    (x0, x1), (y0, y1) = surf.window
    return np.log10(Z - surf.min_value + 1e-3), (x0, x1, y0, y1)


def race_leaderboard(
    paths: Mapping[str, Path], surface: str, tol: float = RACE_TOL, step: int | None = None
) -> list[LeaderboardEntry]:
    """`trainlib.train.leaderboard` of a race: final loss and first step with L − L_min ≤ tol.

    With `step`, the leaderboard as it stood at that step: "final" is the loss at θ_step and
    only arrivals up to it count (the live figure's board during playback).
    """
    if step is not None:
        paths = {name: truncate(p, step) for name, p in paths.items()}
    return leaderboard(paths, _surface(surface), tol)


def adamw_in_race(weight_decay: float = 0.01) -> dict[str, dict[str, tuple]]:
    """Adam and AdamW (same rate, AdamW with `weight_decay` and with 0) on every race surface.

    Shapes: {surface: {"Adam" | "AdamW" | "AdamW, λ = 0": (steps to RACE_TOL or None,
    final L − L_min, final θ (2,))}}. AdamW's decay θ ← θ − αλθ pulls towards the origin:
    it helps where the minimum is the origin (the valley) and slows the approach to any other
    minimum (`adamw_gap_after`: it gets there, much later).
    """
    out = {}
    for surface in RACE_SURFACES:
        surf, lr = RACE_SURFACES[surface], DEFAULT_LRS[surface]["Adam"]
        opts = {"Adam": make_optimizer("Adam", lr),
                "AdamW": make_optimizer("AdamW", lr, weight_decay=weight_decay),
                "AdamW, λ = 0": make_optimizer("AdamW", lr, weight_decay=0.0)}  # fmt: skip
        paths = race(opts, surf, surf.start, RACE_STEPS)
        board = {r.name: r for r in leaderboard(paths, surf, RACE_TOL)}
        out[surface] = {
            name: (board[name].steps_to_tol, board[name].final_loss - surf.min_value, p.final)
            for name, p in paths.items()
        }
    return out


def adamw_gap_after(
    surface: str, steps: tuple[int, ...], weight_decay: float = 0.01
) -> dict[int, float]:
    """L − L_min of AdamW (Adam's race rate, `weight_decay`) after each number of `steps`.

    Shapes: {steps: gap}. One run of max(steps) steps; AdamW's endpoint at step k is a
    snapshot that keeps creeping towards the surface's own minimum when λ|θ*| is small.
    """
    surf = _surface(surface)
    if not steps:
        raise ValueError(f"steps: expected at least one step count, got {steps!r}")
    n = max(check_int("steps", k, minimum=1) for k in steps)
    opt = make_optimizer("AdamW", DEFAULT_LRS[surface]["Adam"], weight_decay=weight_decay)
    path = race({"AdamW": opt}, surf, surf.start, n)["AdamW"]
    return {k: float(path.losses[k] - surf.min_value) for k in steps}


def escape_steps(paths: Mapping[str, Path], threshold: float = 0.5) -> dict[str, int | None]:
    """First step at which each saddle racer has |y| > threshold: it has left the saddle.

    Shapes: paths {name: Path with xs (k, 2)} → {name: step or None}. Leaving the saddle
    (escape) is a different race from settling into the minimum (`race_leaderboard`).
    """
    threshold = check_positive("threshold", threshold)
    out: dict[str, int | None] = {}
    for name, p in paths.items():
        away = np.abs(p.xs[:, 1]) > threshold
        out[name] = int(np.argmax(away)) if away.any() else None
    return out


def leaderboard_rows(
    paths: Mapping[str, Path], board: list[LeaderboardEntry], surface: str
) -> list[str]:
    """The leaderboard as fixed-width text rows: rank, name, first step within tol, final gap.

    A diverged optimiser's row says at which step it diverged instead.
    """
    min_value = _surface(surface).min_value
    rows = []
    for rank, entry in enumerate(board, start=1):
        p = paths[entry.name]
        if p.diverged and entry.final_loss == np.inf:
            result = f"diverged at step {p.diverged_at}"
        else:
            reached = "—" if entry.steps_to_tol is None else f"k={entry.steps_to_tol}"
            result = f"{reached:>7} {entry.final_loss - min_value:10.2e}"
        rows.append(f"{rank} {entry.name:<13}{result}")
    return rows


def stays_from(
    paths: Mapping[str, Path], surface: str, tol: float = RACE_TOL
) -> dict[str, int | None]:
    """First step from which each racer's L − L_min stays ≤ tol to the end of the race.

    Shapes: paths {name: Path} → {name: step or None (never settled, or diverged)}. The
    leaderboard ranks by the first touch; a racer that swings back out (RMSProp late on the
    valley) settles much later than it first touched.
    """
    tol = check_positive("tol", tol)
    min_value = _surface(surface).min_value
    out: dict[str, int | None] = {}
    for name, p in paths.items():
        gap = np.asarray(p.losses, dtype=float) - min_value
        if p.diverged or not np.all(np.isfinite(gap)):
            out[name] = None
            continue
        above = np.flatnonzero(gap > tol)
        last = int(above[-1]) if len(above) else -1
        out[name] = None if last == len(gap) - 1 else last + 1
    return out


def rates_along_race(name: str, surface: str, at: tuple[int, ...],
                     lr: float | None = None) -> dict[int, tuple]:  # fmt: skip
    """The racer `name`'s effective rate (`optim.effective_lr`) after each step of `at`, at its
    preset rate (or `lr`), and the largest eigenvalue of diag(rate)·H there (> 2: overshoots).

    Shapes: {step: ((2,) rate per coordinate, float)}. H is the surface's Hessian at the
    current point, by central differences of the gradient (exact for the quadratic valley).
    """
    surf = _surface(surface)
    steps = [check_int("at", k, minimum=1) for k in at]
    opt = make_optimizer(name, DEFAULT_LRS[surface][name] if lr is None else lr)
    p, out = surf.start.astype(float), {}
    state = opt.init(p)
    for k in range(1, max(steps) + 1):
        p, state = opt.step(p, surf.df(p), state)
        if k in steps:
            rate = np.broadcast_to(optim.effective_lr(state, opt), p.shape).astype(float)
            h = 1e-4 * np.eye(2)
            hess = np.stack([(surf.df(p + e) - surf.df(p - e)) / 2e-4 for e in h])
            top = np.max(np.abs(np.linalg.eigvals(np.diag(rate) @ (hess + hess.T) / 2)))
            out[k] = (rate, float(top))
    return out
