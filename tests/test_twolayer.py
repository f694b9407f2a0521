"""The manual two-layer network of the text (claims C23–C25)."""

import numpy as np
import pytest

from trainlib import twolayer
from trainlib.gradcheck import gradcheck, numerical_gradient, rel_error
from trainlib.lessons.backpropagation.experiments import autodiff_twolayer
from trainlib.losses import sigmoid

# Central differences err by O(h²) (truncation) + O(ε·|L|/h) (rounding) in absolute terms.
# The mean loss makes some gradient entries small (~1e-3 here), and rel_error is taken
# entry by entry, so rounding dominates: with h = 1e-6 (gradcheck's default) the worst entry
# of this problem is off by 2e-8; with STEP = 1e-5 by 1.4e-9 (over 100 seeds: median 2e-9,
# 4% above 1e-7). 1e-7 is the project-wide bar for float64 gradient checks and still catches
# any wrong factor, sign or transpose (those give errors of order 1).
FD_TOL = 1e-7
STEP = 1e-5
# Two exact computations of the same gradient differ only by rounding: a few ulps per
# operation, ~1e-15 relative; 1e-12 allows for cancellation in the batch sums.
EXACT_TOL = 1e-12


def make_problem(seed=0, N=7, D=4, H=5):
    """A small batch with random (not zero) biases so that db1, db2 are exercised too."""
    rng = np.random.default_rng(seed)
    params = twolayer.init_params(D, H, rng=rng)
    params["b1"] = 0.1 * rng.standard_normal(H)
    params["b2"] = 0.1 * rng.standard_normal(1)
    x = rng.standard_normal((N, D))
    y = (rng.uniform(size=N) < 0.5).astype(float)
    return params, x, y, rng


def bce(yhat, y):
    """The text's loss literally: mean −[y·log ŷ + (1−y)·log(1−ŷ)]."""
    return np.mean(-(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))


def test_forward_matches_the_texts_equations():
    params, x, y, _ = make_problem()
    c = twolayer.forward(params, x, y)
    z1 = x @ params["W1"] + params["b1"]
    z2 = np.maximum(z1, 0) @ params["W2"] + params["b2"]
    yhat = 1 / (1 + np.exp(-z2))
    # same equations evaluated in a different order: rounding only
    assert rel_error(c["yhat"], yhat) < EXACT_TOL
    assert abs(c["loss"] - bce(yhat, y[:, None])) < EXACT_TOL


def test_forward_is_stable_for_saturated_logits():
    # ŷ rounds to exactly 1 at z2 ≈ 40; log(1 − ŷ) would be −inf, the log-sum-exp form is not
    params = {"W1": [[1.0]], "b1": [0.0], "W2": [[1.0]], "b2": [0.0]}
    c = twolayer.forward(params, [[800.0]], [0.0])
    assert c["loss"] == pytest.approx(800.0)  # log(1 + e^800) − 0 = 800 + e^−800
    g = twolayer.backward(params, c)
    assert g["dz2"][0, 0] == pytest.approx(1.0)  # ŷ − y = 1 − 0
    assert np.all(np.isfinite(g["dW1"]))


def test_C23_every_analytic_gradient_matches_central_differences():
    params, x, y, rng = make_problem()
    c = twolayer.forward(params, x, y)
    # keep FD off the ReLU kink: a step STEP = 1e-5 moves z1 by at most ~3e-5 here (|x| < 3)
    assert np.min(np.abs(c["z1"])) > 1e-4
    g = twolayer.backward(params, c)
    dout = float(rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0]))  # random scalar upstream

    # parameter gradients, through the full forward pass
    errs = gradcheck(
        lambda: np.asarray(twolayer.forward(params, x, y)["loss"]),
        params,
        {k: dout * g["d" + k] for k in params},
        dout,
        h=STEP,
    )
    assert max(errs.values()) < FD_TOL, errs

    # intermediate gradients, each through the rest of the network from that point on
    Y = c["y"]
    W2, b2 = params["W2"], params["b2"]
    z1, a1, z2, yhat = (c[k].copy() for k in ("z1", "a1", "z2", "yhat"))
    tails = {
        "dz1": (z1, lambda: bce(sigmoid(np.maximum(z1, 0) @ W2 + b2), Y)),
        "da1": (a1, lambda: bce(sigmoid(a1 @ W2 + b2), Y)),
        "dz2": (z2, lambda: bce(sigmoid(z2), Y)),
        "dyhat": (yhat, lambda: bce(yhat, Y)),
    }
    for name, (value, tail) in tails.items():
        num = numerical_gradient(lambda t=tail: np.asarray(t()), value, dout, STEP)
        assert rel_error(dout * g[name], num) < FD_TOL, name

    # local derivatives, elementwise, with a random array upstream
    up = rng.standard_normal(z2.shape)
    num = numerical_gradient(lambda: sigmoid(z2), z2, up, STEP)
    assert rel_error(up * g["dyhat_dz2"], num) < FD_TOL
    up = rng.standard_normal(z1.shape)
    num = numerical_gradient(lambda: np.maximum(z1, 0), z1, up, STEP)
    assert rel_error(up * g["da1_dz1"], num) < FD_TOL


