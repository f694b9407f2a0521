"""The two-layer network of the text, with its backward pass written out by hand.

    x → [W1, b1] → ReLU → [W2, b2] → sigmoid → ŷ → BCE loss

The text writes one example as a column (z1 = W1·x + b1). Here a batch is a stack of rows,
so the same equations read z1 = x·W1 + b1 with x: (N, D), and every "·xᵀ" of the text
becomes "xᵀ·" on the left. The loss is the mean binary cross-entropy over the batch, so
every gradient carries one factor 1/N, which enters at ∂L/∂ŷ.

Shapes: x (N, D), W1 (D, H), b1 (H,), W2 (H, 1), b2 (1,), y (N,) or (N, 1) in {0, 1}.
"""

from __future__ import annotations

import numpy as np

from trainlib.losses import bce_with_logits, sigmoid
from trainlib.validation import (
    as_array,
    check_choice,
    check_finite_number,
    check_int,
    check_mapping,
    check_nonempty,
    check_positive,
    check_rng,
    check_same_shape,
)

PARAM_KEYS = ("W1", "b1", "W2", "b2")


def init_params(D: int, H: int, *, rng: np.random.Generator, scale: float | None = None) -> dict:
    """Random weights, zero biases.

    Shapes: W1 (D, H), b1 (H,), W2 (H, 1), b2 (1,).
    `scale=None` is He initialisation, W ~ N(0, 2/fan_in) per layer (right for ReLU);
    a number gives W ~ N(0, scale²) for both layers.
    """
    D = check_int("D", D, minimum=1)
    H = check_int("H", H, minimum=1)
    check_rng("rng", rng)
    if scale is None:
        s1, s2 = np.sqrt(2.0 / D), np.sqrt(2.0 / H)
    else:
        s1 = s2 = check_positive("scale", scale)
    return {
        "W1": s1 * rng.standard_normal((D, H)),
        "b1": np.zeros(H),
        "W2": s2 * rng.standard_normal((H, 1)),
        "b2": np.zeros(1),
    }


def _check_params(params: dict) -> dict:
    """The four parameter arrays, checked: keys, finite values, shapes that fit together."""
    check_mapping("params", params, PARAM_KEYS)
    p = {k: as_array(f"params['{k}']", params[k]) for k in PARAM_KEYS}
    if p["W1"].ndim != 2:
        raise ValueError(f"params['W1']: expected a 2-D array, got shape {p['W1'].shape}")
    D, H = p["W1"].shape
    check_same_shape("params['b1']", p["b1"], "params['W1']", np.empty(H))
    check_same_shape("params['W2']", p["W2"], "params['W1']", np.empty((H, 1)))
    check_same_shape("params['b2']", p["b2"], "(1,)", np.empty(1))
    return p


def _check(params: dict, x, y) -> tuple[dict, np.ndarray, np.ndarray]:
    p = _check_params(params)
    D = p["W1"].shape[0]
    x = check_nonempty("x", as_array("x", x, ndim=2))
    if x.shape[1] != D:
        raise ValueError(f"x: expected {D} columns to match params['W1'], got shape {x.shape}")
    y = as_array("y", y)
    if y.ndim == 1:
        y = y[:, None]
    check_same_shape("y", y, "x", np.empty((x.shape[0], 1)))
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y: expected labels in {0, 1}, got other values")
    return p, x, y


def forward(params: dict, x, y) -> dict:
    """Forward pass, keeping every intermediate (the cache backward needs).

    Shapes: x (N, D), y (N,) or (N, 1); returns x, y (N, 1), z1, a1 (N, H), z2, yhat (N, 1),
    loss (float).
    z1 = x·W1 + b1,  a1 = ReLU(z1),  z2 = a1·W2 + b2,  ŷ = σ(z2),
    L = mean −[y·log ŷ + (1−y)·log(1−ŷ)] = mean [log(1 + e^z2) − y·z2]   (same value, stable)
    """
    p, x, y = _check(params, x, y)
    z1 = x @ p["W1"] + p["b1"]  # z1 = W1·x + b1     pre-activation, layer 1
    a1 = np.maximum(z1, 0.0)  # a1 = ReLU(z1)      activation, layer 1
    z2 = a1 @ p["W2"] + p["b2"]  # z2 = W2·a1 + b2    pre-activation, layer 2
    yhat = sigmoid(z2)  # ŷ = sigmoid(z2)      prediction
    # L = −[y·log ŷ + (1−y)·log(1−ŷ)] computed from the logit z2 (`losses.bce_with_logits`):
    # max(z2, 0) − y·z2 + log(1 + e^−|z2|), finite for any z2 (no log(0)).
    loss, _ = bce_with_logits(z2, y)
    return {"x": x, "y": y, "z1": z1, "a1": a1, "z2": z2, "yhat": yhat, "loss": loss}


