"""Notebook 02 (loss functions): one test per claim C8–C15, computed with the functions the
notebook calls (lessons.loss_functions.experiments, trainlib.losses), plus unit tests of
lessons.loss_functions.experiments and of figure_data (the numbers the live figures draw)."""

import itertools
import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from trainlib import losses as L
from trainlib.lessons.loss_functions import experiments as R
from trainlib.lessons.loss_functions import figure_data as F

# The figures' settings, as the notebook uses them.
FIG_WEIGHTS, FIG_GAMMAS = F.IMBALANCE_WEIGHTS, F.IMBALANCE_GAMMAS


@contextmanager
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _line(outlier):
    """The outlier figure's data: seed 0, as `outlier_fit` and the notebook draw it."""
    return F.outlier_data(outlier)


def _slopes(outlier, delta=1.0):
    x, y, _ = _line(outlier)
    return {k: R.fit_line(x, y, k, delta=delta)[0] for k in ("MSE", "MAE", "Huber")}


@pytest.fixture(scope="module")
def grid():
    """The imbalance figure's grid, trained once for the whole module."""
    return F.imbalance_figure_grid()


# ---------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------


def test_C8_mse_fit_moves_far_more_than_mae_and_huber():
    clean = _slopes(0.0)
    far = _slopes(50.0)
    shift = {k: abs(far[k] - clean[k]) for k in far}
    assert shift["MSE"] > 1.0  # the MSE slope more than quadruples (0.45 → 1.95, ×4.3)
    assert shift["MSE"] > 20 * shift["MAE"] and shift["MSE"] > 20 * shift["Huber"]
    # least squares is linear in y: the MSE shift grows in proportion to the outlier
    mid = _slopes(20.0)
    assert far["MSE"] - clean["MSE"] == pytest.approx(2.5 * (mid["MSE"] - clean["MSE"]), rel=1e-9)
    # the quadratic penalty's pull 2e grows with the error; MSE's fit is the normal equations
    x, y, _ = _line(50.0)
    assert R.fit_line(x, y, "MSE") == pytest.approx(np.polyfit(x, y, 1), rel=1e-10)
    e = np.array([0.5, 5.0, 50.0])
    np.testing.assert_array_equal(R.regression_terms(e, "MSE")[1], 2 * e)


def test_C9_mae_gradient_is_sign_with_a_jump_and_its_fit_barely_moves():
    e = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])
    value, grad = R.regression_terms(e, "MAE")
    np.testing.assert_array_equal(grad, [-1.0, -1.0, 0.0, 1.0, 1.0])  # jump of 2 at e = 0
    np.testing.assert_array_equal(value, np.abs(e))
    # the library's MAE gradient is the same, divided by n
    np.testing.assert_array_equal(L.mae(e, np.zeros(5))[1] * 5, grad)
    # beyond a few units the outlier's push no longer changes the MAE line at all
    slopes = [_slopes(o)["MAE"] for o in (5.0, 20.0, 50.0)]
    assert max(slopes) - min(slopes) < 1e-6  # IRLS converged to the same vertex (see below)
    assert abs(slopes[-1] - _slopes(0.0)["MAE"]) < 0.01


def test_C10_bce_punishes_confident_mistakes_without_bound_and_is_bernoulli_nll():
    ps = np.array([1e-1, 1e-3, 1e-6, 1e-12])
    values, grads = R.bce_terms(ps, 1.0)
    np.testing.assert_allclose(values, -np.log(ps), rtol=1e-14)  # exactly −log p, rounding only
    assert np.all(np.diff(values) > 0) and values[-1] > 27  # 12·ln 10 ≈ 27.6, and on it goes
    assert np.all(grads < 0) and grads[-1] == pytest.approx(-1e12, rel=1e-9)
    # y = 0 mirrors it as p → 1
    assert R.bce_terms(1 - 1e-6, 0.0)[0] == pytest.approx(-np.log(1e-6), rel=1e-9)
    # the Bernoulli negative log-likelihood −log(p^y (1 − p)^(1 − y)), as the figure's dots
    p = np.linspace(0.02, 0.98, 13)
    for y in (0.0, 1.0):
        nll = -np.log(p**y * (1 - p) ** (1 - y))
        np.testing.assert_allclose(R.bce_terms(p, y)[0], nll, rtol=1e-13)  # rounding only
        # and the library's BCE, element by element
        lib = [L.bce(np.array([pk]), np.array([y]))[0] for pk in p]
        np.testing.assert_allclose(R.bce_terms(p, y)[0], lib, rtol=1e-13)


def test_C11_cross_entropy_is_minus_log_p_correct_and_stable_at_1000():
    Z = np.array([[2.0, 1.0, -1.0], [1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]])
    for label in range(3):
        values, grads = R.softmax_ce_terms(Z, label)
        assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
        p = L.softmax(Z)
        with np.errstate(divide="ignore"):  # p underflows to 0 for the ±1000 rows
            minus_log_p = -np.log(p[:, label])
        np.testing.assert_allclose(values[0], minus_log_p[0], rtol=1e-14)
        for i in range(3):
            assert values[i] == pytest.approx(L.cross_entropy(Z[i : i + 1], [label])[0], rel=1e-14)
        np.testing.assert_allclose(grads, p - np.eye(3)[label], atol=1e-15)
    # the explorer's table: logits (1000, 0, 0), class 3 correct: 1000 + ln(1 + 2e⁻¹⁰⁰⁰) = 1000
    with no_warnings():
        stable = R.softmax_ce_terms(np.array([[1000.0, 0.0, 0.0]]), 2)[0][0]
        naive = R.softmax_ce_terms(np.array([[1000.0, 0.0, 0.0]]), 2, stable=False)[0][0]
        big = R.binary_terms(-1000.0, 1.0, stable=False)[0]
    assert stable == 1000.0 and not np.isfinite(naive) and big == np.inf


