"""The race of notebook 07 (C31, C37): six optimisers on a classic surface.

`run_race` races them once (`trainlib.train.race`), `race_paths` remembers the paths per
(surface, optimiser, lr) for the live figure, `race_leaderboard` ranks them and
`leaderboard_rows` writes that ranking as the table the figure shows. numpy only.
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
    "LR_RANGES",
    "RACERS",
    "RACE_STEPS",
    "RACE_SURFACES",
    "RACE_TOL",
    "leaderboard_rows",
    "log_landscape",
    "make_optimizer",
    "race_leaderboard",
    "race_paths",
    "run_race",
]

#: The six racers, in legend order. Each is built by `make_optimizer(name, lr)`.
RACERS: tuple[str, ...] = ("SGD", "SGD+momentum", "AdaGrad", "RMSProp", "Adam", "AdamW")

#: The race courses, by `Surface.name`.
RACE_SURFACES: dict[str, Surface] = {
    name: SURFACES[name] for name in ("Valley", "Saddle", "Rosenbrock", "Beale")
}

RACE_STEPS = 200  # steps of every race
RACE_TOL = 1e-4  # "reached the minimum" means L − L_min ≤ RACE_TOL

#: Starting learning rates per surface: each optimiser near a good rate for that course
#: (found by a sweep over the slider's grid 10^(k/4)); the sliders go from there.
DEFAULT_LRS: dict[str, dict[str, float]] = {
    "Valley": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.0, "AdaGrad": 10**0.5,
        "RMSProp": 10**-0.5, "Adam": 10**-0.25, "AdamW": 10**-0.25,
    },
    "Saddle": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-1.5, "AdaGrad": 10**-0.5,
        "RMSProp": 10**-1.5, "Adam": 10**-1.0, "AdamW": 10**-1.0,
    },
    "Rosenbrock": {
        "SGD": 10**-2.5, "SGD+momentum": 10**-2.75, "AdaGrad": 10**0.25,
        "RMSProp": 10**-1.0, "Adam": 10**-0.25, "AdamW": 10**-0.25,
    },
    "Beale": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.5, "AdaGrad": 10**0.0,
        "RMSProp": 10**-1.0, "Adam": 10**-0.5, "AdamW": 10**-0.5,
    },
}  # fmt: skip

#: Learning-rate slider ranges as exponents of 10: wide enough to diverge (SGD, momentum)
#: or to wander off (the adaptive ones, whose steps are bounded by about lr).
LR_RANGES: dict[str, tuple[float, float]] = {
    "SGD": (-4.0, 0.0),
    "SGD+momentum": (-4.0, 0.0),
    "AdaGrad": (-3.0, 1.0),
    "RMSProp": (-4.0, 0.5),
    "Adam": (-4.0, 0.5),
    "AdamW": (-4.0, 0.5),
}


def make_optimizer(name: str, lr: float) -> optim.Optimizer:
    """The optimiser `name` of `RACERS` with learning rate `lr`, other settings torch's defaults.

    SGD+momentum uses μ = 0.9 (no dampening, torch's form); AdamW weight_decay = 0.01.
    """
    check_choice("name", name, RACERS)
    lr = check_positive("lr", lr)
    if name == "SGD":
        return optim.sgd(lr)
    if name == "SGD+momentum":
        return optim.sgd(lr, momentum=0.9)
    return optim.OPTIMIZERS[name](lr)


def _surface(surface: str) -> Surface:
    check_choice("surface", surface, tuple(RACE_SURFACES))
    return RACE_SURFACES[surface]


def run_race(
    surface: str, lrs: Mapping[str, float] | None = None, steps: int = RACE_STEPS
) -> dict[str, Path]:
    """Race every optimiser of `lrs` (default: all six at `DEFAULT_LRS`) from the surface's start.

    Shapes: returns {name: Path} with xs (steps + 1, 2), losses (steps + 1,) (fewer if the
    optimiser diverged: see `trainlib.train.Path`). One call of `trainlib.train.race`.
    """
    surf = _surface(surface)
    lrs = DEFAULT_LRS[surface] if lrs is None else lrs
    opts = {name: make_optimizer(name, lr) for name, lr in lrs.items()}
    return race(opts, surf, surf.start, check_int("steps", steps, minimum=1))


_RACE_CACHE: dict[tuple[str, str, float, int], Path] = {}


def race_paths(surface: str, lrs: Mapping[str, float], steps: int = RACE_STEPS) -> dict[str, Path]:
    """`run_race`, remembering each (surface, optimiser, lr, steps): only new ones are run.

    The missing optimisers run together in one `run_race` call; a race is deterministic, so a
    cached path is the path a fresh call returns (tests/test_07_optimisers.py checks it).
    """
    keys = {name: (surface, name, float(lr), steps) for name, lr in lrs.items()}
    missing = {name: key[2] for name, key in keys.items() if key not in _RACE_CACHE}
    if missing:
        for name, path in run_race(surface, missing, steps).items():
            _RACE_CACHE[keys[name]] = path
    return {name: _RACE_CACHE[key] for name, key in keys.items()}


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
    paths: Mapping[str, Path], surface: str, tol: float = RACE_TOL
) -> list[LeaderboardEntry]:
    """`trainlib.train.leaderboard` of a race: final loss and first step with L − L_min ≤ tol."""
    return leaderboard(paths, _surface(surface), tol)


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
        if p.diverged:
            result = f"diverged at step {p.diverged_at}"
        else:
            reached = "—" if entry.steps_to_tol is None else f"k={entry.steps_to_tol}"
            result = f"{reached:>7} {entry.final_loss - min_value:10.2e}"
        rows.append(f"{rank} {entry.name:<13}{result}")
    return rows
