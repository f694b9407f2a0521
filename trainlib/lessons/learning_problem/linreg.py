"""Linear regression: the one model of the series with a closed-form answer.

For ŷ = θ₀ + X·θ₁..d (the layout of `trainlib.minibatch.least_squares`) the mean squared error
is a quadratic bowl in θ, so setting its gradient to zero gives a linear system, the normal
equations (AᵀA)·θ = Aᵀy with A = [1, X]. `normal_equation` solves it without ever forming
the inverse; `gradient_descent` walks down the same bowl and reaches the same θ (the steps
it needs: `trainlib.train.steps_to_tolerance(run.errors(θ*), tol)`), at a speed set by the
condition number κ = λ_max/λ_min of AᵀA (`condition_number`, `correlated_data`).
`solve_flops` and `time_solve` price the closed form as the number of parameters d grows.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, NamedTuple

import numpy as np

from trainlib import train
from trainlib.validation import as_array, check_int, check_positive, check_range

__all__ = [
    "GDResult",
    "condition_number",
    "correlated_data",
    "design_matrix",
    "gradient_descent",
    "normal_equation",
    "solve_flops",
    "stable_lr",
    "time_solve",
]

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y: expected shape ({X.shape[0]},) to match X, got {y.shape}")
    return X, y


def design_matrix(X: Any) -> np.ndarray:
    """A = [1, X]: a column of ones (for the intercept θ₀) before the features.

    Shapes: X (n, d) → A (n, d + 1).
    """
    X = as_array("X", X, ndim=2)
    return np.column_stack([np.ones(len(X)), X])


def normal_equation(X: Any, y: Any) -> np.ndarray:
    """The least-squares θ in closed form: solve (AᵀA)·θ = Aᵀy, A = [1, X].

    Shapes: X (n, d), y (n,) → θ (d + 1,) = [intercept, weights].
    Solved by LU (`np.linalg.solve`), never by forming (AᵀA)⁻¹: same answer, fewer flops,
    smaller rounding error. Needs A of full column rank (no feature a copy of others).
    """
    X, y = _xy(X, y)
    A = design_matrix(X)
    if A.shape[0] < A.shape[1]:
        raise ValueError(
            f"X: expected at least d + 1 = {A.shape[1]} samples for a unique θ, got {A.shape[0]}"
        )
    try:
        return np.linalg.solve(A.T @ A, A.T @ y)
    except np.linalg.LinAlgError as err:
        raise ValueError("X: expected linearly independent columns, got a singular AᵀA") from err


def condition_number(X: Any) -> float:
    """κ(AᵀA) = λ_max/λ_min of AᵀA, A = [1, X] — the Hessian's condition number.

    Shapes: X (n, d). κ = 1 is a round bowl; a large κ a long, narrow valley. Note
    κ(AᵀA) = κ(A)²: forming the normal equations squares the conditioning of the data.
    """
    A = design_matrix(X)
    lam = np.linalg.eigvalsh(A.T @ A)
    return float(lam[-1] / lam[0]) if lam[0] > 0 else float("inf")


def correlated_data(
    n: int, kappa: float, *, rng: np.random.Generator, theta: Any = (0.5, 1.5, 0.5)
) -> tuple[np.ndarray, np.ndarray]:
    """Two features with correlation ρ = (κ−1)/(κ+1), so that κ(AᵀA) = κ exactly.

    Shapes: returns X (n, 2), y (n,). The features are exactly centred, of unit variance,
    with sample correlation ρ, so AᵀA/n = [[1, 0, 0], [0, 1, ρ], [0, ρ, 1]] with
    eigenvalues 1, 1 + ρ, 1 − ρ. y = A·θ + noise, where the noise is orthogonal to A's
    columns: the least-squares answer is exactly `theta`, whatever κ.
    """
    n = check_int("n", n, minimum=4)
    kappa = check_range("kappa", kappa, 1.0, np.inf)
    theta = as_array("theta", theta, ndim=1)
    if theta.shape != (3,):
        raise ValueError(f"theta: expected shape (3,) = [intercept, w1, w2], got {theta.shape}")
    rho = (kappa - 1.0) / (kappa + 1.0)
    Z = rng.standard_normal((n, 3))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)  # orthonormal, centred columns
    U = Q[:, :2] * np.sqrt(n)  # unit variance, uncorrelated
    L = np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]]))
    X = U @ L.T
    noise = 0.3 * np.sqrt(n) * Q[:, 2]  # orthogonal to 1, x₁ and x₂
    y = theta[0] + X @ theta[1:] + noise
    return X, y


def stable_lr(X: Any, fraction: float = 1.0) -> float:
    """fraction · 2/λ_max of the Hessian H = (2/n)·AᵀA: GD on the MSE diverges for fraction > 1.

    Shapes: X (n, d). Along the eigenvector of λ_max one step multiplies the error by
    (1 − α·λ_max), which exceeds 1 in size exactly when α > 2/λ_max.
    """
    check_positive("fraction", fraction)
    A = design_matrix(X)
    lam_max = float(np.linalg.eigvalsh((2.0 / len(A)) * (A.T @ A))[-1])
    return fraction * 2.0 / lam_max


class GDResult(NamedTuple):
    """A `gradient_descent` run. Shapes: thetas (T + 1, d + 1), losses (T + 1,)."""

    theta: np.ndarray
    thetas: np.ndarray
    losses: np.ndarray
    diverged: bool

    def errors(self, theta_star: Any) -> np.ndarray:
        """max|θₜ − θ*| for every iterate: the distance `trainlib.train.steps_to_tolerance` reads.

        Shapes: theta_star (d + 1,) → (T + 1,).
        """
        return np.max(np.abs(self.thetas - as_array("theta_star", theta_star, ndim=1)), axis=1)


def gradient_descent(
    X: Any,
    y: Any,
    lr: float,
    steps: int,
    *,
    theta0: Any = None,
    tol: float | None = None,
    theta_star: Any = None,
    max_abs: float = 1e6,
) -> GDResult:
    """Full-batch gradient descent on the MSE of ŷ = θ₀ + X·θ₁..d.

    Shapes: X (n, d), y (n,), theta0 (d + 1,) (default zeros) → thetas (T + 1, d + 1).
    Update: θ ← θ − α·∇L(θ), ∇L(θ) = (2/n)·Aᵀ(Aθ − y) = (2/n)·(AᵀA·θ − Aᵀy): the update of
    `trainlib.minibatch.minibatch_gd(least_squares, …, batch_size=n, shuffle=False)` (tests
    prove the same iterates), with AᵀA and Aᵀy formed once so a step costs O(d²) — fast
    enough for the closed-form figure to rerun 2000 steps on every slider move.
    Stops at the first step with max|θ − theta_star| ≤ tol when both are given (found by
    `trainlib.train.steps_to_tolerance`), or when an entry of θ exceeds max_abs in size
    (diverged=True, only the steps before kept).
    """
    X, y = _xy(X, y)
    lr = check_positive("lr", lr)
    steps = check_int("steps", steps, minimum=0)
    max_abs = check_positive("max_abs", max_abs)
    A = design_matrix(X)
    n, p = A.shape
    G, c = (2.0 / n) * (A.T @ A), (2.0 / n) * (A.T @ y)  # ∇L(θ) = G·θ − c
    theta = np.zeros(p) if theta0 is None else as_array("theta0", theta0, ndim=1).copy()
    if theta.shape != (p,):
        raise ValueError(f"theta0: expected shape ({p},), got {theta.shape}")
    target = None
    if tol is not None and theta_star is not None:
        tol = check_positive("tol", tol)
        target = as_array("theta_star", theta_star, ndim=1)

    # θ − α·(G·θ − c) = M·θ + α·c with M = I − α·G: one matrix-vector product per step
    M, ac = np.eye(p) - lr * G, lr * c
    thetas = np.empty((steps + 1, p))
    thetas[0] = theta
    last, diverged = steps, False
    with np.errstate(**_QUIET):
        for t in range(1, steps + 1):
            theta = M @ theta + ac  # θ ← θ − α·∇L(θ)
            thetas[t] = theta
            if t % 64 and t < steps:
                continue  # look at the iterates in blocks of 64 steps: the loop stays cheap
            last, diverged, stop = _first_stop(thetas[: t + 1], max_abs, target, tol, steps)
            if stop:
                break
    thetas = thetas[: last + 1]
    # L(θ) = (1/n)‖Aθ − y‖², for every iterate at once
    losses = np.mean((thetas @ A.T - y) ** 2, axis=1)
    return GDResult(thetas[-1].copy(), thetas, losses, diverged)


def _first_stop(
    block: np.ndarray, max_abs: float, target: np.ndarray | None, tol: float | None, steps: int
) -> tuple[int, bool, bool]:
    """(last step kept, diverged, stop now) for the iterates so far. Shapes: block (t + 1, p)."""
    bad = np.flatnonzero(~np.all(np.abs(block) <= max_abs, axis=1))  # NaN counts too
    first_bad = int(bad[0]) if bad.size else None
    done = None
    if target is not None:
        done = train.steps_to_tolerance(np.max(np.abs(block - target), axis=1), tol)
    if done is not None and (first_bad is None or done < first_bad):
        return done, False, True
    if first_bad is not None:
        return first_bad - 1, True, True
    return steps, False, False


def solve_flops(d: Any, n: Any = None) -> np.ndarray:
    """Approximate floating-point operations of the closed form for d parameters.

    Shapes: d (and n) scalars or arrays, broadcast. LU solve of the d×d system: ⅔·d³;
    forming AᵀA from n samples adds 2·n·d² (left out when n is None). Cubic in d: ten
    times the parameters, a thousand times the work.
    """
    d = np.asarray(d, dtype=float)
    flops = (2.0 / 3.0) * d**3
    if n is not None:
        flops = flops + 2.0 * np.asarray(n, dtype=float) * d**2
    return flops


def time_solve(ds: Any, *, rng: np.random.Generator, repeats: int = 3) -> np.ndarray:
    """Measured seconds of `np.linalg.solve` on a random well-conditioned d×d system (best of).

    Shapes: ds (K,) ints → (K,) seconds. Wall-clock: varies between machines and runs. Each d
    gets one untimed warm-up call, then the best of `repeats`; the linear-algebra library runs
    on one thread (when threadpoolctl is installed), so the times measure the arithmetic
    rather than thread start-up or other programs competing for the cores. Small systems are
    repeated until 20 ms have been spent on them, so their best run is a clean one too.
    """
    repeats = check_int("repeats", repeats, minimum=1)
    out = []
    with _one_blas_thread():
        for d in np.asarray(ds, dtype=int):
            d = check_int("ds", int(d), minimum=1)
            M = rng.standard_normal((d, d)) + d * np.eye(d)
            b = rng.standard_normal(d)
            np.linalg.solve(M, b)  # warm-up: first-call allocations are not the arithmetic
            best, spent, runs = np.inf, 0.0, 0
            while runs < repeats or spent < 0.02:  # small d: many runs, so the best is clean
                t0 = time.perf_counter()
                np.linalg.solve(M, b)
                took = time.perf_counter() - t0
                best, spent, runs = min(best, took), spent + took, runs + 1
            out.append(best)
    return np.array(out)


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS/LAPACK to one thread while timing (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional helper: timings are then just noisier
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)
