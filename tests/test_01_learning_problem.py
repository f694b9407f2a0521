"""Notebook 01 (the learning problem): one test per claim C1–C7, computed with the functions
the notebook and its figures call, plus unit tests of lessons.learning_problem.landscape and
lessons.learning_problem.linreg."""

import math

import numpy as np
import pytest

from trainlib.data import train_val_split
from trainlib.fit import fit
from trainlib.layers import load_params, mlp
from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem import linreg
from trainlib.losses import mse
from trainlib.minibatch import least_squares
from trainlib.optim import sgd
from trainlib.train import steps_to_tolerance

# The notebook's settings (kept equal to the figure defaults in lessons.learning_problem.figures).
X_GRID = np.linspace(-3.0, 3.0, 241)
SIZES = [1, 32, 32, 32, 1]


def _gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    """The notebook's C6 cell: GD steps from θ = 0 until max|θₜ − θ*| ≤ tol (None if never)."""
    theta_star = linreg.normal_equation(X, y)
    run = linreg.gradient_descent(X, y, lr, max_steps, tol=tol, theta_star=theta_star)
    return steps_to_tolerance(run.errors(theta_star), tol)


# --- claims ----------------------------------------------------------------------------------


def test_C1_untrained_networks_are_different_non_constant_functions():
    F = ls.random_functions(X_GRID, SIZES, [0, 1], init_scale=1.5)
    # non-constant: each function varies over x by far more than rounding (std ≳ 0.1 here)
    assert np.all(np.std(F, axis=1) > 0.1)
    # two seeds, two functions: they differ by O(1) somewhere, not by rounding
    assert np.max(np.abs(F[0] - F[1])) > 0.5
    # the same seed gives the same function (the randomness is the seed's, nothing else)
    np.testing.assert_array_equal(F[0], ls.random_functions(X_GRID, SIZES, [0], init_scale=1.5)[0])
    # with scale 0 there is nothing random left: f ≡ 0 for every seed
    assert not np.any(ls.random_functions(X_GRID, SIZES, [0, 1], init_scale=0.0))


def test_C2_training_loss_falls_and_validation_loss_is_reported_separately():
    run = ls.train_sine_net()
    n_epochs = len(run.train_loss)
    assert len(run.val_loss) == n_epochs == 200
    # train loss falls: the last 20 epochs average well below the first epoch (0.42 → ~0.06;
    # SGD on 8-sample batches is noisy, hence averages over epochs, and a factor-3 margin)
    assert run.train_loss[-20:].mean() < run.train_loss[0] / 3
    # validation is a separate set, evaluated separately, and ends above the training loss
    assert len(run.X_val) == len(run.X_train) == 16
    assert not np.isin(run.X_val, run.X_train).any()
    first, last = run.network(0), run.network(-1)
    val_last = mse(last.forward(run.X_val, train=False), run.y_val)[0]
    tr_last = mse(last.forward(run.X_train, train=False), run.y_train)[0]
    assert val_last == pytest.approx(run.val_loss[-1], rel=1e-12)  # same number as fit reports
    assert tr_last < val_last  # the generalisation gap the figure shows
    assert mse(first.forward(run.X_train, train=False), run.y_train)[0] > 3 * tr_last


def test_C2_chunked_fit_equals_one_long_fit():
    # train_sine_net calls fit in chunks of 10 epochs to snapshot the weights; with plain SGD
    # that is the same training as one call (bit for bit: same updates in the same order).
    a = ls.train_sine_net.__wrapped__(epochs=30, every=10)
    b = ls.train_sine_net.__wrapped__(epochs=30, every=30)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    for k, v in a.snapshots[-1].items():
        np.testing.assert_array_equal(v, b.snapshots[-1][k])


def test_C2_the_notebook_cell_is_the_start_of_the_figure_run():
    # The notebook trains 30 epochs in a visible cell and says the figure continues that run.
    rng = np.random.default_rng(1)
    X, y = ls.sine_data(32, rng=rng)
    X_train, X_val, y_train, y_val = train_val_split(X, y, 0.5, rng=rng)
    net = mlp([1, 32, 32, 1], "tanh", rng=rng, init="glorot_normal")
    hist = fit(net, mse, sgd(0.05), X_train, y_train, epochs=30, batch_size=8, rng=rng,
               val=(X_val, y_val))  # fmt: skip
    run = ls.train_sine_net()
    np.testing.assert_array_equal(hist.train_loss, run.train_loss[:30])
    np.testing.assert_array_equal(hist.val_loss, run.val_loss[:30])


