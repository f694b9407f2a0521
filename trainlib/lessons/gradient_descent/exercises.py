"""Exercises of 03_gradient_descent: w_t on (a/2)(w − c)², batch bounds, debug, predict, tune."""

from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.gradient_descent.experiments import best_fit, variants_data
from trainlib.minibatch import least_squares, minibatch_gd

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 1. (derive) where GD on (a/2)(w − c)² is after t steps, without a loop
# ---------------------------------------------------------------------------------------------


def _parabola_after(w0: float, lr: float, t: int, a: float, c: float) -> float:
    """w_t of GD on L(w) = (a/2)(w − c)² from w0, in closed form: c + (w0 − c)·(1 − lr·a)ᵗ."""
    return float(c + (w0 - c) * (1.0 - lr * a) ** t)


def _one_step_off(got: Any, expected: Any, args: tuple) -> bool:
    """True if `got` is w_t with the power t + 1 or t − 1 (the hint for either off-by-one)."""
    w0, lr, t, a, c = args
    factor = 1.0 - lr * a
    powers = (t + 1, t - 1) if (factor != 0.0 or t >= 1) else (t + 1,)  # 0⁻¹ would raise
    return any(np.allclose(got, c + (w0 - c) * factor**p, rtol=1e-6, atol=1e-9) for p in powers)


my_parabola_step_exercise = Exercise(
    "my_parabola_step",
    reference=_parabola_after,
    cases=[
        (0.0, 0.1, 2, 2.0, 3.0),  # the text's parabola (w − 3)²: w₂ = 1.08
        (0.0, 0.1, 0, 5.0, 3.0),
        (5.0, 0.25, 3, 1.0, -1.0),
        (-2.0, 0.3, 7, 4.0, 0.5),
        (10.0, 0.09, 5, 20.0, 2.0),
        (1.0, 0.05, 300, 0.5, 3.0),
        (4.0, 0.2, 1, 5.0, -2.0),  # lr·a = 1: one step
        (2.0, 0.5, 9, 4.0, 1.0),  # lr·a = 2: bouncing forever
        (0.0, 1.1, 10, 2.0, 1.0),
    ],  # fmt: skip
    mistakes=[
        Mistake(
            "you forgot the curvature a: dL/dw = a·(w − c), so one step multiplies w − c by "
            "1 − α·a, not 1 − α.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - lr) ** t),
        ),
        Mistake(
            "your factor is 1 − 2α, the one of (w − 3)²; here dL/dw = a·(w − c), so one step "
            "multiplies w − c by 1 − α·a.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - 2.0 * lr) ** t),
        ),
        Mistake(
            "you dropped the minimum: the factor (1 − α·a)ᵗ shrinks the distance w₀ − c to the "
            "minimum, not w₀ itself — add c back after scaling w₀ − c.",
            example=lambda w0, lr, t, a, c: float(w0 * (1.0 - lr * a) ** t),
        ),
        Mistake(
            "you are one step off: after t = 0 steps the weight is still w₀, and each step "
            "multiplies w − c by 1 − α·a once, so the power is t (not t + 1 or t − 1).",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - lr * a) ** (t + 1)),
            detect=_one_step_off,
        ),
        Mistake(
            "keep the sign of the factor: for α·a > 1 it is negative and w alternates sides "
            "of c; the power is (1 − α·a)ᵗ, not |1 − α·a|ᵗ.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * abs(1.0 - lr * a) ** t),
        ),
        Mistake(
            "the steps shrink with the gradient, so the factor compounds: each step multiplies "
            "w − c by 1 − α·a again, giving (1 − α·a)ᵗ, not 1 − t·α·a.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - t * lr * a)),
        ),
        Mistake(
            "the step goes *against* the gradient: w − c is multiplied by 1 − α·a, not 1 + α·a.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 + lr * a) ** t),
        ),
        Mistake(
            "you returned the distance to the minimum, w_t − c; return the weight w_t itself.",
            example=lambda w0, lr, t, a, c: float((w0 - c) * (1.0 - lr * a) ** t),
        ),
        Mistake(
            "the ½ in (a/2)(w − c)² cancels the 2 of the square: dL/dw = a·(w − c), so the "
            "factor is 1 − α·a, not 1 − 2α·a.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - 2.0 * lr * a) ** t),
        ),
        Mistake(
            "the derivative of (a/2)(w − c)² is a·(w − c): the 2 of the square cancels the ½, "
            "so the factor is 1 − α·a, not 1 − α·a/2.",
            example=lambda w0, lr, t, a, c: float(c + (w0 - c) * (1.0 - lr * a / 2) ** t),
        ),
    ],
    success="Correct! w_t = c + (w₀ − c)·(1 − α·a)ᵗ: the regimes depend on α·a only — "
    "monotone below α = 1/a, one step at 1/a, oscillating up to 2/a, diverging beyond. The "
    "curvature a sets the scale of every learning rate.",
    kind="derive",
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
        Mistake(
            "stop is exclusive, as in Python slicing order[start:stop]: the first batch of 4 is "
            "[0, 4], not [0, 3].",
            example=lambda n, B: np.array([[s, min(s + B, n) - 1] for s in range(0, n, B)]),
        ),
    ],
    success="Correct! ⌈n/B⌉ batches, every example exactly once, the last batch possibly smaller.",
)

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 3. (debug) a colleague's mini-batch slope gradient
# ---------------------------------------------------------------------------------------------


