"""Lesson 01, `notebooks/01_learning_problem.ipynb`: The learning problem.

Modules: experiments, landscape, memory, linreg, figures (+ figures_functions,
figures_slices, figures_memory, figures_closed_form, figures_common), exercises.
The numbers the notebook shows come from `experiments.py`, on the machinery of `landscape.py`
(random networks, loss slices, the ReLU neuron), `memory.py` (the forward pass's bill,
checkpointing) and `linreg.py` (the closed form, gradient descent); live figures in
`figures.py`, exercises in `exercises.py`; the claims it demonstrates are tested in
`tests/test_01_learning_problem.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
