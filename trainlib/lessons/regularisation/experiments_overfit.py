"""The overfitting problem of notebook 09, and the regularisers that act on training.

A wide MLP trained on 40 noisy two-moons points learns the noise: its training loss goes
to zero while the validation loss turns round and climbs. Here:

- the problem: `moons_problem`, `moons_test` (held-out data never used for choosing),
  `overfit_model`, `predict`, `grid_points`, `weight_norm`;
- weight decay (AdamW's decoupled decay, C40): `overfit_run`, `weight_decay_runs`;
- early stopping (C44): `early_stopping_point` (the rule of `trainlib.fit.fit`, on a list of
  validation losses) and `early_stopping_run` (fit with `patience`, weights restored).

Runs are cached (same arguments → the same result object, computed once), so a notebook
and its live figures share them; their arrays are read-only (`freeze`). Matrix products are
kept small (evaluation in chunks of at most `CHUNK` rows): large ones make a multithreaded
BLAS slow on a busy machine, small ones run single-threaded and fast.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from trainlib import data, losses, optim
from trainlib.fit import History, fit
from trainlib.layers import Sequential, mlp
from trainlib.validation import as_array, check_int, check_positive, check_range

__all__ = [
    "CHUNK",
    "EPOCHS",
    "GRID_X",
    "GRID_Y",
    "HIDDEN",
    "LR",
    "PATIENCES",
    "WEIGHT_DECAYS",
    "EarlyStopRun",
    "RegRun",
    "StopPoint",
    "early_stopping_point",
    "early_stopping_run",
    "freeze",
    "grid_points",
    "moons_problem",
    "moons_test",
    "overfit_model",
    "overfit_run",
    "predict",
    "weight_decay_runs",
    "weight_norm",
]

#: Rows per matrix product when evaluating a model on many inputs (a grid, a validation set).
CHUNK = 200

# --- the overfitting problem -------------------------------------------------------------
#: Hidden widths of the MLP (2 → 32 → 32 → 1): ~1,200 weights for 40 training points.
HIDDEN = (32, 32)
#: Full-batch AdamW epochs and learning rate of every moons run.
EPOCHS = 100
LR = 0.02
#: The weight-decay values of the notebook's slider (AdamW's λ; 0 = no decay).
WEIGHT_DECAYS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
#: The patience values of the early-stopping slider.
PATIENCES = (1, 2, 3, 5, 10, 20, 30)
#: The input grid on which decision boundaries are drawn: (start, stop, points) per axis.
#: Spacing 0.0125: fine enough to draw the thin λ = 0 finger of class 0 in one piece (a
#: grid of spacing 0.1 broke it into false islands).
GRID_X = (-1.75, 2.75, 361)
GRID_Y = (-1.4, 1.9, 265)


def moons_problem(
    seed: int = 0, n_train: int = 40, n_val: int = 200, noise: float = 0.3
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A small, noisy two-moons training set and a larger validation set from the same law.

    Shapes: returns X (n_train, 2), y (n_train, 1), X_val (n_val, 2), y_val (n_val, 1);
    targets 0./1. as columns, the shape `losses.bce_with_logits` gets from a 1-output MLP.
    """
    rng = np.random.default_rng(seed)
    X, y = data.moons(check_int("n_train", n_train, minimum=2), rng=rng, noise=noise)
    Xv, yv = data.moons(check_int("n_val", n_val, minimum=2), rng=rng, noise=noise)
    return X, y[:, None], Xv, yv[:, None]


