"""Exercises of 01_learning_problem: predict the noise floor of the validation loss, derive
the least-squares line by hand, tune gradient descent's step on an ill-conditioned bowl, and
debug a least-squares gradient step."""

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.learning_problem import linreg
from trainlib.lessons.learning_problem.experiments import SINE_NOISE, linreg_problem
from trainlib.train import steps_to_tolerance

# ---------------------------------------------------------------------------------------------
# 1. predict: the validation loss of the perfect model (the noise floor, C2)
# ---------------------------------------------------------------------------------------------


def _noise_floor() -> float:
    """Run the experiment: the MSE of the true function sin(1.5·x) on 200,000 fresh noisy points
    y = sin(1.5·x) + 0.3·ε, drawn as `landscape.sine_data` draws them (σ = SINE_NOISE = 0.3)."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-3.0, 3.0, 200_000)
    y = np.sin(1.5 * x) + 0.3 * rng.standard_normal(200_000)
    return float(np.mean((np.sin(1.5 * x) - y) ** 2))


def _explain_floor(got, expected) -> str:
    return (
        f"The true sine sin(1.5x) itself scores {expected:.3f} on 200,000 fresh noisy points: "
        f"every label is off by its noise, and the squared error averages σ² = "
        f"{SINE_NOISE}² = {SINE_NOISE**2:.2f}. No model beats σ² on new data on average. On "
        "a handful of points the floor itself scatters, so judge a training loss against what "
        "the true function scores on the same points: below that is a sign the network "
        "follows their noise; whether it costs on new data shows in the distance to the "
        "truth (see below)."
    )


noise_floor_exercise = Exercise(
    "predict_noise_floor",
    reference=_noise_floor,
    cases=[()],
    mistakes=[
        Mistake(
            "the perfect model still misses every label by that label's noise: its squared "
            "error cannot average 0 on new data.",
            example=lambda: 0.0,
        ),
        Mistake(
            "0.3 is σ, the size of a typical error; the loss averages the *squared* error, "
            "so think σ².",
            example=lambda: 0.3,
        ),
    ],
    success="Right.",
    rtol=0.1,  # a prediction: within 10% of the measured 0.09 counts
    atol=0.0,
    kind="predict",
    explain=_explain_floor,
)

# ---------------------------------------------------------------------------------------------
# 2. derive: the least-squares line by hand (the 2 × 2 normal equations solved on paper)
# ---------------------------------------------------------------------------------------------


def _line_fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ = [θ₀, θ₁] of the least-squares line, from the normal equations solved by hand.

    Shapes: X (N, 1), y (N,) → (2,). The first equation gives θ₀ = ȳ − θ₁·x̄; put into the
    second: θ₁ = Σ(xᵢ − x̄)(yᵢ − ȳ) / Σ(xᵢ − x̄)².
    """
    x = X[:, 0]
    dx, dy = x - x.mean(), y - y.mean()
    slope = np.sum(dx * dy) / np.sum(dx * dx)
    return np.array([y.mean() - slope * x.mean(), slope])


def _through_origin(X, y):
    x = X[:, 0]
    slope = np.sum(x * y) / np.sum(x * x)
    return np.array([y.mean() - slope * x.mean(), slope])


def _cov_over_var(X, y):
    x = X[:, 0]
    slope = np.cov(x, y)[0, 1] / np.var(x)  # np.cov divides by N − 1, np.var by N
    return np.array([y.mean() - slope * x.mean(), slope])


def _lin_case(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, (n, d)) + 1.0  # x̄ ≠ 0: an uncentred slope is visibly wrong
    y = 0.7 + X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return X, y


