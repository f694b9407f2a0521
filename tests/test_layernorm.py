"""trainlib.layers.LayerNorm: forward, backward against finite differences, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from trainlib.layers import BatchNorm, LayerNorm


def _layer(c: int = 5, seed: int = 0) -> LayerNorm:
    rng = np.random.default_rng(seed)
    ln = LayerNorm(c)
    ln.params["gamma"][...] = rng.uniform(0.5, 2.0, c)
    ln.params["beta"][...] = rng.standard_normal(c)
    return ln


def test_forward_standardises_each_row_over_its_features():
    rng = np.random.default_rng(1)
    x = 3.0 + 5.0 * rng.standard_normal((4, 6))
    y = LayerNorm(6).forward(x)  # gamma = 1, beta = 0
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), 1.0, rtol=1e-5)  # eps = 1e-5 against σ² ≈ 25
    # by hand, with torch's definition: biased variance, eps inside the root
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-5), rtol=1e-12)
    ln = _layer(6)
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(
        ln.forward(x), ln.params["gamma"] * xhat + ln.params["beta"], rtol=1e-12
    )


def test_same_in_train_and_eval_and_independent_of_the_rest_of_the_batch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 5))
    ln = _layer()
    np.testing.assert_array_equal(ln.forward(x, train=True), ln.forward(x, train=False))
    # one example alone gives the same output as inside the batch: batch size 1 works
    np.testing.assert_allclose(ln.forward(x[:1]), ln.forward(x)[:1], rtol=1e-14)
    with pytest.raises(ValueError, match="at least 2 rows"):
        BatchNorm(5).forward(x[:1])  # the contrast the notebook shows


def _numeric_grad(f, a: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        up = f()
        a[i] = old - h
        down = f()
        a[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def _rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))


def test_backward_matches_finite_differences_with_a_random_upstream_gradient():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    upstream = rng.standard_normal((4, 5))  # L = Σ upstream ⊙ y: every output counts differently
    ln = _layer()

    def loss() -> float:
        return float(np.sum(upstream * ln.forward(x)))

    ln.forward(x)
    dx = ln.backward(upstream)
    analytic = {"x": dx, **{k: v.copy() for k, v in ln.grads.items()}}
    numeric = {"x": _numeric_grad(loss, x)}
    for k in ("gamma", "beta"):
        numeric[k] = _numeric_grad(loss, ln.params[k])
    for k in analytic:
        assert _rel_error(analytic[k], numeric[k]) < 1e-7, k
    # the rows of dx sum to zero: shifting one example's features together changes nothing
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-12)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="num_features"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(3, eps=0.0)
    ln = LayerNorm(3)
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 3\)"):
        ln.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="x"):
        ln.forward(np.ones(3))  # 1-D: not a batch
    ln.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dout"):
        ln.backward(np.ones((2, 4)))
    assert repr(ln) == "LayerNorm(3, eps=1e-05)"
