"""Exercises of 08_lr_schedules: debug a cosine, write a warm-up and a step decay, predict
Adam without warm-up, tune the warm-up length.

The schedule exercises take the step(s) t as an integer array (0, 1, 2, …) and return the
rate of every step, the values `trainlib.schedules` (and PyTorch's schedulers) give.
"""

import numpy as np

from trainlib.exercises import Exercise, Mistake

_T = np.arange(0, 61)
_T_BEYOND = np.arange(0, 130, 7)

# ---------------------------------------------------------------------------------------------
# 1 — (debug) a colleague's cosine annealing that never reaches its minimum
# ---------------------------------------------------------------------------------------------


def colleague_cosine(lr: float, T_max: int, eta_min: float, t: np.ndarray) -> np.ndarray:
    """A colleague's cosine annealing: lr at t = 0 down to eta_min at t = T_max."""
    return eta_min + lr * (1.0 + np.cos(t / T_max)) / 2.0


def _cosine(lr: float, T_max: int, eta_min: float, t: np.ndarray) -> np.ndarray:
    """η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2, for an array of steps t."""
    return eta_min + (lr - eta_min) * (1.0 + np.cos(np.pi * t / T_max)) / 2.0


my_cosine_exercise = Exercise(
    "my_cosine",
    reference=_cosine,
    cases=[(0.1, 60, 0.001, _T), (0.5, 40, 0.05, _T), (1.0, 100, 0.2, _T_BEYOND)],
    # colleague_cosine has two bugs: no π inside the cosine, and η_min added to lr·(…)
    # instead of scaling lr − η_min. The first three Mistakes are both, then each one alone.
    mistakes=[
        Mistake(
            "both bugs are still there: cos(t/T_max) only reaches cos(1) ≈ 0.54 at t = T_max "
            "(the angle must run from 0 to π: cos(π·t/T_max)), and η_min + lr·(…) starts at "
            "lr + η_min instead of lr.",
            example=colleague_cosine,
        ),
        Mistake(
            "the π is still missing: cos(t/T_max) at t = T_max is cos(1) ≈ 0.54, not −1, so the "
            "rate stops at η_min + 0.77·(lr − η_min); the angle must be π·t/T_max.",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * (1 + np.cos(t / T_max)) / 2
            ),
        ),
        Mistake(
            "the π is right now, but the rate starts at lr + η_min: the cosine must scale "
            "lr − η_min, η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2.",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + lr * (1 + np.cos(np.pi * t / T_max)) / 2
            ),
        ),
        Mistake(
            "your rate ends at 0, not at eta_min: the cosine runs between lr and η_min, "
            "η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2.",
            example=lambda lr, T_max, eta_min, t: lr * (1 + np.cos(np.pi * t / T_max)) / 2,
        ),
        Mistake(
            "you divided by T_max − 1: the rate should reach η_min exactly at t = T_max "
            "(PyTorch's T_max counts steps, and step T_max is the bottom).",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / (T_max - 1))) / 2
            ),
        ),
        Mistake(
            "you used cos(π·t/T_max) without the ½(1 + …): cos goes from 1 to −1, so your rate "
            "dips below η_min; (1 + cos)/2 goes from 1 to 0.",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * np.cos(np.pi * t / T_max)
            ),
        ),
        Mistake(
            "after T_max the cosine keeps going and the rate climbs back up (CosineAnnealingLR "
            "does not clip t); don't clip t at T_max.",
            example=lambda lr, T_max, eta_min, t: (
                eta_min + (lr - eta_min) * (1 + np.cos(np.pi * np.minimum(t, T_max) / T_max)) / 2
            ),
        ),
    ],
    success="Fixed! This is torch.optim.lr_scheduler.CosineAnnealingLR, value for value.",
    kind="debug",
)

# ---------------------------------------------------------------------------------------------
# 2 — linear warm-up, then constant
# ---------------------------------------------------------------------------------------------


def _warmup(lr: float, warmup_steps: int, start_factor: float, t: np.ndarray) -> np.ndarray:
    """lr·(s + (1 − s)·min(t, K)/K): from s·lr at t = 0 to lr at t = K, then flat."""
    frac = np.minimum(t, warmup_steps) / warmup_steps
    return lr * (start_factor + (1.0 - start_factor) * frac)


