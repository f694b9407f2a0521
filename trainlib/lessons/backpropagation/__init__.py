"""Lesson 05, `notebooks/05_backpropagation.ipynb`: Backpropagation and automatic differentiation.

Experiments in `experiments.py` (the memory bill and checkpointing, C4 and C5, in `memory.py`;
the cost of the backward pass, forward vs reverse mode, branching and BCE-with-logits in `cost.py`),
live figures in `figures.py`, exercises in `exercises.py` and `exercises_memory.py`;
the claims it demonstrates are tested in `tests/test_05_backpropagation.py`.
"""

from . import exercises, exercises_memory  # noqa: F401  (importing registers the exercises)