def test_C2_training_ends_below_the_noise_floor_validation_at_it():
    """The notebook's reading of the 200-epoch run: the final training loss is below σ², but
    on these 16 points the true sine itself scores less, so the baseline for "memorised noise"
    is the true function's own loss on the same points — at epoch 200 the network is just above
    it, at epoch 180 just below, and SGD's snapshots jitter widely around it, so the comparison
    shows nothing either way. Both sets differ by chance: the untrained network shows a gap
    too."""
    from trainlib.lessons.learning_problem.experiments import SINE_NOISE

    floor = SINE_NOISE**2
    assert SINE_NOISE == 0.3  # the predict exercise's self-contained reference writes 0.3
    run = ls.train_sine_net()
    net = run.network()
    train_end = mse(net.forward(run.X_train), run.y_train)[0]
    assert round(train_end, 3) == 0.049 and train_end < floor
    assert round(run.val_loss[-1], 3) == 0.086 and round(run.val_loss.min(), 3) == 0.078
    assert int(run.val_loss.argmin()) + 1 == 167
    # the baseline: the true function on the same points (computed here from the labels)
    true_tr = float(np.mean((np.sin(1.5 * run.X_train) - run.y_train) ** 2))
    true_va = float(np.mean((np.sin(1.5 * run.X_val) - run.y_val) ** 2))
    assert (round(true_tr, 3), round(true_va, 3)) == (0.047, 0.070)
    assert train_end > true_tr  # "at epoch 200 … just above the true sine's (0.049 vs 0.047)"
    # the snapshots of epochs 130–200 on the full training set (the figure's readout)
    assert list(run.snapshot_epochs[-8:]) == [130, 140, 150, 160, 170, 180, 190, 200]
    snaps = [mse(run.network(s).forward(run.X_train), run.y_train)[0] for s in range(-8, 0)]
    assert round(snaps[5], 3) == 0.045 and snaps[5] < true_tr  # "at epoch 180 … just below"
    assert (round(min(snaps), 3), round(max(snaps), 3)) == (0.045, 0.110)  # "jitter between"
    assert round(run.val_loss[-1] - true_va, 3) == 0.016  # "0.016 above the true sine's 0.070"
    assert run.val_loss.min() < floor  # "dips below σ² as well" (chance: true sine scores 0.070)
    # chance: before any training, the two halves already score differently
    start = run.network(0)
    start_tr = mse(start.forward(run.X_train), run.y_train)[0]
    start_va = mse(start.forward(run.X_val), run.y_val)[0]
    assert (round(start_tr, 3), round(start_va, 3)) == (0.445, 0.494)
    # the validation loss stays within the scatter of a mean of 16 squared noises of σ²,
    # σ²·√(2/16) ≈ 0.032 (the std of a mean of 16 χ²₁·σ² terms)
    assert abs(run.val_loss[-1] - floor) < floor * math.sqrt(2 / 16)
    # the true function's expected loss on new points is σ² (Monte Carlo: 200,000 draws, the
    # relative standard error is √(2/200000) ≈ 0.3 %, so 2 % is > 6 standard errors)
    X, y = ls.sine_data(200_000, rng=np.random.default_rng(7))
    assert abs(np.mean((np.sin(1.5 * X) - y) ** 2) - floor) < 0.02 * floor


_XS = np.linspace(-3.0, 3.0, 2001)[:, None]


def _dist(net):
    """The notebook's distance to the truth: mean (f(x) − sin 1.5x)² on a dense grid of [−3, 3]."""
    return float(np.mean((net.forward(_XS) - np.sin(1.5 * _XS)) ** 2))


def _continue(run, steps):
    net = run.network()
    more = fit(net, mse, sgd(0.1), run.X_train, run.y_train, epochs=steps, batch_size=16,
               rng=np.random.default_rng(0), val=(run.X_val, run.y_val))  # fmt: skip
    return net, more