def _slope_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """∂/∂w of (1/B)·Σ (w·xᵢ + b − yᵢ)² over a batch  =  (2/B)·Σ (w·xᵢ + b − yᵢ)·xᵢ."""
    return float(2.0 * np.mean((w * x + b - y) * x))


def _buggy_slope_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """The notebook's buggy version: the error as y − ŷ, and a sum over the batch."""
    err = y - (w * x + b)
    return float(2.0 * np.sum(err * x))


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
            "both bugs are still there: the error has the wrong sign (y − ŷ instead of ŷ − y), "
            "and the batch is summed instead of averaged.",
            example=_buggy_slope_gradient,
        ),
        Mistake(
            "the sign is fixed, but you still sum over the batch: the loss is a mean, so its "
            "gradient is too. A sum makes the step B times larger — as if α were α·B — so "
            "every batch size would need its own learning rate.",
            example=lambda w, b, x, y: float(2.0 * np.sum((w * x + b - y) * x)),
        ),
        Mistake(
            "the mean is right now, but the sign is still flipped: with err = y − ŷ the "
            "gradient of (ŷ − y)² is −2·err·x, so the step goes uphill.",
            example=lambda w, b, x, y: float(-2.0 * np.mean((w * x + b - y) * x)),
        ),
        Mistake(
            "you are off by a factor 2: the derivative of the square (ŷ − y)² is 2(ŷ − y)·∂ŷ/∂w.",
            example=lambda w, b, x, y: float(np.mean((w * x + b - y) * x)),
        ),
        Mistake(
            "you dropped the inner derivative ∂ŷ/∂w = x: multiply each error by its xᵢ "
            "(without it you get the derivative with respect to the intercept b).",
            example=lambda w, b, x, y: float(2.0 * np.mean(w * x + b - y)),
        ),
        Mistake(
            "divide by the batch's own size, len(x) (or use np.mean), not by a fixed 20: the "
            "checker's batches have 2–5 examples.",
            example=lambda w, b, x, y: float(2.0 * np.sum((w * x + b - y) * x) / 20),
        ),
    ],
    success="Fixed! (2/B)·Σ (ŷᵢ − yᵢ)·xᵢ is the slope entry of the ∇L that `least_squares` "
    "returns, whatever the batch size.",
    kind="debug",
)

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 4. (predict) the largest stable learning rate for L(w) = 5w²
# ---------------------------------------------------------------------------------------------


