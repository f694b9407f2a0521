"""The numbers notebook 02's live figures draw: grids, the loss explorer's curves, fits, data.

figures*.py only draw; everything numeric they show is computed here from the lesson's
experiments (`experiments.py`) and `trainlib.losses`, so tests can check it without a figure.
numpy only; nothing here draws.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from trainlib.lessons.loss_functions.experiments import (
    ImbalanceGrid,
    bce_terms,
    binary_terms,
    bump,
    fit_line,
    imbalance_grid,
    kl_coin_terms,
    outlier_line,
    regression_terms,
    softmax_ce_terms,
)
from trainlib.lessons.loss_functions.focal import (
    PullShares,
    pull_shares,
    true_class_probability,
)
from trainlib.validation import as_array, check_int, check_range

__all__ = [
    "EXPLORER_GRIDS",
    "EXPLORER_LOSSES",
    "bernoulli_nll",
    "decision_boundary",
    "explorer_curves",
    "explorer_table",
    "focal_panel",
    "imbalance_figure_grid",
    "kl_pair",
    "outlier_data",
    "outlier_fits",
    "symlog_grid",
]


# ---------------------------------------------------------------------------------------
# Constants of the figures
# ---------------------------------------------------------------------------------------

EXPLORER_LOSSES = (
    "MSE",
    "MAE",
    "Huber (δ)",
    "BCE (from probability p)",
    "BCE with logits",
    "weighted BCE (w)",
    "focal (γ)",
    "cross-entropy (softmax)",
    "KL divergence",
)
KL_P0 = 0.25  # the explorer's reference coin P = (0.25, 0.75)
LOGIT_MAX = 5000.0  # the explorer's logit axis: well past |z| ≈ 709.8, where e^|z| overflows
SOFTMAX_MAX = 1000.0  # the softmax figure's logits reach ±1000: far past the overflow
FIT_LOSSES = ("MSE", "MAE", "Huber")
OUTLIER_GRID = np.arange(0.0, 51.0)  # the outlier slider's values: fits precomputed for these
KL_CENTERS = np.linspace(-6.0, 6.0, 49)  # the bins of the KL figure's distributions


def symlog_grid(limit: float, n: int) -> np.ndarray:
    """n (odd) points in [−limit, limit], even in arcsinh: dense near 0, sparse far out.

    Shapes: returns (n,), made for a symmetric-log axis; the middle point is exactly 0.
    """
    n = check_int("n", n, minimum=3)
    if n % 2 == 0:
        raise ValueError(f"n: expected an odd number (a point at 0), got {n}")
    u = np.linspace(-np.arcsinh(limit), np.arcsinh(limit), n)
    z = np.sinh(u)
    z[n // 2] = 0.0
    return z


EXPLORER_GRIDS = {  # x of each view of the loss explorer
    "regression": np.linspace(-3.0, 3.0, 601),
    "probability": np.linspace(0.001, 0.999, 500),
    "logit": symlog_grid(LOGIT_MAX, 801),
}
EXPLORER_GRIDS["KL"] = EXPLORER_GRIDS["probability"]


def explorer_curves(
    loss: int, delta: float, gamma: float, weight: float, stable: bool
) -> tuple[str, np.ndarray, list[tuple[np.ndarray, np.ndarray, str]]]:
    """The loss explorer's view, x grid and curves [(ℓ, dℓ/dx, colour key)] of one loss.

    `loss` indexes `EXPLORER_LOSSES`. Two curves: y = 1 then y = 0 (KL: P‖Q then Q‖P); one
    for a regression loss. Cross-entropy: logits (z, 0, 0), class 1 (y = 1) or 2 (y = 0).
    """
    loss = check_int("loss", loss)
    check_range("loss", loss, 0, len(EXPLORER_LOSSES))
    name = EXPLORER_LOSSES[loss]
    if loss < 3:
        key, e = name.split()[0], EXPLORER_GRIDS["regression"]
        return "regression", e, [(*regression_terms(e, key, delta), key)]
    if name == "BCE (from probability p)":
        p = EXPLORER_GRIDS["probability"]
        return "probability", p, [(*bce_terms(p, y), "BCE") for y in (1.0, 0.0)]
    z = EXPLORER_GRIDS["logit"]
    if name == "cross-entropy (softmax)":
        Z = np.column_stack([z, np.zeros_like(z), np.zeros_like(z)])
        terms = (softmax_ce_terms(Z, label, stable=stable) for label in (0, 1))
        return "logit", z, [(v, g[:, 0], "CE") for v, g in terms]
    if name == "KL divergence":
        pq, dpq, qp, dqp = kl_coin_terms(EXPLORER_GRIDS["KL"], KL_P0)
        return "KL", EXPLORER_GRIDS["KL"], [(pq, dpq, "KL"), (qp, dqp, "KL")]
    g_, w_ = {"BCE with logits": (0.0, 1.0), "weighted BCE (w)": (0.0, weight)}.get(
        name, (gamma, 1.0)
    )
    key = "focal" if name == "focal (γ)" else "BCE"
    curves = [binary_terms(z, y, gamma=g_, pos_weight=w_, stable=stable) for y in (1.0, 0.0)]
    return "logit", z, [(v, g, key) for v, g in curves]


def explorer_table(delta: float, gamma: float, weight: float, stable: bool) -> tuple[float, ...]:
    """One example priced by the losses the explorer's controls change.

    Returns Huber(δ) of the error e = 2; weighted BCE (w) and focal (γ) of y = 1 at z = −3;
    BCE of y = 1 at z = −1000; CE of logits (1000, 0, 0) with class 3 correct.
    """
    return (
        float(regression_terms(2.0, "Huber", delta)[0]),
        float(binary_terms(-3.0, 1.0, pos_weight=weight, stable=stable)[0]),
        float(binary_terms(-3.0, 1.0, gamma=gamma, stable=stable)[0]),
        float(binary_terms(-1000.0, 1.0, stable=stable)[0]),
        float(softmax_ce_terms(np.array([[1000.0, 0.0, 0.0]]), 2, stable=stable)[0][0]),
    )


def outlier_data(outlier: float = 0.0) -> tuple[np.ndarray, np.ndarray, int]:
    """The outlier figure's points: `outlier_line(outlier)` with seed 0 (the same noise always)."""
    return outlier_line(outlier, rng=np.random.default_rng(0))


