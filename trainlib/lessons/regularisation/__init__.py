"""Lesson 09, `notebooks/09_regularisation.ipynb`: Regularisation.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_09_regularisation.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
