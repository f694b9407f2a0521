"""A learning-rate sweep of each optimiser training a small MLP on the digits (C36).

`lr_sweep` trains once per (optimiser, lr) with `trainlib.fit.fit` for one seed;
`lr_sweep_seeds` repeats it over seeds (split, initial weights and batches all change) and
averages; `good_lr_window` and `log_loss_spread` read how robust each optimiser is to its
rate; `good_lr_band` is the band the figure shades; `binomial_se` is the sampling error of
one accuracy. numpy only.
"""

from __future__ import annotations

import contextlib
import functools
from typing import NamedTuple

import numpy as np

from trainlib import optim
from trainlib.lessons.optimisers.experiments_race import make_optimizer
from trainlib.validation import check_positive

__all__ = [
    "GOOD_LOSS",
    "SWEEP_LRS",
    "SWEEP_OPTIMISERS",
    "SWEEP_SEEDS",
    "Sweep",
    "RunResult",
    "binomial_se",
    "digits_for_se",
    "good_lr_band",
    "good_lr_window",
    "log_loss_spread",
    "lr_sweep",
    "lr_sweep_seeds",
    "paired_difference",
    "train_once",
]

#: The optimisers of the sweep (AdamW with its small default decay tracks Adam here).
SWEEP_OPTIMISERS: tuple[str, ...] = ("SGD", "SGD+momentum", "AdaGrad", "RMSProp", "Adam")
#: Learning rates of the sweep: half-decades from 10⁻³ to 1.
SWEEP_LRS: tuple[float, ...] = tuple(float(10**e) for e in np.arange(-3.0, 0.01, 0.5))
#: Seeds of the repeated sweep: each draws its own train/validation split, weights, batches.
SWEEP_SEEDS: tuple[int, ...] = (0, 1, 2)


class Sweep(NamedTuple):
    """Final losses of a learning-rate sweep.

    Shapes: lrs (L,); names (O,); train_loss, val_loss, val_acc, diverged (O, L). A diverged
    run has train_loss = val_loss = +inf and val_acc = chance (0.1). Over several seeds
    (`lr_sweep_seeds`) the losses and accuracy are means over seeds, `val_acc_se` (O, L) the
    standard error of that mean, `diverged` true if any seed diverged; `n_val` is the number
    of validation digits per seed.
    """

    lrs: np.ndarray
    names: tuple[str, ...]
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    diverged: np.ndarray
    chance_loss: float
    val_acc_se: np.ndarray | None = None
    n_seeds: int = 1
    n_val: int = 500


def _ce(model, X: np.ndarray, y: np.ndarray) -> float:
    from trainlib.losses import cross_entropy

    return float(cross_entropy(model.forward(X, train=False), y)[0])


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread (no-op without threadpoolctl): the MLP's matrices are small."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _train_digits(opt: optim.Optimizer, X: np.ndarray, y: np.ndarray, epochs: int,
                  batch_size: int, seed: int):  # fmt: skip
    """Mini-batch training of a fresh MLP 64→32→10 with `fit`; the model, or None if it diverged.

    The sweep reads only the final model, so `fit` keeps no per-step record or accuracy.
    """
    from trainlib.fit import fit
    from trainlib.layers import mlp
    from trainlib.losses import cross_entropy

    model = mlp([64, 32, 10], rng=np.random.default_rng(seed + 1))
    hist = fit(model, cross_entropy, opt, X, y, epochs=epochs, batch_size=batch_size,
               rng=np.random.default_rng(seed + 2), accuracy=False, record_steps=False)  # fmt: skip
    return None if hist.diverged else model


class RunResult(NamedTuple):
    """One training run of the sweep's MLP: final training loss, validation accuracy and the
    fraction of hidden ReLUs that never fire on the training digits (None if it diverged)."""

    train_loss: float
    val_acc: float
    dead: float | None


def _split(seed: int, n_train: int, n_val: int):
    from trainlib.data import digits

    X, y = digits()
    idx = np.random.default_rng(seed).permutation(len(X))
    tr, va = idx[:n_train], idx[n_train : n_train + n_val]
    return X[tr], y[tr], X[va], y[va]


def _dead_fraction(model, X: np.ndarray) -> float:
    """Fraction of the first hidden layer's units that are 0 on every row of X."""
    first, relu = model.layers[0], model.layers[1]
    h = relu.forward(first.forward(X, train=False), train=False)
    return float(np.mean(np.all(h <= 0, axis=0)))


