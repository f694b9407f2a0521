"""Data augmentation on the 8×8 digits, notebook 09's claim C43.

`shift_images` and `augment_digits` make shifted, noisy variants of the images;
`digits_problem` is the small training set and its (shifted) validation sets; `digits_run`
trains an MLP with and without augmentation (`train_digits`, cached). numpy only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from trainlib import data, losses, optim
from trainlib.fit import fit
from trainlib.layers import mlp
from trainlib.lessons.regularisation.experiments_overfit import freeze, predict
from trainlib.validation import as_array, check_int, check_positive

__all__ = [
    "AUG_NOISE",
    "DIGITS_BATCH",
    "DIGITS_EPOCHS",
    "DIGITS_HIDDEN",
    "DIGITS_LR",
    "SHIFTS",
    "DigitsRun",
    "augment_digits",
    "augmentation_examples",
    "digits_problem",
    "digits_run",
    "shift_images",
    "train_digits",
]

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
    freeze(run.train_acc, run.val_acc, run.val_acc_shifted, run.val_loss)
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


def augmentation_examples(n: int = 6, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The first n training images of `digits_problem()` and one augmented variant of each.

    Shapes: originals (n, 64), variants (n, 64).
    """
    X = digits_problem()[0][: check_int("n", n, minimum=1)]
    return X, augment_digits(X, rng=np.random.default_rng(seed))
