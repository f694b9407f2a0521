"""Lesson 05, `notebooks/05_backpropagation.ipynb`: Backpropagation and automatic differentiation.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_05_backpropagation.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
