"""Activations: elementwise nonlinearities, each with the derivative its backward multiplies by.

`ACTIVATIONS` maps the names `mlp(activation=...)` accepts to the classes.
"""

from __future__ import annotations

import numpy as np

from trainlib.layers.base import Layer, _check_dout, _check_dout_shape
from trainlib.validation import as_array, check_bool, check_positive

__all__ = ["ACTIVATIONS", "LeakyReLU", "ReLU", "Sigmoid", "Tanh"]


class ReLU(Layer):
    """y = max(x, 0); backward passes dout where y > 0. Shapes: x: any → y: same."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(as_array("x", x))

    def _forward(self, x: np.ndarray, train: bool = True, inplace: bool = False) -> np.ndarray:
        """The forward pass on an already checked float array `x` (overwritten if `inplace`)."""
        out = np.maximum(x, 0.0, out=x if inplace else None)
        self.cache = out  # the output is what the next layer keeps anyway: no extra memory
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return self._backward(as_array("dout", dout))

    def _backward(self, dout: np.ndarray, inplace: bool = False) -> np.ndarray:
        """The backward pass for a checked float array `dout` (overwritten if `inplace`)."""
        out = self._cached()
        dout = _check_dout_shape(dout, out.shape)
        return np.multiply(dout, out > 0, out=dout if inplace else None)


class LeakyReLU(Layer):
    """y = x for x > 0, negative_slope·x otherwise (torch default 0.01). Shapes: x: any."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_positive("negative_slope", negative_slope, strict=False)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        x = as_array("x", x)
        self.cache = x
        return np.where(x > 0, x, self.negative_slope * x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        x = self._cached()
        dout = _check_dout(dout, x.shape)
        return np.where(x > 0, dout, self.negative_slope * dout)


class Sigmoid(Layer):
    """y = σ(x) = 1 / (1 + e⁻ˣ), computed without overflow; dx = dout·y·(1 − y). Shapes: any."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        x = as_array("x", x)
        e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        self.cache = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        out = self._cached()
        return _check_dout(dout, out.shape) * out * (1.0 - out)


class Tanh(Layer):
    """y = tanh(x); dx = dout·(1 − y²). Shapes: x: any → y: same."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        out = np.tanh(as_array("x", x))
        self.cache = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        out = self._cached()
        return _check_dout(dout, out.shape) * (1.0 - out * out)


ACTIVATIONS: dict[str, type[Layer]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
}
