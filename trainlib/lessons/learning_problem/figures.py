"""Notebook 01's live figures: the learning problem.

random_functions_figure — untrained networks are random functions (C1).
train_val_figure        — training lowers the training loss; the held-out loss is separate (C2).
loss_slice_figure       — 1-D and 2-D slices of a trained network's loss are not convex (C3).
closed_form_figure      — normal equation vs gradient descent; conditioning; solve cost (C6).
relu_kink_figure        — a 2-parameter ReLU neuron's loss has creases: no gradient there (C7).

Written by topic in `figures_functions.py` (C1, C2), `figures_slices.py` (C3, C7),
`figures_closed_form.py` (C6), on the helpers of
`figures_common.py`; the numbers they draw come from `experiments.py`.
"""

from __future__ import annotations

from trainlib.lessons.learning_problem.figures_closed_form import (
    ClosedFormFigure,
    closed_form_figure,
)
from trainlib.lessons.learning_problem.figures_common import SEED_COLORS
from trainlib.lessons.learning_problem.figures_functions import (
    RandomFunctionsFigure,
    TrainValFigure,
    random_functions_figure,
    train_val_figure,
)
from trainlib.lessons.learning_problem.figures_slices import (
    LossSliceFigure,
    ReluKinkFigure,
    loss_slice_figure,
    relu_kink_figure,
)

__all__ = [
    "SEED_COLORS",
    "ClosedFormFigure",
    "LossSliceFigure",
    "RandomFunctionsFigure",
    "ReluKinkFigure",
    "TrainValFigure",
    "closed_form_figure",
    "loss_slice_figure",
    "random_functions_figure",
    "relu_kink_figure",
    "train_val_figure",
]
