"""Notebook 00's experiment: twelve noisy points and the mean squared error of a line."""

from __future__ import annotations

import numpy as np


def line_data(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The figure's data: y = 0.8·x + 1 plus Gaussian noise (σ = 0.5), x evenly in [0, 5].

    Shapes: returns x (n,), y (n,).
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 5.0, n)
    y = 0.8 * x + 1.0 + 0.5 * rng.standard_normal(n)
    return x, y


def line_mse(w: float | np.ndarray, b: float | np.ndarray, x: np.ndarray, y: np.ndarray):
    """Mean squared error of the line ŷ = w·x + b: (1/N)·Σ (ŷᵢ − yᵢ)²; w, b may be grids.

    Shapes: x (N,), y (N,); w and b broadcast together (scalars or (H, W) grids).
    """
    w = np.asarray(w, dtype=float)[..., None]
    b = np.asarray(b, dtype=float)[..., None]
    return np.mean((w * x + b - y) ** 2, axis=-1)
