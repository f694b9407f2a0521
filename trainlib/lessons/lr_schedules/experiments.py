"""The training problem every learning-rate schedule of notebook 08 runs on, and the runs.

Mini-batch SGD on least squares: a line through 80 noisy points in two features (plus an
intercept), batches of 8, so one epoch is 10 updates. On batch B the gradient of the mean
squared error is *linear* in θ,

    ∇L_B(θ) = A_B·θ − c_B,   A_B = (2/|B|)·X̃_Bᵀ X̃_B,   c_B = (2/|B|)·X̃_Bᵀ y_B   (X̃ = [1, X]),

so `batch_gradients` draws the batches once (epoch by epoch, reshuffled, exactly as
`trainlib.data.minibatches` does) and keeps (A_k, c_k) for every step k. A run is then the
SGD recursion θ ← θ − ηₖ·(A_k·θ − c_k) with the schedule's rate ηₖ = lr(k), vectorised over
several schedules at once (`sgd_paths`). Its full-data loss is a quadratic,
L(θ) = L* + (θ − θ*)ᵀ·M·(θ − θ*) with M = X̃ᵀX̃/n, so the *excess loss* L − L* is exact and
positive, and can be drawn on a log axis. `run_plateau` runs ReduceLROnPlateau, which needs
the validation loss after every epoch.

This is `trainlib.minibatch.minibatch_gd(least_squares, …, lr=schedule)` — the same batches, the
same rule, the same numbers to rounding (tests/test_08_lr_schedules.py proves it for a
constant rate, a schedule and ReduceLROnPlateau) — kept in this vectorised form because
the figures rerun it on every slider move: a few schedules × 300 steps take ~1 ms here and
~10 ms per schedule through the general loop, over the figures' 17 ms budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from trainlib import schedules
from trainlib.data import regression
from trainlib.validation import as_array, check_int, check_positive, check_range

Array = np.ndarray


def torch_schedules() -> Any:
    """The rates PyTorch's own schedulers gave (torch 2.13, stored by tools/make_optim_refs.py).

    An `np.load` archive: ``["schedule__<name>"]`` holds one schedule's rate at every step,
    ``["configs"]`` the JSON of each configuration.
    """
    with resources.files(__package__).joinpath("torch_schedules.npz").open("rb") as f:
        return dict(np.load(f))


#: Steps of every run in notebook 08: 30 epochs of 10 mini-batches of 8.
STEPS = 300
#: Fraction of the run whose mean loss and step size count as "final" (the zoomed window).
FINAL_FRACTION = 0.2
#: An excess loss above this (or NaN/inf) marks a run as diverged.
DIVERGENCE_LIMIT = 1e6
#: The schedules of the playground (C39), in the order of its dropdown.
PLAYGROUND = ("step decay", "cosine", "warmup + cosine", "one-cycle", "reduce on plateau")
#: The batch sizes the figures offer (80 = the full training set: no gradient noise).
BATCH_SIZES = (2, 4, 8, 16, 80)
#: Seeds of the notebook's problem (`make_problem`) and of its batch order.
SEED_DATA, SEED_BATCHES = 0, 1


@dataclass(frozen=True, eq=False)
class Problem:
    """A least-squares problem with a training and a validation set.

    Shapes: X (n, d), y (n,), X_val (m, d), y_val (m,); theta_star (d + 1,) =
    [intercept, weights], the minimiser of the training MSE; M (d + 1, d + 1) = X̃ᵀX̃/n;
    min_loss = L(θ*), the lowest training MSE.
    """

    X: Array
    y: Array
    X_val: Array
    y_val: Array
    theta_star: Array
    M: Array
    min_loss: float

    @property
    def n(self) -> int:
        return len(self.X)

    def steps_per_epoch(self, batch_size: int) -> int:
        """⌈n / batch_size⌉ updates make one pass over the training set."""
        return -(-self.n // check_int("batch_size", batch_size, minimum=1))


def _design(X: Array) -> Array:
    return np.column_stack([np.ones(len(X)), X])


def make_problem(
    *, rng: np.random.Generator, n_train: int = 80, n_val: int = 40, d: int = 2, noise: float = 1.0
) -> Problem:
    """Noisy linear data (`trainlib.data.regression`) split into training and validation sets.

    Shapes: returns a Problem with X (n_train, d), X_val (n_val, d).
    """
    n_train = check_int("n_train", n_train, minimum=d + 1)
    n_val = check_int("n_val", n_val, minimum=1)
    X, y, _ = regression(n_train + n_val, rng=rng, d=d, noise=noise)
    Xt = _design(X[:n_train])
    M = Xt.T @ Xt / n_train
    theta_star = np.linalg.solve(M, Xt.T @ y[:n_train] / n_train)
    min_loss = float(np.mean((Xt @ theta_star - y[:n_train]) ** 2))
    return Problem(X[:n_train], y[:n_train], X[n_train:], y[n_train:], theta_star, M, min_loss)


def batch_gradients(
    problem: Problem,
    batch_size: int,
    steps: int,
    *,
    rng: np.random.Generator,
    replace: bool = False,
) -> tuple[Array, Array]:
    """The mini-batch gradient of every step as a linear map: ∇L_Bₖ(θ) = A[k]·θ − c[k].

    Shapes: returns A (steps, p, p), c (steps, p) with p = d + 1. Batches come epoch by epoch,
    each epoch a fresh `rng.permutation(n)` cut into batches of `batch_size` (the last one
    smaller if batch_size does not divide n), as in `trainlib.data.minibatches`. With
    replace=True every step instead draws its own `rng.integers(0, n, batch_size)` (batches
    drawn with replacement: independent kicks, no epochs).
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > problem.n:
        raise ValueError(f"batch_size: expected an integer <= n = {problem.n}, got {batch_size}")
    steps = check_int("steps", steps, minimum=1)
    Xt, y = _design(problem.X), problem.y
    if replace:
        idx = rng.integers(0, problem.n, (steps, batch_size))
        Xb, yb = Xt[idx], y[idx]
        scale = 2.0 / batch_size
        return scale * np.einsum("kbp,kbq->kpq", Xb, Xb), scale * np.einsum("kbp,kb->kp", Xb, yb)
    A, c = [], []
    while len(A) < steps:
        order = rng.permutation(problem.n)
        for start in range(0, problem.n, batch_size):
            idx = order[start : start + batch_size]
            Xb, yb = Xt[idx], y[idx]
            A.append((2.0 / len(idx)) * Xb.T @ Xb)
            c.append((2.0 / len(idx)) * Xb.T @ yb)
    return np.array(A[:steps]), np.array(c[:steps])


