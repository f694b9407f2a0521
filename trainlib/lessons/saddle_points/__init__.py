"""Lesson 04, `notebooks/04_saddle_points.ipynb`: why training rarely gets stuck in a bad minimum.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_04_saddle_points.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