my_warmup_exercise = Exercise(
    "my_warmup",
    reference=_warmup,
    cases=[(0.1, 10, 0.1, _T), (3e-4, 25, 0.01, _T), (1.0, 7, 0.5, _T_BEYOND)],
    mistakes=[
        Mistake(
            "off by one: your rate is already one step ahead at t = 0. The first step "
            "(t = 0) uses start_factor·lr; the full rate is reached at t = warmup_steps.",
            example=lambda lr, K, s, t: lr * (s + (1 - s) * np.minimum(t + 1, K) / K),
        ),
        Mistake(
            "your rate keeps rising after the warm-up: clip the fraction at 1 with "
            "np.minimum(t, warmup_steps) so it stays at lr from t = warmup_steps on.",
            example=lambda lr, K, s, t: lr * (s + (1 - s) * t / K),
        ),
        Mistake(
            "your warm-up starts from 0 and ignores start_factor: at t = 0 the rate is "
            "start_factor·lr (PyTorch's LinearLR cannot start at exactly 0).",
            example=lambda lr, K, s, t: lr * np.minimum(t, K) / K,
        ),
        Mistake(
            "your rate reaches lr at t = warmup_steps − 1; LinearLR reaches it at "
            "t = warmup_steps (divide by warmup_steps).",
            example=lambda lr, K, s, t: lr * (s + (1 - s) * np.minimum(t, K - 1) / (K - 1)),
        ),
        Mistake(
            "your rate climbs by lr/warmup_steps per step and reaches lr before t = "
            "warmup_steps: the climb from start_factor·lr to lr is (1 − start_factor)·lr, "
            "spread over warmup_steps steps.",
            example=lambda lr, K, s, t: lr * np.minimum(s + t / K, 1),
        ),
    ],
    success="Correct! This is torch's LinearLR(start_factor, total_iters=warmup_steps).",
)

# 3 — step decay from a start and an end rate: the factor γ is yours to find
# ---------------------------------------------------------------------------------------------


