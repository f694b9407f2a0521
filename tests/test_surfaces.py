"""Tests for trainlib.surfaces: analytic gradients, minima, windows, honest overflow."""

from __future__ import annotations

import numpy as np
import pytest

from trainlib import surfaces
from trainlib.gradcheck import numerical_gradient
from trainlib.surfaces import (
    SURFACES,
    beale,
    bowl,
    himmelblau,
    parabola,
    rosenbrock,
    saddle,
    valley,
)

ALL_2D = [bowl(), bowl(10.0), bowl(7.0, 0.4), valley, saddle, rosenbrock, beale, himmelblau]
IDS = [f"{s.name}-{i}" for i, s in enumerate(ALL_2D)]


def _norm_rel(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): a relative error that near-zero components cannot inflate."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("surf", ALL_2D, ids=IDS)
def test_gradient_matches_central_differences(surf):
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = surf.window
    # 20 random points across the plotting window, all differentiated in one vectorised call.
    P = np.column_stack([rng.uniform(x0, x1, 20), rng.uniform(y0, y1, 20)])
    dout = rng.standard_normal(20)  # random upstream gradient (never all ones)
    analytic = dout[:, None] * surf.grad(P)
    numeric = numerical_gradient(lambda: surf.value(P), P, dout, h=1e-6)
    # Central differences: O(h²)·|L'''| truncation + O(ε·|L|/h) rounding ≈ 1e-10 relative
    # here; 1e-7 is the project-wide bar and leaves a 1000× margin.
    assert _norm_rel(analytic, numeric) < 1e-7
    # Per point as well, so one bad region cannot hide among large gradients elsewhere.
    for i in range(20):
        assert _norm_rel(analytic[i], numeric[i]) < 1e-7


def test_parabola_gradient_and_shape():
    rng = np.random.default_rng(1)
    w = rng.uniform(-1, 7, size=(3, 4))  # elementwise: any shape is that many weights
    dout = rng.standard_normal(w.shape)
    numeric = numerical_gradient(lambda: parabola.value(w), w, dout, h=1e-6)
    assert _norm_rel(dout * parabola.grad(w), numeric) < 1e-7  # same bar as above
    v, g = parabola(w)
    assert v.shape == w.shape and g.shape == w.shape
    assert parabola.value(0.0) == 9.0 and parabola.grad(0.0) == -6.0  # exact integers


@pytest.mark.parametrize("surf", [*ALL_2D, parabola], ids=[*IDS, "Parabola"])
def test_minima_have_zero_gradient_and_stated_value(surf):
    m = surf.minima if surf.dim == 2 else surf.minima[:, 0]
    assert surf.minima.shape[1] == surf.dim
    # The hard-coded Himmelblau minima are Newton-refined to the last digit; a residual of
    # 1e-12 allows ~100 ulp of rounding in gradients made of O(100)-sized terms.
    np.testing.assert_allclose(surf.grad(m), 0.0, atol=1e-12)
    np.testing.assert_allclose(surf.value(m), surf.min_value, atol=1e-12)
    # ...and they are minima: nearby points (in every direction) are higher.
    if surf.dim == 2:
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = 1e-3 * np.column_stack([np.cos(angles), np.sin(angles)])
        for p in m:
            assert np.all(surf.value(p + ring) > surf.min_value)


def test_himmelblau_has_four_minima_and_grid_confirms_min_value():
    assert himmelblau.minima.shape == (4, 2)
    for surf in SURFACES.values():
        _, _, Z = surf.grid(301)
        # No grid point beats the stated global minimum (up to float rounding).
        assert Z.min() >= surf.min_value - 1e-12
        # Every stated minimum lies inside the plotting window, and so does the start.
        (x0, x1), (y0, y1) = surf.window
        assert np.all((surf.minima[:, 0] > x0) & (surf.minima[:, 0] < x1))
        assert np.all((surf.minima[:, 1] > y0) & (surf.minima[:, 1] < y1))
        assert x0 < surf.start[0] < x1 and y0 < surf.start[1] < y1


