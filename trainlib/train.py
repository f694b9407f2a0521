"""Training loops on a surface: descend it, race optimisers over it, rank them.

Mini-batch gradient descent on a dataset is `trainlib.minibatch`; a network is trained by
`trainlib.fit`.

Every loop here treats divergence as a result, not a crash: when a loss or a parameter
overflows, the loop stops (or freezes that starting point) and says `diverged=True`, keeping
only the finite steps, so there is never a NaN to plot and no RuntimeWarning escapes.

Optimisers are the pure pairs of `trainlib.optim`: `state = opt.init(params)` and
`params, state = opt.step(params, grads, state)`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from trainlib import optim
from trainlib.validation import (
    ArgumentTypeError,
    NonFiniteError,
    as_array,
    check_callable,
    check_finite_number,
    check_has,
    check_int,
    check_mapping,
    check_positive,
    check_rng,
    describe,
)

__all__ = [
    "Path",
    "descend",
    "race",
    "steps_to_tolerance",
    "LeaderboardEntry",
    "leaderboard",
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
    check_callable("f", f, "a function x ↦ (value, grad)")
    check_has("opt", opt, ("init", "step"), "an optimiser")
    if noise > 0 or rng is not None:
        check_rng("rng (needed for noise > 0)", rng)
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
    check_callable("f", f, "a function x ↦ (value, grad)")
    child = check_rng("rng", rng).spawn(1)[0] if rng is not None else None
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
    min_value = check_finite_number("min_value", min_value)
    losses = path.losses if isinstance(path, Path) else np.asarray(path)
    if isinstance(path, str | bytes) or losses.ndim < 1 or losses.dtype.kind not in "biuf":
        raise ArgumentTypeError(
            f"path: expected a Path or a sequence of per-step errors, got {describe(path)}"
        )
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
    check_mapping("paths", paths)
    min_value = getattr(f, "min_value", 0.0 if f is None else f)
    min_value = check_finite_number("f", min_value)
    rows = []
    for name, p in paths.items():
        if not isinstance(p, Path):
            raise ArgumentTypeError(f"paths[{name!r}]: expected a Path, got {describe(p)}")
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