def outlier_fits(loss: str, delta: float = 1.0) -> np.ndarray:
    """[slope, intercept] of the `loss` fit of `outlier_data(o)` for every o in OUTLIER_GRID.

    Shapes: returns (len(OUTLIER_GRID), 2); all data sets are fitted at once (`fit_line`).
    """
    x, Y = _outlier_grid_data()
    return fit_line(x, Y, loss, delta=delta)


@functools.cache
def _outlier_grid_data() -> tuple[np.ndarray, np.ndarray]:
    """x (n,) and the y of every push in OUTLIER_GRID (K, n), made once, read-only."""
    x = outlier_data(0.0)[0]
    Y = np.stack([outlier_data(o)[1] for o in OUTLIER_GRID])
    x.setflags(write=False)
    Y.setflags(write=False)
    return x, Y


def bernoulli_nll(p: Any, y: float) -> np.ndarray:
    """−log of the Bernoulli likelihood p^y·(1 − p)^{1−y}, written out (= BCE, claim C10).

    Shapes: p any shape in (0, 1); result like p.
    """
    p = as_array("p", p)
    return -np.log(p**y * (1 - p) ** (1 - y))


def kl_pair(mu: float, sigma: float, separation: float) -> tuple[np.ndarray, np.ndarray]:
    """The KL figure's P (two bumps of width 0.6 at ±separation/2) and Q (one bump N(μ, σ²)).

    Shapes: both (49,), on the bins KL_CENTERS; see `bump`.
    """
    P = bump(KL_CENTERS, [-separation / 2, separation / 2], [0.6, 0.6])
    return P, bump(KL_CENTERS, mu, sigma)


def decision_boundary(theta: Any, x1: Any) -> np.ndarray:
    """x₂ on the line θ₀·x₁ + θ₁·x₂ + b = 0 of a 2-feature logistic model θ = [θ₀, θ₁, b].

    Shapes: theta (3,), x1 any shape; result like x1.
    """
    theta = as_array("theta", theta, ndim=1)
    return -(theta[0] * as_array("x1", x1) + theta[2]) / theta[1]


IMBALANCE_WEIGHTS = (1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)  # the class weights w shown
IMBALANCE_GAMMAS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)  # the focal exponents γ shown


def imbalance_figure_grid() -> ImbalanceGrid:
    """The class-weight figure's models: `imbalance_grid` of its w and γ, seed 0."""
    return imbalance_grid(IMBALANCE_WEIGHTS, IMBALANCE_GAMMAS, rng=np.random.default_rng(0))


EASY = 0.9  # an example is "easy" when the model gives its true class p_t > 0.9


def focal_panel(grid: ImbalanceGrid, bins: int = 20) -> tuple[np.ndarray, np.ndarray, PullShares]:
    """The focal panel's numbers, from the plain-BCE model (γ = 0, w = 1) of `grid`.

    Shapes: returns bin edges (bins + 1,), the share of training examples in each p_t bin
    (bins,), and `pull_shares` of that model for every γ of the grid (threshold EASY).
    """
    theta = grid.theta[0, 0]
    p_t = true_class_probability(theta, grid.X_train, grid.y_train)
    counts, edges = np.histogram(p_t, bins=bins, range=(0.0, 1.0))
    shares = pull_shares(theta, grid.X_train, grid.y_train, grid.gammas, easy=EASY)
    return edges, counts / p_t.size, shares
