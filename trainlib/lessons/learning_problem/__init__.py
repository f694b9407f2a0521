"""Lesson 01, `notebooks/01_learning_problem.ipynb`: The learning problem.

Experiments in `landscape.py` and `linreg.py`, live figures in `figures.py`, exercises in
`exercises.py`; the claims it demonstrates are tested in `tests/test_01_learning_problem.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
