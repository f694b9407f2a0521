"""A loss turns a prediction and a target into one number, and its gradient says how to lower it.

Every loss here returns ``(value, grad)``: the mean-reduced loss as a float and its gradient
with respect to the first argument (prediction, probabilities or logits), computed in one call.
The exception is `kl_div(p, q)`, which keeps the textbook order D(P‖Q) and differentiates
with respect to the model's distribution q. Reductions follow ``torch.nn``: regression and
binary losses average over all elements, `cross_entropy` averages over the rows of the batch.
``reduction="none"`` returns the terms ℓᵢ instead (an array) and each term's derivative with
respect to its own input, ∂ℓᵢ/∂(input)ᵢ; ``"sum"`` returns Σℓᵢ and the same derivatives.
The mean is the sum of the terms over n, and its gradient the terms' derivatives over n.

`softmax`, `log_softmax`, `logsumexp` and the deliberately naive `logsumexp_naive` /
`cross_entropy_naive` are the building blocks the notebooks use to show why stability matters.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlib.validation import (
    as_array,
    as_class_labels,
    as_class_targets,
    as_class_weight,
    as_distribution_rows,
    as_logits,
    as_nonnegative_broadcastable,
    as_pair,
    check_axis,
    check_choice,
    check_nonempty,
    check_positive,
    check_range,
    check_same_shape,
    check_unit_interval,
)

__all__ = [
    "LOSSES",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "cross_entropy_naive",
    "focal_loss",
    "huber",
    "kl_div",
    "log_softmax",
    "logsumexp",
    "logsumexp_naive",
    "mae",
    "mse",
    "sigmoid",
    "softmax",
]

BCE_LOG_FLOOR = -100.0  # torch.nn.BCELoss clamps log p and log(1−p) at −100
# torch.nn.BCELoss floors p(1−p) at 1e-12 in its backward pass; that constant is a float32
# there (9.99999996e-13), reproduced here so the p = 0 and p = 1 gradients match it exactly
BCE_GRAD_EPS = float(np.float32(1e-12))
REDUCTIONS = ("mean", "sum", "none")  # torch.nn's names (kl_div: "batchmean" for "mean")


# ---------------------------------------------------------------------------------------
# Reductions (argument checks are in trainlib.validation)
# ---------------------------------------------------------------------------------------


def _reduce(loss: np.ndarray, dloss: np.ndarray, reduction: str):
    """Elementwise terms ℓᵢ, ∂ℓᵢ/∂xᵢ reduced: mean (Σℓᵢ/n, ℓ'/n), sum (Σℓᵢ, ℓ'), none (ℓ, ℓ')."""
    if reduction == "none":
        return loss, dloss
    if reduction == "sum":
        return float(np.sum(loss)), dloss
    return float(np.mean(loss)), dloss / loss.size


def _reduce_rows(reduction: str, terms: np.ndarray, total: float, grad: np.ndarray, denom):
    """Row terms (N,), their sum and ∂/∂z reduced: none (terms, grad), sum, or mean (÷ denom)."""
    if reduction == "none":
        return terms, grad
    if reduction == "sum":
        return total, grad
    return total / denom, grad / denom


# ---------------------------------------------------------------------------------------
# Regression losses: mean over all elements
# ---------------------------------------------------------------------------------------


def mse(yhat: Any, y: Any, reduction: str = "mean") -> tuple[Any, np.ndarray]:
    """Mean squared error, averaged over all elements.

    Shapes: yhat, y: any shape, the same; grad like yhat (and the terms, if reduction="none").
    L = (1/n)·Σ (ŷᵢ − yᵢ)²,  ∂L/∂ŷᵢ = 2(ŷᵢ − yᵢ)/n;  terms ℓᵢ = (ŷᵢ − yᵢ)², ℓᵢ' = 2(ŷᵢ − yᵢ)
    """
    check_choice("reduction", reduction, REDUCTIONS)
    yhat, y = as_pair("yhat", yhat, "y", y)
    e = yhat - y
    return _reduce(e**2, 2 * e, reduction)


def mae(yhat: Any, y: Any, reduction: str = "mean") -> tuple[Any, np.ndarray]:
    """Mean absolute error (L1), averaged over all elements.

    Shapes: yhat, y: any shape, the same; grad like yhat (and the terms, if reduction="none").
    L = (1/n)·Σ |ŷᵢ − yᵢ|,  ∂L/∂ŷᵢ = sign(ŷᵢ − yᵢ)/n;  terms ℓᵢ = |eᵢ|, ℓᵢ' = sign(eᵢ)
    |e| has no derivative at e = 0; the subgradient used there is 0 (as in torch).
    """
    check_choice("reduction", reduction, REDUCTIONS)
    yhat, y = as_pair("yhat", yhat, "y", y)
    e = yhat - y
    return _reduce(np.abs(e), np.sign(e), reduction)


def huber(yhat: Any, y: Any, delta: float = 1.0, reduction: str = "mean") -> tuple[Any, np.ndarray]:
    """Huber loss (torch.nn.HuberLoss): quadratic near zero, linear beyond δ.

    Shapes: yhat, y: any shape, the same; grad like yhat (and the terms, if reduction="none").
    ℓ(e) = ½e² if |e| ≤ δ, else δ·(|e| − ½δ);  L = (1/n)·Σ ℓ(ŷᵢ − yᵢ)
    ∂L/∂ŷᵢ = eᵢ/n if |eᵢ| ≤ δ, else δ·sign(eᵢ)/n
    The source text writes "MSE" for the quadratic branch; it is ½e², and the ½ is what
    makes the value (½δ²) and the slope (δ) continuous at |e| = δ. As δ → ∞ this is MSE/2,
    as δ → 0 it approaches δ·MAE.
    """
    delta = check_positive("delta", delta)
    check_choice("reduction", reduction, REDUCTIONS)
    yhat, y = as_pair("yhat", yhat, "y", y)
    e = yhat - y
    small = np.abs(e) <= delta
    with np.errstate(over="ignore"):  # a huge δ overflows only in the branch not taken
        loss = np.where(small, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta))
    return _reduce(loss, np.where(small, e, delta * np.sign(e)), reduction)