def _step_decay(lr: float, final_lr: float, total_steps: int, step_size: int,
                t: np.ndarray) -> np.ndarray:  # fmt: skip
    """lr·γ^⌊t/step_size⌋ with γ = (final_lr/lr)^(1/n), n = ⌊(total_steps − 1)/step_size⌋ cuts.

    Steps run 0 … total_steps − 1; the last one is in period n, whose rate is lr·γⁿ = final_lr.
    """
    cuts = (total_steps - 1) // step_size
    gamma = (final_lr / lr) ** (1.0 / cuts)
    return lr * gamma ** (t // step_size)


def _gamma(lr, final_lr, total_steps, step_size):
    return (final_lr / lr) ** (1.0 / ((total_steps - 1) // step_size))


_T300 = np.arange(0, 300)

my_step_decay_exercise = Exercise(
    "my_step_decay",
    reference=_step_decay,
    cases=[
        (0.1, 0.001, 300, 100, _T300),  # 2 cuts: γ = 0.1
        (0.1, 0.0125, 80, 20, _T),  # 3 cuts: γ = 0.5
        (1.0, 0.01, 61, 15, _T),  # 4 cuts
        (0.3, 0.03, 130, 25, _T_BEYOND),
    ],  # fmt: skip
    mistakes=[
        Mistake(
            "one cut too many: steps run 0 … total_steps − 1, so the last step is in period "
            "⌊(total_steps − 1)/step_size⌋ — that is the number of cuts n, and γⁿ = final_lr/lr. "
            "With total_steps/step_size your rate only reaches final_lr after training ends.",
            example=lambda lr, f, T, s, t: lr * ((f / lr) ** (1.0 / (T // s))) ** (t // s),
        ),
        Mistake(
            "one cut too few: total_steps // step_size − 1 undercounts when step_size does not "
            "divide total_steps (61 steps, cuts every 15: the last step, 60, is in period 4). "
            "The number of cuts is the last step's period, ⌊(total_steps − 1)/step_size⌋.",
            example=lambda lr, f, T, s, t: lr * ((f / lr) ** (1.0 / (T // s - 1))) ** (t // s),
        ),
        Mistake(
            "you used γ = final_lr/lr, the whole decay, at every cut: n cuts multiply the rate "
            "by γⁿ, so γ is the n-th root (final_lr/lr)^(1/n).",
            example=lambda lr, f, T, s, t: lr * (f / lr) ** (t // s),
        ),
        Mistake(
            "you used t / step_size without rounding down, so your rate decays a little every "
            "step (that is exponential decay); use the whole number of periods t // step_size.",
            example=lambda lr, f, T, s, t: lr * _gamma(lr, f, T, s) ** (t / s),
        ),
        Mistake(
            "your first period is already decayed: at t = 0 … step_size − 1 the rate should "
            "be lr itself, γ^0 = 1, so the exponent is t // step_size, not t // step_size + 1.",
            example=lambda lr, f, T, s, t: lr * _gamma(lr, f, T, s) ** (t // s + 1),
        ),
        Mistake(
            "you multiplied by γ·⌊t/step_size⌋ instead of raising γ to that power: each period "
            "multiplies the rate by γ once more, lr·γ^⌊t/step_size⌋.",
            example=lambda lr, f, T, s, t: lr * _gamma(lr, f, T, s) * (t // s),
        ),
    ],
    success="Correct! γ = (final_lr/lr)^(1/n) with n = ⌊(total_steps − 1)/step_size⌋; then "
    "it is torch.optim.lr_scheduler.StepLR(step_size, gamma), value for value.",
)

# ---------------------------------------------------------------------------------------------
# 4 — (predict) Adam at a high rate without warm-up
# ---------------------------------------------------------------------------------------------


def _no_warmup_accuracy() -> float:
    """Mean final validation accuracy over 3 seeds of Adam at 0.2, cosine decay, no warm-up."""
    from trainlib.lessons.lr_schedules.experiments_warmup import warmup_runs

    return float(np.mean([run.val_acc for run in warmup_runs(0.2, 10)["no warm-up"]]))


def _explain_no_warmup(got: float, want: float) -> str:
    return (
        f"The experiment (3 seeds) ends at a mean validation accuracy of {want:.3f} without "
        f"warm-up (a blind guess scores 0.1). You said {got}. Adam's first steps move every "
        "weight with a non-zero gradient by about α = 0.2, as large as the weights themselves: "
        "the batch loss jumps far above its start, and 100 steps are not enough to recover."
    )


predict_no_warmup_exercise = Exercise(
    "predict_no_warmup",
    reference=_no_warmup_accuracy,
    cases=[()],
    mistakes=[
        Mistake(
            "you expected Adam to train as if nothing happened. Its first step moves every "
            "weight by about α (notebook 07, C34) whatever the gradient's size — here 0.2, as "
            "large as the He-initialised weights — and the early batch losses jump far above "
            "their start: the experiment (3 seeds) ends at a mean validation accuracy of 0.236 "
            "(0.372, 0.242, 0.094).",
            example=lambda: 0.93,
            detect=lambda got, expected, args: float(got) >= 0.75,
        ),
        Mistake(
            "close in spirit: seed 2 ends at chance (0.094), but seeds 0 and 1 partly recover "
            "(0.372, 0.242), mean 0.236.",
            example=lambda: 0.1,
            detect=lambda got, expected, args: float(got) <= 0.15,
        ),
    ],
    success="Right.",
    rtol=0.0,
    atol=0.1,  # a prediction: within 0.1 of the measured accuracy counts
    kind="predict",
    explain=_explain_no_warmup,
)

# ---------------------------------------------------------------------------------------------
# 5 — (tune) the length of the warm-up
# ---------------------------------------------------------------------------------------------

#: The goal, what warm-up controls: Adam at peak rate 0.2 never blows up — no seed's batch loss
#: rises above BLOWUP × its first — and every one of the 3 seeds ends at validation accuracy
#: ≥ TUNE_ACC. (A higher accuracy bar would sit inside the seeds' scatter of a few hundredths.)
TUNE_LR, TUNE_ACC = 0.2, 0.85
BLOWUP = 2.0
#: The goal also asks for at least this many of the 100 steps after the warm-up, to anneal.
MIN_AFTER = 40


def _warmup_steps() -> int:
    """A warm-up of 30 of the 100 steps: long enough to start gently, short enough to train."""
    return 30


def _warmup_goal(warmup_steps: int) -> str | None:
    """None if `warmup_steps` leaves ≥ MIN_AFTER steps to anneal and, run on the 3 seeds,
    warm-up + cosine never blows up and every seed reaches TUNE_ACC; else what went wrong."""
    from trainlib.lessons.lr_schedules.experiments_warmup import MLP_SEEDS, MLP_STEPS, warmup_runs

    if not isinstance(warmup_steps, int | np.integer) or not 1 <= warmup_steps < MLP_STEPS:
        raise ValueError(f"warmup_steps: expected an integer 1 … {MLP_STEPS - 1}, "
                         f"got {warmup_steps!r}")  # fmt: skip
    left = MLP_STEPS - int(warmup_steps)
    if left < MIN_AFTER:
        return (f"the warm-up is long: the rate spends {warmup_steps} steps climbing and only "
                f"{left} step{'s' if left != 1 else ''} annealing, and the goal asks for at least "
                f"{MIN_AFTER} steps of annealing (a warm-up of at most "
                f"{MLP_STEPS - MIN_AFTER} steps).")  # fmt: skip
    runs = warmup_runs(TUNE_LR, int(warmup_steps))["warm-up"]
    blowups = [_blowup(run.loss) for run in runs]
    accs = [run.val_acc for run in runs]
    if max(b for b, _ in blowups) <= BLOWUP and min(accs) >= TUNE_ACC:
        return None
    i = int(np.argmax([b for b, _ in blowups]))
    if blowups[i][0] <= BLOWUP:
        i = int(np.argmin(accs))
    seed, run, (ratio, k) = MLP_SEEDS[i], runs[i], blowups[i]
    if ratio > BLOWUP:
        what = (f"seed {seed} blows up: its batch loss reaches {run.loss[k]:.1f}, {ratio:.2f}× its "
                f"first, at step {k} (rate {run.lr[k]:.2f}), and it ends at validation accuracy "
                f"{run.val_acc:.3f}")  # fmt: skip
    else:
        top = max(b for b, _ in blowups)
        what = (f"no seed blows up (at most {top:.1f}× the first batch loss), but seed {seed} "
                f"ends at validation accuracy {run.val_acc:.3f}")  # fmt: skip
    if warmup_steps < 20:
        why = "the climb is short; a longer, gentler one may protect the start"
    else:
        why = ("at lengths like this one, whether the full rate's arrival upsets a seed, and its "
               "final accuracy (0.02 = 10 of the 500 validation images), change from one length "
               "to the next")  # fmt: skip
    per_seed = ", ".join(f"{a:.3f}" for a in accs)
    return (f"with {warmup_steps} warm-up steps the seeds reach {per_seed} (goal: no batch loss "
            f"above {BLOWUP:.0f}× the first, every seed ≥ {TUNE_ACC}): {what}; {why}.")  # fmt: skip


def _blowup(loss: np.ndarray) -> tuple[float, int]:
    """The highest batch loss of the run over the first: (ratio, step)."""
    k = int(np.argmax(loss))
    return float(loss[k] / loss[0]), k


tune_warmup_steps_exercise = Exercise(
    "tune_warmup_steps",
    reference=_warmup_steps,
    cases=[()],
    mistakes=[
        Mistake(
            "a warm-up of one or two steps is no warm-up: the rate is already at 0.2 on the "
            "second or third step, when Adam has seen almost no gradients.",
            example=lambda: 1,
            detect=lambda got, expected, args: int(got) <= 2,
        ),
    ],
    success="Goal reached: with that warm-up Adam at 0.2 never blows up, every seed ends at "
    "0.85 or better, and at least 40 steps are left to anneal.",
    kind="tune",
    goal=_warmup_goal,
)
