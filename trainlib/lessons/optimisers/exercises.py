"""Exercises of 07_optimisers: one Adam step, one momentum step, AdaGrad's effective rate."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1. One Adam step with bias correction
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


def _adam_v_of_g(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


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
            "you forgot the bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before "
            "the update. Without it the first step is η·(1−β₁)/√(1−β₂) ≈ 3.2·η, not η.",
            example=_adam_no_correction,
        ),
        Mistake(
            "ε is inside the square root: torch (and the Adam paper) add it outside, "
            "θ ← θ − η·m̂/(√v̂ + ε). Inside, it acts like a much larger ε (√ε) on small gradients.",
            example=_adam_eps_inside,
        ),
        Mistake(
            "v averages the squared gradient g², not |g|: v ← β₂·v + (1−β₂)·g².",
            example=_adam_v_of_g,
        ),
    ],
    success="Correct! That is torch.optim.Adam's update, bias correction and all.",
)

# ---------------------------------------------------------------------------------------------
# 2. One step of SGD with momentum (torch's form)
# ---------------------------------------------------------------------------------------------


def _momentum_step(p, g, buf, lr, momentum):
    """b ← μ·b + g;  p ← p − η·b  (torch's SGD, dampening 0). Shapes: (n,) → (p, b)."""
    buf = momentum * buf + g
    return p - lr * buf, buf


_MOMENTUM_CASES = [
    (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -4.0]), np.array([0.2, -0.3, 1.0]), 0.1, 0.9),
    (np.array([0.0, 3.0]), np.array([-1.0, 2.0]), np.array([2.0, 0.0]), 0.05, 0.5),
    (np.array([4.0]), np.array([2.0]), np.array([-1.0]), 0.2, 0.99),
]

my_momentum_step_exercise = Exercise(
    "my_momentum_step",
    reference=_momentum_step,
    cases=_MOMENTUM_CASES,
    mistakes=[
        Mistake(
            "the parameter moved along the raw gradient g; it should move along the updated "
            "buffer b (that is the whole point of momentum): p ← p − η·b.",
            example=lambda p, g, buf, lr, momentum: (p - lr * g, momentum * buf + g),
        ),
        Mistake(
            "the sign is wrong: gradient descent goes downhill, p ← p − η·b, not p + η·b.",
            example=lambda p, g, buf, lr, momentum: (
                p + lr * (momentum * buf + g),
                momentum * buf + g,
            ),
        ),
        Mistake(
            "you wrote the moving-average form b ← μ·b + (1−μ)·g. torch (and this exercise) "
            "uses b ← μ·b + g, whose steps are 1/(1−μ) times larger — that is torch's "
            "`dampening=μ`, not the default.",
            example=lambda p, g, buf, lr, momentum: (
                p - lr * (momentum * buf + (1 - momentum) * g),
                momentum * buf + (1 - momentum) * g,
            ),
        ),
    ],
    success="Correct! This is torch.optim.SGD(momentum=μ) with its default dampening = 0.",
)

# ---------------------------------------------------------------------------------------------
# 3. AdaGrad's effective rate after a sequence of gradients
# ---------------------------------------------------------------------------------------------


def _adagrad_rate(grads, lr, eps):
    """η/(√G + ε) with G = Σₜ gₜ² per coordinate. Shapes: grads (T, n) → (n,)."""
    return lr / (np.sqrt(np.sum(grads * grads, axis=0)) + eps)


_ADAGRAD_CASES = [
    (np.array([[1.0, 0.0], [2.0, 0.5], [-1.0, 0.0]]), 0.1, 1e-10),
    (np.array([[0.3, -4.0, 0.0], [0.1, 2.0, 1e-3]]), 0.5, 1e-10),
    (np.array([[2.0], [2.0], [2.0], [2.0]]), 1.0, 1e-3),
]

my_adagrad_rate_exercise = Exercise(
    "my_adagrad_rate",
    reference=_adagrad_rate,
    cases=_ADAGRAD_CASES,
    mistakes=[
        Mistake(
            "you forgot the square root: AdaGrad divides by √G (the root of the summed g²), "
            "not by G itself.",
            example=lambda grads, lr, eps: lr / (np.sum(grads * grads, axis=0) + eps),
        ),
        Mistake(
            "you used only the last gradient; AdaGrad accumulates every past g²: "
            "G = g₁² + g₂² + … + g_T².",
            example=lambda grads, lr, eps: lr / (np.abs(grads[-1]) + eps),
        ),
        Mistake(
            "you averaged the squared gradients; AdaGrad sums them (that is why its rate "
            "keeps falling — an average would settle, like RMSProp).",
            example=lambda grads, lr, eps: lr / (np.sqrt(np.mean(grads * grads, axis=0)) + eps),
        ),
        Mistake(
            "you summed the gradients before squaring, (Σg)²; square each gradient first, "
            "then sum: G = Σ g².",
            example=lambda grads, lr, eps: lr / (np.abs(np.sum(grads, axis=0)) + eps),
        ),
    ],
    success="Correct! This η/(√G + ε) is what trainlib.optim.effective_lr reports for AdaGrad.",
)
