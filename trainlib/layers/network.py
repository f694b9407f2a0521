"""Whole networks: build an MLP with `mlp`; read and write a model's arrays with `buffers`
and `load_params`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from trainlib.layers.activations import ACTIVATIONS
from trainlib.layers.base import Layer
from trainlib.layers.containers import Residual, Sequential
from trainlib.layers.dense import Dense
from trainlib.layers.dropout import Dropout
from trainlib.layers.normalisation import BatchNorm
from trainlib.validation import (
    ArgumentTypeError,
    as_array,
    check_bool,
    check_choice,
    check_has,
    check_int,
    check_mapping,
    check_range,
    check_rng,
    check_same_shape,
    describe,
)

__all__ = ["buffers", "load_params", "mlp"]


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
    if not isinstance(sizes, list | tuple | np.ndarray):
        raise ArgumentTypeError(f"sizes: expected a list of layer widths, got {describe(sizes)}")
    sizes = list(sizes)
    batchnorm = check_bool("batchnorm", batchnorm)
    residual = check_bool("residual", residual)
    check_rng("rng", rng)
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
    check_has("model", model, ("params",), "a layer or model")
    if not isinstance(prefix, str):
        raise ArgumentTypeError(f"prefix: expected a str, got {describe(prefix)}")
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
    check_has("model", model, ("params",), "a layer or model")
    check_mapping("values", values)
    own = model.params
    if not own.keys() >= values.keys():  # buffers only when asked: the walk costs a step ~1%
        own = {**own, **buffers(model)}
    for k, v in values.items():
        if k not in own:
            raise ValueError(f"values: expected keys of the model's arrays, got {k!r}")
        v = as_array(f"values[{k!r}]", v)
        try:
            own[k][...] = v
        except ValueError:
            check_same_shape(f"values[{k!r}]", v, f"the model's {k!r}", own[k])
