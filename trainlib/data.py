"""Small data sets, every one reproducible from an explicit random generator.

Each generator takes `rng: np.random.Generator` (e.g. `np.random.default_rng(0)`) and never
touches numpy's global RNG, so the same seed gives the same data in every notebook run.
Inputs X are float64 (n, d). Targets: float64 for regression and the binary sets (moons,
imbalanced; 0./1. feed a BCE loss directly), int64 class indices for the multi-class sets
(spirals, blobs, digits; they index a softmax output or a one-hot matrix).
Only `digits` needs scikit-learn, imported when called.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from trainlib.validation import (
    as_array,
    check_bool,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_range,
    check_real,
    check_rng,
)


def _split(n: int, k: int) -> list[int]:
    """n items into k groups as evenly as possible (the first n % k get one more)."""
    return [n // k + (i < n % k) for i in range(k)]


def regression(
    n: int,
    *,
    rng: np.random.Generator,
    d: int = 1,
    noise: float = 0.5,
    outliers: int = 0,
    outlier_scale: float = 10.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear data y = θ₀ + x·θ₁..d + noise, optionally with a few gross outliers.

    Shapes: returns X (n, d), y (n,), theta (d + 1,) = [intercept, weights...], the true
    parameters (drawn as θ ~ N(0, 1)). X ~ U(−3, 3); noise ~ N(0, noise²).
    `outliers` samples (chosen at random) are pushed up by outlier_scale·U(0.5, 1.5), all in
    the same direction, so they drag a mean-squared-error fit but barely move a robust one.
    """
    n = check_int("n", n, minimum=1)
    d = check_int("d", d, minimum=1)
    noise = check_positive("noise", noise, strict=False)
    outliers = check_int("outliers", outliers, minimum=0)
    check_range("outliers", outliers, 0, n, hi_closed=True)
    outlier_scale = check_positive("outlier_scale", outlier_scale, strict=False)
    check_rng("rng", rng)
    theta = rng.standard_normal(d + 1)
    X = rng.uniform(-3.0, 3.0, size=(n, d))
    y = theta[0] + X @ theta[1:] + noise * rng.standard_normal(n)
    idx = rng.choice(n, size=outliers, replace=False)
    y[idx] += outlier_scale * rng.uniform(0.5, 1.5, size=outliers)
    return X, y, theta


