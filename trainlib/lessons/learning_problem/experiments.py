"""Notebook 01's shared data: the numbers its cells print and its figures draw.

The trained sine network's snapshots (C2) and loss slices (C3), the correlated regression
problem and its gradient-descent walk (C6), and the sharpest kink of the ReLU neuron's loss
(C7). numpy and the core only; `landscape` and `linreg` hold the machinery these call.
(The memory claims C4 and C5 are lesson 05's: `backpropagation.memory`.)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from trainlib import train
from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem import linreg
from trainlib.losses import mse

__all__ = [
    "B_SPAN",
    "GD_TOL",
    "LIN_N",
    "MAX_GD_STEPS",
    "SLICE_GRID",
    "SLICE_SEEDS",
    "SINE_NOISE",
    "SOLVE_DS",
    "W_SPAN",
    "ClosedFormRun",
    "closed_form_run",
    "excess_loss_grid",
    "kink_slopes",
    "linreg_problem",
    "loss_slices",
    "measured_solve_seconds",
    "shown_kinks",
    "snapshot_curves",
]

#: The sine data's label noise σ (`landscape.sine_data`'s default): no model's expected MSE on
#: new points is below σ² — the noise floor the train/validation figure draws.
SINE_NOISE = 0.3
#: The slice grid: α, β ∈ [−1.5, 1.5] in units of the weights' own size.
SLICE_GRID = np.linspace(-1.5, 1.5, 25)
#: The seeds of the figure's three pairs of random directions (the notebook's cell: 30).
SLICE_SEEDS = (30, 19, 2)
#: Samples of the closed-form figure's regression problem.
LIN_N = 60
#: The closed-form figure's gradient descent: at most this many steps, to this tolerance.
MAX_GD_STEPS = 2000
GD_TOL = 1e-6
#: The sizes d of the measured linear solves.
SOLVE_DS = np.array([128, 256, 512, 1024])
#: The (w, b) window of the ReLU-neuron loss surface.
W_SPAN = (-2.0, 2.5)
B_SPAN = (-2.0, 2.0)


def snapshot_curves(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sine network of `train_sine_net` at every snapshot: f(xs), and its two losses.

    Shapes: xs (P,) → predictions (S, P), losses (S, 2) = (training MSE, validation MSE) on
    the full sets (not the per-epoch means `fit` reports).
    """
    r = ls.train_sine_net()
    preds, losses = [], []
    for s in range(len(r.snapshots)):
        net = r.network(s)
        preds.append(net.forward(xs[:, None], train=False)[:, 0])
        losses.append((
            mse(net.forward(r.X_train, train=False), r.y_train)[0],
            mse(net.forward(r.X_val, train=False), r.y_val)[0],
        ))  # fmt: skip
    return np.array(preds), np.array(losses)


def loss_slices(seed: int) -> np.ndarray:
    """The 2-D slice of the trained sine network's training loss for one direction pair.

    Shapes: returns (25, 25); row j is the 1-D slice α ↦ L(θ̂ + α·d₁ + βⱼ·d₂).
    """
    run = ls.train_sine_net()
    net = run.network()
    theta = {k: v.copy() for k, v in net.params.items()}
    f = ls.network_loss(net, mse, run.X_train, run.y_train)
    rng = np.random.default_rng(seed)
    d1 = ls.random_direction(theta, rng=rng)
    d2 = ls.random_direction(theta, rng=rng)
    return ls.slice_2d(f, theta, d1, d2, SLICE_GRID, SLICE_GRID)


def linreg_problem(kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """The figure's data: 60 samples, two features with κ(AᵀA) = kappa, θ* = (0.5, 1.5, 0.5).

    Shapes: returns X (60, 2), y (60,).
    """
    return linreg.correlated_data(LIN_N, kappa, rng=np.random.default_rng(0))


def shown_kinks(b: float) -> np.ndarray:
    """The kinks w = −b/xᵢ of the slice w ↦ L(w, b) that lie strictly inside `W_SPAN`, sorted.

    Shapes: returns (K,), K ≤ 7 (one per point of `relu_neuron_data`).
    """
    kinks = ls.relu_neuron_kinks(b, ls.relu_neuron_data()[0])
    return kinks[(kinks > W_SPAN[0]) & (kinks < W_SPAN[1])]


def kink_slopes(b: float) -> tuple[float, float, float] | None:
    """The sharpest kink of the slice w ↦ L(w, b) of `relu_neuron_loss` inside `W_SPAN`.

    Returns (w, slope from the left, slope from the right) of the kink with the largest
    jump |L'(w⁺) − L'(w⁻)|, or None when no kink lies in the shown w range.
    """
    x, y = ls.relu_neuron_data()
    best = None
    for w in shown_kinks(b):
        left, right = ls.one_sided_derivatives(lambda v: ls.relu_neuron_loss(v, b, x, y), w)
        if best is None or abs(right - left) > abs(best[2] - best[1]):
            best = (float(w), left, right)
    return best


class ClosedFormRun(NamedTuple):
    """`closed_form_run`'s problem and walk. Shapes: X (60, 2), y (60,), theta_star (3,),
    errors (T + 1,) = max|θₜ − θ*|; steps: the first t with errors ≤ GD_TOL (None if never)."""

    X: np.ndarray
    y: np.ndarray
    theta_star: np.ndarray
    run: linreg.GDResult
    errors: np.ndarray
    steps: int | None


@functools.lru_cache(maxsize=512)
def closed_form_run(kappa: float, lr_fraction: float) -> ClosedFormRun:
    """The figure's problem at condition number κ and GD from θ = 0 at lr_fraction · 2/λ_max.

    Runs at most MAX_GD_STEPS, stopping within GD_TOL/10 of the closed-form θ* (so the error
    curve crosses the drawn tolerance GD_TOL); `steps` is `train.steps_to_tolerance` at GD_TOL.
    """
    X, y = linreg_problem(kappa)
    theta_star = linreg.normal_equation(X, y)
    lr = linreg.stable_lr(X, lr_fraction)
    run = linreg.gradient_descent(X, y, lr, MAX_GD_STEPS, tol=GD_TOL / 10, theta_star=theta_star)
    err = run.errors(theta_star)
    steps = None if run.diverged else train.steps_to_tolerance(err, GD_TOL)
    return ClosedFormRun(X, y, theta_star, run, err, steps)


def excess_loss_grid(
    X: np.ndarray, theta_star: np.ndarray, t1: np.ndarray, t2: np.ndarray
) -> np.ndarray:
    """L(θ₀*, θ₁, θ₂) − L* on the grid t1 × t2 of the two weights.

    Shapes: X (n, 2), theta_star (3,), t1 (P,), t2 (Q,) → (Q, P).
    L − L* = dᵀ·(XᵀX/n)·d with d = (θ₁, θ₂) − (θ₁*, θ₂*): the features are centred, so the
    intercept decouples exactly and sits at its optimum.
    """
    T1, T2 = np.meshgrid(t1 - theta_star[1], t2 - theta_star[2])
    D = np.stack([T1, T2], axis=-1)
    G = (X.T @ X) / len(X)
    return np.einsum("...i,ij,...j->...", D, G, D)


@functools.cache
def measured_solve_seconds() -> np.ndarray:
    """Seconds per `np.linalg.solve` for each d of SOLVE_DS, measured once per session.

    Plotted, never printed: a measurement differs on every run, and a figure rebuilt from
    its `state_call` must show the same picture within one session.
    """
    return linreg.time_solve(SOLVE_DS, rng=np.random.default_rng(0), repeats=7)
