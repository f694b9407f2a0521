"""Exercises of 06_vanishing_gradients: the sigmoid's ¼, He's standard deviation, clipping."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 06 — the sigmoid's slope is at most 1/4: what L sigmoid layers can do to a gradient
# ---------------------------------------------------------------------------------------------


def _sigmoid_chain_bound(L: int) -> float:
    """Largest product of L sigmoid derivatives: σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, so (1/4)^L."""
    return float(0.25**L)


sigmoid_chain_bound_exercise = Exercise(
    "sigmoid_chain_bound",
    reference=_sigmoid_chain_bound,
    cases=[(1,), (2,), (3,), (5,), (10,)],
    mistakes=[
        Mistake(
            "you let each sigmoid pass the gradient through unchanged (factor 1), but its slope "
            "σ′(z) = σ(z)(1 − σ(z)) is at most 1/4, reached at z = 0.",
            example=lambda L: 1.0,
        ),
        Mistake(
            "you used σ(0) = 1/2, the value of the sigmoid; backprop multiplies by its slope, "
            "σ′(0) = σ(0)(1 − σ(0)) = 1/4.",
            example=lambda L: float(0.5**L),
        ),
        Mistake(
            "you added one 1/4 per layer; the chain rule multiplies them: (1/4)·(1/4)·… = (1/4)^L.",
            example=lambda L: 0.25 * L,
        ),
        Mistake(
            "you returned the bound for one layer; L layers multiply L factors of 1/4.",
            example=lambda L: 0.25,
        ),
    ],
    success="Correct! Ten sigmoid layers can shrink a gradient by (1/4)¹⁰ ≈ 10⁻⁶ — at best.",
)

# ---------------------------------------------------------------------------------------------
# 06 — He initialisation: the standard deviation that keeps a ReLU layer's signal steady
# ---------------------------------------------------------------------------------------------


def _he_std(fan_in: int, fan_out: int) -> float:
    """He (Kaiming) normal std for a ReLU layer: √(2 / fan_in); fan_out plays no role."""
    return float(np.sqrt(2.0 / fan_in))


he_std_exercise = Exercise(
    "he_std_for",
    reference=_he_std,
    cases=[(100, 10), (64, 256), (3, 50), (512, 512), (784, 128)],
    mistakes=[
        Mistake(
            "you used fan_out; He scales by fan_in, the number of inputs each unit adds up "
            "(that sum is what must keep its variance).",
            example=lambda fan_in, fan_out: float(np.sqrt(2.0 / fan_out)),
        ),
        Mistake(
            "you forgot the 2: ReLU zeroes about half of its inputs, halving the signal's "
            "second moment, and the 2 in √(2 / fan_in) makes up for it.",
            example=lambda fan_in, fan_out: float(np.sqrt(1.0 / fan_in)),
        ),
        Mistake(
            "you returned the variance 2 / fan_in; the standard deviation is its square root.",
            example=lambda fan_in, fan_out: 2.0 / fan_in,
        ),
        Mistake(
            "that is Glorot's √(2 / (fan_in + fan_out)), made for tanh; He uses fan_in only.",
            example=lambda fan_in, fan_out: float(np.sqrt(2.0 / (fan_in + fan_out))),
        ),
    ],
    success="Correct! √(2 / fan_in) keeps E[h²] the same from one ReLU layer to the next.",
)

# ---------------------------------------------------------------------------------------------
# 06 — gradient clipping by the global norm
# ---------------------------------------------------------------------------------------------


def _clip_by_global_norm(grads: np.ndarray, max_norm: float) -> np.ndarray:
    """Rescale all rows together so that ‖g‖ = √(Σ g²) ≤ max_norm; direction unchanged.

    Shapes: grads (k, m), one layer's gradient per row → (k, m).
    """
    norm = np.sqrt(np.sum(grads**2))
    return grads * (max_norm / norm) if norm > max_norm else grads


def _clip_each_row(grads: np.ndarray, max_norm: float) -> np.ndarray:
    norms = np.sqrt(np.sum(grads**2, axis=1, keepdims=True))
    return grads * np.minimum(1.0, max_norm / norms)


_rng = np.random.default_rng(6)
_CLIP_CASES = [
    # three layers whose gradients differ by orders of magnitude: an exploding net
    (np.array([[30.0, -40.0, 0.0], [0.3, 0.4, 0.0], [0.0, 0.0, 0.05]]), 5.0),
    (np.array([[1.0, 2.0], [2.0, 4.0]]), 1.0),
    (np.array([[0.1, -0.2, 0.1], [0.05, 0.0, 0.3]]), 10.0),  # already short: unchanged
    (np.vstack([100.0 * _rng.standard_normal(4), _rng.standard_normal(4)]), 2.0),
]

clip_by_global_norm_exercise = Exercise(
    "clip_by_global_norm",
    reference=_clip_by_global_norm,
    cases=_CLIP_CASES,
    mistakes=[
        Mistake(
            "you clipped each layer's gradient separately; that shrinks the big rows more than "
            "the small ones and turns the gradient's direction. Compute ONE norm over all "
            "arrays together, √(Σ over every entry g²), and rescale everything by the same factor.",
            example=_clip_each_row,
        ),
        Mistake(
            "you rescaled a gradient that was already short enough; clipping only shrinks, "
            "when ‖g‖ > max_norm, and leaves a short gradient alone.",
            example=lambda grads, max_norm: grads * (max_norm / np.sqrt(np.sum(grads**2))),
        ),
        Mistake(
            "you clipped each entry into [−max_norm, max_norm] (value clipping); clipping by "
            "norm rescales the whole gradient, keeping its direction.",
            example=lambda grads, max_norm: np.clip(grads, -max_norm, max_norm),
        ),
    ],
    success="Correct! One global norm, one common factor: the direction survives the clipping.",
)
