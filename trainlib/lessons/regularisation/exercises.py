"""Exercises of 09_regularisation: debug a dropout, torch's weight_decay for a penalty on the
summed loss, early stopping, predict a forgotten eval(), tune the patience."""

from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1 · (debug) a colleague's dropout: no 1/(1 − p), and still dropping in eval mode
# ---------------------------------------------------------------------------------------------


def _dropout_forward(x: np.ndarray, mask: np.ndarray, p: float, train: bool) -> np.ndarray:
    """Inverted dropout: train → x·mask/(1 − p) (mask True = kept); eval → x unchanged.

    Shapes: x (N, D), mask (N, D) bool → (N, D).
    """
    if not train:
        return x
    return np.where(mask, x / (1.0 - p), 0.0)


def _dropout_cases() -> list[tuple]:
    rng = np.random.default_rng(90)
    cases = []
    for p, train in ((0.5, True), (0.2, True), (0.5, False), (0.75, True), (0.3, False)):
        x = np.round(rng.uniform(-2, 2, (3, 4)), 2)
        mask = rng.random((3, 4)) >= p
        cases.append((x, mask, p, train))
    return cases


my_dropout_exercise = Exercise(
    "my_dropout",
    reference=_dropout_forward,
    cases=_dropout_cases(),
    mistakes=[
        Mistake(
            "both bugs are still there: the survivors are not scaled by 1/(1 − p), and the "
            "mask is applied in eval mode too. Fix one at a time and run the checker again.",
            example=lambda x, mask, p, train: np.where(mask, x, 0.0),
        ),
        Mistake(
            "the eval mode is fixed, but in train mode the survivors are still not scaled: "
            "divide them by 1 − p, or the layer's average output shrinks to (1 − p)·x.",
            example=lambda x, mask, p, train: np.where(mask, x, 0.0) if train else x,
        ),
        Mistake(
            "train mode is right, but in eval mode you scaled the input. With inverted "
            "dropout all the scaling happens during training; eval mode returns x unchanged.",
            example=lambda x, mask, p, train: (
                np.where(mask, x / (1.0 - p), 0.0) if train else x * (1.0 - p)
            ),
            # right in train mode; in eval mode x·(1 − p) (old-style dropout) or x/(1 − p)
            detect=lambda got, expected, args: (
                np.allclose(got, expected)
                if args[3]
                else np.allclose(got, args[0] * (1 - args[2]))
                or np.allclose(got, args[0] / (1 - args[2]))
            ),
        ),
        Mistake(
            "the scaling is fixed, but in eval mode you still applied the mask: dropout is "
            "switched off at evaluation time, every unit passes and x comes out unchanged "
            "(else every prediction would be a random draw).",
            example=lambda x, mask, p, train: np.where(mask, x / (1.0 - p), 0.0),
        ),
        Mistake(
            "you multiplied the survivors by 1 − p; inverted dropout divides by it "
            "(a unit kept with probability 1 − p must count 1/(1 − p) times to keep the mean).",
            example=lambda x, mask, p, train: np.where(mask, x * (1.0 - p), 0.0) if train else x,
        ),
        Mistake(
            "you kept the entries where the mask is False: mask True means the unit is kept.",
            example=lambda x, mask, p, train: np.where(~mask, x / (1.0 - p), 0.0) if train else x,
        ),
    ],
    success="Fixed! This is exactly what trainlib.layers.Dropout computes for a given mask.",
    kind="debug",
)

# ---------------------------------------------------------------------------------------------
# 2 · (derive) torch's weight_decay for a penalty written on the summed loss
# ---------------------------------------------------------------------------------------------


def _torch_weight_decay(lam: float, n: int, batch_size: int) -> float:
    """torch's SGD `weight_decay` on the *mean* batch loss, for a paper that minimises, at
    every step, the *sum* of the losses over a mini-batch of `batch_size` examples (drawn
    from its n training examples) plus λ‖w‖².

    The penalty is added once per step, to a sum of B = batch_size losses. Averaged over the
    batches that step objective is B·mean + λ‖w‖² = B·(mean + (λ/B)‖w‖²), whatever n: same
    minimiser as mean + (λ/B)‖w‖². torch adds weight_decay·w to the gradient, the gradient of
    (weight_decay/2)·‖w‖², so weight_decay/2 = λ/B, i.e. weight_decay = 2λ/B.
    """
    return 2.0 * lam / batch_size


