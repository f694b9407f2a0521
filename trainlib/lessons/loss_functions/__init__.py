"""Lesson 02, `notebooks/02_loss_functions.ipynb`: Loss functions: what an error costs.

Experiments in `experiments.py`, live figures in `figures.py` (the numbers they draw in
`figure_data.py`), exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_02_loss_functions.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
