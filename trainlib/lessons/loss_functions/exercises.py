"""Exercises of 02_loss_functions: the BCE gradient, a stable log-sum-exp, Huber's derivative."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1. The gradient of binary cross-entropy with respect to the logits
# ---------------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Part of the reference solution, not a second library sigmoid: tools/instructor_edition.py
    # pastes it into the notebook with `_bce_logit_grad`, so it must stand on its own. It is
    # `trainlib.losses.sigmoid`'s formula, bit for bit (tests/test_02_loss_functions.py).
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + ez), ez / (1 + ez))


def _bce_logit_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L/∂z of L = (1/N)·Σ BCE(σ(zᵢ), yᵢ): (σ(z) − y)/N. Shapes: z, y (N,) → (N,)."""
    return (_sigmoid(z) - y) / z.size


_BCE_CASES = [
    (np.array([0.0, 2.0, -1.0]), np.array([1.0, 0.0, 1.0])),
    (np.array([3.0, -3.0, 0.5, -0.5]), np.array([1.0, 1.0, 0.0, 0.0])),
    (np.array([-8.0, 8.0]), np.array([1.0, 0.0])),
    (np.array([1.5]), np.array([0.0])),
]

my_bce_logit_grad_exercise = Exercise(
    "my_bce_logit_grad",
    reference=_bce_logit_grad,
    cases=_BCE_CASES,
    mistakes=[
        Mistake(
            "your gradient has the wrong sign: for y = 1 and a small σ(z) it must be negative "
            "(raising z lowers the loss). It is σ(z) − y, not y − σ(z).",
            example=lambda z, y: (y - _sigmoid(z)) / z.size,
        ),
        Mistake(
            "the loss is the mean over the N examples, so every entry of the gradient carries a "
            "factor 1/N: divide σ(z) − y by N.",
            example=lambda z, y: _sigmoid(z) - y,
        ),
        Mistake(
            "you differentiated with respect to the probability p = σ(z), (p − y)/(p(1 − p)); "
            "through the sigmoid the p(1 − p) cancels, leaving (σ(z) − y)/N.",
            example=lambda z, y: (_sigmoid(z) - y) / (_sigmoid(z) * (1 - _sigmoid(z))) / z.size,
        ),
        Mistake(
            "you used z itself where σ(z) belongs: the prediction is the probability σ(z), "
            "so the gradient is (σ(z) − y)/N.",
            example=lambda z, y: (z - y) / z.size,
        ),
    ],
    success="Correct! (σ(z) − y)/N: the error signal of the output layer, no σ' in sight.",
)

# ---------------------------------------------------------------------------------------------
# 2. A log-sum-exp that never overflows
# ---------------------------------------------------------------------------------------------


def _logsumexp(z: np.ndarray) -> float:
    """log Σⱼ e^{zⱼ} of a 1-D array, stable: m + log Σⱼ e^{zⱼ − m}, m = max z."""
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))))


def _naive_logsumexp(z: np.ndarray) -> float:
    with np.errstate(over="ignore", under="ignore", divide="ignore"):  # the mistake, quietly
        return float(np.log(np.sum(np.exp(z))))


_LSE_CASES = [
    (np.array([1.0, 2.0, 3.0]),),
    (np.array([0.0, 0.0]),),
    (np.array([1000.0, 999.0, -5.0]),),
    (np.array([-1000.0, -1001.0]),),
    (np.array([800.0, 0.0, 1.0, 2.0]),),
]

my_logsumexp_exercise = Exercise(
    "my_logsumexp",
    reference=_logsumexp,
    cases=_LSE_CASES,
    mistakes=[
        Mistake(
            "e^z overflows to inf for z above about 709.8 (and underflows to 0 below −745), "
            "so your result is inf or −inf for big logits. Subtract m = max(z) before "
            "exponentiating and add it back: m + log Σ e^{z − m}.",
            example=_naive_logsumexp,
        ),
        Mistake(
            "you subtracted the maximum m but did not add it back: "
            "log Σ e^{z} = m + log Σ e^{z − m}.",
            example=lambda z: float(np.log(np.sum(np.exp(z - np.max(z))))),
        ),
        Mistake(
            "you returned the maximum alone; it is only a lower bound, the log Σ e^{z − m} term "
            "(between 0 and log n) is missing.",
            example=lambda z: float(np.max(z)),
        ),
    ],
    success="Correct! Shifting by the maximum keeps every exponent ≤ 0: nothing can overflow.",
)

# ---------------------------------------------------------------------------------------------
# 3. The derivative of the Huber loss
# ---------------------------------------------------------------------------------------------


def _huber_grad(e: np.ndarray, delta: float) -> np.ndarray:
    """dℓ/de of ℓ(e) = ½e² (|e| ≤ δ), δ(|e| − ½δ) otherwise, elementwise: e or δ·sign(e)."""
    return np.where(np.abs(e) <= delta, e, delta * np.sign(e))


_HUBER_CASES = [
    (np.array([-3.0, -0.5, 0.0, 0.4, 2.0]), 1.0),
    (np.array([-1.0, 0.25, 1.5, 10.0]), 0.5),
    (np.array([-4.0, 1.0, 3.0]), 2.0),
    (np.array([0.1, -0.2]), 1.0),
]

my_huber_grad_exercise = Exercise(
    "my_huber_grad",
    reference=_huber_grad,
    cases=_HUBER_CASES,
    mistakes=[
        Mistake(
            "the derivative of ½e² is e, not 2e: you differentiated e² (the source text's "
            '"MSE" branch). With the ½ the two branches meet with the same slope δ at |e| = δ.',
            example=lambda e, delta: np.where(np.abs(e) <= delta, 2 * e, delta * np.sign(e)),
        ),
        Mistake(
            "beyond δ the loss is δ·(|e| − ½δ), whose slope is δ·sign(e): you left out the δ.",
            example=lambda e, delta: np.where(np.abs(e) <= delta, e, np.sign(e)),
        ),
        Mistake(
            "you returned the loss ℓ(e) itself; the exercise asks for its derivative dℓ/de.",
            example=lambda e, delta: np.where(
                np.abs(e) <= delta, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta)
            ),
        ),
        Mistake(
            "outside δ you kept |e| without its sign: for e < −δ the slope is −δ, not +δ.",
            example=lambda e, delta: np.where(np.abs(e) <= delta, e, delta),
        ),
    ],
    success="Correct! Inside δ the pull grows with the error; outside it stays δ: robust.",
)
