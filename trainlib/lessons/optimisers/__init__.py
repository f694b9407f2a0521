"""Lesson 07, `notebooks/07_optimisers.ipynb`: Optimisers: momentum, AdaGrad, RMSProp, Adam, AdamW.

Experiments in `experiments.py`, live figures in `figures.py`, exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_07_optimisers.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
