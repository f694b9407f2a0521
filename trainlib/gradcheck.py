"""Gradient checking: compare an analytic gradient with central differences.

For an output y = f(x) and a random upstream gradient g = ∂L/∂y, the analytic
∂L/∂x = backward(g) must match the numerical

    ∂L/∂xᵢ ≈ [ Σ g·f(x + h·eᵢ) − Σ g·f(x − h·eᵢ) ] / 2h,

whose error is O(h²) (truncation) + O(ε_machine·|f| / h) (rounding). With float64 and
h = 1e-6 the absolute error is around 1e-10; measured *relative* to a tiny gradient entry
(1e-3 or less, common for mean-reduced losses) it can approach 1e-7, so checks of such
losses may pick h = 1e-5 and say why.
A random g (never all ones) matters: with g = 1 some wrong backward passes still agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from trainlib.validation import (
    as_array,
    check_bool,
    check_callable,
    check_has,
    check_mapping,
    check_nonempty,
    check_positive,
    check_rng,
)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative error max |a − b| / max(|a| + |b|, 1e-12), elementwise."""
    a = as_array("a", a).astype(np.float64, copy=False)
    b = as_array("b", b).astype(np.float64, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} to match a, got {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def numerical_gradient(
    f: Callable[[], np.ndarray], x: np.ndarray, dout: np.ndarray | float, h: float = 1e-6
) -> np.ndarray:
    """Central-difference ∂(Σ dout·f())/∂x, perturbing `x` in place (restored after).

    `f` takes no arguments and reads `x` itself, so the same routine checks inputs and
    parameters of a layer alike.
    """
    check_callable("f", f)
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise ValueError(
            f"x: expected a float numpy array (perturbed in place), got {type(x).__name__} "
            f"with dtype {getattr(x, 'dtype', None)}"
        )
    as_array("x", x)  # finite: a difference quotient at NaN/inf means nothing
    check_nonempty("x", x)
    dout = as_array("dout", dout)
    h = check_positive("h", h)
    out_shape = np.shape(f())
    if dout.ndim and dout.shape != out_shape:
        raise ValueError(
            f"dout: expected a scalar or the shape {out_shape} of f()'s output, got {dout.shape}"
        )
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        up = np.array(f(), dtype=np.float64)
        x[i] = old - h
        down = np.array(f(), dtype=np.float64)
        x[i] = old
        # Difference first, then weight: outputs that x[i] does not touch cancel exactly,
        # so rounding comes only from the entries that actually move.
        grad[i] = np.sum(dout * (up - down)) / (2 * h)
    return grad


def gradcheck(
    f: Callable[[], np.ndarray],
    inputs: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    dout: np.ndarray | float,
    h: float = 1e-6,
) -> dict[str, float]:
    """Relative error between `analytic[k]` and the numerical gradient for each `inputs[k]`."""
    check_mapping("inputs", inputs)
    check_mapping("analytic", analytic, tuple(inputs))
    return {k: rel_error(analytic[k], numerical_gradient(f, x, dout, h)) for k, x in inputs.items()}


def check_loss(
    loss: Callable[..., tuple[float, np.ndarray]],
    yhat: np.ndarray,
    *args,
    rng: np.random.Generator,
    h: float = 1e-6,
    **kwargs,
) -> float:
    """One-call check of a loss `loss(yhat, *args, **kw) -> (value, ∂L/∂yhat)`.

    The upstream gradient is a random scalar, so a gradient off by a constant factor fails.
    """
    check_rng("rng", rng)
    check_callable("loss", loss)
    yhat = np.array(as_array("yhat", yhat), dtype=np.float64)
    dout = float(rng.uniform(0.5, 2.0)) * rng.choice([-1.0, 1.0])
    _, grad = loss(yhat, *args, **kwargs)
    errs = gradcheck(
        lambda: np.asarray(loss(yhat, *args, **kwargs)[0]),
        {"yhat": yhat},
        {"yhat": dout * grad},
        dout,
        h,
    )
    return errs["yhat"]


def check_layer(
    layer, x: np.ndarray, *, rng: np.random.Generator, train: bool = True, h: float = 1e-6
) -> dict[str, float]:
    """One-call check of a layer: relative error of ∂L/∂x and of every ∂L/∂param.

    The layer must be deterministic between calls (a Dropout layer reuses its mask when
    constructed for checking; see `trainlib.layers.Dropout`).
    """
    check_rng("rng", rng)
    check_has("layer", layer, ("forward", "backward", "params", "grads"), "a layer")
    x = np.array(check_nonempty("x", as_array("x", x)), dtype=np.float64)
    train = check_bool("train", train)
    out = layer.forward(x, train=train)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    inputs = {"x": x, **layer.params}
    return gradcheck(lambda: layer.forward(x, train=train), inputs, analytic, dout, h)