def test_C12_huber_is_continuous_at_delta_and_interpolates_mse_and_mae():
    for delta in (0.3, 1.0, 2.5):
        eps = 1e-9 * delta
        e = np.array([delta - eps, delta, delta + eps])
        value, grad = R.regression_terms(e, "Huber", delta)
        assert value[1] == pytest.approx(0.5 * delta**2, rel=1e-15)
        assert np.ptp(value) <= 2 * eps * delta * (1 + 1e-6)  # Lipschitz with constant δ
        assert np.ptp(grad) <= 2 * eps * (1 + 1e-6)  # slope e meets slope δ
        # the text's "MSE" branch, e², would jump from δ² to δ²/2 at |e| = δ
        assert delta**2 - 0.5 * delta**2 == pytest.approx(0.5 * delta**2)
    e = np.linspace(-3, 3, 61)
    # δ beyond every |e|: MSE/2; δ → 0: δ·|e| − δ²/2
    np.testing.assert_allclose(
        R.regression_terms(e, "Huber", 10.0)[0], R.regression_terms(e, "MSE")[0] / 2, rtol=1e-15
    )
    d = 1e-4
    np.testing.assert_allclose(
        R.regression_terms(e[e != 0], "Huber", d)[0],
        d * np.abs(e[e != 0]) - d**2 / 2,
        rtol=1e-12,  # the two formulas agree up to rounding
    )
    # the library's Huber, element by element
    for delta in (0.5, 2.0):
        lib = [L.huber(np.array([ek]), np.zeros(1), delta)[0] for ek in e]
        np.testing.assert_allclose(R.regression_terms(e, "Huber", delta)[0], lib, rtol=1e-15)
    # δ moves the Huber fit between the MAE-like and the MSE fit
    small, large, mse = _slopes(50.0, 0.1)["Huber"], _slopes(50.0, 100.0)["Huber"], _slopes(50.0)
    assert abs(small - mse["MAE"]) < 0.05 and large == pytest.approx(mse["MSE"], rel=1e-9)


def test_C13_kl_is_nonnegative_zero_iff_equal_and_not_symmetric():
    c = np.linspace(-6.0, 6.0, 49)  # the KL figure's bins and its default P and Q
    P = R.bump(c, [-2.0, 2.0], [0.6, 0.6])
    Q = R.bump(c, 0.0, 1.0)
    pq, qp = L.kl_div(P, Q)[0], L.kl_div(Q, P)[0]
    assert pq > 0 and qp > 0
    assert abs(pq - qp) > 0.5  # 1.49 vs 2.13 on the shown example
    assert L.kl_div(P, P)[0] == 0.0 and L.kl_div(Q, Q)[0] == 0.0
    assert R.kl_rows(P, Q) == pytest.approx(pq, rel=1e-13)
    # the right panel: the two directions prefer different Q. KL(P‖Q) covers both bumps
    # (best μ at the centre), KL(Q‖P) sits on one of them (best μ near ±2)
    mus = np.linspace(-4.0, 4.0, 81)
    Qs = np.stack([R.bump(c, m, 1.0) for m in mus])
    assert abs(mus[np.argmin(R.kl_rows(P, Qs))]) < 0.05
    assert abs(abs(mus[np.argmin(R.kl_rows(Qs, P))]) - 2.0) < 0.25
    assert np.all(R.kl_rows(P, Qs) >= 0) and np.all(R.kl_rows(Qs, P) >= 0)
    # the explorer's coins, both ways
    pq_c, _, qp_c, _ = R.kl_coin_terms(np.array([0.25, 0.9]), 0.25)
    assert pq_c[0] == pytest.approx(0.0, abs=1e-15) and qp_c[0] == pytest.approx(0.0, abs=1e-15)
    assert pq_c[1] != pytest.approx(qp_c[1], rel=0.05)


def test_C14_cross_entropy_gradient_dwarfs_mse_through_sigmoid_when_confidently_wrong():
    ce, mse = R.logit_gradients(np.array([-8.0, np.log(0.02 / 0.98), 0.0]), 1.0)
    assert abs(ce[0]) > 1000 * abs(mse[0])  # z = −8: about 1 against 0.0007
    assert abs(ce[0]) > 0.99  # cross-entropy keeps pulling at full strength
    assert abs(ce[1]) / abs(mse[1]) == pytest.approx(25.5, rel=1e-3)  # the figure's default
    assert abs(ce[2]) == pytest.approx(0.5) and abs(mse[2]) == pytest.approx(0.25)  # at z = 0
    # the same numbers from the library's losses
    s = L.sigmoid(np.array([-8.0]))
    assert ce[0] == pytest.approx(s[0] - 1, rel=1e-15)
    assert mse[0] == pytest.approx(2 * (s[0] - 1) * s[0] * (1 - s[0]), rel=1e-12)


