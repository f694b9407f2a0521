"""Notebook 03 (gradient descent): claims C16–C20, and unit tests of
`lessons.gradient_descent.experiments`.

Claim tests call what the notebook and its figures call: `parabola_descent` (both parabola
figures), `batch_size_study` on `variants_data()` with `BATCH_SIZES` (the batch-size figure).
"""

import math
import warnings

import numpy as np
import pytest

from trainlib.lessons.gradient_descent import experiments as gs
from trainlib.minibatch import least_squares, minibatch_gd
from trainlib.surfaces import parabola

# =========================================================================================
# C16: the worked example, L(w) = (w − 3)², α = 0.1, from w₀ = 0
# =========================================================================================


def test_C16_worked_example_exact_values():
    path = gs.parabola_descent(0.1, 5)  # the notebook's table cell
    grads = parabola.grad(path.xs)
    # 0.1·6 is 0.6000000000000001 in float64 (0.1 is not a binary fraction), so the values
    # are one or two roundings from the decimals: 1e-12 is ~10⁴ ulp of slack, and any slip
    # in the rule (sign, factor 2, lr) moves a value by ≥ 0.1.
    np.testing.assert_allclose(path.xs[:3], [0.0, 0.6, 1.08], rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads[:2], [-6.0, -4.8], rtol=0, atol=1e-12)
    np.testing.assert_allclose(path.losses[:3], [9.0, 5.76, 3.6864], rtol=0, atol=1e-12)
    # Every step multiplies w − 3 by exactly 1 − 2α = 0.8 (up to rounding).
    np.testing.assert_allclose(path.xs - 3.0, -3.0 * 0.8 ** np.arange(6), rtol=1e-12)
    assert gs.parabola_factor(0.1) == pytest.approx(0.8, abs=1e-15)


def test_C16_converges_to_3():
    path = gs.parabola_descent(0.1, 200)
    assert not path.diverged and path.diverged_at is None
    assert abs(path.final - 3.0) < 1e-12  # 3·0.8²⁰⁰ ≈ 1e-19: only rounding is left
    assert np.all(np.diff(path.losses) <= 0)  # monotone, since 0 < α < 0.5


def test_C16_the_figure_shows_the_text_numbers():
    from trainlib.lessons.gradient_descent.figures import gd_worked_example

    live = gd_worked_example()  # defaults: α = 0.1, step 2
    text = live.readout.get_text()
    assert "w₂ = 1.08" in text and "L = 3.6864" in text
    assert "dL/dw = 2(w₂ − 3) = −3.84" in text
    assert "w₃ = 1.08 − 0.1·(−3.84) = 1.464" in text
    live.update(step=0)
    text = live.readout.get_text()
    assert "dL/dw = 2(w₀ − 3) = −6" in text and "w₁ = 0 − 0.1·(−6) = 0.6" in text
    live.update(step=1)
    assert "dL/dw = 2(w₁ − 3) = −4.8" in live.readout.get_text()
    # The prompt: predict w₁₀ from the factor 0.8, then read it off the box at k = 9.
    assert 3 - 3 * 0.8**10 == pytest.approx(2.678, abs=5e-4)
    live.update(step=9)
    assert "w₁₀ = 2.59735 − 0.1·(−0.805306) = 2.67788" in live.readout.get_text()
    live.close()


# =========================================================================================
# C17: the learning-rate regimes
# =========================================================================================


def test_C17_one_step_at_half():
    path = gs.parabola_descent(0.5, 40)
    assert path.xs[1] == 3.0  # 0 − 0.5·(−6) = 3 exactly: no rounding anywhere
    assert np.all(path.xs[1:] == 3.0) and np.all(path.losses[1:] == 0.0)  # gradient 0


def test_C17_diverges_above_one_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (or any other) may escape
        path = gs.parabola_descent(1.1, 40)
    assert path.diverged is True
    # |w − 3| = 3·1.2ᵗ, so L = 9·1.44ᵗ passes 10⁴ first at t = ⌈log(10⁴/9)/log 1.44⌉ = 20.
    assert path.diverged_at == math.ceil(math.log(gs.PARABOLA_MAX_LOSS / 9) / math.log(1.44))
    assert path.diverged_at == 20
    assert len(path.xs) == 20 and np.all(np.isfinite(path.xs))  # w₀ … w₁₉, all finite
    assert np.all(path.losses <= gs.PARABOLA_MAX_LOSS)
    err = np.abs(path.xs - 3.0)
    assert np.all(err[1:] > err[:-1])  # the error grows every step


def test_C17_oscillates_but_converges_at_0_9():
    path = gs.parabola_descent(0.9, 40)
    err = path.xs - 3.0
    assert np.all(np.sign(err[1:]) == -np.sign(err[:-1]))  # factor −0.8: overshoots each time
    assert np.all(np.abs(err[1:]) < np.abs(err[:-1]))  # ...by less each time
    assert not path.diverged and abs(err[-1]) < 1e-3  # 3·0.8⁴⁰ ≈ 4e-4


def test_C17_slow_at_0_05():
    path = gs.parabola_descent(0.05, 40)
    assert np.all(np.diff(path.xs) > 0) and np.all(path.xs < 3.0)  # never overshoots
    assert abs(path.final - 3.0) > 0.04  # 3·0.9⁴⁰ ≈ 0.044: still far after 40 steps
    # The notebook: "w₄₀ = 2.956 … on the right its loss is still 2·10⁻³, far above the others".
    assert round(path.final, 3) == 2.956 and round(path.losses[-1], 3) == 0.002
    for lr in (0.5, 0.9):
        assert gs.parabola_descent(lr, 40).losses[-1] < 1e-2 * path.losses[-1]


@pytest.mark.parametrize(
    ("lr", "name"),
    [
        (0.01, "monotone"),
        (0.05, "monotone"),
        (0.49, "monotone"),
        (0.5, "one step"),
        (0.51, "oscillating"),
        (0.9, "oscillating"),
        (1.0, "bouncing forever"),
        (1.01, "diverging"),
        (1.2, "diverging"),
    ],
)
def test_C17_regime_names(lr, name):
    assert gs.parabola_regime(lr) == name


