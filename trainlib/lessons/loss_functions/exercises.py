"""Exercises of 02_loss_functions: derive the weighted-BCE gradient, predict where KL puts Q,
debug a batched log-sum-exp, and the Huber gradient of a line fit (kinds: derive, predict,
debug, implement)."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1. derive: the gradient of class-weighted BCE with respect to the logits
# ---------------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Part of the reference solution, not a second library sigmoid: tools/instructor_edition.py
    # pastes it into the notebook with `_bce_logit_grad`, so it must stand on its own. It is
    # `trainlib.losses.sigmoid`'s formula, bit for bit (tests/test_02_loss_functions.py).
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + ez), ez / (1 + ez))


def _bce_logit_grad(z: np.ndarray, y: np.ndarray, w: float) -> np.ndarray:
    """∂L/∂z of L = (1/N)·Σ −[w·yᵢ·log σ(zᵢ) + (1 − yᵢ)·log(1 − σ(zᵢ))]. Shapes: z, y (N,) → (N,).

    Per example: σ(z)·(w·y + 1 − y) − w·y, i.e. w·(σ(z) − 1) for y = 1 and σ(z) for y = 0.
    """
    return (_sigmoid(z) * (w * y + 1 - y) - w * y) / z.size


def _has_sigma_prime(got, z, y, w) -> bool:
    """True when `got` is a BCE gradient (weighted or plain, ×1 or ×2) times σ'(z)."""
    s = _sigmoid(z)
    candidates = [_bce_logit_grad(z, y, w), (s - y) / z.size]
    return any(
        np.allclose(got, k * g * s * (1 - s), rtol=1e-6, atol=1e-12)
        for g in candidates
        for k in (1.0, 2.0)
    )


_BCE_CASES = [
    (np.array([0.0, 2.0, -1.0]), np.array([1.0, 0.0, 1.0]), 5.0),
    (np.array([3.0, -3.0, 0.5, -0.5]), np.array([1.0, 1.0, 0.0, 0.0]), 2.0),
    (np.array([-8.0, 8.0]), np.array([1.0, 0.0]), 20.0),
    (np.array([1.5, -2.0]), np.array([0.0, 0.0]), 3.0),
]

my_bce_logit_grad_exercise = Exercise(
    "my_bce_logit_grad",
    kind="derive",
    reference=_bce_logit_grad,
    cases=_BCE_CASES,
    mistakes=[
        Mistake(
            "you multiplied every example by w, also the common class (y = 0): the loss weights "
            "only the y = 1 term, so a y = 0 example keeps the plain σ(z)/N.",
            example=lambda z, y, w: w * (_sigmoid(z) - y) / z.size,
        ),
        Mistake(
            "your gradient ignores the weight w: that is plain BCE's (σ(z) − y)/N. Differentiate "
            "w·y·log σ(z) once more: the y = 1 term becomes w·(σ(z) − 1)/N.",
            example=lambda z, y, w: (_sigmoid(z) - y) / z.size,
        ),
        Mistake(
            "your gradient has the wrong sign: for y = 1 and a small σ(z) it must be negative "
            "(raising z lowers the loss). Use d/dz log σ(z) = 1 − σ(z) and d/dz log(1 − σ(z)) = "
            "−σ(z), then the minus in front of the loss.",
            example=lambda z, y, w: -_bce_logit_grad(z, y, w),
        ),
        Mistake(
            "the loss is the mean over the N examples, so every entry of the gradient carries a "
            "factor 1/N.",
            example=lambda z, y, w: _bce_logit_grad(z, y, w) * z.size,
        ),
        Mistake(
            "for y = 1 the whole term w·y·log σ(z) is weighted, so its derivative is "
            "w·(σ(z) − 1), not σ(z) − w.",
            example=lambda z, y, w: (_sigmoid(z) - w * y) / z.size,
        ),
        Mistake(
            "your weight sits on the common class (y = 0); w multiplies the rare class's term "
            "w·y·log σ(z), so it scales the y = 1 entries: w·(σ(z) − 1)/N.",
            example=lambda z, y, w: (y * (_sigmoid(z) - 1) + w * (1 - y) * _sigmoid(z)) / z.size,
        ),
        Mistake(
            "no σ'(z) factor: cross-entropy's log cancels it (the section on choosing a loss). "
            "∂/∂z of −log σ(z) is σ(z) − 1 directly.",
            example=lambda z, y, w: _bce_logit_grad(z, y, w) * _sigmoid(z) * (1 - _sigmoid(z)),
            detect=lambda got, expected, args: _has_sigma_prime(got, *args),
        ),
    ],
    success="Correct! w·(σ(z) − 1)/N for the rare class, σ(z)/N for the common one: the weight "
    "scales the rare class's error signal exactly as it scales its loss — no σ' anywhere.",
)

