"""Batch normalisation at work in notebook 09 (C42): train vs eval mode, running statistics,
and the regularising effect on the moons problem.

- `bn_moons_run`: the moons MLP with and without BatchNorm, trained in mini-batches (cached);
  `bn_moons_model` gives a fresh copy of a trained network;
- `train_mode_accuracy`: what a forgotten `eval()` does, predicting in train mode batch by
  batch;
- `running_mean_trace`: BatchNorm's running mean batch after batch, for a given momentum
  (torch's convention: momentum is the weight of the NEW batch).

numpy only.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from trainlib.fit import History
from trainlib.layers import BatchNorm, Sequential
from trainlib.lessons.regularisation.experiments_overfit import EPOCHS, _train_moons, freeze
from trainlib.validation import as_array, check_int, check_range

__all__ = [
    "BN_BATCH",
    "BN_SEEDS",
    "BnRun",
    "bn_moons_model",
    "bn_moons_run",
    "running_mean_trace",
    "train_mode_accuracy",
]

#: Mini-batch size of the batch-norm runs on the 40 moons points (4 updates per epoch).
BN_BATCH = 10
#: Seeds of the with/without-BN comparison (initial weights and batch order change together).
BN_SEEDS = (0, 1, 2)


@dataclass(frozen=True, eq=False)
class BnRun:
    """One moons run with or without BatchNorm: fit's record and the final test numbers.

    `history.train_loss` is measured in train mode (batch statistics), `val_loss` /
    `val_acc` in eval mode (running statistics); `test` (epochs, 2) the test set's
    (loss, accuracy) after each epoch.
    """

    batchnorm: bool
    batch_size: int
    seed: int
    history: History
    test: np.ndarray
    model: Sequential


def bn_moons_run(batchnorm: bool, batch_size: int = BN_BATCH, *, seed: int = 0) -> BnRun:
    """The moons MLP (2 → 32 → 32 → 1, no weight decay) trained 100 epochs with AdamW in
    mini-batches of `batch_size`, with BatchNorm after each hidden Dense if `batchnorm`.

    The two variants start from the same Dense weights (BN removes the Dense biases) and
    see the same batches. Cached; use `bn_moons_model` for a copy of the trained network.
    """
    batch_size = check_int("batch_size", batch_size, minimum=2)  # BN needs ≥ 2 rows
    return _bn_moons_run(bool(batchnorm), batch_size, check_int("seed", seed))


@functools.lru_cache(maxsize=32)
def _bn_moons_run(batchnorm: bool, batch_size: int, seed: int) -> BnRun:
    model, hist, test = _train_moons(0.0, 0.0, EPOCHS, seed, batchnorm=batchnorm,
                                     batch_size=batch_size, record_steps=False)  # fmt: skip
    return BnRun(batchnorm, batch_size, seed, hist, test, model)


def bn_moons_model(batch_size: int = BN_BATCH, *, seed: int = 0) -> Sequential:
    """A copy of the trained BatchNorm network of `bn_moons_run(True, batch_size, seed)`:
    yours to run in any mode (train-mode passes change its running statistics)."""
    return copy.deepcopy(bn_moons_run(True, batch_size, seed=seed).model)


def train_mode_accuracy(model: Any, X: Any, y: Any, batch_size: int) -> float:
    """Accuracy of a binary classifier evaluated in TRAIN mode, `batch_size` rows at a time,
    in the order given: the forgotten `model.eval()`.

    Shapes: X (n, d), y (n, 1) of 0./1. Runs on a copy, so the model's running statistics
    are left alone (in train mode every pass would move them towards these batches).
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y)
    batch_size = check_int("batch_size", batch_size, minimum=2)
    net = copy.deepcopy(model)
    out = np.concatenate(
        [net.forward(X[i : i + batch_size], train=True) for i in range(0, len(X), batch_size)]
    )
    return float(np.mean((out > 0) == (y > 0.5)))


def running_mean_trace(
    momentum: float, n_batches: int = 50, *, mean: float = 5.0, batch: int = 10, seed: int = 0
) -> np.ndarray:
    """BatchNorm's running mean after each of `n_batches` train-mode batches of N(mean, 1).

    Shapes: returns (n_batches,). One feature, `BatchNorm(1, momentum)`, starting at 0:
    running ← (1 − momentum)·running + momentum·(batch mean), torch's rule; after k batches
    of exact mean m it would be m·(1 − (1 − momentum)ᵏ).
    """
    momentum = check_range("momentum", momentum, 0.0, 1.0, hi_closed=True)
    n_batches = check_int("n_batches", n_batches, minimum=1)
    rng = np.random.default_rng(seed)
    bn = BatchNorm(1, momentum=momentum)
    trace = np.empty(n_batches)
    for k in range(n_batches):
        bn.forward(mean + rng.standard_normal((check_int("batch", batch, minimum=2), 1)))
        trace[k] = bn.running_mean[0]
    freeze(trace)
    return trace