def test_C15_class_weight_raises_the_rare_class_recall(grid):
    plain = grid.recall[0, 0]
    assert grid.recall[0, -1] > plain + 0.2  # w = 20: 0.94 against 0.71 (γ = 0)
    assert np.all(np.diff(grid.recall[0]) >= 0)  # more weight, never fewer rare cases found
    assert grid.precision[0, -1] < grid.precision[0, 0] - 0.3  # the price: more false alarms
    # at every γ, weighting raises recall
    assert np.all(grid.recall[:, -1] > grid.recall[:, 0] + 0.1)
    # after the figure's 300 Adam steps γ = 2 (w = 1) finds 7 more of the 80 rare test cases —
    # an artefact of the short budget: see the converged test below
    n_rare = int(np.sum(grid.y_test))
    gi = FIG_GAMMAS.index(2.0)
    assert round(grid.recall[gi, 0] * n_rare) - round(plain * n_rare) == 7
    assert grid.precision[gi, 0] < grid.precision[0, 0]
    assert 0.015 < np.mean(grid.y_train) < 0.025  # the data really is 2 % rare


def test_C15_focal_loss_fades_the_easy_examples_and_hands_the_pull_to_the_rare_class(grid):
    """The mechanism, on the plain-BCE model: easy examples are most of the data and carry a
    large part of the pull Σ|∂ℓ/∂z| under BCE; (1 − p_t)^γ removes it, the rare class gets it."""
    _, hist, shares = F.focal_panel(grid)
    assert hist.sum() == pytest.approx(1.0, rel=1e-12)
    assert shares.easy_fraction > 0.9  # 96 % of the training points have p_t > 0.9
    assert shares.easy[0] > 0.3  # plain BCE: the easy ones still carry 38 % of the pull
    gi = FIG_GAMMAS.index(2.0)
    assert shares.easy[gi] < 0.01  # γ = 2: under 1 %
    assert np.all(np.diff(shares.easy) < 0) and np.all(np.diff(shares.rare) > 0)
    assert shares.rare[0] < 0.5 < 0.75 < shares.rare[gi]  # the rare class: 38 % → 80 %
    # the pull is |∂ℓ/∂z| of focal loss; at γ = 0 it is BCE's |σ(z) − y| = 1 − p_t
    from trainlib.lessons.loss_functions.focal import focal_weight, true_class_probability

    theta, X, y = grid.theta[0, 0], grid.X_train, grid.y_train
    p_t = true_class_probability(theta, X, y)
    pull = 1 - p_t
    assert shares.easy[0] == pytest.approx(pull[p_t > F.EASY].sum() / pull.sum(), rel=1e-9)
    assert shares.rare[0] == pytest.approx(pull[y == 1].sum() / pull.sum(), rel=1e-9)
    np.testing.assert_array_equal(focal_weight(p_t, 0.0), np.ones_like(p_t))
    assert focal_weight(0.9, 2.0) == pytest.approx(0.01, rel=1e-12)


def _newton_weighted_bce(X, y, w, iters=50):
    """The exact minimum of the w-weighted mean BCE (convex): Newton's method, independent of
    train_logistic and Adam."""
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.zeros(A.shape[1])
    c = np.where(y == 1, w, 1.0)
    for _ in range(iters):
        p = L.sigmoid(A @ theta)
        H = (A * (c * p * (1 - p))[:, None]).T @ A / len(y)
        theta -= np.linalg.solve(H, A.T @ (c * (p - y)) / len(y))
    return theta


