"""Test surfaces: small loss landscapes with known minima, on which optimisers race.

A `Surface` is a loss with its analytic gradient, vectorised over many points at once,
plus what a plot needs: the known global minima, the minimum value, a plotting window and
an instructive starting point.

Shapes: a 2-D surface takes `p` of shape (..., 2) — the last axis holds (x, y) — and
returns a value of shape (...) and a gradient of shape (..., 2). So an (N, 2) array is N
independent points and a whole race is one vectorised call. The 1-D `parabola` works
elementwise instead: `p` of any shape (...) is that many scalar weights w.

Everything is written with + − × only (no `**`, whose scalar and array paths can round
differently), so a point gives bit-for-bit the same numbers alone or inside a batch.
Values are computed honestly: a diverging optimiser may feed huge points, and the result is
then ±inf or NaN, without a RuntimeWarning (the loops in `trainlib.train` detect it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trainlib.validation import (
    ArgumentTypeError,
    check_finite_number,
    check_int,
    check_positive,
    describe,
)

__all__ = [
    "Surface",
    "SURFACES",
    "parabola",
    "bowl",
    "valley",
    "saddle",
    "rosenbrock",
    "beale",
    "himmelblau",
]

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface L(p) with its gradient ∇L(p), known minima and a plotting window.

    Shapes: `p` (..., dim) → value (...), grad (..., dim); for dim = 1 (the parabola) `p`
    is elementwise: p (...) → value (...), grad (...).

    Fields: `minima` (k, dim) the known global minima, `min_value` L at them, `window`
    ((xmin, xmax), (ymin, ymax)) — for dim = 1 that is (w range, loss range) —, `start` a
    default starting point, `saddles` (s, dim) known saddle points (often none), `f_df`
    optionally both at once, sharing their common terms (as backprop reuses the forward
    pass): what a call `surface(p)` then runs, the form the optimisation loops use.
    """

    name: str
    f: Callable[[Array], Array] = field(repr=False)
    df: Callable[[Array], Array] = field(repr=False)
    minima: Array = field(repr=False)
    min_value: float
    window: tuple[tuple[float, float], tuple[float, float]]
    start: Array = field(repr=False)
    dim: int = 2
    saddles: Array = field(default_factory=lambda: np.empty((0, 2)), repr=False)
    f_df: Callable[[Array], tuple[Array, Array]] | None = field(default=None, repr=False)

    def _check(self, p: Array) -> Array:
        p = np.asarray(p)
        if p.dtype.kind not in "biuf":
            raise ValueError(f"p: expected a real-valued array, got dtype {p.dtype}")
        if p.dtype != np.float32:
            p = p.astype(np.float64, copy=False)
        if self.dim == 2 and (p.ndim == 0 or p.shape[-1] != 2):
            raise ValueError(f"p: expected shape (..., 2) for {self.name}, got {p.shape}")
        return p

    def value(self, p: Array) -> Array:
        """L(p). Shapes: p (..., 2) → (...); for the 1-D parabola p (...) → (...)."""
        p = self._check(p)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.f(p)

    def grad(self, p: Array) -> Array:
        """∇L(p). Shapes: p (..., 2) → (..., 2); for the 1-D parabola p (...) → (...)."""
        p = self._check(p)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.df(p)

    def __call__(self, p: Array) -> tuple[Array, Array]:
        """(L(p), ∇L(p)) in one call, the form `trainlib.train.descend` expects."""
        p = self._check(p)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.f_df is not None:
                return self.f_df(p)
            return self.f(p), self.df(p)

    def grid(self, n: int = 200) -> tuple[Array, Array, Array]:
        """(X, Y, Z) on an n×n grid over `window`, for contour plots (2-D surfaces only)."""
        if self.dim != 2:
            raise ValueError(f"grid: expected a 2-D surface, got dim={self.dim} ({self.name})")
        n = check_int("n", n, minimum=2)
        (x0, x1), (y0, y1) = self.window
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return X, Y, self.value(np.stack([X, Y], axis=-1))


