"""Exercises of 04_saddle_points: debug a classifier, derive a Hessian and where its curvature
changes sign, predict an escape time, tune a learning rate past a plateau."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1 — debug: classify a critical point from its Hessian (the given code uses the 2 × 2 test)
# ---------------------------------------------------------------------------------------------


def _classify(H: np.ndarray) -> str:
    """'minimum' if every eigenvalue of H is > 0, 'maximum' if every one is < 0, else 'saddle'.

    Shapes: H (n, n) symmetric, no eigenvalue 0.
    """
    eigenvalues = np.linalg.eigvalsh(H)
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    return "saddle"


def _two_by_two_test(H: np.ndarray) -> str:  # the bug the student is given
    n, det = len(H), np.linalg.det(H)
    if H[0, 0] > 0 and det > 0:
        return "minimum"
    if H[0, 0] < 0 and (-1) ** n * det > 0:
        return "maximum"
    return "saddle"


def _minimum_branch_only(H: np.ndarray) -> str:  # fixed the minimum test, kept the maximum one
    n, det = len(H), np.linalg.det(H)
    if np.all(np.linalg.eigvalsh(H) > 0):
        return "minimum"
    if H[0, 0] < 0 and (-1) ** n * det > 0:
        return "maximum"
    return "saddle"


def _whole_diagonal_and_det(H: np.ndarray) -> str:  # H₀₀ > 0 widened to the whole diagonal
    n, det, d = len(H), np.linalg.det(H), np.diag(H)
    if np.all(d > 0) and det > 0:
        return "minimum"
    if np.all(d < 0) and (-1) ** n * det > 0:
        return "maximum"
    return "saddle"


def _negative_diagonal_and_det(H: np.ndarray) -> str:  # the mirror image, maximum branch
    n, det = len(H), np.linalg.det(H)
    if np.all(np.linalg.eigvalsh(H) > 0):
        return "minimum"
    if np.all(np.diag(H) < 0) and (-1) ** n * det > 0:
        return "maximum"
    return "saddle"


def _by_diagonal(H: np.ndarray) -> str:
    d = np.diag(H)
    return "minimum" if np.all(d > 0) else "maximum" if np.all(d < 0) else "saddle"


def _swapped(H: np.ndarray) -> str:
    label = _classify(H)
    return {"minimum": "maximum", "maximum": "minimum"}.get(label, label)


def _any_positive(H: np.ndarray) -> str:
    return "minimum" if np.any(np.linalg.eigvalsh(H) > 0) else "maximum"


def _by_trace(H: np.ndarray) -> str:
    return "minimum" if np.trace(H) > 0 else "maximum"


def _by_determinant(H: np.ndarray) -> str:
    if np.linalg.det(H) < 0:
        return "saddle"
    return "minimum" if np.trace(H) > 0 else "maximum"


_CLASSIFY_CASES = [
    (np.array([[2.0, 0.0], [0.0, 3.0]]),),
    (np.array([[1.0, 2.0], [2.0, 1.0]]),),  # up along both axes, down along (1, −1)
    (np.array([[-1.0, 0.5], [0.5, -2.0]]),),
    (np.array([[2.0, 0.0], [0.0, -2.0]]),),
    (np.array([[-1.0, -2.0], [-2.0, -1.0]]),),  # down along both axes, up along (1, −1)
    (np.array([[3.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 3.0]]),),
    (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.5], [0.0, 1.5, 1.0]]),),
    (np.diag([-1.0, -1.0, 3.0]),),  # det > 0 and trace > 0, yet a saddle
    (np.diag([1.0, -1.0, -1.0]),),  # H₀₀ > 0 and det > 0 (the 2 × 2 test's signs), yet a saddle
    (np.array([[-2.0]]),),
    (np.diag([-1.0, 1.0, 1.0]),),  # H₀₀ < 0 and (−1)³·det H = 1 > 0, yet a saddle
    (np.array([[1.0, 2.0, 2.0], [2.0, 1.0, 2.0], [2.0, 2.0, 1.0]]),),  # diag > 0, det 5: saddle
    (-np.array([[1.0, 2.0, 2.0], [2.0, 1.0, 2.0], [2.0, 2.0, 1.0]]),),  # diag < 0, −det 5: saddle
]

classify_critical_point_exercise = Exercise(
    "classify_critical_point",
    reference=_classify,
    cases=_CLASSIFY_CASES,
    kind="debug",
    mistakes=[
        Mistake(
            "the function still uses the 2 × 2 second-derivative test (H₀₀ > 0 and det H > 0 → "
            "minimum). In n dimensions det H is the product of ALL n eigenvalues, so two negative "
            "ones cancel: diag(1, −1, −1) has H₀₀ = 1 and det H = 1, yet is a saddle. Check the "
            "sign of every eigenvalue (np.linalg.eigvalsh).",
            example=_two_by_two_test,
        ),
        Mistake(
            "the minimum branch is fixed, but the maximum branch still uses the 2 × 2 test: "
            "diag(−1, 1, 1) has H₀₀ < 0 and (−1)ⁿ det H = 1 > 0, yet is a saddle. A maximum "
            "needs every eigenvalue < 0.",
            example=_minimum_branch_only,
        ),
        Mistake(
            "a positive diagonal and det H > 0 do not make a minimum: [[1, 2, 2], [2, 1, 2], "
            "[2, 2, 1]] has both, yet its eigenvalues are 5, −1, −1 — a saddle. Check the sign "
            "of every eigenvalue (np.linalg.eigvalsh).",
            example=_whole_diagonal_and_det,
        ),
        Mistake(
            "a negative diagonal and (−1)ⁿ det H > 0 do not make a maximum: −[[1, 2, 2], "
            "[2, 1, 2], [2, 2, 1]] has both, yet its eigenvalues are −5, 1, 1 — a saddle. A "
            "maximum needs every eigenvalue < 0.",
            example=_negative_diagonal_and_det,
        ),
        Mistake(
            "you read the diagonal of H, the curvature along each coordinate "
            "axis. H = [[1, 2], [2, 1]] curves up along both axes but DOWN along (1, −1): "
            "its eigenvalues are 3 and −1, a saddle. Classify from np.linalg.eigvalsh(H).",
            example=_by_diagonal,
        ),
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
            "you decided from the trace (the sum of the eigenvalues). A large positive one can "
            "hide a negative one: check the sign of each eigenvalue, and return 'saddle' when "
            "they differ.",
            example=_by_trace,
        ),
        Mistake(
            "you used the 2 × 2 determinant test (det < 0 → saddle, else the sign of the "
            "trace). In 3-D, det > 0 also when TWO eigenvalues are negative: diag(−1, −1, 3) "
            "has det 3 and trace 1, and is a saddle. Check the sign of every eigenvalue.",
            example=_by_determinant,
        ),
    ],
    success="Correct! H₀₀ and det H settle it only in 2-D (and the diagonal never does): every "
    "EIGEN-direction must curve up.",
)


# ---------------------------------------------------------------------------------------------
# 2 — the Hessian of L(x, y) = x² − y² + y⁴/4 at a point
# ---------------------------------------------------------------------------------------------


def _saddle_hessian(x: float, y: float) -> np.ndarray:
    """∇²L for L = x² − y² + y⁴/4: [[2, 0], [0, 3y² − 2]]. Shapes: returns (2, 2)."""
    return np.array([[2.0, 0.0], [0.0, 3.0 * y * y - 2.0]])


_HESSIAN_CASES = [(0.0, 0.5), (0.5, 1.0), (-1.0, np.sqrt(2.0)), (2.0, -0.5), (0.3, 2.0)]


def _finite_difference_hessian(x: float, y: float) -> np.ndarray:  # the shortcut, not a formula
    from trainlib.lessons.saddle_points.experiments import hessian_fd
    from trainlib.surfaces import saddle

    return hessian_fd(saddle.grad, np.array([x, y]))


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
        Mistake(
            "this agrees with the exact Hessian only to ~1e-10: that is a finite-difference "
            "Hessian, not a formula. Differentiate ∇L = (2x, y³ − 2y) by hand.",
            example=_finite_difference_hessian,
            detect=lambda got, exp, args: np.abs(np.asarray(got) - exp).max() < 1e-6,
        ),
    ],
    rtol=1e-12,  # a formula is exact to rounding (~1e-16); a finite difference is off by ~1e-10
    atol=1e-12,
    kind="derive",
    success="Correct! At (0, 0) it is diag(2, −2): one direction up, one down — a saddle.",
)


def _saddle_band() -> float:
    """The edge of the band around y = 0 where ∂²L/∂y² = 3y² − 2 < 0: y = √(2/3) ≈ 0.8165."""
    return float(np.sqrt(2.0 / 3.0))


saddle_band_exercise = Exercise(
    "saddle_band",
    reference=_saddle_band,
    cases=[()],
    mistakes=[
        Mistake(
            "√2 ≈ 1.414 is where the GRADIENT along y vanishes (y³ − 2y = 0: the minima), not "
            "where the curvature changes sign. Set ∂²L/∂y² = 3y² − 2 to zero instead.",
            example=lambda: float(np.sqrt(2.0)),
        ),
        Mistake(
            "2/3 ≈ 0.667 is y², not y: 3y² − 2 = 0 gives y² = 2/3, so y = √(2/3).",
            example=lambda: 2.0 / 3.0,
        ),
    ],
    kind="derive",
    rtol=1e-3,
    atol=0.0,
    success="Correct! For |y| < √(2/3) ≈ 0.816 the surface curves down along y, as at the "
    "saddle; beyond it, up towards the minima at y = ±√2.",
)


# ---------------------------------------------------------------------------------------------
# 3 — predict: how many steps does exact GD need to leave the saddle from ε = 10⁻⁴?
# ---------------------------------------------------------------------------------------------


def _escape_steps_from_1e4() -> int:
    """Run exact GD (α = 0.1) from (1.5, 10⁻⁴) and return the first step with |y| > 0.5."""
    from trainlib.lessons.saddle_points.experiments_escape import escape_runs, escape_times

    return int(escape_times(escape_runs([1e-4], steps=100))[0])


def _explain_escape(got: Any, expected: Any) -> str:
    law = math.log(0.5 / 1e-4) / math.log(1.2)
    return (
        f"The run leaves the axis (|y| > 0.5) at step {expected}; you said {_number(got)}. "
        f"Near the saddle y grows by 1 + α·|λ| = 1 + 0.1·2 = 1.2 per step, so from 10⁻⁴ to "
        f"0.5 takes ln(0.5/10⁻⁴) / ln 1.2 = {law:.1f} steps; the quartic y⁴/4 slows the last "
        "of them a little."
    )


def _number(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return repr(value)


predict_escape_steps_exercise = Exercise(
    "predict_escape_steps",
    reference=_escape_steps_from_1e4,
    cases=[()],
    kind="predict",
    rtol=0.1,  # within 10 %: an estimate from the growth factor, not a simulation
    atol=0.0,
    mistakes=[
        Mistake(
            "about twice too many steps: did you grow y by 1 + α = 1.1 per step? The gradient "
            "step is −α·∂L/∂y = −α·λ·y with λ = −2, so y grows by 1 + 2α = 1.2.",
            example=lambda: 89.0,
            detect=lambda got, expected, args: 1.6 * expected < float(got) < 2.4 * expected,
        ),
        Mistake(
            "exact GD is stuck for ever only when y is EXACTLY 0. Any offset, however small, is "
            "multiplied by 1.2 at every step: it grows geometrically, so escape takes a "
            "logarithmic number of steps.",
            example=lambda: 1e6,
            detect=lambda got, expected, args: float(got) >= 1000.0,
        ),
    ],
    explain=_explain_escape,
    success="Right!",
)


# ---------------------------------------------------------------------------------------------
# 4 — tune: a learning rate that gets past the plateau AND settles in the minimum
# ---------------------------------------------------------------------------------------------

TUNE_START = (1.5, 1e-6)
TUNE_STEPS = 40
TUNE_TARGET = -0.999  # the minima have L = −1


def _tune_lr() -> float:
    """One learning rate that reaches L < −0.999 within 40 steps from (1.5, 10⁻⁶)."""
    return 0.3


def _tune_goal(lr: Any) -> str | None:
    """None if exact GD with this α from (1.5, 10⁻⁶) has L < −0.999 at step 40, else why not."""
    from trainlib.lessons.saddle_points.experiments import escape_step
    from trainlib.optim import sgd
    from trainlib.surfaces import saddle
    from trainlib.train import descend

    lr = float(lr)
    path = descend(saddle, np.array(TUNE_START), sgd(lr=lr), TUNE_STEPS)
    if path.diverged:
        return (
            f"with α = {lr:g} gradient descent diverged at step {path.steps}: α is far too large."
        )
    final, left = float(path.losses[-1]), escape_step(path)
    if final < TUNE_TARGET:
        return None
    if left is None:
        return (
            f"with α = {lr:g}, after {TUNE_STEPS} steps y is still near 0 (L = {final:.3g}): "
            f"the offset 10⁻⁶ grows by 1 + 2α = {1 + 2 * lr:g} per step, too slowly to leave "
            "the plateau. A larger α shortens it."
        )
    why = (
        "the steps overshoot the minimum, where the curvature along y is 4 (|1 − 4α| is close "
        "to 1): a smaller α settles faster there"
        if lr > 0.4
        else "it left too late to settle: a larger α shortens the plateau"
    )
    return (
        f"with α = {lr:g}, GD left the plateau at step {left} but L = {final:.4g} at step "
        f"{TUNE_STEPS}, not below −0.999: {why}."
    )


tune_escape_lr_exercise = Exercise(
    "tune_escape_lr",
    reference=_tune_lr,
    cases=[()],
    kind="tune",
    goal=_tune_goal,
    mistakes=[
        Mistake(
            "α ≥ 0.5 cannot settle: at the minima (0, ±√2) the curvature along y is 4, and GD "
            "on a curvature λ contracts only when |1 − αλ| < 1, i.e. α < 2/4 = 0.5.",
            example=lambda: 0.6,
            detect=lambda got, expected, args: float(got) >= 0.5,
        ),
    ],
    success="Correct! A larger α shortens the plateau (ln(1/ε)/ln(1 + 2α) steps) until it "
    "overshoots the minimum: the useful range is bounded on both sides.",
)