def backward(params: dict, cache: dict) -> dict:
    """Backward pass, one line per equation of the text, right to left.

    Shapes: as in `forward`; every d<name> is ∂L/∂<name> with the shape of <name>.
    Returns the parameter gradients dW1, db1, dW2, db2 and every intermediate:
    dyhat = ∂L/∂ŷ and dyhat_dz2 = ∂ŷ/∂z2 (whose product simplifies to dz2 = (ŷ−y)/N),
    dz2, da1, da1_dz1 = ReLU'(z1), dz1.
    """
    p = _check_params(params)
    W2 = p["W2"]
    x, y, z1, a1, z2, yhat = _check_cache(cache, *p["W1"].shape)
    N = x.shape[0]
    one_minus_yhat = sigmoid(-z2)  # 1 − ŷ = σ(−z2), accurate even where ŷ rounds to 1
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # ŷ saturated: inf/NaN
        # ∂L/∂ŷ = (ŷ − y) / [ŷ·(1−ŷ)]             derivative of BCE wrt ŷ (÷N for the mean)
        # (computed as the equal −y/ŷ + (1−y)/(1−ŷ): exact also where ŷ rounds to 1)
        dyhat = (-y / yhat + (1 - y) / one_minus_yhat) / N
    dyhat_dz2 = yhat * one_minus_yhat  # ∂ŷ/∂z2 = ŷ·(1−ŷ)        derivative of sigmoid wrt z2
    dz2 = (yhat - y) / N  # ∂L/∂z2 = ∂L/∂ŷ · ∂ŷ/∂z2 = ŷ − y   simplified: error signal
    dW2 = a1.T @ dz2  # ∂L/∂W2 = ∂L/∂z2 · ∂z2/∂W2 = (ŷ−y) · a1ᵀ
    db2 = dz2.sum(axis=0)  # ∂L/∂b2 = ∂L/∂z2 = ŷ − y      (summed over the batch)
    da1 = dz2 @ W2.T  # ∂L/∂a1 = ∂L/∂z2 · ∂z2/∂a1 = (ŷ−y) · W2ᵀ
    da1_dz1 = (z1 > 0).astype(z1.dtype)  # ∂a1/∂z1 = ReLU'(z1) = 1 if z1>0 else 0
    dz1 = da1 * da1_dz1  # ∂L/∂z1 = ∂L/∂a1 · ∂a1/∂z1      element-wise
    dW1 = x.T @ dz1  # ∂L/∂W1 = ∂L/∂z1 · xᵀ
    db1 = dz1.sum(axis=0)  # ∂L/∂b1 = ∂L/∂z1                (summed over the batch)
    return {
        "dyhat": dyhat,
        "dyhat_dz2": dyhat_dz2,
        "dz2": dz2,
        "dW2": dW2,
        "db2": db2,
        "da1": da1,
        "da1_dz1": da1_dz1,
        "dz1": dz1,
        "dW1": dW1,
        "db1": db1,
    }