normal_equation_exercise = Exercise(
    "my_normal_equation",
    reference=_line_fit,
    cases=[_lin_case(1, 20, 1), _lin_case(2, 30, 1), _lin_case(3, 50, 1)],
    mistakes=[
        Mistake(
            "your slope is Σxy/Σx², the slope of a line forced through the origin: eliminate "
            "θ₀ first (the first normal equation says θ₀ = ȳ − θ₁·x̄), which centres x and y.",
            example=_through_origin,
        ),
        Mistake(
            "np.cov divides by N − 1 but np.var by N: your slope is off by a factor N/(N − 1). "
            "Use the same divisor in both, or plain sums: θ₁ = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)².",
            example=_cov_over_var,
        ),
        Mistake(
            "your θ comes out as [slope, intercept]; the series' layout is θ = [θ₀, θ₁] — "
            "intercept first, as in A = [1, X].",
            example=lambda X, y: _line_fit(X, y)[::-1],
        ),
        Mistake(
            "your slope is upside down: θ₁ = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², the covariance "
            "over the variance of x.",
            example=lambda X, y: np.array(
                [
                    y.mean() - X[:, 0].mean() / _line_fit(X, y)[1],
                    1.0 / _line_fit(X, y)[1],
                ]
            ),
        ),
    ],
    success="Correct! Two equations, two unknowns: the same θ as np.linalg.solve(AᵀA, Aᵀy).",
    kind="derive",
    forbidden=("linalg", "lstsq", "polyfit", "pinv"),  # a library solve skips the derivation
    forbidden_hint="that solves the system for you. Solve the 2×2 system on paper instead: "
    "θ₁ = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², θ₀ = ȳ − θ₁·x̄, and write that with numpy sums.",
)

# ---------------------------------------------------------------------------------------------
# 3. tune: the step size on an ill-conditioned bowl (C6)
# ---------------------------------------------------------------------------------------------

#: The tune exercise's bowl and goal: κ(AᵀA) = 100, reach max|θₜ − θ*| ≤ 1e-6 in < 800 steps.
TUNE_KAPPA = 100.0
TUNE_STEPS = 800


def _gd_steps(fraction: float) -> int | None:
    """Steps GD with α = fraction · 2/λ_max needs on the κ = 100 problem (None: never)."""
    X, y = linreg_problem(TUNE_KAPPA)
    theta_star = linreg.normal_equation(X, y)
    lr = linreg.stable_lr(X, fraction)
    walk = linreg.gradient_descent(X, y, lr, 3 * TUNE_STEPS, tol=1e-6, theta_star=theta_star)
    return steps_to_tolerance(walk.errors(theta_star), 1e-6)


def _fast_fraction() -> float:
    """One fraction of the divergence limit 2/λ_max that reaches the goal: 0.95."""
    return 0.95


def _reaches_goal(fraction, *_) -> str | None:
    fraction = float(fraction)
    if fraction == 0.0:
        return "a fraction of 0 does not move θ at all; α must be positive."
    if fraction < 0.0:
        return (
            f"a fraction of {fraction:g} makes α negative: every step goes uphill. "
            "α must be positive."
        )
    steps = _gd_steps(fraction)
    if steps is not None and steps < TUNE_STEPS:
        return None
    if fraction >= 1.0:
        return (
            f"with fraction {fraction:g}, α ≥ 2/λ_max: along the steep direction each step "
            "multiplies the error by |1 − αλ_max| ≥ 1, so GD never arrives (or diverges)."
        )
    took = "more than 2400" if steps is None else str(steps)
    if fraction > TUNE_KAPPA / (TUNE_KAPPA + 1):
        return (
            f"with fraction {fraction:g} GD took {took} steps (goal: fewer than {TUNE_STEPS}): "
            f"the steep direction shrinks by only |1 − 2·fraction| = {abs(1 - 2 * fraction):.3f} "
            "per step — now *it* is the slow one: step back a little."
        )
    return (
        f"with fraction {fraction:g} GD took {took} steps (goal: fewer than {TUNE_STEPS}). "
        "The flat direction shrinks by 1 − αλ_min per step: a larger α is faster there — "
        "until the steep direction, whose error is multiplied by 1 − αλ_max each step "
        "(negative once the fraction passes 0.5: the error flips sign), stops shrinking."
    )


