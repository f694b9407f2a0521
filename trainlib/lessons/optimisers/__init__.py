"""Lesson 07, `notebooks/07_optimisers.ipynb`: Optimisers: momentum, AdaGrad, RMSProp, Adam, AdamW.

Modules, one folder for the notebook (the claims it demonstrates are tested in
`tests/test_07_optimisers.py`):

    experiments.py            the numbers, gathered from its siblings (numpy, core only):
      experiments_race.py       six optimisers race on a surface, the leaderboard (C31, C37)
      experiments_adaptive.py   AdaGrad/RMSProp effective rates, Adam's moments (C32–C34)
      experiments_adamw.py      Adam + L2 vs AdamW on a stretched bowl (C35)
      experiments_sweep.py      a learning-rate sweep on the digits (C36)
    figures.py                the live-figure factories the notebook calls; their classes in
      figures_race.py           the race, its leaderboard and GIF export
      figures_adaptive.py       effective rates, Adam's bias correction, AdamW
      figures_sweep.py          the learning-rate sweep
    exercises.py              the "Your turn" exercises
    exercises_momentum.py     exercises in the momentum and AdamW sections (tune, predict)
"""

from . import exercises, exercises_momentum  # noqa: F401  (importing registers the exercises)
