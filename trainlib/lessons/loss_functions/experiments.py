"""The experiments of notebook 02: robust line fits, loss curves, and training on rare classes.

A loss is a choice of what an error costs. This module runs the experiments that show the
consequences: a line fitted under MSE, MAE and Huber as one outlier grows (claims C8, C9,
C12); every loss as an elementwise curve ℓ and its derivative ℓ', stable or naive (the loss
explorer, C10, C11, C14); a pair of distributions for KL's asymmetry (C13); and a
logistic regression trained on imbalanced data for a grid of class weights w and focal γ at
once (C15). The losses themselves live in `trainlib.losses`; every function here agrees with
them (tests/test_notebook_02.py checks it).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from trainlib import losses as L
from trainlib.validation import (
    as_array,
    check_choice,
    check_int,
    check_positive,
    check_range,
)

__all__ = [
    "ImbalanceGrid",
    "bce_terms",
    "binary_terms",
    "bump",
    "fit_line",
    "imbalance_grid",
    "kl_coin_terms",
    "kl_rows",
    "logit_gradients",
    "outlier_line",
    "recall_precision",
    "regression_terms",
    "softmax_ce_terms",
    "train_logistic",
]

TRUE_SLOPE, TRUE_INTERCEPT = 0.5, 1.0  # the line behind `outlier_line`'s data
MAE_EPS = 1e-9  # IRLS for MAE weights a residual r by 1/max(|r|, MAE_EPS)


# ---------------------------------------------------------------------------------------
# C8, C9, C12 — a line, one outlier, three losses
# ---------------------------------------------------------------------------------------


def outlier_line(
    outlier: float = 0.0, *, rng: np.random.Generator, n: int = 15, noise: float = 0.3
) -> tuple[np.ndarray, np.ndarray, int]:
    """Points near the line y = 0.5·x + 1, with one point pushed up by `outlier`.

    Shapes: returns x (n,), y (n,) and the index of the outlier (the second point from the
    right, where it has leverage over the slope). x is evenly spaced in [0, 10];
    y = 0.5·x + 1 + N(0, noise²); then y[index] += outlier. The same rng state gives the
    same noise for every `outlier`, so only that one point moves.
    """
    n = check_int("n", n, minimum=3)
    noise = check_positive("noise", noise, strict=False)
    outlier = float(as_array("outlier", outlier, ndim=0))
    x = np.linspace(0.0, 10.0, n)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + noise * rng.standard_normal(n)
    index = n - 2
    y[index] += outlier
    return x, y, index


def regression_terms(e: Any, loss: str, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise ℓ(e) and ℓ'(e) of a regression loss, for e = ŷ − y (no averaging).

    Shapes: e any shape; both results like e.
    MSE: ℓ = e², ℓ' = 2e.   MAE: ℓ = |e|, ℓ' = sign(e) (0 at e = 0, as torch).
    Huber: ℓ = ½e² if |e| ≤ δ else δ(|e| − ½δ), ℓ' = e if |e| ≤ δ else δ·sign(e).
    These are `trainlib.losses.mse/mae/huber` on one element each.
    """
    e = as_array("e", e)
    check_choice("loss", loss, ("MSE", "MAE", "Huber"))
    if loss == "MSE":
        return e**2, 2 * e
    if loss == "MAE":
        return np.abs(e), np.sign(e)
    delta = check_positive("delta", delta)
    small = np.abs(e) <= delta
    value = np.where(small, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta))
    return value, np.where(small, e, delta * np.sign(e))


def fit_line(
    x: Any, y: Any, loss: str = "MSE", *, delta: float = 1.0, iters: int = 200
) -> np.ndarray:
    """Fit ŷ = w·x + b minimising the mean of ℓ(ŷ − y) for MSE, MAE or Huber(δ).

    Shapes: x (n,); y (n,) or (K, n) for K data sets at once; returns [w, b] as (2,) or (K, 2).
    MSE: the normal equations (closed form). MAE and Huber: iteratively reweighted least
    squares (IRLS), started from the MSE fit: each round solves a weighted least-squares
    problem with weights ℓ'(r)/r, i.e. 1 inside δ and δ/|r| outside (Huber), 1/|r| (MAE),
    so big residuals count less and less. Huber's IRLS converges to its unique minimum;
    MAE's (with |r| floored at 1e-9) to a least-absolute-deviations line.
    """
    x = as_array("x", x, ndim=1)
    y = as_array("y", y)
    if y.ndim not in (1, 2) or y.shape[-1] != x.shape[0]:
        raise ValueError(f"y: expected shape ({x.shape[0]},) or (K, {x.shape[0]}), got {y.shape}")
    check_choice("loss", loss, ("MSE", "MAE", "Huber"))
    delta = check_positive("delta", delta)
    iters = check_int("iters", iters, minimum=1)
    Y = np.atleast_2d(y)
    A = np.column_stack([x, np.ones_like(x)])  # (n, 2)
    theta = np.linalg.solve(A.T @ A, A.T @ Y.T).T  # (K, 2): least squares
    if loss != "MSE":
        for _ in range(iters):
            r = np.abs(theta @ A.T - Y)  # (K, n) residual sizes
            if loss == "MAE":
                wts = 1.0 / np.maximum(r, MAE_EPS)
            else:
                wts = np.minimum(1.0, delta / np.maximum(r, 1e-300))
            AtW = A.T[None] * wts[:, None, :]  # (K, 2, n)
            new = np.linalg.solve(AtW @ A, (AtW @ Y[..., None]))[..., 0]
            done = np.max(np.abs(new - theta)) < 1e-12
            theta = new
            if done:
                break
    return theta[0] if y.ndim == 1 else theta


