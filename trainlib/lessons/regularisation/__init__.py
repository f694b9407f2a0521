"""Lesson 09, `notebooks/09_regularisation.ipynb`: Regularisation.

Modules, one folder for the notebook (the claims it demonstrates are tested in
`tests/test_09_regularisation.py`):

    experiments.py                the numbers, gathered from its siblings (numpy, core only):
      experiments_overfit.py        the moons problem, weight decay, early stopping (C40, C44)
      experiments_layers.py         dropout and batch normalisation (C41, C42)
      experiments_augmentation.py   shifted, noisy digits (C43)
    figures.py                    the live-figure factories the notebook calls; their classes in
      figures_moons.py              weight decay and early stopping on the moons problem
      figures_layers.py             dropout and batch normalisation
      figures_augmentation.py       data augmentation on the digits
    exercises.py                  the "Your turn" exercises
"""

from . import exercises  # noqa: F401  (importing it registers the exercises for check)
