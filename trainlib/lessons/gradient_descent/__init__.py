"""Lesson 03, `notebooks/03_gradient_descent.ipynb`: step by step, rate by rate, batch by batch.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_03_gradient_descent.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