def test_C2_two_thousand_more_steps_go_below_the_true_sine_yet_closer_to_it():
    """The notebook's continuation: 2,000 full-batch GD steps (rate 0.1) from epoch 200 take
    the training loss below the true sine's own (0.041 < 0.047) — yet the network moves closer
    to the sine (distance 0.018 → 0.008), so its expected loss on new points falls (σ² + 0.008
    ≈ 0.098 vs 0.108). The validation rise 0.086 → 0.096 is chance: over random 16-point
    validation sets the change averages −0.010 and scatters by ±0.016; a rise this large
    happens about one time in ten. The training noise correlates with the deviation about as
    much as at epoch 200; the deviation itself shrank."""
    run = ls.train_sine_net()
    net, more = _continue(run, 2000)
    long_tr = mse(net.forward(run.X_train), run.y_train)[0]
    true_tr = float(np.mean((np.sin(1.5 * run.X_train) - run.y_train) ** 2))
    assert round(long_tr, 3) == 0.041 and long_tr < true_tr
    assert round(more.val_loss[-1], 3) == 0.096 and round(run.val_loss[-1], 3) == 0.086
    d0, d1 = _dist(run.network()), _dist(net)
    assert (round(d0, 3), round(d1, 3)) == (0.018, 0.008)
    floor = 0.3**2
    assert (round(floor + d1, 3), round(floor + d0, 3)) == (0.098, 0.108)
    # "σ² + distance" is the expected loss on new points: check it on 200,000 fresh samples
    X, y = ls.sine_data(200_000, rng=np.random.default_rng(8))
    new = mse(net.forward(X), y)[0]
    assert abs(new - (floor + d1)) < 0.002  # s.e. ≈ σ²·√(2/200000) ≈ 3e-4
    # Both validation losses are on the same 16 points, so their squared noise cancels from
    # the change. Its scatter: draw 20,000 validation sets of 16 (x uniform on the grid, fresh
    # noise) and take the change of loss between the two networks on each (s.e. of the mean
    # ≈ 0.016/√20000 ≈ 1e-4).
    rise = more.val_loss[-1] - run.val_loss[-1]
    g0 = (run.network().forward(_XS) - np.sin(1.5 * _XS))[:, 0]
    g1 = (net.forward(_XS) - np.sin(1.5 * _XS))[:, 0]
    mc = np.random.default_rng(5)
    idx = mc.integers(0, len(_XS), (20_000, 16))
    eps = floor**0.5 * mc.standard_normal((20_000, 16))
    change = np.mean((g1[idx] - eps) ** 2 - (g0[idx] - eps) ** 2, axis=1)
    assert round(change.mean(), 3) == -0.010 and round(change.std(), 3) == 0.016
    assert 0.05 < np.mean(change >= rise) < 0.15  # "about one time in ten"
    # "that correlation was as large at epoch 200; the deviation itself shrank"
    eps_tr = run.y_train - np.sin(1.5 * run.X_train)
    dev0 = run.network().forward(run.X_train) - np.sin(1.5 * run.X_train)
    dev1 = net.forward(run.X_train) - np.sin(1.5 * run.X_train)
    c0, c1 = float(np.mean(dev0 * eps_tr)), float(np.mean(dev1 * eps_tr))
    assert (round(c0, 3), round(c1, 3)) == (0.008, 0.007)
    m0, m1 = float(np.mean(dev0**2)), float(np.mean(dev1**2))
    assert (round(m0, 3), round(m1, 3)) == (0.019, 0.009)
    assert m0 > 2 * c0 and m1 < 2 * c1  # training loss above, then below, the true sine's
    assert len(more.train_loss) == 2000  # full batch: an epoch is one step


def test_C2_twenty_thousand_steps_memorise():
    """The notebook's long-run numbers (too slow to run there): after 20,000 full-batch steps
    the training loss is 0.026, the distance to the truth 0.064 and the validation loss 0.145.
    Only 0.003 of the 0.064 lies outside [−2.20, 2.82], the range of the training x; the same
    steps on noise-free labels at the same 16 x stay at distance 0.001 throughout."""
    run = ls.train_sine_net()
    net, more = _continue(run, 20_000)
    long_tr = mse(net.forward(run.X_train), run.y_train)[0]
    assert round(long_tr, 3) == 0.026
    assert round(_dist(net), 3) == 0.064
    assert round(more.val_loss[-1], 3) == 0.145
    lo, hi = run.X_train.min(), run.X_train.max()
    assert (round(lo, 2), round(hi, 2)) == (-2.20, 2.82)
    err = ((net.forward(_XS) - np.sin(1.5 * _XS)) ** 2)[:, 0]
    outside = (_XS[:, 0] < lo) | (_XS[:, 0] > hi)
    assert round(err[outside].sum() / len(_XS), 3) == 0.003
    # the baseline: the same continuation on noise-free labels, checked every 5,000 steps
    clean = run.network()
    for _ in range(4):
        fit(clean, mse, sgd(0.1), run.X_train, np.sin(1.5 * run.X_train), epochs=5000,
            batch_size=16, rng=np.random.default_rng(0))  # fmt: skip
        assert round(_dist(clean), 3) == 0.001


