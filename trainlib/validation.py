"""Argument checks shared by every module: one message style for every bad input.

Every message names the argument, says what was expected and what was given, e.g.
``y: expected shape (4,) to match yhat, got (3,)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_array(name: str, x: Any, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """Return `x` as a float array (float32 kept, everything else float64), checked."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a real-valued array, got dtype {arr.dtype}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if finite:
        check_finite(name, arr)
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
    """Raise unless `value` > 0 (or ≥ 0 when `strict=False`)."""
    v = float(value)
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
    """Raise unless lo ≤ value < hi (brackets set by `lo_closed` / `hi_closed`)."""
    v = float(value)
    above = v >= lo if lo_closed else v > lo
    below = v <= hi if hi_closed else v < hi
    if not (above and below):
        interval = f"{'[' if lo_closed else '('}{lo}, {hi}{']' if hi_closed else ')'}"
        raise ValueError(f"{name}: expected a value in {interval}, got {value!r}")
    return v


def check_int(name: str, value: Any, *, minimum: int = 0) -> int:
    """Raise unless `value` is an integer ≥ `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple) -> Any:
    """Raise unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value
