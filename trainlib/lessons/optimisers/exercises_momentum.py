"""Exercises of 07_optimisers placed in the momentum and AdamW sections (tune, predict)."""

import math
from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.optimisers.experiments_momentum import (
    MOMENTUM_GRID,
    VALLEY_CURVATURES,
    momentum_path,
    momentum_rate,
    settle_step,
)

# ---------------------------------------------------------------------------------------------
# 07 optimisers — (tune) μ and α that beat (0.6, 0.056): within tolerance from before step 31
# ---------------------------------------------------------------------------------------------

#: The goal: L ≤ MOMENTUM_TOL for good from a step below TUNE_MOMENTUM_STEPS.
TUNE_MOMENTUM_STEPS = 31


def _valley_settings() -> tuple[float, float]:
    """μ and α near critical damping on the valley (κ = 50): L ≤ 1e-4 for good from step 29."""
    return (0.55, 0.0567)


def _valley_goal(settings: tuple[float, float]) -> str | None:
    """Run SGD with momentum (μ, α) on the valley; None if L stays ≤ 1e-4 from step < 31."""
    mu, lr = (float(v) for v in np.asarray(settings, dtype=float).reshape(2))
    path = momentum_path(mu, lr)
    rate = momentum_rate(mu, lr)
    if path.diverged:
        return (f"μ = {mu:g}, α = {lr:g} diverges at step {path.diverged_at}: the theory's "
                f"factor per step is {rate:.3g} > 1. Lower α.")  # fmt: skip
    stays = settle_step(path)
    if stays is not None and stays < TUNE_MOMENTUM_STEPS:
        return None
    when = "never stays ≤ 1e-4 within 200 steps" if stays is None else (
        f"stays ≤ 1e-4 only from step {stays}")  # fmt: skip
    edge = " — at the edge of stability (factor 1)" if abs(rate - 1.0) < 1e-9 else ""
    verb = "grows" if rate > 1.0 + 1e-9 else "shrinks"
    return (f"with μ = {mu:g}, α = {lr:g} the loss {when}. The distance {verb} by a factor "
            f"{rate:.3f} per step{edge}. {_valley_direction(mu, lr)}")  # fmt: skip


def _valley_direction(mu: float, lr: float) -> str:
    """Which way to move from (μ, α): far from μ* by the factor; near it by the goal itself."""
    best = "critical damping (α*, μ*, printed in the momentum section)"
    if mu < 0.45:
        return (f"Too little momentum: the flat direction crawls. {best.capitalize()} gives "
                f"the best factor per step — move μ up towards μ*.")  # fmt: skip
    if mu > 0.65:
        return (f"Too much momentum: every direction spirals in at √μ per step, slower than "
                f"{best} — move μ down towards μ*.")  # fmt: skip
    flat, steep = (momentum_rate(mu, lr, (h,)) for h in VALLEY_CURVATURES)
    if steep > flat + 0.005:
        why = f"The steep direction is the slow one (factor {steep:.3f}, the flat one {flat:.3f})"
        advice = "α is too large for this μ — lower α or raise μ."
    elif flat > steep + 0.005:
        why = f"The flat direction is the slow one (factor {flat:.3f}, the steep one {steep:.3f})"
        advice = "raise α a little, or μ."
    else:
        why = f"Both extreme directions shrink by {flat:.3f} per step"
        advice = "with μ above μ* every direction spirals in at √μ — lower μ a little towards μ*."
    move = _better_notch(mu, lr)
    if move is None:
        return f"{why}: {advice}"
    near = flat > steep + 0.005 and abs(lr - 0.0614) < 0.002  # within one α notch of α*
    reason = (" — this close to α* the slow start of the nearly repeated root costs more "
              "steps than the better factor saves") if near else ""  # fmt: skip
    return f"{why}. What counts is the settling step: {move}{reason}."


def _better_notch(mu: float, lr: float) -> str | None:
    """The figure-slider move (one α notch = ×10^±1/40, or the next μ of the grid) that settles
    soonest, if it settles sooner than (μ, α); None if no neighbour does better. A move that
    reaches the goal is named only by its direction, so the hint never hands out an answer."""

    def steps(m: float, a: float) -> float:
        path = momentum_path(m, a)
        return math.inf if path.diverged else (settle_step(path) or math.inf)

    lower = [m for m in MOMENTUM_GRID if m < mu - 1e-9]
    upper = [m for m in MOMENTUM_GRID if m > mu + 1e-9]
    notch = 10 ** (1 / 40)
    moves = [("lower α", mu, lr / notch), ("higher α", mu, lr * notch)]
    moves += [("lower μ", lower[-1], lr)] if lower else []
    moves += [("higher μ", upper[0], lr)] if upper else []
    now = steps(mu, lr)
    tried = [(steps(m, a), name, m, a) for name, m, a in moves]
    k, name, m, a = min(tried, key=lambda t: t[0])  # ties: α moves first
    if not k < now:
        return None
    if k < TUNE_MOMENTUM_STEPS:  # that move reaches the goal: name the direction, not the answer
        return (
            f"a slightly {name.replace('lower', 'smaller').replace('higher', 'larger')} "
            "at this setting settles sooner"
        )
    where = "α ≈ 6 % apart, same μ" if "α" in name else "the next μ of the figure, same α"
    return f"one slider notch {name} ({where}) stays within the tolerance from step {k}"


