"""Training a network: `fit` (mini-batch steps, evaluation, early stopping) and clipping.

`fit(model, loss, opt, X, y, ...)` runs epochs of mini-batch updates and returns a `History`.
It is built from parts that each do one job: `_Step` (one update and its record),
`_run_epoch` (one pass over the data), `_evaluate` (loss and accuracy in eval mode) and
`_EarlyStopping` (the patience rule, the best weights). Lessons watch a run through its hooks
(`augment` for per-epoch inputs, `on_epoch` after each epoch) instead of copying the loop.
Divergence is a result: a `NonFiniteError` from a layer or loss, or a non-finite gradient or
update, stops training with `diverged=True`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trainlib.layers import buffers, load_params
from trainlib.validation import (
    NonFiniteError,
    as_array,
    check_bool,
    check_callable,
    check_has,
    check_int,
    check_positive,
    check_rng,
    check_tree,
)

Array = np.ndarray

# Overflow is how a divergent run announces itself; it is detected, not warned about.
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}

__all__ = ["History", "clip_grad_norm", "clip_grad_value", "fit", "global_norm"]


# =========================================================================================
# Gradient clipping
# =========================================================================================


def _leaves(grads: Any) -> list[Array]:
    return list(grads.values()) if isinstance(grads, Mapping) else [np.asarray(grads)]


def global_norm(grads: Any) -> float:
    """‖g‖ over every array together: √(Σₖ Σᵢ gₖᵢ²). Shapes: one array or a dict of arrays."""
    check_tree("grads", grads)
    with np.errstate(**_QUIET):
        return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in _leaves(grads))))


def clip_grad_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """Rescale all gradients together so that their global norm is at most `max_norm`.

    Shapes: grads one array or a dict of arrays; returns (clipped grads, same structure —
    new arrays, the input is not modified —, total norm before clipping).
    As torch.nn.utils.clip_grad_norm_: c = max_norm / (‖g‖ + 1e-6); g ← c·g if c < 1.
    The direction is kept; only the length changes, and ‖g_clipped‖ ≤ max_norm.
    """
    max_norm = check_positive("max_norm", max_norm)
    total = global_norm(check_tree("grads", grads))
    coef = max_norm / (total + 1e-6)
    scale = coef if coef < 1.0 else 1.0  # a non-finite total is left for the caller to see
    if isinstance(grads, Mapping):
        return {k: np.asarray(g) * scale for k, g in grads.items()}, total
    return np.asarray(grads) * scale, total


def clip_grad_value(grads: Any, clip_value: float) -> Any:
    """Clip every gradient entry into [−clip_value, clip_value] (torch clip_grad_value_).

    Shapes: grads one array or a dict of arrays; returns new arrays of the same structure.
    Unlike norm clipping this can change the direction of the gradient.
    """
    c = check_positive("clip_value", clip_value)
    check_tree("grads", grads)
    if isinstance(grads, Mapping):
        return {k: np.clip(g, -c, c) for k, g in grads.items()}
    return np.clip(grads, -c, c)


# =========================================================================================
# What fit records
# =========================================================================================


@dataclass(eq=False)
class History:
    """What `fit` recorded. Epochs are 0-based indices into the epoch arrays.

    Per step (one per mini-batch update; empty with `record_steps=False`): `loss` (training
    loss of the batch, before the update), `lr` (the rate that update used), `grad_norm`
    (global gradient norm before clipping), `clipped_norm` (after clipping; equal when not
    clipping), `layer_grad_norms` {layer name ("0", "2", …, the prefix of the parameter
    keys): norms before clipping}.
    Per epoch: `train_loss` (sample-weighted mean of the batch losses of that epoch),
    `val_loss`, `train_acc`, `val_acc` (empty when not computed).
    `best_epoch`: epoch with the lowest validation loss (None without validation data);
    `stopped_epoch`: the last epoch run; `stopped_early`: patience ran out;
    `restored`: the best weights were written back; `diverged`: a non-finite loss,
    gradient or parameter stopped training (the model keeps its last finite parameters).
    """

    loss: Array = field(default_factory=lambda: np.empty(0))
    lr: Array = field(default_factory=lambda: np.empty(0))
    grad_norm: Array = field(default_factory=lambda: np.empty(0))
    clipped_norm: Array = field(default_factory=lambda: np.empty(0))
    layer_grad_norms: dict[str, Array] = field(default_factory=dict)
    train_loss: Array = field(default_factory=lambda: np.empty(0))
    val_loss: Array = field(default_factory=lambda: np.empty(0))
    train_acc: Array = field(default_factory=lambda: np.empty(0))
    val_acc: Array = field(default_factory=lambda: np.empty(0))
    best_epoch: int | None = None
    stopped_epoch: int | None = None
    stopped_early: bool = False
    restored: bool = False
    diverged: bool = False


_STEP_KEYS = ("loss", "lr", "grad_norm", "clipped_norm")
_EPOCH_KEYS = ("train_loss", "val_loss", "train_acc", "val_acc")


def _history(steps: dict[str, list], layers: dict[str, list], epochs: dict[str, list]) -> History:
    """The recorded lists as a History of float arrays."""
    hist = History(layer_grad_norms={k: np.asarray(v, dtype=float) for k, v in layers.items()})
    for k, v in {**steps, **epochs}.items():
        setattr(hist, k, np.asarray(v, dtype=float))
    return hist


# =========================================================================================
# The parts of fit
# =========================================================================================


def _layer_of(key: str) -> str:
    return key.rsplit(".", 1)[0] if "." in key else key


def _accuracy_fn(loss: Callable, y: Array) -> Callable[[Array, Array], Array] | None:
    """How to count correct predictions for this loss and these targets, or None."""
    from trainlib import losses as L

    if y.ndim == 1 and y.dtype.kind in "iu":
        return lambda out, yb: (np.argmax(out, axis=-1) == yb) if out.ndim == 2 else None
    if loss in (L.bce_with_logits, L.focal_loss):
        return lambda out, yb: (out.reshape(yb.shape) > 0) == (yb > 0.5)
    if loss is L.bce:
        return lambda out, yb: (out.reshape(yb.shape) > 0.5) == (yb > 0.5)
    return None


def _checked_xy(xname: str, X: Any, yname: str, y: Any) -> tuple[Array, Array]:
    """Inputs as a finite float array, targets finite (labels keep their integer dtype)."""
    X = as_array(xname, X)
    y = np.asarray(y)
    if y.dtype.kind == "f" or y.dtype.kind not in "biu":
        y = as_array(yname, y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ValueError(
            f"{yname}: expected as many samples as {xname} ({len(X) if X.ndim else 0}), "
            f"got shape {y.shape}"
        )
    return X, y


def _is_divergence(err: ValueError) -> bool:
    """A layer or loss refusing an overflowed (non-finite) input: the run diverged."""
    return isinstance(err, NonFiniteError)


def _all_finite(arrays: Mapping[str, Array]) -> bool:
    return all(np.all(np.isfinite(v)) for v in arrays.values())


class _Step:
    """One update: forward, loss, backward, clip, optimiser step, written into the model.

    `__call__` returns the batch's (loss, output), or None if the run diverged (then the
    model keeps its parameters). With `record` it appends the step's loss, rate and norms.
    """

    def __init__(self, model: Any, loss: Callable, opt: Any, clip_value: float | None,
                 clip_norm: float | None, record: bool) -> None:  # fmt: skip
        self.model, self.loss, self.opt = model, loss, opt
        self.clip_value, self.clip_norm, self.record = clip_value, clip_norm, record
        self.params = model.params
        self.state = opt.init(self.params)
        self.steps: dict[str, list] = {k: [] for k in _STEP_KEYS}
        self.layers: dict[str, list] = {_layer_of(k): [] for k in self.params}

    def _gradients(self, Xb: Array, yb: Array) -> tuple[float, Array] | None:
        try:
            out = self.model.forward(Xb, train=True)
            value, dout = self.loss(out, yb)
            if not np.isfinite(value):
                raise NonFiniteError("loss: expected a finite value")
            self.model.backward(dout)
        except ValueError as err:
            if not _is_divergence(err):
                raise
            return None
        return float(value), out

    def __call__(self, Xb: Array, yb: Array) -> tuple[float, Array] | None:
        forward = self._gradients(Xb, yb)
        if forward is None:
            return None
        grads, norms = self._clip(self.model.grads)
        lr_t = float(self.opt.lr(self.state.t)) if self.record else None
        new, state = self.opt.step(self.params, grads, self.state)
        finite = norms is None or (np.isfinite(norms["norm"]) and np.isfinite(norms["clipped"]))
        if not (finite and _all_finite(new)):
            return None
        load_params(self.model, new)
        self.state = state
        if norms is not None:
            self._note(forward[0], lr_t, norms)
        return forward

    def _clip(self, grads: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Any] | None]:
        """The gradients clipped as asked (new arrays), and with `record` their norms."""
        norms = None
        if self.record:
            norms = {"norm": global_norm(grads), "layers": {
                name: global_norm({k: g for k, g in grads.items() if _layer_of(k) == name})
                for name in self.layers
            }}  # fmt: skip
        if self.clip_value is not None:
            grads = clip_grad_value(grads, self.clip_value)
        if self.clip_norm is not None:
            grads, _ = clip_grad_norm(grads, self.clip_norm)
        if norms is not None:
            norms["clipped"] = global_norm(grads)
        return grads, norms

    def _note(self, value: float, lr_t: float | None, norms: dict[str, Any]) -> None:
        for key, v in zip(_STEP_KEYS, (value, lr_t, norms["norm"], norms["clipped"]),
                          strict=True):  # fmt: skip
            self.steps[key].append(v)
        for name, v in norms["layers"].items():
            self.layers[name].append(v)


def _run_epoch(step: _Step, batches: Any, acc_fn: Callable | None) -> dict[str, float] | None:
    """One pass of updates; the epoch's mean batch loss and accuracy, or None if diverged."""
    total, count, n_correct = 0.0, 0, 0.0
    for Xb, yb in batches:
        result = step(Xb, yb)
        if result is None:
            return None
        value, out = result
        total += value * len(Xb)
        count += len(Xb)
        if acc_fn is not None:
            correct = acc_fn(out, yb)
            n_correct += 0.0 if correct is None else float(np.sum(correct))
    return {"loss": total / count, "acc": n_correct / count}


