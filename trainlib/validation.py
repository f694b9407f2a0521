"""Argument checks shared by every module: one message style for every bad input.

Every message names the argument, says what was expected and what was given, e.g.
``y: expected shape (4,) to match yhat, got (3,)``. A value of the wrong type (a string or
None where a number goes) raises `ArgumentTypeError`, a TypeError that is also a
ValueError, so `except ValueError` still catches every bad argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type: a TypeError, and a ValueError like every other bad input."""


def describe(value: Any) -> str:
    """A short account of a given value for a message: its repr, or an array's shape and dtype."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else f"{type(value).__name__} {text[:50]}…"


def check_number(name: str, value: Any) -> float:
    """Return `value` as a float; ArgumentTypeError unless it is a real number (not a bool).

    A Python or numpy int/float, or a 0-d real array, is a number; a string, None, a bool or
    a longer array is not (even "0.1": a number typed as text is a mistake, not a number).
    """
    if type(value) is float or type(value) is int:  # the common case, fast
        return float(value)
    if isinstance(value, bool | np.bool_) or not (
        isinstance(value, int | float | np.integer | np.floating)
        or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
    ):
        raise ArgumentTypeError(f"{name}: expected a real number, got {describe(value)}")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    """Return `value` as a bool; ArgumentTypeError unless it is True or False."""
    if not isinstance(value, bool | np.bool_):
        raise ArgumentTypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """Return `rng`; ArgumentTypeError unless it is a `np.random.Generator`."""
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(
            f"{name}: expected a np.random.Generator (np.random.default_rng(seed)), "
            f"got {describe(rng)}"
        )
    return rng


def check_callable(name: str, value: Any, what: str = "a function") -> Any:
    """Return `value`; ArgumentTypeError unless it can be called."""
    if not callable(value):
        raise ArgumentTypeError(f"{name}: expected {what}, got {describe(value)}")
    return value


def check_has(name: str, value: Any, attrs: tuple[str, ...], what: str) -> Any:
    """Return `value`; ArgumentTypeError unless it has every attribute in `attrs` (duck typing)."""
    missing = [a for a in attrs if not hasattr(value, a)]
    if missing:
        raise ArgumentTypeError(
            f"{name}: expected {what} ({', '.join(attrs)}), got {type(value).__name__} "
            f"without {', '.join(missing)}"
        )
    return value


def check_mapping(name: str, value: Any, keys: tuple | None = None) -> Mapping:
    """Return `value`; ArgumentTypeError unless it is a dict, ValueError if it lacks `keys`."""
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name}: expected a dict, got {describe(value)}")
    if keys is not None and any(k not in value for k in keys):
        raise ValueError(f"{name}: expected keys {tuple(keys)}, got {tuple(value)}")
    return value


def check_rate(name: str, value: Any, t: int) -> float:
    """A learning rate a schedule gave for step t, as a float: finite and ≥ 0, else ValueError.

    Run on every step, so the common case (a float) costs two comparisons.
    """
    if type(value) is float and 0.0 <= value < math.inf:
        return value
    try:
        v = check_number(name, value)
    except ArgumentTypeError:
        v = math.nan
    if not 0.0 <= v < math.inf:
        raise ValueError(
            f"{name}: expected a finite number >= 0 from the schedule at step t={t}, "
            f"got {describe(value)}"
        )
    return v


def as_array(name: str, x: Any, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """Return `x` as a float array (float32 kept, everything else float64), checked."""
    arr = check_real(name, np.asarray(x))
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if finite:
        check_finite(name, arr)
    return arr


def check_real(name: str, arr: np.ndarray) -> np.ndarray:
    """Return the array `arr`; ValueError unless its dtype is real (bool, int or float)."""
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    return arr


# Arrays bigger than this are checked through their sum first (see `check_finite`).
_SUM_CHECK_MIN = 4096


class NonFiniteError(ValueError):
    """A NaN or ±inf where numbers were expected; training loops read it as divergence."""


def check_finite(name: str, x: np.ndarray) -> None:
    """Raise `NonFiniteError` (a ValueError) if `x` holds NaN or ±inf."""
    x = np.asarray(x)
    if x.size > _SUM_CHECK_MIN and x.dtype.kind == "f":
        # One pass instead of two: any NaN or ±inf makes the sum NaN or ±inf, so a finite sum
        # proves every entry finite; a non-finite one (maybe only overflow) is checked below.
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(x.sum()):
                return
    if not np.isfinite(x).all():
        bad = int(x.size - np.count_nonzero(np.isfinite(x)))
        raise NonFiniteError(f"{name}: expected finite values, got {bad} NaN/inf entries")


def check_same_shape(name: str, x: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    """Raise unless `x` has the shape of `ref`."""
    if np.shape(x) != np.shape(ref):
        raise ValueError(
            f"{name}: expected shape {np.shape(ref)} to match {ref_name}, got {np.shape(x)}"
        )


def check_positive(name: str, value: float, *, strict: bool = True) -> float:
    """Raise unless `value` > 0 (or ≥ 0 when `strict=False`); return it as a float."""
    v = check_number(name, value)
    ok = v > 0 if strict else v >= 0
    if not ok or not np.isfinite(v):
        rel = "> 0" if strict else ">= 0"
        raise ValueError(f"{name}: expected a finite number {rel}, got {value!r}")
    return v


def check_range(
    name: str,
    value: float,
    lo: float,
    hi: float,
    *,
    lo_closed: bool = True,
    hi_closed: bool = False,
) -> float:
    """Raise unless lo ≤ value < hi (brackets set by `lo_closed` / `hi_closed`); return a float."""
    v = check_number(name, value)
    above = v >= lo if lo_closed else v > lo
    below = v <= hi if hi_closed else v < hi
    if not (above and below):
        interval = f"{'[' if lo_closed else '('}{lo}, {hi}{']' if hi_closed else ')'}"
        raise ValueError(f"{name}: expected a value in {interval}, got {value!r}")
    return v


def check_int(name: str, value: Any, *, minimum: int = 0) -> int:
    """Raise unless `value` is an integer ≥ `minimum` (ArgumentTypeError for a non-integer type)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ArgumentTypeError(f"{name}: expected an integer >= {minimum}, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple) -> Any:
    """Raise unless `value` is one of `choices`."""
    try:
        ok = not isinstance(value, bool | np.ndarray) and value in choices
    except TypeError:  # unhashable or not comparable: not one of them
        ok = False
    if not ok:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------
# Arrays the losses take: pairs, probabilities, distributions, class labels and weights
# ---------------------------------------------------------------------------------------

DIST_ATOL = 1e-6  # how far from 1 a row of a probability distribution may sum


def check_nonempty(name: str, x: np.ndarray) -> np.ndarray:
    """Raise unless `x` has at least one element; return it."""
    if x.size == 0:
        raise ValueError(f"{name}: expected at least one element, got shape {x.shape}")
    return x


def as_pair(name: str, x: Any, other_name: str, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """`x` (non-empty) and `other` as finite float arrays of one shape (prediction, target).

    Shapes: x: any non-empty shape; other: the same.
    """
    x = check_nonempty(name, as_array(name, x))
    other = as_array(other_name, other)
    check_same_shape(other_name, other, name, x)
    return x, other


def check_unit_interval(name: str, x: np.ndarray) -> None:
    """Raise unless every entry of `x` is in [0, 1], reporting the worst offender."""
    lo, hi = float(np.min(x)), float(np.max(x))
    check_range(name, lo if lo < 0 else hi, 0.0, 1.0, hi_closed=True)


def as_distribution_rows(name: str, x: Any) -> np.ndarray:
    """`x` as a (C,) or (N, C) array whose rows are probability distributions.

    Shapes: x: (C,) or (N, C), non-empty. Each row: xᵢ ≥ 0 and |Σ xᵢ − 1| ≤ DIST_ATOL.
    """
    x = check_nonempty(name, as_array(name, x))
    if x.ndim not in (1, 2):
        raise ValueError(f"{name}: expected a 1-D or 2-D array, got shape {x.shape}")
    check_positive(name, float(np.min(x)), strict=False)
    sums = np.sum(x, axis=-1)
    worst = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
    if abs(worst - 1.0) > DIST_ATOL:
        raise ValueError(
            f"{name}: expected rows summing to 1 (within {DIST_ATOL:g}), "
            f"got a row summing to {worst!r}"
        )
    return x


def as_logits(name: str, z: Any) -> np.ndarray:
    """`z` as a finite float (N, C) array with at least one row and one class.

    Shapes: z: (N, C), N ≥ 1, C ≥ 1 (an empty array fails as "at least one element").
    """
    return check_nonempty(name, as_array(name, z, ndim=2))


def as_class_labels(name: str, y: Any, ref_name: str, ref: np.ndarray) -> np.ndarray:
    """Integer class labels for the rows of `ref`, checked: int64 in [0, C).

    Shapes: ref: (N, C); y: (N,), integers (or floats with integer values); result (N,) int64.
    """
    y = np.asarray(y)
    n, c = ref.shape
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(
            f"{name}: expected shape ({n},) to match the rows of {ref_name}, got {y.shape}"
        )
    if y.dtype.kind == "f":
        as_array(name, y)  # finite
        bad = y[y != np.round(y)]
        if bad.size:
            check_int(name, float(bad[0]))  # raises: a class label must be an integer
    labels = y.astype(np.int64, copy=False)
    check_int(name, int(labels.min()), minimum=0)
    check_range(name, int(labels.max()), 0, c)
    return labels


def as_class_targets(name: str, y: Any, ref_name: str, ref: np.ndarray) -> tuple[np.ndarray, bool]:
    """Targets for the rows of `ref` as (N, C) rows T, and whether they came as integer labels.

    Shapes: ref: (N, C); y: (N,) integer labels (→ one-hot rows) or (N, C) distributions.
    """
    y = np.asarray(y)
    if y.ndim == 1:
        return np.eye(ref.shape[1], dtype=ref.dtype)[as_class_labels(name, y, ref_name, ref)], True
    if y.ndim == 2:
        check_same_shape(name, y, ref_name, ref)
        return as_distribution_rows(name, y).astype(ref.dtype, copy=False), False
    raise ValueError(
        f"{name}: expected labels (N,) or probability rows (N, C), got shape {y.shape}"
    )


def as_class_weight(name: str, weight: Any, c: int, dtype: Any) -> np.ndarray:
    """Non-negative class weights (C,) in `dtype`; None means every weight is 1.

    Shapes: weight: (C,) or None; result (C,).
    """
    if weight is None:
        return np.ones(c, dtype=dtype)
    w = as_array(name, weight, ndim=1)
    if w.shape != (c,):
        raise ValueError(f"{name}: expected shape ({c},), one weight per class, got {w.shape}")
    check_positive(name, float(np.min(w)), strict=False)
    return w.astype(dtype, copy=False)


def as_nonnegative_broadcastable(name: str, a: Any, shape: tuple) -> np.ndarray:
    """`a` as a non-negative float array that broadcasts to `shape` without growing it.

    Shapes: a: () or any shape with broadcast(a.shape, shape) = shape.
    """
    a = as_array(name, a)
    try:
        ok = np.broadcast_shapes(a.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{name}: expected a scalar or a shape broadcastable to {shape}, got {a.shape}"
        )
    check_positive(name, float(np.min(a)), strict=False)
    return a


def check_axis(name: str, axis: Any, ndim: int, *, several: bool = True) -> Any:
    """`axis` as numpy takes it, checked: an int in [−ndim, ndim), or (when `several`) None
    or a tuple of distinct such ints; ValueError otherwise."""
    if axis is None and several:
        return axis
    axes = axis if isinstance(axis, tuple) and several else (axis,)
    ok = all(
        isinstance(a, int | np.integer) and not isinstance(a, bool) and -ndim <= a < ndim
        for a in axes
    )
    if not ok or len({int(a) % ndim for a in axes}) != len(axes):
        what = "None, an int or a tuple of distinct ints" if several else "an int"
        raise ValueError(f"{name}: expected {what} in [{-ndim}, {ndim}), got {describe(axis)}")
    return axis


def check_tree(name: str, tree: Any) -> Any:
    """Return `tree`; raise unless it is a real array (or number) or a non-empty dict of them.

    Types only, no pass over the elements (NaN is for the caller to see).
    """
    leaves = tree.items() if isinstance(tree, Mapping) else [(None, tree)]
    if isinstance(tree, Mapping) and not tree:
        raise ValueError(f"{name}: expected an array or a non-empty dict of arrays, got {{}}")
    for k, a in leaves:
        label = name if k is None else f"{name}[{k!r}]"
        if isinstance(a, np.ndarray):
            check_real(label, a)
        elif isinstance(a, bool | str | bytes | Mapping) or not isinstance(
            a, int | float | np.integer | np.floating
        ):
            raise ArgumentTypeError(
                f"{label}: expected a real-valued numpy array, got {describe(a)}"
            )
    return tree


def check_float_dtype(name: str, dtype: Any) -> np.dtype:
    """`dtype` as a numpy float dtype (float32 or float64); ArgumentTypeError otherwise."""
    try:
        dt = np.dtype(dtype) if dtype is not None and dtype != "" else None
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt not in (np.float32, np.float64):
        raise ArgumentTypeError(f"{name}: expected np.float32 or np.float64, got {describe(dtype)}")
    return dt


def check_finite_number(name: str, value: Any) -> float:
    """Return `value` as a float; ValueError unless it is a finite real number."""
    v = check_number(name, value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return v
