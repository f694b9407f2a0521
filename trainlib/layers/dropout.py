"""Dropout: zero random activations while training, so no unit can rely on another."""

from __future__ import annotations

import numpy as np

from trainlib.layers.base import Layer, _arrays_in, _check_dout, _check_rng
from trainlib.validation import as_array, check_bool, check_range

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout: zero each entry with probability p, scale survivors by 1/(1 − p).

    Shapes: x: any → y: same. Train: y = x·m/(1 − p) with m ~ Bernoulli(1 − p), so E[y] = x;
    eval: y = x exactly. With `freeze_mask=True` (argument or attribute) a train-mode forward
    reuses the last mask when the shape matches, which makes the layer a deterministic
    function for `trainlib.gradcheck.check_layer`. Checkpoint recomputation always reuses it.
    """

    def __init__(
        self, p: float = 0.5, *, rng: np.random.Generator, freeze_mask: bool = False
    ) -> None:
        super().__init__()
        self.p = check_range("p", p, 0.0, 1.0)
        freeze_mask = check_bool("freeze_mask", freeze_mask)
        _check_rng(rng)
        self.rng = rng
        self.freeze_mask = bool(freeze_mask)
        self.mask: np.ndarray | None = None  # bool, True = kept
        self._mask_needed = False  # the mask is part of the state held for backprop

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(x, train, reuse=self.freeze_mask)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(x, train, reuse=True, must_reuse=train)

    def _forward(
        self, x: np.ndarray, train: bool, reuse: bool, must_reuse: bool = False
    ) -> np.ndarray:
        x = as_array("x", x)
        if not train:
            self.cache = ("eval", x.shape)
            self._mask_needed = False
            return x
        have = self.mask is not None and self.mask.shape == x.shape
        if must_reuse and not have:
            raise ValueError(
                f"x: expected the shape of the forward pass's input to recompute with its "
                f"mask, got {x.shape}"
            )
        if not (reuse and have):
            self.mask = self.rng.random(x.shape) >= self.p
        self._mask_needed = True
        self.cache = ("train", self.mask)
        return np.where(self.mask, x * (1.0 / (1.0 - self.p)), 0.0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        mode, info = self._cached()
        if mode == "eval":
            return _check_dout(dout, info)
        dout = _check_dout(dout, info.shape)
        return np.where(info, dout * (1.0 / (1.0 - self.p)), 0.0)

    def held_arrays(self) -> list[np.ndarray]:
        kept = [self.mask] if self._mask_needed and self.mask is not None else []
        return _arrays_in(self.cache) + kept
