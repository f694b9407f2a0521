"""Training loops: descend a surface, race optimisers, mini-batch GD on least squares.

A network is trained by `trainlib.fit.fit`; this module holds the loops on parameter vectors.

Every loop here treats divergence as a result, not a crash: when a loss or a parameter
overflows, the loop stops (or freezes that starting point) and says `diverged=True`, keeping
only the finite steps, so there is never a NaN to plot and no RuntimeWarning escapes.

Optimisers are the pure pairs of `trainlib.optim`: `state = opt.init(params)` and
`params, state = opt.step(params, grads, state)`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from trainlib import optim
from trainlib.validation import NonFiniteError, as_array, check_int, check_positive

__all__ = [
    "Path",
    "descend",
    "race",
    "steps_to_tolerance",
    "LeaderboardEntry",
    "leaderboard",
    "least_squares",
    "GDRun",
    "minibatch_gd",
    "gd_variants",
]

Array = np.ndarray
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


# =========================================================================================
# descend and race: optimisers on a surface
# =========================================================================================


@dataclass(frozen=True, eq=False)
class Path:
    """The iterates and losses of one `descend` run.

    Shapes: x0 of shape S + E, where S is the shape of the loss value (S = () for a single
    point; S = (N,) for N starting points on a 2-D surface, E = (2,)):
    `xs` (steps_done + 1, *S, *E), `losses` (steps_done + 1, *S).

    For a single point (S = ()): `diverged` is a bool and `diverged_at` the step t whose
    iterate x_t overflowed (None if none); `xs` then stops at x_{t−1}, so
    len(xs) == diverged_at.
    For many points: `diverged` is a bool mask (S) and `diverged_at` an int array (S), −1 for
    points that never diverged. A diverged point is frozen at its last finite position (its
    loss too) while the others go on; the run stops early only when every point diverged.
    """

    xs: Array
    losses: Array
    diverged: bool | Array
    diverged_at: int | None | Array

    @property
    def steps(self) -> int:
        """Number of steps taken (len(xs) − 1)."""
        return len(self.xs) - 1

    @property
    def final(self) -> Array:
        """The last iterate, shape S + E."""
        return self.xs[-1]


def descend(
    f: Callable[[Array], tuple[Array, Array]],
    x0: Any,
    opt: Any,
    steps: int,
    *,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
    max_value: float = 1e12,
    max_abs: float = 1e8,
) -> Path:
    """Run `steps` optimiser steps on f from x0 and return the path and its losses.

    Shapes: f(x) → (value (S), grad like x); x0 (*S, *E), e.g. (N, 2) for N points on a 2-D
    `trainlib.surfaces.Surface`, or a scalar for the parabola.
    Update: gₜ = ∇f(xₜ) + noise·ξₜ with ξₜ ~ N(0, I) drawn from `rng`, then
    (xₜ₊₁, state) = opt.step(xₜ, gₜ, state).
    A point diverges at step t when f(xₜ) is non-finite or |f(xₜ)| > max_value, or xₜ or
    ∇f(xₜ) is non-finite, or |xₜ| > max_abs somewhere; see `Path` for what is kept.
    """
    steps = check_int("steps", steps, minimum=0)
    noise = check_positive("noise", noise, strict=False)
    max_value = check_positive("max_value", max_value)
    max_abs = check_positive("max_abs", max_abs)
    if noise > 0 and rng is None:
        raise ValueError("rng: expected a np.random.Generator when noise > 0, got None")
    x = np.array(as_array("x0", x0), copy=True)

    with np.errstate(**_QUIET):
        v, g = _start_point(f, x)
        nb = v.ndim  # number of batch axes S
        expand = (...,) + (None,) * (x.ndim - nb)  # mask (S) → broadcastable to x (S + E)
        alive = np.ones(v.shape, dtype=bool)
        all_alive = True
        diverged_at = np.full(v.shape, -1, dtype=np.int64)
        xs = np.empty((steps + 1, *x.shape), dtype=x.dtype)  # the path, filled as it goes
        losses = np.empty((steps + 1, *v.shape), dtype=v.dtype)
        xs[0], losses[0] = x, v
        done = 0  # steps recorded in xs
        state = opt.init(x)
        # x is this loop's own copy, so the optimiser may update it in place (no copies).
        inplace = optim.steps_in_place(opt)
        for t in range(1, steps + 1):
            if noise > 0:
                g = g + (noise * rng.standard_normal(g.shape)).astype(g.dtype, copy=False)
            if not all_alive:  # frozen points get no gradient, so their state stays finite
                g = np.where(alive[expand], g, 0.0).astype(x.dtype, copy=False)
            # in place, x_new is x, updated
            x_new, state = opt.step(x, g, state, inplace=True) if inplace else opt.step(x, g, state)
            x_new = np.asarray(x_new)
            v_new, g_new = f(x_new)
            v_new, g_new = np.asarray(v_new), np.asarray(g_new)
            if all_alive and _all_within(v_new, max_value, x_new, max_abs, g_new):
                x, v, g = x_new, v_new, g_new  # the common case: nobody diverged
            else:
                ok = _within(v_new, max_value, x_new, max_abs, g_new)
                newly = alive & ~ok
                diverged_at[newly] = t
                alive &= ok
                all_alive = False
                if not alive.any():
                    break  # nothing moves any more: stop without appending a frozen copy
                x = np.where(alive[expand], x_new, xs[t - 1])  # frozen: the last point kept
                v = np.where(alive, v_new, v)
                g = np.where(alive[expand], g_new, 0.0)
            xs[t], losses[t] = x, v
            done = t

    if done < steps:  # stopped early: keep only the steps taken
        xs, losses = xs[: done + 1].copy(), losses[: done + 1].copy()
    if nb == 0:  # one point: a bool and a step (or None)
        return Path(xs, losses, not alive, int(diverged_at) if not alive else None)
    return Path(xs, losses, ~alive, diverged_at)


def _start_point(f: Callable[[Array], tuple[Array, Array]], x: Array) -> tuple[Array, Array]:
    """f(x0) = (value (S), grad like x0), checked: shapes agree and both are finite."""
    v, g = f(x)
    v, g = np.asarray(v), np.asarray(g)
    if g.shape != x.shape:
        raise ValueError(f"f: expected a gradient of shape {x.shape} (like x0), got {g.shape}")
    if x.shape[: v.ndim] != v.shape:
        raise ValueError(f"f: expected a value whose shape {v.shape} is a prefix of x0's {x.shape}")
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(g))):
        raise NonFiniteError("x0: expected a starting point with finite loss and gradient")
    return v, g


def _within(v: Array, max_value: float, x: Array, max_abs: float, g: Array) -> Array:
    """Per point (S): |v| ≤ max_value, |x| ≤ max_abs everywhere and g finite.

    NaN fails every comparison, so `|v| ≤ max_value` also rejects NaN and ±inf.
    """
    ok = np.abs(v) <= max_value
    bounded = (np.abs(x) <= max_abs) & (np.abs(g) < np.inf)
    return ok & (bounded.reshape(*v.shape, -1).all(axis=-1) if x.ndim > v.ndim else bounded)


def _all_within(v: Array, max_value: float, x: Array, max_abs: float, g: Array) -> bool:
    """Fast check that no point diverged: |v| ≤ max_value, |x| ≤ max_abs, g finite.

    A few reductions instead of a dozen array operations: NaN propagates through min and max
    (and fails the comparison), and a finite sum of g proves every entry finite. False does
    not mean a divergence, only that the exact per-point test in `descend` must decide.
    """
    if x.size == 0:
        return True
    return bool(
        -max_value <= v.min()
        and v.max() <= max_value
        and -max_abs <= x.min()
        and x.max() <= max_abs
        and np.isfinite(g.sum())
    )


def race(
    opts: Mapping[str, Any],
    f: Callable[[Array], tuple[Array, Array]],
    x0: Any,
    steps: int,
    **kw: Any,
) -> dict[str, Path]:
    """Run every optimiser in `opts` from the same x0 (each vectorised over all points).

    Shapes: x0 (*S, *E) as in `descend`; returns {name: Path}.
    Keyword arguments go to `descend`. With gradient noise, every optimiser sees the same
    noise sequence (common random numbers, a fair race): one child generator is spawned
    from `rng` and each optimiser gets its own copy of it.
    """
    if not isinstance(opts, Mapping) or not opts:
        raise ValueError(f"opts: expected a non-empty dict name → optimiser, got {opts!r}")
    rng = kw.pop("rng", None)
    child = rng.spawn(1)[0] if rng is not None else None
    return {
        name: descend(f, x0, opt, steps, rng=copy.deepcopy(child), **kw)
        for name, opt in opts.items()
    }


def steps_to_tolerance(path: Path | Any, tol: float, min_value: float = 0.0) -> int | None | Array:
    """First step t with losses[t] − min_value ≤ tol (first arrival; it may leave again).

    `path` is a `Path` (its losses are used) or any per-step sequence of errors, e.g. the
    distance max|θₜ − θ*| of a gradient-descent run to the closed-form answer.
    With a constant lr, adaptive methods (Adam, RMSProp) keep taking steps of size ~lr near
    a minimum, so their loss can rise above the tolerance after arriving.

    Shapes: losses (T + 1, *S). A single-point path gives an int (None if never); a
    many-point path an int array (S), −1 where never. NaN never counts as arrived.
    """
    tol = check_positive("tol", tol, strict=False)
    losses = path.losses if isinstance(path, Path) else np.asarray(path, dtype=float)
    with np.errstate(invalid="ignore"):
        hit = (losses - min_value) <= tol
    first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
    if first.ndim == 0:
        return None if first < 0 else int(first)
    return first


class LeaderboardEntry(NamedTuple):
    """One row of `leaderboard`."""

    name: str
    final_loss: float
    steps_to_tol: int | None
    n_diverged: int


def leaderboard(
    paths: Mapping[str, Path], f: Any = None, tol: float = 1e-6
) -> list[LeaderboardEntry]:
    """Rank a race: final loss and steps to reach min_value + tol, best first.

    `f` is the `Surface` raced on (its `min_value` is used), a number (the minimum value)
    or None (0). With many starting points a row reports the median over points of the final
    loss (a diverged point counts as +inf) and of the steps to tolerance (never = +inf,
    shown as None), and how many points diverged. Ranked by steps to tolerance, then loss.
    """
    min_value = float(getattr(f, "min_value", 0.0 if f is None else f))
    rows = []
    for name, p in paths.items():
        div = np.asarray(p.diverged, dtype=bool)
        last = np.where(div, np.inf, p.losses[-1])
        s = steps_to_tolerance(p, tol, min_value)
        s = np.asarray(-1 if s is None else s, dtype=float)
        s = np.where(s < 0, np.inf, s)
        med_s = float(np.median(s))
        rows.append(
            LeaderboardEntry(
                name,
                float(np.median(last)),
                None if not np.isfinite(med_s) else int(round(med_s)),
                int(div.sum()),
            )
        )
    return sorted(
        rows, key=lambda r: (np.inf if r.steps_to_tol is None else r.steps_to_tol, r.final_loss)
    )


# =========================================================================================
# Gradient-descent variants on a dataset: batch, stochastic, mini-batch
# =========================================================================================


def least_squares(theta: Any, X: Any, y: Any) -> tuple[float | Array, Array]:
    """Mean squared error of the linear model ŷ = θ₀ + X·θ₁..d, and its gradient in θ.

    Shapes: theta (d + 1,) = [intercept, weights] (the layout of `trainlib.data.regression`),
    X (n, d), y (n,); grad (d + 1,). Leading axes broadcast (many runs at once): theta
    (…, d + 1), X (…, n, d), y (…, n) give L (…) and grad (…, d + 1).
    L = (1/n)·Σ (ŷᵢ − yᵢ)²,  ∇L = (2/n)·[Σ eᵢ, Xᵀe] with e = ŷ − y.
    """
    X = as_array("X", X)
    theta = as_array("theta", theta)
    y = as_array("y", y)
    if X.ndim < 2 or theta.ndim < 1 or theta.shape[-1] != X.shape[-1] + 1:
        raise ValueError(
            f"theta: expected shape (…, d + 1) for X (…, n, d) {X.shape}, got {theta.shape}"
        )
    if y.shape[-1:] != X.shape[-2:-1] or y.ndim != X.ndim - 1:
        raise ValueError(f"y: expected shape (…, {X.shape[-2]}) to match X, got {y.shape}")
    n = X.shape[-2]
    with np.errstate(**_QUIET):
        if theta.ndim == 1 and X.ndim == 2:  # one model: plain matrix products
            e = theta[0] + X @ theta[1:] - y
            return float(np.mean(e * e)), (2.0 / n) * np.concatenate([[e.sum()], X.T @ e])
        e = theta[..., :1] + np.einsum("...nd,...d->...n", X, theta[..., 1:]) - y
        g = np.concatenate([e.sum(axis=-1)[..., None], np.einsum("...nd,...n->...d", X, e)], -1)
        return np.mean(e * e, axis=-1), (2.0 / n) * g


@dataclass(frozen=True, eq=False)
class GDRun:
    """Result of `minibatch_gd`.

    Shapes (S = () for one run, (R,) for R runs): `theta` the last parameters (S + θ shape;
    of a diverged run its last finite ones); `thetas` (k + 1, *S, *θ shape) the parameters
    before any update and after each of the k updates made; `update_losses` (k + 1, *S) the
    full-data loss at each of them (+inf for a run once it diverged); `epoch_losses`
    (epochs_done + 1, *S) the full-data loss at the start and after each epoch.
    """

    theta: Array
    thetas: Array
    update_losses: Array
    epoch_losses: Array
    updates_per_epoch: int
    batch_size: int
    diverged: bool | Array


def _index_batches(n: int, batch_size: int, rng: Any, shuffle: bool) -> Iterator[Array]:
    """One epoch of mini-batch indices: (B,) each for one generator, (R, B) for R of them.

    The batching is `trainlib.data.minibatches` on the indices 0 … n − 1, run r reshuffled
    by its own generator.
    """
    from trainlib.data import minibatches

    idx = np.arange(n)
    if isinstance(rng, np.random.Generator) or rng is None:
        return (b for b, _ in minibatches(idx, idx, batch_size, rng=rng, shuffle=shuffle))
    per_run = [minibatches(idx, idx, batch_size, rng=g, shuffle=shuffle) for g in rng]
    return (np.stack([b for b, _ in bs]) for bs in zip(*per_run, strict=True))


def _checked_rate(lr: float | Callable[[int], Any]) -> Callable[[int], Any]:
    """A learning rate as a schedule t ↦ ηₜ (a float becomes a constant one)."""
    if callable(lr):
        return lr
    lr = check_positive("lr", lr)
    return lambda t: lr


def _checked_runs(rng: Any) -> tuple[Any, int | None]:
    """(rng, R): one generator or None (R = None: one run, no run axis), or a list of R."""
    if rng is None or isinstance(rng, np.random.Generator):
        return rng, None
    rngs = list(rng) if isinstance(rng, (list, tuple)) else None
    if not rngs or not all(isinstance(g, np.random.Generator) for g in rngs):
        raise ValueError(
            f"rng: expected a np.random.Generator or a non-empty list of them, got {rng!r}"
        )
    return rngs, len(rngs)


def minibatch_gd(
    loss_and_grad: Callable[[Array, Array, Array], tuple[Any, Array]],
    theta0: Any,
    X: Any,
    y: Any,
    *,
    batch_size: int,
    epochs: int,
    lr: float | Callable[[int], Any],
    rng: np.random.Generator | Sequence[np.random.Generator] | None,
    shuffle: bool = True,
) -> GDRun:
    """Mini-batch gradient descent: batch_size = n is batch GD, 1 is SGD.

    Shapes: theta0 any shape; X (n, …), y (n, …); loss_and_grad(θ, Xb, yb) → (L, ∇L like θ).
    Each epoch reshuffles the data with `rng` (seeded, reproducible; None only with
    shuffle=False, which keeps the order) and makes ⌈n/B⌉ updates
    θ ← θ − ηₜ·∇L_B(θ), the last batch possibly smaller; ηₜ = lr, or lr(t) for a schedule
    (t = 0, 1, … counts updates). Losses are recorded on the full data after every update.
    R runs at once: `rng` a list of R generators, run r shuffled by rng[r]; θ then has a
    leading run axis (R, *theta0.shape), a batch is (R, B, …) and loss_and_grad must return
    L (R,) (`least_squares` does). A non-finite loss or θ, or a `NonFiniteError` raised by
    loss_and_grad, is divergence: that run keeps its last finite θ, its loss is +inf from
    then on, and the loop stops when every run diverged (one run: only finite steps kept).
    """
    X, y, batch_size = _checked_batches(X, y, batch_size)
    n = len(X)
    epochs = check_int("epochs", epochs, minimum=0)
    eta, (rng, R) = _checked_rate(lr), _checked_runs(rng)
    theta = np.array(as_array("theta0", theta0), copy=True)
    if R is not None:
        theta = np.repeat(theta[None], R, axis=0)
    first = _start_loss(loss_and_grad, theta, X, y)
    alive = np.ones(np.shape(first), dtype=bool)
    thetas, losses, ends = [theta], [first], [0]
    t = 0
    with np.errstate(**_QUIET):
        for _ in range(epochs):
            for idx in _index_batches(n, batch_size, rng, shuffle):
                theta, loss, alive = _update(loss_and_grad, theta, X, y, idx, eta(t), alive)
                if not alive.any():
                    break
                thetas.append(theta)
                losses.append(loss)
                t += 1
            if not alive.any():
                break
            ends.append(t)
    losses = np.asarray(losses)
    diverged = ~alive if R is not None else bool(not alive)
    return GDRun(
        theta, np.asarray(thetas), losses, losses[ends], -(-n // batch_size), batch_size, diverged
    )


def _checked_batches(X: Any, y: Any, batch_size: int) -> tuple[Array, Array, int]:
    """X, y as arrays with as many samples, and a batch size 1 ≤ B ≤ n."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ValueError(f"y: expected as many samples as X ({len(X)}), got shape {y.shape}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > len(X):
        raise ValueError(f"batch_size: expected an integer <= n = {len(X)}, got {batch_size}")
    return X, y, batch_size