# ---------------------------------------------------------------------------------------
# Binary classification: mean over all elements (each element is one yes/no decision)
# ---------------------------------------------------------------------------------------


def sigmoid(z: Any) -> np.ndarray:
    """Logistic function σ(z) = 1/(1 + e^{−z}), without overflow for any finite z.

    Shapes: z: any shape; result like z.
    """
    return _sigmoid_pair(as_array("z", z))[0]


def _sigmoid_pair(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """σ(z), σ(−z) = 1 − σ(z) without cancellation, and e^{−|z|}, from one exp.

    σ(z) = 1/(1 + e^{−|z|}) for z ≥ 0, e^{−|z|}/(1 + e^{−|z|}) for z < 0; σ(−z) the other one.
    """
    ez = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    one_plus = 1 + ez
    big, small = 1 / one_plus, ez / one_plus
    pos = z >= 0
    return np.where(pos, big, small), np.where(pos, small, big), ez


def bce(p: Any, y: Any, reduction: str = "mean") -> tuple[Any, np.ndarray]:
    """Binary cross-entropy from probabilities (torch.nn.BCELoss), averaged over all elements.

    Shapes: p, y: any shape, the same; grad (and terms) like p. p, y in [0, 1] (soft labels).
    L = −(1/n)·Σ [yᵢ·log pᵢ + (1 − yᵢ)·log(1 − pᵢ)],  ∂L/∂pᵢ = (pᵢ − yᵢ) / (pᵢ(1 − pᵢ)·n)
    This is the negative log-likelihood of y under a Bernoulli(p). It grows without bound as
    a confident prediction turns out wrong (p → 0 with y = 1); like torch, each log is clamped
    at −100, so p = 0 with y = 1 costs 100 rather than inf, and the gradient's denominator
    p(1 − p) is floored at 1e-12.
    """
    check_choice("reduction", reduction, REDUCTIONS)
    p, y = as_pair("p", p, "y", y)
    check_unit_interval("p", p)
    check_unit_interval("y", y)
    with np.errstate(divide="ignore"):  # log 0 = −inf, clamped on the next line
        log_p = np.maximum(np.log(p), BCE_LOG_FLOOR)
        log_1mp = np.maximum(np.log1p(-p), BCE_LOG_FLOOR)
    loss = -(y * log_p + (1 - y) * log_1mp)
    return _reduce(loss, (p - y) / np.maximum(p * (1 - p), BCE_GRAD_EPS), reduction)


def _bce_logits_terms(z: np.ndarray, y: np.ndarray, pos_weight=1.0, pair=None):
    """Elementwise BCE-with-logits loss and its derivative ∂ℓ/∂z (no reduction).

    `pair`: `_sigmoid_pair(z)` if the caller has it already.
    """
    p, _, ez = _sigmoid_pair(z) if pair is None else pair
    log1p_ez = np.log1p(ez)
    loss = np.maximum(z, 0) - z * y + log1p_ez
    if isinstance(pos_weight, float) and pos_weight == 1.0:  # the terms below would be 0
        return loss, p - y
    softplus_neg = log1p_ez + np.maximum(-z, 0)  # −log σ(z), stable
    loss = loss + (pos_weight - 1) * y * softplus_neg
    dloss = (1 + (pos_weight - 1) * y) * p - pos_weight * y
    return loss, dloss


def bce_with_logits(
    z: Any, y: Any, pos_weight: Any = None, reduction: str = "mean"
) -> tuple[Any, np.ndarray]:
    """Binary cross-entropy from logits (torch.nn.BCEWithLogitsLoss), averaged over all elements.

    Shapes: z, y: any shape, the same; pos_weight: scalar or broadcastable to z (e.g. (C,)).
    ℓ = max(z, 0) − z·y + log(1 + e^{−|z|})  (= BCE(σ(z), y), never exp of a large number)
    with pos_weight w: ℓ = −[w·y·log σ(z) + (1 − y)·log(1 − σ(z))]
    ∂L/∂zᵢ = (σ(zᵢ) − yᵢ)/n, or ((1 + (w − 1)yᵢ)·σ(zᵢ) − w·yᵢ)/n with pos_weight.
    reduction="none": the terms ℓᵢ and ∂ℓᵢ/∂zᵢ (n times the mean's gradient).
    """
    check_choice("reduction", reduction, REDUCTIONS)
    z, y = as_pair("z", z, "y", y)
    check_unit_interval("y", y)
    pw = (
        1.0
        if pos_weight is None
        else as_nonnegative_broadcastable("pos_weight", pos_weight, z.shape)
    )
    return _reduce(*_bce_logits_terms(z, y, pw), reduction)


def focal_loss(
    z: Any, y: Any, gamma: Any = 2.0, alpha: float | None = None, reduction: str = "mean"
) -> tuple[Any, np.ndarray]:
    """Binary focal loss from logits (Lin et al. 2017), averaged over all elements.

    Shapes: z, y: any shape, the same; grad like z. y in [0, 1]. gamma: a scalar or an array
    broadcastable to z (a grid of γ, one per element).
    p = σ(z),  p_t = p·y + (1 − p)(1 − y),  α_t = α·y + (1 − α)(1 − y)  (α_t = 1 if α is None)
    ℓ = α_t·(1 − p_t)^γ·BCE(z, y),  L = (1/n)·Σ ℓᵢ
    Same as torchvision.ops.sigmoid_focal_loss(reduction="mean"), except that α defaults to
    None (no class weighting) instead of 0.25. γ = 0, α = None gives `bce_with_logits`.
    The factor (1 − p_t)^γ shrinks the loss of examples that are already right, so the rare,
    hard ones dominate the gradient. reduction="none": the terms ℓᵢ and ∂ℓᵢ/∂zᵢ.
    """
    check_choice("reduction", reduction, REDUCTIONS)
    if alpha is not None:
        alpha = check_range("alpha", alpha, 0.0, 1.0, hi_closed=True)
    z, y = as_pair("z", z, "y", y)
    if np.ndim(gamma) == 0:
        gamma = check_positive("gamma", gamma, strict=False)  # a float: m**2.0 is m·m
    else:
        gamma = as_nonnegative_broadcastable("gamma", gamma, z.shape)
    check_unit_interval("y", y)
    pair = _sigmoid_pair(z)
    p, q, _ = pair  # q = 1 − p without cancellation
    ce, dce = _bce_logits_terms(z, y, 1.0, pair)
    m = p * (1 - y) + q * y  # 1 − p_t
    mg = m**gamma  # (1 − p_t)^γ
    # ∂(m^γ)/∂z = γ·m^γ·(∂m/∂z)/m with ∂m/∂z = p·q·(1 − 2y); where m = 0 the product is 0
    dm_over_m = np.divide(p * q * (1 - 2 * y), m, out=np.zeros_like(m), where=m > 0)
    a = 1.0 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    loss = a * mg * ce
    grad = a * (mg * dce + gamma * mg * dm_over_m * ce)
    return _reduce(loss, grad, reduction)


# ---------------------------------------------------------------------------------------
# Softmax family
# ---------------------------------------------------------------------------------------


def logsumexp(z: Any, axis: int = -1) -> np.ndarray:
    """log Σⱼ e^{zⱼ} along `axis`, stable: m + log Σⱼ e^{zⱼ − m} with m = maxⱼ zⱼ.

    Shapes: z: any shape; result: z without `axis`.
    """
    z = check_nonempty("z", as_array("z", z))
    check_axis("axis", axis, z.ndim, several=False)
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


def logsumexp_naive(z: Any, axis: int = -1) -> np.ndarray:
    """log Σⱼ e^{zⱼ} computed literally, kept to show why `logsumexp` subtracts the max.

    Shapes: z: any shape; result: z without `axis`.
    e^{z} overflows to inf for z ≳ 709.8 (float64) and underflows to 0 for z ≲ −745, so the
    result is honestly inf or −inf there. No RuntimeWarning is raised: the overflow is the
    lesson, not an accident.
    """
    z = check_nonempty("z", as_array("z", z))
    check_axis("axis", axis, z.ndim, several=False)
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        return np.log(np.sum(np.exp(z), axis=axis))


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`: sᵢ = e^{zᵢ − m} / Σⱼ e^{zⱼ − m}, m = maxⱼ zⱼ (shift-invariant).

    Shapes: z: any shape; result like z, rows summing to 1.
    """
    z = check_nonempty("z", as_array("z", z))
    check_axis("axis", axis, z.ndim, several=False)
    ez = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return ez / np.sum(ez, axis=axis, keepdims=True)


def log_softmax(z: Any, axis: int = -1) -> np.ndarray:
    """log softmax along `axis`: log sᵢ = (zᵢ − m) − log Σⱼ e^{zⱼ − m}, finite for finite z.

    Shapes: z: any shape; result like z.
    """
    z = check_nonempty("z", as_array("z", z))
    return _log_softmax(z, check_axis("axis", axis, z.ndim, several=False))


def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """`log_softmax` of an already checked float array."""
    shifted = z - z.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))  # fresh: in place
    return shifted


# ---------------------------------------------------------------------------------------
# Multi-class classification: mean over the rows of the batch
# ---------------------------------------------------------------------------------------


def cross_entropy(
    z: Any, y: Any, weight: Any = None, reduction: str = "mean"
) -> tuple[Any, np.ndarray]:
    """Categorical cross-entropy from logits (torch.nn.functional.cross_entropy).

    Shapes: z: (N, C) logits; y: (N,) integer labels or (N, C) probability rows;
    weight: (C,) non-negative class weights or None; grad: (N, C).
    Integer labels: L = −Σᵢ w_{yᵢ}·log softmax(zᵢ)_{yᵢ} / Σᵢ w_{yᵢ}   (weighted mean; = NLL)
    Probability rows: L = −(1/N)·Σᵢ Σ_c w_c·y_{ic}·log softmax(zᵢ)_c
    ∂L/∂z_{ic} = (Σₖ w_k·y_{ik}·s_{ic} − w_c·y_{ic}) / D, D the denominator above;
    unweighted this is (softmax(zᵢ) − yᵢ)/N. With one-hot labels the loss of a row is
    −log p[correct]. Computed through `log_softmax`, so logits of ±1e4 are fine.
    reduction="none": the rows' losses ℓᵢ = −Σ_c w_c·y_{ic}·log softmax(zᵢ)_c (N,) and
    ∂ℓᵢ/∂zᵢ (N, C); "sum": Σᵢ ℓᵢ and the same gradient (as torch).
    """
    check_choice("reduction", reduction, REDUCTIONS)
    z = as_logits("z", z)
    y = np.asarray(y)
    if weight is None and y.ndim == 1:  # the common case: labels, w = 1, D = N
        n = z.shape[0]
        rows, labels = np.arange(n), as_class_labels("y", y, "z", z)
        logp = _log_softmax(z)
        grad = np.exp(logp)
        grad[rows, labels] -= 1.0  # softmax(zᵢ) − yᵢ, yᵢ one-hot
        terms = -logp[rows, labels]
        return _reduce_rows(reduction, terms, -float(logp[rows, labels].sum()), grad, n)
    t, from_labels = as_class_targets("y", y, "z", z)
    w = as_class_weight("weight", weight, z.shape[1], z.dtype)
    wt = t * w  # w_c·y_ic
    row_w = np.sum(wt, axis=1, keepdims=True)
    denom = float(np.sum(row_w)) if from_labels else z.shape[0]
    if denom == 0 and reduction == "mean":
        raise ValueError("weight: expected a positive total weight over the labels in y, got 0")
    logp = _log_softmax(z)
    terms = -np.sum(wt * logp, axis=1)
    total = -float(np.sum(wt * logp))
    return _reduce_rows(reduction, terms, total, row_w * np.exp(logp) - wt, denom)


def cross_entropy_naive(z: Any, y: Any, reduction: str = "mean") -> tuple[Any, np.ndarray]:
    """Cross-entropy the literal way, softmax by e^z / Σe^z then log: overflows for big logits.

    Shapes: z: (N, C) logits; y: (N,) integer labels or (N, C) probability rows; grad: (N, C).
    L = −(1/N)·Σᵢ Σ_c y_{ic}·log(e^{z_{ic}} / Σⱼ e^{z_{ij}}),  ∂L/∂zᵢ = (sᵢ − yᵢ)/N
    reduction as in `cross_entropy`.
    Kept for the stable-vs-naive comparison: with logits around ±1000, e^z is inf or 0 and the
    result is honestly inf or nan (without RuntimeWarnings). Use `cross_entropy`.
    """
    check_choice("reduction", reduction, REDUCTIONS)
    z = as_logits("z", z)
    t, _ = as_class_targets("y", y, "z", z)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ez = np.exp(z)
        s = ez / np.sum(ez, axis=1, keepdims=True)
        tlog = t * np.log(s)  # literally: 0·log 0 is nan here, as naive code gives
        terms, total = -np.sum(tlog, axis=1), -float(np.sum(tlog))
    return _reduce_rows(reduction, terms, total, s - t, z.shape[0])


# ---------------------------------------------------------------------------------------
# Distribution matching
# ---------------------------------------------------------------------------------------


def kl_div(p: Any, q: Any, reduction: str = "batchmean") -> tuple[Any, np.ndarray]:
    """Kullback–Leibler divergence D(P‖Q), averaged over rows; gradient with respect to q.

    Shapes: p, q: (C,) or (N, C), the same; each row a distribution; grad like q.
    D(P‖Q) = Σ_c P_c·log(P_c / Q_c), with 0·log(0/Q) = 0;  L = (1/N)·Σᵢ D(Pᵢ‖Qᵢ)
    ∂L/∂Q_{ic} = −P_{ic} / (Q_{ic}·N)   (0 where P = 0; the unconstrained partial derivative)
    Equals torch.nn.functional.kl_div(q.log(), p, reduction="batchmean") for (N, C) input;
    a single (C,) distribution counts as N = 1. P is the reference (data), Q the model.
    D ≥ 0, with equality iff P = Q, and D(P‖Q) ≠ D(Q‖P) in general. If Q_c = 0 where
    P_c > 0 the divergence is infinite: value inf and gradient −inf there, without warnings.
    reduction="none" (as torch): the terms P_{ic}·log(P_{ic}/Q_{ic}) and −P_{ic}/Q_{ic}, like q;
    "sum": Σ of the terms, and −P/Q.
    """
    check_choice("reduction", reduction, ("batchmean", "sum", "none"))
    p = as_distribution_rows("p", p)
    q = as_distribution_rows("q", q)
    check_same_shape("q", q, "p", p)
    n = 1 if p.ndim == 1 else p.shape[0]
    pos = p > 0
    log_p = np.log(p, out=np.zeros_like(p), where=pos)
    with np.errstate(divide="ignore"):  # log 0 = −inf: the divergence is honestly infinite
        log_q = np.log(q)
    terms = np.multiply(p, log_p - log_q, out=np.zeros_like(p), where=pos)
    with np.errstate(divide="ignore", over="ignore"):  # Q = 0 (or subnormal) under P > 0
        grad = np.divide(-p, q, out=np.zeros_like(q), where=pos)
    if reduction == "none":
        return terms, grad
    return _reduce_rows(reduction, terms, float(np.sum(terms)), grad, n)


LOSSES = {
    "MSE": mse,
    "MAE": mae,
    "Huber": huber,
    "BCE": bce,
    "BCE with logits": bce_with_logits,
    "Cross-entropy": cross_entropy,
    "Focal": focal_loss,
    "KL divergence": kl_div,  # note the order: kl_div(p_target, q_model), grad w.r.t. q
}
"""Display name → loss function, for the notebooks' loss explorer."""
