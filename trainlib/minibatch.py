"""Gradient descent on a dataset: batch, mini-batch and stochastic, on least squares.

`least_squares(θ, X, y)` is the loss of a linear model and its gradient; `minibatch_gd`
makes ⌈n/B⌉ updates θ ← θ − η·∇L_B(θ) per epoch on reshuffled batches (B = n: batch GD;
B = 1: stochastic GD), recording the full-data loss after every update. A non-finite loss
ends a run as a result (`diverged=True`), never as a crash or a RuntimeWarning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trainlib.validation import (
    ArgumentTypeError,
    NonFiniteError,
    as_array,
    check_bool,
    check_callable,
    check_int,
    check_mapping,
    check_positive,
    check_rng,
)

__all__ = ["least_squares", "GDRun", "minibatch_gd", "gd_variants"]

Array = np.ndarray
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


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
        raise ArgumentTypeError(
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
    check_callable("loss_and_grad", loss_and_grad)
    shuffle = check_bool("shuffle", shuffle)
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
    as_array("X", X)  # real and finite (kept as given)
    as_array("y", y)
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
    except (ValueError, TypeError) as err:  # e.g. θ₀ of a shape the loss does not take
        raise ValueError(
            f"theta0: expected a starting point loss_and_grad accepts, got: {err}"
        ) from err
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
    check_callable("loss_and_grad", loss_and_grad)
    n = len(_checked_batches(X, y, 1)[0])
    if batch_sizes is None:
        batch_sizes = {"batch": n, "mini-batch": min(32, n), "stochastic": 1}
    check_mapping("batch_sizes", batch_sizes)
    lrs = dict(lr) if isinstance(lr, Mapping) else dict.fromkeys(batch_sizes, lr)
    missing = set(batch_sizes) - set(lrs)
    if missing:
        raise ValueError(
            f"lr: expected a learning rate for every variant, missing {sorted(missing)}"
        )
    children = check_rng("rng", rng).spawn(len(batch_sizes))
    return {
        name: minibatch_gd(
            loss_and_grad, theta0, X, y, batch_size=b, epochs=epochs, lr=lrs[name], rng=r
        )
        for (name, b), r in zip(batch_sizes.items(), children, strict=True)
    }
