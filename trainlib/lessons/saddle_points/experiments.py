"""Hessians: how often a random critical point is a minimum, and what a saddle looks like.

A critical point (∇L = 0) is classified by the eigenvalues of its Hessian H = ∇²L: all
positive is a minimum, all negative a maximum, mixed signs a saddle. Two tools here:

1. Random symmetric Hessians from the Gaussian Orthogonal Ensemble (GOE): H = (A + Aᵀ)/2
   with Aᵢⱼ ~ N(0, 1) independent, so Hᵢᵢ ~ N(0, 1) and Hᵢⱼ ~ N(0, ½) for i ≠ j (the
   off-diagonal variance is half the diagonal's; the density is ∝ exp(−tr H²/2)).
   `positive_fraction` estimates P(all n eigenvalues > 0) by Monte Carlo with its standard
   error; `P2_EXACT` = (2 − √2)/4 is the exact value for n = 2 and `large_deviation(n)` the
   leading-order law exp(−(ln 3/4)·n²) for large n (Dean & Majumdar, PRL 97, 160201, 2006).
2. A finite-difference Hessian (`hessian_fd`) and a tiny network with two tanh units whose
   symmetric point — both units identical — is a critical point with a negative eigenvalue
   (`symmetric_critical_point`).

numpy only; randomness only through an explicit `rng`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from trainlib.optim import sgd
from trainlib.surfaces import saddle
from trainlib.train import Path, descend
from trainlib.validation import as_array, check_int, check_positive

__all__ = [
    "P2_EXACT",
    "GOE_RATE",
    "goe",
    "Fraction",
    "positive_fraction",
    "fraction_curve",
    "index_counts",
    "large_deviation",
    "fit_correction",
    "classify",
    "hessian_fd",
    "tanh_net",
    "tanh_net_loss",
    "tanh_net_grad",
    "tanh_net_loss_grad",
    "saddle_net_data",
    "symmetric_critical_point",
    "MC_DIMS",
    "MC_SAMPLES",
    "goe_tables",
    "saddle_run",
    "escape_step",
    "network_saddle_runs",
]

Array = np.ndarray

#: P(a 2×2 GOE matrix has both eigenvalues > 0) = 1/2 − 1/(2√2) = (2 − √2)/4 ≈ 0.146447.
P2_EXACT = (2.0 - math.sqrt(2.0)) / 4.0

#: Dean–Majumdar rate: P(all n GOE eigenvalues > 0) = exp(−(ln 3 / 4)·n² + o(n²)).
GOE_RATE = math.log(3.0) / 4.0


# =========================================================================================
# Random symmetric Hessians (GOE)
# =========================================================================================


def goe(n: int, size: int, *, rng: np.random.Generator) -> Array:
    """`size` random symmetric n×n matrices H = (A + Aᵀ)/2, Aᵢⱼ ~ N(0, 1).

    Shapes: returns (size, n, n). Var Hᵢᵢ = 1, Var Hᵢⱼ = ½ (i ≠ j).
    """
    n = check_int("n", n, minimum=1)
    size = check_int("size", size, minimum=1)
    A = rng.standard_normal((size, n, n))
    return 0.5 * (A + A.transpose(0, 2, 1))


class Fraction(NamedTuple):
    """A Monte-Carlo estimate: `count` of `samples` matrices had all eigenvalues > 0."""

    n: int
    count: int
    samples: int

    @property
    def fraction(self) -> float:
        """The estimate p̂ = count / samples."""
        return self.count / self.samples

    @property
    def stderr(self) -> float:
        """Its standard error √(p̂(1 − p̂)/samples) (0 when count is 0: see `upper95`)."""
        p = self.fraction
        return math.sqrt(p * (1.0 - p) / self.samples)

    @property
    def upper95(self) -> float:
        """A 95 % upper bound on the true fraction; 3/samples when count = 0 (rule of three)."""
        return self.fraction + 2.0 * self.stderr if self.count else 3.0 / self.samples


def positive_fraction(
    n: int, samples: int, *, rng: np.random.Generator, chunk: int = 200_000
) -> Fraction:
    """Monte-Carlo count of GOE n×n matrices whose eigenvalues are all positive.

    Exactly the plain estimate "draw `samples` matrices, count the positive-definite ones",
    done cheaply: Hᵢᵢ = eᵢᵀHeᵢ is a value of the quadratic form, so a matrix with a negative
    diagonal entry cannot be positive definite. The diagonal is drawn first, and only the
    matrices whose diagonal is all positive (a 2⁻ⁿ share) get off-diagonal entries and a
    batched `np.linalg.eigvalsh`. Diagonal and off-diagonal entries are independent, so the
    count has exactly the distribution of the plain one. The diagonal itself is drawn one
    column at a time, only for the rows whose earlier entries were all positive.
    """
    n = check_int("n", n, minimum=1)
    samples = check_int("samples", samples, minimum=1)
    chunk = check_int("chunk", chunk, minimum=1)
    count, done = 0, 0
    iu = np.triu_indices(n, k=1)
    while done < samples:
        m = min(chunk, samples - done)
        diag = np.empty((m, 0))
        for _ in range(n):  # column by column, keeping only all-positive rows: ~2m draws
            col = rng.standard_normal(len(diag))
            diag = np.column_stack([diag[col > 0], col[col > 0]])
        k = len(diag)
        if k:
            H = np.zeros((k, n, n))
            H[:, np.arange(n), np.arange(n)] = diag
            off = math.sqrt(0.5) * rng.standard_normal((k, len(iu[0])))
            H[:, iu[0], iu[1]] = off
            H[:, iu[1], iu[0]] = off
            count += int((np.linalg.eigvalsh(H)[:, 0] > 0).sum())  # eigvalsh sorts ascending
        done += m
    return Fraction(n, count, samples)


def fraction_curve(dims: range | list[int], samples: int, *, rng: np.random.Generator) -> list:
    """`positive_fraction` for every n in `dims`, same `samples` each: a list of `Fraction`."""
    return [positive_fraction(n, samples, rng=rng) for n in dims]


def index_counts(n: int, samples: int, *, rng: np.random.Generator) -> Array:
    """How many of `samples` GOE n×n matrices have k negative eigenvalues, for k = 0 … n.

    Shapes: returns (n + 1,) integer counts summing to `samples`. k = 0 is a minimum, k = n
    a maximum, anything between a saddle with k downhill directions (its "index").
    """
    neg = (np.linalg.eigvalsh(goe(n, samples, rng=rng)) < 0).sum(axis=1)
    return np.bincount(neg, minlength=n + 1)


def large_deviation(n: Array | float, a: float = 0.0) -> Array:
    """The large-n law of P(all n GOE eigenvalues > 0): exp(−(ln 3/4)·n² − a·n).

    The n² rate ln 3/4 is exact (Dean & Majumdar 2006); the exponent's next term is linear
    in n, with `a` = 0 giving the bare leading order and `fit_correction` fitting `a` to
    Monte-Carlo estimates. Shapes: n (...) → (...).
    """
    n = as_array("n", n)
    return np.exp(-GOE_RATE * n * n - float(a) * n)


def fit_correction(fractions: list[Fraction], min_count: int = 20) -> float:
    """Least-squares `a` in ln p̂ ≈ −(ln 3/4)·n² − a·n over estimates with ≥ min_count hits.

    Each point is weighted by 1/Var(ln p̂), with Var(ln p̂) ≈ (1 − p̂)/count (delta method).
    """
    pts = [f for f in fractions if f.count >= min_count]
    if not pts:
        raise ValueError(f"fractions: expected an estimate with count >= {min_count}, got none")
    n = np.array([f.n for f in pts], dtype=float)
    r = np.log([f.fraction for f in pts]) + GOE_RATE * n * n  # = −a·n + noise
    w = np.array([f.count / (1.0 - f.fraction) for f in pts])  # 1 / Var(ln p̂)
    return float(-(w * n * r).sum() / (w * n * n).sum())


def classify(eigenvalues: Array, tol: float = 0.0) -> str:
    """'minimum' (all λ > tol), 'maximum' (all λ < −tol), 'saddle' (both signs), else 'degenerate'.

    Shapes: eigenvalues (n,).
    """
    ev = as_array("eigenvalues", eigenvalues, ndim=1)
    tol = check_positive("tol", tol, strict=False)
    if np.all(ev > tol):
        return "minimum"
    if np.all(ev < -tol):
        return "maximum"
    if np.any(ev > tol) and np.any(ev < -tol):
        return "saddle"
    return "degenerate"


# =========================================================================================
# Hessians of functions and of a tiny network
# =========================================================================================


def hessian_fd(grad: Callable[[Array], Array], x: Array, h: float = 1e-5) -> Array:
    """Hessian by central differences of an exact gradient, symmetrised.

    Column j is (∇L(x + h·eⱼ) − ∇L(x − h·eⱼ)) / 2h, error O(h²); then H ← (H + Hᵀ)/2.
    Shapes: x (d,), grad(x) (d,) → (d, d).
    """
    x = as_array("x", x, ndim=1)
    h = check_positive("h", h)
    d = len(x)
    H = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        H[:, j] = (np.asarray(grad(x + e)) - np.asarray(grad(x - e))) / (2.0 * h)
    return 0.5 * (H + H.T)


# A network with two tanh hidden units and one input: f(x) = Σⱼ vⱼ·tanh(wⱼ·x + bⱼ).
# Parameters θ = (w₁, w₂, b₁, b₂, v₁, v₂); loss L(θ) = mean((f(x) − y)²).


def _unpack(theta: Array) -> tuple[Array, Array, Array]:
    theta = as_array("theta", theta, ndim=1)
    if len(theta) % 3 or not len(theta):
        raise ValueError(f"theta: expected 3·k entries (w, b, v of k units), got {len(theta)}")
    k = len(theta) // 3
    return theta[:k], theta[k : 2 * k], theta[2 * k :]


def tanh_net(theta: Array, x: Array) -> Array:
    """f(x) = Σⱼ vⱼ·tanh(wⱼ·x + bⱼ), θ = (w₁…wₖ, b₁…bₖ, v₁…vₖ).

    Shapes: theta (3k,), x (N,) → (N,).
    """
    w, b, v = _unpack(theta)
    x = as_array("x", x, ndim=1)
    return np.tanh(np.outer(x, w) + b) @ v


def tanh_net_loss(theta: Array, x: Array, y: Array) -> float:
    """L(θ) = (1/N)·Σᵢ (f(xᵢ) − yᵢ)². Shapes: theta (3k,), x (N,), y (N,)."""
    return float(np.mean((tanh_net(theta, x) - as_array("y", y, ndim=1)) ** 2))


def tanh_net_loss_grad(theta: Array, x: Array, y: Array) -> tuple[float, Array]:
    """(L(θ), ∇L(θ)) in one forward and backward pass, the form `trainlib.train.descend` expects.

    Shapes: theta (3k,), x (N,), y (N,) → (float, (3k,)). With aⱼ = tanh(wⱼ·x + bⱼ):
    r = 2(f − y)/N,  ∂L/∂vⱼ = Σ r·aⱼ,  ∂L/∂bⱼ = Σ r·vⱼ·(1 − aⱼ²),  ∂L/∂wⱼ = Σ r·vⱼ·(1 − aⱼ²)·x.
    """
    w, b, v = _unpack(theta)
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, ndim=1)
    a = np.tanh(np.outer(x, w) + b)  # (N, k)
    e = a @ v - y  # (N,) errors f(x) − y
    r = 2.0 * e / len(x)  # (N,) ∂L/∂f
    dz = r[:, None] * v * (1.0 - a * a)  # (N, k): ∂L/∂(wⱼx + bⱼ)
    return float(np.mean(e * e)), np.concatenate([x @ dz, dz.sum(axis=0), r @ a])


def tanh_net_grad(theta: Array, x: Array, y: Array) -> Array:
    """∇L(θ) by the chain rule (see `tanh_net_loss_grad`). Shapes: theta (3k,) → (3k,)."""
    return tanh_net_loss_grad(theta, x, y)[1]


def saddle_net_data(n: int = 41) -> tuple[Array, Array]:
    """The teacher of the saddle demo: y = tanh(3(x − 1)) + ½·tanh(3(x + 1)), x in [−3, 3].

    Two steps of different heights: two tanh units fit it exactly, one unit cannot.
    Shapes: returns x (n,), y (n,).
    """
    x = np.linspace(-3.0, 3.0, check_int("n", n, minimum=2))
    return x, np.tanh(3.0 * (x - 1.0)) + 0.5 * np.tanh(3.0 * (x + 1.0))


def symmetric_critical_point(x: Array, y: Array, *, tol: float = 1e-10) -> Array:
    """A critical point of the two-unit net where both hidden units are identical.

    Fit ONE unit u·tanh(w·x + b) (gradient descent, then Newton steps with `hessian_fd`),
    then copy it into both units with half the output weight each: θ* = (w, w, b, b, u/2, u/2).
    Both units then receive the same gradient, which is half the one-unit gradient, so
    ∇L(θ*) = 0. Raises ValueError if the one-unit fit does not reach ‖∇L‖ < tol.
    Shapes: x (N,), y (N,) → (6,).
    """
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, ndim=1)
    tol = check_positive("tol", tol)

    def grad(p: Array) -> Array:
        return tanh_net_grad(p, x, y)

    p = np.array([1.0, 0.0, 1.0])  # a fixed start: the result is deterministic
    for _ in range(500):
        p = p - 0.1 * grad(p)
    for _ in range(30):
        g = grad(p)
        if np.linalg.norm(g) < tol:
            break
        p = p - np.linalg.solve(hessian_fd(grad, p), g)
    if not np.linalg.norm(grad(p)) < tol:
        raise ValueError(
            f"x, y: expected data on which the one-unit fit converges, got ‖∇L‖ = "
            f"{np.linalg.norm(grad(p)):.3g}"
        )
    w, b, u = p
    return np.array([w, w, b, b, u / 2.0, u / 2.0])


# ---------------------------------------------------------------------------------------------
# The numbers behind notebook 04's figures (shared with its cells and tests)
# ---------------------------------------------------------------------------------------------

MC_DIMS = range(1, 8)  # Monte-Carlo estimate of P(all eigenvalues > 0) for n = 1 … 7
MC_SAMPLES = 1_000_000
INDEX_DIMS = range(1, 13)  # the dimension slider and the index histograms: n = 1 … 12
INDEX_SAMPLES = 4000


@functools.lru_cache(maxsize=1)
def goe_tables() -> dict:
    """The seeded Monte Carlo behind `minima_fraction_figure` (computed once per process).

    Returns {"fractions": [Fraction for n in MC_DIMS] (10⁶ matrices each, seed 0),
    "a": the fitted linear correction of the large-n law,
    "index": {n: counts (n + 1,) of k negative eigenvalues among 4000 matrices} (seed 2,
    whose n = 5 counts, 0 minima and 2 maxima, are typical of the expected 0.56 each)}.
    """
    fractions = fraction_curve(MC_DIMS, MC_SAMPLES, rng=np.random.default_rng(0))
    rng = np.random.default_rng(2)
    index = {n: index_counts(n, INDEX_SAMPLES, rng=rng) for n in INDEX_DIMS}
    return {"fractions": fractions, "a": fit_correction(fractions), "index": index}


SADDLE_START = np.array([1.5, 0.0])  # on the stable manifold y = 0
SADDLE_LR = 0.1
SADDLE_STEPS = 80


def saddle_run(noise: float, seed: int = 0) -> Path:
    """Gradient descent (lr 0.1, 80 steps) on `trainlib.surfaces.saddle` from (1.5, 0).

    noise = 0 is exact gradient descent; otherwise gₜ = ∇L(xₜ) + noise·ξₜ, ξₜ ~ N(0, I)
    from `np.random.default_rng(seed)`. Returns the `trainlib.train.Path`.
    """
    rng = np.random.default_rng(seed) if noise > 0 else None
    return descend(saddle, SADDLE_START, sgd(lr=SADDLE_LR), SADDLE_STEPS, noise=noise, rng=rng)


def escape_step(path: Path, threshold: float = 0.5) -> int | None:
    """First step at which |y| > threshold (the path left the saddle's axis), else None."""
    away = np.flatnonzero(np.abs(path.xs[:, 1]) > threshold)
    return int(away[0]) if away.size else None


NET_LR = 0.5
NET_STEPS = 1500
NUDGES = (0.0, 1e-8, 1e-5, 1e-2)


@functools.lru_cache(maxsize=1)
def network_saddle_runs() -> dict:
    """The symmetric critical point θ*, its Hessian eigen-decomposition, and one GD run
    (lr 0.5, 1500 steps) from θ* + ε·u₁ for each ε in NUDGES (u₁: the negative-curvature
    eigenvector). Computed once per process.
    """
    x, y = saddle_net_data()
    theta = symmetric_critical_point(x, y)
    eigvals, eigvecs = np.linalg.eigh(hessian_fd(lambda t: tanh_net_grad(t, x, y), theta))
    u = eigvecs[:, 0] * np.sign(eigvecs[0, 0])  # a fixed sign: unit 1's weight grows

    def f(t: Array) -> tuple[float, Array]:
        return tanh_net_loss_grad(t, x, y)

    runs = {eps: descend(f, theta + eps * u, sgd(lr=NET_LR), NET_STEPS) for eps in NUDGES}
    return {"x": x, "y": y, "theta": theta, "eigvals": eigvals, "u": u, "runs": runs}