def moons_test(
    seed: int = 0, n_test: int = 1000, noise: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """A test set from the same law as `moons_problem(seed)`, from its own random stream.

    Shapes: returns X_test (n_test, 2), y_test (n_test, 1). Nothing is ever chosen on it
    (no epoch, no λ, no patience): it only reports how the chosen model does on new data.
    """
    rng = np.random.default_rng([seed, 1])
    X, y = data.moons(check_int("n_test", n_test, minimum=2), rng=rng, noise=noise)
    return X, y[:, None]


def overfit_model(seed: int = 0, dropout: float = 0.0, batchnorm: bool = False) -> Sequential:
    """The MLP 2 → 32 → 32 → 1 (ReLU, He init), with Dropout(p) after each hidden layer
    and, with `batchnorm`, BatchNorm between each hidden Dense and its ReLU."""
    return mlp([2, *HIDDEN, 1], rng=np.random.default_rng(seed + 1), dropout=dropout,
               batchnorm=bool(batchnorm))  # fmt: skip


def weight_norm(model: Any) -> float:
    """‖W‖ = √(Σ over Dense layers of Σᵢⱼ Wᵢⱼ²): the size of the weights, biases left out."""
    total = 0.0
    for key, value in model.params.items():
        if key == "W" or key.endswith(".W"):
            total += float(np.sum(value * value))
    return float(np.sqrt(total))


def predict(model: Any, X: Any, chunk: int = CHUNK) -> np.ndarray:
    """The model's eval-mode output on X, computed `chunk` rows at a time.

    Shapes: X (n, d) → (n, out). Chunks keep every matrix product small (see the module note).
    """
    X = as_array("X", X, ndim=2)
    chunk = check_int("chunk", chunk, minimum=1)
    parts = [model.forward(X[i : i + chunk], train=False) for i in range(0, len(X), chunk)]
    return np.concatenate(parts)


def grid_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The boundary grid: xs (Gx,), ys (Gy,) and the points (Gy·Gx, 2), rows along x."""
    xs = np.linspace(*GRID_X)
    ys = np.linspace(*GRID_Y)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([xx.ravel(), yy.ravel()])


def freeze(*arrays: np.ndarray) -> None:
    """Make cached results read-only: a caller cannot change what the next caller gets."""
    for arr in arrays:
        arr.flags.writeable = False


def _train_moons(
    weight_decay: float,
    dropout: float,
    epochs: int,
    seed: int,
    *,
    batchnorm: bool = False,
    batch_size: int | None = None,
    **fit_options: Any,
) -> tuple[Sequential, History, np.ndarray]:
    """AdamW(LR, weight_decay) on the moons problem with `fit` (full batch unless
    `batch_size`); the model, fit's history and the per-epoch test (loss, accuracy).

    Every moons run goes through here: the same data, initial weights and seeds. The test
    set is only evaluated (eval mode, after each epoch), never used to choose anything.
    Shapes: test (epochs run, 2).
    """
    X, y, Xv, yv = moons_problem(seed)
    Xt, yt = moons_test(seed)
    model = overfit_model(seed, dropout, batchnorm)
    test: list[tuple[float, float]] = []

    def on_epoch(epoch: int, net: Any) -> None:
        out = predict(net, Xt)
        test.append((losses.bce_with_logits(out, yt)[0], float(np.mean((out > 0) == (yt > 0.5)))))

    hist = fit(model, losses.bce_with_logits, optim.adamw(LR, weight_decay=weight_decay), X, y,
               epochs=epochs, batch_size=batch_size or len(X), rng=np.random.default_rng(seed + 2),
               val=(Xv, yv), on_epoch=on_epoch, **fit_options)  # fmt: skip
    test_arr = np.array(test, dtype=float).reshape(-1, 2)
    freeze(hist.train_loss, hist.val_loss, hist.train_acc, hist.val_acc, test_arr)
    return model, hist, test_arr


@dataclass(frozen=True, eq=False)
class RegRun:
    """One moons run: the per-epoch curves, the final weight norm, the learned probabilities.

    Shapes: `train_loss`, `val_loss`, `train_acc`, `val_acc`, `test_loss`, `test_acc`
    (epochs,); `grid_prob` (Gy, Gx) = σ(model output) on `grid_points()`. `history` is
    fit's full record; `test` (epochs, 2) the test set's (loss, accuracy) after each epoch;
    `max_weight` the largest |Wᵢⱼ| of each weight matrix, input layer first.
    """

    weight_decay: float
    dropout: float
    history: History
    weight_norm: float
    grid_prob: np.ndarray
    test: np.ndarray
    max_weight: tuple[float, ...] = ()

    @property
    def test_loss(self) -> np.ndarray:
        return self.test[:, 0]

    @property
    def test_acc(self) -> np.ndarray:
        return self.test[:, 1]

    @property
    def train_loss(self) -> np.ndarray:
        return self.history.train_loss

    @property
    def val_loss(self) -> np.ndarray:
        return self.history.val_loss

    @property
    def train_acc(self) -> np.ndarray:
        return self.history.train_acc

    @property
    def val_acc(self) -> np.ndarray:
        return self.history.val_acc


def overfit_run(
    weight_decay: float = 0.0, dropout: float = 0.0, *, epochs: int = EPOCHS, seed: int = 0
) -> RegRun:
    """Train the MLP on the 40 moons points with full-batch AdamW(lr=0.02, weight_decay=λ).

    The decay is decoupled: every step first shrinks each parameter, p ← p·(1 − lr·λ), then
    takes the Adam step. Cached: the same arguments return the same (read-only) result.
    """
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    dropout = check_range("dropout", dropout, 0.0, 1.0)
    epochs = check_int("epochs", epochs, minimum=1)
    return _overfit_run(weight_decay, dropout, epochs, check_int("seed", seed))


@functools.lru_cache(maxsize=64)
def _overfit_run(weight_decay: float, dropout: float, epochs: int, seed: int) -> RegRun:
    model, hist, test = _train_moons(weight_decay, dropout, epochs, seed)
    _, _, points = grid_points()
    prob = losses.sigmoid(predict(model, points)).reshape(GRID_Y[2], GRID_X[2])
    freeze(prob)
    biggest = tuple(float(np.abs(v).max()) for k, v in model.params.items() if k.endswith("W"))
    return RegRun(weight_decay, dropout, hist, weight_norm(model), prob, test, biggest)


def weight_decay_runs(
    weight_decays: tuple[float, ...] = WEIGHT_DECAYS, *, seed: int = 0
) -> list[RegRun]:
    """`overfit_run` for each weight decay λ (the notebook's slider values), in order."""
    return [overfit_run(float(wd), seed=seed) for wd in weight_decays]


# --- early stopping ---------------------------------------------------------------------------


class StopPoint(NamedTuple):
    """Where early stopping ends a run: the best epoch, the last epoch run, and whether
    patience ran out (False: the run reached its last epoch first). Epochs are 0-based."""

    best_epoch: int
    stopped_epoch: int
    stopped_early: bool


def early_stopping_point(val_losses: Any, patience: int, min_delta: float = 0.0) -> StopPoint:
    """Replay early stopping on a validation-loss curve, with the rule of `fit`.

    Shapes: val_losses (E,), one value per epoch.
    After epoch e: the loss improves if it is < best − min_delta (then best ← it, wait ← 0),
    otherwise wait ← wait + 1; training stops when wait reaches patience (0 acts as 1).
    So stopped_epoch − best_epoch = patience when patience runs out, and less otherwise.
    """
    v = as_array("val_losses", val_losses, ndim=1)
    if len(v) == 0:
        raise ValueError("val_losses: expected at least one epoch, got an empty array")
    patience = check_int("patience", patience, minimum=0)
    min_delta = check_positive("min_delta", min_delta, strict=False)
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(v):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= max(patience, 1):
                return StopPoint(best_epoch, epoch, True)
    return StopPoint(best_epoch, len(v) - 1, False)


@dataclass(frozen=True, eq=False)
class EarlyStopRun:
    """`fit` with early stopping on the moons problem, and the checks of what it restored.

    `history`: fit's record (best_epoch, stopped_epoch, restored, per-epoch curves up to the
    stop); `restored_val_loss`: the validation loss recomputed from the weights the model
    holds after fit returned; `restored_weight_norm`: their ‖W‖; `restored_test`: the test
    set's (loss, accuracy) from those weights; `test` (epochs run, 2): the test set's
    (loss, accuracy) after each epoch (recorded, never used to stop).
    """

    patience: int
    history: History
    restored_val_loss: float
    restored_weight_norm: float
    restored_test: tuple[float, float]
    test: np.ndarray


def early_stopping_run(patience: int, *, epochs: int = EPOCHS, seed: int = 0) -> EarlyStopRun:
    """The unregularised moons run (λ = 0) with `fit(..., patience, restore_best=True)`.

    Until it stops, the run is identical to `overfit_run(0.0)` (same seeds, same data), so
    that run's curve shows what would have happened without early stopping. Cached.
    """
    patience = check_int("patience", patience, minimum=1)
    return _early_stopping_run(patience, check_int("epochs", epochs, minimum=1), seed)


@functools.lru_cache(maxsize=64)
def _early_stopping_run(patience: int, epochs: int, seed: int) -> EarlyStopRun:
    model, hist, test = _train_moons(0.0, 0.0, epochs, seed, patience=patience,
                                     restore_best=True)  # fmt: skip
    _, _, Xv, yv = moons_problem(seed)
    Xt, yt = moons_test(seed)
    val_now = losses.bce_with_logits(predict(model, Xv), yv)[0]
    out = predict(model, Xt)
    test_now = (float(losses.bce_with_logits(out, yt)[0]), float(np.mean((out > 0) == (yt > 0.5))))
    return EarlyStopRun(patience, hist, float(val_now), weight_norm(model), test_now, test)