def _evaluate(model: Any, loss: Callable, acc_fn: Callable | None, X: Array, y: Array
              ) -> tuple[float, float]:  # fmt: skip
    """(loss, accuracy) in eval mode; (inf, nan) if the model overflows on X."""
    try:
        out = model.forward(X, train=False)
        value = float(loss(out, y)[0])
    except ValueError as err:
        if not _is_divergence(err):
            raise
        return np.inf, np.nan
    correct = acc_fn(out, y) if acc_fn is not None else None
    return value, (np.nan if correct is None else float(np.mean(correct)))


class _EarlyStopping:
    """The patience rule on validation losses, keeping the best weights when asked.

    After epoch e: it improves if val_loss < best − min_delta (best ← it, wait ← 0);
    otherwise wait ← wait + 1, and training stops once wait ≥ max(patience, 1).
    """

    def __init__(self, model: Any, patience: int | None, min_delta: float, keep: bool) -> None:
        self.model, self.patience, self.min_delta = model, patience, min_delta
        self.keep = patience is not None and keep
        self.best, self.best_epoch, self.wait = np.inf, None, 0
        self.best_state: dict[str, Array] | None = None

    def should_stop(self, epoch: int, val_loss: float) -> bool:
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, epoch, 0
            if self.keep:
                state = {**self.model.params, **buffers(self.model)}
                self.best_state = {k: v.copy() for k, v in state.items()}
            return False
        self.wait += 1
        return self.patience is not None and self.wait >= max(self.patience, 1)

    def restore(self) -> bool:
        """Write the best weights (and BatchNorm statistics) back; whether there were any."""
        if self.best_state is not None:
            load_params(self.model, self.best_state)
        return self.best_state is not None


