"""Regularisation experiments: overfit a small problem on purpose, then rein it in.

A wide MLP trained on 40 noisy two-moons points learns the noise: its training loss goes
to zero while the validation loss turns round and climbs. The functions here run that
experiment with each regulariser of notebook 09 (claims C40–C44):

- weight decay (AdamW's decoupled decay): `overfit_run`, `weight_decay_runs`, `weight_norm`;
- dropout (`trainlib.layers.Dropout`) in train and eval mode: `dropout_samples`;
- batch normalisation: `preactivations` (per-layer pre-activations with and without BN),
  `batch_dependence` (the batch noise behind its mild regularising effect);
- data augmentation on the 8×8 digits: `shift_images`, `augment_digits`, `digits_run`;
- early stopping: `early_stopping_point` (the rule of `trainlib.fit.fit`, on a list of
  validation losses) and `early_stopping_run` (fit with `patience`, weights restored).

Training runs are cached (same arguments → the same result object, computed once), so a
notebook and its live figures share them; their arrays are read-only. Matrix products are
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
from trainlib.init import he_normal
from trainlib.layers import BatchNorm, Dense, Dropout, Sequential, mlp
from trainlib.validation import as_array, check_int, check_positive, check_range

__all__ = [
    "AUG_NOISE",
    "DIGITS_BATCH",
    "DIGITS_HIDDEN",
    "DIGITS_LR",
    "SHIFTS",
    "CHUNK",
    "DIGITS_EPOCHS",
    "DROPOUT_SAMPLES",
    "EPOCHS",
    "GRID_X",
    "GRID_Y",
    "HIDDEN",
    "LR",
    "PATIENCES",
    "WEIGHT_DECAYS",
    "DigitsRun",
    "EarlyStopRun",
    "RegRun",
    "StopPoint",
    "augment_digits",
    "batch_dependence",
    "digits_problem",
    "digits_run",
    "dropout_samples",
    "early_stopping_point",
    "early_stopping_run",
    "grid_points",
    "moons_problem",
    "overfit_model",
    "overfit_run",
    "predict",
    "preactivations",
    "shift_images",
    "train_digits",
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
GRID_X = (-1.75, 2.75, 46)
GRID_Y = (-1.4, 1.9, 34)


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


def overfit_model(seed: int = 0, dropout: float = 0.0) -> Sequential:
    """The MLP 2 → 32 → 32 → 1 (ReLU, He init), with Dropout(p) after each hidden layer."""
    return mlp([2, *HIDDEN, 1], rng=np.random.default_rng(seed + 1), dropout=dropout)


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


@dataclass(frozen=True, eq=False)
class RegRun:
    """One moons run: the per-epoch curves, the final weight norm, the learned probabilities.

    Shapes: `train_loss`, `val_loss`, `train_acc`, `val_acc` (epochs,); `grid_prob`
    (Gy, Gx) = σ(model output) on `grid_points()`. `history` is fit's full record.
    """

    weight_decay: float
    dropout: float
    history: History
    weight_norm: float
    grid_prob: np.ndarray

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
    X, y, Xv, yv = moons_problem(seed)
    model = overfit_model(seed, dropout)
    opt = optim.adamw(LR, weight_decay=weight_decay)
    hist = fit(
        model,
        losses.bce_with_logits,
        opt,
        X,
        y,
        epochs=epochs,
        batch_size=len(X),
        rng=np.random.default_rng(seed + 2),
        val=(Xv, yv),
    )
    _, _, points = grid_points()
    prob = losses.sigmoid(predict(model, points)).reshape(GRID_Y[2], GRID_X[2])
    for arr in (hist.train_loss, hist.val_loss, hist.train_acc, hist.val_acc, prob):
        arr.flags.writeable = False
    return RegRun(weight_decay, dropout, hist, weight_norm(model), prob)


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
    holds after fit returned; `restored_weight_norm`: their ‖W‖.
    """

    patience: int
    history: History
    restored_val_loss: float
    restored_weight_norm: float


