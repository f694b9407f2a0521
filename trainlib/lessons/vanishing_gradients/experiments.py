"""Gradient health: how large the signals and the gradients are, layer by layer.

A deep network multiplies: the forward pass multiplies activations by one weight matrix per
layer, the backward pass multiplies the error signal by the transposed matrices and the
activation derivatives. `layer_health` measures the result for one batch of an MLP — the
standard deviation of what each Dense layer receives and the norm of each Dense layer's
weight gradient — so that vanishing (norms shrinking layer after layer) and exploding
(norms growing) become numbers. `clipping_run` trains a deliberately exploding network with
and without gradient clipping (notebook 06, claims C26–C30).

Depth L counts the Dense (weight) layers: L = 2 is one hidden layer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trainlib import init as _init
from trainlib import losses, optim
from trainlib.fit import fit, global_norm
from trainlib.layers import BatchNorm, Dense, LayerNorm, Residual, Sequential, mlp
from trainlib.validation import as_array, check_choice, check_int, check_positive

__all__ = [
    "HEALTH_ACTIVATIONS",
    "HEALTH_INITS",
    "ClipRun",
    "Health",
    "clipping_data",
    "clipping_init_act_std",
    "clipping_init_norm",
    "clipping_run",
    "clipping_thresholds",
    "dense_layers",
    "first_layer_vs_depth",
    "growth_factor",
    "init_std",
    "layer_health",
    "normalisation_row",
    "scaled_init",
]

#: The activations of the dashboard (names of `trainlib.layers.ACTIVATIONS`).
HEALTH_ACTIVATIONS = ("sigmoid", "tanh", "relu")

#: The initialisations of the dashboard; each is a standard deviation for W (fan_in, fan_out).
HEALTH_INITS = ("small_normal", "large_normal", "glorot", "he")


def init_std(name: str, fan_in: int, fan_out: int, scale: float = 1.0) -> float:
    """Standard deviation of W ~ N(0, σ²) for one of `HEALTH_INITS`, times `scale`.

    small_normal: σ = 0.01 · scale          large_normal: σ = 1 · scale
    glorot:       σ = √(2 / (fan_in + fan_out)) · scale
    he:           σ = √(2 / fan_in) · scale
    """
    check_choice("name", name, HEALTH_INITS)
    check_int("fan_in", fan_in, minimum=1)
    check_int("fan_out", fan_out, minimum=1)
    scale = check_positive("scale", scale)
    if name == "small_normal":
        std = 0.01
    elif name == "large_normal":
        std = 1.0
    elif name == "glorot":
        std = _init.glorot_std(fan_in, fan_out)
    else:
        std = _init.he_std(fan_in)
    return std * scale


def scaled_init(name: str, scale: float = 1.0) -> Callable[..., np.ndarray]:
    """An initialiser ``init(fan_in, fan_out, *, rng) -> W`` for `trainlib.layers.mlp`.

    Shapes: the returned function gives W (fan_in, fan_out), W ~ N(0, init_std(…)²).
    """
    check_choice("name", name, HEALTH_INITS)
    scale = check_positive("scale", scale)

    def init(fan_in: int, fan_out: int, *, rng: np.random.Generator) -> np.ndarray:
        std = init_std(name, fan_in, fan_out, scale)
        return _init.normal(fan_in, fan_out, rng=rng, scale=std)

    init.__name__ = f"{name}×{scale:g}"
    return init


def dense_layers(model: Any) -> list[Dense]:
    """Every Dense layer of a model, in forward order (inside Residual blocks too)."""
    if isinstance(model, Dense):
        return [model]
    if isinstance(model, Residual):
        return dense_layers(model.block)
    if isinstance(model, Sequential):
        return [d for layer in model.layers for d in dense_layers(layer)]
    return []


@dataclass(frozen=True, eq=False)
class Health:
    """What `layer_health` measured for one batch.

    Shapes: `act_std` (L − 1,): std over the batch and the units of hidden activation
    h_l (l = 1 … L − 1), which is the input of Dense layer l + 1; `grad_norm` (L,):
    ‖∂ℒ/∂W_l‖ (Frobenius) of Dense layer l = 1 … L; `loss` the batch loss; `divided_by`
    (L − 1,) or (0,): the standard deviation each BatchNorm / LayerNorm divided its input by
    (BatchNorm: of each unit over the batch; LayerNorm: of each example over the units),
    averaged; empty without normalisation; `act_mean` (L − 1,): the mean of each h_l over
    the batch and the units; `act_std_batch` (L − 1,): the std of each unit of h_l over the
    batch, averaged over the units — only the part that differs between examples, without
    each unit's fixed offset that `act_std` also counts.
    """

    act_std: np.ndarray
    grad_norm: np.ndarray
    loss: float
    divided_by: np.ndarray = field(default_factory=lambda: np.zeros(0))
    act_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    act_std_batch: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def depth(self) -> int:
        """L, the number of Dense layers."""
        return len(self.grad_norm)

    @property
    def first_layer_grad(self) -> float:
        """‖∂ℒ/∂W₁‖, the gradient that has to travel back through every layer."""
        return float(self.grad_norm[0])


def layer_health(
    depth: int,
    activation: str = "sigmoid",
    init: str = "glorot",
    scale: float = 1.0,
    *,
    batchnorm: bool = False,
    residual: bool = False,
    layernorm: bool = False,
    width: int = 64,
    n: int = 64,
    seed: int = 0,
) -> Health:
    """Per-layer activation std and weight-gradient norm of a deep MLP on one batch.

    X (n, width), y (n, 1) ~ N(0, 1); net = `mlp([width]·L + [1], activation, init=
    scaled_init(init, scale), batchnorm or layernorm, residual)` (layernorm: a LayerNorm
    where BatchNorm would be); MSE, one forward and one backward pass (L = depth, ℒ = the
    loss). With δ_l = ∂ℒ/∂z_l: δ_{l−1} = (δ_l W_lᵀ) ⊙ f′(z_{l−1}), ∂ℒ/∂W_l = h_{l−1}ᵀ δ_l.
    The same seed gives the same data and, layer for layer, the same first weights at every
    depth.
    """
    n, width = check_int("n", n, minimum=2), check_int("width", width, minimum=1)
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, width)), rng.standard_normal((n, 1))
    init_fn = scaled_init(init, scale)
    net = _build(depth, width, activation, init_fn, batchnorm, layernorm, residual, rng)
    return _measure(net, X, y)


def _build(
    depth: int, width: int, activation: str, init: Callable[..., np.ndarray],
    batchnorm: bool, layernorm: bool, residual: bool, rng: np.random.Generator,
) -> Sequential:  # fmt: skip
    """The `mlp` of `layer_health`; with `layernorm` its BatchNorms become LayerNorms."""
    depth = check_int("depth", depth, minimum=2)
    check_choice("activation", activation, HEALTH_ACTIVATIONS)
    if batchnorm and layernorm:
        raise ValueError("layernorm: expected False when batchnorm=True, got True")
    net = mlp([width] * depth + [1], activation, rng=rng, init=init,
              batchnorm=batchnorm or layernorm, residual=residual)  # fmt: skip
    if layernorm:
        _batchnorm_to_layernorm(net)
    return net


def _measure(net: Sequential, X: np.ndarray, y: np.ndarray) -> Health:
    """One forward and backward pass of `net` on (X, y), measured layer by layer."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value, dout = losses.mse(net.forward(X), y)
        net.backward(dout, need_input_grad=False)
        dense = dense_layers(net)
        act_std = np.array([np.std(d.cache) for d in dense[1:]])
        act_mean = np.array([np.mean(d.cache) for d in dense[1:]])
        act_std_batch = np.array([np.std(d.cache, axis=0).mean() for d in dense[1:]])
        grad_norm = np.array([np.linalg.norm(d.grads["W"]) for d in dense])
        # the std each normalisation layer divided by: 1/inv_std, averaged over units / rows
        divided_by = np.array([np.mean(1.0 / m.cache[1]) for m in _norm_layers(net)])
    return Health(act_std, grad_norm, float(value), divided_by, act_mean, act_std_batch)


