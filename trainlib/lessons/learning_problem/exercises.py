"""Exercises of 01_learning_problem: the normal equations, the forward pass's memory bill,
one gradient-descent step on least squares."""

import numpy as np

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# 1. The closed form: solve the normal equations (AᵀA)·θ = Aᵀy with A = [1, X]
# ---------------------------------------------------------------------------------------------


def _normal_equation(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ = [intercept, weights] solving (AᵀA)·θ = Aᵀy, A = [1, X]. Shapes: X (n, d) → (d + 1,)."""
    A = np.column_stack([np.ones(len(X)), X])
    return np.linalg.solve(A.T @ A, A.T @ y)


def _no_intercept(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


def _ones_last(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    return np.linalg.solve(A.T @ A, A.T @ y)


def _lin_case(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, (n, d))
    y = 0.7 + X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return X, y


normal_equation_exercise = Exercise(
    "my_normal_equation",
    reference=_normal_equation,
    cases=[_lin_case(1, 20, 1), _lin_case(2, 30, 2), _lin_case(3, 50, 4)],
    mistakes=[
        Mistake(
            "your θ has no intercept: put a column of ones in front of X "
            "(A = np.column_stack([np.ones(n), X])) so that θ₀ can shift the line.",
            example=_no_intercept,
            detect=lambda got, expected, args: (
                np.shape(got) == (args[0].shape[1],)
                and np.allclose(got, _no_intercept(*args), rtol=1e-6)
            ),
        ),
        Mistake(
            "you put the column of ones last, so θ comes out as [weights, intercept]; "
            "the series' layout is θ = [intercept, weights] — ones first.",
            example=_ones_last,
        ),
    ],
    success="Correct! One linear solve, no inverse: the answer gradient descent walks towards.",
)

# ---------------------------------------------------------------------------------------------
# 2. The memory bill of a forward pass
# ---------------------------------------------------------------------------------------------


def _forward_bytes(batch: int, sizes: tuple) -> int:
    """Bytes a float64 ReLU MLP caches for backprop: 8·N·(sizes[0] + Σ hidden widths).

    sizes = (d_in, H₁, …, H_L, d_out): the input and each hidden ReLU output are kept (each
    ReLU output is also the next Dense layer's input: one array). The output is not cached.
    """
    return 8 * batch * (sizes[0] + sum(sizes[1:-1]))


_BYTES_CASES = [
    (32, (4, 64, 64, 1)),
    (1, (10, 5, 1)),
    (16, (3, 8, 16, 8, 2)),
    (100, (2, 50, 50, 50, 10)),
]

forward_bytes_exercise = Exercise(
    "my_forward_bytes",
    reference=_forward_bytes,
    cases=_BYTES_CASES,
    mistakes=[
        Mistake(
            "you also counted the output layer's width; the network's output is not cached "
            "for backprop (nothing after it needs it) — count the input and the hidden layers.",
            example=lambda batch, sizes: 8 * batch * sum(sizes),
        ),
        Mistake(
            "you left out the input x: the first Dense layer keeps it to compute ∂L/∂W = xᵀ·dout.",
            example=lambda batch, sizes: 8 * batch * sum(sizes[1:-1]),
        ),
        Mistake(
            "you counted each hidden layer twice (pre-activation and activation); in this MLP "
            "ReLU keeps only its output, which is the next layer's input — one array per layer.",
            example=lambda batch, sizes: 8 * batch * (sizes[0] + 2 * sum(sizes[1:-1])),
        ),
        Mistake(
            "you used 4 bytes per number (float32); trainlib computes in float64: 8 bytes.",
            example=lambda batch, sizes: 4 * batch * (sizes[0] + sum(sizes[1:-1])),
        ),
        Mistake(
            "your count does not grow with the batch: every sample of the batch has its own "
            "activations, so multiply by the batch size N.",
            example=lambda batch, sizes: 8 * (sizes[0] + sum(sizes[1:-1])),
        ),
    ],
    success="Correct! Linear in the batch, in the depth and in the width — as the figure shows.",
)

# ---------------------------------------------------------------------------------------------
# 3. One gradient-descent step on the mean squared error
# ---------------------------------------------------------------------------------------------


def _gd_step(theta: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
    """θ − α·∇L(θ), L = (1/n)·‖Aθ − y‖², ∇L = (2/n)·Aᵀ(Aθ − y), A = [1, X]."""
    A = np.column_stack([np.ones(len(X)), X])
    return theta - lr * (2.0 / len(X)) * A.T @ (A @ theta - y)


def _grad(theta, X, y):
    A = np.column_stack([np.ones(len(X)), X])
    return (2.0 / len(X)) * A.T @ (A @ theta - y)


def _step_case(seed: int, n: int, d: int, lr: float):
    X, y = _lin_case(seed, n, d)
    theta = np.random.default_rng(seed + 10).standard_normal(d + 1)
    return theta, X, y, lr


gd_step_exercise = Exercise(
    "my_least_squares_step",
    reference=_gd_step,
    cases=[_step_case(4, 10, 1, 0.1), _step_case(5, 25, 2, 0.05), _step_case(6, 40, 3, 0.01)],
    mistakes=[
        Mistake(
            "you stepped uphill: the update subtracts the gradient, θ ← θ − α·∇L.",
            example=lambda theta, X, y, lr: theta + lr * _grad(theta, X, y),
        ),
        Mistake(
            "your step is half as long as it should be: the derivative of the square brings "
            "a factor 2, ∇L = (2/n)·Aᵀ(Aθ − y).",
            example=lambda theta, X, y, lr: theta - lr * 0.5 * _grad(theta, X, y),
        ),
        Mistake(
            "your step is n times too long: L is the mean over the n samples, so its gradient "
            "carries a 1/n — you summed instead of averaging.",
            example=lambda theta, X, y, lr: theta - lr * len(X) * _grad(theta, X, y),
        ),
        Mistake(
            "your intercept θ₀ did not move (or moved wrongly): its gradient is (2/n)·Σ(ŷᵢ − yᵢ), "
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
    success="Correct! Repeat this step and θ walks to the closed-form answer.",
)