torch_weight_decay_exercise = Exercise(
    "torch_weight_decay",
    reference=_torch_weight_decay,
    cases=[(1.0, 1000, 50), (0.5, 60000, 128), (3.0, 200, 10), (0.02, 5000, 500)],
    kind="derive",
    mistakes=[
        Mistake(
            "you divided by the data set's n: the paper adds λ‖w‖² once per step, to the sum "
            "of one mini-batch's B losses, so the mean that matters is over B examples.",
            example=lambda lam, n, batch_size: 2.0 * lam / n,
        ),
        Mistake(
            "you forgot the factor 2: torch adds weight_decay·w to the gradient, the gradient "
            "of (weight_decay/2)·‖w‖², while the gradient of (λ/B)·‖w‖² is 2(λ/B)·w.",
            example=lambda lam, n, batch_size: lam / batch_size,
        ),
        Mistake(
            "two slips: you divided by the data set's n instead of the batch size B (the "
            "penalty comes once per step, next to B losses), and forgot torch's ½ (a factor 2).",
            example=lambda lam, n, batch_size: lam / n,
        ),
        Mistake(
            "you kept the factor 2 but forgot the mean: dividing sum + λ‖w‖² by B (which "
            "does not move the minimiser) turns the penalty into (λ/B)·‖w‖².",
            example=lambda lam, n, batch_size: 2.0 * lam,
        ),
        Mistake(
            "you multiplied by B: going from the sum to the mean divides the loss by B, "
            "so the penalty's weight is divided by B too.",
            example=lambda lam, n, batch_size: 2.0 * lam * batch_size,
        ),
        Mistake(
            "λ is the strength of λ‖w‖² on a *sum*: two conversions are missing (the mean "
            "over the batch, and torch's ½).",
            example=lambda lam, n, batch_size: lam,
        ),
    ],
    success=(
        "Correct: weight_decay = 2λ/B, whatever the data set's size: the penalty is paid once "
        "per step, next to B losses. With λ = 1 and batches of 50 that is 0.04, a small-looking "
        "number for the same pull."
    ),
)

# ---------------------------------------------------------------------------------------------
# 3 · the early-stopping decision
# ---------------------------------------------------------------------------------------------


def _early_stop(val_losses: np.ndarray, patience: int) -> np.ndarray:
    """(best epoch, epoch where training stops), 0-based, with fit's rule (see regularise).

    Stop once `patience` epochs have passed since the best one without a strictly lower loss.
    """
    best, best_epoch = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience:
            return np.array([best_epoch, epoch])
    return np.array([best_epoch, len(val_losses) - 1])


_ES_CASES = [
    (np.array([0.9, 0.7, 0.6, 0.65, 0.7, 0.72, 0.8, 0.9]), 3),
    (np.array([1.0, 0.8, 0.85, 0.7, 0.75, 0.76, 0.77, 0.6, 0.9]), 2),
    (np.array([0.5, 0.5, 0.5, 0.4, 0.45, 0.46, 0.47, 0.48]), 2),
    (np.array([0.9, 0.8, 0.7, 0.6, 0.5]), 2),
    (np.array([0.6, 0.61, 0.62, 0.5, 0.55, 0.3, 0.31, 0.32, 0.33, 0.34]), 4),
]


def _stop_late(v: np.ndarray, patience: int) -> np.ndarray:
    return _early_stop(v, patience + 1)


def _stop_early(v: np.ndarray, patience: int) -> np.ndarray:
    return _early_stop(v, patience - 1)  # every case has patience ≥ 2


def _ties_improve(v: np.ndarray, patience: int) -> np.ndarray:
    best, b, wait = np.inf, 0, 0
    for e, loss in enumerate(v):
        if loss <= best:
            best, b, wait = loss, e, 0
        else:
            wait += 1
            if wait >= patience:
                return np.array([b, e])
    return np.array([b, len(v) - 1])


def _no_restore(v: np.ndarray, patience: int) -> np.ndarray:
    s = _early_stop(v, patience)[1]
    return np.array([s, s])


early_stop_exercise = Exercise(
    "early_stop",
    reference=_early_stop,
    cases=_ES_CASES,
    mistakes=[
        Mistake(
            "you stop one epoch too late (off by one): stop on the epoch where the count of "
            "epochs without improvement reaches `patience`, not when it exceeds it.",
            example=_stop_late,
        ),
        Mistake(
            "you stop one epoch too early (off by one): with patience k, the k epochs after "
            "the best one must all fail to improve before you stop.",
            example=_stop_early,
        ),
        Mistake(
            "an equal loss counted as an improvement: only a strictly lower validation loss "
            "resets the patience counter (and becomes the new best epoch).",
            example=_ties_improve,
        ),
        Mistake(
            "your best epoch is the epoch where training stopped: early stopping restores the "
            "weights of the epoch with the lowest validation loss.",
            example=_no_restore,
        ),
    ],
    success="Correct! This is the rule trainlib.fit.fit applies after every epoch.",
    # the library function is in the notebook's namespace (the patience table uses it first)
    forbidden=("early_stopping_point",),
    forbidden_hint="that is the library's version of the rule — write the rule yourself. Walk "
    "through the losses once, remember the best epoch, and stop when `patience` epochs have "
    "passed without a strictly lower loss.",
)

# ---------------------------------------------------------------------------------------------
# 4 · (predict) the BN network's validation accuracy when eval() is forgotten
# ---------------------------------------------------------------------------------------------