def train_once(name: str, lr: float, seed: int = 0, epochs: int = 8, batch_size: int = 40,
               n_train: int = 400, n_val: int = 500) -> RunResult:  # fmt: skip
    """One run of the sweep: optimiser `name` at rate `lr` on the split of `seed`.

    A diverged run reports train_loss = +inf, val_acc = 0.1 (chance) and dead = None.
    """
    Xt, yt, Xv, yv = _split(seed, n_train, n_val)
    with _one_blas_thread():
        model = _train_digits(make_optimizer(name, lr), Xt, yt, epochs, batch_size, seed)
        if model is None:
            return RunResult(float("inf"), 0.1, None)
        acc = float(np.mean(np.argmax(model.forward(Xv, train=False), axis=1) == yv))
        return RunResult(_ce(model, Xt, yt), acc, _dead_fraction(model, Xt))


def _sweep_into(train_loss, val_loss, val_acc, diverged, data, lrs, names, epochs, batch_size,
                seed) -> None:  # fmt: skip
    """Fill the sweep's (O, L) arrays in place: one training run per (optimiser, rate)."""
    Xt, yt, Xv, yv = data
    for i, name in enumerate(names):
        for j, lr in enumerate(lrs):
            model = _train_digits(make_optimizer(name, lr), Xt, yt, epochs, batch_size, seed)
            diverged[i, j] = model is None
            if model is None:
                train_loss[i, j] = val_loss[i, j] = np.inf
                val_acc[i, j] = 0.1
                continue
            train_loss[i, j] = _ce(model, Xt, yt)
            val_loss[i, j] = _ce(model, Xv, yv)
            val_acc[i, j] = np.mean(np.argmax(model.forward(Xv, train=False), axis=1) == yv)


@functools.lru_cache(maxsize=4)
def lr_sweep(
    lrs: tuple[float, ...] = SWEEP_LRS,
    names: tuple[str, ...] = SWEEP_OPTIMISERS,
    epochs: int = 8,
    batch_size: int = 40,
    n_train: int = 400,
    n_val: int = 500,
    seed: int = 0,
) -> Sweep:
    """Train the MLP 64→32→10 (ReLU) on a digits subset once per (optimiser, lr).

    Shapes: see `Sweep`. Every run starts from the same initial weights and sees the same
    mini-batches (seeded), so only the optimiser and its rate differ. Final losses are the
    cross-entropy of the trained model on the whole training subset and on a validation
    subset. Cached: the notebook, its figure and its tests share one sweep.
    """
    shape = (len(names), len(lrs))
    train_loss, val_loss, val_acc = np.empty(shape), np.empty(shape), np.empty(shape)
    diverged = np.zeros(shape, dtype=bool)
    Xt, yt, Xv, yv = _split(seed, n_train, n_val)
    with _one_blas_thread():  # small matrices: more BLAS threads only add contention
        _sweep_into(train_loss, val_loss, val_acc, diverged, (Xt, yt, Xv, yv), lrs, names,
                    epochs, batch_size, seed)  # fmt: skip
    return Sweep(np.array(lrs), tuple(names), train_loss, val_loss, val_acc, diverged,
                 float(np.log(10)), n_val=n_val)  # fmt: skip


@functools.lru_cache(maxsize=2)
def lr_sweep_seeds(seeds: tuple[int, ...] = SWEEP_SEEDS) -> Sweep:
    """`lr_sweep` once per seed, averaged: means over seeds and the s.e. of the accuracy.

    Shapes: see `Sweep` (O, L) arrays; val_acc_se = std over seeds (ddof 1) / √seeds.
    Each seed draws a new train/validation split, new initial weights and new mini-batches.
    """
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct seeds, at least one, got {seeds!r}")
    runs = [lr_sweep(seed=int(s)) for s in seeds]
    acc = np.array([r.val_acc for r in runs])
    se = acc.std(axis=0, ddof=1) / np.sqrt(len(runs)) if len(runs) > 1 else np.zeros_like(acc[0])
    first = runs[0]
    return Sweep(first.lrs, first.names, np.mean([r.train_loss for r in runs], axis=0),
                 np.mean([r.val_loss for r in runs], axis=0), acc.mean(axis=0),
                 np.any([r.diverged for r in runs], axis=0), first.chance_loss, se,
                 len(runs), first.n_val)  # fmt: skip


def binomial_se(accuracy: float, n: int) -> float:
    """√(p(1 − p)/n): the sampling standard error of an accuracy p measured on n examples."""
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy: expected a fraction in [0, 1], got {accuracy!r}")
    if n < 1:
        raise ValueError(f"n: expected a positive count, got {n!r}")
    return float(np.sqrt(accuracy * (1.0 - accuracy) / n))


def digits_for_se(se: float, accuracy: float = 0.93) -> int:
    """How many validation examples make the binomial s.e. of an accuracy p equal to `se`."""
    se = check_positive("se", se)
    binomial_se(accuracy, 1)  # validates accuracy
    return int(np.ceil(accuracy * (1.0 - accuracy) / se**2))