def _eight_points():
    """The notebook's 8-point setting: its data, 10,000 new points, and the initial network."""
    rng = np.random.default_rng(1)
    Xs, ys = ls.sine_data(16, rng=rng)
    Xs_tr, _, ys_tr, _ = train_val_split(Xs, ys, 0.5, rng=rng)
    X_new, y_new = ls.sine_data(10_000, rng=np.random.default_rng(2))
    return Xs_tr, ys_tr, X_new, y_new, mlp([1, 32, 32, 1], "tanh", rng=rng, init="glorot_normal")


def _gd_thousands(net, X, y, k):
    """k × 1,000 full-batch GD steps at rate 0.1 (the notebook's recipe); the net after each."""
    for _ in range(k):
        fit(net, mse, sgd(0.1), X, y, epochs=1000, batch_size=len(X),
            rng=np.random.default_rng(0))  # fmt: skip
        yield net


def test_C2_eight_points_memorise_and_noise_free_labels_do_not():
    """The notebook's second setting: 8 training points, the same [1, 32, 32, 1] tanh MLP,
    full-batch GD at rate 0.1. With noisy labels the training loss falls below the true sine's
    0.034 while the distance to the truth grows (0.174 → 0.372 → 0.450 at 1,000/2,000/3,000
    steps); the same start on noise-free labels at the same x stays near 0.08–0.10 (0.095 →
    0.083), so the noise drives the growth. Most of the distance lies left of every training
    point (x < −1.02, a third of the interval); inside the training x's range the two nearly
    tie. The same start and recipe on the 16 training points of the main
    run stay at about 0.01."""
    Xs_tr, ys_tr, X_new, y_new, noisy = _eight_points()
    assert len(Xs_tr) == 8
    assert np.allclose(np.sort(Xs_tr[:, 0]).round(2), [-1.02, -0.54, -0.46, 1.52, 1.73, 1.97,
                                                       2.69, 2.70])  # fmt: skip
    # "the first 16 x positions of the data above, with fresh noise"
    X32, y32 = ls.sine_data(32, rng=np.random.default_rng(1))
    X16, y16 = ls.sine_data(16, rng=np.random.default_rng(1))
    assert np.array_equal(X16, X32[:16]) and not np.allclose(y16, y32[:16])
    true_small = float(np.mean((np.sin(1.5 * Xs_tr) - ys_tr) ** 2))
    assert round(true_small, 3) == 0.034
    assert round(float(np.mean((np.sin(1.5 * X_new) - y_new) ** 2)), 3) == 0.088
    clean = mlp([1, 32, 32, 1], "tanh", rng=np.random.default_rng(0))
    load_params(clean, noisy.params)  # the same initial weights
    got, got_clean = [], []
    left = _XS[:, 0] < Xs_tr.min()  # left of every training point
    inside = (_XS[:, 0] >= Xs_tr.min()) & (_XS[:, 0] <= Xs_tr.max())  # the training x's range

    def part(n, where):
        return float(np.sum(((n.forward(_XS) - np.sin(1.5 * _XS)) ** 2)[where, 0]) / len(_XS))

    inside_noisy, inside_clean = [], []
    for n in _gd_thousands(noisy, Xs_tr, ys_tr, 3):
        got.append((mse(n.forward(Xs_tr), ys_tr)[0], _dist(n), mse(n.forward(X_new), y_new)[0]))
        inside_noisy.append(part(n, inside))
        if len(got) == 2:  # where the distance is after 2,000 steps, and the misses
            err = ((n.forward(_XS) - np.sin(1.5 * _XS)) ** 2)[:, 0]
            share_left = err[left].sum() / len(_XS)
            miss = float(np.abs(n.forward(Xs_tr) - ys_tr).max())
    for n in _gd_thousands(clean, Xs_tr, np.sin(1.5 * Xs_tr), 3):
        got_clean.append(_dist(n))
        inside_clean.append(part(n, inside))
        if len(got_clean) == 2:
            err = ((n.forward(_XS) - np.sin(1.5 * _XS)) ** 2)[:, 0]
            share_left_clean = err[left].sum() / len(_XS)
    rounded = [tuple(round(float(v), 3) for v in row) for row in got]
    assert rounded[:2] == [(0.018, 0.174, 0.268), (0.010, 0.372, 0.468)]
    assert rounded[2][1] == 0.450  # after 3,000 steps (test only)
    assert got[0][0] < true_small
    assert [round(d, 3) for d in got_clean] == [0.095, 0.083, 0.079]
    # the new-point loss is σ² plus the distance, up to the sampling of 10,000 points
    assert all(abs(n_ - (0.09 + d)) < 0.02 for _, d, n_ in got)
    assert (round(share_left, 3), round(share_left_clean, 3)) == (0.310, 0.046)
    # inside the range of the training x the two differ far less: 0.011 vs 0.051, then 0.059 vs
    # 0.036 (a gap of 0.023, against 0.264 = 0.310 − 0.046 left of the data)
    assert round(share_left - share_left_clean, 3) == 0.264
    assert round(inside_noisy[1] - inside_clean[1], 3) == 0.023
    assert [round(v, 3) for v in inside_noisy[:2]] == [0.011, 0.059]
    assert [round(v, 3) for v in inside_clean[:2]] == [0.051, 0.036]
    # the table: at x = −3 the sine +0.98, the noise-free curve +0.31, the noisy one −0.65
    *_, fresh = _eight_points()
    clean2 = mlp([1, 32, 32, 1], "tanh", rng=np.random.default_rng(0))
    load_params(clean2, fresh.params)
    for net_, lab in ((fresh, ys_tr), (clean2, np.sin(1.5 * Xs_tr))):
        for _ in _gd_thousands(net_, Xs_tr, lab, 2):
            pass
    at3 = np.array([[-3.0]])
    assert (round(float(fresh.forward(at3)[0, 0]), 2), round(float(clean2.forward(at3)[0, 0]), 2),
            round(float(np.sin(-4.5)), 2)) == (-0.65, 0.31, 0.98)  # fmt: skip
    assert round((Xs_tr.min() + 3) / 6, 2) == 0.33  # "a third of the interval"
    assert round(miss, 2) == 0.20
    # the same start and recipe on the main run's 16 training points: no memorisation
    run = ls.train_sine_net()
    *_, start16 = _eight_points()
    d16 = [_dist(n) for n in _gd_thousands(start16, run.X_train, run.y_train, 3)]
    assert [round(d, 3) for d in d16] == [0.011, 0.009, 0.010]


