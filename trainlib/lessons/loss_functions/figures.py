"""Notebook 02's live figures: what each loss charges for an error, and what that does.

Each factory below is what the notebook calls; its keyword arguments are the controls'
initial values. The figure classes live in siblings, one per part of the notebook:

- `loss_explorer` (`figures_explorer.py`): any loss of the notebook, its value and gradient
  side by side, with δ, γ, w and a stable / naive log-sum-exp switch; a table prices one
  example under every loss.
- `outlier_fit` (`figures_regression.py`): a line fitted under MSE, MAE and Huber(δ) while
  one point runs away (C8, C9, C12).
- `bce_confident_mistakes` (`figures_classification.py`): BCE against the predicted
  probability, and the gradient signal of cross-entropy vs MSE through a sigmoid (C10, C14).
- `softmax_cross_entropy` (`figures_classification.py`): logits → softmax bars →
  −log p[correct], stable up to ±1000 (C11).
- `class_weights_focal` (`figures_classification.py`): a logistic regression on rare
  positives, for a class weight w and a focal γ (all trained once, at construction): the
  boundary, the focal weight (1 − p_t)^γ over the training examples' p_t with the share of
  the pull the easy ones keep, and the rare class's recall and precision (C15).
- `kl_asymmetry` (`figures_distributions.py`): a two-bump P and a one-bump Q; KL in both
  directions (C13).

Shared drawing helpers (inf/nan spans, MAE's jump): `figures_common.py`; the text boxes are
`trainlib.live.readout.Readout`. Every number drawn comes from `experiments.py` /
`figure_data.py`; these modules only draw.
"""

from __future__ import annotations

from trainlib.lessons.loss_functions.figures_classification import (
    BCEFigure,
    ImbalanceFigure,
    SoftmaxFigure,
    bce_confident_mistakes,
    class_weights_focal,
    softmax_cross_entropy,
)
from trainlib.lessons.loss_functions.figures_distributions import KLFigure, kl_asymmetry
from trainlib.lessons.loss_functions.figures_explorer import LossExplorer, loss_explorer
from trainlib.lessons.loss_functions.figures_regression import OutlierFit, outlier_fit

__all__ = [
    "BCEFigure",
    "ImbalanceFigure",
    "KLFigure",
    "LossExplorer",
    "OutlierFit",
    "SoftmaxFigure",
    "bce_confident_mistakes",
    "class_weights_focal",
    "kl_asymmetry",
    "loss_explorer",
    "outlier_fit",
    "softmax_cross_entropy",
]