def test_C15_trained_to_convergence_weights_raise_recall_and_focal_loss_does_not(grid):
    """The notebook's table: 3000 Adam steps with lr decaying 1 → 1e-4 reach the minimum
    (plain and weighted BCE checked against Newton's exact minimum). There class weights raise
    the rare class's recall and focal γ = 2 does not (0.825 → 0.800)."""
    from trainlib.lessons.loss_functions.focal import pull_shares
    from trainlib.schedules import exponential

    X, y, Xt, yt = grid.X_train, grid.y_train, grid.X_test, grid.y_test
    assert int(y.sum()) == 20 and int(yt.sum()) == 80
    gamma, weight = np.array([0.0, 2.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.5, 20.0])
    lr = exponential(1.0, 1e-4 ** (1 / 3000))
    theta = R.train_logistic(X, y, gamma=gamma, pos_weight=weight, steps=3000, lr=lr)
    for k in (0, 2, 3):
        exact = _newton_weighted_bce(X, y, weight[k])
        assert theta[k] == pytest.approx(exact, abs=0.1)  # a flat valley: 1 % off at most
        r_exact, p_exact = R.recall_precision(exact[None], Xt, yt)
        assert R.recall_precision(theta[k : k + 1], Xt, yt) == (r_exact, p_exact)
    recall, precision = R.recall_precision(theta, Xt, yt)
    np.testing.assert_allclose(recall, [66 / 80, 64 / 80, 69 / 80, 75 / 80], atol=1e-12)
    np.testing.assert_allclose(precision, [0.892, 0.901, 0.862, 0.472], atol=5e-4)
    # focal loss changes the confidence ‖w‖ far more than the boundary's direction and place
    norm = np.linalg.norm(theta[:, :2], axis=1)
    np.testing.assert_allclose(norm[:2], [3.94, 1.42], atol=5e-3)
    assert norm[1] / norm[0] == pytest.approx(0.36, abs=5e-3)  # ×0.36
    angle = np.degrees(np.arctan2(theta[:, 1], theta[:, 0]))
    assert angle[0] - angle[1] == pytest.approx(1.8, abs=0.05)
    assert abs(theta[1, 2]) / norm[1] - abs(theta[0, 2]) / norm[0] == pytest.approx(0.03, abs=5e-3)
    # a class weight does move it: the fitted w = 20 model lies 0.76 closer to the common
    # class's centre (the origin) and is turned by 12° — the turn is a sample effect (its 20
    # rare points weigh as much as 400 common ones; see the 50 000-point test below)
    dist = np.abs(theta[:, 2]) / norm
    assert angle[0] - angle[3] == pytest.approx(12, abs=0.5)
    assert dist[0] - dist[3] == pytest.approx(0.76, abs=5e-3)
    np.testing.assert_allclose(dist[[0, 3]], [2.72, 1.96], atol=5e-3)
    np.testing.assert_allclose(angle[[0, 3]], [48.4, 36.5], atol=0.05)
    assert 45 - angle[3] == pytest.approx(8.5, abs=0.05)
    # test mistakes FP + FN of the four models (printed in the notebook's table)
    flagged = (Xt @ theta[:, :2].T + theta[:, 2]) > 0
    fp = np.sum(flagged & (yt[:, None] == 0), axis=0)
    fn = np.sum(~flagged & (yt[:, None] == 1), axis=0)
    np.testing.assert_array_equal(fp, [8, 7, 11, 84])
    np.testing.assert_array_equal(fn, [14, 16, 11, 5])
    # every model, the focal one included, is at its own minimum: max |∂L/∂θ| of its own loss
    A = np.column_stack([X, np.ones(len(y))])
    _, dz = R.binary_terms(theta @ A.T, y, gamma=gamma[:, None], pos_weight=weight[:, None])
    max_grad = np.max(np.abs(dz @ A / len(y)), axis=1)
    assert max_grad[1] < 1e-6 and np.all(max_grad < 2e-5)
    # the Bayes boundary of the training prior: 45°, distance s/2 + log((1 − π)/π)/s = 2.86;
    # BCE and focal models lie within 3.5° and 0.15 of it; it finds 61 of the 80 test cases
    s, prior = 3.5, 20 / 1000
    bayes_dist = s / 2 + np.log((1 - prior) / prior) / s
    assert bayes_dist == pytest.approx(2.86, abs=5e-3)
    assert np.all(np.abs(angle[:2] - 45) < 3.5) and np.all(np.abs(dist[:2] - bayes_dist) < 0.15)
    bayes = np.r_[s / np.sqrt(2), s / np.sqrt(2), -bayes_dist * s]
    r_bayes, p_bayes = R.recall_precision(bayes[None], Xt, yt)
    assert round(r_bayes[0] * 80) == 61 and p_bayes[0] == pytest.approx(0.924, abs=5e-4)
    bayes_flags = Xt @ bayes[:2] + bayes[2] > 0
    assert np.sum(bayes_flags & (yt == 0)) == 5 and np.sum(~bayes_flags & (yt == 1)) == 19
    # expected mistakes per 4000 fresh points (3920 common, 80 rare), from the two Gaussians:
    # Bayes 29.2 (the minimum over all boundaries), plain BCE's fitted line 30.3
    from scipy.stats import norm as gauss

    def expected_mistakes(t):
        u = np.linalg.norm(t[:2])
        d, along = -t[2] / u, s * np.cos(np.arctan2(t[1], t[0]) - np.pi / 4)
        return 3920 * gauss.sf(d) + 80 * gauss.cdf(d - along)

    assert expected_mistakes(bayes) == pytest.approx(29.2, abs=0.05)
    assert expected_mistakes(theta[0]) == pytest.approx(30.3, abs=0.05)
    shifted = [expected_mistakes(bayes + np.r_[0, 0, c]) for c in np.linspace(-1, 1, 41)]
    assert np.argmin(shifted) == 20  # no parallel shift of the Bayes line does better
    # plain BCE's boundary lies 0.14 closer to the common class and finds 5 more (66)
    assert bayes_dist - dist[0] == pytest.approx(0.14, abs=5e-3)
    assert precision[0] < p_bayes[0]
    # the weight w = 20 adds log w to the Bayes logit: the boundary moves parallel to itself
    # by log 20 / 3.5 = 0.86, from 2.86 to 2.01; it finds 74 of 80, precision 0.487
    assert np.log(20) / s == pytest.approx(0.86, abs=5e-3)
    assert bayes_dist - np.log(20) / s == pytest.approx(2.01, abs=5e-3)
    bayes_w = bayes + np.r_[0, 0, np.log(20)]
    assert abs(bayes_w[2]) / s == pytest.approx(2.01, abs=5e-3)
    r_w, p_w = R.recall_precision(bayes_w[None], Xt, yt)
    assert round(r_w[0] * 80) == 74 and p_w[0] == pytest.approx(0.487, abs=5e-4)
    w_flags = Xt @ bayes_w[:2] + bayes_w[2] > 0
    assert np.sum(w_flags & (yt == 0)) == 78 and np.sum(~w_flags & (yt == 1)) == 6
    # at the minimum the bias gradient mean(σ(z) − y) vanishes, so the rare class carries
    # exactly half the pull Σ|σ(z) − y| (the 300-step model: 38 %, bias gradient 0.0049)
    exact = _newton_weighted_bce(X, y, 1.0)
    assert pull_shares(exact, X, y, [0.0]).rare[0] == pytest.approx(0.5, abs=1e-9)
    A = np.column_stack([X, np.ones(len(y))])
    short = np.mean(L.sigmoid(A @ grid.theta[0, 0]) - y)
    assert short == pytest.approx(0.0049, abs=5e-5)
    assert pull_shares(grid.theta[0, 0], X, y, [0.0]).rare[0] == pytest.approx(0.378, abs=5e-4)