def test_C3_a_slice_of_the_trained_loss_violates_convexity():
    from trainlib.lessons.learning_problem.experiments import SLICE_GRID, loss_slices

    grid = loss_slices(30)  # the figure's default direction pair
    row = grid[np.argmin(np.abs(SLICE_GRID))]  # the default 1-D slice, β = 0
    v = ls.convexity_gap(row)
    # midpoint above the chord by 1.79 on a slice whose values span 0.05 … 1.96: not rounding
    assert v.gap > 0.5
    assert row[v.mid] > 0.5 * (row[v.i] + row[v.j])
    assert SLICE_GRID[v.mid] == pytest.approx(0.5 * (SLICE_GRID[v.i] + SLICE_GRID[v.j]))
    # the trained θ̂ (α = β = 0) is the lowest point of that row, up to the grid
    assert row[len(row) // 2] <= row.min() * 1.5


def test_C3_most_cuts_are_non_convex_some_with_a_ridge_some_bending_down():
    """The notebook: 74 of 75 cuts are non-convex — many cross a ridge between two valleys
    (an interior local maximum), others merely bend downward (non-convex with no ridge)."""
    from trainlib.lessons.learning_problem.experiments import SLICE_SEEDS, loss_slices

    rows = [row for s in SLICE_SEEDS for row in loss_slices(s)]
    nonconvex = [ls.convexity_gap(r).gap > 1e-12 for r in rows]
    ridge = [bool(np.any((r[1:-1] > r[:-2]) & (r[1:-1] > r[2:]))) for r in rows]
    assert (sum(nonconvex), len(rows)) == (74, 75)
    # a ridge always breaks convexity
    assert all(n for n, r in zip(nonconvex, ridge, strict=True) if r)
    n_ridge = sum(ridge)
    # the prompt's β = 0.5 (default pair): the worst chord no longer starts at α = 0, and its
    # gap is a large part of the row's range (0.525 on a maximum of 0.771), plainly visible
    from trainlib.lessons.learning_problem.experiments import SLICE_GRID

    row = loss_slices(30)[np.argmin(np.abs(SLICE_GRID - 0.5))]
    v = ls.convexity_gap(row)
    assert (SLICE_GRID[v.i], SLICE_GRID[v.j]) == (-0.25, 1.25)
    assert v.gap > 0.5 * row.max()
    n_bend = sum(n and not r for n, r in zip(nonconvex, ridge, strict=True))
    assert n_ridge >= 25 and n_bend >= 10  # "many" with a ridge, "others" without one


def test_C6_gradient_descent_reaches_the_closed_form():
    from trainlib.lessons.learning_problem.experiments import linreg_problem

    X, y = linreg_problem(10.0)
    theta_star = linreg.normal_equation(X, y)
    np.testing.assert_allclose(theta_star, [0.5, 1.5, 0.5], atol=1e-12)  # built that way
    run = linreg.gradient_descent(X, y, linreg.stable_lr(X, 0.5), 5000, tol=1e-9,
                                  theta_star=theta_star)  # fmt: skip
    assert not run.diverged
    # GD stops within 1e-9 of θ*, so a 1e-6 match holds with three orders of margin
    np.testing.assert_allclose(run.theta, theta_star, rtol=0, atol=1e-6)
    # and θ* agrees with an independent solver (QR/SVD) to rounding
    A = linreg.design_matrix(X)
    np.testing.assert_allclose(theta_star, np.linalg.lstsq(A, y, rcond=None)[0], atol=1e-10)


def test_C6_ill_conditioning_slows_gradient_descent():
    from trainlib.lessons.learning_problem.experiments import linreg_problem

    steps = {}
    for kappa in (1.0, 10.0, 100.0):
        X, y = linreg_problem(kappa)
        assert linreg.condition_number(X) == pytest.approx(kappa, rel=1e-9)
        steps[kappa] = _gd_steps(X, y, linreg.stable_lr(X, 0.5))
    assert steps[1.0] < steps[10.0] < steps[100.0]
    # α = 1/λ_max: the slow direction shrinks by (1 − 1/κ) per step → about κ·ln(1/tol) steps
    assert steps[100.0] > 5 * steps[10.0]


def test_C6_too_large_a_rate_diverges_cleanly():
    from trainlib.lessons.learning_problem.experiments import linreg_problem

    X, y = linreg_problem(10.0)
    run = linreg.gradient_descent(X, y, linreg.stable_lr(X, 1.1), 2000)
    assert run.diverged and np.all(np.isfinite(run.thetas)) and len(run.thetas) < 2000


def test_C7_the_relu_slice_has_a_kink_with_different_one_sided_derivatives():
    from trainlib.lessons.learning_problem.experiments import kink_slopes

    w0, left, right = kink_slopes(0.5)  # the figure's default slice, b = 0.5
    # the jump is (2/N)·|yᵢ·xᵢ| ≈ 1.9; one-sided difference quotients are O(h) = 1e-7 accurate
    assert abs(right - left) > 1.0
    x, y = ls.relu_neuron_data()
    assert np.any(np.isclose(w0 * x + 0.5, 0.0, atol=1e-12))  # on a crease w·xᵢ + b = 0
    # away from every kink, left and right agree: the function is smooth there
    kinks = ls.relu_neuron_kinks(0.5, x)
    w_smooth = 0.5 * (kinks[-1] + kinks[-2])
    lft, rgt = ls.one_sided_derivatives(lambda w: ls.relu_neuron_loss(w, 0.5, x, y), w_smooth)
    assert abs(lft - rgt) < 1e-5  # O(h·L″) = 1e-7·O(10)


# --- lessons.learning_problem.landscape -----------------------------------------------------------


def test_convexity_gap_is_nonpositive_for_convex_and_positive_for_a_bump():
    t = np.linspace(-2, 2, 41)
    assert ls.convexity_gap(t**2).gap <= 1e-12
    assert ls.convexity_gap(np.abs(t)).gap <= 1e-12
    v = ls.convexity_gap(np.cos(t))
    assert v.gap > 0 and (v.i + v.j) == 2 * v.mid


def test_random_direction_matches_each_array_norm():
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 4)), "b": np.zeros(4)}
    d = ls.random_direction(params, rng=rng)
    assert np.linalg.norm(d["W"]) == pytest.approx(np.linalg.norm(params["W"]))
    assert not np.any(d["b"])


