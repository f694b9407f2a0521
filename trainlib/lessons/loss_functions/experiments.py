"""The experiments of notebook 02: robust line fits, loss curves, and training on rare classes.

A loss is a choice of what an error costs. This module runs the experiments that show the
consequences: a line fitted under MSE, MAE and Huber as one outlier grows (claims C8, C9,
C12); every loss as an elementwise curve ℓ and its derivative ℓ', stable or naive (the loss
explorer, C10, C11, C14); a pair of distributions for KL's asymmetry (C13); and a
logistic regression trained on imbalanced data for a grid of class weights w and focal γ at
once (C15). The losses themselves live in `trainlib.losses`; every function here agrees with
them (tests/test_02_loss_functions.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from trainlib import losses as L
from trainlib.optim import adam
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
    These are the terms of `trainlib.losses.mse/mae/huber` (reduction="none") at ŷ = e, y = 0.
    """
    e = as_array("e", e)
    check_choice("loss", loss, ("MSE", "MAE", "Huber"))
    zero = np.zeros_like(e)  # ŷ − y = e − 0 = e exactly
    if loss == "Huber":
        return L.huber(e, zero, delta, reduction="none")
    return {"MSE": L.mse, "MAE": L.mae}[loss](e, zero, reduction="none")


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
    that is a·ℓ_focal with ℓ_focal the terms of `losses.focal_loss(z, y, γ)`; γ = 0, w = 1 is
    BCE with logits, γ = 0 is `bce_with_logits(pos_weight=w)` (each on one element).
    CE is a log-sum-exp, log(e⁰ + e^{∓z}). `stable=False` also evaluates it literally
    (`losses.logsumexp_naive`): where e^{∓z} overflows, the value is inf and the gradient nan,
    as a naive implementation gives; elsewhere both agree.
    """
    z, y = as_array("z", z), as_array("y", y)
    gamma, w = as_array("gamma", gamma), as_array("pos_weight", pos_weight)
    check_positive("gamma", float(np.min(gamma)), strict=False)
    check_positive("pos_weight", float(np.min(w)), strict=False)
    shape = np.broadcast_shapes(z.shape, y.shape, gamma.shape, w.shape)
    z, y, gamma = (np.broadcast_to(a, shape) for a in (z, y, gamma))
    value, grad = L.focal_loss(z, y, gamma=gamma, reduction="none")
    a = np.where(y == 1, w, 1.0)  # the weight w of class 1, as pos_weight does
    value, grad = a * value, a * grad
    if not stable:
        ce = _naive_logit_ce(z, y)
        bad = ~np.isfinite(ce)
        value, grad = np.where(bad, a * ce, value), np.where(bad, np.nan, grad)
    return value, grad


def _naive_logit_ce(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CE = log(e⁰ + e^{−z}) (y = 1) or log(e⁰ + e^{z}) (y = 0), by the literal log-sum-exp."""
    zero = np.zeros_like(z)
    pos = L.logsumexp_naive(np.stack([zero, -z], axis=-1))  # inf where e^{−z} overflows
    neg = L.logsumexp_naive(np.stack([zero, z], axis=-1))
    with np.errstate(invalid="ignore"):  # 0·inf for a soft label: nan, as naive code gives
        return np.where(y == 1, pos, np.where(y == 0, neg, y * pos + (1 - y) * neg))


def logit_gradients(z: Any, y: float) -> tuple[np.ndarray, np.ndarray]:
    """∂ℓ/∂z per example for a sigmoid output: cross-entropy vs squared error (claim C14).

    Shapes: z any shape; returns two arrays like z.
    BCE on σ(z):  ∂ℓ/∂z = σ(z) − y                       (`losses.bce_with_logits`)
    MSE on σ(z):  ∂ℓ/∂z = 2(σ(z) − y)·σ(z)(1 − σ(z))      (`losses.mse`, chain rule through σ)
    The factor σ(1 − σ) ≤ ¼ vanishes when the sigmoid saturates, right or wrong.
    """
    z = as_array("z", z)
    y = check_range("y", y, 0.0, 1.0, hi_closed=True)
    target = np.full_like(z, y)
    ce = L.bce_with_logits(z, target, reduction="none")[1]
    s = L.sigmoid(z)
    mse = L.mse(s, target, reduction="none")[1] * s * (1 - s)
    return ce, mse


