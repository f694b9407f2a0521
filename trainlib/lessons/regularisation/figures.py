"""Notebook 09's live figures: overfitting and five ways to rein it in (claims C40–C44).

Each factory below is what the notebook calls; its keyword arguments are the controls'
initial values. The figure classes live in siblings:

- `weight_decay_figure` (`figures_moons.py`): the 40-point moons problem trained with AdamW
  for each weight decay λ (precomputed); decision boundary, train/validation curves, ‖W‖
  and final losses.
- `dropout_figure` (`figures_layers.py`): one layer's activations through Dropout(p), train
  vs eval mode, one pass and the average of many; the 1/(1 − p) scaling can be switched off.
- `batchnorm_figure` (`figures_layers.py`): pre-activation histograms of a deep ReLU MLP
  with and without BN.
- `augmentation_figure` (`figures_augmentation.py`): digits trained with and without
  shifted/noisy copies.
- `early_stopping_figure` (`figures_moons.py`): fit with patience k (precomputed per k):
  where it stops, what it restores.

The numbers come from `experiments`; every run is computed once, at construction.
"""

from __future__ import annotations

from trainlib.lessons.regularisation.figures_augmentation import AugmentationFigure
from trainlib.lessons.regularisation.figures_layers import BatchNormFigure, DropoutFigure
from trainlib.lessons.regularisation.figures_moons import EarlyStoppingFigure, WeightDecayFigure
from trainlib.live import register

__all__ = [
    "AugmentationFigure",
    "BatchNormFigure",
    "DropoutFigure",
    "EarlyStoppingFigure",
    "WeightDecayFigure",
    "augmentation_figure",
    "batchnorm_figure",
    "dropout_figure",
    "early_stopping_figure",
    "weight_decay_figure",
]


@register
def weight_decay_figure(weight_decay: float = 0.0) -> WeightDecayFigure:
    """Weight decay λ slider: boundary, curves, weight norm and final losses (C40)."""
    return WeightDecayFigure(weight_decay)


@register
def dropout_figure(p: float = 0.5, inverted: bool = True, draw: int = 0) -> DropoutFigure:
    """Dropout(p) on one layer's activations: one pass vs the average of many (C41)."""
    return DropoutFigure(p, inverted, draw)


@register
def batchnorm_figure(layer: int = 6, scale: float = 1.5) -> BatchNormFigure:
    """Pre-activation histograms of a deep ReLU MLP with and without batch norm (C42)."""
    return BatchNormFigure(layer, scale)


@register
def augmentation_figure(augment: bool = True) -> AugmentationFigure:
    """Digits with and without augmentation: what the network sees, and the accuracy (C43)."""
    return AugmentationFigure(augment)


@register
def early_stopping_figure(patience: int = 10) -> EarlyStoppingFigure:
    """fit with early stopping: patience slider, where it stops and what it restores (C44)."""
    return EarlyStoppingFigure(patience)