def _start_loss(loss_and_grad: Callable, theta: Array, X: Array, y: Array) -> Array:
    """The full-data loss at the start; a non-finite one is a NonFiniteError (bad θ₀)."""
    try:
        with np.errstate(**_QUIET):
            first = _full_loss(loss_and_grad, theta, X, y)
    except NonFiniteError:
        first = np.inf
    if not np.all(np.isfinite(first)):
        raise NonFiniteError("theta0: expected a starting point with a finite loss")
    return first


def _full_loss(loss_and_grad: Callable, theta: Array, X: Array, y: Array) -> Array:
    """The full-data loss at θ (one per run); +inf where it is not finite."""
    loss = np.asarray(loss_and_grad(theta, X, y)[0], dtype=float)
    return np.where(np.isfinite(loss), loss, np.inf)


def _update(
    loss_and_grad: Callable, theta: Array, X: Array, y: Array, idx: Array, lr: Any, alive: Array
) -> tuple[Array, Array, Array]:
    """One update θ ← θ − η·∇L_B(θ) on the batch idx; a run that diverges keeps its old θ.

    Shapes: theta (*S, *θ shape), idx (B,) or (R, B), alive (S); returns θ, L (S), alive.
    """
    try:
        g = np.asarray(loss_and_grad(theta, X[idx], y[idx])[1])
        new = theta - lr * g
        if alive.all() and np.isfinite(new.sum()):  # the common case: every run moves on
            loss = _full_loss(loss_and_grad, new, X, y)
            if np.isfinite(loss.sum()):
                return new, loss, alive
        ok = np.isfinite(new).reshape(*alive.shape, -1).all(axis=-1) & alive
        new = np.where(ok.reshape(ok.shape + (1,) * (theta.ndim - ok.ndim)), new, theta)
        loss = np.where(ok, _full_loss(loss_and_grad, new, X, y), np.inf)
    except NonFiniteError:
        return theta, np.full(alive.shape, np.inf), np.zeros_like(alive)
    ok &= np.isfinite(loss)
    if not ok.all():
        new = np.where(ok.reshape(ok.shape + (1,) * (theta.ndim - ok.ndim)), new, theta)
    return new, loss, ok


