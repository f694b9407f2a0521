"""Containers: `Residual` adds a skip connection around a block; `Sequential` chains layers
and can trade compute for memory with gradient checkpointing."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trainlib.layers.activations import ReLU
from trainlib.layers.base import Layer, _check_dout, _check_is_layer
from trainlib.layers.dense import Dense
from trainlib.validation import as_array, check_bool, check_int

__all__ = ["Residual", "Sequential"]


class Residual(Layer):
    """Skip connection y = x + block(x); block is a layer or a Sequential of matching shape.

    Shapes: x: (N, D) → y: (N, D). Backward: dx = dout + block.backward(dout).
    `params` / `grads` are the block's (same keys, same arrays).
    """

    def __init__(self, block: Layer) -> None:
        _check_is_layer("block", block)
        if isinstance(block, Dense) and block.in_features != block.out_features:
            raise ValueError(
                "block: expected in_features == out_features for y = x + block(x), got "
                f"{block.in_features} -> {block.out_features}"
            )
        self.block = block
        self.cache = None

    def __repr__(self) -> str:
        return f"Residual({self.block!r})"

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return dict(self.block.params)

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return dict(self.block.grads)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, check_bool("train", train), self.block.forward)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, check_bool("train", train), self.block.recompute)

    def _forward(self, x: np.ndarray, train: bool, run: Callable) -> np.ndarray:
        x = as_array("x", x)
        fx = run(x, train=train)
        if np.shape(fx) != x.shape:
            raise ValueError(
                f"block: expected an output of shape {x.shape} (the shape of x) for "
                f"y = x + block(x), got {np.shape(fx)}"
            )
        self.cache = x.shape
        return x + fx

    def backward(self, dout: np.ndarray) -> np.ndarray:
        shape = self._cached()
        dout = _check_dout(dout, shape)
        return dout + self.block.backward(dout)

    def clear_cache(self) -> None:
        self.cache = None
        self.block.clear_cache()

    def held_arrays(self) -> list[np.ndarray]:
        return self.block.held_arrays()


# Exact types whose unchecked `_forward`/`_backward` a Sequential calls on arrays it knows are
# checked floats (re-checking would cost a pass; overflow still surfaces in the losses and in
# `fit`). A Dense's output is a new array nothing else keeps, so a ReLU right after it in the
# same segment may overwrite it in place (same results bit for bit).
_CHECKED_INSIDE = (Dense, ReLU)


def _apply(layer: Layer, h: np.ndarray, train: bool, replay: bool, trusted: bool, fresh: bool):
    """One layer of a Sequential's pass (see _CHECKED_INSIDE for `trusted` and `fresh`)."""
    if trusted:  # (their recompute is their forward)
        kw = {"inplace": fresh} if type(layer) is ReLU else {}
        return layer._forward(h, train=train, **kw)
    return layer.recompute(h, train=train) if replay else layer.forward(h, train=train)


