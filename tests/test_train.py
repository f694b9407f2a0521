"""Tests for trainlib.train: descend / race, GD variants (fit and clipping: test_fit.py).

Claim tests: C16, C17 (learning-rate regimes), C18–C20 (GD variants), C22 (saddle escape),
C31 (momentum on a valley), C37 (reproducible race), plus the optimiser × surface
convergence table.
"""

from __future__ import annotations

import numpy as np
import pytest

from trainlib import data, optim
from trainlib import surfaces as S
from trainlib.minibatch import gd_variants, least_squares, minibatch_gd
from trainlib.train import Path, descend, leaderboard, race, steps_to_tolerance
from trainlib.validation import NonFiniteError

# =========================================================================================
# descend: the worked example and the learning-rate regimes
# =========================================================================================


def test_C16_worked_example_exactly():
    # L(w) = (w − 3)², lr 0.1, from w₀ = 0 (the text's example).
    path = descend(S.parabola, 0.0, optim.sgd(lr=0.1), 2)
    grads = S.parabola.grad(path.xs)
    # Every quantity is one or two roundings away from the exact decimal (0.1·6 = 0.6,
    # 0.6 − 3 = −2.4, …): 1e-12 absolute is ~10⁴ ulp of slack and still catches any slip.
    np.testing.assert_allclose(path.xs, [0.0, 0.6, 1.08], rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads[:2], [-6.0, -4.8], rtol=0, atol=1e-12)
    np.testing.assert_allclose(path.losses, [9.0, 5.76, 3.6864], rtol=0, atol=1e-12)
    # Converges to 3: the error shrinks by exactly (1 − 2·0.1) = 0.8 per step, so after
    # 200 steps |w − 3| = 3·0.8²⁰⁰ ≈ 1e-19, i.e. w = 3 to float64 precision.
    far = descend(S.parabola, 0.0, optim.sgd(lr=0.1), 200)
    assert not far.diverged and far.diverged_at is None
    assert abs(far.final - 3.0) < 1e-12  # rounding only
    assert np.all(np.diff(far.losses) <= 0)  # monotone: 0 < lr < 1/L'' = 0.5


def test_C17_learning_rate_regimes():
    # Each step multiplies the error w − 3 by (1 − 2·lr).
    one = descend(S.parabola, 0.0, optim.sgd(lr=0.5), 5)
    assert one.xs[1] == 3.0  # 1 − 2·0.5 = 0: one step lands exactly (0 + 0.5·6 = 3)
    assert np.all(one.xs[1:] == 3.0)  # and stays (gradient 0)

    osc = descend(S.parabola, 0.0, optim.sgd(lr=0.9), 300)
    err = osc.xs - 3.0
    assert np.all(np.sign(err[1:21]) == -np.sign(err[:20]))  # factor −0.8: overshoots
    assert np.all(np.abs(err[1:21]) < np.abs(err[:20]))  # ...but shrinks
    assert not osc.diverged and abs(osc.final - 3.0) < 1e-12  # 3·0.8³⁰⁰ ≈ 1e-29

    # lr = 1.1: factor −1.2, so |w − 3| = 3·1.2ᵗ grows until the loss passes max_value.
    div = descend(S.parabola, 0.0, optim.sgd(lr=1.1), 1000, max_value=1e12)
    assert div.diverged is True
    # 9·1.44ᵗ > 1e12 first at t = ⌈log(1e12/9)/log 1.44⌉ = 70.
    assert div.diverged_at == 70
    assert len(div.xs) == div.diverged_at == len(div.losses)  # x₀ … x₆₉, all finite
    assert np.all(np.isfinite(div.xs)) and np.all(div.losses <= 1e12)
    err = np.abs(div.xs - 3.0)
    assert np.all(err[1:] > err[:-1])  # the error grows every step


