"""The learning problem: random networks, slices of a loss landscape, and the forward pass's bill.

A network with random weights is a random function (`random_mlp`, `random_functions`).
Training searches a landscape L(θ) over millions of dimensions; we can only look at it
through low-dimensional slices θ* + α·d₁ + β·d₂ along random directions (`random_direction`,
`slice_1d`, `slice_2d`) and test a slice for convexity (`convexity_gap`). ReLU makes the
landscape non-smooth: `relu_neuron_loss` is the loss of a 2-parameter ReLU neuron, whose
surface has a crease for every data point, and `one_sided_derivatives` measures the jump.
What the forward pass keeps for backprop is measured in lesson 05 (`backpropagation.memory`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from trainlib.data import train_val_split
from trainlib.fit import fit
from trainlib.init import INITIALISERS
from trainlib.layers import Dense, Sequential, load_params, mlp
from trainlib.losses import mse
from trainlib.optim import sgd
from trainlib.validation import as_array, check_choice, check_int, check_positive

__all__ = [
    "ChordViolation",
    "TrainingRun",
    "convexity_gap",
    "network_loss",
    "one_sided_derivatives",
    "random_direction",
    "random_functions",
    "random_mlp",
    "relu_neuron_data",
    "relu_neuron_kinks",
    "relu_neuron_loss",
    "sine_data",
    "slice_1d",
    "slice_2d",
    "train_sine_net",
]

Params = Mapping[str, np.ndarray]

# =========================================================================================
# A network before training is a random function
# =========================================================================================


def random_mlp(
    sizes: Sequence[int],
    *,
    rng: np.random.Generator,
    activation: str = "tanh",
    init_scale: float = 1.0,
) -> Sequential:
    """An MLP with random weights and biases, as a freshly constructed torch network.

    Shapes: x (N, sizes[0]) → (N, sizes[-1]).
    W ~ init_scale · (Glorot normal for tanh/sigmoid, He normal for ReLU);
    b ~ init_scale · U(−1/√fan_in, 1/√fan_in) (torch's nn.Linear bias). Random biases
    matter: with b = 0 a tanh net is an odd function and a ReLU net is piecewise linear
    through the origin. init_scale = 0 gives the constant function 0 for every seed.
    """
    init_scale = check_positive("init_scale", init_scale, strict=False)
    check_choice("activation", activation, ("tanh", "sigmoid", "relu"))
    base = INITIALISERS["he_normal" if activation == "relu" else "glorot_normal"]

    def init(fan_in: int, fan_out: int, *, rng: np.random.Generator) -> np.ndarray:
        return init_scale * base(fan_in, fan_out, rng=rng)

    net = mlp(sizes, activation, rng=rng, init=init)
    # initialisation, not a write-back: each fresh layer's bias is drawn (mlp's init draws
    # only W), in layer order from the same rng, as torch's nn.Linear does
    for layer in net.layers:
        if isinstance(layer, Dense):
            bound = init_scale / math.sqrt(layer.in_features)
            layer.params["b"][...] = rng.uniform(-bound, bound, layer.out_features)
    return net


def random_functions(
    x: Any,
    sizes: Sequence[int],
    seeds: Sequence[int],
    *,
    activation: str = "tanh",
    init_scale: float = 1.0,
) -> np.ndarray:
    """The functions computed by one random MLP per seed, evaluated at the inputs x.

    Shapes: x (N,) scalar inputs (sizes[0] must be 1, sizes[-1] must be 1) → (len(seeds), N).
    Row s is f_s(x) for the network `random_mlp(sizes, rng=default_rng(seeds[s]), ...)`.
    """
    x = as_array("x", x, ndim=1)
    sizes = list(sizes)
    if len(sizes) < 2 or sizes[0] != 1 or sizes[-1] != 1:
        raise ValueError(f"sizes: expected [1, ..., 1] for scalar in and out, got {sizes!r}")
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(check_int("seed", seed))
        net = random_mlp(sizes, rng=rng, activation=activation, init_scale=init_scale)
        rows.append(net.forward(x[:, None], train=False)[:, 0])
    return np.array(rows)


# =========================================================================================
# Training: minimise the loss on training data, watch it on held-out data
# =========================================================================================


def sine_data(n: int, *, rng: np.random.Generator, noise: float = 0.3):
    """Noisy samples of y = sin(1.5·x), x ~ U(−3, 3). Shapes: returns X (n, 1), y (n, 1)."""
    n = check_int("n", n, minimum=1)
    noise = check_positive("noise", noise, strict=False)
    X = rng.uniform(-3.0, 3.0, (n, 1))
    return X, np.sin(1.5 * X) + noise * rng.standard_normal((n, 1))


class TrainingRun(NamedTuple):
    """What `train_sine_net` recorded.

    Shapes: X_train (n_t, 1), y_train (n_t, 1), X_val (n_v, 1), y_val (n_v, 1);
    train_loss, val_loss (epochs,) as `fit` reports them (train: the mean of the batch losses
    during the epoch; validation: the loss on the held-out set after it);
    snapshot_epochs (S,), snapshots: S parameter dicts (copies) taken after those epochs.
    """

    sizes: tuple[int, ...]
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    snapshot_epochs: np.ndarray
    snapshots: list[dict[str, np.ndarray]]

    def network(self, s: int = -1) -> Sequential:
        """A tanh MLP holding the parameters of snapshot s (default: the trained one)."""
        net = mlp(self.sizes, "tanh", rng=np.random.default_rng(0))
        load_params(net, self.snapshots[s])
        return net


@functools.lru_cache(maxsize=4)
def train_sine_net(
    *,
    n: int = 32,
    val_fraction: float = 0.5,
    width: int = 32,
    epochs: int = 200,
    every: int = 10,
    lr: float = 0.05,
    batch_size: int = 8,
    seed: int = 1,
) -> TrainingRun:
    """Split noisy sine data into training and validation halves; fit a tanh MLP to the first.

    The net is mlp([1, width, width, 1], "tanh", init="glorot_normal"); the loss is the MSE;
    the optimiser plain mini-batch SGD with rate `lr`. Training runs as `fit` calls of
    `every` epochs each (identical to one long call: plain SGD keeps no state but its step
    count, and the shuffling generator carries on), snapshotting the weights in between.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    every = check_int("every", every, minimum=1)
    rng = np.random.default_rng(seed)
    X, y = sine_data(n, rng=rng)
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction, rng=rng)
    sizes = (1, width, width, 1)
    net = mlp(sizes, "tanh", rng=rng, init="glorot_normal")
    snapshots = [{k: v.copy() for k, v in net.params.items()}]
    marks, train_loss, val_loss = [0], [], []
    done = 0
    while done < epochs:
        chunk = min(every, epochs - done)
        hist = fit(
            net, mse, sgd(lr), X_train, y_train,
            epochs=chunk, batch_size=batch_size, rng=rng, val=(X_val, y_val),
        )  # fmt: skip
        train_loss.extend(hist.train_loss)
        val_loss.extend(hist.val_loss)
        done += chunk
        marks.append(done)
        snapshots.append({k: v.copy() for k, v in net.params.items()})
    return TrainingRun(
        sizes, X_train, y_train, X_val, y_val,
        np.array(train_loss), np.array(val_loss), np.array(marks), snapshots,
    )  # fmt: skip