def test_C17_bouncing_forever_at_one():
    path = gs.parabola_descent(1.0, 40)
    assert not path.diverged
    np.testing.assert_array_equal(path.xs, np.tile([0.0, 6.0], 21)[:41])  # 0 ↔ 6 exactly


def test_C17_the_figure_reports_divergence_as_text():
    from trainlib.lessons.gradient_descent.figures import gd_lr_regimes

    live = gd_lr_regimes(lr=1.1)
    assert live.status.get_visible() and live.status.get_text() == "diverged at step 20"
    assert "diverging" in live.readout.get_text()
    legend = [t.get_text() for t in live.fig.legends[0].get_texts()]
    assert "diverging (α = 1.1): diverged at step 20" in legend
    live.update(lr=0.9)
    assert not live.status.get_visible() and "oscillating" in live.readout.get_text()
    live.close()


def test_C17_divergence_at_1_2_takes_11_steps():
    # The notebook: "At α = 1.2 it takes 11 steps" — L = 9·1.96ᵗ passes 10⁴ at t = 11.
    assert gs.parabola_descent(1.2, 40).diverged_at == 11
    # "The smallest rate on the slider that diverges within 40 steps is α = 1.05 (at step 37);
    # at 1.04 the loss has reached only 4·10³ by step 40." The slider's step is 0.01.
    assert (
        gs.parabola_descent(1.05, 40).diverged_at == 37
        and not gs.parabola_descent(1.04, 40).diverged
    )
    assert round(gs.parabola_descent(1.04, 40).losses[-1], -3) == 4000
    on_slider = np.round(np.arange(0.01, 1.05, 0.01), 2)
    assert not any(gs.parabola_descent(lr, 40).diverged for lr in on_slider)


# =========================================================================================
# Beyond the text: steepest descent and the zig-zag of an ill-conditioned bowl
# =========================================================================================


def test_negative_gradient_is_the_steepest_small_step():
    from trainlib.surfaces import bowl

    surface, point = bowl(10.0), np.array([1.0, 1.0])
    angles = np.linspace(0.0, 2 * np.pi, 3600, endpoint=False)
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    best = directions[np.argmax(surface.f(point) - surface.f(point + 1e-3 * directions))]
    g = surface.df(point)
    np.testing.assert_allclose(g, [1.0, 10.0])
    cos = float(best @ (-g / np.linalg.norm(g)))
    assert cos > np.cos(np.radians(0.1))  # within the 0.1° grid spacing
    assert float(best @ (-point / np.linalg.norm(point))) < np.cos(np.radians(30))  # not at 0


def test_zigzag_flips_y_and_needs_steps_linear_in_kappa():
    path = gs.zigzag(10.0, 6)
    x, y = path.xs[:, 0], path.xs[:, 1]
    np.testing.assert_allclose(x, (9 / 11) ** np.arange(7), rtol=1e-12)
    np.testing.assert_allclose(y, (-9 / 11) ** np.arange(7), rtol=1e-12)  # flips every step
    steps = {k: gs.steps_to_tolerance(k) for k in (1.0, 10.0, 100.0, 1000.0)}
    assert steps == {1.0: 1, 10.0: 39, 100.0: 444, 1000.0: 5008}
    for k in (100.0, 1000.0):  # steps/κ ≈ ¼·ln(L₀/1e-6) (the prose: the columns agree)
        assert steps[k] / k == pytest.approx(np.log((1 + k) / 2 / 1e-6) / 4, abs=0.02)
    with pytest.raises(ValueError, match="kappa"):
        gs.zigzag(0.0, 3)


# =========================================================================================
# C18–C20: batch, stochastic and mini-batch GD on the figure's regression problem
# =========================================================================================


BATCH_SIZES_03 = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200)  # the slider's sizes, restated


@pytest.fixture(scope="module")
def study():
    from trainlib.lessons.gradient_descent.experiments import BATCH_SIZES, variants_data

    X, y = variants_data()
    return gs.batch_size_study(X, y, BATCH_SIZES)  # what gd_batch_size() draws


def _hessian_max(X):
    A = np.column_stack([np.ones(len(X)), X])
    return float(np.linalg.eigvalsh((2.0 / len(X)) * A.T @ A).max())


def test_C18_batch_gd_is_monotone_for_a_small_enough_lr(study):
    n = len(study.X)
    batch = study.runs[n]
    assert batch.updates_per_epoch == 1
    # On a quadratic, GD decreases the loss at every step iff α < 2/λ_max (here ≈ 0.39).
    assert study.lr < 2.0 / _hessian_max(study.X)
    assert np.all(np.diff(batch.losses[0]) < 0)  # strictly, every one of the 20 updates
    # The condition matters: above 2/λ_max the same loop makes the loss rise.
    too_big = gs.minibatch_runs(
        study.X, study.y, np.zeros(2), batch_size=n, epochs=20,
        lr=1.05 * 2.0 / _hessian_max(study.X), rngs=[np.random.default_rng(0)],
    )  # fmt: skip
    assert np.any(np.diff(too_big.losses[0]) > 0)


def test_C19_sgd_is_noisier_than_batch_gd(study):
    n = len(study.X)
    # The noise statistic of the figure: started at θ*, batch GD does not move at all.
    assert study.noise[n] < 1e-12 < 1e-3 < study.noise[1]
    # The curves a student sees (from θ = 0). Their raw change variance mixes noise with the
    # descent itself (batch GD still falls by 0.13 → 0.017 per update in epochs 10–20), which
    # is why the figure measures noise at θ*; what the curves show plainly: over the last 10
    # epochs SGD's loss goes *up* at a large share of its updates, batch GD's never does.
    sgd, batch = study.runs[1].losses[0], study.runs[n].losses[0]
    sgd_changes = np.diff(sgd[10 * n :])
    batch_changes = np.diff(batch[10:])
    assert np.mean(sgd_changes > 0) > 0.3 and np.all(batch_changes < 0)