def moons(n: int, *, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as sklearn's make_moons), labels 0. and 1.

    Shapes: returns X (n, 2), y (n,) float64; ⌈n/2⌉ samples in class 0.
    Class 0: (cos t, sin t); class 1: (1 − cos t, ½ − sin t), t ~ U(0, π); + N(0, noise²).
    """
    n = check_int("n", n, minimum=1)
    noise = check_positive("noise", noise, strict=False)
    check_rng("rng", rng)
    n0, n1 = _split(n, 2)
    t0, t1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    X += noise * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n0), np.ones(n1)]
    return X, y


def spirals(
    n: int, *, rng: np.random.Generator, classes: int = 2, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy set): not linearly separable.

    Shapes: returns X (n, 2), y (n,) int64 in {0, …, classes−1}, classes as equal as n allows.
    Arm k: radius r evenly in [0, 1], angle θ = 2πk/classes + 4r + N(0, noise²),
    x = r·(sin θ, cos θ).
    """
    n = check_int("n", n, minimum=1)
    classes = check_choice("classes", classes, (2, 3))
    noise = check_positive("noise", noise, strict=False)
    check_rng("rng", rng)
    Xs, ys = [], []
    for k, m in enumerate(_split(n, classes)):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * k / classes + 4.0 * r + noise * rng.standard_normal(m)
        Xs.append(np.c_[r * np.sin(theta), r * np.cos(theta)])
        ys.append(np.full(m, k, dtype=np.int64))
    return np.concatenate(Xs), np.concatenate(ys)


def blobs(
    n: int, *, rng: np.random.Generator, centers=3, std: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters, one per class.

    Shapes: `centers` an int k (k centres drawn U(−5, 5)² in 2-D) or an array (k, d) of
    centres; returns X (n, d), y (n,) int64 in {0, …, k−1}, classes as equal as n allows.
    x = centre_y + N(0, std²·I).
    """
    n = check_int("n", n, minimum=1)
    std = check_positive("std", std, strict=False)
    check_rng("rng", rng)
    if isinstance(centers, int | np.integer) and not isinstance(centers, bool):
        k = check_int("centers", centers, minimum=1)
        C = rng.uniform(-5.0, 5.0, size=(k, 2))
    else:
        C = as_array("centers", centers, ndim=2).astype(np.float64)
        if C.shape[0] < 1 or C.shape[1] < 1:
            raise ValueError(
                f"centers: expected at least one centre of at least one coordinate, "
                f"got shape {C.shape}"
            )
    y = np.repeat(np.arange(len(C)), _split(n, len(C)))
    X = C[y] + std * rng.standard_normal((n, C.shape[1]))
    return X, y.astype(np.int64)


def imbalanced(
    n: int,
    *,
    rng: np.random.Generator,
    minority_fraction: float = 0.05,
    d: int = 2,
    separation: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Binary data where class 1 is rare: round(n·minority_fraction) samples (at least 1).

    Shapes: returns X (n, d), y (n,) float64, in shuffled order.
    Class 0 ~ N(0, I); class 1 ~ N(separation·(1, …, 1)/√d, I), so the class means are
    `separation` apart.
    """
    n = check_int("n", n, minimum=2)
    minority_fraction = check_range(
        "minority_fraction", minority_fraction, 0.0, 0.5, lo_closed=False, hi_closed=True
    )
    d = check_int("d", d, minimum=1)
    separation = check_positive("separation", separation, strict=False)
    check_rng("rng", rng)
    n1 = max(1, round(n * minority_fraction))
    y = np.r_[np.zeros(n - n1), np.ones(n1)]
    X = rng.standard_normal((n, d)) + y[:, None] * separation / np.sqrt(d)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    """X and y as arrays of at least one sample each, as many of y as of X."""
    X, y = np.asarray(X), np.asarray(y)
    check_finite("X", check_real("X", X))  # kept as given: integer labels stay integers
    check_finite("y", check_real("y", y))
    if X.ndim < 1 or len(X) < 1:
        raise ValueError(
            f"X: expected at least one sample (an array (n, …), n >= 1), got {X.shape}"
        )
    if y.ndim < 1 or len(X) != len(y):
        raise ValueError(
            f"y: expected as many samples as X ({np.shape(X)[:1]}), got shape {y.shape}"
        )
    return X, y


def minibatches(
    X,
    y,
    batch_size: int,
    *,
    rng: np.random.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches (Xb, yb); every sample appears exactly once.

    Shapes: X (n, …), y (n, …); each Xb (batch_size, …) except a last, smaller batch when
    batch_size does not divide n (kept, not dropped).
    `shuffle=True` draws the order from `rng` (required then); `shuffle=False` keeps it.
    """
    X, y = _check_xy(X, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if check_bool("shuffle", shuffle) or rng is not None:
        check_rng("rng", rng)  # required to shuffle
    order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def train_val_split(
    X, y, val_fraction: float, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random split into training and validation sets (order as sklearn's train_test_split).

    Shapes: X (n, …), y (n, …); returns X_train, X_val, y_train, y_val with
    round(n·val_fraction) validation samples, at least one in each part.
    """
    X, y = _check_xy(X, y)
    val_fraction = check_range("val_fraction", val_fraction, 0.0, 1.0, lo_closed=False)
    check_rng("rng", rng)
    n = len(X)
    n_val = round(n * val_fraction)
    if not 1 <= n_val <= n - 1:
        raise ValueError(
            f"val_fraction: expected a value leaving ≥ 1 sample in each part of {n}, "
            f"got {val_fraction!r}"
        )
    perm = rng.permutation(n)
    val, train = perm[:n_val], perm[n_val:]
    return X[train], X[val], y[train], y[val]


def digits(*, scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 8×8 handwritten digits bundled with scikit-learn (no download).

    Shapes: returns X (1797, 64) float64, pixel intensities 0…16, divided by 16 into [0, 1]
    when `scaled`; y (1797,) int64 digit labels 0…9.
    """
    scaled = check_bool("scaled", scaled)
    X, y = _digits_table()
    return (X / 16.0 if scaled else X.copy()), y.copy()


@functools.cache
def _digits_table() -> tuple[np.ndarray, np.ndarray]:
    """Read scikit-learn's bundled digits.csv.gz directly: importing sklearn costs ≈ 2 s."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is None:
        raise ImportError("digits() needs scikit-learn: pip install 'trainlib[data]'")
    roots = list(spec.submodule_search_locations or [])
    path = Path(roots[0], "datasets", "data", "digits.csv.gz") if roots else None
    if path is not None and path.is_file():
        table = np.loadtxt(path, delimiter=",")
        X, y = table[:, :64], table[:, 64].astype(np.int64)
    else:  # pragma: no cover - a differently laid-out install: ask scikit-learn
        from sklearn.datasets import load_digits

        bunch = load_digits()
        X, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y
