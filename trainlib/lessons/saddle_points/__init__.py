"""Lesson 04, `notebooks/04_saddle_points.ipynb`: why training rarely gets stuck in a bad minimum.

Experiments in `experiments.py` (Hessians, the saddle surface, the two-unit network) and
`experiments_escape.py` (escape time ∝ ln(1/ε); mini-batch SGD at the symmetric point), live
figures in `figures.py` (which re-exports `figures_escape.py`'s), exercises in `exercises.py`;
the claims it demonstrates are tested in `tests/test_04_saddle_points.py`.
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