def test_C19_sgd_does_not_settle_at_the_minimum(study):
    # Started exactly at θ*, SGD walks away from it; batch GD stays put.
    kw = dict(epochs=3, lr=study.lr, rngs=[np.random.default_rng(0)])
    sgd = gs.minibatch_runs(study.X, study.y, study.best_theta, batch_size=1, **kw)
    batch = gs.minibatch_runs(study.X, study.y, study.best_theta, batch_size=len(study.X), **kw)
    assert sgd.losses.max() - study.best_loss > 1e-3
    assert np.abs(batch.losses - study.best_loss).max() < 1e-12  # rounding only


def test_C20_noise_falls_as_the_batch_grows(study):
    sizes = sorted(study.noise)
    for noise in (study.noise, study.grad_noise):
        values = np.array([noise[B] for B in sizes])
        assert np.all(np.diff(values) < 0), dict(zip(sizes, values, strict=True))
        assert noise[len(study.X)] < 1e-12  # B = n: the full gradient, no noise at all


def _simulated_batch_gradients(study, B, draws, seed):
    """Mini-batch gradients at θ* of `draws` batches of B distinct examples."""
    rng = np.random.default_rng(seed)
    batches = [rng.choice(len(study.X), size=B, replace=False) for _ in range(draws)]
    return np.array([least_squares(study.best_theta, study.X[b], study.y[b])[1] for b in batches])


def test_C20_gradient_noise_falls_like_one_over_sqrt_B(study):
    n = len(study.X)
    # Exactly σ₁/√B times the finite-population factor √((n − B)/(n − 1)): ∝ 1/√B, not 1/B.
    for B in BATCH_SIZES_03:
        expected = study.grad_noise[1] * np.sqrt((n - B) / (B * (n - 1)))
        assert study.grad_noise[B] == pytest.approx(expected, rel=1e-12)
    assert 3.0 < study.grad_noise[1] / study.grad_noise[10] < 3.5  # √10 · √(199/190) ≈ 3.24
    # The prose: σ_B·√B stays near 1.76 for small B (1.745 at B = 5).
    assert round(study.grad_noise[1], 2) == 1.76
    assert round(study.grad_noise[5] * np.sqrt(5), 3) == 1.745
    # The formula is the real thing: simulated batch gradients at θ* (∇L(θ*) = 0) have that
    # RMS size. 3000 draws estimate E‖g_B‖² to ~4% (the squared norm's CV is ≤ 2 here), so
    # σ_B to ~2%: 6% is three standard errors.
    for B in (1, 5, 10, 50):
        grads = _simulated_batch_gradients(study, B, 3000, seed=B)
        rms = np.sqrt(np.mean(np.sum(grads**2, axis=1)))
        assert rms == pytest.approx(study.grad_noise[B], rel=0.06), B
        if B == 1:  # the numbers are the intercept entry alone: 0.97–0.98 at B = 1
            assert np.std(grads[:, 0]) == pytest.approx(0.98, abs=0.03)
    # ...and the intercept entry's exact std for B = 1/5/10/20/50: the 0.97/0.44/0.31/
    # 0.21/0.12, recomputed exactly (0.31 was a sampling estimate of 0.304).
    G = gs.per_example_gradients(study.X, study.y, study.best_theta)
    intercept = [np.std(G[:, 0]) * np.sqrt((n - B) / (B * (n - 1))) for B in (1, 5, 10, 20, 50)]
    np.testing.assert_allclose(intercept, [0.98, 0.44, 0.30, 0.21, 0.12], atol=0.006)


def test_C20_loss_noise_at_the_minimum_is_quadratic_in_gradient_noise(study):
    n, lr = len(study.X), study.lr
    # One step from θ*: ΔL = ½α²·gᵀHg exactly, mean ½α²·tr(H·Cov g_B) ∝ σ_B² ∝ 1/B.
    first = {B: gs.first_step_loss_change(study.X, study.y, B, lr) for B in (1, 10, 50, n)}
    for B in (10, 50):
        assert first[1] / first[B] == pytest.approx(B * (n - 1) / (n - B), rel=1e-12)
    assert first[n] == 0.0
    # The formula against the real first step (the notebook's simulation; ΔL's CV is ≈ 2 at
    # B = 1, so 4000 draws give ~3%: 10% is three standard errors).
    for B in (1, 10, 50):
        grads = _simulated_batch_gradients(study, B, 4000, seed=100 + B)
        changes = [least_squares(study.best_theta - lr * g, study.X, study.y)[0] for g in grads]
        assert np.mean(changes) - study.best_loss == pytest.approx(first[B], rel=0.1), B
    # The table's statistic (runs that wander for noise_epochs = 3): B·std falls, it is not
    # ∝ 1/B — 0.0502 at B = 1, 0.0347 at 10, 0.0124 at 100 (the prose).
    assert round(study.noise[1], 4) == 0.0502 and round(study.noise[10], 5) == 0.00347
    assert round(10 * study.noise[10], 4) == 0.0347 and round(100 * study.noise[100], 4) == 0.0124
    assert study.noise[1] / study.noise[10] > 10  # "over tenfold"; 1/√B would give ≈ 3.2
    assert 14 < study.grad_noise[1] / study.grad_noise[100] < 14.2
    # The epoch count plays no part: with 30 epochs the column still falls, 0.0506 → 0.0119.
    longer = gs.batch_size_study(study.X, study.y, (1, 100), noise_epochs=30, noise_repeats=16)
    assert round(longer.noise[1], 4) == 0.0506 and round(100 * longer.noise[100], 4) == 0.0119