def test_huber_reaches_the_mse_fit_only_once_delta_exceeds_every_residual():
    """Cell on δ: at the default push 20 the slider's δ = 3 stays far from the MSE fit; at
    push 3 Huber(δ = 3) is the MSE fit."""
    x, y, _ = _line(20.0)
    assert R.fit_line(x, y, "Huber", delta=3.0)[0] < 0.6 < 1.0 < R.fit_line(x, y, "MSE")[0]
    x, y, _ = _line(3.0)
    assert R.fit_line(x, y, "Huber", delta=3.0) == pytest.approx(R.fit_line(x, y, "MSE"), rel=1e-6)


def test_kl_small_sigma_forward_kl_prefers_a_bump_because_of_the_floor():
    """σ = 0.3, gap 4: KL(P‖Q) is lower on a bump (μ = −2) than between them (μ = 0)."""
    kl = {}
    for mu in (-2.0, 0.0):
        P, Q = F.kl_pair(mu, 0.3, 4.0)
        kl[mu] = L.kl_div(P, Q)[0]
    assert kl[-2.0] < kl[0.0]
    assert kl[0.0] == pytest.approx(7.3, abs=0.05)  # a narrow Q between the bumps pays 7.3
    # the floor: a total mass of 1e-3 spread over the 49 bins, ≈ 2·10⁻⁵ per bin
    P, Q = F.kl_pair(-2.0, 0.3, 4.0)
    assert Q.min() == pytest.approx(2e-5, rel=0.05) and F.KL_CENTERS.size == 49
    # in a missed bin log(P/Q) is at most log(0.083 / 2·10⁻⁵) ≈ 8 nats
    assert P.max() == pytest.approx(0.083, abs=5e-4)
    assert np.log(P.max() / (1e-3 / 49)) == pytest.approx(8.3, abs=0.05)
    assert np.max(np.log(P / Q)) == pytest.approx(8.3, abs=0.05)
    # the missed (right) bump holds half of P and costs ≈ 4 nats: 3.90 at σ = 0.3, μ = −2
    right = F.KL_CENTERS > 0
    assert P[right].sum() == pytest.approx(0.5, abs=1e-3)
    assert np.sum((P * np.log(P / Q))[right]) == pytest.approx(3.90, abs=5e-3)
    assert kl[-2.0] == pytest.approx(3.9, abs=0.05)


def test_outlier_readout_mse_shift_is_proportional_to_the_push():
    """Cell 5: the readout's MSE shift is +0.600 at push 20, so 1.2 at push 40."""
    clean = _slopes(0.0)["MSE"]
    assert round(_slopes(20.0)["MSE"] - clean, 3) == 0.6
    assert _slopes(40.0)["MSE"] - clean == pytest.approx(1.2, abs=5e-4)


def test_huber_delta_rule_of_thumb():
    """Cell on δ: the classic rule δ ≈ 1.35 × the noise's s.d.; `outlier_line`'s noise is 0.3,
    so δ ≈ 0.4, and the figure's δ = 1 is about three noise widths."""
    import inspect

    noise = inspect.signature(R.outlier_line).parameters["noise"].default
    assert noise == 0.3
    assert round(1.35 * noise, 1) == 0.4
    assert round(1.0 / noise) == 3
    x, y, _ = R.outlier_line(0.0, rng=np.random.default_rng(0))
    assert np.std(y - (0.5 * x + 1)) == pytest.approx(0.27, abs=5e-3)  # the clean points


def test_kl_exercise_reference_is_the_notebook_experiment():
    """The predict exercise's self-contained reference uses the notebook's P, Q and KL."""
    from trainlib.lessons.loss_functions.exercises import _kl_best_centres

    forward, reverse = _kl_best_centres()
    P = R.bump(F.KL_CENTERS, [-2.0, 2.0], [0.6, 0.6])
    kl = {}
    for mu in (0.0, reverse, 1.0, 3.0):
        Q = R.bump(F.KL_CENTERS, mu, 1.0)
        kl[mu] = (L.kl_div(P, Q)[0], L.kl_div(Q, P)[0])
    assert forward == 0.0 and 1.5 < reverse < 2.5
    assert kl[0.0][0] < min(kl[m][0] for m in (reverse, 1.0, 3.0))
    assert kl[reverse][1] < min(kl[m][1] for m in (0.0, 1.0, 3.0))


# ---------------------------------------------------------------------------------------
# trainlib.lessons.loss_functions.experiments units
# ---------------------------------------------------------------------------------------


def test_outlier_line_moves_only_one_point():
    x0, y0, i = _line(0.0)
    x1, y1, j = _line(7.5)
    assert i == j == 13 and np.array_equal(x0, x1)
    np.testing.assert_array_equal(np.delete(y1 - y0, i), 0.0)
    assert y1[i] - y0[i] == pytest.approx(7.5)


def test_fit_line_batches_and_matches_exact_lad():
    x, _, _ = _line(0.0)
    Y = np.stack([_line(o)[1] for o in (0.0, 10.0, 30.0)])
    for loss in ("MSE", "MAE", "Huber"):
        batch = R.fit_line(x, Y, loss, delta=0.7)
        assert batch.shape == (3, 2)
        for k in range(3):
            np.testing.assert_allclose(batch[k], R.fit_line(x, Y[k], loss, delta=0.7), atol=1e-10)
    # a least-absolute-deviations line passes through two data points: try every pair
    for y in Y:
        best = min(
            np.mean(np.abs((y[b] - y[a]) / (x[b] - x[a]) * (x - x[a]) + y[a] - y))
            for a, b in itertools.combinations(range(len(x)), 2)
        )
        w, b0 = R.fit_line(x, y, "MAE")
        assert np.mean(np.abs(w * x + b0 - y)) == pytest.approx(best, rel=1e-8)  # IRLS floor 1e-9