def _end_epoch(epoch: int, train: dict[str, float], val: tuple[float, float] | None,
               ep: dict[str, list], stopper: _EarlyStopping, accuracy: bool) -> bool:  # fmt: skip
    """Record the epoch's training and validation numbers; whether early stopping ends it."""
    ep["train_loss"].append(train["loss"])
    if accuracy:
        ep["train_acc"].append(train["acc"])
    if val is None:
        return False
    ep["val_loss"].append(val[0])
    if accuracy:
        ep["val_acc"].append(val[1])
    return stopper.should_stop(epoch, val[0])


def _checked_options(model: Any, loss: Callable, X: Any, y: Any, kw: dict[str, Any]) -> dict:
    """fit's arguments checked (ValueError naming the bad one); X, y, val as arrays."""
    check_has("model", model, ("forward", "backward", "params", "grads"), "a layer or model")
    check_callable("loss", loss, "a loss function (prediction, target) → (value, grad)")
    for name in ("augment", "on_epoch"):
        if kw[name] is not None:
            check_callable(name, kw[name])
    for name in ("restore_best", "shuffle", "record_steps"):
        check_bool(name, kw[name])
    if kw["accuracy"] is not None:
        check_bool("accuracy", kw["accuracy"])
    X, y = _checked_xy("X", X, "y", y)
    if X.ndim < 2:
        raise ValueError(f"X: expected samples in rows, an array (n, …) of >= 2-D, got {X.shape}")
    check_int("epochs", kw["epochs"], minimum=0)
    check_int("batch_size", kw["batch_size"], minimum=1)
    check_rng("rng", kw["rng"])
    for name in ("clip_norm", "clip_value"):
        if kw[name] is not None:
            kw[name] = check_positive(name, kw[name])
    if kw["patience"] is not None:
        check_int("patience", kw["patience"], minimum=0)
        if kw["val"] is None:
            raise ValueError("val: expected validation data (X_val, y_val) with patience, got None")
    kw["min_delta"] = check_positive("min_delta", kw["min_delta"], strict=False)
    val = kw["val"]
    if val is not None:
        if not isinstance(val, tuple | list) or len(val) != 2:
            raise ValueError(f"val: expected a pair (X_val, y_val), got {type(val).__name__}")
        kw["val"] = _checked_xy("X_val", val[0], "y_val", val[1])
    if not model.params:
        raise ValueError("model: expected a model with parameters, got none")
    acc_fn = _accuracy_fn(loss, y) if kw["accuracy"] in (None, True) else None
    if kw["accuracy"] and acc_fn is None:
        raise ValueError("accuracy: expected integer labels or a binary loss for accuracy")
    return {**kw, "X": X, "y": y, "acc_fn": acc_fn}