def test_C20_loss_noise_std_deviates_from_one_over_B_by_fpc_and_heavy_tails(study):
    """The notebook's first-step simulation (rng 1, 20,000 draws per B, in the order 1, 10, 100).

    The mean is ½α²·tr(HΣ)·fpc/B exactly; B·std/fpc is 0.0325 at B = 1 (the population value,
    no sampling at B = 1 beyond the draws) and ≈ 0.020 from B = 10 on, near the Gaussian limit
    ½α²·√(2·tr((HΣ)²)) = 0.0198. With 20,000 draws the std's sampling error is a few per cent.
    """
    n, lr = len(study.X), study.lr
    rng = np.random.default_rng(1)
    spread = {}
    for B in (1, 10, 100):
        changes = gs.first_step_loss_changes(study.X, study.y, B, lr, 20_000, rng)
        first = gs.first_step_loss_change(study.X, study.y, B, lr)
        assert changes.mean() == pytest.approx(first, rel=0.03), B  # ≈ 1.4% standard error
        spread[B] = B * changes.std() / ((n - B) / (n - 1))
    assert round(spread[1], 4) == 0.0325
    assert round(spread[10], 4) == 0.0213 and round(spread[100], 4) == 0.0195
    assert spread[1] > 1.5 * spread[10]  # the kurtosis excess dominates at B = 1
    assert spread[10] == pytest.approx(spread[100], rel=0.1)  # flat once fpc is divided out
    G = gs.per_example_gradients(study.X, study.y, study.best_theta)
    A = np.column_stack([np.ones(n), study.X])
    HS = (2 / n * A.T @ A) @ np.cov(G.T, bias=True)
    gaussian = 0.5 * lr**2 * np.sqrt(2 * np.trace(HS @ HS))
    assert round(gaussian, 4) == 0.0198
    # The table's loss noise falls faster than the first-step spread: ≈ 2.4× per doubling of B
    # from 5 to 30 (0.00764 → 0.000827).
    assert round(study.noise[5], 5) == 0.00764 and round(study.noise[30], 6) == 0.000827
    per_doubling = (study.noise[5] / study.noise[30]) ** (1 / np.log2(30 / 5))
    assert round(per_doubling, 1) == 2.4
    # "…because of the fpc (1.15×), the heavy tails (about 1.14×) and the runs' wandering (the
    # remaining ≈ 1.2×)": 9.24 = 6 · fpc · tails · wandering. A separate rng and 120,000 draws
    # per size (at B = 5 one batch of 20,000 draws varies by ~1.5 %; 600,000 draws give 1.141).
    fpc = {B: (n - B) / (n - 1) for B in (5, 30)}
    tails = {}
    rng = np.random.default_rng(11)
    for B in (5, 30):
        draws = [gs.first_step_loss_changes(study.X, study.y, B, lr, 20_000, rng) for _ in range(6)]
        tails[B] = B * np.concatenate(draws).std() / fpc[B]
    assert round(fpc[5] / fpc[30], 2) == 1.15
    assert tails[5] / tails[30] == pytest.approx(1.14, abs=0.015)
    wandering = study.noise[5] / study.noise[30] / 6 / (fpc[5] / fpc[30]) / (tails[5] / tails[30])
    assert round(wandering, 1) == 1.2
    assert spread[100] == pytest.approx(gaussian, rel=0.05)
    # The population value at B = 1 is exact: std over all n single examples.
    one = [least_squares(study.best_theta - lr * g, study.X, study.y)[0] for g in G]
    assert np.std(one) == pytest.approx(spread[1], rel=0.03)


def test_first_step_loss_changes_is_the_direct_loss_after_one_step(study):
    rng = np.random.default_rng(5)
    changes = gs.first_step_loss_changes(study.X, study.y, 7, 0.05, 3, rng)
    rng = np.random.default_rng(5)
    batches = rng.permuted(np.tile(np.arange(len(study.X)), (3, 1)), axis=1)[:, :7]
    for change, b in zip(changes, batches, strict=True):
        g = least_squares(study.best_theta, study.X[b], study.y[b])[1]
        after = least_squares(study.best_theta - 0.05 * g, study.X, study.y)[0]
        assert change == pytest.approx(after - study.best_loss, rel=1e-10, abs=1e-15)
    with pytest.raises(ValueError, match="draws"):
        gs.first_step_loss_changes(study.X, study.y, 7, 0.05, 0, rng)


def test_C20_prediction_prompt_two_to_five(study):
    """The answers to the B = 2 → 5 prompt and the B = 20 → 50 remark, as the notebook states."""
    g, d = study.grad_noise, study.noise
    assert round(g[2], 2) == 1.24 and round(g[5], 2) == 0.78
    assert round(g[2] / g[5], 2) == 1.59 and round(np.sqrt(2.5), 2) == 1.58
    assert round(d[2], 4) == 0.0224 and round(d[5], 5) == 0.00764 and round(d[2] / d[5], 1) == 2.9
    # "Over the last epoch … hover": the mean of the per-update losses of the last epoch falls
    # with B, while single endpoints are noisy (B = 3 ends above B = 2).
    hover = {B: study.runs[B].losses[0, -study.runs[B].updates_per_epoch :].mean()
             for B in (1, 2, 3, 5, 10)}  # fmt: skip
    assert round(hover[5], 3) == 0.249 and round(hover[2], 3) == 0.271
    assert round(hover[3], 3) == 0.254
    assert hover[1] > hover[2] > hover[3] > hover[5] > hover[10]
    end = {B: study.runs[B].epoch_losses[0, -1] for B in (2, 3)}
    assert round(end[3], 3) == 0.300 and round(end[2], 3) == 0.258
    assert round(g[20] / g[50], 2) == 1.73 and round(np.sqrt(180 / 150), 2) == 1.10


def test_C20_learning_rate_scales_with_the_batch_size(study):
    """The notebook's table: α = 0.05 for every B against α = 0.005·B (linear scaling)."""

    def first_epochs(B, lr):
        run = minibatch_gd(least_squares, np.zeros(2), study.X, study.y, batch_size=B,
                           epochs=5, lr=lr, rng=np.random.default_rng((0, B)))  # fmt: skip
        return run.epoch_losses

    scaled = {B: first_epochs(B, 0.005 * B) for B in (1, 5, 10, 20, 50, 100)}
    shared = {B: first_epochs(B, 0.05) for B in (10, 50, 100)}
    assert all(0.265 < scaled[B][1] < 0.38 for B in (1, 5, 10, 20, 50))  # "between 0.27, 0.38"
    assert round(shared[50][1], 1) == 3.7 and round(shared[100][1], 2) == 8.09
    assert round(shared[10][1], 2) == 0.31
    # B = 100 asks for α = 0.5 > 2/λ_max ≈ 0.388: the loss grows every epoch.
    assert 0.5 > 2.0 / _hessian_max(study.X) and np.all(np.diff(scaled[100]) > 0)
    assert round(2.0 / _hessian_max(study.X), 3) == 0.388