def notebook_problem() -> Problem:
    """The notebook's problem: `make_problem` with the generator seeded SEED_DATA."""
    return make_problem(rng=np.random.default_rng(SEED_DATA))


def notebook_batches(problem: Problem, batch_size: int) -> tuple[Array, Array]:
    """The notebook's batches of `batch_size`: `batch_gradients` for STEPS steps, seeded
    SEED_BATCHES. Shapes: returns A (STEPS, p, p), c (STEPS, p)."""
    return batch_gradients(problem, batch_size, STEPS, rng=np.random.default_rng(SEED_BATCHES))


def sgd_paths(A: Array, c: Array, lrs: Array, theta0: Any) -> Array:
    """Run SGD θₖ₊₁ = θₖ − ηₖ·(A[k]·θₖ − c[k]) for R rate sequences at once.

    Shapes: A (T, p, p), c (T, p), lrs (R, T) or (T,) — row r is the rate ηₖ of run r at
    step k; theta0 (p,). Returns thetas (R, T + 1, p) (or (T + 1, p) for 1-D lrs), θ₀ first.
    A diverging run overflows to inf/NaN without a warning; `excess_loss` and `Run` spot it.
    """
    lrs = as_array("lrs", lrs)
    one = lrs.ndim == 1
    lrs = np.atleast_2d(lrs)
    A, c = as_array("A", A, ndim=3), as_array("c", c, ndim=2)
    T, p = c.shape
    if lrs.ndim != 2 or lrs.shape[1] != T or A.shape != (T, p, p):
        raise ValueError(
            f"lrs: expected shape (R, {T}) to match A {A.shape} and c {c.shape}, got {lrs.shape}"
        )
    theta = np.broadcast_to(as_array("theta0", theta0, ndim=1), (len(lrs), p)).copy()
    out = _sgd_loop(A.transpose(0, 2, 1), c, lrs.T, theta)  # (T + 1, R, p)
    out = out.transpose(1, 0, 2)
    return out[0] if one else out


def _sgd_loop(At: Array, c: Array, eta: Array, theta: Array) -> Array:
    """The bare recursion, unchecked. Shapes: At (T, p, p) = Aᵀ, c (T, p), eta (T, R), theta (R, p).

    Returns (T + 1, R, p). (θ·Aᵀ for a row θ is A·θ; rows are the R runs.)
    """
    out = [theta]
    with np.errstate(all="ignore"):
        for At_k, c_k, eta_k in zip(At, c, eta[:, :, None], strict=True):
            theta = theta - eta_k * (theta @ At_k - c_k)  # θ ← θ − η·∇L_B(θ)
            out.append(theta)
    return np.stack(out)