def test_huber_fit_is_the_minimum_of_the_mean_huber_loss():
    x, y, _ = _line(20.0)
    w, b = R.fit_line(x, y, "Huber", delta=1.0)

    def loss(w_, b_):
        return L.huber(w_ * x + b_, y, 1.0)[0]

    # the gradient vanishes at the fit (to IRLS' tolerance)
    g = L.huber(w * x + b, y, 1.0)[1]
    assert abs(g @ x) < 1e-9 and abs(np.sum(g)) < 1e-9
    for dw, db in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)):
        assert loss(w + dw, b + db) > loss(w, b)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("weight", [1.0, 4.0])
def test_binary_terms_match_the_library(gamma, weight):
    z = np.array([-30.0, -3.0, -0.2, 0.0, 0.7, 5.0, 40.0])
    for y in (0.0, 1.0):
        value, grad = R.binary_terms(z, y, gamma=gamma, pos_weight=weight)
        for k, zk in enumerate(z):
            zz, yy = np.array([zk]), np.array([y])
            if weight == 1.0:
                lib = L.focal_loss(zz, yy, gamma=gamma)
            elif gamma == 0.0:
                lib = L.bce_with_logits(zz, yy, pos_weight=weight)
            else:
                continue  # the library has no weighted focal loss; its parts are tested above
            assert value[k] == pytest.approx(lib[0], rel=1e-12, abs=1e-300)  # rounding only
            assert grad[k] == pytest.approx(lib[1][0], rel=1e-12, abs=1e-300)


def test_binary_terms_naive_overflows_quietly_and_stable_does_not():
    z = np.array([-1000.0, -10.0, 0.0, 10.0, 1000.0])
    with no_warnings():
        naive = R.binary_terms(z, 1.0, stable=False)[0]
        stable = R.binary_terms(z, 1.0)[0]
    assert naive[0] == np.inf and np.all(np.isfinite(naive[1:]))
    assert stable[0] == pytest.approx(1000.0) and np.all(np.isfinite(stable))
    np.testing.assert_allclose(naive[1:], stable[1:], rtol=1e-12)


def test_gamma_and_weight_grids_broadcast():
    z = np.linspace(-4, 4, 9)
    gammas = np.array([0.0, 1.0, 2.0])[:, None]
    value, grad = R.binary_terms(z, 1.0, gamma=gammas)
    assert value.shape == grad.shape == (3, 9)
    for k, g in enumerate((0.0, 1.0, 2.0)):
        np.testing.assert_allclose(value[k], R.binary_terms(z, 1.0, gamma=g)[0], rtol=1e-15)


def test_logit_gradients_match_finite_differences():
    z, h = np.array([-3.0, -0.5, 0.4, 2.0]), 1e-6
    for y in (0.0, 1.0):
        ce, mse = R.logit_gradients(z, y)
        fd_ce = (R.binary_terms(z + h, y)[0] - R.binary_terms(z - h, y)[0]) / (2 * h)

        def sq(t, y=y):
            return (L.sigmoid(t) - y) ** 2

        fd_mse = (sq(z + h) - sq(z - h)) / (2 * h)
        np.testing.assert_allclose(ce, fd_ce, rtol=1e-7)  # central differences: O(h²) + noise
        np.testing.assert_allclose(mse, fd_mse, rtol=1e-7)


def test_kl_coin_derivatives_match_finite_differences():
    q, h = np.array([0.1, 0.4, 0.8]), 1e-7
    pq, dpq, qp, dqp = R.kl_coin_terms(q, 0.3)
    up, down = R.kl_coin_terms(q + h, 0.3), R.kl_coin_terms(q - h, 0.3)
    np.testing.assert_allclose(dpq, (up[0] - down[0]) / (2 * h), rtol=1e-6)  # O(h²) + rounding
    np.testing.assert_allclose(dqp, (up[2] - down[2]) / (2 * h), rtol=1e-6)
    for k, qk in enumerate(q):
        P, Q = np.array([0.3, 0.7]), np.array([qk, 1 - qk])
        assert pq[k] == pytest.approx(L.kl_div(P, Q)[0], rel=1e-13)
        assert qp[k] == pytest.approx(L.kl_div(Q, P)[0], rel=1e-13)


def test_bump_is_a_positive_distribution():
    c = np.linspace(-6, 6, 49)
    for mu, sigma in ((0.0, 0.3), (3.0, 2.0), ([-2.0, 2.0], [0.6, 0.6])):
        P = R.bump(c, mu, sigma)
        assert P.shape == (49,) and np.all(P > 0) and np.sum(P) == pytest.approx(1.0, abs=1e-15)


def test_train_logistic_reaches_the_weighted_optimum():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 2))
    y = (X[:, 0] + 0.5 * rng.standard_normal(200) > 0).astype(float)
    theta = R.train_logistic(X, y, pos_weight=[1.0, 3.0], steps=3000, lr=0.05)
    for k, w in enumerate((1.0, 3.0)):
        z = X @ theta[k, :2] + theta[k, 2]
        _, dz = R.binary_terms(z, y, pos_weight=w)
        grad = np.r_[dz @ X, np.sum(dz)] / len(y)
        assert np.max(np.abs(grad)) < 1e-4  # Adam with a fixed rate hovers near the optimum
    # a heavier positive weight moves the boundary towards the negatives: more predicted 1s
    recall, _ = R.recall_precision(theta, X, y)
    assert recall[1] >= recall[0]