def test_divergence_with_huge_lr_is_clean_no_warning():
    # lr = 1e300 overflows x itself on the first step; pytest errors on any RuntimeWarning.
    path = descend(S.rosenbrock, S.rosenbrock.start, optim.sgd(lr=1e300), 50)
    assert path.diverged and path.diverged_at == 1
    assert path.xs.shape == (1, 2) and np.all(np.isfinite(path.xs))
    for opt in [optim.adam(1e6), optim.rmsprop(1e6), optim.sgd(1e6, momentum=0.9)]:
        p = descend(S.beale, [[1.0, 1.5], [2.0, 0.5]], opt, 100)
        assert np.all(np.isfinite(p.xs)) and np.all(np.isfinite(p.losses))


def test_many_points_freeze_diverged_ones():
    x0 = np.array([0.0, 2.999, 6.0])  # three scalar weights on the parabola
    path = descend(S.parabola, x0, optim.sgd(lr=1.1), 200)
    assert path.xs.shape[1:] == (3,) and path.losses.shape[1:] == (3,)
    # All three diverge (factor −1.2), each at its own step; the run stops at the last one.
    assert path.diverged.tolist() == [True, True, True]
    for i, w in enumerate(x0):
        solo = descend(S.parabola, w, optim.sgd(lr=1.1), 200)
        t = path.diverged_at[i]
        assert solo.diverged_at == t
        np.testing.assert_array_equal(path.xs[:t, i], solo.xs)  # same steps, bit for bit
        assert np.all(path.xs[t:, i] == solo.xs[-1])  # then frozen at the last finite one
        assert np.all(path.losses[t:, i] == solo.losses[-1])
    assert len(path.xs) == path.diverged_at.max()
    # A point that does not diverge reports −1.
    mixed = descend(S.parabola, np.array([0.0, 3.0]), optim.sgd(lr=1.1), 100)
    assert mixed.diverged.tolist() == [True, False] and mixed.diverged_at[1] == -1
    assert len(mixed.xs) == 101 and np.all(mixed.xs[:, 1] == 3.0)


def test_descend_shapes_and_zero_steps():
    p = descend(S.himmelblau, np.zeros((4, 3, 2)), optim.adam(0.1), 7)
    assert isinstance(p, Path)
    assert p.xs.shape == (8, 4, 3, 2) and p.losses.shape == (8, 4, 3)
    assert p.diverged.shape == (4, 3) and p.steps == 7
    z = descend(S.himmelblau, S.himmelblau.start, optim.sgd(0.01), 0)
    assert z.xs.shape == (1, 2) and z.steps == 0 and z.diverged is False
    # x0 is copied, never modified.
    x0 = np.array([[1.0, 1.0]])
    descend(S.beale, x0, optim.sgd(0.01), 5)
    assert x0.tolist() == [[1.0, 1.0]]


def test_descend_bad_arguments():
    opt = optim.sgd(0.1)
    with pytest.raises(ValueError, match="steps"):
        descend(S.bowl(), [1.0, 1.0], opt, -1)
    with pytest.raises(ValueError, match="steps"):
        descend(S.bowl(), [1.0, 1.0], opt, 2.5)
    with pytest.raises(ValueError, match="noise"):
        descend(S.bowl(), [1.0, 1.0], opt, 5, noise=-0.1)
    with pytest.raises(ValueError, match="rng"):
        descend(S.bowl(), [1.0, 1.0], opt, 5, noise=0.1)
    with pytest.raises(ValueError, match=r"p: expected shape \(\.\.\., 2\)"):
        descend(S.bowl(), [1.0, 1.0, 1.0], opt, 5)
    with pytest.raises(ValueError, match="x0"):
        descend(S.bowl(), [np.nan, 1.0], opt, 5)
    with pytest.raises(ValueError, match="max_value"):
        descend(S.bowl(), [1.0, 1.0], opt, 5, max_value=0)
    with pytest.raises(ValueError, match="f: expected a gradient"):
        descend(lambda x: (np.sum(x**2), x[:1]), [1.0, 1.0], opt, 5)


# =========================================================================================
# The convergence table: optimiser × surface
# =========================================================================================

