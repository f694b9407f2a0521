"""Regularising layers of notebook 09: dropout (C41) and batch normalisation (C42).

- dropout (`trainlib.layers.Dropout`) in train and eval mode: `dropout_samples`,
  `dropout_average`;
- batch normalisation: `preactivations` (per-layer pre-activations with and without BN),
  `clipped_histogram` and `spread_by_layer` (what the figure shows of them),
  `batch_dependence` (the batch noise behind BN's mild regularising effect).

numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlib.init import he_normal
from trainlib.layers import BatchNorm, Dense, Dropout, mlp
from trainlib.validation import as_array, check_int, check_positive

__all__ = [
    "BN_DEPTH",
    "DROPOUT_SAMPLES",
    "DROPOUT_UNITS",
    "HIST_EDGES",
    "HIST_LIMIT",
    "batch_dependence",
    "clipped_histogram",
    "dropout_average",
    "dropout_samples",
    "preactivations",
    "spread_by_layer",
]

# --- dropout ----------------------------------------------------------------------------------

#: Forward passes averaged in the notebook's Monte-Carlo estimate of E[dropout(h)].
DROPOUT_SAMPLES = 2000
#: The activations of one hidden layer for one input (the dropout figure's 10 units), fixed.
DROPOUT_UNITS = np.round(np.random.default_rng(3).uniform(0.3, 2.0, 10), 2)


def dropout_samples(
    h: Any, p: float, n: int, *, rng: np.random.Generator, inverted: bool = True
) -> np.ndarray:
    """n independent train-mode passes of `trainlib.layers.Dropout(p)` over the same h.

    Shapes: h (d,) → (n, d); row k is h·mₖ/(1 − p) with mₖ ~ Bernoulli(1 − p) per entry,
    so each column has mean h (inverted dropout). `inverted=False` leaves the survivors
    unscaled, h·mₖ, whose mean is (1 − p)·h: the bias the 1/(1 − p) factor removes.
    """
    h = as_array("h", h, ndim=1)
    n = check_int("n", n, minimum=1)
    layer = Dropout(p, rng=rng)
    out = layer.forward(np.broadcast_to(h, (n, len(h))), train=True)
    return out if inverted else out * (1.0 - layer.p)


def dropout_average(
    h: Any, p: float, n: int = DROPOUT_SAMPLES, *, rng: np.random.Generator, inverted: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The mean of n `dropout_samples` passes over h and its standard error, per unit.

    Shapes: h (d,) → mean (d,), se (d,) with se = std/√n.
    """
    many = dropout_samples(h, p, n, rng=rng, inverted=inverted)
    return many.mean(axis=0), many.std(axis=0) / np.sqrt(len(many))


# --- batch normalisation ------------------------------------------------------------------------

#: The batch-norm figure's network depth and histogram bins: 40 bins over [−4, 4].
BN_DEPTH = 6
HIST_LIMIT = 4.0
HIST_EDGES = np.linspace(-HIST_LIMIT, HIST_LIMIT, 41)


def preactivations(
    batchnorm: bool,
    scale: float = 1.0,
    *,
    depth: int = 6,
    width: int = 32,
    batch: int = 64,
    seed: int = 0,
) -> list[np.ndarray]:
    """The pre-activations of each hidden layer of a deep ReLU MLP on one batch (train mode).

    Shapes: returns `depth` arrays (batch, width).
    Network: x (batch, 16) → [Dense → (BatchNorm) → ReLU] × depth, weights He-normal × scale
    (the same weights with and without BN; BN starts at gamma = 1, beta = 0). Without BN a
    layer's pre-activation is z = h W + b; with BN it is BN(h W), what the ReLU receives.
    The inputs are deliberately off-centre and wide, x ~ N(1, 2²), like unnormalised data.
    """
    depth = check_int("depth", depth, minimum=1)
    scale = check_positive("scale", scale)
    rng = np.random.default_rng(seed)
    x = 1.0 + 2.0 * rng.standard_normal((check_int("batch", batch, minimum=2), 16))

    def init(fan_in: int, fan_out: int, *, rng: np.random.Generator) -> np.ndarray:
        return scale * he_normal(fan_in, fan_out, rng=rng)

    net = mlp(
        [16, *[width] * depth, 1],
        rng=np.random.default_rng(seed + 1),
        init=init,
        batchnorm=bool(batchnorm),
    )
    out, h = [], x
    for layer in net.layers[:-1]:  # the last Dense (the output) is not a hidden layer
        h = layer.forward(h, train=True)
        if isinstance(layer, BatchNorm) or (isinstance(layer, Dense) and not batchnorm):
            out.append(h)
    return out


def batch_dependence(
    n_batches: int = 200, batch: int = 32, features: int = 8, *, seed: int = 0
) -> np.ndarray:
    """How much one example's BatchNorm output moves when its batch-mates change.

    Shapes: returns (n_batches, features): BN(train mode) output of the same example x₀
    in n_batches batches whose other batch − 1 rows are fresh N(0, 1) draws. Without the
    batch, x₀ would map to one fixed value; the spread over rows is the noise BN injects.
    """
    n_batches = check_int("n_batches", n_batches, minimum=1)
    batch = check_int("batch", batch, minimum=2)
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(features)
    bn = BatchNorm(features)
    rows = []
    for _ in range(n_batches):
        xb = np.vstack([x0, rng.standard_normal((batch - 1, features))])
        rows.append(bn.forward(xb, train=True)[0])
    return np.array(rows)


def clipped_histogram(z: Any, edges: np.ndarray = HIST_EDGES) -> np.ndarray:
    """Density histogram of every entry of z, values outside the edges counted in the end bins.

    Shapes: z any shape, edges (B + 1,) → (B,).
    """
    z = np.asarray(z, dtype=float).ravel()
    clipped = np.clip(z, edges[0] + 1e-9, edges[-1] - 1e-9)
    return np.histogram(clipped, edges, density=True)[0]


def spread_by_layer(zs: list[np.ndarray]) -> np.ndarray:
    """Per layer, the mean over features of each feature's std over the batch.

    Shapes: zs: L arrays (batch, width) → (L,).
    """
    return np.array([z.std(0).mean() for z in zs])
