"""Layers: a network is just a list of layers, each knowing its forward map and its backward.

What a layer is. Every layer has `params` and `grads`: dicts of arrays with the same keys
(empty for a layer without parameters, such as ReLU). `forward(x, train=True) -> out`
computes the layer's output and keeps in `self.cache` what the backward pass will need
(Dense keeps its input x, ReLU its output). `backward(dout) -> dx` takes ∂L/∂out, fills
`self.grads` (∂L/∂θ for each parameter θ) and returns ∂L/∂x for the layer before it. The
arrays in `params` stay the same objects for the life of a layer, so an optimiser may update
them in place (`p[...] = new`); the layers here also write their gradients in place.

Read the modules in this order, one idea each:

    base.py           `Layer`, the contract above, and the checks every layer shares
    dense.py          `Dense`: y = x W + b
    activations.py    `ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh` and `ACTIVATIONS` (name → class)
    normalisation.py  `BatchNorm`: standardise each feature over the batch; `LayerNorm`:
                      each example over its features
    dropout.py        `Dropout`: zero random activations while training
    containers.py     `Residual` (y = x + block(x)) and `Sequential` (layers in order, with
                      gradient checkpointing; `stored_bytes()` measures what backprop holds)
    network.py        `mlp` builds a network; `buffers` and `load_params` read and write its
                      arrays

Initialisers live in `trainlib.init` (`INITIALISERS` is re-exported here for `Dense(init=…)`).
"""

from trainlib.init import INITIALISERS
from trainlib.layers.activations import ACTIVATIONS, LeakyReLU, ReLU, Sigmoid, Tanh
from trainlib.layers.base import Layer
from trainlib.layers.containers import Residual, Sequential
from trainlib.layers.dense import Dense
from trainlib.layers.dropout import Dropout
from trainlib.layers.network import buffers, load_params, mlp
from trainlib.layers.normalisation import BatchNorm, LayerNorm

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "BatchNorm",
    "Dense",
    "Dropout",
    "Layer",
    "LayerNorm",
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