# ---------------------------------------------------------------------------------------------
# 2. predict: where does Q go under KL(P‖Q), and under KL(Q‖P)?
# ---------------------------------------------------------------------------------------------


def _kl_best_centres() -> np.ndarray:
    """[μ minimising KL(P‖Q), μ ≥ 0 minimising KL(Q‖P)] for the notebook's P and Q = N(μ, 1).

    P: two bumps of width 0.6 at ±2 on 49 bins in [−6, 6] (`experiments.bump`, floor 1e-3).
    """
    c = np.linspace(-6.0, 6.0, 49)

    def bump(mu, sigma):  # the notebook's `R.bump`, written out so this stands alone
        g = np.exp(-0.5 * ((c[:, None] - np.atleast_1d(mu)) / sigma) ** 2).sum(axis=1)
        g = g / g.sum() + 1e-3 / c.size
        return g / g.sum()

    P = bump([-2.0, 2.0], 0.6)
    mus = np.linspace(-4.0, 4.0, 801)
    Qs = [bump(mu, 1.0) for mu in mus]
    forward = [np.sum(P * np.log(P / Q)) for Q in Qs]  # KL(P‖Q)
    reverse = [np.sum(Q * np.log(Q / P)) for Q in Qs]  # KL(Q‖P)
    right = mus >= 0
    return np.array([mus[np.argmin(forward)], mus[right][np.argmin(np.array(reverse)[right])]])


def _explain_kl(got, expected) -> str:
    return (
        f"The experiment: KL(P‖Q) is smallest at μ = {expected[0] + 0.0:.2f} — Q straddles both "
        "bumps, because wherever P has mass and Q has none, P·log(P/Q) is huge. KL(Q‖P) is "
        f"smallest at μ = ±{expected[1]:.2f} — Q sits on one bump, because any mass Q puts "
        "between the bumps, where P ≈ 0, costs Q·log(Q/P). Now run the cells below and slide μ."
    )


my_kl_exercise = Exercise(
    "predict_kl_centres",
    kind="predict",
    reference=_kl_best_centres,
    cases=[()],
    rtol=0.0,
    atol=0.3,  # a prediction to within 0.3 of a bin-sized grid counts; the bumps are 4 apart
    explain=_explain_kl,
    mistakes=[
        Mistake(
            "you swapped the two directions: KL(P‖Q) averages over where P has mass, so it "
            "punishes a Q that misses a bump; KL(Q‖P) averages over where Q has mass.",
            example=lambda: _kl_best_centres()[::-1],
        ),
    ],
    success="Right on both.",
)

# ---------------------------------------------------------------------------------------------
# 3. debug: a batched log-sum-exp that subtracts the wrong maximum
# ---------------------------------------------------------------------------------------------


def _logsumexp_rows(Z: np.ndarray) -> np.ndarray:
    """log Σⱼ exp(Z[i, j]) for every row i, stable. Shapes: Z (N, C) → (N,).

    mᵢ = maxⱼ Z[i, j]; result mᵢ + log Σⱼ exp(Z[i, j] − mᵢ): each row's own maximum.
    """
    m = np.max(Z, axis=1, keepdims=True)
    return m[:, 0] + np.log(np.sum(np.exp(Z - m), axis=1))


def _quietly(fn):
    def run(Z):
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return fn(Z)

    return run


