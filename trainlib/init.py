"""Weight initialisers: how large the random starting weights of a layer should be.

Every initialiser is a function ``init(fan_in, fan_out, *, rng, ...) -> W`` returning W of
shape (fan_in, fan_out), the layout `trainlib.layers.Dense` uses (y = x W + b). torch stores a
Linear weight as the transpose (out, in); fan_in is the number of inputs in both.

The formulas are those of `torch.nn.init`:

    Glorot (Xavier):  Var(W) = gain² · 2 / (fan_in + fan_out)      gain = 1 by default
    He (Kaiming):     Var(W) = gain² / fan_in,  gain = √2 for ReLU, so Var(W) = 2 / fan_in

A uniform U(−a, a) has variance a²/3, so the uniform versions use a = √3 · std.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from trainlib.validation import (
    check_choice,
    check_finite_number,
    check_float_dtype,
    check_int,
    check_positive,
    check_rng,
)

__all__ = [
    "INITIALISERS",
    "calculate_gain",
    "glorot_normal",
    "glorot_std",
    "glorot_uniform",
    "he_normal",
    "he_std",
    "he_uniform",
    "normal",
]

_NONLINEARITIES = ("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation, as `torch.nn.init.calculate_gain`.

    linear/identity/sigmoid → 1, tanh → 5/3, relu → √2, leaky_relu(a) → √(2 / (1 + a²))
    with a = `param` (default 0.01).
    """
    check_choice("nonlinearity", nonlinearity, _NONLINEARITIES)
    if param is not None:
        param = check_finite_number("param", param)
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + a * a))
    return 1.0


def glorot_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot/Xavier standard deviation: gain · √(2 / (fan_in + fan_out))."""
    _check_fans(fan_in, fan_out)
    return _gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He/Kaiming standard deviation (mode fan_in): gain / √fan_in = √(2 / fan_in) for ReLU."""
    check_int("fan_in", fan_in, minimum=1)
    return _gain(gain) / math.sqrt(fan_in)


def normal(
    fan_in: int, fan_out: int, *, rng: np.random.Generator, scale: float = 1.0, dtype=np.float64
) -> np.ndarray:
    """W ~ N(0, scale²), whatever the fans (torch.nn.init.normal_ with std=scale).

    Shapes: returns W: (fan_in, fan_out).
    """
    _check_fans(fan_in, fan_out)
    scale = check_positive("scale", scale, strict=False)
    dtype = _check_draw(rng, dtype)
    return (scale * rng.standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


def glorot_uniform(
    fan_in: int, fan_out: int, *, rng: np.random.Generator, gain: float = 1.0, dtype=np.float64
) -> np.ndarray:
    """W ~ U(−a, a) with a = gain · √(6 / (fan_in + fan_out)) (torch xavier_uniform_).

    Shapes: returns W: (fan_in, fan_out).
    """
    a = math.sqrt(3.0) * glorot_std(fan_in, fan_out, _gain(gain))
    return _uniform(rng, a, fan_in, fan_out, dtype)


def glorot_normal(
    fan_in: int, fan_out: int, *, rng: np.random.Generator, gain: float = 1.0, dtype=np.float64
) -> np.ndarray:
    """W ~ N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out)) (torch xavier_normal_).

    Shapes: returns W: (fan_in, fan_out).
    """
    std = glorot_std(fan_in, fan_out, _gain(gain))
    dtype = _check_draw(rng, dtype)
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


def he_uniform(
    fan_in: int,
    fan_out: int,
    *,
    rng: np.random.Generator,
    gain: float = math.sqrt(2.0),
    dtype=np.float64,
) -> np.ndarray:
    """W ~ U(−a, a) with a = gain · √(3 / fan_in) = √(6 / fan_in) for ReLU (kaiming_uniform_).

    Shapes: returns W: (fan_in, fan_out).
    """
    _check_fans(fan_in, fan_out)
    a = math.sqrt(3.0) * he_std(fan_in, _gain(gain))
    return _uniform(rng, a, fan_in, fan_out, dtype)


def he_normal(
    fan_in: int,
    fan_out: int,
    *,
    rng: np.random.Generator,
    gain: float = math.sqrt(2.0),
    dtype=np.float64,
) -> np.ndarray:
    """W ~ N(0, σ²) with σ = gain / √fan_in = √(2 / fan_in) for ReLU (kaiming_normal_).

    Shapes: returns W: (fan_in, fan_out).
    """
    _check_fans(fan_in, fan_out)
    std = he_std(fan_in, _gain(gain))
    dtype = _check_draw(rng, dtype)
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


INITIALISERS: dict[str, Callable[..., np.ndarray]] = {
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def _check_fans(fan_in: int, fan_out: int) -> None:
    check_int("fan_in", fan_in, minimum=1)
    check_int("fan_out", fan_out, minimum=1)


def _gain(gain: float) -> float:
    return check_positive("gain", gain)


def _check_draw(rng: Any, dtype: Any) -> np.dtype:
    """Check what every initialiser draws with: the generator and the float dtype."""
    check_rng("rng", rng)
    return check_float_dtype("dtype", dtype)


def _uniform(rng: np.random.Generator, a: float, fan_in: int, fan_out: int, dtype) -> np.ndarray:
    dtype = _check_draw(rng, dtype)
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(dtype, copy=False)