# (surface, optimiser, lr, tolerance on L − L*, step budget). Measured steps in the comment;
# each budget is the measured count + ~25%: a change of rounding moves the count by a step
# or two, a wrong update rule (a missing bias correction, a wrong sign of momentum) by far
# more. Start: each surface's `start`. Momentum = SGD(momentum=0.9).
# Not in the table: RMSProp on Rosenbrock. With a constant lr its steps stay ≈ lr in size
# (g/√v ≈ ±1), so it ends in a limit cycle across the narrow curved valley and never gets
# below 1e-4 for any lr in 1e-4…1 within 20 000 steps — a lesson, not a bug.
BOWL10 = S.bowl(10.0)
SGD, MOM = "SGD", "Momentum"
CONVERGENCE_TABLE = [
    # surface, optimiser, lr, tol, budget  # measured
    (BOWL10, SGD, 0.1, 1e-6, 90),  # 71
    (BOWL10, MOM, 0.01, 1e-6, 165),  # 131
    (BOWL10, "Adam", 0.1, 1e-6, 160),  # 125
    (BOWL10, "RMSProp", 0.03, 1e-6, 150),  # 119
    (BOWL10, "AdaGrad", 1.0, 1e-6, 25),  # 20
    (S.valley, SGD, 0.03, 1e-6, 290),  # 227
    (S.valley, MOM, 0.01, 1e-6, 120),  # 95
    (S.valley, "Adam", 0.3, 1e-6, 270),  # 214
    (S.valley, "RMSProp", 0.3, 1e-6, 170),  # 132
    (S.valley, "AdaGrad", 1.0, 1e-6, 680),  # 543
    (S.rosenbrock, SGD, 1e-3, 1e-6, 19000),  # 15068
    (S.rosenbrock, MOM, 3e-3, 1e-6, 570),  # 450
    (S.rosenbrock, "Adam", 0.3, 1e-6, 850),  # 679
    (S.rosenbrock, "AdaGrad", 1.0, 1e-6, 10600),  # 8467
    (S.beale, SGD, 0.03, 1e-6, 700),  # 557
    (S.beale, MOM, 3e-3, 1e-6, 510),  # 405
    (S.beale, "Adam", 0.3, 1e-6, 260),  # 205
    (S.beale, "RMSProp", 0.1, 1e-6, 390),  # 309
    (S.beale, "AdaGrad", 1.0, 1e-6, 930),  # 739
]

MAKE = {
    SGD: lambda lr: optim.sgd(lr),
    MOM: lambda lr: optim.sgd(lr, momentum=0.9),
    "Adam": lambda lr: optim.adam(lr),
    "RMSProp": lambda lr: optim.rmsprop(lr),
    "AdaGrad": lambda lr: optim.adagrad(lr),
}


@pytest.mark.parametrize(
    "surf, name, lr, tol, budget",
    CONVERGENCE_TABLE,
    ids=[f"{row[0].name}-{row[1]}" for row in CONVERGENCE_TABLE],
)
def test_convergence_table(surf, name, lr, tol, budget):
    path = descend(surf, surf.start, MAKE[name](lr), budget)
    assert not path.diverged
    k = steps_to_tolerance(path, tol, surf.min_value)
    assert k is not None, f"{name} lr={lr} on {surf.name}: L − L* = {path.losses[-1]:.3g}"
    assert k <= budget
    # Where it got there is a *global* minimum, not merely a low value. (Not necessarily
    # where it ends: with a constant lr, RMSProp and Adam take steps ~lr even near the
    # minimum, so some of them leave the tolerance again — first arrival is what counts.)
    assert np.min(np.linalg.norm(surf.minima - path.xs[k], axis=1)) < 1e-2


