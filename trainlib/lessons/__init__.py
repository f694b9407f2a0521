"""The lessons: one package per notebook, named after its stem without the number.

`notebooks/03_gradient_descent.ipynb` → `trainlib/lessons/gradient_descent/`, holding

    experiments.py   the numbers the notebook shows and its claims assert (numpy, core only)
    figures.py       its live figures (`@register`-ed factories built on `trainlib.live`)
    exercises.py     its "Your turn" exercises (reference solutions, typical mistakes)

Arrows point one way: lessons → `trainlib.live` and `trainlib.exercises` → the core.
Importing a lesson registers its exercises, so the notebook's `check(...)` finds them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: The lesson packages in the order of the series: notebook NN is LESSONS[NN]
#: (tests/test_notebooks_meta.py checks this against the notebooks and the packages).
LESSONS: tuple[str, ...] = (
    "welcome",
    "learning_problem",
    "loss_functions",
    "gradient_descent",
    "saddle_points",
    "backpropagation",
    "vanishing_gradients",
    "optimisers",
    "lr_schedules",
    "regularisation",
)


def all_exercises() -> dict[str, Any]:
    """Every exercise of the series, by name (imports every lesson)."""
    from trainlib.exercises import EXERCISES

    for name in LESSONS:
        importlib.import_module(f"{__name__}.{name}")
    return dict(EXERCISES)


def all_figures() -> dict[str, Callable[..., Any]]:
    """Every live-figure factory of the series, by name (imports every lesson's figures)."""
    from trainlib.live import REGISTRY

    for name in LESSONS:
        importlib.import_module(f"{__name__}.{name}.figures")
    return dict(REGISTRY)