lr_fraction_exercise = Exercise(
    "my_lr_fraction",
    reference=_fast_fraction,
    cases=[()],
    mistakes=[
        Mistake(
            "at or past fraction 1 the step is α ≥ 2/λ_max, the divergence limit: the steep "
            "direction's error no longer shrinks. Stay below 1.",
            example=lambda: 1.2,
            detect=lambda got, expected, args: float(got) >= 1.0,
        ),
        Mistake(
            "the notebook's safe default 0.5 (α = 1/λ_max) takes 1306 steps here; the slow "
            "direction wants a larger α — how large can you go?",
            example=lambda: 0.5,
            detect=lambda got, expected, args: 0.0 < float(got) <= 0.5,
        ),
    ],
    success=(
        "Goal reached! The fastest long-run rate comes at fraction κ/(κ + 1) ≈ 0.99, where "
        "the steep and the flat direction shrink by the same factor (κ − 1)/(κ + 1) per step; "
        "past it the steep direction becomes the slow one (factor 2·fraction − 1), and at "
        "fraction 1 it stops shrinking."
    ),
    kind="tune",
    goal=_reaches_goal,
)

# ---------------------------------------------------------------------------------------------
# 4. debug: one gradient-descent step on the mean squared error
# ---------------------------------------------------------------------------------------------


def _gd_step(theta: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
    """θ − α·∇L(θ), L = (1/N)·‖Aθ − y‖², ∇L = (2/N)·Aᵀ(Aθ − y), A = [1, X]."""
    A = np.column_stack([np.ones(len(X)), X])
    return theta - lr * (2.0 / len(X)) * A.T @ (A @ theta - y)


def _grad(theta, X, y):
    A = np.column_stack([np.ones(len(X)), X])
    return (2.0 / len(X)) * A.T @ (A @ theta - y)


def _step_case(seed: int, n: int, d: int, lr: float):
    X, y = _lin_case(seed, n, d)
    X = X - 1.0  # centred features, as in the notebook's problems
    theta = np.random.default_rng(seed + 10).standard_normal(d + 1)
    return theta, X, y, lr


gd_step_exercise = Exercise(
    "my_least_squares_step",
    reference=_gd_step,
    cases=[
        _step_case(4, 10, 1, 0.1),
        _step_case(5, 25, 2, 0.05),
        _step_case(6, 1000, 3, 0.01),
    ],
    mistakes=[
        Mistake(
            "you stepped uphill: the update subtracts the gradient, θ ← θ − α·∇L.",
            example=lambda theta, X, y, lr: theta + lr * _grad(theta, X, y),
        ),
        Mistake(
            "your step is half as long as it should be: the derivative of the square brings "
            "a factor 2, ∇L = (2/N)·Aᵀ(Aθ − y).",
            example=lambda theta, X, y, lr: theta - lr * 0.5 * _grad(theta, X, y),
        ),
        Mistake(
            "your step is N times too long: L is the mean over the N samples, so its gradient "
            "carries a 1/N — the buggy code summed instead of averaging (harmless-looking on "
            "10 points, an explosion on 1,000).",
            example=lambda theta, X, y, lr: theta - lr * len(X) * _grad(theta, X, y),
        ),
        Mistake(
            "your intercept θ₀ did not move (or moved wrongly): its gradient is (2/N)·Σ(ŷᵢ − yᵢ), "
            "the column of ones in A.",
            example=lambda theta, X, y, lr: np.r_[
                theta[0], theta[1:] - lr * _grad(theta, X, y)[1:]
            ],
        ),
        Mistake(
            "you returned the gradient, not the new θ: the step is θ − α·∇L.",
            example=lambda theta, X, y, lr: _grad(theta, X, y),
        ),
    ],
    success=(
        "Fixed! With the mean, one α works for 10 points and for 1,000: the step no longer "
        "grows with the size of the data set."
    ),
    kind="debug",
)
