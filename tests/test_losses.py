"""Tests for trainlib.losses: gradients, PyTorch parity, stability, claims C8–C14, validation."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trainlib import losses as L
from trainlib.gradcheck import check_loss, gradcheck

REFS = Path(__file__).parent / "data" / "loss_refs.npz"
GRAD_TOL = 1e-7  # central differences at h=1e-6 in float64 are good to ~1e-10 (gradcheck.py)
TORCH_RTOL = 1e-10  # both sides float64 with the same formulas: only rounding (~1e-15) differs


@contextmanager
def no_warnings():
    """Context in which any warning (not only RuntimeWarning) is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------------------
# Gradient checks
# ---------------------------------------------------------------------------------------


def _away_from(rng, shape, lo, hi):
    """Random magnitudes in [lo, hi] with random signs."""
    return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _dist(rng, n, c, zeros=False):
    p = rng.dirichlet(np.ones(c), size=n)
    if zeros:
        p[rng.uniform(size=(n, c)) < 0.3] = 0.0
        p[:, 0] += 0.05
        p /= p.sum(axis=1, keepdims=True)
    return p


def _grad_cases():
    rng = np.random.default_rng(0)
    shape = (5, 3)
    y = rng.normal(size=shape)
    n, c = 6, 4
    zc = 2 * rng.normal(size=(n, c))
    labels = rng.integers(0, c, size=n)
    probs = _dist(rng, n, c)
    w = rng.uniform(0.2, 3.0, size=c)
    z = 2 * rng.normal(size=shape)
    y_hard = rng.integers(0, 2, size=shape).astype(float)
    y_soft = rng.uniform(size=shape)
    p = rng.uniform(0.05, 0.95, size=shape)
    q = _dist(rng, n, c)
    pk = _dist(rng, n, c, zeros=True)
    # focal: for |z| ≳ 3 an easy example's gradient is ~1e-6, below what differences of the
    # O(0.1) loss resolve to 1e-7 relative; keep |z| ≤ 2 (torch parity covers larger z)
    z_f = rng.uniform(-2.0, 2.0, size=shape)
    delta = 0.8
    # Huber errors: |e| in [0.1, 0.6] or [1.0, 3.0], clear of the kink at δ = 0.8
    e_h = np.where(rng.uniform(size=shape) < 0.5, 1, 0) * _away_from(rng, shape, 0.1, 0.6)
    e_h += np.where(e_h == 0, _away_from(rng, shape, 1.0, 3.0), 0)
    return {
        "mse": (L.mse, (y + rng.normal(size=shape), y), {}),
        "mae": (L.mae, (y + _away_from(rng, shape, 0.1, 2.0), y), {}),  # |e| ≥ 0.1: no kink
        "huber": (L.huber, (y + e_h, y), {"delta": delta}),
        "bce_hard": (L.bce, (p, y_hard), {}),
        "bce_soft": (L.bce, (p, y_soft), {}),
        "bce_with_logits": (L.bce_with_logits, (z, y_soft), {}),
        "bce_with_logits_pos_weight": (
            L.bce_with_logits,
            (z, y_hard),
            {"pos_weight": rng.uniform(0.3, 4.0, size=shape[1])},
        ),
        "cross_entropy_int": (L.cross_entropy, (zc, labels), {}),
        "cross_entropy_prob": (L.cross_entropy, (zc, probs), {}),
        "cross_entropy_int_weight": (L.cross_entropy, (zc, labels), {"weight": w}),
        "cross_entropy_prob_weight": (L.cross_entropy, (zc, probs), {"weight": w}),
        "cross_entropy_naive": (L.cross_entropy_naive, (zc, labels), {}),
        "focal_g2": (L.focal_loss, (z_f, y_hard), {}),
        "focal_g0.5_alpha": (L.focal_loss, (z_f, y_hard), {"gamma": 0.5, "alpha": 0.25}),
        "focal_g1.5_soft": (L.focal_loss, (z_f, y_soft), {"gamma": 1.5, "alpha": 0.7}),
        "focal_g0": (L.focal_loss, (z_f, y_hard), {"gamma": 0.0}),
        "kl": (lambda qq, pp: L.kl_div(pp, qq), (q, pk), {}),
    }


GRAD_CASES = _grad_cases()


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradient_matches_central_differences(name):
    fn, (x, *rest), kwargs = GRAD_CASES[name]
    rng = np.random.default_rng(1)
    # KL validates that q's rows sum to 1 within 1e-6, so perturb by 1e-7 (rounding ~1e-9)
    h = 1e-7 if name == "kl" else 1e-6
    err = check_loss(fn, x, *rest, rng=rng, h=h, **kwargs)
    assert err < GRAD_TOL, f"{name}: relative error {err:.2e}"