class Sequential(Layer):
    """Layers applied in order; optional gradient checkpointing every k layers.

    Shapes: x: the first layer's input → the last layer's output.
    `params` / `grads` are flat dicts keyed "<index>.<name>" ("0.W", "2.gamma") whose values
    are the layers' own arrays (the same objects).

    Checkpointing (`checkpoint_every=k`): the layers form segments [0, k), [k, 2k), …. The
    forward pass keeps only each segment's input (its checkpoint) and frees the caches inside
    it; the last segment keeps its caches, because backward starts there. Backward walks the
    segments in reverse: recompute the segment from its checkpoint (Dropout reuses its mask,
    BatchNorm does not update its running statistics again), backprop through it, free it.
    The gradients are bit-for-bit those of the plain run; backward consumes the saved state.

    Counters: `stored_bytes()` = bytes held for backprop now (caches + checkpoints + dropout
    masks, each distinct array once); `peak_bytes` = the most held at any point of the last
    forward + backward; `forward_evals` = layer forward evaluations since the last `forward`
    began (L for the forward, plus the recomputed layers during backward).
    """

    def __init__(self, *layers: Layer, checkpoint_every: int | None = None) -> None:
        if not layers:
            raise ValueError("layers: expected at least one layer, got none")
        seen: dict[int, int] = {}
        for i, layer in enumerate(layers):
            _check_is_layer(f"layers[{i}]", layer)
            if id(layer) in seen:
                raise ValueError(
                    f"layers[{i}]: expected distinct layer objects, got the same object as "
                    f"layers[{seen[id(layer)]}]"
                )
            seen[id(layer)] = i
        self.layers: list[Layer] = list(layers)
        if checkpoint_every is not None:
            checkpoint_every = check_int("checkpoint_every", checkpoint_every, minimum=1)
        self.checkpoint_every = checkpoint_every
        self.cache = None
        self.forward_evals = 0
        self.peak_bytes = 0

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(checkpoint_every={self.checkpoint_every},\n{inner}\n)"

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()
        }

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()
        }

    def segments(self) -> list[tuple[int, int]]:
        """The (start, stop) layer ranges between checkpoints (one range when not checkpointing)."""
        n = len(self.layers)
        if self.checkpoint_every is None:
            return [(0, n)]
        k = self.checkpoint_every
        return [(s, min(s + k, n)) for s in range(0, n, k)]

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.forward_evals = 0
        return self._run(x, check_bool("train", train), replay=False)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._run(x, check_bool("train", train), replay=True)

    def _run(self, x: np.ndarray, train: bool, replay: bool) -> np.ndarray:
        h = as_array("x", x)
        checked = True  # h is a checked float array (see _CHECKED_INSIDE)
        checkpoints: dict[int, np.ndarray] = {}
        self.cache = (checkpoints, bool(train))
        self.peak_bytes = 0
        fresh = False  # h was just made by a Dense here and nothing else holds it
        segs = self.segments()
        for j, (start, stop) in enumerate(segs):
            freed = j < len(segs) - 1  # every segment but the last is recomputed later
            if freed:
                checkpoints[start] = h
                fresh = False
            for i in range(start, stop):
                layer = self.layers[i]
                trusted = checked and type(layer) in _CHECKED_INSIDE
                try:
                    h = _apply(layer, h, train, replay, trusted, fresh)
                except ValueError as err:  # say which layer failed, and on what
                    fed = "the input x" if i == 0 else f"the output of layers[{i - 1}]"
                    raise ValueError(f"layers[{i}] ({layer!r}), fed {fed}: {err}") from None
                checked = trusted
                fresh = trusted and type(layer) is Dense
                self.forward_evals += 1
            if freed:
                self._note_peak()
                for layer in self.layers[start:stop]:
                    layer.clear_cache()
        self._note_peak()
        return h

    def backward(self, dout: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Backprop through every layer; `need_input_grad=False` skips ∂L/∂x of a first Dense.

        Gradients with respect to the data are rarely needed in training (PyTorch skips them
        for inputs without requires_grad); for a first Dense layer that saves one matmul.
        """
        check_bool("need_input_grad", need_input_grad)
        checkpoints, train = self._cached()
        dout = as_array("dout", dout)
        checked = True  # dout is a checked float array (see _CHECKED_INSIDE)
        fresh = False  # dout was just made by a Dense here and nothing else holds it
        segs = self.segments()
        checkpointing = len(segs) > 1
        for start, stop in reversed(segs):
            if start in checkpoints:
                h = checkpoints[start]
                for layer in self.layers[start:stop]:
                    h = layer.recompute(h, train=train)
                    self.forward_evals += 1
                self._note_peak()
            for i in reversed(range(start, stop)):
                layer = self.layers[i]
                checked = checked and type(layer) in _CHECKED_INSIDE
                backward = layer._backward if checked else layer.backward
                if checked and type(layer) is ReLU:
                    dout = layer._backward(dout, inplace=fresh)
                elif i == 0 and not need_input_grad and isinstance(layer, Dense):
                    dout = backward(dout, need_input_grad=False)
                else:
                    dout = backward(dout)
                fresh = checked and type(layer) is Dense
            if checkpointing:
                for layer in self.layers[start:stop]:
                    layer.clear_cache()
                checkpoints.pop(start, None)
        if checkpointing:
            self.cache = None
        return dout

    def clear_cache(self) -> None:
        self.cache = None
        for layer in self.layers:
            layer.clear_cache()

    def held_arrays(self) -> list[np.ndarray]:
        arrays = list(self.cache[0].values()) if self.cache is not None else []
        for layer in self.layers:
            arrays += layer.held_arrays()
        return arrays

    def _note_peak(self) -> None:
        self.peak_bytes = max(self.peak_bytes, self.stored_bytes())
