"""Exercises of 06_vanishing_gradients: predict the sigmoid's shrink, a saturated chain's
bound, derive He for leaky ReLU, tune tanh's gain, debug a per-tensor clip."""

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.vanishing_gradients.experiments import layer_health

# ---------------------------------------------------------------------------------------------
# 06 — (predict) how many orders of magnitude a sigmoid network loses from depth 2 to depth 30
# ---------------------------------------------------------------------------------------------


def _predict_sigmoid_shrink() -> float:
    """log₁₀ of ‖∂ℒ/∂W₁‖ at depth 2 over ‖∂ℒ/∂W₁‖ at depth 30 (sigmoid + Glorot, the notebook's
    batch): the experiment itself."""
    from trainlib.lessons.vanishing_gradients.experiments import first_layer_vs_depth

    g2, g30 = first_layer_vs_depth([2, 30], activation="sigmoid", init="glorot")
    return float(np.log10(g2 / g30))


def _explain_sigmoid_shrink(got: float, want: float) -> str:
    """The measured shrink, the bound's 28·log₁₀ 4, and which side of the bound `got` is on."""
    bound = 28 * np.log10(4.0)
    if float(got) > bound + 0.05:
        side = "more than the bound, the right side of it, since the bound is a best case"
        if abs(float(got) - want) > 0.04 * want:  # outside the checker's tolerance
            per_layer = 10 ** (-want / 28)
            side += (
                f"; but {float(got) - want:.1f} orders more than measured: the factor per "
                f"added layer is only a little below 1/4 ({per_layer:.3f})"
            )
    elif float(got) > bound - 1.5:
        side = (
            "no more than the bound, as if every unit sat at z = 0; but the bound is a best "
            "case, so the real loss is larger"
        )
    else:
        side = (
            f"far below even the best case, in which 28 slopes of exactly 1/4 multiply and "
            f"about {bound:.1f} orders are lost"
        )
    return (
        f"The experiment measures {want:.1f} orders of magnitude (‖∂ℒ/∂W₁‖ is "
        f"{10**want:.1e} times larger at depth 2 than at depth 30). The bound (1/4)²⁸ alone "
        f"gives 28·log₁₀ 4 = {bound:.1f}; the rest is the slope falling below 1/4 for every "
        f"unit that is not exactly at z = 0. You said {got}: {side}."
    )


predict_sigmoid_shrink_exercise = Exercise(
    "predict_sigmoid_shrink",
    reference=_predict_sigmoid_shrink,
    cases=[()],
    mistakes=[
        Mistake(
            "log₁₀ 4 ≈ 0.6 is what ONE layer costs at best; from depth 2 to depth 30 the gradient "
            "passes 28 more sigmoid slopes, and the factors multiply (the logs add).",
            example=lambda: float(np.log10(4.0)),
            detect=lambda got, expected, args: 0.3 < float(got) < 1.5,
        ),
        Mistake(
            "you returned the factor itself (≈10⁻¹⁷); the question asks how many orders of "
            "magnitude, −log₁₀ of the factor.",
            example=lambda: 0.25**28,
            detect=lambda got, expected, args: 0.0 < float(got) <= 0.3,
        ),
        Mistake(
            "you answered with the ratio itself; the question asks for the number of orders of "
            "magnitude, log₁₀ of the ratio (a ratio of 1000 is 3 orders).",
            example=lambda: 1e17,
            detect=lambda got, expected, args: float(got) > 1e3,
        ),
        Mistake(
            "a negative number would mean the deep network's first gradient is the LARGER one; "
            "the sigmoid's slope ≤ 1/4 shrinks it. Count the orders lost as a positive number.",
            example=lambda: -17.0,
            detect=lambda got, expected, args: float(got) < 0,
        ),
    ],
    success="Right.",
    # a prediction: within ±0.7 orders of magnitude (16.93–18.35), so that "Right." always
    # lies above the bound 28·log₁₀ 4 = 16.86 + 0.05, the side the prompt asks about
    rtol=0.04,
    kind="predict",
    explain=lambda got, want: _explain_sigmoid_shrink(got, want),
)

# ---------------------------------------------------------------------------------------------
# 06 — (implement) the sigmoid chain's bound when no unit sits at z = 0
# ---------------------------------------------------------------------------------------------


def _sigmoid_chain_bound(k: int, margin: float) -> float:
    """Largest product of k sigmoid slopes σ′(z) = σ(z)(1 − σ(z)) when every |z| ≥ margin.

    σ′ is even and decreasing in |z|, so the largest allowed slope is σ′(margin): σ′(margin)^k.
    """
    s = 1.0 / (1.0 + np.exp(-margin))
    return float((s * (1.0 - s)) ** k)


def _slope(m: float) -> float:
    s = 1.0 / (1.0 + np.exp(-m))
    return float(s * (1.0 - s))