def early_stopping_run(patience: int, *, epochs: int = EPOCHS, seed: int = 0) -> EarlyStopRun:
    """The unregularised moons run (λ = 0) with `fit(..., patience, restore_best=True)`.

    Until it stops, the run is identical to `overfit_run(0.0)` (same seeds, same data), so
    that run's curve shows what would have happened without early stopping. Cached.
    """
    patience = check_int("patience", patience, minimum=1)
    return _early_stopping_run(patience, check_int("epochs", epochs, minimum=1), seed)


@functools.lru_cache(maxsize=64)
def _early_stopping_run(patience: int, epochs: int, seed: int) -> EarlyStopRun:
    X, y, Xv, yv = moons_problem(seed)
    model = overfit_model(seed)
    hist = fit(
        model,
        losses.bce_with_logits,
        optim.adamw(LR, weight_decay=0.0),
        X,
        y,
        epochs=epochs,
        batch_size=len(X),
        rng=np.random.default_rng(seed + 2),
        val=(Xv, yv),
        patience=patience,
        restore_best=True,
    )
    val_now = losses.bce_with_logits(predict(model, Xv), yv)[0]
    for arr in (hist.train_loss, hist.val_loss, hist.train_acc, hist.val_acc):
        arr.flags.writeable = False
    return EarlyStopRun(patience, hist, float(val_now), weight_norm(model))


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


# --- batch normalisation ------------------------------------------------------------------------


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


# --- data augmentation on the 8×8 digits ----------------------------------------------------------

#: The shifts of the augmentation, (dx, dy) in pixels: none, right, left, down, up.
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
#: Standard deviation of the pixel noise added by `augment_digits` (pixels are in [0, 1]).
AUG_NOISE = 0.05
#: Epochs, mini-batch size, Adam learning rate and hidden width of every digits run.
DIGITS_EPOCHS = 30
DIGITS_BATCH = 30
DIGITS_LR = 0.01
DIGITS_HIDDEN = 32


def shift_images(X: Any, dx: Any, dy: Any) -> np.ndarray:
    """Move each 8×8 image by (dx, dy) ∈ {−1, 0, 1}² pixels; pixels moved in are 0.

    Shapes: X (n, 64) rows of 8×8 images; dx, dy (n,) integers (right and down positive).
    out[r, c] = img[r − dy, c − dx] where that pixel exists, else 0.
    """
    X = as_array("X", X, ndim=2)
    if X.shape[1] != 64:
        raise ValueError(f"X: expected shape (n, 64) (8×8 images), got {X.shape}")
    n = len(X)
    dx, dy = np.broadcast_to(dx, (n,)), np.broadcast_to(dy, (n,))
    if not (np.isin(dx, (-1, 0, 1)).all() and np.isin(dy, (-1, 0, 1)).all()):
        raise ValueError("dx, dy: expected integer shifts in {-1, 0, 1}")
    padded = np.pad(X.reshape(n, 8, 8), ((0, 0), (1, 1), (1, 1)))
    out = np.empty((n, 8, 8), dtype=X.dtype)
    for sx in (-1, 0, 1):
        for sy in (-1, 0, 1):
            rows = (dx == sx) & (dy == sy)
            out[rows] = padded[rows, 1 - sy : 9 - sy, 1 - sx : 9 - sx]
    return out.reshape(n, 64)


def augment_digits(X: Any, *, rng: np.random.Generator, noise: float = AUG_NOISE) -> np.ndarray:
    """A fresh random variant of every image: one of `SHIFTS`, then N(0, noise²) pixel noise.

    Shapes: X (n, 64) → (n, 64), clipped back into [0, 1]. The label stays the same.
    """
    X = as_array("X", X, ndim=2)
    noise = check_positive("noise", noise, strict=False)
    d = np.array(SHIFTS)[rng.integers(0, len(SHIFTS), len(X))]
    out = shift_images(X, d[:, 0], d[:, 1])
    if noise > 0:
        out = np.clip(out + noise * rng.standard_normal(out.shape), 0.0, 1.0)
    return out