def paired_difference(a: str, b: str, seeds: tuple[int, ...] = SWEEP_SEEDS) -> np.ndarray:
    """Per seed, accuracy of `b` minus accuracy of `a`, each at its best rate on the mean.

    Shapes: (len(seeds),). Paired by seed: both saw the same split, weights and batches, so
    much of the validation digits' luck cancels in the difference.
    """
    mean = lr_sweep_seeds(seeds)
    ka, kb = (int(mean.val_acc[mean.names.index(n)].argmax()) for n in (a, b))
    ia, ib = mean.names.index(a), mean.names.index(b)
    runs = [lr_sweep(seed=int(s)) for s in seeds]
    return np.array([r.val_acc[ib, kb] - r.val_acc[ia, ka] for r in runs])


def good_lr_window(sweep: Sweep, threshold: float = 0.5) -> dict[str, float]:
    """Width, in decades, of the learning rates whose final training loss is ≤ threshold.

    Shapes: {name: width}. On a half-decade grid each good rate counts 0.5 decade. This is
    what "robust to the learning rate" means: many rates train well, not a flat curve.
    """
    threshold = check_positive("threshold", threshold)
    spacing = float(np.median(np.diff(np.log10(sweep.lrs)))) if len(sweep.lrs) > 1 else 1.0
    return {
        name: float(np.sum(sweep.train_loss[i] <= threshold) * spacing)
        for i, name in enumerate(sweep.names)
    }


def log_loss_spread(sweep: Sweep) -> dict[str, float]:
    """Standard deviation over the sweep of log₁₀(final training loss), per optimiser.

    A diverged run (or one worse than chance) counts as the chance loss ln 10: it learned
    nothing. A small spread can mean "good everywhere" or "bad everywhere" — read it with
    `good_lr_window`.
    """
    capped = np.minimum(sweep.train_loss, sweep.chance_loss)
    return {name: float(np.std(np.log10(capped[i]))) for i, name in enumerate(sweep.names)}


#: "Trains well": final training loss ≤ 0.5 nats (chance is ln 10 ≈ 2.3).
GOOD_LOSS = 0.5


def good_lr_band(
    sweep: Sweep, name: str, threshold: float = GOOD_LOSS
) -> tuple[float, float] | None:
    """From the lowest to the highest good rate of optimiser `name`, widened by ¼ decade.

    A rate is good if its final training loss is ≤ threshold; None if no rate is.
    """
    good = sweep.lrs[sweep.train_loss[sweep.names.index(name)] <= threshold]
    if not good.size:
        return None
    return float(good.min() / 10**0.25), float(good.max() * 10**0.25)


def disagreement(a: str, b: str, seeds: tuple[int, ...] = SWEEP_SEEDS) -> np.ndarray:
    """Per seed, the fraction of validation digits that exactly one of `a`, `b` gets right.

    Shapes: (len(seeds),). Each at its best rate on the mean sweep. Paired on the same digits,
    the difference of two accuracies has variance ≈ disagreement / n, so an s.e. s needs about
    disagreement / s² digits (instead of 2·p(1 − p)/s² on separate sets).
    """
    mean = lr_sweep_seeds(seeds)
    lr_a, lr_b = (float(mean.lrs[mean.val_acc[mean.names.index(n)].argmax()]) for n in (a, b))
    out = []
    for s in seeds:
        Xt, yt, Xv, yv = _split(int(s), 400, 500)
        right = []
        for name, lr in ((a, lr_a), (b, lr_b)):
            model = _train_digits(make_optimizer(name, lr), Xt, yt, 8, 40, int(s))
            if model is None:
                raise ValueError(f"{name}: diverged at α = {lr:.3g} on seed {s}")
            right.append(np.argmax(model.forward(Xv, train=False), axis=1) == yv)
        out.append(float(np.mean(right[0] != right[1])))
    return np.array(out)


def dead_by_rate(name: str, lrs: tuple[float, ...] = SWEEP_LRS, seed: int = 0) -> dict:
    """Fraction of hidden ReLUs that never fire on the training digits, at init and per rate.

    Shapes: {"init": fraction, lr: fraction or None (diverged)}: `train_once`'s `dead`.
    """
    from trainlib.layers import mlp

    Xt = _split(seed, 400, 500)[0]
    init = mlp([64, 32, 10], rng=np.random.default_rng(seed + 1))
    out: dict = {"init": _dead_fraction(init, Xt)}
    for lr in lrs:
        out[float(lr)] = train_once(name, float(lr), seed).dead
    return out
