"""Lesson 02, `notebooks/02_loss_functions.ipynb`: Loss functions: what an error costs.

Modules: experiments, figure_data (the numbers the figures draw), figures (+ figures_explorer,
figures_regression, figures_classification, figures_distributions, figures_common), exercises.
The claims it demonstrates are tested in `tests/test_02_loss_functions.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