def test_slices_go_through_the_parameters_and_leave_the_model_unchanged():
    rng = np.random.default_rng(1)
    net = mlp([2, 5, 1], "tanh", rng=rng)
    X, y = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    before = {k: v.copy() for k, v in net.params.items()}
    f = ls.network_loss(net, mse, X, y)
    d1 = ls.random_direction(before, rng=rng)
    d2 = ls.random_direction(before, rng=rng)
    line = ls.slice_1d(f, before, d1, [-1.0, 0.0, 1.0])
    plane = ls.slice_2d(f, before, d1, d2, [-1.0, 0.0, 1.0], [0.0, 0.5])
    assert line[1] == pytest.approx(mse(net.forward(X, train=False), y)[0], rel=1e-15)
    np.testing.assert_array_equal(plane[0], line)  # β = 0 row is the 1-D slice
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError, match="theta"):
        f({"0.W": before["0.W"]})


def test_relu_neuron_loss_matches_a_direct_computation_and_has_a_plateau():
    x, y = ls.relu_neuron_data()
    w, b = 0.7, -0.2
    direct = np.mean((np.maximum(w * x + b, 0) - y) ** 2)
    assert ls.relu_neuron_loss(w, b, x, y) == pytest.approx(direct, rel=1e-15)
    # the neuron is off for every input when b is very negative and w = 0: flat plateau
    assert ls.relu_neuron_loss(0.0, -5.0, x, y) == ls.relu_neuron_loss(0.0, -6.0, x, y)
    grid = ls.relu_neuron_loss(np.zeros((2, 3)), np.zeros((2, 3)), x, y)
    assert grid.shape == (2, 3)


