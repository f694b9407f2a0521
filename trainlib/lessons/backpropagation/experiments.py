"""Looking inside backpropagation: every intermediate, every gradient checked, autodiff beside it.

Notebook 05 opens the text's two-layer network (`trainlib.twolayer`) and needs a few tools
around it: a printable table of the intermediates with their shapes, a gradient check of
every gradient the backward pass returns (parameters, intermediates and local derivatives),
the same network and the same scalar chain built with the autodiff engine
(`trainlib.autodiff`), and the error of central differences as a function of the step h.
numpy only; nothing here draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from trainlib import twolayer
from trainlib.autodiff import Tensor
from trainlib.data import moons
from trainlib.gradcheck import numerical_gradient, rel_error
from trainlib.losses import bce, bce_with_logits, sigmoid
from trainlib.validation import as_array, check_int, check_positive

#: What each name of `twolayer.forward` / `twolayer.backward` stands for (rows of the table).
MEANINGS: dict[str, str] = {
    "x": "input batch",
    "W1": "weights, layer 1",
    "b1": "bias, layer 1",
    "z1": "x·W1 + b1 (pre-activation 1)",
    "a1": "ReLU(z1)",
    "W2": "weights, layer 2",
    "b2": "bias, layer 2",
    "z2": "a1·W2 + b2 (logit)",
    "yhat": "σ(z2), prediction",
    "y": "label in {0, 1}",
    "loss": "mean BCE",
    "dyhat": "∂L/∂ŷ = (ŷ−y)/(N ŷ(1−ŷ))",
    "dyhat_dz2": "∂ŷ/∂z2 = ŷ(1−ŷ) (local)",
    "dz2": "∂L/∂z2 = (ŷ−y)/N",
    "dW2": "∂L/∂W2 = a1ᵀ·dz2",
    "db2": "∂L/∂b2 = Σ dz2",
    "da1": "∂L/∂a1 = dz2·W2ᵀ",
    "da1_dz1": "∂a1/∂z1 = 1[z1>0] (local)",
    "dz1": "∂L/∂z1 = da1 ⊙ 1[z1>0]",
    "dW1": "∂L/∂W1 = xᵀ·dz1",
    "db1": "∂L/∂b1 = Σ dz1",
}

PARAM_GRADS = ("dW1", "db1", "dW2", "db2")  # checked through the whole forward pass
TAIL_GRADS = ("dyhat", "dz2", "da1", "dz1")  # checked through the rest of the net from there
LOCAL_GRADS = ("dyhat_dz2", "da1_dz1")  # elementwise local derivatives

# The scalar chain of `twolayer.chain_example` (C24): the parameters that stay fixed while
# the figure's sliders move x and w1.
CHAIN_B1, CHAIN_W2, CHAIN_B2 = -0.2, -1.3, 0.4


def example_problem(
    *, rng: np.random.Generator, N: int = 6, D: int = 2, H: int = 4
) -> tuple[dict, np.ndarray, np.ndarray]:
    """A small batch of the two-moons data and a He-initialised net with small random biases.

    Shapes: returns params (W1 (D, H), b1 (H,), W2 (H, 1), b2 (1,)), x (N, D), y (N,).
    D > 2 appends standard-normal feature columns to the two moons coordinates.
    Random (not zero) biases make ∂L/∂b1 and ∂L/∂b2 worth checking.
    """
    N = check_int("N", N, minimum=1)
    D = check_int("D", D, minimum=1)
    H = check_int("H", H, minimum=1)
    X, y = moons(N, rng=rng, noise=0.1)
    perm = rng.permutation(N)  # mix the classes, so the rows are not sorted by label
    X, y = X[perm], y[perm]
    x = np.column_stack([X, rng.standard_normal((N, max(D - 2, 0)))])[:, :D]
    params = twolayer.init_params(D, H, rng=rng)
    params["b1"] = 0.1 * rng.standard_normal(H)
    params["b2"] = 0.1 * rng.standard_normal(1)
    return params, x, y


def summary_table(arrays: Mapping[str, object], *, digits: int = 4) -> str:
    """A fixed-width text table: name, meaning, shape, min, mean, max of each array.

    Shapes: each value any shape (a float is shape ()); numbers keep `digits` significant
    digits so that the printed table is the same on every machine.
    """
    digits = check_int("digits", digits, minimum=1)
    rows = [("name", "meaning", "shape", "min", "mean", "max")]
    for name, value in arrays.items():
        a = as_array(name, value, finite=False)
        stats = (a.min(), a.mean(), a.max()) if a.size else (np.nan,) * 3
        rows.append(
            (
                name,
                MEANINGS.get(name, ""),
                str(tuple(a.shape)),
                *(f"{float(s) + 0.0:.{digits}g}" for s in stats),  # + 0.0: no "-0"
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for k, r in enumerate(rows):
        left = [r[i].ljust(widths[i]) for i in range(3)]
        right = [r[i].rjust(widths[i]) for i in range(3, 6)]
        lines.append("  ".join(left + right).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def error_problem() -> tuple[dict, np.ndarray, np.ndarray]:
    """The notebook's two-layer problem (seed 0): 6 two-moons points, 2 → 4 → 1 network."""
    return example_problem(rng=np.random.default_rng(0))


