"""The fully connected layer y = x W + b: the one layer with weights to learn here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from trainlib.init import INITIALISERS
from trainlib.layers.base import Layer, _check_dout_shape, _check_rng
from trainlib.validation import (
    as_array,
    check_bool,
    check_choice,
    check_float_dtype,
    check_int,
)

__all__ = ["Dense"]


class Dense(Layer):
    """Fully connected layer y = x W + b, W of shape (in, out); torch stores the transpose.

    Shapes: x: (N, in) or (..., in) → y: (..., out); W: (in, out); b: (out,).
    Backward: dx = dout Wᵀ, dW = xᵀ dout, db = Σₙ dout. The bias starts at zero and `init`
    is a name in `INITIALISERS` or a callable `init(in, out, rng=rng) -> W`.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        rng: np.random.Generator,
        init: str | Callable[..., np.ndarray] = "he_normal",
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        _check_rng(rng)
        dtype = check_float_dtype("dtype", dtype)
        bias = check_bool("bias", bias)
        if isinstance(init, str):
            check_choice("init", init, tuple(INITIALISERS))
            init_fn = INITIALISERS[init]
        elif callable(init):
            init_fn = init
        else:
            raise ValueError(
                f"init: expected one of {tuple(INITIALISERS)} or a callable, got {init!r}"
            )
        W = np.array(init_fn(self.in_features, self.out_features, rng=rng), dtype=dtype)
        shape = (self.in_features, self.out_features)
        if W.shape != shape:
            raise ValueError(f"init: expected it to return shape {shape}, got {W.shape}")
        self.params["W"] = W
        self.grads["W"] = np.zeros_like(W)
        if bias:
            self.params["b"] = np.zeros(self.out_features, dtype=dtype)
            self.grads["b"] = np.zeros(self.out_features, dtype=dtype)

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features}, bias={'b' in self.params})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(as_array("x", x))

    def _forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """The forward pass on an already checked float array `x`."""
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"x: expected shape (..., {self.in_features}) (last axis = in_features), "
                f"got {x.shape}"
            )
        self.cache = x
        out = x @ self.params["W"]
        if "b" in self.params:
            out += self.params["b"]  # out is fresh: add the bias in place
        return out

    def backward(self, dout: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Fill dW, db; return dx (or None when `need_input_grad=False`, e.g. for the data)."""
        check_bool("need_input_grad", need_input_grad)
        return self._backward(as_array("dout", dout), need_input_grad)

    def _backward(self, dout: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """The backward pass for an already checked float array `dout`."""
        x = self._cached()
        dout = _check_dout_shape(dout, x.shape[:-1] + (self.out_features,))
        x2 = x.reshape(-1, self.in_features)
        d2 = dout.reshape(-1, self.out_features)
        np.matmul(x2.T, d2, out=self.grads["W"])  # dW = xᵀ dout, written into the array
        if "b" in self.params:
            d2.sum(axis=0, out=self.grads["b"])  # db = Σₙ dout
        return dout @ self.params["W"].T if need_input_grad else None