def test_train_logistic_is_adam_written_out():
    """trainlib.optim.adam gives the trajectory of Adam's update written out by hand."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 2))
    y = (X[:, 0] + rng.standard_normal(50) > 1.0).astype(float)
    gamma, w = np.array([0.0, 2.0, 1.0]), np.array([1.0, 1.0, 4.0])
    theta = R.train_logistic(X, y, gamma=gamma, pos_weight=w, steps=100, lr=0.1)
    A = np.column_stack([X, np.ones(50)])
    ref = np.zeros((3, 3))
    m, v = np.zeros_like(ref), np.zeros_like(ref)
    for t in range(1, 101):
        _, dz = R.binary_terms(ref @ A.T, y, gamma=gamma[:, None], pos_weight=w[:, None])
        g = dz @ A / 50
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        ref = ref - 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    # the same update; (1 − 0.9) is not the float 0.1, so the two differ by rounding, which
    # 100 steps of a convex problem do not amplify beyond ~1e-13
    np.testing.assert_allclose(theta, ref, rtol=1e-10, atol=1e-12)


def test_explorer_curves_are_the_lesson_functions():
    """Every view of the loss explorer draws what experiments.py computes (stable and naive)."""
    for loss, name in enumerate(F.EXPLORER_LOSSES):
        for stable in (True, False):
            with no_warnings():
                view, x, curves = F.explorer_curves(loss, 0.7, 1.5, 4.0, stable)
            assert len(curves) == (1 if loss < 3 else 2) and view in (
                "regression",
                "probability",
                "logit",
                "KL",
            )
            for v, g, _ in curves:
                assert v.shape == g.shape == x.shape, name
    _, z, curves = F.explorer_curves(6, 1.0, 1.5, 5.0, True)  # focal, γ = 1.5
    np.testing.assert_array_equal(curves[0][0], R.binary_terms(z, 1.0, gamma=1.5)[0])
    z = F.symlog_grid(1000.0, 401)
    assert z.shape == (401,) and z[200] == 0.0
    np.testing.assert_allclose(z[[0, -1]], [-1000.0, 1000.0], rtol=1e-14)  # sinh(asinh(a))
    assert np.all(np.diff(z) > 0)


def test_explorer_table_prices_the_notebook_example():
    huber, wbce, foc, big, ce = F.explorer_table(1.0, 2.0, 5.0, stable=True)
    assert huber == 1.5  # δ(|e| − δ/2) = 1·(2 − 0.5)
    assert wbce == pytest.approx(5 * np.log1p(np.exp(3.0)), rel=1e-14)  # w·log(1 + e³)
    assert big == 1000.0 and ce == 1000.0  # log(1 + e^1000) and 1000 + log(1 + 2e⁻¹⁰⁰⁰)
    p = 1 / (1 + np.exp(3.0))
    assert foc == pytest.approx((1 - p) ** 2 * np.log1p(np.exp(3.0)), rel=1e-13)
    with no_warnings():
        naive = F.explorer_table(1.0, 2.0, 5.0, stable=False)
    assert naive[3] == np.inf and np.isnan(naive[4])  # e^1000 overflows; 0·log 0 is nan


def test_explorer_table_values_never_touch_the_next_label():
    """Over the sliders' whole grids each value fits its 6-character field, and every field
    with a label after it on its line is followed by spaces, so a value never runs into it."""
    import re

    from trainlib.lessons.loss_functions.figures_common import fmt_value
    from trainlib.lessons.loss_functions.figures_explorer import TABLE

    fields = re.findall(r"\{:<(\d+)\}( *)(\S?)", TABLE)
    assert len(fields) == 5 and all(
        w == "6" and (not nxt or len(gap) >= 1) for w, gap, nxt in fields
    )
    deltas, gammas, weights = np.arange(1, 31) / 10, np.arange(11) / 2, np.arange(2, 41) / 2
    # each value depends on one control (and `stable`): sweep one control at a time
    settings = [(d, 2.0, 5.0) for d in deltas] + [(1.0, g, 5.0) for g in gammas]
    settings += [(1.0, 2.0, w) for w in weights]
    widest = 0
    with no_warnings():
        for (d, g, w), stable in itertools.product(settings, (True, False)):
            widest = max(widest, *(len(fmt_value(v)) for v in F.explorer_table(d, g, w, stable)))
    assert widest <= 6


def test_recall_precision_by_hand():
    X = np.array([[-1.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    theta = np.array([[1.0, -1.5], [1.0, -10.0]])  # predicts 1 for x > 1.5; never
    recall, precision = R.recall_precision(theta, X, y)
    np.testing.assert_allclose(recall, [0.5, 0.0])
    np.testing.assert_allclose(precision, [0.5, 0.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: R.fit_line([0.0, 1.0], [1.0, 2.0, 3.0]), "y: expected shape"),
        (lambda: R.fit_line([0.0, 1.0], [1.0, 2.0], "L3"), "loss: expected one of"),
        (lambda: R.fit_line([0.0, 1.0], [1.0, 2.0], "Huber", delta=0.0), "delta"),
        (lambda: R.regression_terms([1.0], "Huber", -1.0), "delta"),
        (lambda: R.binary_terms([0.0], 1.0, gamma=-1.0), "gamma"),
        (lambda: R.bce_terms([0.0, 0.5], 1.0), "p: expected a value in"),
        (lambda: R.softmax_ce_terms([[0.0, 1.0]], 2), "label"),
        (lambda: R.outlier_line(np.nan, rng=np.random.default_rng(0)), "outlier"),
        (lambda: R.kl_coin_terms([0.5], 1.0), "p0"),
        (lambda: R.train_logistic(np.zeros((3, 2)), np.zeros(4)), "y: expected shape"),
    ],
)
def test_bad_input_is_a_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_exercise_sigmoid_is_the_library_sigmoid():
    """The BCE exercise's reference carries its own σ (pasted into the instructor edition)."""
    from trainlib.lessons.loss_functions.exercises import _sigmoid

    z = np.concatenate([np.linspace(-800.0, 800.0, 1601), [0.0, -0.0, 1e-300, -1e-300]])
    np.testing.assert_array_equal(_sigmoid(z), L.sigmoid(z))


