"""Where warm-up matters, the learning-rate range test and one-cycle: Adam on the digits MLP.

Notebook 08's linear regression is convex, and there warm-up buys nothing. These runs train
a small network instead — the MLP 64→64→64→10 (ReLU, He init) on 1000 of the 8×8 digits,
Adam, batches of 50, 5 epochs = 100 steps — with `trainlib.fit.fit`, the rate a
`trainlib.schedules` schedule:

- `warmup_runs`: the same peak rate decayed by a cosine, with and without a linear warm-up;
- `range_test`: Smith's learning-rate range test — the rate grows exponentially, one step at
  a time, and the smoothed batch loss says where training still works;
- `schedule_runs`: any schedules over several seeds (one-cycle with the range test's rate).

numpy + core only.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np

from trainlib import optim, schedules
from trainlib.validation import check_int, check_positive, check_range

__all__ = [
    "MLP_EPOCHS",
    "MLP_SEEDS",
    "MLP_STEPS",
    "RangeTest",
    "SeedRun",
    "digits_split",
    "first_batch_zero_gradients",
    "first_step_change",
    "range_test",
    "schedule_runs",
    "smooth",
    "train_mlp",
    "warmup_runs",
]

#: 1000 training images in batches of 50: 20 steps per epoch, 5 epochs.
MLP_BATCH, MLP_EPOCHS, MLP_STEPS = 50, 5, 100
#: The seeds of every comparison: seed s draws the initial weights and the batch order.
MLP_SEEDS: tuple[int, ...] = (0, 1, 2)
#: Layer widths of the network.
MLP_SIZES: tuple[int, ...] = (64, 64, 64, 10)


class SeedRun(NamedTuple):
    """One training run: the batch loss of every step, its rate, and the end of training.

    Shapes: loss, lr (steps,). val_acc: validation accuracy after the last epoch;
    early_peak: the highest batch loss of the first 20 steps (one epoch).
    """

    loss: np.ndarray
    lr: np.ndarray
    val_acc: float
    early_peak: float


@functools.cache
def digits_split(n_train: int = 1000, n_val: int = 500) -> tuple[np.ndarray, ...]:
    """1000 training and 500 validation digits, a fixed random split (seed 0).

    Shapes: returns X_train (1000, 64), y_train (1000,), X_val (500, 64), y_val (500,).
    """
    from trainlib.data import digits

    X, y = digits()
    idx = np.random.default_rng(0).permutation(len(X))
    tr, va = idx[:n_train], idx[n_train : n_train + n_val]
    return X[tr], y[tr], X[va], y[va]


def train_mlp(lr: float | schedules.Schedule, seed: int, epochs: int = MLP_EPOCHS) -> SeedRun:
    """Train a fresh MLP 64→64→64→10 with Adam at rate `lr` (a float or a schedule).

    The seed draws the initial weights (default_rng(seed)) and the batch order
    (default_rng(seed + 100)), so two schedules with the same seed differ only in the rate.
    """
    from trainlib.fit import fit
    from trainlib.layers import mlp
    from trainlib.losses import cross_entropy

    check_int("seed", seed, minimum=0)
    X, y, Xv, yv = digits_split()
    model = mlp(list(MLP_SIZES), rng=np.random.default_rng(seed))
    hist = fit(model, cross_entropy, optim.adam(lr=lr), X, y, epochs=epochs,
               batch_size=MLP_BATCH, rng=np.random.default_rng(seed + 100),
               val=(Xv, yv))  # fmt: skip
    acc = float(hist.val_acc[-1]) if len(hist.val_acc) and not hist.diverged else 0.1
    return SeedRun(hist.loss, hist.lr, acc, float(np.max(hist.loss[:20])))


def first_step_change(lr: float, seed: int = 0) -> tuple[float, float]:
    """Adam's first step at rate `lr` on the first layer: (‖ΔW₁‖/‖W₁‖, fraction of W₁ moved).

    The same initial weights and first batch as `train_mlp(…, seed)`; only step 0 moves
    (the rate is 0 afterwards, and Adam with rate 0 stays put).
    """
    from trainlib.fit import fit
    from trainlib.layers import mlp
    from trainlib.losses import cross_entropy

    lr = check_positive("lr", lr)
    check_int("seed", seed, minimum=0)
    X, y, _, _ = digits_split()
    model = mlp(list(MLP_SIZES), rng=np.random.default_rng(seed))
    W0 = model.params["0.W"].copy()

    def only_first(k: Any) -> Any:
        return lr * (np.asarray(k) == 0)

    fit(model, cross_entropy, optim.adam(lr=only_first), X, y, epochs=1,
        batch_size=MLP_BATCH, rng=np.random.default_rng(seed + 100))  # fmt: skip
    delta = model.params["0.W"] - W0
    return float(np.linalg.norm(delta) / np.linalg.norm(W0)), float(np.mean(delta != 0))


def first_batch_zero_gradients(seed: int = 0) -> tuple[float, float, float]:
    """Why part of W₁ has a zero gradient on the first batch of `train_mlp(…, seed)`.

    Returns (fraction of the 64 pixels blank in every image of the batch, fraction of the 64
    first-layer units that ReLU switches off on every image, fraction of W₁'s weights whose
    pixel is blank in every image that switches their unit on). The weight from pixel i to
    unit j has gradient Σₙ xₙᵢ·[hₙⱼ > 0]·δₙⱼ, so the last fraction is what cannot move.
    """
    from trainlib.layers import mlp

    check_int("seed", seed, minimum=0)
    X, _, _, _ = digits_split()
    order = np.random.default_rng(seed + 100).permutation(len(X))  # fit's first shuffle
    Xb = X[order[:MLP_BATCH]]
    model = mlp(list(MLP_SIZES), rng=np.random.default_rng(seed))
    on = (Xb @ model.params["0.W"] + model.params["0.b"]) > 0  # (batch, units)
    lit = Xb != 0  # (batch, pixels)
    never_together = (lit.T.astype(int) @ on.astype(int)) == 0  # (pixels, units)
    return float(np.mean(~lit.any(0))), float(np.mean(~on.any(0))), float(np.mean(never_together))


def schedule_runs(named: dict[str, schedules.Schedule | float],
                  seeds: tuple[int, ...] = MLP_SEEDS) -> dict[str, list[SeedRun]]:  # fmt: skip
    """`train_mlp` for every (name → rate or schedule) and every seed."""
    return {name: [train_mlp(lr, s) for s in seeds] for name, lr in named.items()}


@functools.lru_cache(maxsize=8)
def warmup_runs(lr: float = 0.2, warmup_steps: int = 10,
                seeds: tuple[int, ...] = MLP_SEEDS) -> dict[str, list[SeedRun]]:  # fmt: skip
    """Adam at peak rate `lr`: cosine to 0 over 100 steps, without and with a linear warm-up.

    "no warm-up": cosine(lr, 100); "warm-up": warmup_cosine(lr, warmup_steps, 100,
    start_factor=0.01) — from lr/100 to lr over `warmup_steps` steps, then the cosine.
    """
    lr = check_positive("lr", lr)
    return schedule_runs({
        "no warm-up": schedules.cosine(lr, MLP_STEPS),
        "warm-up": schedules.warmup_cosine(lr, warmup_steps, MLP_STEPS, start_factor=0.01),
    }, seeds)  # fmt: skip


def smooth(loss: np.ndarray, beta: float = 0.9) -> np.ndarray:
    """Exponential moving average with bias correction: s_k = a_k/(1 − βᵏ⁺¹), a_k ← β·a + (1−β)·ℓ_k.

    Shapes: loss (k,) → (k,).
    """
    beta = check_range("beta", beta, 0.0, 1.0)
    out, a = np.empty(len(loss)), 0.0
    for k, value in enumerate(loss):
        a = beta * a + (1 - beta) * float(value)
        out[k] = a / (1 - beta ** (k + 1))
    return out


class RangeTest(NamedTuple):
    """A learning-rate range test. Shapes: lr, loss, smoothed (steps,).

    best_lr: the rate at the lowest smoothed loss; suggested: best_lr / 10, a bit below where
    the loss stops falling (the max_lr for one-cycle).
    """

    lr: np.ndarray
    loss: np.ndarray
    smoothed: np.ndarray
    best_lr: float
    suggested: float


@functools.lru_cache(maxsize=8)
def range_test(lo: float = 1e-4, hi: float = 1.0, steps: int = MLP_STEPS,
               seed: int = 0) -> RangeTest:  # fmt: skip
    """Smith's range test: one short run whose rate grows from `lo` to `hi` exponentially.

    Step k uses lr = lo·(hi/lo)^(k/steps) (`schedules.exponential`); the batch losses are
    smoothed (`smooth`) and the rate at their minimum, divided by 10, is the suggestion.
    """
    lo, hi = check_positive("lo", lo), check_positive("hi", hi)
    if hi <= lo:
        raise ValueError(f"hi: expected a rate above lo={lo}, got {hi}")
    steps = check_int("steps", steps, minimum=2)
    epochs = -(-steps // (len(digits_split()[0]) // MLP_BATCH))
    run = train_mlp(schedules.exponential(lo, (hi / lo) ** (1.0 / steps)), seed, epochs)
    lr, loss = run.lr[:steps], run.loss[:steps]
    smoothed = smooth(loss)
    best = float(lr[np.argmin(smoothed)])
    return RangeTest(lr, loss, smoothed, best, best / 10)