# =========================================================================================
# Slices of a loss landscape
# =========================================================================================


def network_loss(
    model: Any, loss: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]], X: Any, y: Any
) -> Callable[[Params], float]:
    """L(θ) as a function of a parameter dict: f(θ) = loss(model(X; θ), y).

    Shapes: X, y as `loss(model.forward(X), y)` expects; θ a dict with model.params' keys.
    f writes θ into the model's arrays, evaluates (train=False), then restores the model's
    own parameters, so the model is unchanged between calls.
    """
    X = as_array("X", X)
    y = np.asarray(y)
    own = model.params

    def f(theta: Params) -> float:
        if set(theta) != set(own):
            raise ValueError(f"theta: expected the keys {sorted(own)}, got {sorted(theta)}")
        saved = {k: v.copy() for k, v in own.items()}
        try:
            load_params(model, theta)
            return float(loss(model.forward(X, train=False), y)[0])
        finally:
            load_params(model, saved)

    return f


def random_direction(params: Params, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A random direction in parameter space, scaled array by array to the weights' size.

    Shapes: a dict like params. Each array's direction d ~ N(0, I) is rescaled so that
    ‖d‖ = ‖θ‖ for that array (the "filter normalisation" idea of Li et al., 2018, applied
    per weight matrix and bias), so α = 1 means "move as far as the weights are large".
    An all-zero array gets a zero direction.
    """
    out = {}
    for k, p in params.items():
        d = rng.standard_normal(np.shape(p))
        norm_p, norm_d = float(np.linalg.norm(p)), float(np.linalg.norm(d))
        out[k] = d * (norm_p / norm_d) if norm_d > 0 else np.zeros_like(d)
    return out


def _shift(params: Params, *steps: tuple[float, Params]) -> dict[str, np.ndarray]:
    return {k: p + sum(a * d[k] for a, d in steps) for k, p in params.items()}


def slice_1d(
    f: Callable[[Params], float], params: Params, direction: Params, alphas: Any
) -> np.ndarray:
    """The loss along a line: values[i] = f(θ + αᵢ·d).

    Shapes: alphas (A,) → values (A,).
    """
    alphas = as_array("alphas", alphas, ndim=1)
    return np.array([f(_shift(params, (a, direction))) for a in alphas])


def slice_2d(
    f: Callable[[Params], float],
    params: Params,
    d1: Params,
    d2: Params,
    alphas: Any,
    betas: Any,
) -> np.ndarray:
    """The loss on a plane: values[j, i] = f(θ + αᵢ·d₁ + βⱼ·d₂) (row j = the 1-D slice at βⱼ).

    Shapes: alphas (A,), betas (B,) → values (B, A).
    """
    alphas = as_array("alphas", alphas, ndim=1)
    betas = as_array("betas", betas, ndim=1)
    return np.array([[f(_shift(params, (a, d1), (b, d2))) for a in alphas] for b in betas])


class ChordViolation(NamedTuple):
    """The worst midpoint test of a 1-D slice: f(midpoint) − (f(left) + f(right))/2.

    `gap` > 0 means the midpoint lies above the chord, so the function is not convex;
    `i`, `mid`, `j` are the grid indices of the left end, the midpoint and the right end.
    """

    gap: float
    i: int
    mid: int
    j: int


def convexity_gap(values: Any) -> ChordViolation:
    """Largest f(tₘ) − (f(tᵢ) + f(tⱼ))/2 over grid pairs i < j with tₘ their midpoint.

    Shapes: values (A,), sampled on an evenly spaced grid t (so tₘ is on the grid when
    i + j is even). A convex f has gap ≤ 0 on every pair; one positive gap disproves it.
    """
    v = as_array("values", values, ndim=1)
    if len(v) < 3:
        raise ValueError(f"values: expected at least 3 samples, got shape {v.shape}")
    i, j = np.triu_indices(len(v), k=2)
    even = (i + j) % 2 == 0
    i, j = i[even], j[even]
    m = (i + j) // 2
    gaps = v[m] - 0.5 * (v[i] + v[j])
    k = int(np.argmax(gaps))
    return ChordViolation(float(gaps[k]), int(i[k]), int(m[k]), int(j[k]))


# =========================================================================================
# Non-smooth: a 2-parameter ReLU neuron
# =========================================================================================


def relu_neuron_data() -> tuple[np.ndarray, np.ndarray]:
    """Seven points for the one-neuron net: y ≈ 0.9·x + 0.6 with a little seeded noise.

    Shapes: returns x (7,), y (7,). Every yᵢ ≠ 0, so every crease is a real kink.
    """
    x = np.array([-2.0, -1.3, -0.6, 0.4, 1.1, 1.7, 2.4])
    y = 0.9 * x + 0.6 + 0.15 * np.random.default_rng(7).standard_normal(7)
    return x, y


def relu_neuron_loss(w: Any, b: Any, x: Any, y: Any) -> np.ndarray:
    """MSE of the one-neuron network ŷ = ReLU(w·x + b); w and b may be grids.

    Shapes: x (N,), y (N,); w and b broadcast together → loss of that broadcast shape.
    L(w, b) = (1/N)·Σ (max(w·xᵢ + b, 0) − yᵢ)². It has a crease along every line
    w·xᵢ + b = 0 (where neuron i switches on) with yᵢ ≠ 0, and a flat plateau where the
    neuron is off for every input.
    """
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, ndim=1)
    w = np.asarray(w, dtype=float)[..., None]
    b = np.asarray(b, dtype=float)[..., None]
    return np.mean((np.maximum(w * x + b, 0.0) - y) ** 2, axis=-1)


def relu_neuron_kinks(b: float, x: Any) -> np.ndarray:
    """The slopes w at which the slice w ↦ L(w, b) has a kink: w = −b/xᵢ, sorted.

    Shapes: x (N,) → (K,), one per nonzero xᵢ (a kink is real where yᵢ ≠ 0).
    """
    x = as_array("x", x, ndim=1)
    nz = x[x != 0]
    return np.sort(-float(b) / nz)


def one_sided_derivatives(f: Callable[[float], float], t: float, h: float = 1e-7) -> tuple:
    """Left and right difference quotients of f at t: ((f(t) − f(t−h))/h, (f(t+h) − f(t))/h).

    For a smooth f both tend to f′(t) as h → 0 (error O(h)); at a kink they tend to two
    different one-sided derivatives, and no single slope (no gradient) exists there.
    """
    h = check_positive("h", h)
    t = float(t)
    f0 = float(f(t))
    return (f0 - float(f(t - h))) / h, (float(f(t + h)) - f0) / h