def test_C20_a_tiny_last_batch_is_noisy(study):
    # The notebook's aside: B = 64 leaves a last batch of 8, which makes B = 64 noisier than
    # B = 30 (last batch 20); this is why the slider offers no 64.
    odd = gs.batch_size_study(study.X, study.y, [64])
    assert odd.runs[64].updates_per_epoch == 4 and 200 - 3 * 64 == 8
    assert odd.noise[64] > study.noise[30]


def test_C20_updates_per_epoch_is_the_ceiling(study):
    n = len(study.X)
    for B, run in study.runs.items():
        assert run.updates_per_epoch == math.ceil(n / B) == gs.updates_per_epoch(n, B)
        assert run.losses.shape == (1, study.epochs * math.ceil(n / B) + 1)
    assert study.runs[30].updates_per_epoch == 7  # 200/30 = 6.67: the last batch has 20


def test_C18_C20_the_figure_shows_the_study():
    from trainlib.lessons.gradient_descent.figures import gd_batch_size

    live = gd_batch_size(batch_size=30)
    assert "⌈200/30⌉ = 7 updates per epoch" in live.readout.get_text()
    assert f"σ_B = {live.study.grad_noise[30]:.3g}" in live.readout.get_text()
    mine = live.mine["update"].get_ydata()
    np.testing.assert_array_equal(mine, live.study.runs[30].losses[0, 1:])
    # Every panel has a legend; the noise panel has both noises and their reference slopes.
    assert all(ax.get_legend() is not None for ax in live.fig.axes)
    noise_ax = live.fig.axes[2]
    labels = [t.get_text() for t in noise_ax.get_legend().get_texts()]
    assert "1.76/√B" in labels and "0.0502/B" in labels
    assert live.mine["grad"].get_ydata()[0] == live.study.grad_noise[30]
    live.close()


def test_minibatch_runs_is_trainlib_minibatch_gd_vectorised(study):
    # Same generator, same arithmetic: the vectorised runs are minibatch_gd's runs.
    for B in (1, 7, 30, 200):
        runs = gs.minibatch_runs(study.X, study.y, np.zeros(2), batch_size=B, epochs=3,
                                 lr=0.05, rngs=[np.random.default_rng(11)])  # fmt: skip
        ref = minibatch_gd(least_squares, np.zeros(2), study.X, study.y, batch_size=B,
                           epochs=3, lr=0.05, rng=np.random.default_rng(11))  # fmt: skip
        # einsum and matmul may sum in another order: a few ulp on losses of size ~1–10.
        np.testing.assert_allclose(runs.losses[0], ref.update_losses, rtol=1e-12, atol=0)
        np.testing.assert_allclose(runs.epoch_losses[0], ref.epoch_losses, rtol=1e-12, atol=0)
        np.testing.assert_allclose(runs.thetas[-1, 0], ref.theta, rtol=1e-12, atol=1e-15)
        assert runs.updates_per_epoch == ref.updates_per_epoch


# =========================================================================================
# Unit tests of trainlib.lessons.gradient_descent.experiments
# =========================================================================================


def test_batch_bounds():
    np.testing.assert_array_equal(gs.batch_bounds(10, 4), [[0, 4], [4, 8], [8, 10]])
    np.testing.assert_array_equal(gs.batch_bounds(8, 4), [[0, 4], [4, 8]])
    np.testing.assert_array_equal(gs.batch_bounds(3, 5), [[0, 3]])
    for n, B in [(1, 1), (200, 30), (199, 200), (17, 3)]:
        b = gs.batch_bounds(n, B)
        assert len(b) == math.ceil(n / B)
        assert b[0, 0] == 0 and b[-1, 1] == n and np.all(b[1:, 0] == b[:-1, 1])  # a partition
    with pytest.raises(ValueError, match="batch_size"):
        gs.batch_bounds(10, 0)
    with pytest.raises(ValueError, match="n: expected"):
        gs.batch_bounds(0, 1)


def test_epochs_seen_counts_examples():
    X = np.arange(10.0)[:, None]
    runs = gs.minibatch_runs(X, X[:, 0], np.zeros(2), batch_size=4, epochs=2, lr=0.01,
                             rngs=[np.random.default_rng(0)])  # fmt: skip
    np.testing.assert_allclose(runs.epochs_seen, [0, 0.4, 0.8, 1.0, 1.4, 1.8, 2.0])
    assert runs.epoch_losses.shape == (1, 3)


def test_minibatch_runs_vectorises_over_repeats():
    X = np.random.default_rng(0).uniform(-3, 3, (20, 2))
    y = X @ [1.0, -2.0] + 0.5
    runs = gs.minibatch_runs(X, y, np.zeros(3), batch_size=3, epochs=2, lr=0.02,
                             rngs=np.random.default_rng(1).spawn(4))  # fmt: skip
    for r, g in enumerate(np.random.default_rng(1).spawn(4)):
        solo = gs.minibatch_runs(X, y, np.zeros(3), batch_size=3, epochs=2, lr=0.02, rngs=[g])
        np.testing.assert_allclose(runs.losses[r], solo.losses[0], rtol=1e-13)
    assert not runs.diverged.any()


def test_minibatch_runs_divergence_is_a_result():
    X = np.linspace(-3, 3, 20)[:, None]
    runs = gs.minibatch_runs(
        X, X[:, 0], np.zeros(2), batch_size=20, epochs=2000, lr=5.0, rngs=[np.random.default_rng(0)]
    )  # fmt: skip (pytest: no warning)
    assert runs.diverged[0] and np.isinf(runs.losses[0, -1])