def check_gradients(
    params: dict,
    x,
    y,
    grads: Mapping[str, np.ndarray],
    *,
    rng: np.random.Generator,
    h: float = 1e-5,
) -> dict[str, float]:
    """Relative error of each given gradient of the two-layer net against central differences.

    Shapes: x (N, D), y (N,) or (N, 1); `grads` maps names of `twolayer.backward`'s output
    to arrays of that shape — any subset of dW1, db1, dW2, db2 (checked through the whole
    forward pass), dyhat, dz2, da1, dz1 (through the rest of the network from that point),
    dyhat_dz2, da1_dz1 (elementwise local derivatives). A student's own ∂L/∂W1 goes in as
    {"dW1": my_dW1}.
    The upstream gradient is random: an array for the local derivatives (so a wrong entry
    cannot hide behind a uniform weighting); a scalar for the loss, where it changes nothing.
    h = 1e-5 rather than 1e-6: the mean over the batch makes gradient entries small, so
    rounding (∝ 1/h) dominates the relative error (see `trainlib.gradcheck`). Central
    differences are meaningless across ReLU's kink: keep every |z1| well above h·|x|.
    """
    h = check_positive("h", h)
    known = PARAM_GRADS + TAIL_GRADS + LOCAL_GRADS
    for k in grads:
        if k not in known:
            raise ValueError(f"grads: expected keys among {known}, got {k!r}")
    cache = twolayer.forward(params, x, y)
    p = {k: as_array(f"params['{k}']", params[k]).copy() for k in twolayer.PARAM_KEYS}
    x, Y = cache["x"], cache["y"]
    z1, a1, z2, yhat = (cache[k].copy() for k in ("z1", "a1", "z2", "yhat"))
    W2, b2 = p["W2"], p["b2"]
    tails = {  # the loss as a function of one intermediate, the rest held fixed
        "dyhat": (yhat, lambda: bce(yhat, Y)[0]),
        "dz2": (z2, lambda: bce_with_logits(z2, Y)[0]),
        "da1": (a1, lambda: bce_with_logits(a1 @ W2 + b2, Y)[0]),
        "dz1": (z1, lambda: bce_with_logits(np.maximum(z1, 0.0) @ W2 + b2, Y)[0]),
    }
    locals_ = {"dyhat_dz2": (z2, lambda: sigmoid(z2)), "da1_dz1": (z1, lambda: np.maximum(z1, 0))}
    errors = {}
    for name, g in grads.items():
        g = as_array(f"grads['{name}']", g, finite=False)
        if name in PARAM_GRADS:
            target = p[name[1:]]
            f = lambda: np.asarray(twolayer.forward(p, x, Y)["loss"])  # noqa: E731
        elif name in TAIL_GRADS:
            target, tail = tails[name]
            f = lambda tail=tail: np.asarray(tail())  # noqa: E731
        else:
            target, f = locals_[name]
        if g.shape != target.shape:
            raise ValueError(f"grads['{name}']: expected shape {target.shape}, got {g.shape}")
        if name in LOCAL_GRADS:  # elementwise: ∂L/∂in = local ⊙ upstream, upstream random
            dout = rng.standard_normal(target.shape)
        else:  # a scalar loss: a scalar upstream changes nothing (the relative error is
            # scale-free); kept for symmetry with the local derivatives' random upstream
            dout = float(rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0]))
        errors[name] = rel_error(dout * g, numerical_gradient(f, target, dout, h))
    return errors


