"""What backpropagation costs, and the details that make it exact in practice.

Notebook 05 needs: the fused BCE-with-logits against the naive log(σ(z)) at large |z|;
the multiply-adds of a Dense net's forward and backward pass, and their measured times;
forward-mode differentiation (one tangent pass per parameter) against reverse mode (one
backward pass for all); a branching graph whose gradients add; and the best step h of a
central difference, (3ε|L| / |L‴|)^{1/3}, from the loss's third derivatives.
numpy only; nothing here draws.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from trainlib import twolayer
from trainlib.autodiff import Tensor
from trainlib.layers import mlp
from trainlib.losses import bce_with_logits
from trainlib.validation import as_array, check_int, check_positive

EPS = float(np.finfo(np.float64).eps)


def bce_naive_and_fused(z: float, y: float) -> dict[str, float]:
    """BCE of one logit z and label y, computed naively through ŷ = σ(z) and fused.

    Naive: ŷ = 1/(1 + e^(−z)), L = −[y·log ŷ + (1−y)·log(1−ŷ)], ∂L/∂z = ∂L/∂ŷ · ŷ(1−ŷ) —
    for large |z| ŷ rounds to exactly 0 or 1, log gives −∞ and ∞·0 gives nan (computed
    under np.errstate, so no warning is raised; the inf and nan are the answer).
    Fused (`losses.bce_with_logits`): max(z, 0) − y·z + log(1 + e^(−|z|)), ∂L/∂z = ŷ − y.
    Also returns the naive route's two factors, `dyhat` = ∂L/∂ŷ and `dyhat_dz2` = ŷ(1−ŷ).
    """
    z, y = float(as_array("z", z)), float(as_array("y", y))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        yhat = 1.0 / (1.0 + np.exp(-z))
        naive = -(y * np.log(yhat) + (1.0 - y) * np.log(1.0 - yhat))
        dyhat = (yhat - y) / (yhat * (1.0 - yhat))
        naive_grad = dyhat * yhat * (1.0 - yhat)
    fused, grad = bce_with_logits(np.array([z]), np.array([y]))
    return {
        "yhat": float(yhat),
        "naive": float(naive),
        "fused": float(fused),
        "dyhat": float(dyhat),
        "dyhat_dz2": float(yhat * (1.0 - yhat)),
        "naive_grad": float(naive_grad),
        "fused_grad": float(grad[0]),
    }


def dense_flops(sizes: Sequence[int], batch: int) -> tuple[int, int]:
    """Multiply-adds of the matrix products of a Dense net, forward and backward.

    sizes = (d_in, H₁, …, d_out). Forward: one product x·W per layer, batch·d·d′ each.
    Backward: ∂L/∂W = xᵀ·dout for every layer and ∂L/∂x = dout·Wᵀ for every layer but the
    first (training never needs the gradient of the input data). Elementwise work (bias, ReLU) is
    ignored: it is O(batch·width), not O(batch·width²).
    """
    sizes = [check_int("sizes", int(s), minimum=1) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least (d_in, d_out), got {sizes}")
    batch = check_int("batch", batch, minimum=1)
    per_layer = [batch * a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    forward = sum(per_layer)
    return forward, 2 * forward - per_layer[0]


def time_forward_backward(
    sizes: Sequence[int], batch: int, *, repeats: int = 9, seed: int = 0
) -> tuple[float, float]:
    """Median CPU time (s) of a forward and of a backward pass of a ReLU MLP (`layers.mlp`).

    The backward pass skips the input's gradient (need_input_grad=False), as in training.
    CPU time of this process (`time.process_time`), not wall time: on a busy machine the wall
    clock also counts the time other programs run. Still machine-dependent; the ratio of the
    two is what the notebook's tests read, within a wide bound.
    """
    repeats = check_int("repeats", repeats, minimum=1)
    rng = np.random.default_rng(seed)
    net = mlp(list(sizes), "relu", rng=rng)
    x = rng.standard_normal((check_int("batch", batch, minimum=1), sizes[0]))
    dout = rng.standard_normal((batch, sizes[-1]))
    fwd, bwd = [], []
    for _ in range(repeats + 1):  # the first round warms the caches and is dropped
        t0 = time.process_time()
        net.forward(x)
        t1 = time.process_time()
        net.backward(dout, need_input_grad=False)
        t2 = time.process_time()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    return float(np.median(fwd[1:])), float(np.median(bwd[1:]))


def forward_mode_grads(params: dict, x, y) -> tuple[dict[str, np.ndarray], int]:
    """∂L/∂θ of the two-layer net by forward mode: one tangent pass per parameter entry.

    A tangent pass carries (value, ∂value/∂θᵢ) through z1 = xW1 + b1, a1 = ReLU(z1),
    z2 = a1W2 + b2 and the mean BCE, whose tangent is mean((ŷ − y)·∂z2/∂θᵢ).
    Returns the gradients (shapes of `params`) and the number of passes (= parameter count).
    """
    c = twolayer.forward(params, x, y)
    X, Y, z1, a1, yhat = c["x"], c["y"], c["z1"], c["a1"], c["yhat"]
    W2 = np.asarray(params["W2"], dtype=float)
    mask = z1 > 0
    grads, passes = {}, 0
    for k in twolayer.PARAM_KEYS:
        g = np.zeros_like(np.asarray(params[k], dtype=float))
        for i in np.ndindex(g.shape):
            t = {key: np.zeros_like(np.asarray(params[key], dtype=float)) for key in params}
            t[k][i] = 1.0  # the direction eᵢ
            dz1 = X @ t["W1"] + t["b1"]
            dz2 = (dz1 * mask) @ W2 + a1 @ t["W2"] + t["b2"]
            g[i] = np.mean((yhat - Y) * dz2)
            passes += 1
        grads[k] = g
    return grads, passes


def time_modes(params: dict, x, y, *, repeats: int = 3) -> tuple[float, float]:
    """Median CPU time (s) of all gradients by forward mode and by reverse mode (manual)."""
    repeats = check_int("repeats", repeats, minimum=1)
    fwd, rev = [], []
    for _ in range(repeats):
        t0 = time.process_time()
        forward_mode_grads(params, x, y)
        t1 = time.process_time()
        twolayer.loss_and_grads(params, x, y)
        t2 = time.process_time()
        fwd.append(t1 - t0)
        rev.append(t2 - t1)
    return float(np.median(fwd)), float(np.median(rev))


def branching(x: float, y: float) -> dict[str, Tensor]:
    """f = x·y + x built from Tensors: x is used twice, so ∂f/∂x sums two paths (y + 1).

    Returns {"x", "y", "p", "f"} (p = x·y) after `f.backward()`.
    """
    t = {"x": Tensor(x, name="x"), "y": Tensor(y, name="y")}
    t["p"] = t["x"] * t["y"]
    t["p"].name = "p"
    t["f"] = t["p"] + t["x"]
    t["f"].name = "f"
    t["f"].backward()
    return t


def best_steps(params: dict, x, y, *, h3: float = 1e-2) -> tuple[float, np.ndarray]:
    """The step h* = (3ε|L| / |L‴ᵢ|)^{1/3} minimising rounding + truncation, per parameter.

    Central differences err by ≈ ε|L|/h (rounding) + h²|L‴ᵢ|/6 (truncation), smallest at h*.
    L‴ᵢ, the third derivative along parameter i, is estimated with the five-point stencil
    [L(+2s) − 2L(+s) + 2L(−s) − L(−2s)] / 2s³ at s = h3. Returns |L| and h* (P,), inf where
    L‴ᵢ = 0 (a parameter of a switched-off unit, where the loss is flat).
    """
    h3 = check_positive("h3", h3)
    p = {k: np.array(params[k], dtype=float) for k in twolayer.PARAM_KEYS}
    loss = float(twolayer.forward(p, x, y)["loss"])
    out = []
    for k in twolayer.PARAM_KEYS:
        for i in np.ndindex(p[k].shape):
            old, vals = p[k][i], []
            for s in (2, 1, -1, -2):
                p[k][i] = old + s * h3
                vals.append(float(twolayer.forward(p, x, y)["loss"]))
            p[k][i] = old
            third = abs(vals[0] - 2 * vals[1] + 2 * vals[2] - vals[3]) / (2 * h3**3)
            out.append((3 * EPS * abs(loss) / third) ** (1 / 3) if third > 0 else np.inf)
    return loss, np.array(out)


def mode_costs(sizes: Sequence[int], batch: int) -> dict[str, int]:
    """Multiply-adds of all n gradients by forward mode and by reverse mode, for a Dense net.

    A tangent pass carries ∂(x·W)/∂θᵢ = x·∂W/∂θᵢ + ∂x/∂θᵢ·W through every layer — two products
    per layer, one in the first (the data does not depend on θ) — the same count as a backward
    pass; forward mode needs one per parameter, after one ordinary forward pass. Reverse mode:
    one forward and one backward pass. Returns {"params", "forward_mode", "reverse_mode"}.
    """
    fwd, bwd = dense_flops(sizes, batch)
    n = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))  # weights + biases
    return {"params": n, "forward_mode": fwd + n * bwd, "reverse_mode": fwd + bwd}
