"""How long gradient descent needs to leave a saddle, and why mini-batch noise cannot help a
symmetric network.

1. Escape time. Near the saddle of L = x² − y² + y⁴/4 the y-coordinate follows
   yₜ₊₁ = yₜ − α·λ·yₜ = (1 + α|λ|)·yₜ with λ = −2, so from an offset ε it reaches a fixed
   distance c after T(ε) ≈ ln(c/ε) / ln(1 + α|λ|) steps: T grows like ln(1/ε) with slope
   1 / ln(1 + α|λ|). `escape_times` runs GD from (1.5, ε) for many ε at once and measures T;
   `escape_law` is the prediction.
2. Symmetry. At the symmetric point of the two-tanh-unit network both units receive the same
   gradient from every single example (`per_example_grads`), so mini-batch SGD
   (`trainlib.minibatch.minibatch_gd`) keeps them identical to the bit
   (`unit_gap`), and its noise has no component along the escape direction.
3. Disagreeing examples. Per-example losses ℓᵢ = x² − y² + y⁴/4 + sᵢ·y with Σsᵢ = 0 average
   exactly to the saddle surface, but disagree along y: mini-batch SGD from (1.5, 0) then
   escapes (`disagreeing_sgd`), full-batch GD does not.

numpy only; randomness only through an explicit `rng`.
"""

from __future__ import annotations

import math

import numpy as np

from trainlib.minibatch import GDRun, minibatch_gd
from trainlib.optim import sgd
from trainlib.surfaces import saddle
from trainlib.train import Path, descend
from trainlib.validation import as_array, check_int, check_positive

from .experiments import tanh_net_loss_grad

__all__ = [
    "ESCAPE_EPS",
    "ESCAPE_STEPS",
    "ESCAPE_THRESHOLD",
    "SADDLE_CURVATURE",
    "escape_runs",
    "escape_times",
    "escape_law",
    "escape_slope",
    "per_example_grads",
    "unit_gap",
    "symmetric_sgd",
    "disagreeing_offsets",
    "disagreeing_sgd",
]

Array = np.ndarray

#: The starting offsets ε of the escape-time figure: 10⁻¹ … 10⁻¹⁴.
ESCAPE_EPS = tuple(10.0**-k for k in range(1, 15))
ESCAPE_STEPS = 200  # enough for ε = 10⁻¹⁴: ln(0.5·10¹⁴)/ln 1.2 ≈ 173 steps
ESCAPE_THRESHOLD = 0.5  # "escaped": |y| > 0.5, as `experiments.escape_step`
SADDLE_CURVATURE = -2.0  # the negative eigenvalue of the Hessian diag(2, −2) at the saddle


def escape_runs(eps: tuple[float, ...] | list[float], lr: float = 0.1, steps: int = 200) -> Path:
    """Exact GD (no noise) on `trainlib.surfaces.saddle` from (1.5, ε), every ε at once.

    Shapes: returns a `Path` with xs (steps + 1, len(eps), 2) and losses (steps + 1, len(eps)).
    """
    eps = as_array("eps", eps, ndim=1)
    if np.any(eps <= 0):
        raise ValueError(f"eps: expected offsets > 0, got {eps}")
    x0 = np.column_stack([np.full(len(eps), 1.5), eps])
    return descend(saddle, x0, sgd(lr=check_positive("lr", lr)), check_int("steps", steps))


def escape_times(path: Path, threshold: float = ESCAPE_THRESHOLD) -> Array:
    """First step at which |y| > threshold, per run of `escape_runs` (−1: never).

    Shapes: path.xs (T + 1, R, 2) → (R,) integers.
    """
    away = np.abs(path.xs[:, :, 1]) > check_positive("threshold", threshold)
    return np.where(away.any(axis=0), away.argmax(axis=0), -1)


def escape_slope(lr: float = 0.1, curvature: float = SADDLE_CURVATURE) -> float:
    """Steps per unit of ln(1/ε): 1 / ln(1 + α·|λ|), λ the negative Hessian eigenvalue."""
    return 1.0 / math.log1p(check_positive("lr", lr) * abs(curvature))


