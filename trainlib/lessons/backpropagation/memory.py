"""The forward pass's memory bill, and what gradient checkpointing saves (notebook 05).

The forward pass keeps activations for backprop: `forward_bytes` measures them on a real
network and `forward_bytes_formula` says what they should be; `checkpoint_sweep` measures
what gradient checkpointing saves in peak memory and what it costs in recomputed forwards.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from trainlib.layers import mlp
from trainlib.validation import check_int

__all__ = [
    "CheckpointSweep",
    "checkpoint_curves",
    "checkpoint_sweep",
    "forward_bytes",
    "forward_bytes_formula",
    "forward_bytes_panel",
]


def _zeros_init(fan_in: int, fan_out: int, *, rng: np.random.Generator) -> np.ndarray:
    return np.zeros((fan_in, fan_out))


def forward_bytes(
    depth: int, batch: int, width: int, *, d_in: int = 4, d_out: int = 1, seed: int = 0
) -> int:
    """Bytes a ReLU MLP holds for backprop after one training forward pass (measured).

    Builds mlp([d_in] + [width]·depth + [d_out]), runs forward on a (batch, d_in) float64
    input and returns `Sequential.stored_bytes()` — the distinct arrays the layers cache.
    The weights are zeros: the bill depends on the shapes only, and zeros are fast to make.
    """
    depth = check_int("depth", depth, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    width = check_int("width", width, minimum=1)
    rng = np.random.default_rng(seed)
    net = mlp([d_in] + [width] * depth + [d_out], "relu", rng=rng, init=_zeros_init)
    net.forward(rng.standard_normal((batch, d_in)))
    return net.stored_bytes()


def forward_bytes_formula(depth: int, batch: int, width: int, *, d_in: int = 4) -> int:
    """What `forward_bytes` should measure: 8·N·(d_in + L·H) bytes (float64).

    The input x (N × d_in) and each hidden ReLU output (N × H), which is also the next
    Dense layer's input and stored once; the pre-activations are not kept.
    """
    return 8 * batch * (d_in + depth * width)


class CheckpointSweep(NamedTuple):
    """What `checkpoint_sweep` measured. Shapes: ks, peak_bytes, forward_evals (K,)."""

    n_layers: int
    ks: np.ndarray
    peak_bytes: np.ndarray
    forward_evals: np.ndarray
    plain_peak: int
    plain_evals: int
    grads_identical: bool


def checkpoint_sweep(
    depth: int,
    *,
    width: int = 32,
    batch: int = 32,
    d_in: int = 8,
    d_out: int = 4,
    ks: Sequence[int] | None = None,
    seed: int = 0,
) -> CheckpointSweep:
    """One forward + backward of the same ReLU MLP for every checkpoint_every k (and without).

    The net has m = 2·depth + 1 layers (Dense, ReLU, …, Dense). For each k: `peak_bytes`
    (the most held at any moment of forward + backward — the number that decides whether a
    run fits in memory) and `forward_evals` (layer forwards, m plus the recomputed ones).
    `grads_identical`: every k gave bit-for-bit the gradients of the plain run.
    """
    depth = check_int("depth", depth, minimum=1)
    rng = np.random.default_rng(seed)
    net = mlp([d_in] + [width] * depth + [d_out], "relu", rng=rng)
    x = rng.standard_normal((batch, d_in))
    dout = rng.standard_normal((batch, d_out))
    n_layers = len(net)
    ks = np.arange(1, n_layers + 1) if ks is None else np.asarray(ks, dtype=int)

    def run(k: int | None) -> tuple[int, int, dict[str, np.ndarray]]:
        net.checkpoint_every = k
        net.forward(x)
        net.backward(dout)
        grads = {name: g.copy() for name, g in net.grads.items()}
        return net.peak_bytes, net.forward_evals, grads

    plain_peak, plain_evals, plain_grads = run(None)
    peaks, evals, same = [], [], True
    for k in ks:
        peak, ev, grads = run(check_int("ks", int(k), minimum=1))
        peaks.append(peak)
        evals.append(ev)
        same = same and all(np.array_equal(grads[n], g) for n, g in plain_grads.items())
    net.checkpoint_every = None
    return CheckpointSweep(
        n_layers, ks, np.array(peaks), np.array(evals), plain_peak, plain_evals, same
    )


def forward_bytes_panel(
    values: Mapping[str, int], vary: str, span: tuple[int, int], *, d_in: int
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The bill in kB against one factor, the other two at their `values`.

    Returns xs (4 evenly spread settings of `span` and the chosen one, sorted), the measured
    kB `forward_bytes` at each, and the formula 8·N·(d_in + L·H) at span's two ends.
    """
    lo, hi = span
    xs = sorted({*np.linspace(lo, hi, 4).round().astype(int).tolist(), values[vary]})
    kb = [forward_bytes(**{**values, vary: x}, d_in=d_in) / 1e3 for x in xs]
    ends = [forward_bytes_formula(**{**values, vary: v}, d_in=d_in) / 1e3 for v in span]
    return xs, np.array(kb), np.array(ends)


@functools.cache
def checkpoint_curves(depth: int, k_max: int) -> tuple[CheckpointSweep, np.ndarray, np.ndarray]:
    """`checkpoint_sweep(depth)`, its peak bytes and forward evaluations for k = 1 … k_max.

    k ≥ L is a single segment, i.e. the plain run: the sweep (k = 1 … L) is extended with the
    plain values. Shapes: returns the sweep, peak_bytes (k_max,), forward_evals (k_max,).
    """
    s = checkpoint_sweep(depth)
    pad = k_max - s.n_layers
    peak = np.r_[s.peak_bytes, np.full(pad, s.plain_peak)]
    evals = np.r_[s.forward_evals, np.full(pad, s.plain_evals)]
    return s, peak, evals