def test_minibatch_runs_rejects_bad_input():
    X, y = np.zeros((5, 1)), np.zeros(5)
    rngs = [np.random.default_rng(0)]
    with pytest.raises(ValueError, match="batch_size"):
        gs.minibatch_runs(X, y, np.zeros(2), batch_size=6, epochs=1, lr=0.1, rngs=rngs)
    with pytest.raises(ValueError, match="theta0"):
        gs.minibatch_runs(X, y, np.zeros(3), batch_size=1, epochs=1, lr=0.1, rngs=rngs)
    with pytest.raises(ValueError, match="y: expected shape"):
        gs.minibatch_runs(X, np.zeros(4), np.zeros(2), batch_size=1, epochs=1, lr=0.1, rngs=rngs)
    with pytest.raises(ValueError, match="rngs"):
        gs.minibatch_runs(X, y, np.zeros(2), batch_size=1, epochs=1, lr=0.1, rngs=[])
    with pytest.raises(ValueError, match="lr"):
        gs.minibatch_runs(X, y, np.zeros(2), batch_size=1, epochs=1, lr=-1.0, rngs=rngs)


def test_update_noise():
    assert gs.update_noise(np.array([3.0, 2.0, 1.0, 0.0])) == 0.0  # constant changes: no noise
    # Changes +1, −1, +1, −1: variance 1 → noise 1; two such runs average to 1 as well.
    zigzag = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    assert gs.update_noise(zigzag) == pytest.approx(1.0)
    assert gs.update_noise(np.stack([zigzag, 2 * zigzag])) == pytest.approx(np.sqrt(2.5))
    with pytest.raises(ValueError, match="losses"):
        gs.update_noise(np.array([1.0, 2.0]))


def test_best_fit_is_least_squares():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 2))
    y = X @ [0.5, -1.0] + 2.0 + 0.1 * rng.standard_normal(30)
    theta, loss = gs.best_fit(X, y)
    assert np.linalg.norm(least_squares(theta, X, y)[1]) < 1e-12  # gradient 0 at θ*
    assert loss == pytest.approx(least_squares(theta, X, y)[0])


def test_batch_size_study_runs_do_not_depend_on_the_other_sizes(study):
    alone = gs.batch_size_study(study.X, study.y, [30])
    np.testing.assert_array_equal(alone.runs[30].losses, study.runs[30].losses)
    assert alone.noise[30] == study.noise[30]


def test_seconds_per_epoch_is_a_positive_time(study):
    assert 0 < gs.seconds_per_epoch(study.X, study.y, 50) < 1.0


def test_parabola_helpers_reject_bad_rates():
    with pytest.raises(ValueError, match="lr"):
        gs.parabola_descent(0.0, 5)
    with pytest.raises(ValueError, match="lr"):
        gs.parabola_regime(-0.1)


# =========================================================================================
# The exercises' references agree with the library
# =========================================================================================


def test_exercise_references_match_trainlib():
    from trainlib.exercises import EXERCISES

    after = EXERCISES["my_parabola_step"].reference  # w_t in closed form
    for lr in (0.1, 0.9, 1.1):
        path = gs.parabola_descent(lr, 15)
        ts = range(len(path.xs))
        np.testing.assert_allclose([after(0.0, lr, t, 2.0, 3.0) for t in ts], path.xs, rtol=1e-12)

    bounds = EXERCISES["my_batch_bounds"].reference
    for n, B in [(10, 4), (200, 30), (7, 7)]:
        np.testing.assert_array_equal(bounds(n, B), gs.batch_bounds(n, B))

    slope = EXERCISES["my_slope_gradient"].reference
    x = np.array([-1.0, 0.5, 2.0, 3.0])
    y = np.array([1.0, 0.0, -2.0, 4.0])
    expected = least_squares(np.array([0.3, -0.7]), x[:, None], y)[1][1]  # [b, w] layout
    assert slope(-0.7, 0.3, x, y) == pytest.approx(expected, rel=1e-14)
    # The notebook's buggy version is off by −B (sign and sum): −20× on 20 examples.
    X, Y = gs.variants_data()
    buggy = EXERCISES["my_slope_gradient"].mistakes[0].example
    true = least_squares(np.array([0.0, 0.5]), X[:20], Y[:20])[1][1]
    assert buggy(0.5, 0.0, X[:20, 0], Y[:20]) == pytest.approx(-20 * true, rel=1e-12)


def test_parabola_step_checker_names_the_likely_mistakes():
    """Mistakes that `test_exercises` does not feed: the power t − 1 (also on the case
    α·a = 1, t = 1, where 0⁰ = 1), and the two hints' formulas written as a student would."""
    from trainlib.lessons.gradient_descent.exercises import my_parabola_step_exercise as ex

    def minus_one(w0, lr, t, a, c):
        return c + (w0 - c) * (1 - lr * a) ** (t - 1)

    def sign_lost(w0, lr, t, a, c):
        return c + (w0 - c) * abs(1 - lr * a) ** t

    def not_compounded(w0, lr, t, a, c):
        return c + (w0 - c) * (1 - t * lr * a)

    for student, hint in [
        (minus_one, "one step off"),
        (sign_lost, "keep the sign"),
        (not_compounded, "compounds"),
    ]:
        result = ex.check(student, quiet=True)
        assert not result and hint in result.message, (student.__name__, result.message)


def test_predict_and_tune_exercises_state_true_numbers():
    from trainlib.exercises import EXERCISES

    # 5w²: L'' = 10, so the largest stable rate is 2/10 (the bisection finds it to ~1e-12).
    assert EXERCISES["predict_largest_stable_lr"].reference() == pytest.approx(0.2, abs=1e-9)
    for lr, converges in [(0.199, True), (0.201, False)]:
        w = (1 - 10 * lr) ** 1000
        assert (abs(w) < 1) is converges
    # The tune exercise's 0.05 hint: "still 0.07 above the floor after 20 epochs".
    tune = EXERCISES["tune_batch_lr"]
    X, y = gs.variants_data()
    run = minibatch_gd(least_squares, np.zeros(2), X, y, batch_size=200, epochs=20, lr=0.05,
                       rng=np.random.default_rng(0))  # fmt: skip
    assert round(run.epoch_losses[-1] - gs.best_fit(X, y)[1], 2) == 0.07
    # The goal is reachable by a range of rates (a tune task, not a single magic number) and
    # missed on both sides of it, with the reason.
    for lr in (0.17, 0.2, 0.25, 0.3, 0.32):
        assert tune.goal(lr) is None, lr
    assert "gentle direction" in tune.goal(0.15)
    assert "steep direction" in tune.goal(0.33)
    # 0.36 is not the edge: it gets the goal's reason, not the edge-of-stability hint.
    result = tune.check(lambda: 0.36, quiet=True)
    assert not result and "steep direction" in result.message and "edge" not in result.message
    assert "diverges" in tune.goal(0.4)