def _norm_layers(model: Any) -> list[BatchNorm | LayerNorm]:
    """Every BatchNorm / LayerNorm of a model, in forward order (inside Residual blocks too)."""
    if isinstance(model, BatchNorm | LayerNorm):
        return [model]
    if isinstance(model, Residual):
        return _norm_layers(model.block)
    if isinstance(model, Sequential):
        return [n for layer in model.layers for n in _norm_layers(layer)]
    return []


def _batchnorm_to_layernorm(model: Any) -> None:
    """Replace every BatchNorm(C) of an `mlp` by a LayerNorm(C), in place (same position)."""
    layers = model.layers if isinstance(model, Sequential) else []
    for i, layer in enumerate(layers):
        if isinstance(layer, BatchNorm):
            layers[i] = LayerNorm(layer.num_features)
        elif isinstance(layer, Residual):
            _batchnorm_to_layernorm(layer.block)
        else:
            _batchnorm_to_layernorm(layer)


def normalisation_row(depth: int, activation: str, init: str, **kw: Any) -> dict[str, Health]:
    """`layer_health` without normalisation, with BatchNorm and with LayerNorm (same seed).

    Returns {"none": …, "BatchNorm": …, "LayerNorm": …}; `kw` goes to `layer_health`.
    """
    return {
        "none": layer_health(depth, activation, init, **kw),
        "BatchNorm": layer_health(depth, activation, init, batchnorm=True, **kw),
        "LayerNorm": layer_health(depth, activation, init, layernorm=True, **kw),
    }