def _largest_stable_lr() -> float:
    """Bisect for the largest α at which 200 GD steps on L(w) = 5w² do not blow w = 1 up."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        lr = 0.5 * (lo + hi)
        w = 1.0
        for _ in range(200):
            w = w - lr * 10.0 * w  # dL/dw = 10w
        lo, hi = (lr, hi) if abs(w) <= 1.0 else (lo, lr)
    return lo


predict_largest_stable_lr_exercise = Exercise(
    "predict_largest_stable_lr",
    reference=_largest_stable_lr,
    cases=[()],
    mistakes=[
        Mistake(
            "just past the edge: at that rate |1 − 10α| > 1, so every step makes |w| larger "
            "and gradient descent diverges. The answer is the edge itself, not a rate above it.",
            example=lambda: 0.21,
            detect=lambda got, expected, args: float(expected) + 1e-9 < float(got) <= 0.21,
        ),
        Mistake(
            "1 is the limit for (w − 3)², whose curvature is L'' = 2. The limit is 2/L'', and "
            "5w² curves five times more sharply.",
            example=lambda: 1.0,
        ),
        Mistake(
            "0.1 = 1/L'' is the rate that lands in one step; GD still converges (oscillating) "
            "above it, up to 2/L''.",
            example=lambda: 0.1,
        ),
        Mistake(
            "0.4 = 2/5 takes the 5 for the curvature, but L'' of 5w² is 2·5 = 10.",
            example=lambda: 0.4,
        ),
    ],
    success="Right.",
    window=(0.19, 0.2),  # the edge 2/L'' = 0.2 and a little below count; above 0.2 diverges
    kind="predict",
    explain=lambda got, want: (
        f"The experiment (bisection over α, 200 steps each) finds {want:.4g}: each step "
        f"multiplies w by 1 − α·L'' = 1 − 10α, and |1 − 10α| < 1 exactly when α < 2/10 "
        f"(at 0.2 itself w bounces between 1 and −1 forever). You said {got}."
    ),
)

# ---------------------------------------------------------------------------------------------
# 03 gradient descent — 5. (tune) a learning rate that lets batch GD finish in 20 epochs
# ---------------------------------------------------------------------------------------------

#: The goal: after TUNE_EPOCHS epochs of batch GD from θ = 0, L(θ) − L(θ*) < TUNE_GAP.
TUNE_EPOCHS, TUNE_GAP = 20, 1e-6


def _batch_lr() -> float:
    """A learning rate between 1/λ_max and 2/(λ_min + λ_max) of the notebook's problem."""
    return 0.25


def _batch_lr_goal(lr: float) -> str | None:
    """Run batch GD on `variants_data()` with rate lr for 20 epochs; None if it got there."""
    X, y = variants_data()
    _, best = best_fit(X, y)
    run = minibatch_gd(least_squares, np.zeros(2), X, y, batch_size=len(X),
                       epochs=TUNE_EPOCHS, lr=lr, rng=np.random.default_rng(0))  # fmt: skip
    gap = float(run.epoch_losses[-1] - best)
    if gap < TUNE_GAP:
        return None
    A = np.column_stack([np.ones(len(X)), X])
    low, high = np.linalg.eigvalsh((2.0 / len(X)) * A.T @ A)
    if run.diverged or gap > run.epoch_losses[0]:
        end = run.epoch_losses[-1]
        return f"α = {lr:g} is above 2/λ_max = {2 / high:.3g}: batch GD diverges (loss {end:.3g})."
    slow, steep = abs(1 - lr * low), abs(1 - lr * high)
    which = (
        "gentle direction (curvature λ_min)"
        if slow >= steep
        else "steep direction, which overshoots"
    )
    return (f"after {TUNE_EPOCHS} epochs with α = {lr:g} the loss is still {gap:.2g} above "
            f"L(θ*) (goal: below 1e-6). The slowest factor per step is "
            f"{max(slow, steep):.3f}, in the {which}.")  # fmt: skip


tune_batch_lr_exercise = Exercise(
    "tune_batch_lr",
    reference=_batch_lr,
    cases=[()],
    mistakes=[
        Mistake(
            "0.05 is the notebook's α: after 20 epochs batch GD is still 0.07 above the floor. "
            "Batch GD is stable up to α ≈ 0.39 here; use more of that room.",
            example=lambda: 0.05,
        ),
        Mistake(
            "≈ 0.39 is the edge of stability, 2/λ_max: the steep direction then flips sign "
            "every step and barely shrinks. The fastest rate is well below the edge.",
            example=lambda: 0.388,
            detect=lambda got, expected, args: 0.38 <= float(got) <= 0.3885,
        ),
    ],
    success="Goal reached: batch GD within 1e-6 of the lowest loss in 20 epochs.",
    kind="tune",
    goal=_batch_lr_goal,
)