def _focal_best_prediction(eta, gamma):
    """argmin over q of η·FL(q | y = 1) + (1 − η)·FL(q | y = 0): a root of the derivative."""
    from scipy.optimize import brentq

    def d_expected(q):  # derivative of the expected focal loss with respect to q
        d1 = gamma * (1 - q) ** (gamma - 1) * np.log(q) - (1 - q) ** gamma / q
        d0 = -gamma * q ** (gamma - 1) * np.log(1 - q) + q**gamma / (1 - q)
        return eta * d1 + (1 - eta) * d0

    return brentq(d_expected, 1e-9, 1 - 1e-9)


def test_C15_focal_loss_keeps_the_half_crossing_and_a_class_weight_moves_it():
    """Focal loss (γ = 2) pulls the best prediction towards ½ but keeps it on η's side of ½
    (0.69 at η = 0.9); a class weight w moves the ½ crossing to η = 1/(1 + w)."""
    assert _focal_best_prediction(0.9, 2.0) == pytest.approx(0.69, abs=5e-3)
    assert _focal_best_prediction(0.7, 2.0) == pytest.approx(0.578, abs=1e-3)
    assert _focal_best_prediction(0.5, 2.0) == pytest.approx(0.5, abs=1e-9)
    for eta in (0.05, 0.2, 0.45, 0.55, 0.8, 0.95):
        assert (_focal_best_prediction(eta, 2.0) > 0.5) == (eta > 0.5)
        assert abs(_focal_best_prediction(eta, 2.0) - 0.5) < abs(eta - 0.5)
    # more: logit q* ≈ 0.37·logit η for every η, so the best focal model is the Bayes sigmoid
    # with its logit (v and b) scaled by about 0.37: |b|/‖v‖, the boundary, is unchanged
    for eta in (0.01, 0.3, 0.9, 1 / 21):
        q = _focal_best_prediction(eta, 2.0)
        assert 0.365 < np.log(q / (1 - q)) / np.log(eta / (1 - eta)) < 0.375
    w = 20.0
    eta = 1 / (1 + w)
    assert w * eta / (w * eta + 1 - eta) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2])
def test_C15_on_50000_points_w20_shifts_the_boundary_without_turning_it(seed):
    """Cell on class weights: the 12° turn of the fitted w = 20 model is the 1000-point sample.
    On 50 000 training points the exact (Newton) w = 20 minimum lies within 1.5° of 45° and
    0.03 of the shifted Bayes distance 2.01; the plain-BCE one within 0.5° and 0.01 of 2.86."""
    from trainlib.data import imbalanced

    X, y = imbalanced(50_000, rng=np.random.default_rng(seed), minority_fraction=0.02,
                      separation=3.5)  # fmt: skip
    for w, dist in ((1.0, 2.86), (20.0, 2.01)):
        t = _newton_weighted_bce(X, y, w)
        norm = np.linalg.norm(t[:2])
        angle = np.degrees(np.arctan2(t[1], t[0]))
        assert abs(angle - 45) < (0.5 if w == 1 else 1.5)
        assert abs(abs(t[2]) / norm - dist) < (0.01 if w == 1 else 0.03)


def test_logsumexp_hint_for_the_column_maximum():
    """Debug exercise: taking the maximum over axis=0 (with or without keepdims) gets the
    axis hint, not the generic expected/got."""
    from trainlib.lessons.loss_functions.exercises import my_logsumexp_exercise as ex

    def keep(Z):
        m = np.max(Z, axis=0, keepdims=True)
        return m[0] + np.log(np.sum(np.exp(Z - m), axis=1))

    def flat(Z):
        m = np.max(Z, axis=0)
        return m + np.log(np.sum(np.exp(Z - m), axis=1))

    for fn in (keep, flat):
        with np.errstate(all="ignore"):
            result = ex.check(fn, quiet=True)
        assert "axis=0 takes each column's maximum" in result.message


def test_bce_derive_hint_for_the_weight_on_the_common_class():
    """Derive exercise: the weight put on the y = 0 term gets its own hint."""
    from trainlib.lessons.loss_functions.exercises import _sigmoid
    from trainlib.lessons.loss_functions.exercises import my_bce_logit_grad_exercise as ex

    def swapped(z, y, w):
        return (y * (_sigmoid(z) - 1) + w * (1 - y) * _sigmoid(z)) / z.size

    assert "your weight sits on the common class" in ex.check(swapped, quiet=True).message
