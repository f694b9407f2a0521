"""Notebook 08 (learning-rate schedules): claims C38–C39 and lessons.lr_schedules.experiments.

The claims are tested on the notebook's problem and seeds, through the functions the
notebook and its figures call. tests/test_schedules.py checks every schedule against
PyTorch; here the figures' drawn curves are checked against those schedules (and two of them
against the stored PyTorch values directly).
"""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from trainlib import data, optim, schedules  # noqa: E402
from trainlib.lessons.lr_schedules import experiments as E  # noqa: E402
from trainlib.lessons.lr_schedules.experiments import (  # noqa: E402
    PLAYGROUND,
    SEED_BATCHES,
    SEED_DATA,
)
from trainlib.lessons.lr_schedules.figures import schedule_playground, settle_figure  # noqa: E402
from trainlib.lessons.lr_schedules.figures_common import LOSS_LIM  # noqa: E402
from trainlib.minibatch import least_squares, minibatch_gd  # noqa: E402

REFS = E.torch_schedules()
CONFIGS = json.loads(str(REFS["configs"]))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def problem():
    return E.make_problem(rng=np.random.default_rng(SEED_DATA))


@pytest.fixture(scope="module")
def batches(problem):
    return E.batch_gradients(problem, 8, E.STEPS, rng=np.random.default_rng(SEED_BATCHES))


# --- C38: a constant rate keeps bouncing, a decayed one settles ------------------------------


@pytest.mark.parametrize("decay", ["cosine", "step decay", "exponential"])
@pytest.mark.parametrize("lr", [0.03, 0.1, 0.2])
def test_C38_decayed_run_ends_lower_with_smaller_steps(problem, batches, decay, lr):
    runs = E.run_schedules(problem, *batches, E.settle_rates(lr, decay))
    const, dec = runs["constant"], runs[decay]
    assert not const.diverged and not dec.diverged
    # Final = mean over the last 20 % (60 steps), the window the figure zooms on. Measured
    # ratios are 40× to 1000× for the loss and 5× to 40× for the step; a factor 5 (loss) and
    # 3 (step) leaves room for another BLAS and still fails a run that merely got lucky.
    assert dec.final_loss() < const.final_loss() / 5
    assert dec.final_step() < const.final_step() / 3


def test_C38_the_figure_draws_those_runs(problem, batches):
    live = settle_figure(lr=0.1, batch_size=8, decay="cosine")
    runs = E.run_schedules(problem, *batches, E.settle_rates(0.1, "cosine"))
    for role, name in (("constant", "constant"), ("decayed", "cosine")):
        drawn = live.lines[role]["zoom"].get_ydata()
        assert np.array_equal(drawn, np.maximum(runs[name].excess, 1e-12))
        mean = live.mean_lines[role, "zoom"].get_ydata()[0]
        assert mean == runs[name].final_loss()
    text = live.zoom_text.get_text()
    ratio = runs["constant"].final_loss() / runs["cosine"].final_loss()
    assert f"{ratio:.3g}× lower loss" in text
    # where the order flips (α = 0.001: 0.05 constant vs 0.23 cosine) the factor stays ≥ 1
    small = settle_figure(lr=0.001, batch_size=8, decay="cosine").zoom_text.get_text()
    runs = E.run_schedules(problem, *batches, E.settle_rates(0.001, "cosine"))
    ratio = runs["cosine"].final_loss() / runs["constant"].final_loss()
    assert ratio > 1 and f"decayed: {ratio:.3g}× higher loss" in small
    assert "lower" not in small


def test_C38_precise_version_without_noise_a_constant_rate_converges(problem):
    """The bounce is gradient noise: with the full batch a stable constant rate converges."""
    A, c = E.batch_gradients(problem, problem.n, E.STEPS, rng=np.random.default_rng(1))
    const = E.run_schedules(problem, A, c, {"c": schedules.constant(0.1)})["c"]
    # GD contracts θ − θ* by ≥ 1 − 0.1·λ_min = 1 − 0.1·1.91 per step (λ: the Hessian 2M's
    # eigenvalues), the loss by its square: 0.81^600 ≈ 1e-55, so 1e-20 is a loose bound
    assert const.excess[-1] < 1e-20
    # and above 2/λ_max = 2/7.72 ≈ 0.26 even the full batch diverges
    A_diverge = E.run_schedules(problem, A, c, {"c": schedules.constant(0.3)})["c"]
    assert A_diverge.diverged


def _floor_with_replacement(problem, lr, seed):
    """Constant-rate SGD whose batches of 8 are drawn with replacement (independent kicks)."""
    rng, theta, excess = np.random.default_rng(seed), np.zeros(3), []
    for _ in range(E.STEPS):
        i = rng.integers(0, problem.n, 8)
        theta = theta - lr * least_squares(theta, problem.X[i], problem.y[i])[1]
        excess.append(E.excess_loss(problem, theta[None])[0])
    return float(np.mean(excess[-60:]))