def escape_law(
    eps: Array | float,
    lr: float = 0.1,
    threshold: float = ESCAPE_THRESHOLD,
    curvature: float = SADDLE_CURVATURE,
) -> Array:
    """Predicted escape steps on the quadratic saddle: T(ε) = ln(c/ε) / ln(1 + α·|λ|).

    Shapes: eps (...) → (...). c = threshold; the growth yₜ = (1 + α|λ|)ᵗ·ε is exact for
    the quadratic x² − y² and a good approximation for |y| ≲ 0.5 with the quartic.
    """
    eps = as_array("eps", eps)
    return np.log(check_positive("threshold", threshold) / eps) * escape_slope(lr, curvature)


def per_example_grads(theta: Array, x: Array, y: Array) -> Array:
    """∇ℓᵢ(θ) of each example's own loss ℓᵢ = (f(xᵢ) − yᵢ)² for the tanh network.

    Shapes: theta (3k,), x (N,), y (N,) → (N, 3k). Their mean is ∇L(θ).
    """
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, ndim=1)
    return np.array(
        [tanh_net_loss_grad(theta, x[i : i + 1], y[i : i + 1])[1] for i in range(len(x))]
    )


def unit_gap(thetas: Array) -> Array:
    """max |unit 1 − unit 2| over (w, b, v) for a two-unit network, per row.

    Shapes: thetas (..., 6) → (...). 0 exactly when the two units are identical.
    """
    thetas = as_array("thetas", thetas)
    if thetas.shape[-1] != 6:
        raise ValueError(f"thetas: expected 6 parameters (two units), got {thetas.shape[-1]}")
    return np.abs(thetas[..., [0, 2, 4]] - thetas[..., [1, 3, 5]]).max(axis=-1)


def symmetric_sgd(
    theta: Array, x: Array, y: Array, *, batch_size: int = 8, epochs: int = 5, lr: float = 0.1,
    rng: np.random.Generator,
) -> GDRun:  # fmt: skip
    """Mini-batch SGD (`trainlib.minibatch.minibatch_gd`) on the tanh network from `theta`.

    Shapes: theta (6,), x (N,), y (N,). Each epoch reshuffles the N examples with `rng` and
    makes ⌈N/B⌉ updates θ ← θ − α·∇L_B(θ).
    """
    return minibatch_gd(
        tanh_net_loss_grad, theta, x, y, batch_size=batch_size, epochs=epochs, lr=lr, rng=rng
    )


def disagreeing_offsets(n: int = 40, *, rng: np.random.Generator) -> Array:
    """n per-example slopes sᵢ along y, ± pairs of N(0, 1) draws rounded to multiples of 1/64.

    Shapes: returns (n,), n even. Σsᵢ = 0 exactly (dyadic numbers add without rounding), so
    the mean of the ℓᵢ is exactly L = x² − y² + y⁴/4.
    """
    n = check_int("n", n, minimum=2)
    if n % 2:
        raise ValueError(f"n: expected an even number of examples, got {n}")
    z = np.round(rng.standard_normal(n // 2) * 64.0) / 64.0
    return np.concatenate([z, -z])


def _disagreeing_loss_grad(theta: Array, s: Array, _unused: Array) -> tuple[float, Array]:
    """Mean of ℓᵢ(x, y) = x² − y² + y⁴/4 + sᵢ·y over the batch s, and its gradient."""
    x, y = theta
    mean_s = float(np.mean(s))
    loss = x * x - y * y + y**4 / 4.0 + mean_s * y
    return loss, np.array([2.0 * x, y**3 - 2.0 * y + mean_s])


def disagreeing_sgd(
    s: Array, *, batch_size: int = 8, epochs: int = 16, lr: float = 0.1,
    rng: np.random.Generator,
) -> GDRun:  # fmt: skip
    """Mini-batch SGD (`trainlib.minibatch.minibatch_gd`) from (1.5, 0) on the examples ℓᵢ.

    Shapes: s (N,). batch_size = N is full-batch GD, which stays on the axis y = 0 when
    Σsᵢ = 0; smaller batches see a mean slope s̄_B ≠ 0 along y that pushes off it.
    """
    s = as_array("s", s, ndim=1)
    return minibatch_gd(
        _disagreeing_loss_grad, np.array([1.5, 0.0]), s, np.zeros_like(s),
        batch_size=batch_size, epochs=epochs, lr=lr, rng=rng,
    )  # fmt: skip