def growth_factor(values: Any, *, from_output: bool = False) -> float:
    """Per-layer factor r of a geometric trend values_l ≈ c·rˡ (least squares on log₁₀).

    Shapes: values (K,) positive, K ≥ 2. With `from_output=True` the layers are counted
    from the last one backwards (the direction backprop travels), so r > 1 means the
    values grow as the gradient flows towards the input.
    """
    v = as_array("values", values, ndim=1)
    if len(v) < 2 or np.any(v <= 0):
        raise ValueError(f"values: expected ≥ 2 positive numbers, got {v!r}")
    idx = np.arange(len(v), dtype=float)
    if from_output:
        idx = idx[::-1]
    slope = np.polyfit(idx, np.log10(v), 1)[0]
    return float(10.0**slope)


# =========================================================================================
# Gradient clipping on an exploding network (C30)
# =========================================================================================


@dataclass(frozen=True, eq=False)
class ClipRun:
    """One training run of `clipping_run`.

    Shapes: `loss`, `grad_norm`, `clipped_norm` (T,) per step: batch loss before the update,
    global gradient norm before clipping and after it (equal without clipping); T = steps
    when the run finished, fewer when it diverged. `diverged_at`: the step whose loss or
    gradient was no longer finite (= T), None if none; `threshold` None = no clipping.
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    clipped_norm: np.ndarray
    diverged_at: int | None
    threshold: float | None
    lr: float

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def update_norm(self) -> np.ndarray:
        """‖Δθ‖ of each SGD step: lr·‖g_clipped‖ (plain SGD, no momentum)."""
        return self.lr * self.clipped_norm


def clipping_data(n: int = 64, d: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The regression task of the clipping experiment: y = θ₀ + x·θ + noise, x ~ U(−3, 3).

    Shapes: returns X (n, d), y (n, 1).
    """
    from trainlib.data import regression

    X, y, _ = regression(n, rng=np.random.default_rng(seed), d=d, noise=0.1)
    return X, y[:, None]


def _clipping_net(depth: int, width: int, init_scale: float, seed: int) -> tuple[Any, Any]:
    """The clipping experiment's network at initialisation, and the rng that built it."""
    rng = np.random.default_rng(seed + 1)
    sizes = [clipping_data(seed=seed)[0].shape[1]] + [width] * (depth - 1) + [1]
    return mlp(sizes, "relu", rng=rng, init=scaled_init("he", init_scale)), rng