def _bn_forgotten_eval() -> float:
    """Validation accuracy of the trained BN moons network evaluated in train mode, in
    batches of 10 taken in the stored order (class 0 first, then class 1)."""
    from trainlib.lessons.regularisation.experiments import (
        bn_moons_model,
        moons_problem,
        train_mode_accuracy,
    )

    _, _, X_val, y_val = moons_problem()
    return train_mode_accuracy(bn_moons_model(), X_val, y_val, 10)


def _explain_forgotten_eval(got: Any, expected: Any) -> str:
    return (
        f"The experiment gives {expected:.3f}; you said {_number(got)}. In train mode BN "
        "normalises each batch with its own mean and variance. Stored in order, every batch "
        "of 10 holds one class only, so what its 10 points have in common, which side of the "
        "moons they are on, is subtracted away: the network is left guessing from where each "
        "point lies within its batch, about as good as a coin. In eval mode (running "
        "statistics) the same weights get 0.91."
    )


def _number(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return repr(value)


predict_forgotten_eval_exercise = Exercise(
    "predict_forgotten_eval",
    reference=_bn_forgotten_eval,
    cases=[()],
    kind="predict",
    rtol=0.0,
    atol=0.1,  # a prediction: within 10 accuracy points of the experiment counts
    mistakes=[
        Mistake(
            "give the accuracy as a fraction between 0 and 1 (70 % → 0.70).",
            example=lambda: 55.0,
            detect=lambda got, expected, args: float(got) > 1,
        ),
        Mistake(
            "that is about what eval mode gives (0.91). Train mode does not use the running "
            "statistics: each batch is normalised with its OWN mean and variance. What do 10 "
            "points of one class have in common, and what does subtracting their mean remove?",
            example=lambda: 0.91,
            detect=lambda got, expected, args: 0.8 <= float(got) <= 1.0,
        ),
        Mistake(
            "below a coin toss would mean the network is systematically wrong; it has simply "
            "lost the information that tells the classes apart. Think 'chance', not 'inverted'.",
            example=lambda: 0.1,
            detect=lambda got, expected, args: float(got) < 0.4,
        ),
    ],
    explain=_explain_forgotten_eval,
    success="Right.",
)

# ---------------------------------------------------------------------------------------------
# 5 · (tune) the patience that rides out the bump after the early dip
# ---------------------------------------------------------------------------------------------

#: The goal: restore the weights of the validation minimum at epoch 28, stopping by epoch 52.
TUNE_BEST, TUNE_LAST_STOP = 28, 52


def _tune_patience() -> int:
    """The smallest patience that rides out the bump after the early dip at epoch 4 (20 epochs)."""
    return 21


def _patience_goal(patience: Any) -> str | None:
    """Run fit with early stopping at this patience; None if it restores epoch 28 by epoch 52."""
    from trainlib.lessons.regularisation.experiments import early_stopping_run

    k = int(patience)
    if k != patience or k < 1:
        return f"patience must be a whole number of epochs ≥ 1, got {patience!r}."
    h = early_stopping_run(k).history
    if h.best_epoch == TUNE_BEST and h.stopped_epoch <= TUNE_LAST_STOP:
        return None
    if h.best_epoch != TUNE_BEST:
        return (
            f"with patience {k}, fit stopped at epoch {h.stopped_epoch} and restored epoch "
            f"{h.best_epoch}: the validation loss did not beat its epoch-{h.best_epoch} value "
            f"within {k} epochs. Look at how long it stays above it (print the curve)."
        )
    if not h.stopped_early:
        return (
            f"with patience {k}, fit never stops within {len(h.val_loss)} epochs; the goal is "
            f"to stop by epoch {TUNE_LAST_STOP}. Find the smallest patience that still rides "
            "out the bump after the early dip."
        )
    return (
        f"with patience {k}, fit restores epoch {TUNE_BEST} but runs until epoch "
        f"{h.stopped_epoch} (goal: by {TUNE_LAST_STOP}): {k} epochs of waiting after the "
        "minimum. Find the smallest patience that still rides out the bump after the early dip."
    )


tune_patience_exercise = Exercise(
    "tune_patience",
    reference=_tune_patience,
    cases=[()],
    kind="tune",
    goal=_patience_goal,
    mistakes=[
        Mistake(
            "30 is the table's value: it reaches epoch 28 but then waits until epoch 58. The "
            "goal asks for the least waiting that still rides out the bump after the early dip.",
            example=lambda: 30,
            detect=lambda got, expected, args: float(got) == 30,
        ),
    ],
    success=(
        "Goal reached: fit restores the epoch-28 weights. The bump after epoch 4 lasts 20 epochs "
        "(epoch 25 is the first to beat epoch 4), so any patience from 21 reaches epoch 28, "
        "and 21–24 also stop by epoch 52; each epoch more is one more wasted at the end."
    ),
)