def test_gradient_check_catches_a_wrong_gradient():
    """The check above can fail: a loss whose gradient is off by a factor 2 is caught."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))

    def half_mse_wrong(yhat, y):
        value, grad = L.mse(yhat, y)
        return value / 2, grad  # value halved, gradient not

    assert check_loss(half_mse_wrong, x, y, rng=rng) > 0.1


# ---------------------------------------------------------------------------------------
# Parity with PyTorch (reference data from tools/make_loss_refs.py)
# ---------------------------------------------------------------------------------------

# case prefix → (function, names of the stored positional arguments)
PARITY = {
    "mse": (L.mse, ("yhat", "y")),
    "mae": (L.mae, ("yhat", "y")),
    "huber": (L.huber, ("yhat", "y")),
    "bce": (L.bce, ("p", "y")),
    "bcel": (L.bce_with_logits, ("z", "y")),
    "ce": (L.cross_entropy, ("z", "y")),
    "focal": (L.focal_loss, ("z", "y")),
    "kl": (L.kl_div, ("p", "q")),
}


@pytest.fixture(scope="module")
def refs():
    with np.load(REFS) as data:
        return {k: data[k] for k in data.files}


def _cases():
    with np.load(REFS) as data:
        return sorted(k.removesuffix(".value") for k in data.files if k.endswith(".value"))


def test_reference_data_covers_every_loss(refs):
    cases = _cases()
    assert {c.split("_")[0] for c in cases} == set(PARITY)
    assert len(cases) >= 20
    assert REFS.stat().st_size < 200_000
    assert str(refs["torch_version"]).startswith("2.13.0")


@pytest.mark.parametrize("case", _cases())
def test_matches_pytorch(refs, case):
    fn, argnames = PARITY[case.split("_")[0]]
    args = [refs[f"{case}.{a}"] for a in argnames]
    prefix = f"{case}.kw."
    kwargs = {k[len(prefix) :]: refs[k] for k in refs if k.startswith(prefix)}
    kwargs = {k: (v.item() if v.ndim == 0 else v) for k, v in kwargs.items()}
    value, grad = fn(*args, **kwargs)
    np.testing.assert_allclose(value, refs[f"{case}.value"], rtol=TORCH_RTOL, atol=0)
    np.testing.assert_allclose(grad, refs[f"{case}.grad"], rtol=TORCH_RTOL, atol=0)


def test_softmax_family_matches_pytorch(refs):
    z = refs["softmax.z"]
    np.testing.assert_allclose(L.softmax(z), refs["softmax.softmax"], rtol=TORCH_RTOL)
    np.testing.assert_allclose(L.log_softmax(z), refs["softmax.log_softmax"], rtol=TORCH_RTOL)
    np.testing.assert_allclose(L.logsumexp(z), refs["softmax.logsumexp"], rtol=TORCH_RTOL)


# ---------------------------------------------------------------------------------------
# Numerical stability
# ---------------------------------------------------------------------------------------

Z_EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]])
Y_BIN = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])


@pytest.mark.parametrize(
    ("fn", "y", "kwargs"),
    [
        (L.bce_with_logits, Y_BIN, {}),
        (L.bce_with_logits, Y_BIN, {"pos_weight": [2.0, 0.5, 1.0]}),
        (L.cross_entropy, np.array([2, 0]), {}),
        (L.cross_entropy, np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]), {"weight": [1, 2, 3]}),
        (L.focal_loss, Y_BIN, {}),
        (L.focal_loss, Y_BIN, {"gamma": 0.5, "alpha": 0.25}),
    ],
)
def test_stable_losses_finite_for_logits_1e4(fn, y, kwargs):
    with no_warnings():
        value, grad = fn(Z_EXTREME, y, **kwargs)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value > 1000  # each case has a confidently wrong element costing ~1e4


def test_bce_with_logits_exact_at_large_logits():
    with no_warnings():
        value, grad = L.bce_with_logits(np.array([1e4, -1e4, 1e4]), np.array([0.0, 1.0, 1.0]))
    # wrong by 1e4 twice, right once: (1e4 + 1e4 + 0)/3, slopes ±1/3 and 0 (exact in float64)
    assert value == pytest.approx(2e4 / 3, rel=1e-15)
    np.testing.assert_array_equal(grad, [1 / 3, -1 / 3, 0.0])


def test_C11_cross_entropy_is_minus_log_p_correct_at_logits_1000():
    z = np.array([[1000.0, -1000.0, 999.0]] * 3)
    y = np.array([0, 1, 2])
    # by hand: log Σ e^{z} = 1000 + a with a = log(1 + e^{−1}) (the e^{−2000} term is far
    # below float64 resolution), so −log p_k = 1000 + a − z_k
    a = np.log1p(np.exp(-1.0))
    by_hand = np.array([a, 2000 + a, 1 + a])
    with no_warnings():
        per_row = [L.cross_entropy(z[i : i + 1], y[i : i + 1])[0] for i in range(3)]
        mean, grad = L.cross_entropy(z, y)
    # the formulas agree exactly; the only error is rounding of 1000 + a (~1e-16 relative)
    np.testing.assert_allclose(per_row, by_hand, rtol=1e-13)
    assert mean == pytest.approx(by_hand.mean(), rel=1e-13)
    assert np.all(np.isfinite(grad))


def test_C11_cross_entropy_equals_nll_of_softmax_for_moderate_logits():
    rng = np.random.default_rng(3)
    z, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    value, _ = L.cross_entropy(z, y)
    # two float64 evaluations of one formula: rounding only
    assert value == pytest.approx(-np.mean(np.log(p[np.arange(5), y])), rel=1e-13)
    assert L.cross_entropy(z, np.eye(4)[y])[0] == pytest.approx(value, rel=1e-13)


def test_naive_variants_overflow_where_stable_ones_do_not():
    z = np.array([[1000.0, 0.0, -1000.0]])
    with no_warnings():
        naive_value, naive_grad = L.cross_entropy_naive(z, np.array([0]))
        value, grad = L.cross_entropy(z, np.array([0]))
        lse_naive = L.logsumexp_naive(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
        lse = L.logsumexp(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    assert not np.isfinite(naive_value) and not np.all(np.isfinite(naive_grad))
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert lse_naive[0] == np.inf and lse_naive[1] == -np.inf
    # stable: 1000 + log(1 + e^{−1000}) rounds to 1000; −1000 + log 2 is exact to rounding
    np.testing.assert_allclose(lse, [1000.0, -1000.0 + np.log(2.0)], rtol=1e-15)


def test_naive_variants_agree_with_stable_for_small_logits():
    rng = np.random.default_rng(4)
    z, y = 3 * rng.normal(size=(6, 5)), rng.integers(0, 5, size=6)
    v_naive, g_naive = L.cross_entropy_naive(z, y)
    v, g = L.cross_entropy(z, y)
    # same mathematics, different rounding paths: agreement to ~1e-15, asserted at 1e-12
    assert v_naive == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(g_naive, g, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(L.logsumexp_naive(z), L.logsumexp(z), rtol=1e-12)


def test_softmax_sums_to_one_and_matches_log_softmax():
    rng = np.random.default_rng(5)
    z = 100 * rng.normal(size=(4, 7))
    s = L.softmax(z)
    # sums of 7 positive float64 numbers: rounding ~1e-16 per term
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.exp(L.log_softmax(z)), s, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(L.softmax(z + 1e4), s, rtol=1e-10)  # shift invariance


def test_focal_gamma0_equals_bce_with_logits():
    rng = np.random.default_rng(6)
    z, y = 4 * rng.normal(size=(5, 3)), rng.uniform(size=(5, 3))
    v_f, g_f = L.focal_loss(z, y, gamma=0.0, alpha=None)
    v_b, g_b = L.bce_with_logits(z, y)
    # identical arithmetic: (1 − p_t)^0 = 1 exactly and the extra gradient term carries γ = 0
    assert v_f == v_b
    np.testing.assert_array_equal(g_f, g_b)


def test_focal_downweights_easy_examples():
    z, y = np.array([4.0, -0.5]), np.array([1.0, 1.0])  # one easy, one hard positive
    ce = L.bce_with_logits(z[:1], y[:1])[0], L.bce_with_logits(z[1:], y[1:])[0]
    fl = L.focal_loss(z[:1], y[:1])[0], L.focal_loss(z[1:], y[1:])[0]
    assert fl[0] / ce[0] < 1e-3 and fl[1] / ce[1] > 0.3


# ---------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------


def test_C8_mse_gradient_grows_with_the_outlier_mae_and_huber_do_not():
    y = np.zeros(5)
    for outlier in (1.0, 10.0, 100.0):
        yhat = np.array([0.1, -0.2, 0.1, 0.0, outlier])
        assert L.mse(yhat, y)[1][-1] == pytest.approx(2 * outlier / 5, rel=1e-15)
        assert L.mae(yhat, y)[1][-1] == pytest.approx(1 / 5, rel=1e-15)
        assert L.huber(yhat, y)[1][-1] == pytest.approx(1 / 5, rel=1e-15)


def test_C9_mae_subgradient_is_sign_and_zero_at_zero():
    yhat, y = np.array([-2.0, 0.0, 3.0, 1.0]), np.array([0.0, 0.0, 0.0, 1.0])
    value, grad = L.mae(yhat, y)
    assert value == 5 / 4
    np.testing.assert_array_equal(grad, np.array([-1.0, 0.0, 1.0, 0.0]) / 4)


def test_C10_bce_is_bernoulli_nll_and_grows_without_bound():
    rng = np.random.default_rng(7)
    p, y = rng.uniform(0.01, 0.99, size=50), rng.integers(0, 2, size=50).astype(float)
    nll = -np.mean(np.log(np.where(y == 1, p, 1 - p)))  # −log Bernoulli(y; p)
    assert L.bce(p, y)[0] == pytest.approx(nll, rel=1e-13)  # rounding only
    ps = np.array([1e-1, 1e-3, 1e-6, 1e-12, 1e-40])
    values = [L.bce(np.array([pk]), np.array([1.0]))[0] for pk in ps]
    np.testing.assert_allclose(values, -np.log(ps), rtol=1e-13)  # exactly −log p
    assert np.all(np.diff(values) > 0)
    with no_warnings():
        assert L.bce(np.array([0.0]), np.array([1.0]))[0] == 100.0  # torch's clamp at −100


def test_C12_huber_value_and_gradient_continuous_at_delta():
    for delta in (0.3, 1.0, 5.0):
        eps = 1e-9 * delta
        for sign in (-1.0, 1.0):
            inside = L.huber(np.array([sign * (delta - eps)]), np.zeros(1), delta)
            outside = L.huber(np.array([sign * (delta + eps)]), np.zeros(1), delta)
            # Lipschitz with constant δ: the two values differ by at most 2ε·δ (+ rounding)
            assert abs(inside[0] - outside[0]) <= 2 * eps * delta * (1 + 1e-6)
            # the slope moves from e to δ·sign(e): by at most 2ε (+ rounding)
            assert abs(inside[1][0] - outside[1][0]) <= 2 * eps * (1 + 1e-6)
            # and the two branches meet at ½δ²
            at = L.huber(np.array([sign * delta]), np.zeros(1), delta)[0]
            assert at == pytest.approx(0.5 * delta**2, rel=1e-15)


def test_C12_huber_limits():
    rng = np.random.default_rng(8)
    yhat, y = 3 * rng.normal(size=20), rng.normal(size=20)
    # δ beyond every |e|: only the quadratic branch, exactly MSE/2 up to rounding
    v, g = L.huber(yhat, y, delta=1e6)
    assert v == pytest.approx(L.mse(yhat, y)[0] / 2, rel=1e-15)
    np.testing.assert_allclose(g, L.mse(yhat, y)[1] / 2, rtol=1e-15)
    # δ → 0: huber = δ·MAE − ½δ², so huber/δ − MAE = −δ/2 (when every |e| > δ)
    for delta in (1e-3, 1e-6):
        v, g = L.huber(yhat, y, delta=delta)
        mae_v, mae_g = L.mae(yhat, y)
        assert v / delta - mae_v == pytest.approx(-delta / 2, rel=1e-6, abs=1e-12)
        np.testing.assert_allclose(g, delta * mae_g, rtol=1e-15)


def test_C13_kl_with_zeros_in_p_is_finite_and_matches_the_sum():
    p = np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])
    q = np.array([[0.2, 0.3, 0.5], [0.25, 0.25, 0.5]])
    with no_warnings():
        value, grad = L.kl_div(p, q)
    by_hand = (0.25 * np.log(0.25 / 0.3) + 0.75 * np.log(0.75 / 0.5) + np.log(2.0)) / 2
    assert value == pytest.approx(by_hand, rel=1e-14)  # rounding only
    np.testing.assert_allclose(grad, -p / q / 2, rtol=1e-15)
    assert grad[0, 0] == 0.0 and grad[1, 2] == 0.0


def test_C13_kl_zero_iff_equal_and_asymmetric():
    p, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    assert L.kl_div(p, p)[0] == 0.0 and L.kl_div(q, q)[0] == 0.0
    pq, qp = L.kl_div(p, q)[0], L.kl_div(q, p)[0]
    assert pq == pytest.approx(0.9 * np.log(1.8) + 0.1 * np.log(0.2), rel=1e-14)
    assert qp == pytest.approx(0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(5.0), rel=1e-14)
    assert pq > 0 and qp > 0 and abs(pq - qp) > 0.1  # 0.368 vs 0.511


def test_C13_kl_infinite_when_q_excludes_what_p_allows():
    with no_warnings():
        value, grad = L.kl_div(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert value == np.inf and grad[1] == -np.inf and grad[0] == -0.5


def test_C14_cross_entropy_gradient_dwarfs_mse_through_sigmoid_when_confidently_wrong():
    z, y = np.array([-8.0]), np.array([1.0])
    ce_grad = L.bce_with_logits(z, y)[1][0]
    s = L.sigmoid(z)
    mse_grad = L.mse(s, y)[1][0] * s[0] * (1 - s[0])  # chain rule through σ
    assert ce_grad == pytest.approx(s[0] - 1, rel=1e-15)
    assert abs(ce_grad) > 1000 * abs(mse_grad)


def test_C15_class_weight_and_pos_weight_raise_the_rare_class_loss():
    z = np.array([[2.0, -1.0], [1.5, 0.0], [2.5, 0.5], [1.0, 0.8]])
    y = np.array([0, 0, 0, 1])  # class 1 rare and misclassified
    g_plain = L.cross_entropy(z, y)[1][3]
    g_weighted = L.cross_entropy(z, y, weight=[1.0, 5.0])[1][3]
    assert abs(g_weighted[1]) > 2 * abs(g_plain[1])
    zb, yb = np.array([-1.0, -2.0, -2.5]), np.array([1.0, 0.0, 0.0])
    assert L.bce_with_logits(zb, yb, pos_weight=4.0)[0] > L.bce_with_logits(zb, yb)[0]


# ---------------------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
logit = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
unit = st.floats(0.0, 1.0)
shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5)


@st.composite
def pairs(draw, elements, second=None):
    shape = draw(shapes)
    a = draw(hnp.arrays(np.float64, shape, elements=elements))
    b = draw(hnp.arrays(np.float64, shape, elements=elements if second is None else second))
    return a, b


@st.composite
def distributions(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    raw = [draw(hnp.arrays(np.float64, (n, c), elements=unit)) for _ in range(2)]
    for r in raw:
        r[:, 0] += 1e-3  # no all-zero rows
    return tuple(r / r.sum(axis=1, keepdims=True) for r in raw)


@st.composite
def logits_and_labels(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    z = draw(hnp.arrays(np.float64, (n, c), elements=logit))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    w = draw(hnp.arrays(np.float64, (c,), elements=st.floats(0.1, 10.0)))
    return z, y, w


@settings(deadline=None)
@given(pairs(finite), st.floats(1e-3, 1e3))
def test_regression_losses_nonnegative_and_zero_at_perfect_prediction(ab, delta):
    yhat, y = ab
    for fn, kw in ((L.mse, {}), (L.mae, {}), (L.huber, {"delta": delta})):
        value, grad = fn(yhat, y, **kw)
        assert value >= 0 and np.all(np.isfinite(grad))
        perfect, zero_grad = fn(y, y, **kw)
        assert perfect == 0.0 and np.all(zero_grad == 0.0)


@settings(deadline=None)
@given(pairs(unit, unit))
def test_bce_nonnegative(py):
    p, y = py
    with no_warnings():
        value, grad = L.bce(p, y)
    assert value >= 0 and np.all(np.isfinite(grad))


@settings(deadline=None)
@given(pairs(logit, unit), st.floats(0.0, 5.0), st.one_of(st.none(), unit))
def test_logit_losses_nonnegative_and_finite(zy, gamma, alpha):
    z, y = zy
    with no_warnings():
        for value, grad in (
            L.bce_with_logits(z, y),
            L.bce_with_logits(z, y, pos_weight=gamma),
            L.focal_loss(z, y, gamma=gamma, alpha=alpha),
        ):
            assert value >= 0 and np.isfinite(value) and np.all(np.isfinite(grad))


@settings(deadline=None)
@given(logits_and_labels())
def test_cross_entropy_nonnegative_and_finite(zyw):
    z, y, w = zyw
    with no_warnings():
        for value, grad in (L.cross_entropy(z, y), L.cross_entropy(z, y, weight=w)):
            assert value >= 0 and np.isfinite(value) and np.all(np.isfinite(grad))
        value, _ = L.cross_entropy(z, L.softmax(z))
        assert value >= 0


@settings(deadline=None)
@given(distributions())
def test_kl_nonnegative_and_zero_at_equal_distributions(pq):
    p, q = pq
    with no_warnings():
        value, _ = L.kl_div(p, q)
        same, same_grad = L.kl_div(p, p)
    # Gibbs' inequality; rounding of Σ P log(P/Q) when P ≈ Q can dip ~1e-16 below zero
    assert value >= -1e-12
    assert same == 0.0
    # at Q = P the gradient is −1/N wherever P > 0 (the Lagrange condition on the simplex)
    np.testing.assert_allclose(same_grad, np.where(p > 0, -1.0 / p.shape[0], 0.0), rtol=1e-15)


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------

Z = np.zeros((2, 3))
LAB = np.array([0, 2])
ROWS = np.full((2, 3), 1 / 3)
V = np.zeros(3)
PV = np.full(3, 0.5)

BAD_INPUTS = {
    "mse shape": (lambda: L.mse(V, np.zeros(4)), r"^y: expected shape \(3,\)"),
    "mse nan": (lambda: L.mse([0.0, np.nan], [0.0, 0.0]), r"^yhat: expected finite"),
    "mae inf": (lambda: L.mae([0.0, 1.0], [0.0, np.inf]), r"^y: expected finite"),
    "mse empty": (lambda: L.mse([], []), r"^yhat: expected at least one element"),
    "mse strings": (lambda: L.mse(["a"], ["b"]), r"^yhat: expected a real-valued"),
    "huber delta 0": (lambda: L.huber(V, V, delta=0.0), r"^delta: expected a finite number > 0"),
    "huber delta <0": (lambda: L.huber(V, V, delta=-1.0), r"^delta: .*got -1.0"),
    "huber delta inf": (lambda: L.huber(V, V, delta=np.inf), r"^delta:"),
    "huber shape": (lambda: L.huber(V, Z), r"^y: expected shape"),
    "bce p > 1": (lambda: L.bce([0.5, 1.2], [0.0, 1.0]), r"^p: expected a value in \[0.0, 1.0\]"),
    "bce p < 0": (lambda: L.bce([-0.1, 0.2], [0.0, 1.0]), r"^p: .*got -0.1"),
    "bce y": (lambda: L.bce(PV, [0.0, 1.0, 2.0]), r"^y: expected a value in \[0.0, 1.0\]"),
    "bce y shape": (lambda: L.bce(PV, [0.0, 1.0]), r"^y: expected shape"),
    "bce nan": (lambda: L.bce([np.nan], [1.0]), r"^p: expected finite"),
    "bcel y": (lambda: L.bce_with_logits(V, [0.0, -1.0, 1.0]), r"^y: .*got -1.0"),
    "bcel nan": (lambda: L.bce_with_logits([np.nan], [1.0]), r"^z: expected finite"),
    "bcel pos_weight <0": (
        lambda: L.bce_with_logits(V, PV, pos_weight=-1.0),
        r"^pos_weight: expected a finite number >= 0",
    ),
    "bcel pos_weight shape": (
        lambda: L.bce_with_logits(Z, np.zeros((2, 3)), pos_weight=[1.0, 2.0]),
        r"^pos_weight: expected a scalar or a shape broadcastable to \(2, 3\)",
    ),
    "ce label too big": (
        lambda: L.cross_entropy(Z, [0, 3]),
        r"^y: expected a value in \[0, 3\), got 3",
    ),
    "ce label negative": (
        lambda: L.cross_entropy(Z, [-1, 0]),
        r"^y: expected an integer >= 0, got -1",
    ),
    "ce label non-integer": (
        lambda: L.cross_entropy(Z, [0.5, 1.0]),
        r"^y: expected an integer >= 0, got 0.5",
    ),
    "ce label nan": (lambda: L.cross_entropy(Z, [np.nan, 1.0]), r"^y: expected finite"),
    "ce label strings": (lambda: L.cross_entropy(Z, ["a", "b"]), r"^y: expected integer"),
    "ce label length": (lambda: L.cross_entropy(Z, [0, 1, 2]), r"^y: expected shape \(2,\)"),
    "ce rows shape": (lambda: L.cross_entropy(Z, np.full((2, 4), 0.25)), r"^y: expected shape"),
    "ce rows sum": (lambda: L.cross_entropy(Z, np.full((2, 3), 0.5)), r"^y: expected rows summing"),
    "ce rows negative": (
        lambda: L.cross_entropy(Z, [[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]]),
        r"^y: expected a finite number >= 0",
    ),
    "ce y 3-D": (lambda: L.cross_entropy(Z, np.zeros((2, 3, 1))), r"^y: expected labels"),
    "ce z 1-D": (lambda: L.cross_entropy(V, [0]), r"^z: expected a 2-D array"),
    "ce z no classes": (lambda: L.cross_entropy(np.zeros((2, 0)), LAB), r"^z: expected at least"),
    "ce z inf": (lambda: L.cross_entropy([[np.inf, 0.0]], [0]), r"^z: expected finite"),
    "ce weight length": (
        lambda: L.cross_entropy(Z, LAB, weight=[1.0, 1.0]),
        r"^weight: expected shape \(3,\)",
    ),
    "ce weight negative": (
        lambda: L.cross_entropy(Z, LAB, weight=[1.0, -1.0, 1.0]),
        r"^weight: expected a finite number >= 0",
    ),
    "ce weight zero total": (
        lambda: L.cross_entropy(Z, LAB, weight=[0.0, 1.0, 0.0]),
        r"^weight: expected a positive total weight",
    ),
    "ce weight nan": (
        lambda: L.cross_entropy(Z, LAB, weight=[1.0, np.nan, 1.0]),
        r"^weight: expected finite",
    ),
    "ce naive label": (lambda: L.cross_entropy_naive(Z, [0, 7]), r"^y: expected a value in"),
    "focal gamma": (lambda: L.focal_loss(V, PV, gamma=-0.5), r"^gamma: expected a finite number"),
    "focal alpha > 1": (
        lambda: L.focal_loss(V, PV, alpha=1.5),
        r"^alpha: expected a value in \[0.0, 1.0\]",
    ),
    "focal alpha < 0": (lambda: L.focal_loss(V, PV, alpha=-0.1), r"^alpha: .*got -0.1"),
    "focal y": (lambda: L.focal_loss(V, [0.0, 2.0, 1.0]), r"^y: expected a value in"),
    "focal shape": (lambda: L.focal_loss(V, PV[:2]), r"^y: expected shape"),
    "kl p sum": (lambda: L.kl_div([0.5, 0.6], [0.5, 0.5]), r"^p: expected rows summing to 1"),
    "kl q sum": (lambda: L.kl_div([0.5, 0.5], [0.5, 0.5 + 1e-5]), r"^q: expected rows summing"),
    "kl q negative": (lambda: L.kl_div([0.5, 0.5], [1.5, -0.5]), r"^q: expected a finite number"),
    "kl shape": (lambda: L.kl_div(ROWS, [0.5, 0.5]), r"^q: expected shape \(2, 3\)"),
    "kl 3-D": (lambda: L.kl_div(np.ones((1, 1, 1)), np.ones((1, 1, 1))), r"^p: expected a 1-D"),
    "kl nan": (lambda: L.kl_div([np.nan, 1.0], [0.5, 0.5]), r"^p: expected finite"),
    "softmax nan": (lambda: L.softmax([np.nan, 0.0]), r"^z: expected finite"),
    "logsumexp empty": (lambda: L.logsumexp([]), r"^z: expected at least one element"),
    "log_softmax inf": (lambda: L.log_softmax([np.inf]), r"^z: expected finite"),
    "logsumexp_naive nan": (lambda: L.logsumexp_naive([np.nan]), r"^z: expected finite"),
    "sigmoid nan": (lambda: L.sigmoid([np.nan]), r"^z: expected finite"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_value_error_naming_the_argument(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()


def test_losses_registry_and_float32():
    assert set(L.LOSSES.values()) >= {L.mse, L.mae, L.huber, L.cross_entropy, L.kl_div}
    x32, y32 = np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32)
    value, grad = L.mse(x32, y32)
    assert isinstance(value, float) and grad.dtype == np.float32 and value == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_labels_equal_one_hot_rows(dtype):
    # Integer labels take a shortcut (no one-hot matrix); it must agree with the general
    # path fed the same targets as probability rows.
    rng = np.random.default_rng(21)
    z = (3 * rng.normal(size=(40, 7))).astype(dtype)
    y = rng.integers(0, 7, 40)
    v_lab, g_lab = L.cross_entropy(z, y)
    v_rows, g_rows = L.cross_entropy(z, np.eye(7, dtype=dtype)[y])
    eps = np.finfo(dtype).eps
    assert g_lab.dtype == dtype and g_lab.shape == z.shape
    assert abs(v_lab - v_rows) <= 8 * eps * abs(v_rows)
    np.testing.assert_allclose(g_lab, g_rows, rtol=0, atol=8 * eps)


# ---------------------------------------------------------------------------------------
# reduction="none" / "sum": the terms the mean averages
# ---------------------------------------------------------------------------------------


def _reducible(name):
    """(loss(x, reduction=r), x, the mean's denominator, the mean's reduction name) of a case."""
    fn, (x, *rest), kwargs = GRAD_CASES[name]
    if name == "kl":  # kl_div(p, q) differentiates in q, its second argument
        q, pk = x, rest[0]
        return (lambda xx, r: L.kl_div(pk, xx, reduction=r)), q, q.shape[0], "batchmean"
    if fn in (L.cross_entropy, L.cross_entropy_naive):
        y, w = rest[0], kwargs.get("weight")
        denom = float(np.sum(w[y])) if (w is not None and y.ndim == 1) else x.shape[0]
    else:
        denom = x.size
    return (lambda xx, r: fn(xx, *rest, reduction=r, **kwargs)), x, denom, "mean"


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_reduction_none_terms_average_to_the_mean(name):
    loss, x, denom, mean = _reducible(name)
    value, grad = loss(x, mean)
    terms, dterms = loss(x, "none")
    total, dsum = loss(x, "sum")
    # The mean is computed as Σ terms / n and its gradient as the terms' derivatives / n from
    # the very same arrays: bit for bit, except that a row-wise loss with weights or
    # probability rows sums all C·N products at once for the mean but row by row for the
    # terms, a different order of one float sum: ~1e-16 relative, 1e-15 allowed.
    np.testing.assert_array_equal(dterms / denom, grad)
    np.testing.assert_array_equal(dsum, dterms)
    assert value == pytest.approx(np.sum(terms) / denom, rel=1e-15, abs=0)
    assert total == pytest.approx(np.sum(terms), rel=1e-15, abs=0)
    assert isinstance(value, float) and isinstance(total, float)
    expected = x.shape[:1] if name.startswith("cross_entropy") else x.shape
    assert terms.shape == expected and dterms.shape == x.shape


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_reduction_none_derivatives_match_central_differences(name):
    """Each term's derivative, checked through Σᵢ uᵢ·ℓᵢ with a random upstream u."""
    loss, x, _, _ = _reducible(name)
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(3)
    terms, dterms = loss(x, "none")
    u = rng.uniform(0.5, 2.0, size=terms.shape) * rng.choice([-1.0, 1.0], size=terms.shape)
    analytic = u[:, None] * dterms if terms.ndim < dterms.ndim else u * dterms
    h = 1e-7 if name == "kl" else 1e-6  # as in test_gradient_matches_central_differences
    err = gradcheck(lambda: np.asarray(loss(x, "none")[0]), {"x": x}, {"x": analytic}, u, h)
    assert err["x"] < GRAD_TOL, f"{name}: relative error {err['x']:.2e}"


