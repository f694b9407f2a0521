"""Lesson 06, `notebooks/06_vanishing_gradients.ipynb`: Vanishing and exploding gradients.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_06_vanishing_gradients.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
