"""Lesson 08, `notebooks/08_lr_schedules.ipynb`: Learning-rate schedules.

Modules: experiments, figures (+ figures_settle, figures_playground, figures_common),
exercises. Experiments in `experiments.py`, live figures in `figures.py`, exercises in
`exercises.py`; the claims it demonstrates are tested in `tests/test_08_lr_schedules.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