def test_C31_momentum_beats_plain_gd_on_the_valley():
    v = S.valley
    lrs = [1e-3, 3e-3, 1e-2, 3e-2, 0.1]  # 0.1 > 2/κ = 0.04: GD diverges there
    gd = race({f"GD {lr:g}": optim.sgd(lr) for lr in lrs}, v, v.start, 2000)
    best_gd = min(
        k for p in gd.values() if (k := steps_to_tolerance(p, 1e-6, v.min_value)) is not None
    )
    assert gd["GD 0.1"].diverged
    mom = descend(v, v.start, optim.sgd(0.01, momentum=0.9), 2000)
    k_mom = steps_to_tolerance(mom, 1e-6, v.min_value)
    # Measured: best plain GD 227 steps (lr 0.03), momentum 95. Theory for κ = 50: GD needs
    # ~κ·log(1/tol)/2, momentum ~√κ·…; a factor 2 margin keeps the test about the claim.
    assert 2 * k_mom < best_gd


# =========================================================================================
# race and leaderboard
# =========================================================================================

RACERS = {
    "SGD": optim.sgd(2e-3),
    "Momentum": optim.sgd(1e-3, momentum=0.9),
    "Nesterov": optim.sgd(1e-3, momentum=0.9, nesterov=True),
    "Adam": optim.adam(0.05),
    "RMSProp": optim.rmsprop(0.01),
    "AdaGrad": optim.adagrad(0.5),
    "SGD too fast": optim.sgd(0.005),  # diverges from 9 of the 12 starts on Rosenbrock
}


def test_race_equals_one_by_one():
    rng = np.random.default_rng(3)
    x0 = rng.uniform([-2, -1], [2, 3], size=(12, 2))
    paths = race(RACERS, S.rosenbrock, x0, 300)
    assert list(paths) == list(RACERS)
    assert paths["SGD too fast"].diverged.any()  # the freeze logic is exercised
    assert not paths["SGD too fast"].diverged.all()
    for name, opt in RACERS.items():
        p = paths[name]
        for i in range(len(x0)):
            solo = descend(S.rosenbrock, x0[i], opt, 300)
            n = len(solo.xs)
            # Every rule is elementwise, so vectorising changes nothing, not even rounding.
            np.testing.assert_array_equal(p.xs[:n, i], solo.xs)
            np.testing.assert_array_equal(p.losses[:n, i], solo.losses)
            assert bool(p.diverged[i]) == solo.diverged
            if solo.diverged:
                assert p.diverged_at[i] == solo.diverged_at
                assert np.all(p.xs[n:, i] == solo.xs[-1])