def test_one_sided_derivatives_agree_on_a_smooth_function():
    left, right = ls.one_sided_derivatives(np.sin, 0.3)
    # O(h) difference quotients with h = 1e-7 (plus rounding ~1e-9)
    assert left == pytest.approx(math.cos(0.3), abs=1e-6)
    assert right == pytest.approx(math.cos(0.3), abs=1e-6)
    left, right = ls.one_sided_derivatives(abs, 0.0)
    assert (left, right) == (-1.0, 1.0)


def test_landscape_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="sizes"):
        ls.random_functions(X_GRID, [2, 4, 1], [0])
    with pytest.raises(ValueError, match="activation"):
        ls.random_mlp([1, 2, 1], rng=np.random.default_rng(0), activation="gelu")
    with pytest.raises(ValueError, match="values"):
        ls.convexity_gap([1.0, 2.0])


# --- lessons.learning_problem.linreg --------------------------------------------------------------


def test_gradient_is_the_least_squares_gradient():
    # gradient_descent's first step must be θ₀ − α·∇L(θ₀) with train.least_squares' ∇L
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    theta0 = rng.standard_normal(4)
    run = linreg.gradient_descent(X, y, 0.01, 1, theta0=theta0)
    _, g = least_squares(theta0, X, y)
    np.testing.assert_allclose(run.thetas[1], theta0 - 0.01 * g, rtol=1e-13, atol=1e-15)
    assert run.losses[0] == pytest.approx(least_squares(theta0, X, y)[0], rel=1e-13)


def test_gradient_descent_is_the_core_loop_with_the_full_batch():
    # The O(d²) form is kept for the closed-form figure's latency; it is the same rule as
    # trainlib.minibatch.minibatch_gd with B = n, unshuffled, for every one of 300 steps.
    from trainlib.lessons.learning_problem.experiments import linreg_problem
    from trainlib.minibatch import minibatch_gd

    X, y = linreg_problem(100.0)
    lr = linreg.stable_lr(X, 0.5)
    run = linreg.gradient_descent(X, y, lr, 300)
    ref = minibatch_gd(least_squares, np.zeros(3), X, y, batch_size=len(X), epochs=300, lr=lr,
                       rng=None, shuffle=False)  # fmt: skip
    # M·θ + α·c vs θ − α·∇L(θ): the same sums in another order, rounding only (θ ~ 1)
    np.testing.assert_allclose(run.thetas, ref.thetas, rtol=0, atol=1e-12)
    np.testing.assert_allclose(run.losses, ref.update_losses, rtol=1e-10)


def test_early_stopped_gd_gives_the_first_arrival_of_the_whole_path():
    # The notebook's count: GD stopped at tol, then the core rule on its errors max|θₜ − θ*|.
    # The early stop must not change the answer: the whole path's first arrival is the same.
    from trainlib.lessons.learning_problem.experiments import linreg_problem

    X, y = linreg_problem(10.0)
    lr = linreg.stable_lr(X, 0.5)
    theta_star = linreg.normal_equation(X, y)
    run = linreg.gradient_descent(X, y, lr, 1000)  # no early stop: the whole path
    err = np.max(np.abs(run.thetas - theta_star), axis=1)
    np.testing.assert_array_equal(run.errors(theta_star), err)
    assert _gd_steps(X, y, lr) == steps_to_tolerance(err, 1e-6) == 125
    assert _gd_steps(X, y, lr, max_steps=100) is None
    assert _gd_steps(X, y, linreg.stable_lr(X, 1.1)) is None  # diverges: never arrives