sigmoid_chain_bound_exercise = Exercise(
    "sigmoid_chain_bound",
    reference=_sigmoid_chain_bound,
    cases=[(1, 0.0), (3, 0.0), (10, 0.0), (1, 2.0), (5, 1.0), (10, 3.0), (4, 1.5)],
    mistakes=[
        Mistake(
            "you let each sigmoid pass the gradient through unchanged (factor 1), but its slope "
            "σ′(z) = σ(z)(1 − σ(z)) is at most 1/4, reached at z = 0.",
            example=lambda k, margin: 1.0,
        ),
        Mistake(
            "you used the value of the sigmoid, σ(margin) (σ(0) = 1/2); backprop multiplies by "
            "its slope, σ′(z) = σ(z)(1 − σ(z)).",
            example=lambda k, margin: float((1.0 / (1.0 + np.exp(-margin))) ** k),
        ),
        Mistake(
            "you used the slope at z = 0, (1/4)^k; but no unit sits there: with |z| ≥ margin the "
            "largest slope is σ′(margin) — σ′ falls as |z| grows.",
            example=lambda k, margin: float(0.25**k),
        ),
        Mistake(
            "you added one slope per layer; the chain rule multiplies them: σ′·σ′·… = σ′^k.",
            example=lambda k, margin: k * _slope(margin),
        ),
        Mistake(
            "you returned the bound for one layer; k layers multiply k factors.",
            example=lambda k, margin: _slope(margin),
        ),
    ],
    success="Correct! σ′ is largest at the smallest allowed |z|: (1/4)^k only if every unit "
    "sits exactly at 0. With |z| ≥ 2, ten layers give σ′(2)¹⁰ ≈ 1.6·10⁻¹⁰ instead of 10⁻⁶.",
)

# ---------------------------------------------------------------------------------------------
# 06 — (derive) He's standard deviation for a leaky ReLU
# ---------------------------------------------------------------------------------------------


def _he_std(fan_in: int, fan_out: int, negative_slope: float) -> float:
    """He (Kaiming) normal std for a leaky-ReLU layer, f(z) = z (z > 0), a·z (z ≤ 0).

    E[f(z)²] = (1 + a²)/2 · Var(z) for a symmetric z, so Var(W) = 2/((1 + a²)·fan_in)
    keeps the second moment; fan_out plays no role.
    """
    return float(np.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in)))


he_std_exercise = Exercise(
    "he_std_for",
    reference=_he_std,
    cases=[(100, 10, 0.0), (64, 256, 0.1), (3, 50, 0.5), (512, 512, 1.0), (784, 128, 0.2)],
    mistakes=[
        Mistake(
            "you used fan_out; He scales by fan_in, the number of inputs each unit adds up "
            "(that sum is what must keep its variance).",
            example=lambda fan_in, fan_out, a: float(np.sqrt(2.0 / ((1 + a**2) * fan_out))),
        ),
        Mistake(
            "you forgot the 2: a ReLU-like unit keeps only part of its input's second moment, "
            "E[f(z)²] = (1 + a²)/2 · Var(z), and the 2 makes up for the 1/2.",
            example=lambda fan_in, fan_out, a: float(np.sqrt(1.0 / ((1 + a**2) * fan_in))),
        ),
        Mistake(
            "you returned the variance; the standard deviation is its square root.",
            example=lambda fan_in, fan_out, a: 2.0 / ((1 + a**2) * fan_in),
        ),
        Mistake(
            "that is Glorot's √(2 / (fan_in + fan_out)), made for tanh; He uses fan_in only.",
            example=lambda fan_in, fan_out, a: float(np.sqrt(2.0 / (fan_in + fan_out))),
        ),
        Mistake(
            "that is plain He, √(2 / fan_in): right for a = 0 only. The negative side now "
            "passes a·z, which adds a²·Var(z)/2 to E[f(z)²].",
            example=lambda fan_in, fan_out, a: float(np.sqrt(2.0 / fan_in)),
        ),
        Mistake(
            "the negative side contributes E[(a·z)²] = a²·E[z²], not a·E[z²]: square the slope.",
            example=lambda fan_in, fan_out, a: float(np.sqrt(2.0 / ((1 + a) * fan_in))),
        ),
    ],
    success="Correct! √(2 / ((1 + a²)·fan_in)) — torch's kaiming_normal_ with "
    "nonlinearity='leaky_relu' uses exactly this gain √(2/(1 + a²)); a = 1 is a linear layer "
    "and gives √(1/fan_in).",
    kind="derive",
)

# ---------------------------------------------------------------------------------------------
# 06 — (tune) a gain for tanh: steady forward signal, no exploding gradient
# ---------------------------------------------------------------------------------------------

