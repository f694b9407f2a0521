"""Exercises of 07_optimisers ("Your turn"): debug an Adam step, momentum with Nesterov's
option, AdaGrad's rate of a parameter that sees a gradient now and then."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1. (debug) One Adam step with bias correction: fix a colleague's two bugs
# ---------------------------------------------------------------------------------------------


def _adam_step(p, g, m, v, t, lr, beta1, beta2, eps):
    """One Adam step (torch's arithmetic). t is this step's number, from 1.

    Shapes: p, g, m, v (n,) → (p_new, m_new, v_new), each (n,).
    """
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_no_correction(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * m / (np.sqrt(v) + eps), m, v


def _adam_eps_inside(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / np.sqrt(v_hat + eps), m, v


def _adam_colleague(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * m / np.sqrt(v + eps), m, v


def _adam_v_of_g(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_returns_corrected(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


def _adam_corrects_only_m(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v) + eps), m, v


def _adam_power_off_by_one(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_corrects_only_v(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * m / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def _adam_no_eps(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / np.sqrt(v_hat), m, v


_ADAM_CASES = [
    # first step from zero moments; gradients of very different sizes
    (np.array([0.5, -1.0, 2.0]), np.array([1.0, -3e-3, 40.0]), np.zeros(3), np.zeros(3),
     1, 1e-3, 0.9, 0.999, 1e-8),
    # a later step with moments already built up
    (np.array([1.0, 2.0]), np.array([0.3, -0.2]), np.array([0.2, -0.1]),
     np.array([0.04, 0.02]), 5, 0.01, 0.9, 0.999, 1e-8),
    # tiny gradients, where ε's place matters, and a large ε
    (np.array([0.0, 0.0]), np.array([1e-6, -2e-5]), np.zeros(2), np.zeros(2),
     1, 0.1, 0.8, 0.99, 1e-6),
]  # fmt: skip

my_adam_step_exercise = Exercise(
    "my_adam_step",
    reference=_adam_step,
    cases=_ADAM_CASES,
    mistakes=[
        Mistake(
            "both of the colleague's bugs are still there: the moments are not bias-corrected "
            "(divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ) and ε sits inside the square root.",
            example=_adam_colleague,
        ),
        Mistake(
            "you forgot the bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before "
            "the update. Without it the first step is α·(1−β₁)/√(1−β₂) ≈ 3.2·α, not α.",
            example=_adam_no_correction,
        ),
        Mistake(
            "ε is inside the square root: torch (and the Adam paper) add it outside, "
            "θ ← θ − α·m̂/(√v̂ + ε). Inside, it acts like a much larger ε (√ε) on small gradients.",
            example=_adam_eps_inside,
        ),
        Mistake(
            "v averages the squared gradient g², not |g|: v ← β₂·v + (1−β₂)·g².",
            example=_adam_v_of_g,
        ),
        Mistake(
            "the step is right, but you returned the corrected m̂, v̂ as the new moments. "
            "Return the raw m and v: m̂ and v̂ are only for this step's update — stored, they "
            "would be divided by 1 − βᵗ again at the next step.",
            example=_adam_returns_corrected,
        ),
        Mistake(
            "you bias-corrected m but not v: divide v by (1 − β₂ᵗ) too. With only m "
            "corrected, the first step is α/√(1−β₂) ≈ 32·α, not α.",
            example=_adam_corrects_only_m,
        ),
        Mistake(
            "you corrected v but not m: divide m by (1 − β₁ᵗ) too. With only v corrected, "
            "the first step is (1 − β₁)·α (0.1·α at β₁ = 0.9), not α.",
            example=_adam_corrects_only_v,
        ),
        Mistake(
            "the correction uses the wrong power of β: the first step is t = 1, so divide by "
            "1 − β₁¹ = 0.1 and 1 − β₂¹ = 0.001 there (1 − βᵗ with this step's t, not t + 1). "
            "Off by one, the first step is not α.",
            example=_adam_power_off_by_one,
        ),
        Mistake(
            "ε is missing: θ ← θ − α·m̂/(√v̂ + ε). Without it a gradient near ε (the 1e-6 "
            "here) gets a full step of α instead of a damped one, and a zero gradient "
            "divides 0 by 0.",
            example=_adam_no_eps,
        ),
    ],
    success="Fixed! That is torch.optim.Adam's update, bias correction and all.",
    kind="debug",
)

# ---------------------------------------------------------------------------------------------
# 2. (derive) One step of SGD with momentum (torch's form), with Nesterov's option
# ---------------------------------------------------------------------------------------------


def _momentum_step(p, g, buf, lr, momentum, nesterov):
    """b ← μ·b + g; p ← p − α·b, or p ← p − α·(g + μ·b) with Nesterov (torch's SGD).

    Shapes: (n,) → (p, b).
    """
    buf = momentum * buf + g
    step = g + momentum * buf if nesterov else buf
    return p - lr * step, buf


_MOMENTUM_CASES = [
    (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -4.0]), np.array([0.2, -0.3, 1.0]), 0.1,
     0.9, False),
    (np.array([0.0, 3.0]), np.array([-1.0, 2.0]), np.array([2.0, 0.0]), 0.05, 0.5, False),
    (np.array([4.0]), np.array([2.0]), np.array([-1.0]), 0.2, 0.99, False),
    (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -4.0]), np.array([0.2, -0.3, 1.0]), 0.1,
     0.9, True),
    (np.array([0.0, 3.0]), np.array([-1.0, 2.0]), np.array([2.0, 0.0]), 0.05, 0.5, True),
]  # fmt: skip


def _nesterov_ignored(p, g, buf, lr, momentum, nesterov):
    new = momentum * buf + g
    return p - lr * new, new


def _nesterov_theta_for_phi(p, g, buf, lr, momentum, nesterov):
    new = momentum * buf + g
    return p - lr * ((1 + momentum) * new if nesterov else new), new


my_momentum_step_exercise = Exercise(
    "my_momentum_step",
    reference=_momentum_step,
    cases=_MOMENTUM_CASES,
    mistakes=[
        Mistake(
            "the parameter moved along the raw gradient g; it should move along the updated "
            "buffer b (that is the whole point of momentum): p ← p − α·b.",
            example=lambda p, g, buf, lr, momentum, nesterov: (p - lr * g, momentum * buf + g),
        ),
        Mistake(
            "the sign is wrong: gradient descent goes downhill, p ← p − α·b, not p + α·b.",
            example=lambda p, g, buf, lr, momentum, nesterov: (
                p + lr * (momentum * buf + g),
                momentum * buf + g,
            ),
        ),
        Mistake(
            "you wrote the moving-average form b ← μ·b + (1−μ)·g. torch (and this exercise) "
            "uses b ← μ·b + g, whose steps are 1/(1−μ) times larger — that is torch's "
            "`dampening=μ`, not the default.",
            example=lambda p, g, buf, lr, momentum, nesterov: (
                p - lr * (momentum * buf + (1 - momentum) * g),
                momentum * buf + (1 - momentum) * g,
            ),
        ),
        Mistake(
            "with nesterov=True your update uses b_old (plain momentum's b = μ·b_old + g is "
            "g + μ·b_old); in the substitution use μ·b_{t−1} = b_t − g_t.",
            example=_nesterov_ignored,
        ),
        Mistake(
            "you wrote θ_{t−1} for φ_{t−1}: φ_{t−1} = θ_{t−1} − αμ·b_{t−1}, so the step of φ "
            "is α·(g + μ·b_new), not α·(1 + μ)·b_new.",
            example=_nesterov_theta_for_phi,
        ),
    ],
    success="Correct! This is torch.optim.SGD(momentum=μ, nesterov=…) with dampening = 0: "
    "φ ← φ − α·(g + μ·b_new), the look-ahead form rewritten for the stored look-ahead point.",
    kind="derive",
)

# ---------------------------------------------------------------------------------------------
# 3. (derive) AdaGrad's effective rate of a parameter that sees a gradient now and then
# ---------------------------------------------------------------------------------------------


def _adagrad_rate(grads, lr, eps):
    """α/(√Gₜ + ε) after each step t, Gₜ = g₁² + … + gₜ² per coordinate (a run, for the tests).

    Shapes: grads (T, n) → (T, n).
    """
    return lr / (np.sqrt(np.cumsum(grads * grads, axis=0)) + eps)


def _rare_rate(T, every, lr):
    """AdaGrad's rate after T steps of a gradient ±1 at steps 1, 1 + every, … and 0 otherwise.

    G counts only the steps with a gradient, ⌈T/every⌉ of them (ε negligible).
    """
    seen = (T - 1) // every + 1
    return lr / np.sqrt(seen)


_RARE_CASES = [(1, 16, 0.1), (16, 16, 0.1), (17, 16, 0.1), (1600, 16, 0.01), (1000, 1, 0.5),
               (100, 7, 1.0), (50, 3, 0.2)]  # fmt: skip

my_adagrad_rate_exercise = Exercise(
    "my_adagrad_rate",
    reference=_rare_rate,
    cases=_RARE_CASES,
    mistakes=[
        Mistake(
            "you divided by T: a zero gradient adds nothing to G, so G counts only the steps "
            "on which the parameter saw a gradient (step 1, 1 + every, 1 + 2·every, …).",
            example=lambda T, every, lr: lr / np.sqrt(T),
        ),
        Mistake(
            "you forgot the square root: AdaGrad divides by √G, not by G.",
            example=lambda T, every, lr: lr / ((T - 1) // every + 1),
        ),
        Mistake(
            "off by one step: the first gradient comes at step 1, so after T steps the "
            "parameter has seen ⌈T/every⌉ gradients, not ⌊T/every⌋ (after 17 steps of one in "
            "16: two, at steps 1 and 17).",
            example=lambda T, every, lr: lr / np.sqrt(max(T // every, 1)),
        ),
        Mistake(
            "T/every is right only when every divides T: count the steps with a gradient, "
            "⌈T/every⌉ (after 17 steps of one in 16: two, at steps 1 and 17).",
            example=lambda T, every, lr: lr / np.sqrt(T / every),
        ),
    ],
    success="Correct! G counts only the steps with a gradient. Now check your answer to the "
    "question: run `my_adagrad_rate(1600, 16, 1) / my_adagrad_rate(1600, 1, 1)` — which rate "
    "is larger, and by what factor?",
    kind="derive",
)
