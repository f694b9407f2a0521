"""Gradient-descent experiments: learning-rate regimes, mini-batch runs and their noise.

Notebook 03 asks three questions that need a little more than one `descend` call:
which regime a learning rate puts the parabola L(w) = (w − 3)² in, how a mini-batch run of
linear least squares behaves for *many* shuffles at once (`trainlib.minibatch.minibatch_gd`
with one generator per run, vectorised over the runs), and how noisy each batch size makes
the loss curve. numpy only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trainlib.data import regression
from trainlib.minibatch import least_squares, minibatch_gd
from trainlib.optim import sgd
from trainlib.surfaces import bowl, parabola
from trainlib.train import Path, descend
from trainlib.validation import as_array, check_int, check_positive

__all__ = [
    "PARABOLA_MAX_LOSS",
    "parabola_descent",
    "parabola_factor",
    "parabola_regime",
    "REGIMES",
    "batch_bounds",
    "updates_per_epoch",
    "best_fit",
    "MinibatchRuns",
    "minibatch_runs",
    "update_noise",
    "per_example_gradients",
    "gradient_noise",
    "first_step_loss_change",
    "first_step_loss_changes",
    "zigzag",
    "steps_to_tolerance",
    "seconds_per_epoch",
    "BatchSizeStudy",
    "batch_size_study",
    "BATCH_SIZES",
    "N_EXAMPLES",
    "variants_data",
]

Array = np.ndarray

#: A parabola run counts as diverged once its loss passes this value (over 1000× the start,
#: 9): far off every plot, and reached within 40 steps for any lr ≥ 1.05.
PARABOLA_MAX_LOSS = 1e4

#: The regimes of plain GD on L(w) = (w − 3)², in order of increasing learning rate.
REGIMES = ("monotone", "one step", "oscillating", "bouncing forever", "diverging")


def parabola_descent(lr: float, steps: int, w0: float = 0.0) -> Path:
    """Plain GD on L(w) = (w − 3)² from w0: the text's worked example, any lr.

    Update: w ← w − lr·2(w − 3). A run whose loss passes `PARABOLA_MAX_LOSS` stops with
    diverged=True and diverged_at = that step (see `trainlib.train.descend`).
    Shapes: returns a Path with xs (k + 1,), losses (k + 1,), k ≤ steps.
    """
    lr = check_positive("lr", lr)
    return descend(parabola, float(w0), sgd(lr=lr), steps, max_value=PARABOLA_MAX_LOSS)


def parabola_factor(lr: float) -> float:
    """The factor one GD step multiplies the error w − 3 by on (w − 3)²: 1 − 2·lr.

    w − 3 ← (w − 3) − lr·2(w − 3) = (1 − 2·lr)·(w − 3); the curvature L'' = 2 sets the scale.
    """
    return 1.0 - 2.0 * check_positive("lr", lr)


def parabola_regime(lr: float, tol: float = 1e-9) -> str:
    """Name the regime of GD with rate `lr` on (w − 3)², from the factor r = 1 − 2·lr.

    0 < r < 1 "monotone" (never overshoots; slow only when r is near 1), r = 0 "one step",
    −1 < r < 0 "oscillating" (overshoots, converges), r = −1 "bouncing forever" (0 ↔ 6),
    r < −1 "diverging". `tol` decides when lr counts as exactly 0.5 or 1 (a slider's float).
    """
    r = parabola_factor(lr)
    if abs(r) <= tol:
        return REGIMES[1]
    if abs(r + 1.0) <= tol:
        return REGIMES[3]
    if r > 0:
        return REGIMES[0]
    return REGIMES[2] if r > -1.0 else REGIMES[4]


# ---------------------------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------------------------

#: The batch sizes of the slider for n = 200 examples: 30 shows ⌈200/30⌉ = 7 updates.
BATCH_SIZES = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200)
N_EXAMPLES = 200


def variants_data(n: int = N_EXAMPLES, seed: int = 3) -> tuple[Array, Array]:
    """The batch-size problem: n points of a noisy line (`trainlib.data.regression`).

    Shapes: returns X (n, 1), y (n,).
    """
    X, y, _ = regression(n, rng=np.random.default_rng(seed))
    return X, y


def batch_bounds(n: int, batch_size: int) -> Array:
    """(start, stop) of every mini-batch of one epoch; the last batch may be smaller.

    Shapes: returns (⌈n/B⌉, 2) int; batch j is order[start:stop] of a shuffled order.
    """
    n = check_int("n", n, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    starts = np.arange(0, n, batch_size)
    return np.column_stack([starts, np.minimum(starts + batch_size, n)])


def updates_per_epoch(n: int, batch_size: int) -> int:
    """⌈n / B⌉: one update per mini-batch, the last (partial) batch included."""
    return len(batch_bounds(n, batch_size))


def best_fit(X: Array, y: Array) -> tuple[Array, float]:
    """The least-squares parameters θ* = [intercept, weights] and the lowest loss L(θ*).

    Shapes: X (n, d), y (n,); returns θ* (d + 1,) and a float.
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    A = np.column_stack([np.ones(len(X)), X])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return theta, least_squares(theta, X, y)[0]


@dataclass(frozen=True, eq=False)
class MinibatchRuns:
    """R mini-batch GD runs of linear least squares on n examples, one per shuffle generator.

    Shapes: `thetas` (T + 1, R, d + 1) the parameters before any update and after each;
    `losses` (R, T + 1) the full-data loss at each of them (+inf once a run diverged);
    T = epochs·⌈n/B⌉; `diverged` (R,) bool.
    """

    thetas: Array
    losses: Array
    n: int
    batch_size: int
    diverged: Array

    @property
    def updates_per_epoch(self) -> int:
        """⌈n/B⌉ updates per epoch."""
        return updates_per_epoch(self.n, self.batch_size)

    @property
    def epoch_losses(self) -> Array:
        """Full-data loss at the start and after every epoch. Shapes: (R, epochs + 1)."""
        return self.losses[:, :: self.updates_per_epoch]

    @property
    def epochs_seen(self) -> Array:
        """Examples processed before each recorded loss, in epochs (= per-example gradient
        evaluations / n, the cost model). Shapes: (T + 1,)."""
        sizes = np.diff(batch_bounds(self.n, self.batch_size), axis=1)[:, 0]
        epochs = (self.losses.shape[1] - 1) // len(sizes)
        return np.concatenate([[0], np.cumsum(np.tile(sizes, epochs))]) / self.n


def minibatch_runs(
    X: Array,
    y: Array,
    theta0: Array,
    *,
    batch_size: int,
    epochs: int,
    lr: float,
    rngs: Sequence[np.random.Generator],
) -> MinibatchRuns:
    """Mini-batch GD on the MSE of a linear model, one run per shuffle generator, all at once.

    Shapes: X (n, d), y (n,), theta0 (d + 1,) = [intercept, weights]; one run per generator.
    The runs of `trainlib.minibatch.minibatch_gd(least_squares, …, rng=rngs)`: each epoch run r
    shuffles with ``rngs[r]`` and makes ⌈n/B⌉ updates θ ← θ − lr·∇L_B(θ), the last batch
    possibly smaller. If every run diverged before the end, the rest is +inf (θ held).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    n, d = X.shape
    if y.shape != (n,):
        raise ValueError(f"y: expected shape ({n},) to match X, got {y.shape}")
    theta0 = as_array("theta0", theta0, ndim=1)
    if theta0.shape != (d + 1,):
        raise ValueError(f"theta0: expected shape ({d + 1},) for X {X.shape}, got {theta0.shape}")
    rngs = list(rngs)
    if not rngs or not all(isinstance(g, np.random.Generator) for g in rngs):
        raise ValueError(f"rngs: expected a non-empty list of np.random.Generator, got {rngs!r}")
    one = len(rngs) == 1  # one run: the plain loop, no run axis (the same numbers, faster)
    run = minibatch_gd(
        least_squares, theta0, X, y, batch_size=batch_size, epochs=epochs, lr=lr,
        rng=rngs[0] if one else rngs,
    )  # fmt: skip
    thetas, losses = run.thetas, run.update_losses
    if one:
        thetas, losses = thetas[:, None], losses[:, None]
    missing = epochs * run.updates_per_epoch + 1 - len(thetas)  # > 0: all diverged early
    thetas = np.concatenate([thetas, np.repeat(thetas[-1:], missing, axis=0)])
    losses = np.concatenate([losses, np.full((missing, len(rngs)), np.inf)])
    return MinibatchRuns(thetas, losses.T, n, batch_size, np.atleast_1d(run.diverged))


def update_noise(losses: Array) -> float:
    """How noisy a loss curve is: √(mean over runs of Var_t(L_{t+1} − L_t)).

    Shapes: losses (R, T + 1) or (T + 1,) — one curve per run. Started at the best fit θ*,
    batch GD does not move (noise 0) and every change of the others is gradient noise.
    """
    losses = as_array("losses", losses)
    losses = losses.reshape(1, -1) if losses.ndim == 1 else losses
    if losses.ndim != 2 or losses.shape[1] < 3:
        raise ValueError(f"losses: expected (R, T + 1) with T >= 2 updates, got {losses.shape}")
    return float(np.sqrt(np.mean(np.var(np.diff(losses, axis=1), axis=1))))


def per_example_gradients(X: Array, y: Array, theta: Array) -> Array:
    """∇ℓᵢ(θ) of every example: `least_squares` with each example as a data set of its own.

    Shapes: X (n, d), y (n,), theta (d + 1,) → (n, d + 1); their mean is ∇L(θ).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    return least_squares(as_array("theta", theta, ndim=1), X[:, None, :], y[:, None])[1]


def _batch_covariance(X: Array, y: Array, theta: Array, batch_size: int) -> Array:
    """Cov(g_B) = Σ·(n − B)/(B·(n − 1)) for a batch of B distinct examples (see below)."""
    G = per_example_gradients(X, y, theta)
    n = len(G)
    B = check_int("batch_size", batch_size, minimum=1)
    if B > n:
        raise ValueError(f"batch_size: expected at most n = {n}, got {B}")
    centred = G - G.mean(axis=0)
    return (centred.T @ centred / n) * (n - B) / (B * (n - 1))


def gradient_noise(X: Array, y: Array, theta: Array, batch_size: int) -> float:
    """How far a mini-batch gradient is from the full one, exactly: σ_B = √E‖g_B − ∇L(θ)‖².

    Over batches of B distinct examples (a shuffled epoch's batches), the variance of a mean
    drawn without replacement: σ_B² = (tr Σ / B)·(n − B)/(n − 1), with Σ the covariance of the
    per-example gradients. ∝ 1/B for B ≪ n, and exactly 0 at B = n.
    Shapes: X (n, d), y (n,), theta (d + 1,).
    """
    return float(np.sqrt(max(np.trace(_batch_covariance(X, y, theta, batch_size)), 0.0)))


def first_step_loss_change(X: Array, y: Array, batch_size: int, lr: float) -> float:
    """E[ΔL] of one mini-batch step from the best fit θ*: ½·lr²·tr(H·Cov g_B), exactly.

    At θ* the full gradient is 0, and on this quadratic loss the Taylor series stops at the
    second order: L(θ* − lr·g) − L(θ*) = ½·lr²·gᵀHg with H = (2/n)·AᵀA, A = [1, X]. Its mean
    is ½·lr²·tr(H·Cov g_B): quadratic in the gradient noise, so ∝ 1/B for B ≪ n.
    Shapes: X (n, d), y (n,).
    """
    X = as_array("X", X, ndim=2)
    lr = check_positive("lr", lr)
    theta, _ = best_fit(X, y)
    A = np.column_stack([np.ones(len(X)), X])
    H = (2.0 / len(X)) * A.T @ A
    return float(0.5 * lr**2 * np.trace(H @ _batch_covariance(X, y, theta, batch_size)))


def first_step_loss_changes(
    X: Array, y: Array, batch_size: int, lr: float, draws: int, rng: np.random.Generator
) -> Array:
    """ΔL = L(θ* − lr·g_B) − L(θ*) of `draws` random first steps from θ*, evaluated directly.

    Each draw averages the gradients of B distinct examples (`per_example_gradients`) and
    evaluates the full-data MSE after the step — a simulation, not the formula above: its
    mean estimates `first_step_loss_change`. Shapes: X (n, d), y (n,); returns (draws,).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    n, B = len(X), check_int("batch_size", batch_size, minimum=1)
    draws = check_int("draws", draws, minimum=1)
    theta, best = best_fit(X, y)
    batches = rng.permuted(np.tile(np.arange(n), (draws, 1)), axis=1)[:, :B]
    steps = theta - check_positive("lr", lr) * per_example_gradients(X, y, theta)[batches].mean(1)
    A = np.column_stack([np.ones(n), X])
    return np.mean((steps @ A.T - y) ** 2, axis=1) - best


def zigzag(kappa: float, steps: int, lr: float | None = None) -> Path:
    """Plain GD on the bowl L = ½(x² + κ·y²) from (1, 1), by default with α = 2/(1 + κ).

    α = 2/(λ_min + λ_max) is the best fixed rate: both coordinates then shrink by the same
    factor (κ − 1)/(κ + 1) per step, x from one side, y flipping sign — the zig-zag.
    Shapes: returns a Path with xs (k + 1, 2), losses (k + 1,).
    """
    kappa = check_positive("kappa", kappa)
    lr = 2.0 / (1.0 + kappa) if lr is None else check_positive("lr", lr)
    return descend(bowl(kappa), np.array([1.0, 1.0]), sgd(lr=lr), steps)


def steps_to_tolerance(kappa: float, tol: float = 1e-6) -> int:
    """Steps `zigzag(kappa)` needs until L < tol.

    With the factor r = (κ − 1)/(κ + 1) per step and L₀ = (1 + κ)/2: about
    ln(L₀/tol) / (2·ln(1/r)) ≈ (κ/4)·ln(L₀/tol) steps for large κ — linear in κ. The run is
    given twice that many (plus 10) steps.
    """
    kappa = check_positive("kappa", kappa)
    tol = check_positive("tol", tol)
    budget = int(np.ceil(0.5 * kappa * max(np.log((1.0 + kappa) / 2.0 / tol), 1.0))) + 10
    below = np.nonzero(zigzag(kappa, budget).losses < tol)[0]
    if not len(below):  # pragma: no cover - the budget is twice the bound
        raise ValueError(f"kappa: expected L < {tol:g} within {budget} steps, got none")
    return int(below[0])


def seconds_per_epoch(
    X: Array, y: Array, batch_size: int, *, lr: float = 0.05, repeats: int = 3, seed: int = 0
) -> float:
    """Wall-clock seconds of one epoch of `trainlib.minibatch.minibatch_gd` on least squares.

    The best of `repeats` one-epoch runs from θ = 0. A measurement, not a computation: it
    changes from run to run and machine to machine. Each update is a fixed overhead plus
    work ∝ B, so on small data time ∝ ⌈n/B⌉ updates. Shapes: X (n, d), y (n,).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    repeats = check_int("repeats", repeats, minimum=1)
    rng = np.random.default_rng(seed)
    theta0 = np.zeros(X.shape[1] + 1)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        minibatch_gd(least_squares, theta0, X, y, batch_size=batch_size, epochs=1, lr=lr, rng=rng)
        best = min(best, time.perf_counter() - t0)
    return best


@dataclass(frozen=True, eq=False)
class BatchSizeStudy:
    """Mini-batch GD on one regression problem for several batch sizes (C18–C20).

    `runs[B]`: one run from theta0 (the curves a student sees); `noise[B]`: `update_noise`
    of `noise_repeats` runs started at the best fit θ* (the loss noise, no trend; ∝ 1/B);
    `grad_noise[B]`: `gradient_noise` at θ* (the gradient's own noise, ∝ 1/√B);
    `best_theta`, `best_loss`: θ* and L(θ*), the floor no run can go below.
    Shapes: X (n, d), y (n,).
    """

    X: Array
    y: Array
    lr: float
    epochs: int
    runs: dict[int, MinibatchRuns]
    noise: dict[int, float]
    best_theta: Array
    best_loss: float
    grad_noise: dict[int, float]


def batch_size_study(
    X: Array,
    y: Array,
    batch_sizes: Sequence[int],
    *,
    epochs: int = 20,
    lr: float = 0.05,
    seed: int = 0,
    noise_repeats: int = 128,
    noise_epochs: int = 3,
) -> BatchSizeStudy:
    """Run `minibatch_runs` from θ = 0 and from θ* for every batch size; see `BatchSizeStudy`.

    Batch size B shuffles with ``default_rng((seed, B))`` (its noise runs with generators
    spawned from ``default_rng((seed, B, 1))``), so a run does not depend on which other
    batch sizes are studied. Shapes: X (n, d), y (n,).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, ndim=1)
    seed = check_int("seed", seed, minimum=0)
    noise_repeats = check_int("noise_repeats", noise_repeats, minimum=1)
    best_theta, best_loss = best_fit(X, y)
    theta0 = np.zeros(X.shape[1] + 1)
    runs, noise, grad_noise = {}, {}, {}
    for B in batch_sizes:
        B = check_int("batch_sizes", B, minimum=1)
        runs[B] = minibatch_runs(
            X,
            y,
            theta0,
            batch_size=B,
            epochs=epochs,
            lr=lr,
            rngs=[np.random.default_rng((seed, B))],
        )
        at_best = minibatch_runs(
            X, y, best_theta, batch_size=B, epochs=noise_epochs, lr=lr,
            rngs=np.random.default_rng((seed, B, 1)).spawn(noise_repeats),
        )  # fmt: skip
        noise[B] = update_noise(at_best.losses)
        grad_noise[B] = gradient_noise(X, y, best_theta, B)
    return BatchSizeStudy(X, y, float(lr), epochs, runs, noise, best_theta, best_loss, grad_noise)