def test_normal_equation_and_its_errors():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 2))
    y = 1.0 + X @ [2.0, -1.0]
    np.testing.assert_allclose(linreg.normal_equation(X, y), [1.0, 2.0, -1.0], atol=1e-12)
    with pytest.raises(ValueError, match="singular"):
        linreg.normal_equation(np.column_stack([X[:, 0], X[:, 0]]), y)
    with pytest.raises(ValueError, match="samples"):
        linreg.normal_equation(X[:2], y[:2])
    with pytest.raises(ValueError, match="y"):
        linreg.normal_equation(X, y[:5])


def test_correlated_data_has_the_asked_condition_number_and_answer():
    for kappa in (1.0, 3.0, 1000.0):
        X, y = linreg.correlated_data(40, kappa, rng=np.random.default_rng(5))
        assert linreg.condition_number(X) == pytest.approx(kappa, rel=1e-8)
        np.testing.assert_allclose(linreg.normal_equation(X, y), [0.5, 1.5, 0.5], atol=1e-8)
    with pytest.raises(ValueError, match="kappa"):
        linreg.correlated_data(40, 0.5, rng=np.random.default_rng(5))


def test_stable_lr_is_the_divergence_threshold():
    X, y = linreg.correlated_data(40, 10.0, rng=np.random.default_rng(6))
    assert not linreg.gradient_descent(X, y, linreg.stable_lr(X, 0.99), 3000).diverged
    assert linreg.gradient_descent(X, y, linreg.stable_lr(X, 1.01), 3000).diverged


def test_solve_flops_is_cubic_and_time_solve_measures():
    assert linreg.solve_flops(10) == pytest.approx(2000 / 3)
    assert linreg.solve_flops(20) / linreg.solve_flops(10) == pytest.approx(8.0)
    assert linreg.solve_flops(10, n=100) == pytest.approx(2000 / 3 + 2e4)
    t = linreg.time_solve([8, 16], rng=np.random.default_rng(0), repeats=1)
    assert t.shape == (2,) and np.all(t > 0)


def test_measured_solve_times_grow_faster_than_quadratically():
    # The figure's dots: one BLAS thread, warm-up, best of many runs. Cubic work gives 512×
    # from d = 128 to 1024; quadratic would give 64×. Fixed overheads at small d and a shared
    # machine shrink the measured factor, so the test asks only for clearly more than 64×.
    from trainlib.lessons.learning_problem.experiments import SOLVE_DS

    t = linreg.time_solve(SOLVE_DS, rng=np.random.default_rng(0), repeats=7)
    assert list(SOLVE_DS) == [128, 256, 512, 1024]
    assert np.all(np.diff(t) > 0)
    assert t[-1] / t[0] > 100


def test_the_derive_exercise_rejects_a_library_solve():
    from trainlib.lessons.learning_problem.exercises import normal_equation_exercise

    def my_normal_equation(X, y):
        A = np.column_stack([np.ones(len(X)), X])
        return np.linalg.solve(A.T @ A, A.T @ y)

    def by_hand(X, y):  # np.linalg is not used here (a comment does not count)
        x = X[:, 0]
        dx, dy = x - x.mean(), y - y.mean()
        slope = np.sum(dx * dy) / np.sum(dx * dx)
        return np.array([y.mean() - slope * x.mean(), slope])

    result = normal_equation_exercise.check(my_normal_equation, quiet=True)
    assert not result and "linalg" in result.message and "on paper" in result.message
    assert normal_equation_exercise.check(by_hand, quiet=True)


def test_the_tune_exercise_says_when_the_fraction_is_too_large():
    from trainlib.lessons.learning_problem.exercises import _gd_steps, lr_fraction_exercise

    # past κ/(κ + 1) ≈ 0.990 the steep direction (factor |1 − 2f|) is the slow one
    assert _gd_steps(0.995) == 1375 and _gd_steps(0.95) < _gd_steps(0.99) < 800
    result = lr_fraction_exercise.check(lambda: 0.995, quiet=True)
    assert not result and "step back" in result.message and "0.990" in result.message


def test_closed_form_figure_run_counts_steps_with_the_core_rule():
    from trainlib.lessons.learning_problem.experiments import (
        GD_TOL,
        closed_form_run,
        linreg_problem,
    )

    X, y = linreg_problem(10.0)
    c = closed_form_run(10.0, 0.5)
    # it stops at GD_TOL/10, past the first arrival at GD_TOL the readout reports
    assert c.steps == _gd_steps(X, y, linreg.stable_lr(X, 0.5), tol=GD_TOL) == 125
    assert closed_form_run(10.0, 1.1).run.diverged and closed_form_run(10.0, 1.1).steps is None