def test_C37_race_is_reproducible_with_noise():
    x0 = np.array([[-1.5, 2.0], [1.5, -0.5]])
    a = race(RACERS, S.rosenbrock, x0, 100, noise=0.5, rng=np.random.default_rng(7))
    b = race(RACERS, S.rosenbrock, x0, 100, noise=0.5, rng=np.random.default_rng(7))
    c = race(RACERS, S.rosenbrock, x0, 100, noise=0.5, rng=np.random.default_rng(8))
    for name in RACERS:
        np.testing.assert_array_equal(a[name].xs, b[name].xs)  # same seed: identical
        assert not np.array_equal(a[name].xs, c[name].xs)  # another seed: another path
    # descend alone is reproducible too.
    d1 = descend(S.saddle, [1.0, 0.0], optim.sgd(0.1), 50, noise=0.1, rng=np.random.default_rng(1))
    d2 = descend(S.saddle, [1.0, 0.0], optim.sgd(0.1), 50, noise=0.1, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(d1.xs, d2.xs)


def test_leaderboard():
    v = S.valley
    paths = race(
        {"GD": optim.sgd(0.03), "Momentum": optim.sgd(0.01, momentum=0.9), "Bad": optim.sgd(1.0)},
        v,
        v.start,
        500,
    )
    board = leaderboard(paths, v, tol=1e-6)
    assert [r.name for r in board] == ["Momentum", "GD", "Bad"]
    assert board[0].steps_to_tol == steps_to_tolerance(paths["Momentum"], 1e-6)
    assert board[2].steps_to_tol is None and board[2].n_diverged == 1
    assert board[2].final_loss == np.inf
    # Many starting points: medians and a count of diverged points.
    many = race({"GD": optim.sgd(0.03)}, v, np.array([[1.0, 1.0], [2.0, -1.0], [0.0, 0.0]]), 500)
    (row,) = leaderboard(many, v, tol=1e-6)
    assert row.n_diverged == 0 and row.final_loss < 1e-6 and row.steps_to_tol is not None


def test_C22_noise_escapes_the_saddle():
    x0 = np.array([1.5, 0.0])  # on the stable manifold y = 0 of the saddle at (0, 0)
    exact = descend(S.saddle, x0, optim.sgd(0.1), 500)
    assert np.all(exact.xs[:, 1] == 0.0)  # ∂L/∂y = y(y² − 2) = 0 on y = 0: exactly
    assert abs(exact.final[0]) < 1e-12 and exact.losses[-1] == pytest.approx(0.0, abs=1e-20)
    noisy = descend(S.saddle, x0, optim.sgd(0.1), 500, noise=0.01, rng=np.random.default_rng(0))
    # Escaped to one of the minima (0, ±√2), L = −1; the noise keeps it jittering ~0.01.
    assert noisy.losses[-1] < -0.99
    assert abs(abs(noisy.final[1]) - np.sqrt(2)) < 0.05


# =========================================================================================
# GD variants on a dataset (C18–C20)
# =========================================================================================


def _regression():
    X, y, _ = data.regression(256, rng=np.random.default_rng(0), d=2, noise=0.5)
    return X, y


def test_least_squares_gradient():
    X, y = _regression()
    theta = np.random.default_rng(1).standard_normal(3)
    _, g = least_squares(theta, X, y)
    h = 1e-6
    num = [
        (least_squares(theta + h * e, X, y)[0] - least_squares(theta - h * e, X, y)[0]) / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(g, num, rtol=1e-7)  # central differences, quadratic: exact-ish


def test_C18_batch_gd_is_smooth_and_monotone():
    X, y = _regression()
    run = minibatch_gd(
        least_squares, np.zeros(3), X, y, batch_size=len(X), epochs=50, lr=0.02,
        rng=np.random.default_rng(0),
    )  # fmt: skip
    assert run.updates_per_epoch == 1 and len(run.update_losses) == 51
    # lr 0.02 < 2/λ_max of the Hessian (λ_max ≈ 2·(1 + 3) = 8 for X ~ U(−3, 3)): monotone.
    assert np.all(np.diff(run.update_losses) <= 0)
    np.testing.assert_array_equal(run.epoch_losses, run.update_losses)


def test_C19_C20_noise_falls_with_batch_size():
    X, y = _regression()
    theta_star = np.linalg.lstsq(np.c_[np.ones(len(X)), X], y)[0]  # the exact optimum
    best = least_squares(theta_star, X, y)[0]
    sizes = {"SGD": 1, "B=8": 8, "B=64": 64, "batch": len(X)}
    # Started *at* the optimum, every move is gradient noise: the full-data gradient is 0
    # there, mini-batch gradients are not.
    runs = gd_variants(
        least_squares, theta_star, X, y, epochs=5, lr=0.01, rng=np.random.default_rng(0),
        batch_sizes=sizes,
    )  # fmt: skip
    assert [r.updates_per_epoch for r in runs.values()] == [256, 32, 4, 1]
    spread = [float(np.std(r.update_losses[1:])) for r in runs.values()]
    excess = [float(np.mean(r.update_losses[1:]) - best) for r in runs.values()]
    # Measured std: 1.5e-2, 7.3e-4, 2.5e-5, 2e-17 (batch GD: rounding only). Each bigger
    # batch is quieter by ≥ 10× (theory: the variance of the step ∝ lr²/B).
    assert all(a > 10 * b for a, b in zip(spread, spread[1:], strict=False))
    assert all(a > 10 * b for a, b in zip(excess, excess[1:], strict=False))
    assert excess[-1] < 1e-12 and spread[-1] < 1e-12  # batch GD stays put (C18)
    # From a cold start SGD's curve is bumpy (the loss rises on many updates; measured 51%
    # of the last epoch's), while batch GD's never rises (C18).
    cold = gd_variants(
        least_squares, np.zeros(3), X, y, epochs=30, lr=0.01, rng=np.random.default_rng(0),
        batch_sizes={"SGD": 1, "batch": len(X)},
    )  # fmt: skip
    assert np.mean(np.diff(cold["SGD"].update_losses[-256:]) > 0) > 0.2
    assert np.all(np.diff(cold["batch"].update_losses) <= 0)
    # Same seed, same shuffles: reproducible.
    again = minibatch_gd(
        least_squares, np.zeros(3), X, y, batch_size=8, epochs=2, lr=0.01,
        rng=np.random.default_rng(5),
    )  # fmt: skip
    twice = minibatch_gd(
        least_squares, np.zeros(3), X, y, batch_size=8, epochs=2, lr=0.01,
        rng=np.random.default_rng(5),
    )  # fmt: skip
    np.testing.assert_array_equal(again.update_losses, twice.update_losses)


def test_minibatch_gd_divergence_and_bad_arguments():
    X, y = _regression()
    run = minibatch_gd(
        least_squares, np.zeros(3), X, y, batch_size=len(X), epochs=10_000, lr=1.0,
        rng=np.random.default_rng(0),
    )  # fmt: skip
    assert run.diverged and np.all(np.isfinite(run.update_losses))
    assert np.all(np.isfinite(run.theta))
    kw = dict(epochs=1, lr=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gd(least_squares, np.zeros(3), X, y, batch_size=0, **kw)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gd(least_squares, np.zeros(3), X, y, batch_size=len(X) + 1, **kw)
    with pytest.raises(ValueError, match="y: expected as many samples"):
        minibatch_gd(least_squares, np.zeros(3), X, y[:-1], batch_size=4, **kw)
    with pytest.raises(ValueError, match="lr"):
        minibatch_gd(least_squares, np.zeros(3), X, y, batch_size=4, epochs=1, lr=-1.0,
                     rng=np.random.default_rng(0))  # fmt: skip
    with pytest.raises(ValueError, match="theta"):
        least_squares(np.zeros(2), X, y)


def test_minibatch_gd_runs_many_shuffles_at_once():
    # rng = a list of R generators: R runs in one loop, each the run of its own generator.
    X, y = _regression()
    kw = dict(batch_size=16, epochs=2, lr=0.01)
    runs = minibatch_gd(least_squares, np.zeros(3), X, y, rng=np.random.default_rng(2).spawn(3),
                        **kw)  # fmt: skip
    assert runs.update_losses.shape == (33, 3) and runs.thetas.shape == (33, 3, 3)
    assert runs.epoch_losses.shape == (3, 3) and runs.diverged.shape == (3,)
    for r, g in enumerate(np.random.default_rng(2).spawn(3)):
        solo = minibatch_gd(least_squares, np.zeros(3), X, y, rng=g, **kw)
        # einsum (many) vs matmul (one) may sum in another order: a few ulp
        np.testing.assert_allclose(runs.update_losses[:, r], solo.update_losses, rtol=1e-12)
        np.testing.assert_allclose(runs.thetas[:, r], solo.thetas, rtol=1e-12, atol=1e-15)


def test_minibatch_gd_takes_a_schedule_and_records_every_theta():
    X, y = _regression()
    kw = dict(batch_size=32, epochs=3, rng=np.random.default_rng(4))
    const = minibatch_gd(least_squares, np.zeros(3), X, y, lr=0.01, **kw)
    kw["rng"] = np.random.default_rng(4)
    sched = minibatch_gd(least_squares, np.zeros(3), X, y, lr=lambda t: 0.01, **kw)
    np.testing.assert_array_equal(const.thetas, sched.thetas)
    assert const.thetas.shape == (25, 3)
    np.testing.assert_array_equal(const.thetas[-1], const.theta)
    # a decaying ηₜ = 0.01/(1 + t): the first update uses η₀ = 0.01, the second η₁ = 0.005
    kw["rng"] = np.random.default_rng(4)
    decay = minibatch_gd(least_squares, np.zeros(3), X, y, lr=lambda t: 0.01 / (1 + t), **kw)
    np.testing.assert_array_equal(decay.thetas[1], const.thetas[1])
    assert not np.allclose(decay.thetas[2], const.thetas[2])


def test_minibatch_gd_reads_a_non_finite_error_as_divergence():
    X, y = _regression()

    def fragile(theta, Xb, yb):  # a loss that refuses large parameters, as trainlib's do
        if np.abs(theta).max() > 10:
            raise NonFiniteError("theta: expected finite values")
        return least_squares(theta, Xb, yb)

    run = minibatch_gd(fragile, np.zeros(3), X, y, batch_size=len(X), epochs=100, lr=1.0,
                       rng=np.random.default_rng(0))  # fmt: skip
    assert run.diverged and len(run.update_losses) < 101
    assert np.abs(run.theta).max() <= 10 and np.all(np.isfinite(run.update_losses))


def test_least_squares_broadcasts_over_runs():
    X, y = _regression()
    thetas = np.random.default_rng(1).standard_normal((4, 3))
    L, g = least_squares(thetas, X, y)
    assert L.shape == (4,) and g.shape == (4, 3)
    for th, l_r, g_r in zip(thetas, L, g, strict=True):
        one_l, one_g = least_squares(th, X, y)
        assert l_r == pytest.approx(one_l, rel=1e-12)  # einsum vs matmul: rounding only
        np.testing.assert_allclose(g_r, one_g, rtol=1e-12, atol=1e-14)


def test_steps_to_tolerance_of_an_error_sequence():
    assert steps_to_tolerance(np.array([3.0, 1.0, 1e-7, 1.0]), 1e-6) == 2  # first arrival
    assert steps_to_tolerance([3.0, np.nan, 1.0], 1e-6) is None  # NaN never arrives
    np.testing.assert_array_equal(steps_to_tolerance(np.array([[1, 1], [0, 1.0]]), 0.5), [1, -1])


def _pure_only(opt):
    """The same optimiser with only the pure step (as a hand-built optimiser might have)."""
    return opt._replace(step=lambda p, g, s: opt.step(p, g, s))


@pytest.mark.parametrize(
    ("surf", "x0", "opt", "kw"),
    [
        (S.rosenbrock, np.random.default_rng(5).uniform(-2, 2, (64, 2)), optim.adam(1e-2), {}),
        (S.parabola, np.array([0.0, 2.999, 6.0, 3.0]), optim.sgd(lr=1.1), {}),  # divergences
        (S.beale, [[1.0, 1.5], [2.0, 0.5]], optim.rmsprop(1e6), {}),  # overflow
        (S.saddle, np.array([1.5, 1e-3]), optim.sgd(0.05, momentum=0.9), {"noise": 0.3}),
    ],
)
def test_descend_steps_in_place_with_the_numbers_of_the_pure_step(surf, x0, opt, kw):
    # descend lets a trainlib optimiser update its own copy of x in place; an optimiser with
    # only a pure step takes the other branch: the paths must agree bit for bit.
    kw_a = {**kw, "rng": np.random.default_rng(1)} if kw else {}
    kw_b = {**kw, "rng": np.random.default_rng(1)} if kw else {}
    a = descend(surf, x0, opt, 150, **kw_a)
    b = descend(surf, x0, _pure_only(opt), 150, **kw_b)
    assert np.array_equal(a.xs, b.xs) and np.array_equal(a.losses, b.losses)
    assert np.array_equal(a.diverged, b.diverged)
    assert np.array_equal(a.diverged_at, b.diverged_at) or a.diverged_at is b.diverged_at is None


def test_huge_but_finite_gradients_are_not_a_divergence():
    # The fast no-divergence check sums g; 1e308 + 1e308 overflows to inf although every
    # entry is finite. The exact per-point test must then decide: nothing diverged.
    def steep(x):
        return np.zeros(x.shape[:-1]), np.full(x.shape, 1e308)

    path = descend(steep, np.zeros((3, 2)), optim.sgd(lr=0.0), 5)
    assert not path.diverged.any() and path.steps == 5
    assert np.array_equal(path.diverged_at, [-1, -1, -1])