def test_C38_floor_falls_about_90x_for_10x_smaller_rate(problem, batches):
    floors = {
        a: E.run_schedules(problem, *batches, E.settle_rates(a, "cosine"))["constant"].final_loss()
        for a in (0.1, 0.01)
    }
    # prose: 0.17 → 0.0019, about 90× (reshuffled epochs: the kicks cancel over an epoch)
    assert floors[0.1] == pytest.approx(0.172, abs=0.0005)
    assert floors[0.01] == pytest.approx(0.00192, abs=0.000005)
    assert 85 < floors[0.1] / floors[0.01] < 95
    # the per-epoch batch gradients at θ* sum to zero (every point once per epoch)
    A, c = batches
    g = (A @ problem.theta_star - c).reshape(30, 10, 3)
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-10)
    # prose: with replacement (independent kicks) the same change gives about 24× (geometric
    # mean over 5 seeds), 15× to 39× per seed (a 60-step window of one run is noisy)
    ratios = [
        _floor_with_replacement(problem, 0.1, s) / _floor_with_replacement(problem, 0.01, s)
        for s in range(1, 6)
    ]
    assert 23 <= np.exp(np.mean(np.log(ratios))) < 24.5
    assert round(min(ratios)) == 15 and round(max(ratios)) == 39
    # the notebook prints the same ratios with E.batch_gradients(..., replace=True)
    for s, ratio in zip(range(1, 6), ratios, strict=True):
        A_r, c_r = E.batch_gradients(
            problem, 8, E.STEPS, rng=np.random.default_rng(s), replace=True
        )
        r = E.run_schedules(problem, A_r, c_r, {a: np.full(E.STEPS, a) for a in (0.1, 0.01)})
        assert r[0.1].final_loss() / r[0.01].final_loss() == pytest.approx(ratio, rel=1e-9)


def test_C38_reshuffled_floor_scales_like_alpha_squared(problem, batches):
    """Prose: with reshuffled epochs the floor scales roughly like α² (printed 0.0019, 0.0076,
    0.017 at α = 0.01, 0.02, 0.03: 4× and 9×)."""
    floors = [
        E.run_schedules(problem, *batches, E.settle_rates(a, "cosine"))["constant"].final_loss()
        for a in (0.01, 0.02, 0.03)
    ]
    assert floors[1] / floors[0] == pytest.approx(4, rel=0.05)
    assert floors[2] / floors[0] == pytest.approx(9, rel=0.05)


