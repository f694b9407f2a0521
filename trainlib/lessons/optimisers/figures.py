"""Notebook 07's live figures: optimisers racing, their effective rates, Adam's corrections.

Each factory below is what the notebook calls; its keyword arguments are the controls'
initial values. The figure classes live in siblings, one per part of the notebook:

- `race_figure` (`figures_race.py`): SGD, SGD+momentum, Nesterov, AdaGrad, RMSProp and Adam
  race on a surface (valley, saddle, Rosenbrock, Beale); a learning-rate slider per
  optimiser, a gradient-noise control, a Play button with a step slider, a loss panel and
  the leaderboard at step k. `RaceFigure.snapshots` and `RaceFigure.save_gif` export it.
- `momentum_figure` (`figures_momentum.py`): μ and α sliders for SGD with momentum on the
  ill-conditioned valley, beside plain GD; steps to the tolerance and the theory's rate.
- `rate_figure` (`figures_adaptive.py`): AdaGrad's effective rate dies, RMSProp's settles
  (and recovers when the gradients shrink); AdaGrad keeps a rare feature's rate high.
- `adam_bias_figure` (`figures_adaptive.py`): Adam's raw moments m, v against the
  bias-corrected m̂, v̂ in the first steps, and the step size with and without the
  correction, for β₁ and β₂ sliders.
- `adamw_figure` (`figures_adaptive.py`): SGD + L2, Adam + L2 and AdamW per weight decay λ:
  paths, coordinates per step, and the decay each coordinate gets per step.
- `lr_sweep_figure` (`figures_sweep.py`): final loss (or validation accuracy) against the
  learning rate for each optimiser training a small MLP on the digits.

Every number comes from `experiments`, computed once and cached.
"""

from __future__ import annotations

from trainlib.lessons.optimisers import experiments as E
from trainlib.lessons.optimisers.figures_adaptive import AdamBiasFigure, AdamWFigure, RateFigure
from trainlib.lessons.optimisers.figures_momentum import MomentumFigure
from trainlib.lessons.optimisers.figures_race import RaceFigure
from trainlib.lessons.optimisers.figures_sweep import LRSweepFigure
from trainlib.live import register

__all__ = [
    "AdamBiasFigure",
    "AdamWFigure",
    "LRSweepFigure",
    "MomentumFigure",
    "RaceFigure",
    "RateFigure",
    "adam_bias_figure",
    "adamw_figure",
    "lr_sweep_figure",
    "momentum_figure",
    "race_figure",
    "rate_figure",
]


@register
def race_figure(
    surface: str = "Valley",
    step: int = E.RACE_STEPS,
    noise: float = 0.0,
    lr_sgd: float | None = None,
    lr_momentum: float | None = None,
    lr_nesterov: float | None = None,
    lr_adagrad: float | None = None,
    lr_rmsprop: float | None = None,
    lr_adam: float | None = None,
) -> RaceFigure:
    """Six optimisers race on a surface; a learning rate each (None: the surface's default).

    `noise`: gradient-noise σ (one of `experiments_race.NOISE_LEVELS`), seeded.
    """
    lrs = {
        "lr_sgd": lr_sgd,
        "lr_momentum": lr_momentum,
        "lr_nesterov": lr_nesterov,
        "lr_adagrad": lr_adagrad,
        "lr_rmsprop": lr_rmsprop,
        "lr_adam": lr_adam,
    }
    return RaceFigure(surface, step, noise, lrs)


@register
def momentum_figure(mu: float = 0.9, lr: float = 10**-1.5) -> MomentumFigure:
    """μ and α sliders: SGD with momentum on the valley beside plain GD, steps to tolerance."""
    return MomentumFigure(mu, lr)


@register
def rate_figure(decay: float = 0.99, shrink: float = 0.1) -> RateFigure:
    """RMSProp decay α and a gradient-shrink factor: effective rates of AdaGrad and RMSProp."""
    return RateFigure(decay, shrink)


@register
def adam_bias_figure(beta1: float = 0.9, beta2: float = 0.999) -> AdamBiasFigure:
    """β₁ and β₂ sliders: Adam's raw vs bias-corrected moments and step sizes, first steps."""
    return AdamBiasFigure(beta1, beta2)


@register
def adamw_figure(weight_decay: float = 0.3) -> AdamWFigure:
    """Weight-decay slider: Adam with L2 in the gradient against AdamW, paths and norms."""
    return AdamWFigure(weight_decay)


@register
def lr_sweep_figure(highlight: str = "SGD") -> LRSweepFigure:
    """Final training loss and validation accuracy vs learning rate, one curve per optimiser."""
    return LRSweepFigure(highlight)