def excess_loss(problem: Problem, thetas: Any) -> Array:
    """Training MSE above its minimum: L(θ) − L* = (θ − θ*)ᵀ·M·(θ − θ*) ≥ 0, for every θ.

    Shapes: thetas (..., p) → (...). Overflowed θ give inf or NaN, never a warning.
    """
    e = np.asarray(thetas, dtype=float) - problem.theta_star
    with np.errstate(all="ignore"):
        return np.einsum("...p,pq,...q->...", e, problem.M, e)


def kick_partial_sums(problem: Problem, A: Array, c: Array, steps_per_epoch: int) -> Array:
    """Sₖ: the sum of the kicks gᵢ = ∇L_Bᵢ(θ*) = A[i]·θ* − c[i] of k's epoch before step k.

    For k = e·spe + j it is g_{e·spe} + … + g_{k−1} (j kicks; S = 0 at an epoch's start).
    With reshuffled epochs the kicks of an epoch sum to zero, so Sₖ never grows past one
    epoch. To first order in the rate α, θₖ − θ_{epoch start} = −α·Sₖ.
    Shapes: A (T, p, p), c (T, p) with T a multiple of steps_per_epoch; returns (T + 1, p).
    """
    T, p = c.shape
    spe = check_int("steps_per_epoch", steps_per_epoch, minimum=1)
    if T % spe:
        raise ValueError(f"steps_per_epoch: expected a divisor of the {T} steps, got {spe}")
    g = (A @ problem.theta_star - c).reshape(T // spe, spe, p)
    before = np.concatenate([np.zeros((T // spe, 1, p)), np.cumsum(g, axis=1)[:, :-1]], axis=1)
    return np.concatenate([before.reshape(T, p), np.zeros((1, p))])


def val_loss(problem: Problem, thetas: Any) -> Array:
    """Validation MSE (1/m)·Σ (θ₀ + x·θ₁..d − y)² for every θ. Shapes: thetas (..., p) → (...)."""
    thetas = np.asarray(thetas, dtype=float)
    with np.errstate(all="ignore"):
        pred = thetas @ _design(problem.X_val).T
        return np.mean((pred - problem.y_val) ** 2, axis=-1)


@dataclass(frozen=True, eq=False)
class Run:
    """One SGD run: its rates, excess losses and step sizes, cut at divergence.

    Shapes: lrs (T,) the rate of each step; thetas (k + 1, p), excess (k + 1,) before any
    step and after each of the k finite steps (k = T unless diverged); step_sizes (k,)
    ‖θₖ₊₁ − θₖ‖. diverged_at is the first step whose result overflowed, else None.
    """

    lrs: Array
    thetas: Array
    excess: Array
    step_sizes: Array
    diverged_at: int | None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def final_loss(self, fraction: float = FINAL_FRACTION) -> float:
        """Mean excess loss over the last `fraction` of the steps (inf if the run diverged)."""
        k = _window(len(self.lrs), fraction)
        return np.inf if self.diverged else float(np.mean(self.excess[-k:]))

    def final_step(self, fraction: float = FINAL_FRACTION) -> float:
        """Mean step size ‖θₖ₊₁ − θₖ‖ over the last `fraction` of the steps (inf if diverged)."""
        k = _window(len(self.lrs), fraction)
        return np.inf if self.diverged else float(np.mean(self.step_sizes[-k:]))


def _window(steps: int, fraction: float) -> int:
    fraction = check_range("fraction", fraction, 0.0, 1.0, lo_closed=False, hi_closed=True)
    return max(1, round(steps * fraction))


def make_run(problem: Problem, lrs: Array, thetas: Array) -> Run:
    """Package one path as a `Run`, cut just before the first step that overflowed.

    Shapes: lrs (T,), thetas (T + 1, p).
    """
    excess = excess_loss(problem, thetas)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(excess) | (np.nan_to_num(excess, nan=np.inf) > DIVERGENCE_LIMIT)
    bad_rows = np.flatnonzero(bad)
    k = len(excess) if bad_rows.size == 0 else int(bad_rows[0])
    thetas = thetas[:k]
    steps = np.linalg.norm(np.diff(thetas, axis=0), axis=1)
    return Run(np.asarray(lrs, float), thetas, excess[:k], steps, None if k == len(excess) else k)


def run_schedules(
    problem: Problem, A: Array, c: Array, lrs: dict[str, Any], theta0: Any = None
) -> dict[str, Run]:
    """Run every named schedule on the same batches, vectorised; a `Run` per name.

    Shapes: A (T, p, p), c (T, p); each lrs value is a schedule lr(t) or an array (T,).
    theta0 defaults to zeros (p,).
    """
    T, p = c.shape
    theta0 = np.zeros(p) if theta0 is None else theta0
    t = np.arange(T)
    rates = {name: np.asarray(lr(t) if callable(lr) else lr, float) for name, lr in lrs.items()}
    paths = sgd_paths(A, c, np.stack(list(rates.values())), theta0)
    return {
        name: make_run(problem, rates[name], path) for name, path in zip(rates, paths, strict=True)
    }


def run_plateau(
    problem: Problem,
    A: Array,
    c: Array,
    plateau: schedules.ReduceLROnPlateau,
    steps_per_epoch: int,
    theta0: Any = None,
) -> tuple[Run, Array]:
    """SGD whose rate a ReduceLROnPlateau sets from the validation loss after every epoch.

    Shapes: A (T, p, p), c (T, p) with T a multiple of steps_per_epoch. Returns the Run and
    the validation losses (epochs,) that were fed to `plateau.step`, the way PyTorch is used:
    train one epoch at the current rate, evaluate, ``lr = scheduler.step(val_loss)``.
    """
    T, p = c.shape
    spe = check_int("steps_per_epoch", steps_per_epoch, minimum=1)
    if T % spe:
        raise ValueError(f"steps_per_epoch: expected a divisor of the {T} steps, got {spe}")
    theta = np.zeros(p) if theta0 is None else as_array("theta0", theta0, ndim=1)
    At = A.transpose(0, 2, 1)
    lr = plateau(0)
    lrs, paths, vals = np.full(T, np.nan), [theta[None]], []
    for start in range(0, T, spe):
        epoch = slice(start, start + spe)
        lrs[epoch] = lr
        path = _sgd_loop(At[epoch], c[epoch], lrs[epoch, None], theta[None])[1:, 0]
        paths.append(path)
        theta = path[-1]
        val = float(val_loss(problem, theta))
        if not np.isfinite(val) or val > DIVERGENCE_LIMIT:
            lrs[start + spe :] = lr  # diverged: what follows is cut from the Run anyway
            paths.append(np.full((T - start - spe, p), np.nan))
            break
        vals.append(val)
        lr = plateau.step(val)
    return make_run(problem, lrs, np.concatenate(paths)), np.array(vals)


def playground_schedules(
    lr: float,
    steps: int = STEPS,
    *,
    step_size: int = 100,
    gamma: float = 0.3,
    T_max: int = STEPS,
    eta_min: float = 0.0,
    warmup_steps: int = 30,
    start_factor: float = 0.01,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
) -> dict[str, schedules.Schedule]:
    """The four step-only schedules of the playground, built with `trainlib.schedules`.

    step decay (StepLR), cosine annealing (CosineAnnealingLR), linear warm-up + cosine to 0
    at `steps` (LinearLR then CosineAnnealingLR), one-cycle over `steps` (OneCycleLR). `lr`
    is the peak rate of each; eta_min is absolute.
    """
    lr = check_positive("lr", lr)
    return {
        "step decay": schedules.step_decay(lr, step_size, gamma),
        "cosine": schedules.cosine(lr, T_max, eta_min),
        "warmup + cosine": schedules.warmup_cosine(lr, warmup_steps, steps, start_factor),
        "one-cycle": schedules.one_cycle(lr, steps, pct_start, div_factor=div_factor),
    }


def settle_rates(lr: float, decay: str, steps: int = STEPS) -> dict[str, Array]:
    """The two rate sequences of the settling experiment (C38): constant lr, and lr decayed.

    decay: "cosine" (to 0 at `steps`), "step decay" (×0.3 every steps/4) or "exponential"
    (×γ per step with γ^steps = 10⁻³). Shapes: each value (steps,).
    """
    lr = check_positive("lr", lr)
    options = {
        "cosine": lambda: schedules.cosine(lr, steps),
        "step decay": lambda: schedules.step_decay(lr, max(1, steps // 4), 0.3),
        "exponential": lambda: schedules.exponential(lr, 1e-3 ** (1.0 / steps)),
    }
    if decay not in options:
        raise ValueError(f"decay: expected one of {list(options)}, got {decay!r}")
    t = np.arange(steps)
    return {"constant": schedules.constant(lr)(t), decay: options[decay]()(t)}