tune_valley_momentum_exercise = Exercise(
    "tune_valley_momentum",
    reference=_valley_settings,
    cases=[()],
    mistakes=[
        Mistake(
            "μ = 0.9 at α = 0.0316 is the momentum figure's default setting: it swings past "
            "the minimum and stays within the tolerance only from step 137. Less momentum, "
            "and a rate above GD's limit of 0.04 — momentum is stable well beyond it.",
            example=lambda: (0.9, 10**-1.5),
            detect=lambda got, expected, args: (
                abs(float(np.ravel(got)[0]) - 0.9) < 0.01
                and abs(float(np.ravel(got)[1]) - 10**-1.5) < 1e-3
            ),
        ),
        Mistake(
            "(μ, α) ≈ (0.566, 0.0614) is critical damping, the best factor per step (0.752): "
            "but there the flattest and the steepest directions have a repeated root, which "
            "shrinks like t·0.752ᵗ and needs about 40 steps. Lower α a little below α* and keep "
            "μ near μ*: the repeated roots split, the steep direction oscillates a little, and "
            "the slow start is gone for a factor only slightly worse.",
            example=lambda: (0.566, 0.0614),
            detect=lambda got, expected, args: (
                abs(float(np.ravel(got)[0]) - 0.566) < 0.005
                and abs(float(np.ravel(got)[1]) - 0.0614) < 0.0005
                and _valley_goal(got) is not None
            ),
        ),
        Mistake(
            "μ = 0 is plain gradient descent: with κ = 50 it needs at least 118 steps. "
            "Momentum is what you are tuning.",
            example=lambda: (0.0, 0.035),
            detect=lambda got, expected, args: float(np.ravel(got)[0]) == 0.0,
        ),
    ],
    success="Goal reached: near critical damping the distance shrinks by about 0.8 per step — "
    "slightly worse than critical damping's 0.752, but without its slow repeated-root start "
    "(t·0.752ᵗ) — against 0.96 for the best plain GD.",
    kind="tune",
    goal=_valley_goal,
)

# ---------------------------------------------------------------------------------------------
# 07 optimisers — (predict) where AdamW is after 3000 steps on the stretched bowl
# ---------------------------------------------------------------------------------------------


def _adamw_x_after_3000() -> float:
    """AdamW's x after 3000 steps (α = 0.05, λ = 0.3) on the stretched bowl: the experiment."""
    from trainlib.lessons.optimisers.experiments import adamw_endpoints

    return float(adamw_endpoints((3000,), lr=0.05, weight_decay=0.3)[0, 0])


#: A right prediction lies in (1.669, 2.0]: clearly above the step-300 value 1.639 (by more
#: than 0.03; the "1.639" hint catches ±0.01, the explanation names 1.649–1.669 as the right
#: direction) and at most the unpenalised minimum 2.
ADAMW_WINDOW = (1.669, 2.0)


def _adamw_explain(got: Any, want: float) -> str:
    """The predict checker's explanation: what the run found, and a word on the direction."""
    found = (f"The run finds x = {want:.3f} after 3000 steps (1.639 at 300, 1.782 at 1000): "
             f"AdamW keeps creeping towards the unpenalised minimum x = 2 as v̂ forgets the "
             f"large early gradients. You said {got}.")  # fmt: skip
    try:
        x = float(got)
    except (TypeError, ValueError):
        return found
    if x > 2.0:
        return (f"{found} Past 2 it cannot go: beyond the minimum both Adam's step and the "
                f"decay push x back.")  # fmt: skip
    if 1.639 < x <= ADAMW_WINDOW[0]:
        return f"You have the direction right, but it creeps further. {found}"
    return found


predict_adamw_after_3000_exercise = Exercise(
    "predict_adamw_after_3000",
    reference=_adamw_x_after_3000,
    cases=[()],
    mistakes=[
        Mistake(
            "1.639 is where AdamW is at step 300: it has not stopped there. Is anything holding "
            "x at 1.639? The decay takes 0.0246 off x per step (printed above), while Adam's "
            "step towards x = 2 has a size of up to α = 0.05 whatever the gradient's scale.",
            example=lambda: 1.639,
            detect=lambda got, expected, args: abs(float(got) - 1.639) < 0.01,
        ),
        Mistake(
            "1.538 is the minimum of L + ½λ‖θ‖², where SGD + L2 and Adam + L2 stop. AdamW "
            "minimises no penalised loss: its decay is not divided by √v̂, the loss's pull is.",
            example=lambda: 1.538,
            detect=lambda got, expected, args: abs(float(got) - 1.538) < 0.03,
        ),
    ],
    success="Right: clearly above 1.639 (anything in 1.67–2.0 counts) and not past 2.",
    kind="predict",
    window=(math.nextafter(ADAMW_WINDOW[0], 2.0), ADAMW_WINDOW[1]),  # 1.669 itself is not in
    explain=lambda got, want: _adamw_explain(got, want),
)