def _xy(p: Array) -> tuple[Array, Array]:
    return p[..., 0], p[..., 1]


def _stack(gx: Array, gy: Array) -> Array:
    """(gx, gy) → one array with a last axis of 2 (as np.stack, at a third of its overhead)."""
    out = np.empty((*gx.shape, 2), dtype=np.result_type(gx, gy))
    out[..., 0] = gx
    out[..., 1] = gy
    return out


# --- the worked example of the text: L(w) = (w − 3)², dL/dw = 2(w − 3) --------------------

parabola = Surface(
    name="Parabola",
    f=lambda w: (w - 3.0) * (w - 3.0),
    df=lambda w: 2.0 * (w - 3.0),
    minima=np.array([[3.0]]),
    min_value=0.0,
    window=((-1.0, 7.0), (-1.0, 16.0)),
    start=np.array(0.0),
    dim=1,
    saddles=np.empty((0, 1)),
)


# --- quadratic bowls: L = ½ pᵀHp with H = R·diag(1, κ)·Rᵀ, ∇L = H·p ---------------------


def bowl(condition_number: float = 1.0, angle: float = 0.0, *, name: str | None = None) -> Surface:
    """Quadratic bowl ½(u² + κ·v²) in coordinates (u, v) rotated by `angle` radians.

    With angle = 0 this is ½(x² + κ·y²). κ = `condition_number` is the ratio of the largest
    to the smallest curvature; plain GD needs lr < 2/κ to be stable and then ~κ steps to
    shrink the flat direction — the reason an ill-conditioned valley is slow.
    Minimum: (0, 0), value 0.
    """
    kappa = check_positive("condition_number", condition_number)
    angle = check_finite_number("angle", angle)
    if name is not None and not isinstance(name, str):
        raise ArgumentTypeError(f"name: expected a str or None, got {describe(name)}")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([1.0, kappa]) @ R.T
    H = 0.5 * (H + H.T)  # exactly symmetric, so the gradient is exactly H·p
    a, b, d = float(H[0, 0]), float(H[0, 1]), float(H[1, 1])

    def f(p: Array) -> Array:
        x, y = _xy(p)
        return 0.5 * (a * x * x + 2.0 * b * x * y + d * y * y)

    def df(p: Array) -> Array:
        x, y = _xy(p)
        return _stack(a * x + b * y, b * x + d * y)

    if name is None:
        name = "Bowl" if kappa == 1.0 and angle == 0.0 else f"Bowl (κ={kappa:g})"
    return Surface(
        name=name,
        f=f,
        df=df,
        minima=np.zeros((1, 2)),
        min_value=0.0,
        window=((-3.0, 3.0), (-3.0, 3.0)),
        start=np.array([-2.5, 1.5]),
    )


# An ill-conditioned valley: κ = 50, tilted by 30° so that it is not axis-aligned (per-
# coordinate methods like Adam get no free help from the axes). Plain GD is stable only for
# lr < 2/50 = 0.04 and then crawls along the floor; momentum runs along it.
valley = bowl(50.0, np.pi / 6, name="Valley")


# --- a saddle bounded by a quartic: L = x² − y² + y⁴/4 -------------------------------------
# ∇L = (2x, −2y + y³). Critical points: the saddle (0, 0) with L = 0 (Hessian diag(2, −2)),
# and the two global minima (0, ±√2) with L = −2 + 4/4 = −1. The line y = 0 is the saddle's
# stable manifold: exact GD started on it converges to the saddle and stays there.


def _saddle_f(p: Array) -> Array:
    x, y = _xy(p)
    y2 = y * y
    return x * x - y2 + 0.25 * y2 * y2


def _saddle_df(p: Array) -> Array:
    x, y = _xy(p)
    return _stack(2.0 * x, y * (y * y - 2.0))


