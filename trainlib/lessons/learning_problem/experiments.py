"""Notebook 01's shared data: the numbers its cells print and its figures draw.

The loss slices of the trained sine network (C3), the correlated regression problem of the
closed-form figure (C6) and the sharpest kink of the ReLU neuron's loss (C7). numpy and the
core only; `landscape` and `linreg` hold the machinery these call.
"""

from __future__ import annotations

import numpy as np

from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem import linreg
from trainlib.losses import mse

__all__ = [
    "B_SPAN",
    "LIN_N",
    "SLICE_GRID",
    "W_SPAN",
    "kink_slopes",
    "linreg_problem",
    "loss_slices",
]

#: The slice grid: α, β ∈ [−1.5, 1.5] in units of the weights' own size.
SLICE_GRID = np.linspace(-1.5, 1.5, 25)
#: Samples of the closed-form figure's regression problem.
LIN_N = 60
#: The (w, b) window of the ReLU-neuron loss surface.
W_SPAN = (-2.0, 2.5)
B_SPAN = (-2.0, 2.0)


def loss_slices(seed: int) -> np.ndarray:
    """The 2-D slice of the trained sine network's training loss for one direction pair.

    Shapes: returns (25, 25); row j is the 1-D slice α ↦ L(θ* + α·d₁ + βⱼ·d₂).
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


def kink_slopes(b: float) -> tuple[float, float, float] | None:
    """The sharpest kink of the slice w ↦ L(w, b) of `relu_neuron_loss` inside `W_SPAN`.

    Returns (w, slope from the left, slope from the right) of the kink with the largest
    jump |L'(w⁺) − L'(w⁻)|, or None when no kink lies in the shown w range.
    """
    x, y = ls.relu_neuron_data()
    kinks = ls.relu_neuron_kinks(b, x)
    kinks = kinks[(kinks > W_SPAN[0]) & (kinks < W_SPAN[1])]
    best = None
    for w in kinks:
        left, right = ls.one_sided_derivatives(lambda v: ls.relu_neuron_loss(v, b, x, y), w)
        if best is None or abs(right - left) > abs(best[2] - best[1]):
            best = (float(w), left, right)
    return best
