"""Exercises of 00_welcome: the warm-up, the mean squared error of a line from its parameters."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 00 welcome — warm-up: the MSE of the line ŷ = w·x + b, from w and b
# ---------------------------------------------------------------------------------------------


def _mse(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """MSE of the line ŷ = w·x + b: (1/N)·Σ (w·xᵢ + b − yᵢ)². Shapes: x (N,), y (N,) → scalar."""
    yhat = w * x + b
    return float(np.mean((yhat - y) ** 2))


_MSE_CASES = [
    (0.5, 1.0, np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.5, 2.0])),
    (2.0, -1.0, np.array([0.0, 1.0, 2.0, 3.0]), np.array([3.0, -0.5, 2.0, 7.0])),
    (0.0, 2.0, np.array([1.0, 3.0]), np.array([1.0, -3.0])),
    (-1.0, 0.5, np.array([-1.0, 4.0, 0.5]), np.array([2.0, 1.0, 0.5])),
]

my_mse_exercise = Exercise(
    "my_mse",
    reference=_mse,
    cases=_MSE_CASES,
    mistakes=[
        Mistake(
            "you left out the intercept b: the line's prediction is ŷ = w·x + b, not w·x.",
            example=lambda w, b, x, y: float(np.mean((w * x - y) ** 2)),
        ),
        Mistake(
            "you summed the squared errors; the mean divides that sum by N, the number of points.",
            example=lambda w, b, x, y: float(np.sum((w * x + b - y) ** 2)),
        ),
        Mistake(
            "you averaged the absolute errors |ŷ − y| (that is the MAE); square each error "
            "instead.",
            example=lambda w, b, x, y: float(np.mean(np.abs(w * x + b - y))),
        ),
        Mistake(
            "you took a square root at the end (that is the RMSE); the MSE stops before the root.",
            example=lambda w, b, x, y: float(np.sqrt(np.mean((w * x + b - y) ** 2))),
        ),
        Mistake(
            "you averaged the raw errors ŷ − y, so positive and negative ones cancel; "
            "square each error before averaging.",
            example=lambda w, b, x, y: float(np.mean(w * x + b - y)),
        ),
        Mistake(
            "you squared after averaging, (mean of ŷ − y)²; square each error first, then average.",
            example=lambda w, b, x, y: float(np.mean(w * x + b - y) ** 2),
        ),
        Mistake(
            "you halved the mean, ½·(1/N)·Σ(ŷ − y)² (a convention some texts use to tidy the "
            "gradient); the MSE here is the plain mean, without the ½.",
            example=lambda w, b, x, y: float(0.5 * np.mean((w * x + b - y) ** 2)),
        ),
        Mistake(
            "you divided by N − 1 (the habit from the sample variance); the mean squared error "
            "divides by N, the number of points.",
            example=lambda w, b, x, y: float(np.sum((w * x + b - y) ** 2) / (len(x) - 1)),
        ),
        Mistake(
            "you returned one squared error per point; average them into a single number.",
            example=lambda w, b, x, y: (w * x + b - y) ** 2,
            detect=lambda got, expected, args: (
                np.shape(got) == np.shape(args[2])
                and np.allclose(got, (args[0] * args[2] + args[1] - args[3]) ** 2)
            ),
        ),
    ],
    kind="implement",
    success="Correct! This mean squared error is the loss the series minimises first.",
)
