"""Lesson 01, `notebooks/01_learning_problem.ipynb`: The learning problem.

Modules: experiments, landscape, linreg, figures (+ figures_functions, figures_slices,
figures_closed_form, figures_common), exercises.
The numbers the notebook shows come from `experiments.py`, on the machinery of `landscape.py`
(random networks, loss slices, the ReLU neuron) and `linreg.py` (the closed form, gradient
descent); live figures in `figures.py`, exercises in `exercises.py`; the claims it
demonstrates are tested in `tests/test_01_learning_problem.py`. The memory bill of the
forward pass and checkpointing (C4, C5) are taught in lesson 05, after the backward pass.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