def digits_problem(
    seed: int = 0, n_train: int = 150, n_val: int = 400
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A small training subset of the digits, a validation set, and that set shifted.

    Shapes: returns X (n_train, 64), y (n_train,), X_val (n_val, 64), y_val (n_val,),
    X_val_shifted (n_val, 64): the same validation images, each moved by one of `SHIFTS`
    (no noise), as a camera that does not centre the digit would see them.
    """
    X, y = data.digits()
    rng = np.random.default_rng(seed)
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    if n_train + n_val > len(X):
        raise ValueError(f"n_train + n_val: expected at most {len(X)}, got {n_train + n_val}")
    perm = rng.permutation(len(X))
    tr, va = perm[:n_train], perm[n_train : n_train + n_val]
    Xv_shifted = augment_digits(X[va], rng=rng, noise=0.0)
    return X[tr], y[tr], X[va], y[va], Xv_shifted


@dataclass(frozen=True, eq=False)
class DigitsRun:
    """Accuracy curves of one digits run, evaluated after every epoch (eval mode).

    Shapes: `train_acc` (on the original training images), `val_acc` (centred validation
    images), `val_acc_shifted` (the shifted ones), `val_loss`: each (epochs,).
    """

    augment: bool
    seed: int
    train_acc: np.ndarray
    val_acc: np.ndarray
    val_acc_shifted: np.ndarray
    val_loss: np.ndarray


def _accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(predict(model, X, chunk=100), axis=1) == y))


def digits_run(augment: bool, seed: int = 0, *, epochs: int = DIGITS_EPOCHS) -> DigitsRun:
    """Train an MLP 64 → 32 → 10 on 150 digits, with or without augmentation (cached).

    The loop is `train_digits`. Initial weights, batch order and data are identical with and
    without augmentation (separate generators spawned from the seed), so the augmentation is
    the only difference. The same arguments return the same (read-only) result.
    """
    return _digits_run(
        bool(augment), check_int("seed", seed), check_int("epochs", epochs, minimum=1)
    )


@functools.lru_cache(maxsize=32)
def _digits_run(augment: bool, seed: int, epochs: int) -> DigitsRun:
    run = train_digits(augment, seed, epochs=epochs)
    for arr in (run.train_acc, run.val_acc, run.val_acc_shifted, run.val_loss):
        arr.flags.writeable = False
    return run


def train_digits(augment: bool, seed: int = 0, *, epochs: int = DIGITS_EPOCHS) -> DigitsRun:
    """The training behind `digits_run` (not cached): `fit` with fresh augmentation each epoch.

    Per epoch: Xe = augment_digits(X) (or X); per mini-batch: out = model(Xb),
    (L, ∂L/∂out) = cross_entropy(out, yb), model.backward, Adam step; then the accuracies
    (fit's `on_epoch` hook).
    """
    augment = bool(augment)
    seed = check_int("seed", seed)
    epochs = check_int("epochs", epochs, minimum=1)
    X, y, Xv, yv, Xv_shifted = digits_problem(seed)
    r_init, r_order, r_aug = np.random.default_rng(seed + 1).spawn(3)
    model = mlp([64, DIGITS_HIDDEN, 10], rng=r_init)
    curves: dict[str, list[float]] = {"train": [], "val": [], "shifted": [], "loss": []}

    def evaluate(epoch: int, model: Any) -> None:
        out = predict(model, Xv, chunk=100)
        curves["train"].append(_accuracy(model, X, y))
        curves["val"].append(float(np.mean(np.argmax(out, axis=1) == yv)))
        curves["shifted"].append(_accuracy(model, Xv_shifted, yv))
        curves["loss"].append(losses.cross_entropy(out, yv)[0])

    fit(model, losses.cross_entropy, optim.adam(DIGITS_LR), X, y, epochs=epochs,
        batch_size=DIGITS_BATCH, rng=r_order, accuracy=False, record_steps=False,
        augment=(lambda Xe: augment_digits(Xe, rng=r_aug)) if augment else None,
        on_epoch=evaluate)  # fmt: skip
    arrays = {k: np.array(v) for k, v in curves.items()}
    return DigitsRun(
        augment, seed, arrays["train"], arrays["val"], arrays["shifted"], arrays["loss"]
    )