def clipping_init_norm(
    *, depth: int = 10, width: int = 32, init_scale: float = 1.3, seed: int = 0
) -> float:
    """‖θ₀‖: the global norm of all parameters of `clipping_run`'s network before training."""
    depth = check_int("depth", depth, minimum=2)
    width = check_int("width", width, minimum=1)
    init_scale = check_positive("init_scale", init_scale)
    net, _ = _clipping_net(depth, width, init_scale, int(seed))
    return global_norm(net.params)


def clipping_init_act_std(
    *, depth: int = 10, width: int = 32, init_scale: float = 1.3, seed: int = 0
) -> np.ndarray:
    """Std of each hidden activation of `clipping_run`'s network before training, on
    `clipping_data()`. Shapes: returns (depth − 1,)."""
    depth = check_int("depth", depth, minimum=2)
    width = check_int("width", width, minimum=1)
    init_scale = check_positive("init_scale", init_scale)
    net, _ = _clipping_net(depth, width, init_scale, int(seed))
    net.forward(clipping_data(seed=int(seed))[0])
    return np.array([float(np.std(d.cache)) for d in dense_layers(net)[1:]])


@functools.lru_cache(maxsize=64)
def _clipping_run(threshold, steps, depth, width, init_scale, lr, seed) -> ClipRun:
    X, y = clipping_data(seed=seed)
    net, rng = _clipping_net(depth, width, init_scale, seed)
    hist = fit(
        net, losses.mse, optim.sgd(lr), X, y,
        epochs=steps, batch_size=len(X), rng=rng, clip_norm=threshold,
    )  # fmt: skip
    done = len(hist.loss)
    for a in (hist.loss, hist.grad_norm, hist.clipped_norm):
        a.setflags(write=False)  # cached: shared by every caller
    diverged_at = done if hist.diverged else None
    return ClipRun(hist.loss, hist.grad_norm, hist.clipped_norm, diverged_at, threshold, lr)


def clipping_run(
    threshold: float | None,
    *,
    steps: int = 60,
    depth: int = 10,
    width: int = 32,
    init_scale: float = 1.3,
    lr: float = 0.01,
    seed: int = 0,
) -> ClipRun:
    """Train an exploding deep ReLU MLP with SGD, clipping the gradient norm at `threshold`.

    The network: `mlp([8, width·(depth−1), 1], "relu")` with He init × `init_scale` (> 1:
    every layer amplifies its input, so the output and the gradients start huge), full-batch
    SGD on `clipping_data()`, MSE, `steps` updates through `trainlib.fit.fit`.
    Clipping (threshold c, None = off): g ← g·c/‖g‖ when ‖g‖ > c, so ‖g‖ ≤ c after it and
    the step ‖Δθ‖ = lr·‖g‖ ≤ lr·c. Results are cached: the same arguments give the same run.
    """
    if threshold is not None:
        threshold = check_positive("threshold", threshold)
    steps = check_int("steps", steps, minimum=1)
    depth = check_int("depth", depth, minimum=2)
    width = check_int("width", width, minimum=1)
    init_scale = check_positive("init_scale", init_scale)
    lr = check_positive("lr", lr)
    return _clipping_run(threshold, steps, depth, width, init_scale, lr, int(seed))


def clipping_thresholds(
    lo_exp: float = -1.0, hi_exp: float = 5.0, step: float = 0.5
) -> list[float]:
    """The thresholds 10^lo_exp, 10^(lo_exp + step), …, 10^hi_exp (the figure's slider)."""
    k = int(round((hi_exp - lo_exp) / step))
    return [float(10.0 ** (lo_exp + i * step)) for i in range(k + 1)]


def first_layer_vs_depth(depths: Sequence[int], **kw: Any) -> np.ndarray:
    """‖∂ℒ/∂W₁‖ of `layer_health(depth, **kw)` for every depth. Shapes: returns (len(depths),)."""
    return np.array([layer_health(d, **kw).first_layer_grad for d in depths])
