"""Lesson 00, `notebooks/00_welcome.ipynb`: how networks learn, one slider at a time.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_00_welcome.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
