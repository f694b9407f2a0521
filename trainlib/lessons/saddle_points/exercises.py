"""Exercises of 04_saddle_points: classify a critical point; the Hessian of the saddle surface."""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake


class _LabelExercise(Exercise):
    """An exercise whose answer is a word ('minimum', 'maximum', 'saddle'), compared exactly."""

    def _close(self, got: Any, expected: Any) -> bool:
        if isinstance(expected, str):
            return isinstance(got, str) and got.strip().lower() == expected
        return super()._close(got, expected)


# ---------------------------------------------------------------------------------------------
# 1 — classify a critical point from the eigenvalues of its Hessian
# ---------------------------------------------------------------------------------------------


def _classify(eigenvalues: np.ndarray) -> str:
    """'minimum' if every λ > 0, 'maximum' if every λ < 0, else 'saddle' (no λ is 0 here)."""
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    return "saddle"


def _swapped(eigenvalues: np.ndarray) -> str:
    label = _classify(eigenvalues)
    return {"minimum": "maximum", "maximum": "minimum"}.get(label, label)


def _any_positive(eigenvalues: np.ndarray) -> str:
    if np.any(eigenvalues > 0):
        return "minimum"
    return "maximum"


def _by_trace(eigenvalues: np.ndarray) -> str:
    return "minimum" if eigenvalues.sum() > 0 else "maximum"


def _first_only(eigenvalues: np.ndarray) -> str:
    return "minimum" if eigenvalues[0] > 0 else "maximum"


_CLASSIFY_CASES = [
    (np.array([2.0, 3.0]),),
    (np.array([-1.0, -0.5, -4.0]),),
    (np.array([2.0, -2.0]),),
    (np.array([-3.0, 0.5, 1.0, 2.0]),),
    (np.array([5.0, 4.0, -0.1]),),
    (np.array([0.01]),),
    (np.array([-2.0]),),
]

classify_critical_point_exercise = _LabelExercise(
    "classify_critical_point",
    reference=_classify,
    cases=_CLASSIFY_CASES,
    mistakes=[
        Mistake(
            "minimum and maximum are swapped. A positive eigenvalue means the loss curves UP "
            "along that eigenvector (like a bowl, ½λt² > 0), so all-positive is a minimum.",
            example=_swapped,
        ),
        Mistake(
            "you called a point a minimum as soon as ONE eigenvalue is positive. A minimum "
            "needs every eigenvalue > 0 (np.all); mixed signs make a saddle.",
            example=_any_positive,
        ),
        Mistake(
            "you decided from the sum (trace) of the eigenvalues. A large positive one can hide "
            "a negative one: check the sign of each eigenvalue, and return 'saddle' when they "
            "differ.",
            example=_by_trace,
        ),
        Mistake(
            "you looked only at the first eigenvalue; every eigenvalue must have the same sign "
            "for a minimum or a maximum.",
            example=_first_only,
        ),
    ],
    success="Correct! For n random eigenvalue signs, 'saddle' is by far the likeliest answer.",
)


# ---------------------------------------------------------------------------------------------
# 2 — the Hessian of L(x, y) = x² − y² + y⁴/4 at a point
# ---------------------------------------------------------------------------------------------


def _saddle_hessian(x: float, y: float) -> np.ndarray:
    """∇²L for L = x² − y² + y⁴/4: [[2, 0], [0, 3y² − 2]]. Shapes: returns (2, 2)."""
    return np.array([[2.0, 0.0], [0.0, 3.0 * y * y - 2.0]])


_HESSIAN_CASES = [(0.0, 0.5), (0.5, 1.0), (-1.0, np.sqrt(2.0)), (2.0, -0.5), (0.3, 2.0)]

saddle_hessian_exercise = Exercise(
    "saddle_hessian",
    reference=_saddle_hessian,
    cases=_HESSIAN_CASES,
    mistakes=[
        Mistake(
            "your ∂²L/∂y² is −2 everywhere: you dropped the quartic. Differentiate y⁴/4 twice: "
            "y³, then 3y².",
            example=lambda x, y: np.array([[2.0, 0.0], [0.0, -2.0]]),
        ),
        Mistake(
            "your ∂²L/∂y² is y² − 2: the gradient is y³ − 2y, and its derivative is 3y² − 2 "
            "(the power rule brings down the 3).",
            example=lambda x, y: np.array([[2.0, 0.0], [0.0, y * y - 2.0]]),
        ),
        Mistake(
            "your matrix is half the Hessian: the second derivative of x² is 2 (not 1), and of "
            "−y² it is −2.",
            example=lambda x, y: 0.5 * _saddle_hessian(x, y),
        ),
        Mistake(
            "the signs are flipped: along y the loss −y² curves DOWN near 0, so ∂²L/∂y² = "
            "3y² − 2 is negative there, while ∂²L/∂x² = +2.",
            example=lambda x, y: -_saddle_hessian(x, y),
        ),
    ],
    success="Correct! At (0, 0) it is diag(2, −2): one direction up, one down — a saddle.",
)