# =========================================================================================
# fit
# =========================================================================================


def fit(
    model: Any,
    loss: Callable[[Array, Array], tuple[float, Array]],
    opt: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    val: tuple[Any, Any] | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    accuracy: bool | None = None,
    shuffle: bool = True,
    augment: Callable[[Array], Array] | None = None,
    on_epoch: Callable[[int, Any], None] | None = None,
    record_steps: bool = True,
) -> History:
    """Train `model` on (X, y) with mini-batches; return a `History`.

    Shapes: X (n, …), y (n, …) as `loss(model.forward(X), y)` expects; val = (X_val, y_val).
    `model` has forward(x, train) / backward(dout) / params / grads (a `layers.Sequential`),
    `loss(out, y) -> (value, ∂value/∂out)` (a `trainlib.losses` function), `opt` a pure
    `trainlib.optim` optimiser (its lr may be a schedule; the rate of every step is recorded).
    Per update: g = ∇L_B(θ); g ← clip_value(g) then g ← clip_norm(g) if asked;
    (θ, state) ← opt.step(θ, g, state), written into the model's arrays in place.
    Early stopping (`patience` set, needs `val`): after each epoch, the validation loss
    improves if it is < best − min_delta; training stops after `patience` epochs in a row
    without improvement (patience = 0: at the first one), and with `restore_best` the
    weights (and BatchNorm running statistics) of `best_epoch` are written back.
    `accuracy`: None computes it for integer labels and for bce / bce_with_logits / focal.
    Hooks: `augment(X) -> X_e` gives each epoch's inputs (data augmentation);
    `on_epoch(epoch, model)` runs after each epoch's evaluation; `record_steps=False` skips
    the per-step record (norms, rates), which a sweep reading only the final model never uses.
    """
    from trainlib.data import minibatches

    check_has("opt", opt, ("init", "step"), "an optimiser")
    kw = _checked_options(model, loss, X, y, dict(
        epochs=epochs, batch_size=batch_size, rng=rng, val=val, clip_norm=clip_norm,
        clip_value=clip_value, patience=patience, min_delta=min_delta, accuracy=accuracy,
        augment=augment, on_epoch=on_epoch, restore_best=restore_best, shuffle=shuffle,
        record_steps=record_steps,
    ))  # fmt: skip
    X, y, acc_fn = kw["X"], kw["y"], kw["acc_fn"]
    step = _Step(model, loss, opt, kw["clip_value"], kw["clip_norm"], record_steps)
    stopper = _EarlyStopping(model, patience, kw["min_delta"], restore_best)
    ep: dict[str, list] = {k: [] for k in _EPOCH_KEYS}
    stopped, diverged, last = False, False, None
    with np.errstate(**_QUIET):
        for epoch in range(epochs):
            last = epoch
            Xe = X if augment is None else augment(X)
            batches = minibatches(Xe, y, batch_size, rng=rng, shuffle=shuffle)
            train = _run_epoch(step, batches, acc_fn)
            if train is None:
                diverged = True
                break
            checked = None if kw["val"] is None else _evaluate(model, loss, acc_fn, *kw["val"])
            stopped = _end_epoch(epoch, train, checked, ep, stopper, acc_fn is not None)
            if on_epoch is not None:
                on_epoch(epoch, model)
            if stopped:
                break
    hist = _history(step.steps, step.layers, ep)
    hist.best_epoch, hist.stopped_epoch = stopper.best_epoch, last
    hist.stopped_early, hist.diverged, hist.restored = stopped, diverged, stopper.restore()
    return hist