def _check_cache(cache: dict, D: int, H: int) -> tuple[np.ndarray, ...]:
    """The arrays of `forward`'s cache that backward reads, checked against each other."""
    keys = ("x", "y", "z1", "a1", "z2", "yhat")
    check_mapping("cache", cache, keys)
    x = check_nonempty("cache['x']", as_array("cache['x']", cache["x"], ndim=2))
    N = x.shape[0]
    check_same_shape("cache['x']", x, "params['W1'] (N, D)", np.empty((N, D)))
    shapes = {"y": (N, 1), "z1": (N, H), "a1": (N, H), "z2": (N, 1), "yhat": (N, 1)}
    out = [x]
    for k, shape in shapes.items():
        a = as_array(f"cache[{k!r}]", cache[k])
        check_same_shape(f"cache[{k!r}]", a, "forward's output for these params", np.empty(shape))
        out.append(a)
    return tuple(out)


def loss_and_grads(params: dict, x, y) -> tuple[float, dict]:
    """Loss and gradients in one call: (L, {"W1": ∂L/∂W1, "b1": …, "W2": …, "b2": …}).

    Shapes: x (N, D), y (N,) or (N, 1); the grads dict has the keys and shapes of `params`,
    ready for an optimiser's `step(params, grads, state)`.
    """
    cache = forward(params, x, y)
    g = backward(params, cache)
    return cache["loss"], {k: g["d" + k] for k in PARAM_KEYS}


def _product(values: list[float]) -> float:
    """Π values; inf·0 = NaN where ŷ saturates (∂L/∂ŷ = inf, ∂ŷ/∂z2 = 0): the chain's
    product then says nothing, while `end_to_end` stays finite (no RuntimeWarning)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.prod(values))


def chain_example(
    x: float = 1.5,
    y: float = 1.0,
    *,
    w1: float = 0.8,
    b1: float = -0.2,
    w2: float = -1.3,
    b2: float = 0.4,
) -> dict:
    """One scalar example of the network (D = H = N = 1): local × upstream along the chain.

    The chain x → z1 → a1 → z2 → ŷ → L has one edge per operation. Each edge carries its
    local derivative ∂dst/∂src; walking from L backwards, ∂L/∂src = ∂dst/∂src · ∂L/∂dst
    (local × upstream). Returns
      nodes:      {name: value} for x, z1, a1, z2, yhat, L
      edges:      [{"src", "dst", "local", "upstream" (∂L/∂dst), "grad" (∂L/∂src)}], x → L
      product:    the product of all the local derivatives, = ∂L/∂x
      end_to_end: ∂L/∂x from the closed form (σ(z2) − y)·w2·1[z1>0]·w1 of the whole
                  composite function, derived in one go instead of edge by edge
    """
    x, w1, b1, w2, b2 = (
        check_finite_number(k, v)
        for k, v in (("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))
    )
    y = check_choice("y", check_finite_number("y", y), (0.0, 1.0))
    params = {"W1": [[w1]], "b1": [b1], "W2": [[w2]], "b2": [b2]}
    c = forward(params, [[x]], [y])
    g = backward(params, c)
    z1, a1, z2, yhat = (float(c[k][0, 0]) for k in ("z1", "a1", "z2", "yhat"))
    nodes = {"x": float(x), "z1": z1, "a1": a1, "z2": z2, "yhat": yhat, "L": c["loss"]}
    local = {  # ∂dst/∂src on each edge, in forward order
        ("x", "z1"): float(w1),  # z1 = w1·x + b1
        ("z1", "a1"): float(g["da1_dz1"][0, 0]),  # a1 = ReLU(z1)
        ("a1", "z2"): float(w2),  # z2 = w2·a1 + b2
        ("z2", "yhat"): float(g["dyhat_dz2"][0, 0]),  # ŷ = σ(z2)
        ("yhat", "L"): float(g["dyhat"][0, 0]),  # L = BCE(ŷ, y)
    }
    edges, upstream = [], 1.0  # ∂L/∂L = 1 seeds the walk
    for (src, dst), d in reversed(local.items()):
        grad = d * upstream  # ∂L/∂src = ∂dst/∂src · ∂L/∂dst   (local × upstream)
        edges.append({"src": src, "dst": dst, "local": d, "upstream": upstream, "grad": grad})
        upstream = grad
    end_to_end = (yhat - float(y)) * float(w2) * float(z1 > 0) * float(w1)
    return {
        "nodes": nodes,
        "edges": edges[::-1],
        "product": _product(list(local.values())),
        "end_to_end": end_to_end,
    }