def test_kick_partial_sums_are_the_first_order_excursion(problem, batches):
    """(θₖ − θ at the epoch's start)/α → −Sₖ as α → 0: Sₖ is the partial sum of the epoch's
    kicks at θ*, zero at every epoch's start (and end: the kicks of an epoch cancel)."""
    S = E.kick_partial_sums(problem, *batches, steps_per_epoch=10)
    assert S.shape == (E.STEPS + 1, 3)
    np.testing.assert_allclose(S[::10], 0, atol=1e-10)
    a = 1e-8  # the next order is ~a·Σ A·S ≈ a·10², the rounding ~1e-16/a
    theta = E.sgd_paths(*batches, np.full(E.STEPS, a), problem.theta_star)  # start at θ*
    starts = theta[(np.arange(E.STEPS + 1) // 10) * 10]
    np.testing.assert_allclose((theta - starts) / a, -S, atol=1e-5)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        E.kick_partial_sums(problem, *batches, steps_per_epoch=7)


def test_C38_floor_is_the_within_epoch_excursion(problem, batches):
    """Prose: the floor is α² × the mean of SₖᵀMSₖ over the last 60 steps (19.2): 0.0019,
    0.0077, 0.017 predicted at α = 0.01, 0.02, 0.03, what the runs measure; the epoch ends,
    where Sₖ = 0, sit much lower (0.00017, 0.0014, 0.0047). At α = 0.1 the account fails:
    0.19 predicted, 0.17 measured, epoch ends already 0.11."""
    S = E.kick_partial_sums(problem, *batches, steps_per_epoch=10)
    e = S[-60:]
    C = np.mean(np.einsum("kp,pq,kq->k", e, problem.M, e))  # independent of excess_loss
    assert C == pytest.approx(19.2, abs=0.05)
    ends = []
    for a, pred in ((0.01, 0.0019), (0.02, 0.0077), (0.03, 0.017)):
        run = E.run_schedules(problem, *batches, {"c": np.full(E.STEPS, a)})["c"]
        assert a**2 * C == pytest.approx(pred, abs=0.00005 if a < 0.03 else 0.0005)
        assert run.final_loss() == pytest.approx(a**2 * C, rel=0.04)  # measured ≈ predicted
        ends.append(np.mean(run.excess[250::10]))
    assert ends[0] == pytest.approx(0.00017, abs=5e-6)
    assert ends[1:] == pytest.approx([0.0014, 0.0047], abs=5e-5)
    assert ends[0] < run.final_loss() / 10  # at α = 0.01 the leftover is > 10× below the floor
    # prose: at α = 0.1 the α² account predicts 0.19, the floor is 0.17, and the epoch ends
    # already average 0.11 (the leftover has caught up with the excursion)
    run = E.run_schedules(problem, *batches, {"c": np.full(E.STEPS, 0.1)})["c"]
    assert 0.1**2 * C == pytest.approx(0.19, abs=0.005)
    assert run.final_loss() == pytest.approx(0.172, abs=0.0005)
    assert np.mean(run.excess[250::10]) == pytest.approx(0.113, abs=0.0005)


def _direction_split(problem, thetas):
    """Mean excess loss per Hessian eigendirection, flattest first: Σᵢ mᵢ·((θ − θ*)·vᵢ)²."""
    m, V = np.linalg.eigh(problem.M)
    return np.mean(((np.asarray(thetas) - problem.theta_star) @ V) ** 2 * m, axis=0)


def test_C38_pull_time_against_epoch_length(problem, batches):
    """Prose: the pull's time 1/(αλ): in the steepest direction, which carries 78 % of the
    floor at α = 0.01 (0.00149 of 0.00192), 1/(αλ_max) ≈ 13 steps, about one epoch; 6.5 and
    4.3 steps at α = 0.02, 0.03, yet the totals agree, per direction measured/predicted
    0.88, 1.03, 0.96 at α = 0.03 (flat, middle, steep); 1.3 to 5.2 steps at α = 0.1, every
    direction shorter than one 10-step epoch, against 4.3 to 17 at α = 0.03."""
    lam = np.linalg.eigvalsh(2 * problem.M)
    assert 1 / (0.01 * lam.max()) == pytest.approx(13, abs=0.5)  # 12.96
    assert 1 / (0.02 * lam.max()) == pytest.approx(6.5, abs=0.05)
    assert 1 / (0.03 * lam.max()) == pytest.approx(4.3, abs=0.05)
    # prose: an epoch (10 steps) against the steepest pull, 10αλ_max = 0.77 to 2.3 at α = 0.01–0.03
    assert (round(10 * 0.01 * lam.max(), 2), round(10 * 0.03 * lam.max(), 1)) == (0.77, 2.3)
    assert 1 / (0.1 * lam.max()) == pytest.approx(1.3, abs=0.05)
    assert 1 / (0.1 * lam.min()) == pytest.approx(5.2, abs=0.05)
    assert 1 / (0.1 * lam.min()) < 10  # every direction's pull time is below an epoch
    assert 1 / (0.03 * lam.min()) == pytest.approx(17, abs=0.5)  # 17.4: not so at α = 0.03
    S = E.kick_partial_sums(problem, *batches, steps_per_epoch=10)[-60:]
    for a, ratios in ((0.01, (1.00, 1.01, 1.00)), (0.03, (0.88, 1.03, 0.96))):
        th = E.sgd_paths(*batches, np.full(E.STEPS, a), np.zeros(3))[-60:]
        floor = _direction_split(problem, th)
        pred = a**2 * _direction_split(problem, problem.theta_star + S)
        assert floor / pred == pytest.approx(ratios, abs=0.005)
        if a == 0.01:
            assert floor[-1] / floor.sum() == pytest.approx(0.78, abs=0.005)  # 0.776
            assert (floor[-1], floor.sum()) == pytest.approx((0.00149, 0.00192), abs=5e-6)


def _with_replacement_batches(problem, steps, seed):
    """Batches of 8 drawn with replacement (independent kicks), as linear maps A, c."""
    Xt = np.column_stack([np.ones(problem.n), problem.X])
    i = np.random.default_rng(seed).integers(0, problem.n, (steps, 8))
    Xb, yb = Xt[i], problem.y[i]
    return np.einsum("kbp,kbq->kpq", Xb, Xb) / 4, np.einsum("kbp,kb->kp", Xb, yb) / 4


def test_C38_long_run_floors_and_epoch_end_leftovers():
    """Prose: over 20 000 steps the floors fall 72× (reshuffled) and 16× (with
    replacement) for α 0.1 → 0.01; the epoch-end leftovers grow like α³: ×8 and ×24 for
    α ×2 and ×3 (0.01 → 0.02, 0.03); 86 % of the leftover at α = 0.01 is in the steepest
    direction."""
    problem, T = E.notebook_problem(), 20_000
    rates = (0.01, 0.02, 0.03, 0.1)
    for kind in ("reshuffled", "replacement"):
        if kind == "reshuffled":
            A, c = E.batch_gradients(problem, 8, T, rng=np.random.default_rng(SEED_BATCHES))
        else:
            A, c = _with_replacement_batches(problem, T, SEED_BATCHES)
        runs = E.run_schedules(problem, A, c, {a: np.full(T, a) for a in rates})
        floor = {a: np.mean(r.excess[T // 10 :]) for a, r in runs.items()}  # after a burn-in
        if kind == "reshuffled":
            assert round(floor[0.1] / floor[0.01]) == 72  # 72.3
            ends = {a: np.mean(r.excess[T // 10 :: 10]) for a, r in runs.items()}
            assert ends[0.02] / ends[0.01] == pytest.approx(8, rel=0.05)  # 7.9
            assert ends[0.03] / ends[0.01] == pytest.approx(24, rel=0.03)  # 24.1
            # prose: at α = 0.01 the leftover is about a fifth of the floor (0.21); at α = 0.1
            # epoch ends and floor are both 0.17 (0.169 and 0.169)
            assert ends[0.01] / floor[0.01] == pytest.approx(0.2, abs=0.03)
            assert round(ends[0.1], 2) == round(floor[0.1], 2) == 0.17
            # prose: 86 % of the α = 0.01 leftover lies in the steepest direction
            th = E.sgd_paths(A, c, np.full(T, 0.01), np.zeros(3))[T // 10 :: 10]
            share = _direction_split(problem, th)
            assert share[-1] / share.sum() == pytest.approx(0.86, abs=0.005)  # 0.865
        else:
            assert round(floor[0.1] / floor[0.01]) == 16  # 16.4


def test_C38_small_rates_flip_the_order(problem, batches):
    """Prose: at α ≤ 0.003 the constant rate ends below the cosine (not converged yet)."""
    got = {}
    for a in (0.001, 0.003):
        r = E.run_schedules(problem, *batches, E.settle_rates(a, "cosine"))
        got[a] = (r["constant"].final_loss(), r["cosine"].final_loss())
        assert got[a][0] < got[a][1]
    assert got[0.003] == pytest.approx((0.00065, 0.0063), rel=0.01)
    assert got[0.001] == pytest.approx((0.05, 0.23), abs=0.005)


def test_C38_dropdown_decays_are_the_stated_ones():
    """Prose: step decay ×0.3 every 75 steps; exponential αγ^k with γ^300 = 10⁻³; cosine to 0."""
    t = np.arange(E.STEPS)
    rates = {d: E.settle_rates(0.1, d)[d] for d in ("cosine", "step decay", "exponential")}
    np.testing.assert_allclose(rates["step decay"], 0.1 * 0.3 ** (t // 75), rtol=1e-12)
    np.testing.assert_allclose(rates["exponential"], 0.1 * 1e-3 ** (t / 300), rtol=1e-12)
    np.testing.assert_allclose(rates["cosine"], 0.05 * (1 + np.cos(np.pi * t / 300)), atol=1e-15)


def test_C38_best_cosine_peak_is_about_2e_minus_2(problem, batches):
    final = {
        a: E.run_schedules(problem, *batches, E.settle_rates(a, "cosine"))["cosine"].final_loss()
        for a in (0.001, 0.003, 0.01, 0.02, 0.03, 0.1)
    }
    assert min(final, key=final.get) == 0.02  # prose: best from about 2·10⁻²
    assert final[0.001] > 0.1  # not converged at 10⁻³ in 300 steps (0.225)
    assert final[0.01] == pytest.approx(5.0e-5, rel=0.01)  # prose: cosine at 0.01, 5.0e-05
    assert 0.02 / (2 / np.linalg.eigvalsh(2 * problem.M).max()) < 0.1  # below the limit 0.26


def test_C38_divergence_labels_at_high_rates(problem, batches):
    """Prose: label from 0.32 (not at 0.28); exponential decay survives up to about 0.4."""

    def run(a, decay):
        return E.run_schedules(problem, *batches, E.settle_rates(a, decay))

    assert not run(10**-0.55, "cosine")["constant"].diverged  # 0.28: no label ...
    assert run(10**-0.55, "cosine")["constant"].excess[-1] > LOSS_LIM[1]
    assert run(10**-0.5, "cosine")["constant"].diverged  # 0.32: labelled
    assert not run(10**-0.4, "exponential")["exponential"].diverged  # 0.398
    assert run(10**-0.35, "exponential")["exponential"].diverged  # 0.447
    # a run counts as diverged once its excess loss passes 10⁶
    assert E.DIVERGENCE_LIMIT == 1e6
    # prose: at α ≈ 0.4 the exponential run climbs to about 6·10⁵ before its rate falls below
    # the limit 2/λ_max, then settles
    exp = run(10**-0.4, "exponential")["exponential"]
    peak = int(np.argmax(exp.excess))
    assert 5.5e5 < exp.excess[peak] < 6.5e5
    below = int(np.argmax(exp.lrs < 2 / np.linalg.eigvalsh(2 * problem.M).max()))
    assert abs(peak - below) <= 2  # the climb ends when the rate drops below the limit
    assert exp.final_loss() < 1e-3


def test_C39_at_rate_1_warmup_and_one_cycle_diverge_later(problem, batches):
    t = np.arange(E.STEPS)
    named = {"constant": np.ones(E.STEPS)}
    named.update({k: v(t) for k, v in E.playground_schedules(1.0).items()})
    runs = E.run_schedules(problem, *batches, named)
    at = {k: r.diverged_at for k, r in runs.items()}
    assert at["constant"] == at["cosine"] == at["step decay"] == 4
    assert (at["warmup + cosine"], at["one-cycle"]) == (19, 42)


# --- C39: the drawn schedules are the trainlib (= PyTorch) schedules ---------------------------


STATES = [
    {},
    {"lr": 0.3, "step_size": 40, "gamma": 0.5, "T_max": 150, "eta_min": 0.2},
    {"warmup_steps": 100, "pct_start": 0.55, "div_factor": 1000.0, "patience": 0, "factor": 0.1},
    {"lr": 1.0},  # every schedule diverges: drawn up to the divergence
]


@pytest.mark.parametrize("state", STATES)
def test_C39_every_drawn_schedule_equals_trainlib_schedules(state):
    live = schedule_playground(**state)
    values = live.values
    lr = values["lr"]
    t = np.arange(E.STEPS)
    want = E.playground_schedules(
        lr,
        step_size=values["step_size"],
        gamma=values["gamma"],
        T_max=values["T_max"],
        eta_min=values["eta_min"] * lr,
        warmup_steps=values["warmup_steps"],
        pct_start=values["pct_start"],
        div_factor=values["div_factor"],
    )
    for name in PLAYGROUND[:-1]:
        x, y = live.lr_lines[name].get_data()
        assert np.array_equal(x, t)  # a function of t: drawn whole, even if its run diverged
        # drawn as ηₖ/α: one division and one multiplication of rounding (2 ulp ≈ 4.4e-16)
        np.testing.assert_allclose(y * lr, want[name](t), rtol=1e-15, atol=0)
    # ReduceLROnPlateau: replay the validation losses the run saw into a fresh scheduler
    plateau = schedules.ReduceLROnPlateau(lr, patience=values["patience"], factor=values["factor"])
    per_epoch = [lr] + [plateau.step(v) for v in live.val_losses]
    want_steps = np.repeat(per_epoch, live.steps_per_epoch)
    x, y = live.lr_lines["reduce on plateau"].get_data()
    np.testing.assert_allclose(y * lr, want_steps[: len(x)], rtol=1e-15, atol=0)


def test_C39_drawn_step_decay_and_cosine_equal_pytorch_values():
    """At settings of the stored torch runs, the figure's curves are torch's values."""
    cfg_step = CONFIGS["schedules"]["step_decay_a"]["kwargs"]  # lr 0.1, step_size 30, γ 0.1
    cfg_cos = CONFIGS["schedules"]["cosine_a"]["kwargs"]  # lr 0.1, T_max 250, η_min 0
    assert cfg_step == {"lr": 0.1, "step_size": 30} and cfg_cos == {"lr": 0.1, "T_max": 250}
    live = schedule_playground(lr=0.1, step_size=30, gamma=0.1, T_max=250, eta_min=0.0)
    for name, key in (("step decay", "step_decay_a"), ("cosine", "cosine_a")):
        torch_lrs = REFS[f"schedule__{key}"]
        y = live.lr_lines[name].get_ydata()[: len(torch_lrs)] * 0.1
        # torch updates recursively, trainlib uses the closed form (see test_schedules.py)
        np.testing.assert_allclose(y, torch_lrs, rtol=1e-12, atol=1e-18)


def test_C39_dropdown_picks_the_compared_schedule():
    live = schedule_playground(schedule="cosine")
    assert live.frames["cosine"].get_visible() and not live.frames["one-cycle"].get_visible()
    live.update(schedule="one-cycle")
    assert live.frames["one-cycle"].get_visible() and not live.frames["cosine"].get_visible()
    assert live.loss_lines["one-cycle"].get_linewidth() > live.loss_lines["cosine"].get_linewidth()


def test_C39_every_schedule_beats_the_constant_rate_at_the_default(problem, batches):
    live = schedule_playground()
    const = live.runs["constant"].final_loss()
    for name in PLAYGROUND:
        # measured 100× to 2000× lower; 10× is a clear margin that a non-decaying run fails
        assert live.runs[name].final_loss() < const / 10


# --- lessons.lr_schedules.experiments ----------------------------------------------------------


def test_sgd_paths_equal_minibatch_gd_for_a_constant_rate(problem, batches):
    run = E.run_schedules(problem, *batches, {"c": schedules.constant(0.1)})["c"]
    ref = minibatch_gd(
        least_squares, np.zeros(3), problem.X, problem.y, batch_size=8, epochs=30, lr=0.1,
        rng=np.random.default_rng(SEED_BATCHES),
    )  # fmt: skip
    # same batches, same arithmetic up to the order of a 3×3 product: ~1e-15 relative
    np.testing.assert_allclose(run.excess + problem.min_loss, ref.update_losses, rtol=1e-12)


def test_sgd_paths_equal_minibatch_gd_with_a_schedule(problem, batches):
    # The vectorised loop (kept for the figures' latency) is the core loop with lr = ηₜ.
    lr = schedules.warmup_cosine(0.2, 30, E.STEPS, start_factor=0.01)
    ref = minibatch_gd(
        least_squares, np.zeros(3), problem.X, problem.y, batch_size=8, epochs=30, lr=lr,
        rng=np.random.default_rng(SEED_BATCHES),
    )  # fmt: skip
    run = E.run_schedules(problem, *batches, {"w": lr})["w"]
    # same batches, same rule; A·θ − c vs the residual form: rounding only (~1e-15)
    np.testing.assert_allclose(run.thetas, ref.thetas, rtol=1e-12, atol=1e-14)


def test_minibatch_gd_with_a_schedule_is_optim_sgd_with_it(problem):
    lr = schedules.warmup_cosine(0.2, 30, E.STEPS, start_factor=0.01)
    opt = optim.sgd(lr=lr)
    theta = np.zeros(3)
    state = opt.init(theta)
    rng = np.random.default_rng(SEED_BATCHES)
    thetas = [theta]
    for _ in range(3):
        for Xb, yb in data.minibatches(problem.X, problem.y, 8, rng=rng):
            _, g = least_squares(theta, Xb, yb)
            theta, state = opt.step(theta, g, state)
            thetas.append(theta)
    ref = minibatch_gd(
        least_squares, np.zeros(3), problem.X, problem.y, batch_size=8, epochs=3, lr=lr,
        rng=np.random.default_rng(SEED_BATCHES),
    )  # fmt: skip
    # θ − η·g either way; optim may fuse the multiply-add differently: a few ulp
    np.testing.assert_allclose(ref.thetas, np.array(thetas), rtol=1e-13, atol=1e-15)


def test_run_plateau_equals_optim_sgd_driven_by_the_scheduler(problem, batches):
    run, vals = E.run_plateau(
        problem, *batches, schedules.ReduceLROnPlateau(0.1, patience=2, factor=0.5), 10
    )
    plateau = schedules.ReduceLROnPlateau(0.1, patience=2, factor=0.5)
    opt = optim.sgd(lr=plateau)  # the scheduler object is the optimiser's rate
    theta = np.zeros(3)
    state = opt.init(theta)
    rng = np.random.default_rng(SEED_BATCHES)
    for epoch in range(30):
        for Xb, yb in data.minibatches(problem.X, problem.y, 8, rng=rng):
            theta, state = opt.step(theta, least_squares(theta, Xb, yb)[1], state)
        val = float(np.mean((problem.X_val @ theta[1:] + theta[0] - problem.y_val) ** 2))
        assert val == pytest.approx(vals[epoch], rel=1e-10)  # same path, rounding only
        plateau.step(val)
    np.testing.assert_allclose(run.thetas[-1], theta, rtol=1e-10)
    assert len(np.unique(run.lrs)) > 3  # the plateau did cut the rate several times


def test_C39_plateau_becomes_a_step_decay(problem, batches):
    """Prose: cuts before epochs 8, 13, then every 3 epochs (patience + 1); the validation
    loss last beat its best (0.797) after epoch 9."""
    run, vals = E.run_plateau(
        problem, *batches, schedules.ReduceLROnPlateau(0.1, patience=2, factor=0.5), 10
    )
    cuts = np.flatnonzero(np.diff(run.lrs[::10])) + 1
    assert cuts.tolist() == [8, 13, 16, 19, 22, 25, 28]
    improved = [i for i in range(1, len(vals)) if vals[i] < vals[:i].min() * (1 - 1e-4)]
    assert improved[-1] == 9 and round(vals[9], 3) == 0.797
    # prose: from then on the validation losses no longer matter: any later values above 0.797
    # give the same cuts (a fixed step decay, ×0.5 every 3 epochs)
    other = np.r_[vals[:10], np.random.default_rng(0).uniform(0.8, 5.0, len(vals) - 10)]
    for fed in (vals, other):
        plateau = schedules.ReduceLROnPlateau(0.1, patience=2, factor=0.5)
        rates = np.array([0.1] + [plateau.step(v) for v in fed[:-1]])
        np.testing.assert_allclose(rates, run.lrs[::10], rtol=1e-12)


def test_excess_loss_is_the_training_mse_above_its_minimum(problem):
    rng = np.random.default_rng(3)
    thetas = rng.standard_normal((5, 3))
    mse = [least_squares(th, problem.X, problem.y)[0] for th in thetas]
    np.testing.assert_allclose(E.excess_loss(problem, thetas) + problem.min_loss, mse, rtol=1e-12)
    assert E.excess_loss(problem, problem.theta_star) == pytest.approx(0.0, abs=1e-15)


def test_divergence_is_a_result_not_a_warning(problem, batches):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = E.run_schedules(problem, *batches, {"c": schedules.constant(1.0)})["c"]
        prun, _ = E.run_plateau(problem, *batches, schedules.ReduceLROnPlateau(1.0), 10)
    for r in (run, prun):
        assert r.diverged and 0 < r.diverged_at < 30
        assert np.all(np.isfinite(r.excess)) and len(r.excess) == r.diverged_at
        assert r.final_loss() == np.inf


def test_bad_arguments_raise(problem, batches):
    A, c = batches
    with pytest.raises(ValueError, match="batch_size"):
        E.batch_gradients(problem, 81, 10, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="lrs"):
        E.sgd_paths(A, c, np.ones(10), np.zeros(3))
    with pytest.raises(ValueError, match="steps_per_epoch"):
        E.run_plateau(problem, A, c, schedules.ReduceLROnPlateau(0.1), 7)
    with pytest.raises(ValueError, match="decay"):
        E.settle_rates(0.1, "linear")
    with pytest.raises(ValueError, match="lr"):
        E.playground_schedules(0.0)


# --- C39 on a network: warm-up, the range test, one-cycle (experiments_warmup) -------------------


def test_C39_warmup_matters_for_adam_at_a_high_rate():
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    runs = W.warmup_runs(0.2, 10)
    cold = [r.val_acc for r in runs["no warm-up"]]
    warm = [r.val_acc for r in runs["warm-up"]]
    # the notebook states: without 0.09–0.37, with 0.88–0.93 (3 digits printed; 0.005 = rounding)
    assert min(cold) == pytest.approx(0.094, abs=0.005) and max(cold) == pytest.approx(
        0.372, abs=0.005
    )
    assert min(warm) == pytest.approx(0.88, abs=0.005) and max(warm) == pytest.approx(
        0.93, abs=0.005
    )
    assert max(cold) < min(warm) - 0.4  # on every seed, by a wide margin
    peaks_cold = [r.early_peak for r in runs["no warm-up"]]
    peaks_warm = [r.early_peak for r in runs["warm-up"]]
    # prose: 14–42 without, 2.5–5.5 with; about 5–17× each seed's own first loss (2.44–2.95)
    assert 14 <= min(peaks_cold) and max(peaks_cold) < 42.5
    assert 2.4 < min(peaks_warm) and max(peaks_warm) < 5.55
    first = [r.loss[0] for r in runs["no warm-up"]]
    assert first == [r.loss[0] for r in runs["warm-up"]]  # before any step
    assert (min(first), max(first)) == pytest.approx((2.44, 2.95), abs=0.005)
    ratios = [p / f for p, f in zip(peaks_cold, first, strict=True)]
    assert round(min(ratios)) == 5 and round(max(ratios)) == 17


def test_C39_range_test_and_one_cycle():
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    rt = W.range_test()
    # the rate grows exponentially from 1e-4 towards 1, 0.91 at the last of 100 steps
    np.testing.assert_allclose(rt.lr, 1e-4 * 1e4 ** (np.arange(100) / 100), rtol=1e-12)
    assert len(rt.lr) == 100 and round(float(rt.lr[-1]), 2) == 0.91
    assert rt.best_lr == pytest.approx(0.19, abs=0.005) and rt.suggested == rt.best_lr / 10
    # the smoothed loss is Adam-style bias-corrected EMA of the batch losses: recompute
    a, want = 0.0, []
    for k, v in enumerate(rt.loss):
        a = 0.9 * a + 0.1 * v
        want.append(a / (1 - 0.9 ** (k + 1)))
    np.testing.assert_allclose(rt.smoothed, want, rtol=1e-12)
    others = [W.range_test(seed=s).suggested for s in (1, 2)]
    np.testing.assert_allclose(others, [0.0044, 0.0063], atol=0.00005)
    cycle = W.schedule_runs({
        "oc": schedules.one_cycle(rt.suggested, W.MLP_STEPS), "c": rt.suggested, "hi": rt.best_lr,
    })  # fmt: skip
    acc = {k: [r.val_acc for r in v] for k, v in cycle.items()}
    # prose: 0.960–0.970, 0.948–0.966, 0.194–0.564 (printed to 3 digits)
    assert (min(acc["oc"]), max(acc["oc"])) == pytest.approx((0.960, 0.970), abs=0.0005)
    assert (min(acc["c"]), max(acc["c"])) == pytest.approx((0.948, 0.966), abs=0.0005)
    assert (min(acc["hi"]), max(acc["hi"])) == pytest.approx((0.194, 0.564), abs=0.0005)
    # prose: a plain cosine from the same peak ends level with one-cycle (means 0.965 vs 0.967),
    # the constant rate 0.956 on average, but beats one-cycle on seed 2 (0.966 vs 0.960)
    cos = [W.train_mlp(schedules.cosine(rt.suggested, W.MLP_STEPS), s).val_acc for s in W.MLP_SEEDS]
    assert np.mean(acc["oc"]) == pytest.approx(0.965, abs=0.0005)
    assert np.mean(cos) == pytest.approx(0.967, abs=0.0005)
    assert np.mean(acc["c"]) == pytest.approx(0.956, abs=0.0005)
    assert acc["c"][2] == pytest.approx(0.966, abs=0.0005) and acc["oc"][2] < acc["c"][2]


def test_C39_range_test_minimum_is_lower_and_less_harmful_on_other_seeds():
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    lows = [W.range_test(seed=s).best_lr for s in (1, 2)]
    # prose: η_at-min 0.044 and 0.063 on seeds 1 and 2 (below seed 0's 0.19) ...
    np.testing.assert_allclose(lows, [0.044, 0.063], atol=0.0005)
    # ... and a constant rate there reaches 0.944 and 0.870 ("only somewhat too large")
    accs = [W.train_mlp(lr, s).val_acc for lr, s in zip(lows, (1, 2), strict=True)]
    np.testing.assert_allclose(accs, [0.944, 0.870], atol=0.0005)


def test_C39_warmup_shrinks_adams_first_step():
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    full, moved = W.first_step_change(0.2)
    small, moved_small = W.first_step_change(0.002)
    # Adam's first update is ±α·g/(|g| + ε) ≈ ±α where g ≠ 0: ‖ΔW₁‖ ≈ α·√(#moved)
    n = W.MLP_SIZES[0] * W.MLP_SIZES[1]
    assert moved == moved_small and 0.5 < moved < 0.9  # some weights see zero gradient
    assert small == pytest.approx(full / 100, rel=1e-6)
    # ‖W₁‖ ≈ √(2/64)·64 for He init: the predicted ratio α·√(moved·n)/‖W₁‖ ≈ 0.94 for α = 0.2
    assert full == pytest.approx(0.2 * np.sqrt(moved * n) / (np.sqrt(2 / 64) * 64), rel=0.05)
    # printed: 20% blank pixels, 8% dead units; the weights with no input are exactly those
    blank, off, stuck = W.first_batch_zero_gradients()
    assert (blank, off) == (13 / 64, 5 / 64)
    assert stuck == pytest.approx(1 - moved, abs=1e-12)


def test_tune_warmup_hints_name_what_happened():
    """The goal: no batch loss above 2× the first, every seed ≥ 0.85. The hints name the seed,
    its blow-up and its accuracy: at 10 steps seed 1 reaches 2.25× (cell 46 says so), at 25
    it blows up at step 35 and ends at 0.486, at 32 seed 2 ends at 0.828 without a blow-up,
    above 60 steps too few are left to anneal; the reference 30 and the longest allowed, 60,
    pass."""
    from trainlib.lessons.lr_schedules import exercises as X
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    assert (X.BLOWUP, X.TUNE_ACC) == (2.0, 0.85)
    ten = W.warmup_runs(0.2, 10)["warm-up"]
    assert round(float(ten[1].loss.max() / ten[1].loss[0]), 2) == 2.25
    assert all(r.loss.max() / r.loss[0] < 2 for r in (ten[0], ten[2]))
    assert "seed 1 blows up: its batch loss reaches 5.5, 2.25× its first, at step 11" in (
        X._warmup_goal(10)
    )
    s1 = W.warmup_runs(0.2, 25)["warm-up"][1]
    assert int(np.argmax(s1.loss)) == 35 and round(float(s1.loss[35]), 1) == 5.2
    assert s1.val_acc == pytest.approx(0.486, abs=0.0005) and s1.lr[35] > 0.18
    assert "seed 1 blows up: its batch loss reaches 5.2, 2.14× its first, at step 35" in (
        X._warmup_goal(25)
    )
    assert "ends at validation accuracy 0.828" in X._warmup_goal(32)
    assert "no seed blows up" in X._warmup_goal(32)
    # too long: the goal asks for ≥ 40 annealing steps (90 and 95 would reach 0.85 on every
    # seed, so the accuracy alone does not enforce the "too long" side)
    for n in (61, 80, 90):
        assert f"spends {n} steps climbing and only {100 - n} steps annealing" in (
            X._warmup_goal(n)
        )
    assert "only 1 step annealing" in X._warmup_goal(99)
    assert X._warmup_goal(60) is None  # the longest allowed warm-up reaches the goal
    assert X._warmup_goal(30) is None
    # cell 30: the 10-step warm-up's full rate arrives at step 10, after ten batches at a low rate
    assert W.warmup_runs(0.2, 10)["warm-up"][1].lr[10] == pytest.approx(0.2)


def test_predict_no_warmup_hints_state_the_measured_accuracies():
    """The mistake hints quote the experiment: mean 0.236, seeds 0.372, 0.242, 0.094."""
    from trainlib.lessons.lr_schedules import exercises as X
    from trainlib.lessons.lr_schedules import experiments_warmup as W

    accs = [r.val_acc for r in W.warmup_runs(0.2, 10)["no warm-up"]]
    shown = f"{np.mean(accs):.3f} (" + ", ".join(f"{a:.3f}" for a in accs) + ")"
    assert shown == "0.236 (0.372, 0.242, 0.094)"
    high, low = X.predict_no_warmup_exercise.mistakes
    assert "0.236 (0.372, 0.242, 0.094)" in high.hint
    assert "(0.094)" in low.hint and "(0.372, 0.242), mean 0.236" in low.hint


def test_C39_warmup_rates_differ_mainly_at_the_start():
    cold = schedules.cosine(0.2, 100)
    warm = schedules.warmup_cosine(0.2, 10, 100, start_factor=0.01)
    # prose: after the warm-up, the warm-up run's rate is higher: 0.117 vs 0.100 at step 50
    assert warm(50) == pytest.approx(0.2 / 2 * (1 + np.cos(np.pi * 40 / 90)), rel=1e-12)
    assert (round(float(warm(50)), 3), round(float(cold(50)), 3)) == (0.117, 0.1)
    assert np.all(warm(np.arange(10, 100)) >= cold(np.arange(10, 100)))
    assert np.log(10) == pytest.approx(2.30, abs=0.005)


def test_C39_one_cycle_div_factor_barely_moves_the_final_loss(problem, batches):
    """Cell 23: div_factor 1 or 25, the final loss is 0.0017 either way; the anneal ends at
    α/(d·10⁴)."""
    t = np.arange(E.STEPS)
    final = {}
    for d in (1.0, 25.0):
        s = E.playground_schedules(0.1, div_factor=d)["one-cycle"]
        assert s(E.STEPS - 1) == pytest.approx(0.1 / (d * 1e4), rel=1e-9)
        final[d] = E.run_schedules(problem, *batches, {"oc": s(t)})["oc"].final_loss()
    assert abs(final[1.0] / final[25.0] - 1) < 0.01
    assert round(final[1.0], 4) == round(final[25.0], 4) == 0.0017


def test_C39_warmup_buys_nothing_on_the_convex_problem(problem, batches):
    """Takeaways: on our convex problem warm-up buys nothing, a long one only costs (cosine
    0.00049, 30 warm-up steps 0.00073, 150 steps 0.0051)."""
    t = np.arange(E.STEPS)
    rates = {"none": E.playground_schedules(0.1)["cosine"](t)}
    for k in (30, 150):
        rates[k] = E.playground_schedules(0.1, warmup_steps=k)["warmup + cosine"](t)
    final = {k: r.final_loss() for k, r in E.run_schedules(problem, *batches, rates).items()}
    assert final["none"] < final[30] < final[150]
    assert final[150] > 5 * final["none"]


def test_C39_one_cycle_climb_is_cosine_shaped_like_torch_default():
    s = schedules.one_cycle(1.0, 100)  # pct_start 0.3: peak at step 29
    t = np.arange(30)
    want = 1.0 + (1 / 25 - 1.0) / 2 * (np.cos(np.pi * t / 29) + 1)
    np.testing.assert_allclose(s(t), want, rtol=1e-12)
    assert s(29) == 1.0


def test_range_test_figure_draws_the_test():
    from trainlib.lessons.lr_schedules import experiments_warmup as W
    from trainlib.lessons.lr_schedules.figures_range import range_test_figure

    rt = W.range_test()
    fig = range_test_figure(rt, as_image=False)
    ax = fig.axes[0]
    assert np.array_equal(ax.lines[1].get_ydata(), rt.smoothed)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert fig.get_figwidth() <= 11.6