# Square batches (N = C) on purpose: there a per-row maximum without keepdims, shape (N,),
# still broadcasts against Z (as a row, i.e. per column), so that mistake gets its own hint
# instead of a broadcasting error.
_LSE_CASES = [
    (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 4.0, 2.0]]),),
    (np.array([[1000.0, 999.0, -5.0], [-1000.0, -1001.0, -1002.0], [0.0, 1.0, 2.0]]),),
    (np.array([[800.0, 0.0, 1.0], [2.0, 3.0, 4.0], [5.0, 5.0, 5.0]]),),
    (np.array([[-1000.0, -999.0], [3.0, 1.0]]),),
]

my_logsumexp_exercise = Exercise(
    "my_logsumexp",
    kind="debug",
    reference=_logsumexp_rows,
    cases=_LSE_CASES,
    mistakes=[
        Mistake(
            "the bug is still there: you subtract the largest logit of the whole batch. A row "
            "whose logits all lie far below it underflows — e^(−2000) = 0, log 0 = −inf. "
            "Subtract each row's own maximum, np.max(Z, axis=1, keepdims=True), and add it back.",
            example=_quietly(lambda Z: np.max(Z) + np.log(np.sum(np.exp(Z - np.max(Z)), axis=1))),
        ),
        Mistake(
            "you subtract each row's maximum mᵢ but never add it back: log Σ e^z = mᵢ + "
            "log Σ e^(z − mᵢ).",
            example=lambda Z: np.log(np.sum(np.exp(Z - np.max(Z, axis=1, keepdims=True)), axis=1)),
        ),
        Mistake(
            "you removed the shift altogether: e^z overflows to inf above z ≈ 709.8 and "
            "underflows to 0 below −745. Keep a shift, but per row.",
            example=_quietly(lambda Z: np.log(np.sum(np.exp(Z), axis=1))),
        ),
        Mistake(
            "np.max(Z, axis=1) has shape (N,), and Z − m subtracts it from every *row* "
            "(broadcasting lines it up with the columns): keep the axis, "
            "np.max(Z, axis=1, keepdims=True), or write m[:, None].",
            example=_quietly(
                lambda Z: np.max(Z, axis=1) + np.log(np.sum(np.exp(Z - np.max(Z, axis=1)), axis=1))
            ),
        ),
        Mistake(
            "m has shape (N, 1), so m + (a result of shape (N,)) broadcasts to (N, N): add back "
            "m[:, 0] (or sum with keepdims=True and ravel).",
            example=_quietly(
                lambda Z: (
                    np.max(Z, axis=1, keepdims=True)
                    + np.log(np.sum(np.exp(Z - np.max(Z, axis=1, keepdims=True)), axis=1))
                )
            ),
        ),
        Mistake(
            "axis=0 takes each column's maximum; the log-sum-exp runs along a row, so take the "
            "row's maximum: axis=1.",
            example=_quietly(
                lambda Z: (
                    np.max(Z, axis=0)
                    + np.log(np.sum(np.exp(Z - np.max(Z, axis=0, keepdims=True)), axis=1))
                )
            ),
        ),
    ],
    success="Fixed! Each row shifted by its own maximum: every row has an exponent e⁰ = 1, so "
    "no sum can underflow to 0 and no exponent can overflow.",
)

# ---------------------------------------------------------------------------------------------
# 4. implement: the gradient of a Huber line fit with respect to its slope and intercept
# ---------------------------------------------------------------------------------------------


def _huber_grad(w: float, b: float, x: np.ndarray, y: np.ndarray, delta: float) -> np.ndarray:
    """[∂L/∂w, ∂L/∂b] of L = (1/n)·Σ ℓ_δ(w·xᵢ + b − yᵢ). Shapes: x, y (n,) → (2,).

    With eᵢ = w·xᵢ + b − yᵢ and ℓ_δ'(e) = e (|e| ≤ δ) or δ·sign(e): the chain rule gives
    ∂L/∂w = mean(ℓ_δ'(eᵢ)·xᵢ), ∂L/∂b = mean(ℓ_δ'(eᵢ)).
    """
    e = w * x + b - y
    g = np.where(np.abs(e) <= delta, e, delta * np.sign(e))
    return np.array([np.mean(g * x), np.mean(g)])