@pytest.mark.parametrize("case", _cases())
def test_reduction_none_matches_pytorch(refs, case):
    """The terms and their derivatives reproduce torch's mean and its gradient."""
    fn, argnames = PARITY[case.split("_")[0]]
    args = [refs[f"{case}.{a}"] for a in argnames]
    prefix = f"{case}.kw."
    kwargs = {k[len(prefix) :]: refs[k] for k in refs if k.startswith(prefix)}
    kwargs = {k: (v.item() if v.ndim == 0 else v) for k, v in kwargs.items()}
    terms, dterms = fn(*args, reduction="none", **kwargs)
    if fn is L.kl_div:
        denom = args[0].shape[0]
    elif fn is L.cross_entropy:
        y, w = args[1], kwargs.get("weight")
        denom = float(np.sum(w[y])) if (w is not None and y.ndim == 1) else y.shape[0]
    else:
        denom = terms.size
    np.testing.assert_allclose(np.sum(terms) / denom, refs[f"{case}.value"], rtol=TORCH_RTOL)
    np.testing.assert_allclose(dterms / denom, refs[f"{case}.grad"], rtol=TORCH_RTOL, atol=0)


def test_focal_gamma_grid_equals_one_gamma_at_a_time():
    z = np.linspace(-6.0, 6.0, 13)
    gammas = np.array([0.0, 0.5, 2.0, 5.0])[:, None]
    Z, Y, G = np.broadcast_arrays(z, 1.0, gammas)
    terms, dterms = L.focal_loss(Z, Y, gamma=G, reduction="none")
    for k, g in enumerate(gammas[:, 0]):
        t, d = L.focal_loss(z, np.ones_like(z), gamma=float(g), reduction="none")
        # m**γ with γ a float or an array element may round differently (one pow call vs a
        # scalar fast path), then a few products: a few ulps
        np.testing.assert_allclose(terms[k], t, rtol=1e-14, atol=0)
        np.testing.assert_allclose(dterms[k], d, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize(
    "call",
    [
        lambda: L.mse([1.0], [0.0], reduction="batchmean"),
        lambda: L.bce_with_logits([1.0], [0.0], reduction="avg"),
        lambda: L.cross_entropy([[1.0, 0.0]], [0], reduction=None),
        lambda: L.kl_div([0.5, 0.5], [0.5, 0.5], reduction="mean"),  # torch's name: batchmean
        lambda: L.focal_loss([1.0], [0.0], gamma=[1.0, 2.0]),
    ],
)
def test_bad_reduction_or_gamma_grid_raises(call):
    with pytest.raises(ValueError, match=r"^(reduction|gamma): expected"):
        call()