def test_saddle_point_is_a_saddle():
    assert saddle.saddles.shape == (1, 2)
    np.testing.assert_array_equal(saddle.grad(saddle.saddles[0]), [0.0, 0.0])
    assert saddle.value(saddle.saddles[0]) == 0.0
    # Up along x, down along y: a saddle, not a minimum or maximum.
    assert saddle.value([0.1, 0.0]) > 0 > saddle.value([0.0, 0.1])
    np.testing.assert_allclose(saddle.minima, [[0, np.sqrt(2)], [0, -np.sqrt(2)]])
    assert saddle.min_value == -1.0


def test_bowl_condition_number():
    for kappa, angle in [(1.0, 0.0), (50.0, 0.0), (50.0, 1.1)]:
        s = bowl(kappa, angle)
        # Hessian by differencing the (linear) gradient: exact up to rounding.
        H = np.stack([s.grad(np.array([1.0, 0.0])), s.grad(np.array([0.0, 1.0]))], axis=1)
        ev = np.linalg.eigvalsh(0.5 * (H + H.T))
        np.testing.assert_allclose(ev, [1.0, kappa], rtol=1e-12)  # eigh rounding only
    assert valley.name == "Valley"
    H = np.stack([valley.grad(np.array([1.0, 0.0])), valley.grad(np.array([0.0, 1.0]))], 1)
    assert abs(H[0, 1]) > 1.0  # tilted: not axis-aligned
    with pytest.raises(ValueError, match="condition_number"):
        bowl(0.0)
    with pytest.raises(ValueError, match="condition_number"):
        bowl(-2.0)


def test_vectorised_over_leading_axes():
    rng = np.random.default_rng(2)
    P = rng.uniform(-1, 1, size=(3, 5, 2))
    for surf in ALL_2D:
        v, g = surf(P)
        assert v.shape == (3, 5) and g.shape == (3, 5, 2)
        # The same as point by point, bit for bit (everything is elementwise).
        for idx in np.ndindex(3, 5):
            assert surf.value(P[idx]) == v[idx]
            np.testing.assert_array_equal(surf.grad(P[idx]), g[idx])


def test_float32_kept():
    p = np.array([[0.5, -0.25]], dtype=np.float32)
    for surf in ALL_2D:
        v, g = surf(p)
        assert v.dtype == np.float32 and g.dtype == np.float32


def test_overflow_is_honest_and_silent():
    # pytest turns RuntimeWarning into errors, so merely returning proves "no warning".
    huge = np.array([[1e200, 1e200], [np.inf, 0.0], [np.nan, 1.0], [-1e300, 1e300]])
    for surf in ALL_2D:
        v, g = surf(huge)
        assert not np.any(np.isfinite(v[:2]))  # inf (or NaN from inf − inf), never finite
        assert np.isnan(v[2])
        assert g.shape == huge.shape
    assert parabola.value(1e300) == np.inf


def test_bad_shape_raises():
    with pytest.raises(ValueError, match=r"p: expected shape \(\.\.\., 2\)"):
        rosenbrock.value(np.zeros(3))
    with pytest.raises(ValueError, match=r"p: expected shape"):
        beale.grad(1.0)
    with pytest.raises(ValueError, match="real-valued"):
        himmelblau(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="dim"):
        parabola.grid()


def test_surfaces_registry():
    assert set(SURFACES) == {"Bowl", "Valley", "Saddle", "Rosenbrock", "Beale", "Himmelblau"}
    for name, surf in SURFACES.items():
        assert surf.name == name and surf.dim == 2
    assert "parabola" in surfaces.__all__


@pytest.mark.parametrize("surf", ALL_2D, ids=lambda s: s.name)
def test_a_call_gives_value_and_grad_bit_for_bit(surf):
    # `surface(p)` may compute both at once (f_df): it must be exactly value() and grad().
    p = np.random.default_rng(3).uniform(-3, 3, size=(50, 2))
    v, g = surf(p)
    np.testing.assert_array_equal(v, surf.value(p))
    np.testing.assert_array_equal(g, surf.grad(p))
