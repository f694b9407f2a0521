"""Exercises of 03_gradient_descent: one GD step, an epoch's mini-batches, a slope gradient."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 1. one step of gradient descent on L(w) = (w − 3)²
# ---------------------------------------------------------------------------------------------


def _gd_step(w: float, lr: float) -> float:
    """One GD step on L(w) = (w − 3)²: w − lr·2(w − 3)."""
    return float(w - lr * 2.0 * (w - 3.0))


my_parabola_step_exercise = Exercise(
    "my_parabola_step",
    reference=_gd_step,
    cases=[(0.0, 0.1), (0.6, 0.1), (5.0, 0.25), (-2.0, 0.3), (10.0, 0.05)],
    mistakes=[
        Mistake(
            "your step went uphill: you added α·dL/dw. Gradient descent moves *against* the "
            "gradient, w ← w − α·dL/dw.",
            example=lambda w, lr: float(w + lr * 2.0 * (w - 3.0)),
        ),
        Mistake(
            "your step is half the right size: you forgot the factor 2 in dL/dw = 2(w − 3) "
            "(the derivative of u² is 2u).",
            example=lambda w, lr: float(w - lr * (w - 3.0)),
        ),
        Mistake(
            "you returned the gradient step α·dL/dw itself; return the new weight w − α·dL/dw.",
            example=lambda w, lr: float(-lr * 2.0 * (w - 3.0)),
        ),
    ],
    success="Correct! From w = 0 with α = 0.1 this gives 0.6, then 1.08 — the text's numbers.",
)

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 2. the mini-batches of one epoch
# ---------------------------------------------------------------------------------------------


def _batch_bounds(n: int, batch_size: int) -> np.ndarray:
    """(start, stop) of each mini-batch of an epoch over n examples. Shapes: → (⌈n/B⌉, 2)."""
    starts = np.arange(0, n, batch_size)
    return np.column_stack([starts, np.minimum(starts + batch_size, n)])


def _dropped_last(n: int, batch_size: int) -> np.ndarray:
    starts = np.arange(0, n - batch_size + 1, batch_size)
    return np.column_stack([starts, starts + batch_size])


def _overrun(n: int, batch_size: int) -> np.ndarray:
    starts = np.arange(0, n, batch_size)
    return np.column_stack([starts, starts + batch_size])


my_batch_bounds_exercise = Exercise(
    "my_batch_bounds",
    reference=_batch_bounds,
    cases=[(10, 4), (12, 4), (7, 7), (5, 1), (200, 30), (9, 2)],
    mistakes=[
        Mistake(
            "you dropped the last, partial batch: when B does not divide n the epoch still "
            "has ⌈n/B⌉ batches, and the last one holds the n mod B examples left over.",
            example=_dropped_last,
        ),
        Mistake(
            "your last batch stops past the end: its stop must be n (min(start + B, n)), "
            "not start + B.",
            example=_overrun,
        ),
    ],
    success="Correct! ⌈n/B⌉ batches, every example exactly once, the last batch possibly smaller.",
)

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 3. the derivative of a line's MSE with respect to its slope
# ---------------------------------------------------------------------------------------------


def _slope_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """∂/∂w of (1/N)·Σ (w·xᵢ + b − yᵢ)²  =  (2/N)·Σ (w·xᵢ + b − yᵢ)·xᵢ."""
    return float(2.0 * np.mean((w * x + b - y) * x))


_SLOPE_CASES = [
    (1.0, 0.0, np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])),
    (0.5, 1.0, np.array([-1.0, 0.0, 2.0, 4.0]), np.array([0.0, 1.5, 1.0, 5.0])),
    (-2.0, 0.5, np.array([0.5, 1.5]), np.array([1.0, -3.0])),
    (0.0, 0.0, np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 3.0, 2.0, 5.0, 4.0])),
]

my_slope_gradient_exercise = Exercise(
    "my_slope_gradient",
    reference=_slope_gradient,
    cases=_SLOPE_CASES,
    mistakes=[
        Mistake(
            "you are off by a factor 2: the derivative of the square (ŷ − y)² is 2(ŷ − y)·∂ŷ/∂w.",
            example=lambda w, b, x, y: float(np.mean((w * x + b - y) * x)),
        ),
        Mistake(
            "you forgot the inner derivative ∂ŷ/∂w = x: multiply each error by its xᵢ "
            "(without it you get the derivative with respect to the intercept b).",
            example=lambda w, b, x, y: float(2.0 * np.mean(w * x + b - y)),
        ),
        Mistake(
            "your sign is flipped: with the error e = ŷ − y the gradient is (2/N)·Σ eᵢ·xᵢ; "
            "you used y − ŷ.",
            example=lambda w, b, x, y: float(-2.0 * np.mean((w * x + b - y) * x)),
        ),
        Mistake(
            "you summed over the points; the MSE is a mean, so its gradient divides by N too.",
            example=lambda w, b, x, y: float(2.0 * np.sum((w * x + b - y) * x)),
        ),
    ],
    success="Correct! This is the slope entry of ∇L that `least_squares` returns.",
)