def gd_variants(
    loss_and_grad: Callable[[Array, Array, Array], tuple[float, Array]],
    theta0: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    lr: float | Mapping[str, float],
    rng: np.random.Generator,
    batch_sizes: Mapping[str, int] | None = None,
) -> dict[str, GDRun]:
    """Batch, mini-batch and stochastic GD side by side (C18–C20).

    `batch_sizes` defaults to {"batch": n, "mini-batch": 32 (or n if smaller),
    "stochastic": 1}; `lr` is one float or one per name. Each variant shuffles with its own
    generator spawned from `rng`, so the set is reproducible from one seed.
    """
    n = len(np.asarray(X))
    if batch_sizes is None:
        batch_sizes = {"batch": n, "mini-batch": min(32, n), "stochastic": 1}
    lrs = dict(lr) if isinstance(lr, Mapping) else dict.fromkeys(batch_sizes, lr)
    missing = set(batch_sizes) - set(lrs)
    if missing:
        raise ValueError(
            f"lr: expected a learning rate for every variant, missing {sorted(missing)}"
        )
    children = rng.spawn(len(batch_sizes))
    return {
        name: minibatch_gd(
            loss_and_grad, theta0, X, y, batch_size=b, epochs=epochs, lr=lrs[name], rng=r
        )
        for (name, b), r in zip(batch_sizes.items(), children, strict=True)
    }
