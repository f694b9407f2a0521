"""Exercises of 08_lr_schedules: write three schedules as functions of the step t.

Each takes the step(s) t as an integer array (0, 1, 2, …) and returns the rate of every step,
the values `trainlib.schedules` (and PyTorch's schedulers) give.
"""

import numpy as np

from trainlib.exercises import Exercise, Mistake

_T = np.arange(0, 61)
_T_BEYOND = np.arange(0, 130, 7)

# ---------------------------------------------------------------------------------------------
# 1 — cosine annealing
# ---------------------------------------------------------------------------------------------


def _cosine(lr: float, T_max: int, eta_min: float, t: np.ndarray) -> np.ndarray:
    """η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2, for an array of steps t."""
    return eta_min + (lr - eta_min) * (1.0 + np.cos(np.pi * t / T_max)) / 2.0


my_cosine_exercise = Exercise(
    "my_cosine",
    reference=_cosine,
    cases=[(0.1, 60, 0.001, _T), (0.5, 40, 0.05, _T), (1.0, 100, 0.2, _T_BEYOND)],
    mistakes=[
        Mistake(
            "your rate ends at 0, not at eta_min: the cosine runs between lr and η_min, "
            "η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2.",
            example=lambda lr, T_max, eta_min, t: lr * (1 + np.cos(np.pi * t / T_max)) / 2,
        ),
        Mistake(
            "you divided by T_max − 1: the rate should reach η_min exactly at t = T_max "
            "(PyTorch's T_max counts steps, and step T_max is the bottom).",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / (T_max - 1))) / 2
            ),
        ),
        Mistake(
            "you used cos(π·t/T_max) without the ½(1 + …): cos goes from 1 to −1, so your rate "
            "dips below η_min; (1 + cos)/2 goes from 1 to 0.",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * np.cos(np.pi * t / T_max)
            ),
        ),
    ],
    success="Correct! This is torch.optim.lr_scheduler.CosineAnnealingLR, value for value.",
)

# ---------------------------------------------------------------------------------------------
# 2 — linear warm-up, then constant
# ---------------------------------------------------------------------------------------------


def _warmup(lr: float, warmup_steps: int, start_factor: float, t: np.ndarray) -> np.ndarray:
    """lr·(s + (1 − s)·min(t, K)/K): from s·lr at t = 0 to lr at t = K, then flat."""
    frac = np.minimum(t, warmup_steps) / warmup_steps
    return lr * (start_factor + (1.0 - start_factor) * frac)


my_warmup_exercise = Exercise(
    "my_warmup",
    reference=_warmup,
    cases=[(0.1, 10, 0.1, _T), (3e-4, 25, 0.01, _T), (1.0, 7, 0.5, _T_BEYOND)],
    mistakes=[
        Mistake(
            "off by one: your rate is already one step ahead at t = 0. The first step "
            "(t = 0) uses start_factor·lr; the full rate is reached at t = warmup_steps.",
            example=lambda lr, K, s, t: lr * (s + (1 - s) * np.minimum(t + 1, K) / K),
        ),
        Mistake(
            "your rate keeps rising after the warm-up: clip the fraction at 1 with "
            "np.minimum(t, warmup_steps) so it stays at lr from t = warmup_steps on.",
            example=lambda lr, K, s, t: lr * (s + (1 - s) * t / K),
        ),
        Mistake(
            "your warm-up starts from 0 and ignores start_factor: at t = 0 the rate is "
            "start_factor·lr (PyTorch's LinearLR cannot start at exactly 0).",
            example=lambda lr, K, s, t: lr * np.minimum(t, K) / K,
        ),
    ],
    success="Correct! This is torch's LinearLR(start_factor, total_iters=warmup_steps).",
)

# ---------------------------------------------------------------------------------------------
# 3 — step decay
# ---------------------------------------------------------------------------------------------


def _step_decay(lr: float, step_size: int, gamma: float, t: np.ndarray) -> np.ndarray:
    """lr·γ^⌊t/step_size⌋."""
    return lr * gamma ** (t // step_size)


my_step_decay_exercise = Exercise(
    "my_step_decay",
    reference=_step_decay,
    cases=[(0.1, 10, 0.5, _T), (1.0, 7, 0.1, _T), (0.3, 25, 0.3, _T_BEYOND)],
    mistakes=[
        Mistake(
            "you used t / step_size without rounding down, so your rate decays a little every "
            "step (that is exponential decay); use the whole number of periods t // step_size.",
            example=lambda lr, s, g, t: lr * g ** (t / s),
        ),
        Mistake(
            "your first period is already decayed: at t = 0 … step_size − 1 the rate should "
            "be lr itself, γ^0 = 1, so the exponent is t // step_size, not t // step_size + 1.",
            example=lambda lr, s, g, t: lr * g ** (t // s + 1),
        ),
        Mistake(
            "you multiplied by γ·⌊t/step_size⌋ instead of raising γ to that power: each period "
            "multiplies the rate by γ once more, lr·γ^⌊t/step_size⌋.",
            example=lambda lr, s, g, t: lr * g * (t // s),
        ),
    ],
    success="Correct! This is torch.optim.lr_scheduler.StepLR, value for value.",
)