saddle = Surface(
    name="Saddle",
    f=_saddle_f,
    df=_saddle_df,
    minima=np.array([[0.0, np.sqrt(2.0)], [0.0, -np.sqrt(2.0)]]),
    min_value=-1.0,
    window=((-2.0, 2.0), (-2.5, 2.5)),
    # Just off the stable manifold y = 0: how fast each optimiser escapes is the lesson.
    start=np.array([1.5, 1e-3]),
    saddles=np.zeros((1, 2)),
)


# --- Rosenbrock (a = 1, b = 100): L = (a − x)² + b(y − x²)² ---------------------------------
# ∇L = (−2(a − x) − 4b·x(y − x²), 2b(y − x²)). Minimum (1, 1), value 0, at the end of a
# long curved banana-shaped valley.


def _rosenbrock_f_df(p: Array) -> tuple[Array, Array]:
    x, y = _xy(p)
    r, s = y - x * x, 1.0 - x
    return s * s + 100.0 * r * r, _stack(-2.0 * s - 400.0 * x * r, 200.0 * r)


rosenbrock = Surface(
    name="Rosenbrock",
    f=lambda p: _rosenbrock_f_df(p)[0],
    df=lambda p: _rosenbrock_f_df(p)[1],
    f_df=_rosenbrock_f_df,
    minima=np.array([[1.0, 1.0]]),
    min_value=0.0,
    window=((-2.0, 2.0), (-1.0, 3.0)),
    start=np.array([-1.2, 1.0]),
)


# --- Beale: L = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)² --------------------
# With tₖ = cₖ − x + x·yᵏ: ∂L/∂x = Σ 2tₖ(yᵏ − 1), ∂L/∂y = Σ 2tₖ·k·x·yᵏ⁻¹.
# Minimum (3, 0.5), value 0; flat plateaus and steep walls.


def _beale_terms(p: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
    x, y = _xy(p)
    y2 = y * y
    y3 = y2 * y
    return x, y, y2, y3, 1.5 - x + x * y, 2.25 - x + x * y2


def _beale_f(p: Array) -> Array:
    x, _, _, y3, t1, t2 = _beale_terms(p)
    t3 = 2.625 - x + x * y3
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_df(p: Array) -> Array:
    x, y, y2, y3, t1, t2 = _beale_terms(p)
    t3 = 2.625 - x + x * y3
    gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    gy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
    return _stack(gx, gy)


beale = Surface(
    name="Beale",
    f=_beale_f,
    df=_beale_df,
    minima=np.array([[3.0, 0.5]]),
    min_value=0.0,
    window=((-4.5, 4.5), (-4.5, 4.5)),
    start=np.array([1.0, 1.5]),
)


# --- Himmelblau: L = (x² + y − 11)² + (x + y² − 7)² -----------------------------------------
# ∇L = (4x·u + 2v, 2u + 4y·v) with u = x² + y − 11, v = x + y² − 7. Four global minima, all
# with value 0: (3, 2) exactly, the other three to float64 precision (Newton-refined).


def _himmelblau_f(p: Array) -> Array:
    x, y = _xy(p)
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v


def _himmelblau_df(p: Array) -> Array:
    x, y = _xy(p)
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return _stack(4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v)


himmelblau = Surface(
    name="Himmelblau",
    f=_himmelblau_f,
    df=_himmelblau_df,
    minima=np.array(
        [
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.2831859912861696],
            [3.5844283403304917, -1.8481265269644034],
        ]
    ),
    min_value=0.0,
    window=((-5.0, 5.0), (-5.0, 5.0)),
    start=np.array([0.0, 0.0]),
)


#: The 2-D surfaces by display name (the 1-D `parabola` is not a race course, so it is kept
#: out; use `trainlib.surfaces.parabola` directly).
SURFACES: dict[str, Surface] = {
    s.name: s for s in (bowl(), valley, saddle, rosenbrock, beale, himmelblau)
}