def autodiff_twolayer(params: dict, x, y) -> tuple[Tensor, dict]:
    """The same network built from `Tensor` ops; the forward pass records the graph.

    Shapes: as `twolayer.forward`; returns the loss Tensor (shape ()) after `backward()`,
    and {"W1": ∂L/∂W1, "b1": …, "W2": …, "b2": …} read from the leaves' `.grad`.
    The loss is written as the text writes it: mean −[y·log ŷ + (1−y)·log(1−ŷ)].
    """
    cache = twolayer.forward(params, x, y)  # validates, and gives y as a column
    W1, b1, W2, b2 = (Tensor(params[k], name=k) for k in twolayer.PARAM_KEYS)
    Y = cache["y"]
    z1 = Tensor(cache["x"], name="x") @ W1 + b1
    yhat = ((z1.relu() @ W2) + b2).sigmoid()
    loss = -(Y * yhat.log() + (1.0 - Y) * (1.0 - yhat).log()).mean()
    loss.backward()
    return loss, {k: t.grad for k, t in zip(twolayer.PARAM_KEYS, (W1, b1, W2, b2), strict=True)}


def autodiff_chain(
    x: float = 1.5,
    y: float = 1.0,
    *,
    w1: float = 0.8,
    b1: float = CHAIN_B1,
    w2: float = CHAIN_W2,
    b2: float = CHAIN_B2,
) -> dict[str, Tensor]:
    """`twolayer.chain_example`'s scalar chain x → z1 → a1 → z2 → ŷ → L, built from Tensors.

    Returns {"x", "w1", "b1", "w2", "b2", "z1", "a1", "z2", "yhat", "L"}: named Tensors
    whose `.grad` holds ∂L/∂· after the `L.backward()` done here.
    """
    t = {
        k: Tensor(v, name=k) for k, v in (("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))
    }
    z1 = t["w1"] * t["x"] + t["b1"]
    a1 = z1.relu()
    z2 = t["w2"] * a1 + t["b2"]
    yhat = z2.sigmoid()
    L = -(y * yhat.log() + (1.0 - y) * (1.0 - yhat).log())
    for name, node in (("z1", z1), ("a1", a1), ("z2", z2), ("yhat", yhat), ("L", L)):
        node.name = name
        t[name] = node
    L.backward()
    return t


def chain_loss(xs, y: float, *, w1: float, b1: float, w2: float, b2: float) -> np.ndarray:
    """L(x) of `chain_example` for many inputs x at once (the curve whose slope is ∂L/∂x).

    Shapes: xs (M,) → (M,).  L = BCE(σ(z2), y) (`losses.bce_with_logits`, one term per x),
    z2 = w2·ReLU(w1·x + b1) + b2.
    """
    xs = as_array("xs", xs)
    z2 = w2 * np.maximum(w1 * xs + b1, 0.0) + b2
    return bce_with_logits(z2, np.full_like(z2, y), reduction="none")[0]


def fd_gradients(params: dict, x, y, h: float) -> dict[str, np.ndarray]:
    """Central-difference ∂L/∂param for every parameter: [L(θ + h·eᵢ) − L(θ − h·eᵢ)] / 2h.

    Shapes: as `twolayer.forward`; returns arrays with the shapes of `params`.
    """
    h = check_positive("h", h)
    p = {k: as_array(f"params['{k}']", params[k]).copy() for k in twolayer.PARAM_KEYS}
    f = lambda: np.asarray(twolayer.forward(p, x, y)["loss"])  # noqa: E731
    return {k: numerical_gradient(f, p[k], 1.0, h) for k in twolayer.PARAM_KEYS}


def entry_errors(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> np.ndarray:
    """Relative error |a − b| / max(|a| + |b|, 1e-12) of every entry, parameters in order.

    Shapes: a[k], b[k] alike for k in W1, b1, W2, b2; returns (P,), P the parameter count.
    The largest entry is `trainlib.gradcheck.rel_error` of the whole gradient.
    """
    fa = np.concatenate([np.ravel(a[k]) for k in twolayer.PARAM_KEYS])
    fb = np.concatenate([np.ravel(b[k]) for k in twolayer.PARAM_KEYS])
    return np.abs(fa - fb) / np.maximum(np.abs(fa) + np.abs(fb), 1e-12)


def fd_error_curve(params: dict, x, y, hs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per-entry relative error of central differences against the exact gradient, per step h.

    Shapes: hs (K,); returns (errors (K, P), autodiff errors (P,)), P the parameter count.
    The exact gradient is `twolayer.backward`'s; its autodiff twin's error is the same for
    every h. Small h: rounding (≈ ε·|L| / h) dominates; large h: truncation (≈ h²·|L‴|/6).
    """
    _, manual = twolayer.loss_and_grads(params, x, y)
    _, auto = autodiff_twolayer(params, x, y)
    curve = np.array([entry_errors(fd_gradients(params, x, y, h), manual) for h in hs])
    return curve, entry_errors(auto, manual)