def softmax_ce_terms(Z: Any, label: int, *, stable: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Cross-entropy −log softmax(z)[label] of every row, and its gradient softmax(z) − onehot.

    Shapes: Z (N, C) logits; returns values (N,), grads (N, C): the terms of
    `trainlib.losses.cross_entropy(Z, labels, reduction="none")` (stable) or
    `cross_entropy_naive` (stable=False: e^z / Σe^z literally, which turns logits of ±1000
    into inf or nan), every row's label `label`.
    """
    Z = as_array("Z", Z, ndim=2)
    label = check_int("label", label)
    check_range("label", label, 0, Z.shape[1])
    ce = L.cross_entropy if stable else L.cross_entropy_naive
    return ce(Z, np.full(Z.shape[0], label), reduction="none")


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
    lr: float | Callable[[int], float] = 0.1,
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
    if not callable(lr):
        lr = check_positive("lr", lr)
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])  # (n, d + 1)
    theta = np.zeros((gamma.size, d + 1))
    opt = adam(lr=lr)  # torch's defaults: betas (0.9, 0.999), eps 1e-8
    state = opt.init(theta)
    g_col, w_col = gamma[:, None], w[:, None]
    for _ in range(steps):
        _, dz = binary_terms(theta @ A.T, y, gamma=g_col, pos_weight=w_col)  # (K, n)
        theta, state = opt.step(theta, dz @ A / n, state)
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
    n: int = 1000,
    minority_fraction: float = 0.02,
    separation: float = 3.5,
    steps: int = 300,
) -> ImbalanceGrid:
    """Train a logistic regression on `trainlib.data.imbalanced` for every (γ, w) at once.

    Shapes: weights (W,), gammas (G,); see `ImbalanceGrid`. The training set (n points) and
    a test set (4n points) are drawn from the same distribution with rng (by default 2 % rare
    cases, class means 3.5 apart: most common points are easy, far from any sensible
    boundary — the setting focal loss was made for); each model is
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

    Shapes: p, y broadcast together, p in (0, 1); results broadcast. These are the terms of
    `losses.bce(p, y, reduction="none")`, and −log of the Bernoulli likelihood p^y·(1 − p)^{1−y}
    (like torch, losses.bce clamps each log at −100: only p < e⁻¹⁰⁰ would notice).
    """
    p, y = as_array("p", p), as_array("y", y)
    check_range("p", float(np.min(p)), 0.0, 1.0, lo_closed=False)
    check_range("p", float(np.max(p)), 0.0, 1.0, lo_closed=False)
    return L.bce(*np.broadcast_arrays(p, y), reduction="none")


def kl_rows(P: Any, Q: Any) -> np.ndarray:
    """D(Pᵢ‖Qᵢ) = Σ_c P_ic·log(P_ic/Q_ic) for every row, with 0·log 0 = 0.

    Shapes: P, Q (N, C) or (C,), broadcast; returns (N,) or a scalar array: the row sums of
    the terms of `trainlib.losses.kl_div(P, Q, reduction="none")` (inf where Q_c = 0 < P_c).
    """
    P, Q = np.broadcast_arrays(as_array("P", P), as_array("Q", Q))
    return np.sum(L.kl_div(P, Q, reduction="none")[0], axis=-1)


def kl_coin_terms(q: Any, p0: float) -> tuple[np.ndarray, ...]:
    """KL between two coins P = (p0, 1 − p0) and Q = (q, 1 − q), both ways, and d/dq of each.

    Shapes: q scalar or (M,) in (0, 1); returns D(P‖Q), d/dq D(P‖Q), D(Q‖P), d/dq D(Q‖P),
    like q. With g = ∂D(P‖Q)/∂Q = −P/Q from `losses.kl_div`, d/dq D(P‖Q) = g₀ − g₁
    = −p0/q + (1 − p0)/(1 − q); the library differentiates in Q only, so the other direction
    is written out: d/dq D(Q‖P) = log(q/p0) − log((1 − q)/(1 − p0)).
    """
    q = as_array("q", q)
    if q.ndim > 1:
        raise ValueError(f"q: expected a scalar or a 1-D array, got shape {q.shape}")
    check_range("q", float(np.min(q)), 0.0, 1.0, lo_closed=False)
    check_range("q", float(np.max(q)), 0.0, 1.0, lo_closed=False)
    p0 = check_range("p0", p0, 0.0, 1.0, lo_closed=False)
    P, Q = np.broadcast_arrays(np.array([p0, 1 - p0]), np.stack([q, 1 - q], axis=-1))
    terms, g = L.kl_div(P, Q, reduction="none")
    dqp = np.log(q / p0) - np.log((1 - q) / (1 - p0))
    return np.sum(terms, axis=-1), g[..., 0] - g[..., 1], kl_rows(Q, P), dqp