# ---------------------------------------------------------------------------------------
# C10, C11, C14, C15 — classification losses as elementwise curves
# ---------------------------------------------------------------------------------------


def binary_terms(
    z: Any, y: Any, *, gamma: Any = 0.0, pos_weight: Any = 1.0, stable: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise binary loss ℓ(z) and ∂ℓ/∂z from logits: weighted, focal, or plain BCE.

    Shapes: z, y, gamma, pos_weight broadcast together (γ and w may be grids); results
    broadcast. p = σ(z), p_t = p if y = 1 else 1 − p, a = w for y = 1 and 1 for y = 0:
    ℓ = a·(1 − p_t)^γ·CE,  CE = −log p_t = log(1 + e^{−z}) (y = 1) or log(1 + e^{z}) (y = 0)
    γ = 0, w = 1 is BCE with logits; γ = 0 is `bce_with_logits(pos_weight=w)`; w = 1 is
    `focal_loss(gamma=γ)` (each on one element). CE is a log-sum-exp, log(e⁰ + e^{∓z}):
    `stable=True` computes it as max(0, ∓z) + log(1 + e^{−|z|}); `stable=False` literally,
    so e^{1000} overflows and the value is inf (or nan), as a naive implementation gives.
    """
    z, y = as_array("z", z), as_array("y", y)
    gamma, w = as_array("gamma", gamma), as_array("pos_weight", pos_weight)
    check_positive("gamma", float(np.min(gamma)), strict=False)
    check_positive("pos_weight", float(np.min(w)), strict=False)
    a = np.where(y == 1, w, 1.0)
    if stable:
        ce = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        p, q = L.sigmoid(z), L.sigmoid(-z)  # q = 1 − p without cancellation
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            pos, neg = np.log(1 + np.exp(-z)), np.log(1 + np.exp(z))  # e^{±z} may be inf
            ce = np.where(y == 1, pos, np.where(y == 0, neg, y * pos + (1 - y) * neg))
            p = 1 / (1 + np.exp(-z))
            q = 1 - p
    m = p * (1 - y) + q * y  # 1 − p_t
    with np.errstate(over="ignore", invalid="ignore"):
        mg = m**gamma
        dm_over_m = np.divide(p * q * (1 - 2 * y), m, out=np.zeros_like(m * gamma), where=m > 0)
        value = a * mg * ce
        grad = a * mg * ((p - y) + gamma * dm_over_m * ce)  # d CE/dz = p − y
    return value, grad


def logit_gradients(z: Any, y: float) -> tuple[np.ndarray, np.ndarray]:
    """∂ℓ/∂z per example for a sigmoid output: cross-entropy vs squared error (claim C14).

    Shapes: z any shape; returns two arrays like z.
    BCE on σ(z):  ∂ℓ/∂z = σ(z) − y                       (`losses.bce_with_logits`)
    MSE on σ(z):  ∂ℓ/∂z = 2(σ(z) − y)·σ(z)(1 − σ(z))      (`losses.mse`, chain rule through σ)
    The factor σ(1 − σ) ≤ ¼ vanishes when the sigmoid saturates, right or wrong.
    """
    z = as_array("z", z)
    y = check_range("y", y, 0.0, 1.0, hi_closed=True)
    flat = z.reshape(-1)
    target = np.full_like(flat, y)
    ce = L.bce_with_logits(flat, target)[1] * flat.size
    s = L.sigmoid(flat)
    mse = L.mse(s, target)[1] * flat.size * s * (1 - s)
    return ce.reshape(z.shape), mse.reshape(z.shape)


def softmax_ce_terms(Z: Any, label: int, *, stable: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Cross-entropy −log softmax(z)[label] of every row, and its gradient softmax(z) − onehot.

    Shapes: Z (N, C) logits; returns values (N,), grads (N, C). Row i is
    `trainlib.losses.cross_entropy(Z[i:i+1], [label])` (stable) or `cross_entropy_naive`
    (stable=False: e^z / Σe^z literally, which turns logits of ±1000 into inf or nan).
    """
    Z = as_array("Z", Z, ndim=2)
    label = check_int("label", label)
    check_range("label", label, 0, Z.shape[1])
    onehot = np.eye(Z.shape[1])[label]
    if stable:
        logp = L.log_softmax(Z)
        return -logp[:, label], np.exp(logp) - onehot
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ez = np.exp(Z)
        s = ez / np.sum(ez, axis=1, keepdims=True)
        return -np.log(s[:, label]), s - onehot


def bump(
    centers: Any, mu: Any, sigma: Any, weights: Any = None, *, floor: float = 1e-3
) -> np.ndarray:
    """A discrete distribution over `centers`: a mixture of Gaussian bumps, renormalised.

    Shapes: centers (C,); mu, sigma, weights (M,) for M bumps (or scalars); returns (C,).
    P_c ∝ floor/C + Σₘ weightₘ·exp(−(c − μₘ)²/(2σₘ²)) / Σ(…), so no P_c is exactly 0 and
    every KL divergence between two bumps is finite.
    """
    centers = as_array("centers", centers, ndim=1)
    mu, sigma = np.atleast_1d(as_array("mu", mu)), np.atleast_1d(as_array("sigma", sigma))
    check_positive("sigma", float(np.min(sigma)))
    weights = np.ones_like(mu) if weights is None else np.atleast_1d(as_array("weights", weights))
    check_positive("floor", floor, strict=False)
    g = np.exp(-0.5 * ((centers[:, None] - mu) / sigma) ** 2) @ weights
    g = g / np.sum(g) + floor / centers.size
    return g / np.sum(g)


# ---------------------------------------------------------------------------------------
# C15 — logistic regression on imbalanced data, for a grid of class weights and focal γ
# ---------------------------------------------------------------------------------------


def train_logistic(
    X: Any,
    y: Any,
    *,
    gamma: Any = 0.0,
    pos_weight: Any = 1.0,
    steps: int = 300,
    lr: float = 0.1,
) -> np.ndarray:
    """Fit K logistic regressions at once by full-batch Adam, one per (γ, w) pair.

    Shapes: X (n, d), y (n,) in {0, 1}; gamma, pos_weight broadcast to (K,) (scalars: K = 1);
    returns theta (K, d + 1) = [weights…, bias]. Model z = X·θ[:d] + θ[d]; loss the mean of
    `binary_terms(z, y, gamma, pos_weight)`; gradient ∂L/∂θ = (1/n)·[Xᵀ, 1ᵀ]·∂ℓ/∂z.
    Adam (β = 0.9, 0.999, fixed lr) makes the step size independent of the weight's scale,
    so every model of the grid gets the same training budget. Deterministic: starts at 0.
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected shape ({X.shape[0]},) to match X, got {y.shape}")
    gamma, w = np.broadcast_arrays(
        np.atleast_1d(as_array("gamma", gamma)), np.atleast_1d(as_array("pos_weight", pos_weight))
    )
    if gamma.ndim != 1:
        raise ValueError(f"gamma: expected a scalar or a 1-D grid, got shape {gamma.shape}")
    steps = check_int("steps", steps, minimum=1)
    lr = check_positive("lr", lr)
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])  # (n, d + 1)
    theta = np.zeros((gamma.size, d + 1))
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    g_col, w_col = gamma[:, None], w[:, None]
    for t in range(1, steps + 1):
        _, dz = binary_terms(theta @ A.T, y, gamma=g_col, pos_weight=w_col)  # (K, n)
        grad = dz @ A / n
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        theta = theta - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return theta


def recall_precision(theta: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision of class 1 for each model (predict 1 where z > 0).

    Shapes: theta (K, d + 1), X (n, d), y (n,); returns recall (K,), precision (K,).
    recall = TP/(TP + FN): the share of rare cases found; precision = TP/(TP + FP), 0 when
    nothing is predicted positive.
    """
    theta = as_array("theta", theta, ndim=2)
    X, y = as_array("X", X, ndim=2), as_array("y", y, ndim=1)
    pred = (theta[:, :-1] @ X.T + theta[:, -1:]) > 0  # (K, n)
    pos = y == 1
    tp = np.sum(pred & pos, axis=1)
    recall = tp / max(int(np.sum(pos)), 1)
    predicted = np.sum(pred, axis=1)
    precision = np.divide(tp, predicted, out=np.zeros(len(tp)), where=predicted > 0)
    return recall, precision


class ImbalanceGrid(NamedTuple):
    """Models trained for every (γ, w) of a grid, and how they do on held-out data.

    weights (W,), gammas (G,); theta (G, W, d + 1); recall, precision (G, W) on the test set;
    X_train, y_train, X_test, y_test the data.
    """

    weights: np.ndarray
    gammas: np.ndarray
    theta: np.ndarray
    recall: np.ndarray
    precision: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def imbalance_grid(
    weights: Any,
    gammas: Any,
    *,
    rng: np.random.Generator,
    n: int = 400,
    minority_fraction: float = 0.05,
    separation: float = 2.5,
    steps: int = 300,
) -> ImbalanceGrid:
    """Train a logistic regression on `trainlib.data.imbalanced` for every (γ, w) at once.

    Shapes: weights (W,), gammas (G,); see `ImbalanceGrid`. The training set (n points) and
    a test set (4n points) are drawn from the same distribution with rng; each model is
    `train_logistic` with the weighted focal loss; recall and precision of the rare class
    are measured on the test set.
    """
    from trainlib.data import imbalanced

    weights = as_array("weights", weights, ndim=1)
    gammas = as_array("gammas", gammas, ndim=1)
    kw = {"rng": rng, "minority_fraction": minority_fraction, "separation": separation}
    X, y = imbalanced(n, **kw)
    Xt, yt = imbalanced(4 * n, **kw)
    G, W = np.meshgrid(gammas, weights, indexing="ij")
    theta = train_logistic(X, y, gamma=G.ravel(), pos_weight=W.ravel(), steps=steps)
    recall, precision = recall_precision(theta, Xt, yt)
    shape = (gammas.size, weights.size)
    return ImbalanceGrid(
        weights,
        gammas,
        theta.reshape(*shape, -1),
        recall.reshape(shape),
        precision.reshape(shape),
        X,
        y,
        Xt,
        yt,
    )


# ---------------------------------------------------------------------------------------
# Curves for the loss explorer: BCE from probabilities, KL between two coins
# ---------------------------------------------------------------------------------------


def bce_terms(p: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise BCE ℓ(p) = −[y·log p + (1 − y)·log(1 − p)] and ∂ℓ/∂p = (p − y)/(p(1 − p)).

    Shapes: p, y broadcast together, p in (0, 1); results broadcast. This is `losses.bce` on
    one element, and −log of the Bernoulli likelihood p^y·(1 − p)^{1−y}.
    """
    p, y = as_array("p", p), as_array("y", y)
    check_range("p", float(np.min(p)), 0.0, 1.0, lo_closed=False)
    check_range("p", float(np.max(p)), 0.0, 1.0, lo_closed=False)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p)), (p - y) / (p * (1 - p))


def kl_rows(P: Any, Q: Any) -> np.ndarray:
    """D(Pᵢ‖Qᵢ) = Σ_c P_ic·log(P_ic/Q_ic) for every row, with 0·log 0 = 0.

    Shapes: P, Q (N, C) or (C,), broadcast; returns (N,) or a scalar array. Row i equals
    `trainlib.losses.kl_div(P[i], Q[i])[0]`; here Q must be positive where P is.
    """
    P, Q = np.broadcast_arrays(as_array("P", P), as_array("Q", Q))
    check_positive("Q", float(np.min(np.where(P > 0, Q, 1.0))))
    ratio = np.log(np.where(P > 0, P, 1.0) / np.where(P > 0, Q, 1.0))
    return np.sum(P * ratio, axis=-1)


def kl_coin_terms(q: Any, p0: float) -> tuple[np.ndarray, ...]:
    """KL between two coins P = (p0, 1 − p0) and Q = (q, 1 − q), both ways, and d/dq of each.

    Shapes: q any shape in (0, 1); returns D(P‖Q), d/dq D(P‖Q), D(Q‖P), d/dq D(Q‖P), like q.
    d/dq D(P‖Q) = −p0/q + (1 − p0)/(1 − q);  d/dq D(Q‖P) = log(q/p0) − log((1 − q)/(1 − p0)).
    """
    q = as_array("q", q)
    check_range("q", float(np.min(q)), 0.0, 1.0, lo_closed=False)
    check_range("q", float(np.max(q)), 0.0, 1.0, lo_closed=False)
    p0 = check_range("p0", p0, 0.0, 1.0, lo_closed=False)
    P = np.array([p0, 1 - p0])
    Q = np.stack([q, 1 - q], axis=-1)
    pq, qp = kl_rows(P, Q), kl_rows(Q, P)
    dpq = -p0 / q + (1 - p0) / (1 - q)
    dqp = np.log(q / p0) - np.log((1 - q) / (1 - p0))
    return pq, dpq, qp, dqp
