"""Exercises of 00_welcome: the warm-up, the mean squared error of a prediction."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 00 welcome — warm-up: the mean squared error of a prediction
# ---------------------------------------------------------------------------------------------


def _mse(yhat: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error: (1/N)·Σ (ŷᵢ − yᵢ)². Shapes: yhat (N,), y (N,) → scalar."""
    return float(np.mean((yhat - y) ** 2))


_MSE_CASES = [
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
    (np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0])),
    (np.array([0.0, 0.0]), np.array([1.0, -3.0])),
    (np.array([-1.0, 4.0, 0.5]), np.array([2.0, 1.0, 0.5])),
]

my_mse_exercise = Exercise(
    "my_mse",
    reference=_mse,
    cases=_MSE_CASES,
    mistakes=[
        Mistake(
            "you summed the squared errors; the mean divides that sum by N, the number of points.",
            example=lambda yhat, y: float(np.sum((yhat - y) ** 2)),
        ),
        Mistake(
            "you averaged the absolute errors |ŷ − y| (that is the MAE); square each error "
            "instead.",
            example=lambda yhat, y: float(np.mean(np.abs(yhat - y))),
        ),
        Mistake(
            "you took a square root at the end (that is the RMSE); the MSE stops before the root.",
            example=lambda yhat, y: float(np.sqrt(np.mean((yhat - y) ** 2))),
        ),
        Mistake(
            "you averaged the raw errors ŷ − y, so positive and negative ones cancel; "
            "square each error before averaging.",
            example=lambda yhat, y: float(np.mean(yhat - y)),
        ),
        Mistake(
            "you squared after averaging, (mean of ŷ − y)²; square each error first, then average.",
            example=lambda yhat, y: float(np.mean(yhat - y) ** 2),
        ),
        Mistake(
            "you returned one squared error per point; average them into a single number.",
            example=lambda yhat, y: (yhat - y) ** 2,
            detect=lambda got, expected, args: (
                np.shape(got) == np.shape(args[0]) and np.allclose(got, (args[0] - args[1]) ** 2)
            ),
        ),
    ],
    kind="implement",
    success="Correct! This mean squared error is the loss the series minimises first.",
)