def test_C20_per_update_big_batches_win_on_average(study):
    """Cell "Things to notice": after 10 updates SGD averages ≈ 1.3 over 1000 shuffles, batch GD
    0.86; the B = 5 run shown is ahead of batch GD after 20 updates (0.290 vs 0.313)."""
    X, y = study.X, study.y
    rngs = np.random.default_rng(7).spawn(1000)
    sgd = gs.minibatch_runs(X, y, np.zeros(2), batch_size=1, epochs=1, lr=0.05, rngs=rngs)
    mean10 = sgd.losses[:, 10].mean()
    assert round(mean10, 1) == 1.3 and sgd.losses[:, 10].std() / np.sqrt(1000) < 0.05
    batch = study.runs[200].losses[0]
    assert round(batch[10], 2) == 0.86 and round(batch[20], 3) == 0.313
    assert round(study.runs[5].losses[0, 20], 3) == 0.290 < batch[20]
    assert mean10 > batch[10]
    # "Batches of 20 already do as well per update as the full 200 (0.85 on average)".
    twenty = gs.minibatch_runs(X, y, np.zeros(2), batch_size=20, epochs=1, lr=0.05, rngs=rngs)
    mean20 = twenty.losses[:, 10].mean()
    assert round(mean20, 2) == 0.85 and mean20 <= batch[10]


def test_C20_table_noise_exceeds_the_first_step_spread_by_a_factor_that_depends_on_B(study):
    """The table's B·std(ΔL) is ≈ 1.5×, 1.7× and 1.3× the first-step simulation's at B = 1, 10,
    100 (the printed column: 1.55, 1.70, 1.27), not one constant; over four shuffle seeds the
    B = 100 ratio ranges 1.2–1.4 and the table's loss noise moves by < 6 % for B ≤ 10 and by
    up to 17 % at B = 100.

    At B = 100 the table's B·std is close to the first step's root mean square,
    B·√(std² + mean²) = 0.0127 (against 0.0124), because the second step of an epoch takes the
    first back; at B = 1 and 10 that formula gives only 0.036 and 0.026."""
    rng = np.random.default_rng(1)
    spread = {B: gs.first_step_loss_changes(study.X, study.y, B, 0.05, 20_000, rng).std()
              for B in (1, 10, 100)}  # fmt: skip
    ratio = {B: study.noise[B] / spread[B] for B in spread}
    assert [round(ratio[B], 2) for B in (1, 10, 100)] == [1.55, 1.70, 1.27]
    assert round(ratio[1], 1) == 1.5 and round(ratio[10], 1) == 1.7 and round(ratio[100], 1) == 1.3
    mean = {B: gs.first_step_loss_change(study.X, study.y, B, 0.05) for B in spread}
    rms = {B: B * np.hypot(spread[B], mean[B]) for B in spread}  # B·√(std² + mean²)
    assert round(np.hypot(0.00982, 0.00813), 4) == 0.0127  # from the printed values
    assert rms[100] == pytest.approx(0.0127, abs=1e-4)
    assert round(rms[1], 3) == 0.036 and round(rms[10], 3) == 0.026
    assert 100 * study.noise[100] == pytest.approx(rms[100], rel=0.1)
    assert round(100 * gs.first_step_loss_change(study.X, study.y, 100, 0.05), 5) == 0.00813
    rngs = np.random.default_rng((0, 100, 1)).spawn(128)  # the table's runs at B = 100
    at_best = gs.minibatch_runs(study.X, study.y, study.best_theta, batch_size=100, epochs=3,
                                lr=0.05, rngs=rngs)  # fmt: skip
    changes = np.diff(at_best.losses, axis=1)
    assert np.corrcoef(changes[:, 0], changes[:, 1])[0, 1] < -0.99  # the second step undoes it
    # Sampling noise of the table itself (128 runs per size): four shuffle seeds.
    sizes = (1, 2, 3, 5, 10, 100)
    seeds = [gs.batch_size_study(study.X, study.y, sizes, epochs=1, seed=s) for s in range(4)]
    for B in sizes:
        values = np.array([st.noise[B] for st in seeds])
        spread_over_seeds = values.max() / values.min()
        assert spread_over_seeds < (1.18 if B == 100 else 1.06), (B, values)
        if B == 100:  # "by up to 17 %"
            assert round(spread_over_seeds - 1, 2) == 0.17
        if B in spread:
            r = values / spread[B]
            low, high = {1: (1.5, 1.6), 10: (1.65, 1.75), 100: (1.15, 1.45)}[B]
            assert low < r.min() and r.max() < high, (B, r)


def _independent_batch_noise(study, B, runs, updates, seed):
    """update_noise of runs from θ* that draw a fresh random batch at every step (a control)."""
    X, y, lr = study.X, study.y, study.lr
    n = len(X)
    A = np.column_stack([np.ones(n), X])
    rng = np.random.default_rng(seed)
    theta = np.tile(study.best_theta, (runs, 1))
    losses = [np.mean((theta @ A.T - y) ** 2, axis=1)]
    for _ in range(updates):
        idx = rng.permuted(np.tile(np.arange(n), (runs, 1)), axis=1)[:, :B]
        residual = np.einsum("rbk,rk->rb", A[idx], theta) - y[idx]
        theta = theta - lr * 2 * np.einsum("rb,rbk->rk", residual, A[idx]) / B
        losses.append(np.mean((theta @ A.T - y) ** 2, axis=1))
    return gs.update_noise(np.array(losses).T)