def test_C23_error_signal_is_yhat_minus_y_over_N():
    params, x, y, _ = make_problem()
    c = twolayer.forward(params, x, y)
    g = twolayer.backward(params, c)
    N = len(y)
    np.testing.assert_array_equal(g["dz2"], (c["yhat"] - y[:, None]) / N)  # by construction
    # the unsimplified product ∂L/∂ŷ · ∂ŷ/∂z2 is the same number up to rounding
    assert rel_error(g["dyhat"] * g["dyhat_dz2"], g["dz2"]) < EXACT_TOL


def test_C23_loss_and_grads_returns_the_parameter_gradients():
    params, x, y, _ = make_problem()
    loss, grads = twolayer.loss_and_grads(params, x, y)
    g = twolayer.backward(params, twolayer.forward(params, x, y))
    assert loss == twolayer.forward(params, x, y)["loss"]
    assert set(grads) == set(params)
    for k in params:
        np.testing.assert_array_equal(grads[k], g["d" + k])
        assert grads[k].shape == params[k].shape


@pytest.mark.parametrize(
    "example",
    [
        {},  # the default example: ReLU on, y = 1
        {"x": -0.7, "y": 0.0, "w1": -1.1, "b1": 0.3, "w2": 2.0, "b2": -0.5},  # y = 0
        {"x": 2.0, "y": 1.0, "w1": -0.5, "b1": 0.1},  # ReLU off: every path is cut, ∂L/∂x = 0
    ],
)
def test_C24_product_of_local_gradients_is_the_end_to_end_derivative(example):
    ex = twolayer.chain_example(**example)
    # two exact routes to the same number: rounding only
    assert rel_error(ex["product"], ex["end_to_end"]) < EXACT_TOL

    # local × upstream, edge by edge from L back to x
    edges = ex["edges"]
    assert [e["src"] for e in edges] == ["x", "z1", "a1", "z2", "yhat"]
    assert edges[-1]["upstream"] == 1.0  # ∂L/∂L
    for e, nxt in zip(edges[:-1], edges[1:], strict=True):
        assert e["upstream"] == nxt["grad"]
    for e in edges:
        assert e["grad"] == e["local"] * e["upstream"]
    assert rel_error(edges[0]["grad"], ex["product"]) < EXACT_TOL  # same factors, other order

    # and against the finite-difference slope of the whole composite function L(x)
    p = dict(x=1.5, y=1.0, w1=0.8, b1=-0.2, w2=-1.3, b2=0.4) | example
    params = {"W1": [[p["w1"]]], "b1": [p["b1"]], "W2": [[p["w2"]]], "b2": [p["b2"]]}
    xv = np.array([[p["x"]]])
    fd = numerical_gradient(
        lambda: np.asarray(twolayer.forward(params, xv, [p["y"]])["loss"]), xv, 1.0, STEP
    )
    assert rel_error(ex["end_to_end"], fd[0, 0]) < FD_TOL


def test_C25_autodiff_is_exact_finite_differences_are_approximate():
    params, x, y, _ = make_problem()
    loss, manual = twolayer.loss_and_grads(params, x, y)
    ad_loss, auto = autodiff_twolayer(params, x, y)
    assert abs(float(ad_loss.data) - loss) < EXACT_TOL

    f = lambda: np.asarray(twolayer.forward(params, x, y)["loss"])  # noqa: E731
    fd = {k: numerical_gradient(f, params[k], 1.0, STEP) for k in params}
    ad_err = {k: rel_error(auto[k], manual[k]) for k in params}
    fd_err = {k: rel_error(fd[k], manual[k]) for k in params}
    # autodiff: the manual chain rule, evaluated in (almost) the same order → rounding only
    assert max(ad_err.values()) < EXACT_TOL, ad_err
    # finite differences: truncation + cancellation error, visible but small
    assert max(fd_err.values()) > EXACT_TOL, fd_err
    assert max(fd_err.values()) < FD_TOL, fd_err


def test_backward_checks_its_cache_and_params():
    rng = np.random.default_rng(0)
    params = twolayer.init_params(3, 4, rng=rng)
    cache = twolayer.forward(params, rng.standard_normal((5, 3)), rng.integers(0, 2, 5))
    with pytest.raises(ValueError, match=r"^cache: expected keys \('x', 'y', 'z1'"):
        twolayer.backward(params, {})
    with pytest.raises(TypeError, match="^cache: expected a dict, got None"):
        twolayer.backward(params, None)
    with pytest.raises(ValueError, match=r"^params: expected keys \('W1', 'b1', 'W2', 'b2'\)"):
        twolayer.backward({"W1": params["W1"]}, cache)
    other = twolayer.init_params(3, 6, rng=rng)  # H = 6: the cache was made with H = 4
    with pytest.raises(ValueError, match=r"^cache\['z1'\]: expected shape \(5, 6\)"):
        twolayer.backward(other, cache)
    with pytest.raises(ValueError, match=r"^cache\['yhat'\]: expected finite values"):
        twolayer.backward(params, {**cache, "yhat": np.full((5, 1), np.nan)})


def test_forward_rejects_an_empty_batch_and_init_needs_a_generator():
    params = twolayer.init_params(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^x: expected at least one element, got shape \(0, 2\)"):
        twolayer.forward(params, np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="^rng: expected a np.random.Generator"):
        twolayer.init_params(2, 3, rng=None)
