"""Layers: a network is just a list of layers, each knowing its forward map and its backward.

Every layer has `params` and `grads` (dicts of arrays with the same keys; empty for layers
without parameters), `forward(x, train=True) -> out`, which keeps in `self.cache` what the
backward pass needs, and `backward(dout) -> dx`, which fills `self.grads` and returns ∂L/∂x.
The arrays in `params` stay the same objects for the life of a layer, so an optimiser may
update them in place (`p[...] = new`); the layers here also write their gradients in place.

`Sequential` chains layers and can trade compute for memory with gradient checkpointing;
`stored_bytes()` measures what is held for backprop. Initialisers live in `trainlib.init`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from trainlib.init import INITIALISERS
from trainlib.validation import (
    as_array,
    check_choice,
    check_int,
    check_positive,
    check_range,
)

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "BatchNorm",
    "Dense",
    "Dropout",
    "Layer",
    "LeakyReLU",
    "ReLU",
    "Residual",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "buffers",
    "load_params",
    "mlp",
]


class Layer:
    """Base class: `params`/`grads` with the same keys, `forward`, `backward`, `cache`."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cache: Any = None

    def __call__(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self.forward(x, train=train)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Forward again for gradient checkpointing: same output and cache, no side effects.

        Dropout reuses its last mask and BatchNorm leaves its running statistics alone.
        """
        return self.forward(x, train=train)

    def clear_cache(self) -> None:
        """Drop what was kept for backprop (what `recompute` needs, e.g. a dropout mask, stays)."""
        self.cache = None

    def held_arrays(self) -> list[np.ndarray]:
        """The arrays this layer currently holds for backprop."""
        return _arrays_in(self.cache)

    def stored_bytes(self) -> int:
        """Bytes of the distinct arrays held for backprop (views count as their base)."""
        return _unique_nbytes(self.held_arrays())

    def _cached(self) -> Any:
        if self.cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward: no cache; call forward before backward "
                "(a checkpointed Sequential frees its caches during backward)"
            )
        return self.cache


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
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}")
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


class ReLU(Layer):
    """y = max(x, 0); backward passes dout where y > 0. Shapes: x: any → y: same."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
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


class BatchNorm(Layer):
    """Batch normalisation over the batch axis, as torch.nn.BatchNorm1d.

    Shapes: x: (N, C) → y: (N, C); gamma, beta, running_mean, running_var: (C,).
    Train: μ, σ² = mean and biased variance of the batch, x̂ = (x − μ)/√(σ² + eps),
    y = gamma·x̂ + beta, and the running statistics move towards the batch ones:
    running_mean ← (1 − momentum)·running_mean + momentum·μ,
    running_var ← (1 − momentum)·running_var + momentum·σ²·N/(N − 1)  (unbiased).
    Eval: x̂ uses running_mean and running_var instead.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0, hi_closed=True)
        self.eps = check_positive("eps", eps)
        c = self.num_features
        self.params = {"gamma": np.ones(c), "beta": np.zeros(c)}
        self.grads = {"gamma": np.zeros(c), "beta": np.zeros(c)}
        self.running_mean = np.zeros(c)
        self.running_var = np.ones(c)

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, momentum={self.momentum}, eps={self.eps})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, train, update_running=True)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, train, update_running=False)

    def _forward(self, x: np.ndarray, train: bool, update_running: bool) -> np.ndarray:
        x = as_array("x", x, ndim=2)
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}), got {x.shape}")
        if train:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"x: expected at least 2 rows in train mode, got shape {x.shape}")
            mu = x.mean(axis=0)
            xc = x - mu
            var = (xc * xc).mean(axis=0)
            inv_std = 1.0 / np.sqrt(var + self.eps)
            xhat = xc * inv_std
            if update_running:
                m = self.momentum
                self.running_mean[...] = (1 - m) * self.running_mean + m * mu
                self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            xhat = (x - self.running_mean) * inv_std
        self.cache = (xhat, inv_std, bool(train))
        return self.params["gamma"] * xhat + self.params["beta"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        xhat, inv_std, train = self._cached()
        dout = _check_dout(dout, xhat.shape)
        self.grads["gamma"][...] = (dout * xhat).sum(axis=0)
        self.grads["beta"][...] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        if not train:
            return dxhat * inv_std
        # μ and σ² depend on every row: dx = (1/N)·inv_std·(N·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))
        n = xhat.shape[0]
        return (inv_std / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))


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
        _check_rng(rng)
        self.rng = rng
        self.freeze_mask = bool(freeze_mask)
        self.mask: np.ndarray | None = None  # bool, True = kept
        self._mask_needed = False  # the mask is part of the state held for backprop

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, train, reuse=self.freeze_mask)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
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
            raise RuntimeError("Dropout.recompute: no mask of this shape from the forward pass")
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
        return self._forward(x, train, self.block.forward)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._forward(x, train, self.block.recompute)

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


# Layers whose unchecked `_forward` / `_backward` a Sequential calls on arrays it knows are
# checked floats: its own input x and dout (checked on the way in), and what one of these
# layers returned from them (exact types only: a subclass that overrides `forward` keeps its
# own). Checking every activation for NaN again would cost a pass over memory; an overflow
# inside still surfaces, as the losses check their input (NonFiniteError, which `fit` reads
# as divergence) and `fit` checks the gradients.
# A Dense returns a new array that nothing else keeps (it caches its input, not its output),
# so a ReLU right after it, in the same checkpoint segment, may overwrite it in place: one
# array and one pass fewer, forward and backward. Results are the same bit for bit.
_CHECKED_INSIDE = (Dense, ReLU)


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
        return self._run(x, train, replay=False)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self._run(x, train, replay=True)

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
            for layer in self.layers[start:stop]:
                trusted = checked and type(layer) in _CHECKED_INSIDE
                if trusted and type(layer) is ReLU:
                    h = layer._forward(h, train=train, inplace=fresh)
                elif trusted:  # (their recompute is their forward)
                    h = layer._forward(h, train=train)
                elif replay:
                    h = layer.recompute(h, train=train)
                else:
                    h = layer.forward(h, train=train)
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


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    *,
    rng: np.random.Generator,
    init: str | Callable[..., np.ndarray] = "he_normal",
    batchnorm: bool = False,
    residual: bool = False,
    dropout: float = 0.0,
    checkpoint_every: int | None = None,
) -> Sequential:
    """A multilayer perceptron: Dense → [BatchNorm] → activation → [Dropout] per hidden layer.

    Shapes: x: (N, sizes[0]) → logits: (N, sizes[-1]); the last Dense has no activation.
    With `residual=True` a hidden block whose width does not change (sizes[i] == sizes[i+1])
    becomes Residual(Sequential(Dense, [BatchNorm], activation)); with `batchnorm=True` the
    Dense before it has no bias (BatchNorm's beta takes its role, as in torch practice).
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least 2 layer widths, got {sizes!r}")
    for i, s in enumerate(sizes):
        check_int(f"sizes[{i}]", s, minimum=1)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    dropout = check_range("dropout", dropout, 0.0, 1.0)
    layers: list[Layer] = []
    n_hidden = len(sizes) - 2
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i == n_hidden:
            layers.append(Dense(a, b, rng=rng, init=init))
            break
        block: list[Layer] = [Dense(a, b, rng=rng, init=init, bias=not batchnorm)]
        if batchnorm:
            block.append(BatchNorm(b))
        block.append(ACTIVATIONS[activation]())
        if residual and a == b:
            layers.append(Residual(Sequential(*block)))
        else:
            layers.extend(block)
        if dropout > 0:
            layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers, checkpoint_every=checkpoint_every)


# --- a model's arrays ----------------------------------------------------------------------


def buffers(model: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Non-trainable state that belongs with the weights (BatchNorm running statistics).

    Keys follow `params` ("1.running_mean", "0.block.1.running_var", …); the arrays are the
    model's own (not copies).
    """
    out: dict[str, np.ndarray] = {}
    for attr in ("running_mean", "running_var"):
        if isinstance(getattr(model, attr, None), np.ndarray):
            out[f"{prefix}{attr}"] = getattr(model, attr)
    for i, layer in enumerate(getattr(model, "layers", [])):
        out.update(buffers(layer, f"{prefix}{i}."))
    if hasattr(model, "block"):
        out.update(buffers(model.block, f"{prefix}block."))
    return out


def load_params(model: Any, values: Mapping[str, Any]) -> None:
    """Write `values` into the model's own arrays, in place: θₖ[...] ← valuesₖ for each key.

    Shapes: values {key of `model.params` or of `buffers(model)`: array of that shape}.
    This is the one way to set a model's weights: every layer holding an array sees the new
    values (an optimiser's `InPlace` does the same for a bare dict of arrays).
    """
    own = model.params
    if not own.keys() >= values.keys():  # buffers only when asked: the walk costs a step ~1%
        own = {**own, **buffers(model)}
    for k, v in values.items():
        if k not in own:
            raise ValueError(f"values: expected keys of the model's arrays, got {k!r}")
        own[k][...] = v


# --- helpers -------------------------------------------------------------------------------


def _check_rng(rng: Any) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng: expected a np.random.Generator (np.random.default_rng(seed)), got {rng!r}"
        )


def _check_is_layer(name: str, layer: Any) -> None:
    missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
    if missing:
        raise ValueError(
            f"{name}: expected a layer (forward, backward, params, grads), got "
            f"{type(layer).__name__} without {', '.join(missing)}"
        )


def _check_dout(dout: Any, shape: tuple[int, ...]) -> np.ndarray:
    return _check_dout_shape(as_array("dout", dout), shape)


def _check_dout_shape(dout: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if dout.shape != tuple(shape):
        raise ValueError(
            f"dout: expected shape {tuple(shape)} to match the forward output, got {dout.shape}"
        )
    return dout


def _arrays_in(obj: Any) -> list[np.ndarray]:
    """Every ndarray inside a (nested) cache of tuples / lists / dicts."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, tuple | list):
        return [a for item in obj for a in _arrays_in(item)]
    if isinstance(obj, dict):
        return [a for item in obj.values() for a in _arrays_in(item)]
    return []


def _unique_nbytes(arrays: list[np.ndarray]) -> int:
    """Total bytes of the distinct memory blocks behind `arrays` (a view counts as its base)."""
    owners: dict[int, int] = {}
    for a in arrays:
        while isinstance(a.base, np.ndarray):
            a = a.base
        owners[id(a)] = a.nbytes
    return sum(owners.values())