_X = np.linspace(0.0, 10.0, 6)
_Y = 0.5 * _X + 1.0 + np.array([0.2, -0.1, 0.0, 0.3, 20.0, -0.2])  # one outlier, +20
_HUBER_CASES = [
    (0.4, 1.2, _X, _Y, 1.0),
    (0.5, 1.0, _X, _Y, 0.5),
    (1.0, 0.0, _X, _Y, 3.0),
    (0.0, 2.0, np.array([-2.0, 1.0, 4.0]), np.array([1.0, 2.5, -3.0]), 2.0),
]


def _clip(e, delta):
    return np.where(np.abs(e) <= delta, e, delta * np.sign(e))


def _grad_from(pull, x):
    """[mean(pull·x), mean(pull)]: the chain rule for ŷ = w·x + b, given each point's ℓ'(eᵢ)."""
    return np.array([np.mean(pull * x), np.mean(pull)])


def _is_sign_pull(got, w, b, x, y, d) -> bool:
    """True when `got` uses sign(e) (MAE's pull, or δ·sign(e)) inside δ instead of e."""
    e = w * x + b - y
    pulls = (np.sign(e), d * np.sign(e), np.where(np.abs(e) <= d, np.sign(e), d * np.sign(e)))
    return any(np.allclose(got, _grad_from(g, x), rtol=1e-6, atol=1e-12) for g in pulls)


my_huber_grad_exercise = Exercise(
    "my_huber_grad",
    kind="implement",
    reference=_huber_grad,
    cases=_HUBER_CASES,
    mistakes=[
        Mistake(
            "your ∂L/∂w lacks the factor xᵢ: ŷᵢ = w·xᵢ + b changes by xᵢ when w changes by 1, so "
            "the chain rule gives mean(ℓ'(eᵢ)·xᵢ).",
            example=lambda w, b, x, y, d: np.array([np.mean(_clip(w * x + b - y, d))] * 2),
        ),
        Mistake(
            "you did not clip: e itself is the gradient of ½e² (½·MSE), whose pull grows with "
            "the error. Beyond δ Huber's pull stays δ·sign(e) — that is what makes it robust.",
            example=lambda w, b, x, y, d: np.array(
                [np.mean((w * x + b - y) * x), np.mean(w * x + b - y)]
            ),
        ),
        Mistake(
            "you summed over the points; L is their mean, so divide by n.",
            example=lambda w, b, x, y, d: _huber_grad(w, b, x, y, d) * x.size,
        ),
        Mistake(
            "your gradient has the wrong sign: you used y − ŷ as the error. With e = ŷ − y, a "
            "line above the points (e > 0) must have ∂L/∂b > 0.",
            example=lambda w, b, x, y, d: -_huber_grad(w, b, x, y, d),
        ),
        Mistake(
            "inside δ the loss is ½e², whose derivative is e, not 2e — the ½ of the Huber section.",
            example=lambda w, b, x, y, d: _grad_from(
                np.where(np.abs(w * x + b - y) <= d, 2 * (w * x + b - y), _clip(w * x + b - y, d)),
                x,
            ),
        ),
        Mistake(
            "∂eᵢ/∂b = 1, so ∂L/∂b = mean(ℓ'(eᵢ)) with no xᵢ.",
            example=lambda w, b, x, y, d: np.array([np.mean(_clip(w * x + b - y, d) * x)] * 2),
        ),
        Mistake(
            "inside δ Huber's pull is e itself, not sign(e) — that is MAE.",
            example=lambda w, b, x, y, d: _grad_from(np.sign(w * x + b - y), x),
            detect=lambda got, expected, args: _is_sign_pull(got, *args),
        ),
        Mistake(
            "beyond δ the pull is δ·sign(e), not sign(e): the linear branch δ(|e| − ½δ) has "
            "slope δ.",
            example=lambda w, b, x, y, d: _grad_from(
                np.where(np.abs(w * x + b - y) <= d, w * x + b - y, np.sign(w * x + b - y)), x
            ),
        ),
    ],
    success="Correct! The outlier pulls on the slope with at most δ·x, however far away it is.",
)