def test_C20_disjoint_batches_of_a_shuffled_epoch_wander_less(study):
    """The control of the notebook: fresh random batches at every step give ≈ 1.15× the loss
    noise of shuffled epochs at B = 10 and ≈ 1.3× at B = 100 (128 runs, 3 epochs' worth of
    updates, four seeds pooled)."""
    seeds = range(4)
    shuffled = {B: np.mean([gs.batch_size_study(study.X, study.y, [B], epochs=1, seed=s).noise[B]
                            for s in seeds]) for B in (10, 100)}  # fmt: skip
    fresh = {B: np.mean([_independent_batch_noise(study, B, 128, 3 * 200 // B, s) for s in seeds])
             for B in (10, 100)}  # fmt: skip
    assert round(fresh[10] / shuffled[10], 2) == pytest.approx(1.15, abs=0.03)
    assert round(fresh[100] / shuffled[100], 1) == 1.3


def test_C20_linear_scaling_tested_by_the_scaled_column_for_small_B(study):
    """For B ≤ 5 the shared α reaches its noise band within one epoch (no test); the α ∝ B runs
    are still descending (0.375, 0.318, 0.313 → ≈ 0.245 after two epochs) and agree; from
    B = 20 the shared α falls behind (0.856, 3.7 against 0.300, 0.268)."""

    def epochs(B, lr):
        run = minibatch_gd(least_squares, np.zeros(2), study.X, study.y, batch_size=B,
                           epochs=5, lr=lr, rng=np.random.default_rng((0, B)))  # fmt: skip
        return run

    scaled = {B: epochs(B, 0.005 * B).epoch_losses for B in (1, 5, 10, 20, 50)}
    shared = {B: epochs(B, 0.05) for B in (1, 5, 20, 50)}
    for B in (1, 5, 10):  # still descending after one epoch, ≈ 0.245 after two
        assert scaled[B][1] - scaled[B][2] > 0.05 and abs(scaled[B][2] - 0.245) < 0.002, B
    assert [round(scaled[B][1], 3) for B in (1, 5, 10)] == [0.375, 0.318, 0.313]
    first = [v[1] for v in scaled.values()]  # "between 0.27 and 0.38" for B = 1 … 50
    assert round(min(first), 2) == 0.27 and max(first) < 0.38
    five = shared[5].epoch_losses
    assert round(five[1], 3) == 0.244 and round(five[-1], 3) == 0.263 and five[1] < five[-1]
    one = shared[1]
    after = np.asarray(one.update_losses)[one.updates_per_epoch :]
    assert round(one.epoch_losses[1], 3) == 0.350
    assert round(np.percentile(after, 10), 2) == 0.25 and round(np.percentile(after, 90), 2) == 0.36
    assert one.epoch_losses[1] < np.percentile(after, 90)  # already inside its band
    assert round(shared[20].epoch_losses[1], 3) == 0.856
    assert round(shared[50].epoch_losses[1], 1) == 3.7
    assert round(scaled[20][1], 3) == 0.300 and round(scaled[50][1], 3) == 0.268
    # The trend 0.375 → 0.268 is the rule's approximation wearing thin: in the gentle direction
    # one epoch of N/B exact steps shrinks the error by (1 − α·λ_min)^(N/B) — 0.135 at B = 1,
    # 0.063 at B = 50 (α·λ_min ≈ 0.5) — and noise-free steps from θ = 0 show the same trend.
    X, y, n = study.X, study.y, len(study.X)
    A = np.column_stack([np.ones(n), X])
    H = 2.0 / n * A.T @ A
    lam_min = np.linalg.eigvalsh(H).min()
    shrink = {B: (1 - 0.005 * B * lam_min) ** (n // B) for B in (1, 50)}
    assert round(shrink[1], 3) == 0.135 and round(shrink[50], 3) == 0.063
    assert round(0.25 * lam_min, 1) == 0.5
    # Prose: beyond kαλ = 1 the large step overshoots; the steep direction at B = 50 has
    # kαλ_max = 1.29, where one step of 0.25 (|1 − 0.25λ| = 0.289) shrinks less than 50 steps
    # of 0.005 (0.271); the gentle direction (0.5) is the other way round.
    lam_max = np.linalg.eigvalsh(H).max()
    assert round(0.25 * lam_max, 2) == 1.29
    assert round(abs(1 - 0.25 * lam_max), 3) == 0.289
    assert round((1 - 0.005 * lam_max) ** 50, 3) == 0.271
    assert 1 - 0.25 * lam_min < (1 - 0.005 * lam_min) ** 50
    excess = {}
    for B in (1, 5, 10, 20, 50):
        theta = np.zeros(2)
        for _ in range(n // B):
            theta = theta - 0.005 * B * H @ (theta - study.best_theta)
        excess[B] = np.mean((A @ theta - y) ** 2) - study.best_loss
    noise_free = [excess[B] for B in (1, 5, 10, 20, 50)]
    assert np.all(np.diff(noise_free) < 0) and noise_free[0] / noise_free[-1] > 4
    assert np.all(np.diff(first) < 0)  # the noisy runs: the same steady fall


def test_prose_numbers_of_the_zigzag_tune_and_timing_remarks(study):
    """39 → 5008 steps (κ 10 → 1000, ratio ≈ 128); 0.3127 − 0.2423 ≈ 0.07."""
    ratio = gs.steps_to_tolerance(1000.0) / gs.steps_to_tolerance(10.0)
    assert 100 < ratio < 130
    assert round(study.runs[200].epoch_losses[0, -1], 4) == 0.3127
    assert round(study.best_loss, 4) == 0.2423


def test_predict_largest_stable_lr_accepts_only_the_edge_and_below():
    from trainlib.exercises import EXERCISES

    ex = EXERCISES["predict_largest_stable_lr"]
    for answer in (0.19, 0.195, 0.2):
        assert ex.check(lambda a=answer: a, quiet=True), answer
    for answer in (0.2001, 0.205, 0.21):  # |1 − 10α| > 1: diverges
        result = ex.check(lambda a=answer: a, quiet=True)
        assert not result and "just past the edge" in result.message, answer
    for answer in (0.18, 0.22):
        assert not ex.check(lambda a=answer: a, quiet=True), answer
