"""Learning-rate schedules: a schedule is a pure function of the step, like nanoGPT's get_lr.

    lr = cosine(0.1, T_max=100)
    lr(0), lr(50), lr(np.arange(101))    # 0.1, 0.05, the whole curve at once

Each constructor checks its arguments and returns `lr(t)`, where t is the number of
optimiser steps already taken (an int, or an array of ints for plotting). Passed as
`lr=` to an optimiser in `trainlib.optim`, step k uses lr(k): the value PyTorch's
scheduler holds after k calls to `scheduler.step()` (tests/test_schedules.py checks every
one against torch.optim.lr_scheduler 2.13). `ReduceLROnPlateau` depends on the losses
seen, not on t, so it is a small object fed one metric per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from trainlib.validation import (
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_positive,
    check_range,
)

Schedule = Callable[[Any], Any]


def _steps(t: Any) -> tuple[np.ndarray, tuple]:
    """Check `t` (an integer step ≥ 0 or an array of them); return it flat, and its shape.

    Working on a 1-D array even for one step keeps scalar and vectorised calls bitwise
    equal (numpy may round a 0-d and an n-d power differently).
    """
    arr = np.asarray(t)
    if arr.dtype.kind not in "iu" or isinstance(t, bool):
        raise ValueError(f"t: expected an integer step or an array of them, got {t!r}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"t: expected steps >= 0, got {int(arr.min())}")
    return arr.reshape(-1), arr.shape


def _out(values: Any, flat: np.ndarray, shape: tuple) -> float | np.ndarray:
    """A float for a scalar step, a float array shaped like t for an array of steps."""
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), flat.shape).reshape(shape)
    return float(values) if shape == () else values.copy()


def constant(lr: float) -> Schedule:
    """The same rate at every step: lr(t) = lr."""
    lr = check_positive("lr", lr, strict=False)

    def schedule(t):
        t, shape = _steps(t)
        # 1) nothing changes
        return _out(lr, t, shape)

    return schedule


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """Multiply the rate by γ every `step_size` steps (torch StepLR): lr·γ^⌊t/step_size⌋."""
    lr = check_positive("lr", lr, strict=False)
    step_size = check_int("step_size", step_size, minimum=1)
    gamma = check_positive("gamma", gamma)

    def schedule(t):
        t, shape = _steps(t)
        # 1) count the whole periods of `step_size` steps behind us
        periods = t // step_size
        # 2) decay once per period
        return _out(lr * gamma**periods, t, shape)

    return schedule


def exponential(lr: float, gamma: float) -> Schedule:
    """Multiply the rate by γ every step (torch ExponentialLR): lr·γᵗ."""
    lr = check_positive("lr", lr, strict=False)
    gamma = check_positive("gamma", gamma)

    def schedule(t):
        t, shape = _steps(t)
        # 1) one factor γ per step taken
        return _out(lr * gamma**t, t, shape)

    return schedule


def _cosine(lr: float, eta_min: float, T_max: int, t: np.ndarray) -> np.ndarray:
    """η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2."""
    return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2


def cosine(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """Cosine annealing from lr at t = 0 to eta_min at t = T_max (torch CosineAnnealingLR).

        lr(t) = η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2

    Beyond T_max the formula, like PyTorch's scheduler, keeps following the cosine: the rate
    climbs back to lr at t = 2·T_max (no restart, no clamp). Stop at T_max to avoid that.
    """
    lr = check_positive("lr", lr, strict=False)
    T_max = check_int("T_max", T_max, minimum=1)
    eta_min = check_positive("eta_min", eta_min, strict=False)

    def schedule(t):
        t, shape = _steps(t)
        # 1) half a cosine period from lr down to eta_min over T_max steps
        return _out(_cosine(lr, eta_min, T_max, t), t, shape)

    return schedule


def warmup_cosine(
    lr: float,
    warmup_steps: int,
    total_steps: int,
    start_factor: float = 1.0 / 3,
    eta_min: float = 0.0,
) -> Schedule:
    """Linear warm-up from start_factor·lr to lr, then cosine decay to eta_min at total_steps.

    The values of torch's SequentialLR([LinearLR(start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(T_max=total_steps − warmup_steps, eta_min)], milestones=[warmup_steps]);
    start_factor defaults to LinearLR's 1/3. Beyond total_steps the cosine goes on (see
    `cosine`).
    """
    lr = check_positive("lr", lr, strict=False)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=1)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps: expected more than warmup_steps={warmup_steps}, got {total_steps}"
        )
    start_factor = check_range(
        "start_factor", start_factor, 0.0, 1.0, lo_closed=False, hi_closed=True
    )
    eta_min = check_positive("eta_min", eta_min, strict=False)
    decay_steps = total_steps - warmup_steps

    def schedule(t):
        t, shape = _steps(t)
        # 1) linear warm-up: the factor goes from start_factor to 1 over warmup_steps steps
        warm = lr * (
            start_factor + (1.0 - start_factor) * np.minimum(t, warmup_steps) / warmup_steps
        )
        # 2) then cosine decay to eta_min over the remaining steps
        decay = _cosine(lr, eta_min, decay_steps, np.maximum(t - warmup_steps, 0))
        return _out(np.where(t < warmup_steps, warm, decay), t, shape)

    return schedule


# One-cycle: piecewise anneals between phase ends computed exactly as torch's OneCycleLR does.


def _anneal_cos(start: float, end: float, pct: np.ndarray) -> np.ndarray:
    """Cosine from `start` (pct = 0) to `end` (pct = 1)."""
    return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: np.ndarray) -> np.ndarray:
    """Straight line from `start` (pct = 0) to `end` (pct = 1)."""
    return (end - start) * pct + start


def _one_cycle_checks(total_steps, pct_start, anneal_strategy, three_phase):
    check_bool("three_phase", three_phase)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    pct_start = check_range("pct_start", pct_start, 0.0, 1.0, lo_closed=False)
    if pct_start * total_steps <= 1:
        raise ValueError(
            f"pct_start: expected pct_start·total_steps > 1 so the climb lasts at least one "
            f"step, got {pct_start}·{total_steps}"
        )
    if three_phase and pct_start >= 0.5:
        raise ValueError(f"pct_start: expected < 0.5 with three_phase=True, got {pct_start}")
    check_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    return total_steps, pct_start


def _one_cycle(t, total_steps, pct_start, anneal_strategy, phases):
    """Anneal within the phase each step falls in; `phases` lists (start, end) values."""
    t, shape = _steps(t)
    if t.size and t.max() > total_steps:
        raise ValueError(f"t: expected steps <= total_steps={total_steps}, got {int(t.max())}")
    anneal = _anneal_cos if anneal_strategy == "cos" else _anneal_linear
    ends = [float(pct_start * total_steps) - 1]
    if len(phases) == 3:
        ends.append(float(2 * pct_start * total_steps) - 2)
    ends.append(total_steps - 1)
    out = np.zeros(t.shape)
    done = np.zeros(t.shape, dtype=bool)
    start = 0.0
    with np.errstate(invalid="ignore"):
        for i, (end, (a, b)) in enumerate(zip(ends, phases, strict=True)):
            here = ~done & ((t <= end) | (i == len(ends) - 1))
            out = np.where(here, anneal(a, b, (t - start) / (end - start)), out)
            done |= here
            start = end
    return _out(out, t, shape)


def one_cycle(
    max_lr: float,
    total_steps: int,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """One-cycle policy (torch OneCycleLR): climb to max_lr, then anneal far below the start.

    Defined for 0 ≤ t ≤ total_steps (PyTorch raises beyond, and so does this).
    """
    max_lr = check_positive("max_lr", max_lr, strict=False)
    total_steps, pct_start = _one_cycle_checks(total_steps, pct_start, anneal_strategy, three_phase)
    div_factor = check_positive("div_factor", div_factor)
    final_div_factor = check_positive("final_div_factor", final_div_factor)
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor

    def schedule(t):
        # 1) rise from initial_lr = max_lr/div_factor to max_lr over the first pct_start of steps
        # 2) three_phase: come back down to initial_lr over as many steps
        # 3) anneal to min_lr = initial_lr/final_div_factor at step total_steps − 1
        if three_phase:
            phases = [(initial_lr, max_lr), (max_lr, initial_lr), (initial_lr, min_lr)]
        else:
            phases = [(initial_lr, max_lr), (max_lr, min_lr)]
        return _one_cycle(t, total_steps, pct_start, anneal_strategy, phases)

    return schedule


def one_cycle_momentum(
    total_steps: int,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    three_phase: bool = False,
) -> Schedule:
    """The momentum (SGD) or β₁ (Adam) that OneCycleLR cycles opposite to the rate.

    High momentum while the rate is low, low while it is high: max → base while the rate
    climbs, back to max while it falls (then held at max in three_phase's last phase).
    """
    total_steps, pct_start = _one_cycle_checks(total_steps, pct_start, anneal_strategy, three_phase)
    base_momentum = check_positive("base_momentum", base_momentum, strict=False)
    max_momentum = check_positive("max_momentum", max_momentum, strict=False)

    def schedule(t):
        # 1) fall from max_momentum to base_momentum while the rate climbs
        # 2) rise back to max_momentum while the rate falls
        # 3) three_phase: stay at max_momentum during the final anneal
        if three_phase:
            phases = [
                (max_momentum, base_momentum),
                (base_momentum, max_momentum),
                (max_momentum, max_momentum),
            ]
        else:
            phases = [(max_momentum, base_momentum), (base_momentum, max_momentum)]
        return _one_cycle(t, total_steps, pct_start, anneal_strategy, phases)

    return schedule


class ReduceLROnPlateau:
    """Cut the rate by `factor` when a metric stops improving (torch ReduceLROnPlateau).

    Feed one metric per epoch: `lr = plateau.step(val_loss)`. A metric is an improvement when
    it beats the best so far by the threshold (mode "min", "rel": metric < best·(1 − threshold);
    "abs": metric < best − threshold; mirrored for "max"). After more than `patience` epochs
    without one, lr ← max(lr·factor, min_lr) (skipped if that changes lr by ≤ eps), then
    `cooldown` epochs pass in which bad epochs are not counted.

    Passed as `lr=` to an optimiser it acts as a schedule: `plateau(t)` is the current rate
    (t is ignored; calling it changes nothing).
    """

    def __init__(
        self,
        lr: float,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self.lr = check_positive("lr", lr, strict=False)
        self.mode = check_choice("mode", mode, ("min", "max"))
        self.factor = check_range("factor", factor, 0.0, 1.0, lo_closed=False)
        self.patience = check_int("patience", patience, minimum=0)
        self.threshold = check_positive("threshold", threshold, strict=False)
        self.threshold_mode = check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = check_int("cooldown", cooldown, minimum=0)
        self.min_lr = check_positive("min_lr", min_lr, strict=False)
        self.eps = check_positive("eps", eps, strict=False)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0

    def _is_better(self, a: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < self.best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < self.best - self.threshold
        if self.threshold_mode == "rel":
            return a > self.best * (self.threshold + 1.0)
        return a > self.best + self.threshold

    def step(self, metric: float) -> float:
        """Record one epoch's metric; return the rate for the next epoch."""
        current = check_number("metric", metric)  # NaN/inf: never an improvement (as torch)
        self.last_epoch += 1
        # 1) an improvement resets the count of bad epochs
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        # 2) during cooldown bad epochs do not count
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        # 3) more than `patience` bad epochs: cut the rate, start a cooldown
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr

    def __call__(self, t: Any) -> float | np.ndarray:
        """The current rate, whatever the step (so the object can serve as `lr=`)."""
        return _out(self.lr, *_steps(t))

    def __repr__(self) -> str:
        return (
            f"ReduceLROnPlateau(lr={self.lr!r}, best={self.best!r}, "
            f"num_bad_epochs={self.num_bad_epochs}, cooldown_counter={self.cooldown_counter})"
        )


SCHEDULES: dict[str, Callable[..., Any]] = {
    "constant": constant,
    "step decay": step_decay,
    "exponential": exponential,
    "cosine": cosine,
    "warmup + cosine": warmup_cosine,
    "one-cycle": one_cycle,
    "reduce on plateau": ReduceLROnPlateau,
}