#: The goal at depth 20: activation std within a factor ACT_SPREAD of each other, gradient
#: norms within GRAD_SPREAD.
TANH_DEPTH, ACT_SPREAD, GRAD_SPREAD = 20, 2.0, 4.0


def _tanh_gain() -> float:
    """A gain g for tanh + Glorot·g that keeps 20 layers steady both ways."""
    return 1.4


def _tanh_gain_goal(gain: float) -> str | None:
    """Run `layer_health(20, "tanh", "glorot", gain)`; None if both spreads are in bounds."""
    h = layer_health(TANH_DEPTH, "tanh", "glorot", float(gain))
    act = float(h.act_std.max() / h.act_std.min())
    grad = float(h.grad_norm.max() / h.grad_norm.min())
    if act < ACT_SPREAD and grad < GRAD_SPREAD:
        return None
    if act >= ACT_SPREAD:
        return (f"with gain {gain:g} the activation std still drifts by a factor {act:.3g} over "
                f"the {TANH_DEPTH - 1} hidden layers (goal: below {ACT_SPREAD:g}): tanh's slope "
                f"< 1 away from 0 shrinks the signal — a larger gain makes up for it.")  # fmt: skip
    return (
        f"with gain {gain:g} the forward signal is steady (spread {act:.3g}), but the "
        f"gradient norms spread by a factor {grad:.3g} (goal: below {GRAD_SPREAD:g}): above "
        "the critical scale each layer amplifies the backward signal. Come down a little."
    )


tune_tanh_gain_exercise = Exercise(
    "tune_tanh_gain",
    reference=_tanh_gain,
    cases=[()],
    mistakes=[
        Mistake(
            "gain 1 is plain Glorot: the activation std drifts by a factor 4 over 20 tanh "
            "layers (the 1/√l decay of the notebook). Go above 1.",
            example=lambda: 1.0,
        ),
    ],
    success="Goal reached: the forward signal and the gradients both stay within a small factor "
    "over 20 tanh layers. The window is narrow (about 1.15–1.7 here): below it the forward "
    "signal decays, above it the gradient explodes. PyTorch's gain 5/3 ≈ 1.67 sits at its top.",
    kind="tune",
    goal=_tanh_gain_goal,
)

# ---------------------------------------------------------------------------------------------
# 06 — (debug) gradient clipping by the global norm
# ---------------------------------------------------------------------------------------------


def _clip_by_global_norm(grads: np.ndarray, max_norm: float) -> np.ndarray:
    """Rescale all rows together so that ‖g‖ = √(Σ g²) ≤ max_norm; direction unchanged.

    Shapes: grads (k, m), one layer's gradient per row → (k, m).
    """
    norm = np.sqrt(np.sum(grads**2))
    return grads * (max_norm / norm) if norm > max_norm else grads


def _clip_each_row(grads: np.ndarray, max_norm: float) -> np.ndarray:
    norms = np.sqrt(np.sum(grads**2, axis=1, keepdims=True))
    return grads * np.minimum(1.0, max_norm / norms)


_rng = np.random.default_rng(6)
_CLIP_CASES = [
    # three layers whose gradients differ by orders of magnitude: an exploding net
    (np.array([[30.0, -40.0, 0.0], [0.3, 0.4, 0.0], [0.0, 0.0, 0.05]]), 5.0),
    (np.array([[1.0, 2.0], [2.0, 4.0]]), 1.0),
    (np.array([[0.1, -0.2, 0.1], [0.05, 0.0, 0.3]]), 10.0),  # already short: unchanged
    (np.vstack([100.0 * _rng.standard_normal(4), _rng.standard_normal(4)]), 2.0),
]

clip_by_global_norm_exercise = Exercise(
    "clip_by_global_norm",
    reference=_clip_by_global_norm,
    cases=_CLIP_CASES,
    mistakes=[
        Mistake(
            "you still clip each layer's gradient separately (the colleague's bug); that shrinks "
            "the big rows more than the small ones and turns the gradient's direction. Compute "
            "ONE norm over all arrays together, √(Σ over every entry g²), and rescale everything "
            "by the same factor.",
            example=_clip_each_row,
        ),
        Mistake(
            "you rescaled a gradient that was already short enough; clipping only shrinks, "
            "when ‖g‖ > max_norm, and leaves a short gradient alone.",
            example=lambda grads, max_norm: grads * (max_norm / np.sqrt(np.sum(grads**2))),
        ),
        Mistake(
            "you clipped each entry into [−max_norm, max_norm] (value clipping); clipping by "
            "norm rescales the whole gradient, keeping its direction.",
            example=lambda grads, max_norm: np.clip(grads, -max_norm, max_norm),
        ),
    ],
    success="Fixed! One global norm, one common factor: the direction survives the clipping.",
    kind="debug",
)
