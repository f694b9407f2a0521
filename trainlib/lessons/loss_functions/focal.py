"""Focal loss's mechanism (claim C15): who carries the pull on the logits, for each γ.

Focal loss multiplies each example's cross-entropy by (1 − p_t)^γ, p_t the probability the
model gives the true class. This module measures what that does on a trained model: the share
of the total push Σ|∂ℓ/∂z| carried by the easy examples (p_t above a threshold) and by the
rare class. numpy + the lesson's `binary_terms` only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from trainlib import losses as L
from trainlib.lessons.loss_functions.experiments import binary_terms
from trainlib.validation import as_array, check_range

__all__ = ["PullShares", "focal_weight", "pull_shares", "true_class_probability"]


def focal_weight(p_t: Any, gamma: float) -> np.ndarray:
    """The focal factor (1 − p_t)^γ that multiplies an example's cross-entropy.

    Shapes: p_t any shape in [0, 1]; result like p_t. γ = 0 gives 1 everywhere (plain BCE).
    """
    p_t = as_array("p_t", p_t)
    check_range("p_t", float(np.min(p_t)), 0.0, 1.0, hi_closed=True)
    check_range("p_t", float(np.max(p_t)), 0.0, 1.0, hi_closed=True)
    check_range("gamma", gamma, 0.0, np.inf)
    return (1.0 - p_t) ** gamma


def true_class_probability(theta: Any, X: Any, y: Any) -> np.ndarray:
    """p_t = σ(z) where y = 1 and 1 − σ(z) where y = 0, for z = X·θ[:d] + θ[d].

    Shapes: theta (d + 1,), X (n, d), y (n,) in {0, 1}; returns (n,).
    """
    theta = as_array("theta", theta, ndim=1)
    X, y = as_array("X", X, ndim=2), as_array("y", y, ndim=1)
    p = L.sigmoid(X @ theta[:-1] + theta[-1])
    return np.where(y == 1, p, 1.0 - p)


class PullShares(NamedTuple):
    """For each γ: the share of Σ|∂ℓ/∂z| from the easy examples and from the rare class.

    gammas (G,); easy, rare (G,) fractions in [0, 1]; easy_fraction the share of examples
    that are easy (p_t > threshold) — the same for every γ, as the model is fixed.
    """

    gammas: np.ndarray
    easy: np.ndarray
    rare: np.ndarray
    easy_fraction: float


def pull_shares(theta: Any, X: Any, y: Any, gammas: Any, *, easy: float = 0.9) -> PullShares:
    """Who pulls on the logits of one fixed model, under focal loss of each γ.

    Shapes: theta (d + 1,), X (n, d), y (n,), gammas (G,); see `PullShares`.
    pull_i = |∂ℓ_γ/∂z_i| (`binary_terms`, w = 1); easy share = Σ_{p_t > easy} pull / Σ pull,
    rare share = Σ_{y = 1} pull / Σ pull.
    """
    X, y = as_array("X", X, ndim=2), as_array("y", y, ndim=1)
    gammas = as_array("gammas", gammas, ndim=1)
    easy = check_range("easy", easy, 0.0, 1.0)
    p_t = true_class_probability(theta, X, y)
    theta = as_array("theta", theta, ndim=1)
    z = X @ theta[:-1] + theta[-1]
    _, grad = binary_terms(z[None], y, gamma=gammas[:, None])  # (G, n)
    pull = np.abs(grad)
    total = np.sum(pull, axis=1)
    is_easy = p_t > easy
    return PullShares(
        gammas,
        np.sum(pull[:, is_easy], axis=1) / total,
        np.sum(pull[:, y == 1], axis=1) / total,
        float(np.mean(is_easy)),
    )
