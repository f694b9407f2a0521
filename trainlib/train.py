"""Training loops: descend a surface, race optimisers, run GD variants, fit a network.

Every loop here treats divergence as a result, not a crash: when a loss or a parameter
overflows, the loop stops (or freezes that starting point) and says `diverged=True`, keeping
only the finite steps, so there is never a NaN to plot and no RuntimeWarning escapes.

Optimisers are the pure pairs of `trainlib.optim`: `state = opt.init(params)` and
`params, state = opt.step(params, grads, state)`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    "clip_grad_norm",
    "clip_grad_value",
    "global_norm",
    "History",
    "fit",
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
        v, g = f(x)
        v, g = np.asarray(v), np.asarray(g)
        if g.shape != x.shape:
            raise ValueError(f"f: expected a gradient of shape {x.shape} (like x0), got {g.shape}")
        nb = v.ndim  # number of batch axes S
        if x.shape[:nb] != v.shape:
            raise ValueError(
                f"f: expected a value whose shape {v.shape} is a prefix of x0's {x.shape}"
            )
        if not (np.all(np.isfinite(v)) and np.all(np.isfinite(g))):
            raise ValueError("x0: expected a starting point with finite loss and gradient")

        expand = (...,) + (None,) * (x.ndim - nb)  # mask (S) → broadcastable to x (S + E)
        per_point = (*v.shape, -1)  # x, g (S + E) → (S, #E) to reduce over the event axes
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
            if inplace:
                x_new, state = opt.step(x, g, state, inplace=True)  # x_new is x, updated
            else:
                x_new, state = opt.step(x, g, state)
            x_new = np.asarray(x_new)
            v_new, g_new = f(x_new)
            v_new, g_new = np.asarray(v_new), np.asarray(g_new)
            if all_alive and _all_within(v_new, max_value, x_new, max_abs, g_new):
                x, v, g = x_new, v_new, g_new  # the common case: nobody diverged
            else:
                # NaN fails every comparison, so `|v| ≤ max_value` also rejects NaN and ±inf.
                ok = np.abs(v_new) <= max_value
                bounded = (np.abs(x_new) <= max_abs) & (np.abs(g_new) < np.inf)
                ok &= bounded.reshape(per_point).all(axis=-1) if x.ndim > nb else bounded
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
    diverged = ~alive
    if nb == 0:
        return Path(xs, losses, bool(diverged), int(diverged_at) if diverged else None)
    return Path(xs, losses, diverged, diverged_at)


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


def steps_to_tolerance(path: Path, tol: float, min_value: float = 0.0) -> int | None | Array:
    """First step t with losses[t] − min_value ≤ tol (first arrival; it may leave again).

    With a constant lr, adaptive methods (Adam, RMSProp) keep taking steps of size ~lr near
    a minimum, so their loss can rise above the tolerance after arriving.

    Shapes: a single-point path gives an int (None if never); a many-point path an int
    array (S), −1 where never.
    """
    tol = check_positive("tol", tol, strict=False)
    hit = (path.losses - min_value) <= tol
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


def least_squares(theta: Any, X: Any, y: Any) -> tuple[float, Array]:
    """Mean squared error of the linear model ŷ = θ₀ + X·θ₁..d, and its gradient in θ.

    Shapes: theta (d + 1,) = [intercept, weights] (the layout of `trainlib.data.regression`),
    X (n, d), y (n,); grad (d + 1,).
    L = (1/n)·Σ (ŷᵢ − yᵢ)²,  ∇L = (2/n)·[Σ eᵢ, Xᵀe] with e = ŷ − y.
    """
    X = as_array("X", X, ndim=2)
    theta = as_array("theta", theta, ndim=1)
    y = as_array("y", y, ndim=1)
    if theta.shape != (X.shape[1] + 1,):
        raise ValueError(
            f"theta: expected shape ({X.shape[1] + 1},) for X {X.shape}, got {theta.shape}"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(f"y: expected shape ({X.shape[0]},) to match X, got {y.shape}")
    with np.errstate(**_QUIET):
        e = theta[0] + X @ theta[1:] - y
        n = len(y)
        return float(np.mean(e * e)), (2.0 / n) * np.concatenate([[e.sum()], X.T @ e])


@dataclass(frozen=True, eq=False)
class GDRun:
    """Result of `minibatch_gd`.

    Shapes: `theta` like theta0 (the last finite parameters); `update_losses`
    (n_updates + 1,) the full-data loss before any update and after each one;
    `epoch_losses` (epochs_done + 1,) the full-data loss at the start and after each epoch.
    """

    theta: Array
    update_losses: Array
    epoch_losses: Array
    updates_per_epoch: int
    batch_size: int
    diverged: bool


def minibatch_gd(
    loss_and_grad: Callable[[Array, Array, Array], tuple[float, Array]],
    theta0: Any,
    X: Any,
    y: Any,
    *,
    batch_size: int,
    epochs: int,
    lr: float,
    rng: np.random.Generator,
    shuffle: bool = True,
) -> GDRun:
    """Mini-batch gradient descent: batch_size = n is batch GD, 1 is SGD.

    Shapes: theta0 any shape; X (n, …), y (n, …); loss_and_grad(θ, Xb, yb) → (L, ∇L like θ).
    Each epoch reshuffles the data with `rng` (seeded, reproducible) and makes ⌈n/B⌉ updates
    θ ← θ − lr·∇L_B(θ), the last batch possibly smaller. Losses are recorded on the full data
    after every update. A non-finite loss stops the run with diverged=True.
    """
    from trainlib.data import minibatches

    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ValueError(f"y: expected as many samples as X ({len(X)}), got shape {y.shape}")
    n = len(X)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > n:
        raise ValueError(f"batch_size: expected an integer <= n = {n}, got {batch_size}")
    epochs = check_int("epochs", epochs, minimum=0)
    lr = check_positive("lr", lr)
    theta = np.array(as_array("theta0", theta0), copy=True)

    def full_loss(th: Array) -> float:
        return float(loss_and_grad(th, X, y)[0])

    with np.errstate(**_QUIET):
        first = full_loss(theta)
        if not np.isfinite(first):
            raise ValueError("theta0: expected a starting point with a finite loss")
        update_losses, epoch_losses = [first], [first]
        diverged = False
        for _ in range(epochs):
            for Xb, yb in minibatches(X, y, batch_size, rng=rng, shuffle=shuffle):
                _, g = loss_and_grad(theta, Xb, yb)
                new = theta - lr * np.asarray(g)
                loss = full_loss(new) if np.all(np.isfinite(new)) else np.inf
                if not np.isfinite(loss):
                    diverged = True
                    break
                theta = new
                update_losses.append(loss)
            if diverged:
                break
            epoch_losses.append(update_losses[-1])
    return GDRun(
        theta,
        np.asarray(update_losses),
        np.asarray(epoch_losses),
        -(-n // batch_size),
        batch_size,
        diverged,
    )


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


# =========================================================================================
# Gradient clipping
# =========================================================================================


def _leaves(grads: Any) -> list[Array]:
    return list(grads.values()) if isinstance(grads, Mapping) else [np.asarray(grads)]


def global_norm(grads: Any) -> float:
    """‖g‖ over every array together: √(Σₖ Σᵢ gₖᵢ²). Shapes: one array or a dict of arrays."""
    with np.errstate(**_QUIET):
        return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in _leaves(grads))))


def clip_grad_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """Rescale all gradients together so that their global norm is at most `max_norm`.

    Shapes: grads one array or a dict of arrays; returns (clipped grads, same structure —
    new arrays, the input is not modified —, total norm before clipping).
    As torch.nn.utils.clip_grad_norm_: c = max_norm / (‖g‖ + 1e-6); g ← c·g if c < 1.
    The direction is kept; only the length changes, and ‖g_clipped‖ ≤ max_norm.
    """
    max_norm = check_positive("max_norm", max_norm)
    total = global_norm(grads)
    coef = max_norm / (total + 1e-6)
    scale = coef if coef < 1.0 else 1.0  # a non-finite total is left for the caller to see
    if isinstance(grads, Mapping):
        return {k: np.asarray(g) * scale for k, g in grads.items()}, total
    return np.asarray(grads) * scale, total


def clip_grad_value(grads: Any, clip_value: float) -> Any:
    """Clip every gradient entry into [−clip_value, clip_value] (torch clip_grad_value_).

    Shapes: grads one array or a dict of arrays; returns new arrays of the same structure.
    Unlike norm clipping this can change the direction of the gradient.
    """
    c = check_positive("clip_value", clip_value)
    if isinstance(grads, Mapping):
        return {k: np.clip(g, -c, c) for k, g in grads.items()}
    return np.clip(grads, -c, c)


# =========================================================================================
# fit: mini-batch training of a network
# =========================================================================================


@dataclass(eq=False)
class History:
    """What `fit` recorded. Epochs are 0-based indices into the epoch arrays.

    Per step (one per mini-batch update): `loss` (training loss of the batch, before the
    update), `lr` (the rate that update used), `grad_norm` (global gradient norm before
    clipping), `clipped_norm` (after clipping; equal when not clipping), `layer_grad_norms`
    {layer name ("0", "2", …, the prefix of the parameter keys): norms before clipping}.
    Per epoch: `train_loss` (sample-weighted mean of the batch losses of that epoch),
    `val_loss`, `train_acc`, `val_acc` (empty when not computed).
    `best_epoch`: epoch with the lowest validation loss (None without validation data);
    `stopped_epoch`: the last epoch run; `stopped_early`: patience ran out;
    `restored`: the best weights were written back; `diverged`: a non-finite loss,
    gradient or parameter stopped training (the model keeps its last finite parameters).
    """

    loss: Array = field(default_factory=lambda: np.empty(0))
    lr: Array = field(default_factory=lambda: np.empty(0))
    grad_norm: Array = field(default_factory=lambda: np.empty(0))
    clipped_norm: Array = field(default_factory=lambda: np.empty(0))
    layer_grad_norms: dict[str, Array] = field(default_factory=dict)
    train_loss: Array = field(default_factory=lambda: np.empty(0))
    val_loss: Array = field(default_factory=lambda: np.empty(0))
    train_acc: Array = field(default_factory=lambda: np.empty(0))
    val_acc: Array = field(default_factory=lambda: np.empty(0))
    best_epoch: int | None = None
    stopped_epoch: int | None = None
    stopped_early: bool = False
    restored: bool = False
    diverged: bool = False


def _layer_of(key: str) -> str:
    return key.rsplit(".", 1)[0] if "." in key else key


def _buffers(model: Any, prefix: str = "") -> dict[str, Array]:
    """Non-trainable state that belongs with the weights (BatchNorm running statistics)."""
    out: dict[str, Array] = {}
    for attr in ("running_mean", "running_var"):
        if isinstance(getattr(model, attr, None), np.ndarray):
            out[f"{prefix}{attr}"] = getattr(model, attr)
    for i, layer in enumerate(getattr(model, "layers", [])):
        out.update(_buffers(layer, f"{prefix}{i}."))
    if hasattr(model, "block"):
        out.update(_buffers(model.block, f"{prefix}block."))
    return out


def _accuracy_fn(loss: Callable, y: Array) -> Callable[[Array, Array], Array] | None:
    """How to count correct predictions for this loss and these targets, or None."""
    from trainlib import losses as L

    if y.ndim == 1 and y.dtype.kind in "iu":
        return lambda out, yb: (np.argmax(out, axis=-1) == yb) if out.ndim == 2 else None
    if loss in (L.bce_with_logits, L.focal_loss):
        return lambda out, yb: (out.reshape(yb.shape) > 0) == (yb > 0.5)
    if loss is L.bce:
        return lambda out, yb: (out.reshape(yb.shape) > 0.5) == (yb > 0.5)
    return None


def _checked_xy(xname: str, X: Any, yname: str, y: Any) -> tuple[Array, Array]:
    """Inputs as a finite float array, targets finite (labels keep their integer dtype)."""
    X = as_array(xname, X)
    y = np.asarray(y)
    if y.dtype.kind == "f" or y.dtype.kind not in "biu":
        y = as_array(yname, y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ValueError(
            f"{yname}: expected as many samples as {xname} ({len(X) if X.ndim else 0}), "
            f"got shape {y.shape}"
        )
    return X, y


def _is_divergence(err: ValueError) -> bool:
    """A layer or loss refusing an overflowed (non-finite) input: the run diverged."""
    return isinstance(err, NonFiniteError)


def fit(
    model: Any,
    loss: Callable[[Array, Array], tuple[float, Array]],
    opt: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    val: tuple[Any, Any] | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    accuracy: bool | None = None,
    shuffle: bool = True,
) -> History:
    """Train `model` on (X, y) with mini-batches; return a `History`.

    Shapes: X (n, …), y (n, …) as `loss(model.forward(X), y)` expects; val = (X_val, y_val).
    `model` has forward(x, train) / backward(dout) / params / grads (a `layers.Sequential`),
    `loss(out, y) -> (value, ∂value/∂out)` (a `trainlib.losses` function), `opt` a pure
    `trainlib.optim` optimiser (its lr may be a schedule; the rate of every step is recorded).
    Per update: g = ∇L_B(θ); g ← clip_value(g) then g ← clip_norm(g) if asked;
    (θ, state) ← opt.step(θ, g, state), written into the model's arrays in place.
    Early stopping (`patience` set, needs `val`): after each epoch, the validation loss
    improves if it is < best − min_delta; training stops after `patience` epochs in a row
    without improvement (patience = 0: at the first one), and with `restore_best` the
    weights (and BatchNorm running statistics) of `best_epoch` are written back.
    `accuracy`: None computes it for integer labels and for bce / bce_with_logits / focal.
    """
    from trainlib.data import minibatches

    X, y = _checked_xy("X", X, "y", y)
    epochs = check_int("epochs", epochs, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a np.random.Generator, got {rng!r}")
    if clip_norm is not None:
        clip_norm = check_positive("clip_norm", clip_norm)
    if clip_value is not None:
        clip_value = check_positive("clip_value", clip_value)
    if patience is not None:
        patience = check_int("patience", patience, minimum=0)
        if val is None:
            raise ValueError("val: expected validation data (X_val, y_val) with patience, got None")
    min_delta = check_positive("min_delta", min_delta, strict=False)
    if val is not None:
        if not isinstance(val, tuple | list) or len(val) != 2:
            raise ValueError(f"val: expected a pair (X_val, y_val), got {type(val).__name__}")
        Xv, yv = _checked_xy("X_val", val[0], "y_val", val[1])
    params = model.params
    if not params:
        raise ValueError("model: expected a model with parameters, got none")
    acc_fn = _accuracy_fn(loss, y) if accuracy in (None, True) else None
    if accuracy and acc_fn is None:
        raise ValueError("accuracy: expected integer labels or a binary loss for accuracy")

    layer_names = list(dict.fromkeys(_layer_of(k) for k in params))
    steps: dict[str, list] = {"loss": [], "lr": [], "grad_norm": [], "clipped_norm": []}
    layer_norms: dict[str, list] = {name: [] for name in layer_names}
    ep: dict[str, list] = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    hist = History()
    state = opt.init(params)
    best, best_epoch, best_state, wait = np.inf, None, None, 0

    def snapshot() -> dict[str, Array]:
        return {k: v.copy() for k, v in {**model.params, **_buffers(model)}.items()}

    def evaluate(Xe: Array, ye: Array) -> tuple[float, float]:
        out = model.forward(Xe, train=False)
        value = float(loss(out, ye)[0])
        correct = acc_fn(out, ye) if acc_fn is not None else None
        return value, (np.nan if correct is None else float(np.mean(correct)))

    with np.errstate(**_QUIET):
        for epoch in range(epochs):
            hist.stopped_epoch = epoch
            total, count, n_correct = 0.0, 0, 0.0
            for Xb, yb in minibatches(X, y, batch_size, rng=rng, shuffle=shuffle):
                try:
                    out = model.forward(Xb, train=True)
                    value, dout = loss(out, yb)
                    if not np.isfinite(value):
                        raise NonFiniteError("loss: expected a finite value")
                    model.backward(dout)
                except ValueError as err:
                    if not _is_divergence(err):
                        raise
                    hist.diverged = True
                    break
                grads = {k: np.array(g, copy=True) for k, g in model.grads.items()}
                for name in layer_names:
                    sub = {k: g for k, g in grads.items() if _layer_of(k) == name}
                    layer_norms[name].append(global_norm(sub))
                norm = global_norm(grads)
                if clip_value is not None:
                    grads = clip_grad_value(grads, clip_value)
                if clip_norm is not None:
                    grads, _ = clip_grad_norm(grads, clip_norm)
                clipped = global_norm(grads)
                lr_t = float(opt.lr(state.t))
                new, new_state = opt.step(params, grads, state)
                finite = np.isfinite(norm) and np.isfinite(clipped)
                if not (finite and all(np.all(np.isfinite(v)) for v in new.values())):
                    hist.diverged = True
                    for name in layer_names:
                        layer_norms[name].pop()
                    break
                for k, p in params.items():
                    p[...] = new[k]
                state = new_state
                steps["loss"].append(value)
                steps["lr"].append(lr_t)
                steps["grad_norm"].append(norm)
                steps["clipped_norm"].append(clipped)
                total += value * len(Xb)
                count += len(Xb)
                if acc_fn is not None:
                    correct = acc_fn(out, yb)
                    n_correct += 0.0 if correct is None else float(np.sum(correct))
            if hist.diverged:
                break
            ep["train_loss"].append(total / count)
            if acc_fn is not None:
                ep["train_acc"].append(n_correct / count)
            if val is None:
                continue
            try:
                vl, va = evaluate(Xv, yv)
            except ValueError as err:
                if not _is_divergence(err):
                    raise
                vl, va = np.inf, np.nan
            ep["val_loss"].append(vl)
            if acc_fn is not None:
                ep["val_acc"].append(va)
            if vl < best - min_delta:
                best, best_epoch, wait = vl, epoch, 0
                if patience is not None and restore_best:
                    best_state = snapshot()
            else:
                wait += 1
                if patience is not None and wait >= max(patience, 1):
                    hist.stopped_early = True
                    break

    if best_state is not None:
        current = {**model.params, **_buffers(model)}
        for k, v in best_state.items():
            current[k][...] = v
        hist.restored = True

    hist.loss = np.asarray(steps["loss"], dtype=float)
    hist.lr = np.asarray(steps["lr"], dtype=float)
    hist.grad_norm = np.asarray(steps["grad_norm"], dtype=float)
    hist.clipped_norm = np.asarray(steps["clipped_norm"], dtype=float)
    hist.layer_grad_norms = {k: np.asarray(v, dtype=float) for k, v in layer_norms.items()}
    for k, v in ep.items():
        setattr(hist, k, np.asarray(v, dtype=float))
    hist.best_epoch = best_epoch
    return hist
