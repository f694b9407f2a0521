"""Optimisers: step-by-step parity with torch.optim, invariants, claims C32–C35, bad input.

The reference runs in tests/data/optim_refs.npz come from tools/make_optim_refs.py
(torch 2.13, float64): the gradient torch saw before every step and the parameters after
it. Replaying those gradients through trainlib must give torch's parameters at every step.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

from trainlib import _elementwise, optim, schedules
from trainlib.gradcheck import rel_error

REFS = np.load(Path(__file__).parent / "data" / "optim_refs.npz")
CONFIGS = json.loads(str(REFS["configs"]))
OPT_NAMES = list(CONFIGS["optimisers"])
MLP_KEYS = ("W1", "b1", "W2", "b2")

# Replayed gradients carry no feedback, so trainlib and torch differ only by the rounding
# of a few differently ordered float64 operations per step (~1e-16 each, ~1e-14 after 100
# steps); 1e-10 leaves room for that and still catches any wrong term, which shows at
# the size of lr·g (≥ 1e-6 relative here).
PARITY_RTOL = 1e-10


def build(name: str, task: str) -> optim.Optimizer:
    """The trainlib optimiser for reference configuration `name` on `task` (field or mlp)."""
    cfg = CONFIGS["optimisers"][name]
    kwargs = dict(cfg["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return getattr(optim, cfg["opt"])(lr=cfg[f"lr_{task}"], **kwargs)


def replay(opt, params, grads_per_step):
    """Run opt over a list of gradients; return the parameters after every step."""
    state = opt.init(params)
    out = []
    for g in grads_per_step:
        params, state = opt.step(params, g, state)
        out.append(params)
    return out


def test_refs_cover_every_optimiser_and_the_required_settings():
    opts = {c["opt"] for c in CONFIGS["optimisers"].values()}
    assert opts == {"sgd", "adagrad", "rmsprop", "adam", "adamw"}
    kw = [c["kwargs"] for c in CONFIGS["optimisers"].values()]
    for key in ("nesterov", "dampening", "centered", "amsgrad", "lr_decay", "momentum"):
        assert any(key in k for k in kw), key
    assert REFS[f"field__{OPT_NAMES[0]}__grads"].shape[0] >= 100


@pytest.mark.parametrize("name", OPT_NAMES)
def test_parity_with_torch_on_rosenbrock_field(name):
    grads = REFS[f"field__{name}__grads"]  # (steps, N, 2)
    want = REFS[f"field__{name}__params"]
    got = replay(build(name, "field"), REFS["field__x0"], grads)
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        assert rel_error(g, w) < PARITY_RTOL, f"step {k + 1}"


@pytest.mark.parametrize("name", OPT_NAMES)
def test_parity_with_torch_on_mlp_gradients(name):
    steps = REFS[f"mlp__{name}__grads__W1"].shape[0]
    init = {k: REFS[f"mlp__init__{k}"] for k in MLP_KEYS}
    grads = [{k: REFS[f"mlp__{name}__grads__{k}"][i] for k in MLP_KEYS} for i in range(steps)]
    got = replay(build(name, "mlp"), init, grads)
    for i, params in enumerate(got):
        for k in MLP_KEYS:
            want = REFS[f"mlp__{name}__params__{k}"][i]
            assert rel_error(params[k], want) < PARITY_RTOL, f"step {i + 1}, {k}"


@pytest.mark.parametrize("name", list(CONFIGS["scheduled"]))
def test_parity_with_torch_when_lr_is_a_schedule(name):
    cfg = CONFIGS["scheduled"][name]
    base = dict(CONFIGS["optimisers"][cfg["base"]]["kwargs"])
    opt_name = CONFIGS["optimisers"][cfg["base"]]["opt"]
    lr = getattr(schedules, cfg["schedule"])(**cfg["kwargs"])
    opt = getattr(optim, opt_name)(lr=lr, **base)
    got = replay(opt, REFS["field__x0"], REFS[f"sched__{name}__grads"])
    for k, (g, w) in enumerate(zip(got, REFS[f"sched__{name}__params"], strict=True)):
        assert rel_error(g, w) < PARITY_RTOL, f"step {k + 1}"


def test_schedule_is_called_with_the_number_of_steps_already_taken():
    seen = []

    def lr(t):
        seen.append(t)
        return 0.1

    opt = optim.adam(lr=lr)
    replay(opt, np.zeros(3), [np.ones(3)] * 4)
    assert seen == [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------
# Invariants


def random_grads(rng, shape, steps=60):
    return [rng.normal(size=shape) for _ in range(steps)]


def test_sgd_without_momentum_is_plain_gradient_descent():
    rng = np.random.default_rng(0)
    opt = optim.sgd(lr=0.05)
    p = rng.normal(size=(5, 2))
    state = opt.init(p)
    for g in random_grads(rng, (5, 2)):
        new, state = opt.step(p, g, state)
        # Same single float operation p − lr·g: bitwise equal.
        assert np.array_equal(new, p - 0.05 * g)
        p = new
    assert state.buf is None and state.t == 60


def test_sgd_first_momentum_step_takes_the_gradient_undampened():
    g = np.array([1.0, -2.0])
    opt = optim.sgd(lr=0.1, momentum=0.9, dampening=0.5)
    p, state = opt.step(np.zeros(2), g, opt.init(np.zeros(2)))
    assert np.array_equal(state.buf, g)  # b ← g, no (1 − τ) factor on the first step
    _, state = opt.step(p, g, state)
    assert np.allclose(state.buf, 0.9 * g + 0.5 * g, rtol=1e-15)  # one rounding


def test_momentum_buffer_does_not_alias_the_callers_gradient():
    opt = optim.sgd(lr=0.1, momentum=0.9)
    g = np.ones(3)
    _, state = opt.step(np.zeros(3), g, opt.init(np.zeros(3)))
    g[...] = 100.0  # a layer reusing its grads array must not change the optimiser's state
    assert np.array_equal(state.buf, np.ones(3))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_C35_adamw_without_weight_decay_is_adam_and_with_it_differs(amsgrad):
    rng = np.random.default_rng(1)
    p0 = rng.normal(size=(4, 3))
    grads = random_grads(rng, (4, 3))
    a = replay(optim.adam(lr=0.01, amsgrad=amsgrad), p0, grads)
    w = replay(optim.adamw(lr=0.01, weight_decay=0.0, amsgrad=amsgrad), p0, grads)
    for x, y in zip(a, w, strict=True):
        assert np.array_equal(x, y)  # identical operations when λ = 0: bitwise equal
    a_l2 = replay(optim.adam(lr=0.01, weight_decay=0.1, amsgrad=amsgrad), p0, grads)
    w_dec = replay(optim.adamw(lr=0.01, weight_decay=0.1, amsgrad=amsgrad), p0, grads)
    # L2 inside the gradient is rescaled by 1/√v̂; the decoupled decay is not.
    assert rel_error(a_l2[-1], w_dec[-1]) > 1e-3


def all_optimisers():
    return [pytest.param(name, id=name) for name in OPT_NAMES]


@pytest.mark.parametrize("name", all_optimisers())
def test_vectorised_race_equals_runs_one_by_one(name):
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-2, 2, size=(7, 2))
    grads = random_grads(rng, (7, 2), steps=40)
    together = replay(build(name, "field"), x0, grads)[-1]
    for i in range(7):
        alone = replay(build(name, "field"), x0[i], [g[i] for g in grads])[-1]
        assert np.array_equal(together[i], alone)  # elementwise rules: bitwise equal


@pytest.mark.parametrize("name", all_optimisers())
def test_dict_params_give_the_same_numbers_as_arrays(name):
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    grads = [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)} for _ in range(40)]
    as_dict = replay(build(name, "mlp"), params, grads)[-1]
    for k in params:
        as_array = replay(build(name, "mlp"), params[k], [g[k] for g in grads])[-1]
        assert np.array_equal(as_dict[k], as_array)  # same elementwise ops: bitwise equal
    assert list(as_dict) == ["W", "b"]


@pytest.mark.parametrize("name", all_optimisers())
def test_step_is_pure(name):
    rng = np.random.default_rng(4)
    p = rng.normal(size=(3, 2))
    g = rng.normal(size=(3, 2))
    p_copy, g_copy = p.copy(), g.copy()
    opt = build(name, "field")
    state = opt.init(p)
    opt.step(p, g, state)
    new, state2 = opt.step(p, g, state)
    assert np.array_equal(p, p_copy) and np.array_equal(g, g_copy)
    assert state.t == 0 and state2.t == 1


def test_float32_params_stay_float32():
    for make in optim.OPTIMIZERS.values():
        opt = make()
        p = np.ones((2, 2), dtype=np.float32)
        new, state = opt.step(p, np.full((2, 2), 0.5, dtype=np.float32), opt.init(p))
        assert new.dtype == np.float32, make.__name__


def test_C34_first_adam_step_moves_each_coordinate_by_lr():
    rng = np.random.default_rng(5)
    # |g| in [0.1, 10] ≫ eps = 1e-8: the step is lr·g/(|g| + eps), off lr by eps/|g| ≤ 1e-7.
    g = rng.uniform(0.1, 10, size=(50, 2)) * rng.choice([-1, 1], size=(50, 2))
    for lr in (1e-3, 0.1):
        opt = optim.adam(lr=lr)
        p0 = rng.normal(size=(50, 2))
        p1, _ = opt.step(p0, g, opt.init(p0))
        step = np.abs(p1 - p0)
        assert np.max(np.abs(step - lr) / lr) < 1e-6
        assert np.array_equal(np.sign(p0 - p1), np.sign(g))


def test_C34_uncorrected_moments_are_biased_towards_zero():
    g = np.array([2.0, -0.5, 3.0])
    opt = optim.adam(lr=1e-3)
    p, state = np.zeros(3), opt.init(np.zeros(3))
    for t in range(1, 6):
        p, state = opt.step(p, g, state)
        # With a constant gradient m = (1 − β₁ᵗ)·g and v = (1 − β₂ᵗ)·g²: too small ...
        assert np.all(np.abs(state.m) < np.abs(g)) and np.all(state.v < g * g)
        # ... and the bias correction undoes exactly that (a few roundings: 1e-14).
        assert np.allclose(state.m / (1 - 0.9**t), g, rtol=1e-14)
        assert np.allclose(state.v / (1 - 0.999**t), g * g, rtol=1e-12)  # 1 − β₂ᵗ cancels


def test_C32_adagrad_effective_rate_never_increases_and_favours_rare_features():
    rng = np.random.default_rng(6)
    opt = optim.adagrad(lr=0.1)
    p = np.zeros(2)
    state = opt.init(p)
    rates = []
    for t in range(300):
        # feature 0 fires every step, feature 1 (sparse) every 10th, with the same size
        g = rng.uniform(0.5, 1.5, size=2) * np.array([1.0, t % 10 == 0])
        p, state = opt.step(p, g, state)
        rates.append(optim.effective_lr(state, opt))
    rates = np.array(rates)
    assert np.all(np.diff(rates, axis=0) <= 0)
    assert np.all(rates[-1, 1] > 2 * rates[-1, 0])  # the rare feature keeps a larger rate


def test_C33_rmsprop_rate_settles_where_adagrad_dies():
    g = np.array([0.3, -2.0])
    rms, ada = optim.rmsprop(lr=0.01), optim.adagrad(lr=0.01)
    p_r, s_r = np.zeros(2), rms.init(np.zeros(2))
    p_a, s_a = np.zeros(2), ada.init(np.zeros(2))
    for _ in range(5000):
        p_r, s_r = rms.step(p_r, g, s_r)
        p_a, s_a = ada.step(p_a, g, s_a)
    # v → g² (α⁵⁰⁰⁰ ≈ 1e-22), so the rate tends to lr/(|g| + eps), not to 0.
    assert np.allclose(optim.effective_lr(s_r, rms), 0.01 / (np.abs(g) + 1e-8), rtol=1e-9)
    # AdaGrad's G = t·g², so its rate is lr/(√t·|g|): 1/√5000 ≈ 1.4% of the first one.
    assert np.allclose(optim.effective_lr(s_a, ada), 0.01 / (np.sqrt(5000) * np.abs(g)))


def test_effective_lr_of_adam_and_sgd():
    opt = optim.adam(lr=0.1, betas=(0.9, 0.99))
    p, state = opt.step(np.zeros(2), np.array([1.0, 4.0]), opt.init(np.zeros(2)))
    # after one step v̂ = g², so the rate is lr/(|g| + eps)
    assert np.allclose(optim.effective_lr(state, opt), 0.1 / (np.array([1.0, 4.0]) + 1e-8))
    sched = optim.sgd(lr=schedules.exponential(0.1, 0.5))
    _, s = sched.step(np.zeros(2), np.ones(2), sched.init(np.zeros(2)))
    _, s = sched.step(np.zeros(2), np.ones(2), s)
    assert optim.effective_lr(s, sched) == 0.05  # the rate the latest step used


def test_no_runtime_warning_escapes_a_diverging_step():
    # pytest turns RuntimeWarning into an error; overflow must give inf quietly instead.
    for make in optim.OPTIMIZERS.values():
        opt = make(lr=1.0)
        p = np.array([1e308, -1e308])
        new, _ = opt.step(p, np.array([1e308, 1e308]), opt.init(p))
        assert not np.all(np.isfinite(new)) or np.all(np.abs(new) > 1e300)


def test_in_place_wrapper_updates_the_arrays_layers_hold():
    rng = np.random.default_rng(8)
    params = {"W": rng.normal(size=(3, 2)), "b": np.zeros(2)}
    held_W, held_b = params["W"], params["b"]  # what a layer object keeps a reference to
    grads = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)} for _ in range(5)]
    pure = replay(optim.adam(lr=0.1), {k: v.copy() for k, v in params.items()}, grads)[-1]
    runner = optim.InPlace(optim.adam(lr=0.1), params)
    assert runner.lr == 0.1 and runner.t == 0
    for g in grads:
        runner.step(g)
    assert params["W"] is held_W and params["b"] is held_b
    assert np.array_equal(held_W, pure["W"]) and np.array_equal(held_b, pure["b"])
    assert runner.state.t == 5 and "AdamState" in repr(runner.state)
    assert np.all(runner.effective_lr()["W"] > 0)
    assert "adam(lr=0.1" in repr(runner)


def test_in_place_wrapper_on_one_array_and_with_a_schedule():
    p = np.ones(4)
    runner = optim.InPlace(optim.sgd(lr=schedules.step_decay(1.0, step_size=2)), p)
    lrs = []
    for _ in range(4):
        lrs.append(runner.lr)
        runner.step(np.ones(4))
    assert lrs == [1.0, 1.0, 0.1, 0.1]
    assert np.allclose(p, 1 - 2.2)


def test_state_prints_like_a_named_tuple():
    opt = optim.rmsprop(centered=True)
    s = opt.init(np.zeros(2))
    assert repr(s).startswith("RMSPropState(t=0, v=array(")
    assert s.buf is None and s._fields == ("t", "v", "g_avg", "buf")
    assert optim.AdamState._fields == ("t", "m", "v", "v_max")
    assert optim.AdaGradState._fields == ("t", "sum_sq")
    assert optim.SGDState._fields == ("t", "buf")
    assert repr(optim.sgd(momentum=0.9)).startswith("sgd(lr=0.001, momentum=0.9")


# ---------------------------------------------------------------------------------------
# Bad input


BAD_HYPERPARAMETERS = [
    (optim.sgd, {"lr": -0.1}, "lr"),
    (optim.sgd, {"lr": float("nan")}, "lr"),
    (optim.sgd, {"momentum": -0.5}, "momentum"),
    (optim.sgd, {"weight_decay": -1e-4}, "weight_decay"),
    (optim.sgd, {"nesterov": True}, "nesterov"),
    (optim.sgd, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    (optim.adagrad, {"lr": -1.0}, "lr"),
    (optim.adagrad, {"lr_decay": -0.1}, "lr_decay"),
    (optim.adagrad, {"weight_decay": -0.1}, "weight_decay"),
    (optim.adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optim.adagrad, {"eps": -1e-10}, "eps"),
    (optim.rmsprop, {"lr": -1.0}, "lr"),
    (optim.rmsprop, {"alpha": -0.9}, "alpha"),
    (optim.rmsprop, {"eps": -1e-8}, "eps"),
    (optim.rmsprop, {"weight_decay": -0.1}, "weight_decay"),
    (optim.rmsprop, {"momentum": -0.9}, "momentum"),
    (optim.adam, {"lr": -1e-3}, "lr"),
    (optim.adam, {"betas": (1.0, 0.999)}, "betas[0]"),
    (optim.adam, {"betas": (-0.1, 0.999)}, "betas[0]"),
    (optim.adam, {"betas": (0.9, 1.0)}, "betas[1]"),
    (optim.adam, {"betas": (0.9,)}, "betas"),
    (optim.adam, {"eps": -1e-8}, "eps"),
    (optim.adam, {"weight_decay": -0.1}, "weight_decay"),
    (optim.adamw, {"lr": -1e-3}, "lr"),
    (optim.adamw, {"betas": (0.9, 1.5)}, "betas[1]"),
    (optim.adamw, {"eps": -1.0}, "eps"),
    (optim.adamw, {"weight_decay": -0.01}, "weight_decay"),
]


@pytest.mark.parametrize(
    ("make", "kwargs", "arg"),
    BAD_HYPERPARAMETERS,
    ids=[f"{m.__name__}-{a}-{i}" for i, (m, _, a) in enumerate(BAD_HYPERPARAMETERS)],
)
def test_invalid_hyperparameters_raise(make, kwargs, arg):
    with pytest.raises(ValueError, match="^" + re.escape(arg) + ": expected"):
        make(**kwargs)


def test_torch_accepts_these_edge_values_and_so_do_we():
    optim.sgd(lr=0.0, momentum=0.0)
    optim.adam(betas=(0.0, 0.0), eps=0.0)
    optim.adagrad(eps=0.0)
    optim.rmsprop(alpha=0.0)


@pytest.mark.parametrize("make", list(optim.OPTIMIZERS.values()))
def test_mismatched_grads_raise(make):
    opt = make()
    p = np.zeros((3, 2))
    state = opt.init(p)
    with pytest.raises(ValueError, match=r"grads: expected shape \(3, 2\).*got shape \(2, 3\)"):
        opt.step(p, np.zeros((2, 3)), state)
    with pytest.raises(ValueError, match="grads: expected shape"):
        opt.step(p, {"W": np.zeros((3, 2))}, state)
    net = {"W": np.zeros((3, 2)), "b": np.zeros(2)}
    state = opt.init(net)
    with pytest.raises(ValueError, match=r"grads: expected a dict with keys \['W', 'b'\]"):
        opt.step(net, {"W": np.zeros((3, 2))}, state)
    with pytest.raises(ValueError, match="grads: expected a dict"):
        opt.step(net, np.zeros((3, 2)), state)
    with pytest.raises(ValueError, match=r"grads\['b'\]: expected shape \(2,\)"):
        opt.step(net, {"W": np.zeros((3, 2)), "b": np.zeros(3)}, state)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (np.array([1.0, np.nan]), "params: expected finite"),
        ({}, "params: expected an array or a non-empty dict"),
        (np.array(["a"]), "params: expected a real-valued array"),
        ({"W": np.array([np.inf])}, r"params\['W'\]: expected finite"),
    ],
)
def test_bad_params_raise_at_init(params, match):
    with pytest.raises(ValueError, match=match):
        optim.adam().init(params)


def test_effective_lr_before_any_step_raises():
    opt = optim.adagrad()
    with pytest.raises(ValueError, match=r"state: expected .*\(t >= 1\), got t=0"):
        optim.effective_lr(opt.init(np.zeros(2)), opt)


def test_in_place_wrapper_needs_float_arrays():
    with pytest.raises(ValueError, match="params: expected float numpy arrays"):
        optim.InPlace(optim.sgd(), {"W": [1.0, 2.0]})
    with pytest.raises(ValueError, match="params: expected float numpy arrays"):
        optim.InPlace(optim.sgd(), np.arange(3))


# --- in-place steps and blocked updates --------------------------------------------------
# `step(..., inplace=True)` must be the pure step written into the given arrays, and big
# arrays (updated block by block) must get the very numbers small ones get: bit for bit.


def big_params(rng, dtype=np.float64):
    # 0.W: 300×100 = 30 000 entries (> one block of 8192 float64, so it goes in blocks);
    # 0.b a small array; "T" a transposed (strided) view, updated whole.
    base = rng.normal(size=(120, 90)).astype(dtype)
    return {
        "0.W": rng.normal(size=(300, 100)).astype(dtype),
        "0.b": rng.normal(size=7),
        "T": base.T,
    }


@pytest.mark.parametrize("name", all_optimisers())
def test_inplace_step_is_the_pure_step_written_into_the_arrays(name):
    rng = np.random.default_rng(11)
    params = big_params(rng)
    grads = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(6)]
    pure = replay(build(name, "mlp"), {k: v.copy() for k, v in params.items()}, grads)[-1]
    opt = build(name, "mlp")
    held = dict(params)  # the objects a layer would hold
    state = opt.init(params)
    for g in grads:
        new, state = opt.step(params, g, state, inplace=True)
        assert all(new[k] is held[k] for k in held)  # written into, not replaced
    for k in params:
        assert np.array_equal(held[k], pure[k]), k


@pytest.mark.parametrize("name", all_optimisers())
def test_pure_step_leaves_big_arrays_and_state_untouched(name):
    rng = np.random.default_rng(12)
    params = big_params(rng)
    g = {k: rng.normal(size=v.shape) for k, v in params.items()}
    opt = build(name, "mlp")
    _, state = opt.step(params, g, opt.init(params))  # a state with non-zero moments
    before = [{k: v.copy() for k, v in tree.items()} for tree in (params, g)]
    state_before = [None if s is None else {k: v.copy() for k, v in s.items()} for s in state[1:]]
    opt.step(params, g, state)
    for tree, copy in zip((params, g), before, strict=True):
        assert all(np.array_equal(tree[k], copy[k]) for k in tree)
    for s, copy in zip(state[1:], state_before, strict=True):
        assert s is None or all(np.array_equal(s[k], copy[k]) for k in s)


@pytest.mark.parametrize("name", all_optimisers())
def test_block_size_does_not_change_a_single_bit(name, monkeypatch):
    rng = np.random.default_rng(13)
    p = rng.normal(size=(50, 40)).astype(np.float32)
    grads = [rng.normal(size=(50, 40)).astype(np.float32) for _ in range(5)]
    whole = replay(build(name, "mlp"), p, grads)[-1]
    monkeypatch.setattr(_elementwise, "BLOCK_BYTES", 96)  # 24 float32 per block, a ragged last one
    blocked = replay(build(name, "mlp"), p, grads)[-1]
    assert blocked.dtype == np.float32 and np.array_equal(blocked, whole)


def test_in_place_wrapper_also_runs_an_optimiser_with_only_a_pure_step():
    rng = np.random.default_rng(14)
    adam = optim.adam(lr=0.1)
    pure_only = adam._replace(step=lambda p, g, s: adam.step(p, g, s))  # no `inplace`
    a = rng.normal(size=(3, 2))
    b = a.copy()
    native, fallback = optim.InPlace(adam, a), optim.InPlace(pure_only, b)
    for _ in range(4):
        g = rng.normal(size=(3, 2))
        native.step(g)
        fallback.step(g)
    assert np.array_equal(a, b) and fallback.t == 4


def test_inplace_step_needs_float_arrays():
    opt = optim.sgd(lr=0.1)
    for p in (np.arange(3), [1.0, 2.0]):
        with pytest.raises(ValueError, match=r"params: expected float numpy arrays .*inplace=True"):
            opt.step(p, np.ones(3)[: len(p)], opt.init(p), inplace=True)
    p = np.arange(3)
    new, _ = opt.step(p, np.ones(3), opt.init(p))  # the pure step makes a float copy
    assert new.dtype == np.float64 and p.dtype.kind == "i"


# --- the code students read is the rule that runs ------------------------------------------
# The README tells students to type `trainlib.optim.adam??`: each public optimiser's own
# source must hold its rule, written like its docstring's equations (the speed plumbing is
# trainlib._elementwise). Folding Adam's bias correction back into the step size, or moving
# a rule into a private helper, fails here.

RULE_CODE = {
    "sgd": [
        "g = g + weight_decay * p",
        "b[...] = g",
        "momentum * b + (1 - dampening) * g",
        "g = g + momentum * b if nesterov else b",
        "p -= eta * g",
    ],
    "adagrad": [
        "g = g + weight_decay * p",
        "G += g**2",
        "eta_t = _rate(lr_fn, state.t) / (1 + (t - 1) * lr_decay)",
        "p -= eta_t * g / (np.sqrt(G) + eps)",
    ],
    "rmsprop": [
        "g = g + weight_decay * p",
        "alpha * v + (1 - alpha) * g**2",
        "alpha * g_avg + (1 - alpha) * g",
        "d = np.sqrt(v - g_avg**2) + eps",
        "d = np.sqrt(v) + eps",
        "momentum * b + g / d",
        "p -= eta * b",
        "p -= eta * g / d",
    ],
    "adam": [
        "g = g + weight_decay * p",
        "p *= 1 - eta * weight_decay",
        "(1 - beta1) * g  # m ← β₁·m + (1−β₁)·g",
        "(1 - beta2) * g**2  # v ← β₂·v + (1−β₂)·g²",
        "v_max[...] = np.maximum(v_max, v)",
        "m_hat = m / (1 - beta1**t)",
        "v_hat = v / (1 - beta2**t)",
        "p -= eta * m_hat / (np.sqrt(v_hat) + eps)",
    ],
    "adamw": ["adam(lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)"],
}


def test_rule_code_covers_every_public_optimiser():
    assert set(RULE_CODE) == {make.__name__ for make in optim.OPTIMIZERS.values()}


@pytest.mark.parametrize("name", list(RULE_CODE))
def test_the_source_of_each_optimiser_is_its_rule(name):
    source = inspect.getsource(getattr(optim, name))
    for code in RULE_CODE[name]:
        assert code in source, f"{name}?? no longer shows `{code}`"
    doc = getattr(optim, name).__doc__
    assert "Shapes:" in doc and "p ← p − η" in doc  # the rule, in the docstring too
    if name != "adamw":
        assert "def update(p, g" in source  # the rule runs here, not in a helper


def test_adam_names_its_bias_corrected_moments_and_adamw_is_adam():
    source = inspect.getsource(optim.adam)
    assert "m̂ ← m/(1−β₁ᵗ);  v̂ ← v/(1−β₂ᵗ)" in optim.adam.__doc__
    # m̂ and v̂ are used in the step itself, not folded into a rescaled η or ε
    assert "eps_hat" not in source and "math.sqrt" not in source
    assert "def update" not in inspect.getsource(optim.adamw)  # one Adam rule, not two
    assert not hasattr(optim, "_adam")
    opt = optim.adamw(lr=0.1, amsgrad=True)
    assert opt.name == "adamw" and repr(opt).startswith("adamw(lr=0.1, betas=(0.9, 0.999)")
    assert list(opt.hyperparams) == ["lr", "betas", "eps", "weight_decay", "amsgrad"]
    assert list(optim.adam().hyperparams) == list(opt.hyperparams)


def test_adam_with_decoupled_weight_decay_is_adamw_bit_for_bit():
    rng = np.random.default_rng(15)
    p0 = rng.normal(size=(4, 3))
    grads = random_grads(rng, (4, 3), steps=20)
    a = replay(optim.adam(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), p0, grads)
    w = replay(optim.adamw(lr=0.01, weight_decay=0.1), p0, grads)
    assert all(np.array_equal(x, y) for x, y in zip(a, w, strict=True))
    assert optim.adam(decoupled_weight_decay=True).hyperparams["decoupled_weight_decay"]


# ---------------------------------------------------------------------------------------
# The state a step is given, and a schedule's rate: checked once per step (types and shapes)


@pytest.mark.parametrize("make", list(optim.OPTIMIZERS.values()))
def test_step_rejects_a_state_that_is_not_this_optimisers(make):
    opt, p = make(), np.zeros(3)
    for bad in (None, (0, np.zeros(3)), {"t": 0}):
        with pytest.raises(
            TypeError, match="^state: expected a .*State from this optimiser's init"
        ):
            opt.step(p, p, bad)
    other = optim.rmsprop() if make is not optim.rmsprop else optim.adam()
    with pytest.raises(TypeError, match="^state: expected a .*State.*got (RMSPropState|AdamState)"):
        opt.step(p, p, other.init(p))


@pytest.mark.parametrize("make", list(optim.OPTIMIZERS.values()))
def test_step_rejects_a_state_shaped_for_other_params(make):
    opt = make(momentum=0.9) if make in (optim.sgd, optim.rmsprop) else make()
    state = opt.init(np.zeros(4))
    with pytest.raises(ValueError, match=r"^state\.\w+: expected shape \(3,\) to match params"):
        opt.step(np.zeros(3), np.zeros(3), state)
    net = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    state = opt.init({"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"^state\.\w+: expected a dict with keys \['W', 'b'\]"):
        opt.step(net, net, state)


@pytest.mark.parametrize("t", [-1, 1.5, "1", None])
def test_step_rejects_a_step_count_that_is_not_a_non_negative_int(t):
    opt, p = optim.adam(), np.zeros(2)
    state = opt.init(p)._replace(t=t)
    with pytest.raises(ValueError, match=r"^state\.t: expected an integer >= 0"):
        opt.step(p, p, state)


def test_amsgrad_needs_its_running_maximum_in_the_state():
    p = np.zeros(2)
    state = optim.adam().init(p)  # v_max=None: made without amsgrad
    with pytest.raises(ValueError, match=r"^state\.v_max: expected arrays shaped like params"):
        optim.adam(amsgrad=True).step(p, p, state)
    with pytest.raises(ValueError, match=r"^state\.buf: expected arrays shaped like params"):
        optim.sgd(momentum=0.9).step(p, p, optim.sgd().init(p))


@pytest.mark.parametrize("make", list(optim.OPTIMIZERS.values()))
@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "0.1", None])
def test_a_schedule_giving_a_bad_rate_is_a_value_error_naming_lr_and_the_step(make, bad):
    opt = make(lr=lambda t: 0.1 if t < 2 else bad)
    p = np.ones(2)
    state = opt.init(p)
    for _ in range(2):
        p, state = opt.step(p, np.ones(2), state)
    with pytest.raises(
        ValueError, match=r"^lr: expected a finite number >= 0 from the schedule at step t=2, got"
    ):
        opt.step(p, np.ones(2), state)


@pytest.mark.parametrize("make", list(optim.OPTIMIZERS.values()))
@pytest.mark.parametrize(
    ("arg", "bad"), [("lr", None), ("lr", "0.1"), ("weight_decay", "a"), ("weight_decay", [0.1])]
)
def test_a_hyperparameter_of_the_wrong_type_is_a_type_error_naming_it(make, arg, bad):
    with pytest.raises(TypeError, match=f"^{arg}: expected a real number, got"):
        make(**{arg: bad})


@pytest.mark.parametrize(("make", "arg"), [(optim.sgd, "nesterov"), (optim.adam, "amsgrad"),
                                           (optim.rmsprop, "centered")])  # fmt: skip
def test_a_switch_must_be_true_or_false(make, arg):
    with pytest.raises(TypeError, match=f"^{arg}: expected True or False, got 'yes'"):
        make(**{arg: "yes"})


def test_hyperparams_hold_the_checked_numbers():
    assert optim.sgd(lr=1).hyperparams["lr"] == 1.0
    assert type(optim.sgd(lr=np.float32(0.5)).hyperparams["lr"]) is float


def test_deliberate_pass_through_a_nan_gradient_gives_nan_params_as_in_pytorch():
    # Deliberate (CONTRIBUTING, "Deliberate pass-throughs"): step does not look at every
    # element; the training loops report the NaN as divergence.
    for make in optim.OPTIMIZERS.values():
        opt = make()
        p, state = opt.step(np.zeros(2), np.array([np.nan, 1.0]), opt.init(np.zeros(2)))
        assert np.isnan(p[0]) and np.isfinite(p[1])


def test_deliberate_pass_through_rmsprop_alpha_above_one_as_in_pytorch():
    # torch.optim.RMSprop only asks alpha >= 0; so do we (CONTRIBUTING lists it).
    assert optim.rmsprop(alpha=1.5).hyperparams["alpha"] == 1.5


def test_effective_lr_and_in_place_need_an_optimiser():
    with pytest.raises(TypeError, match="^opt: expected an optimiser"):
        optim.effective_lr(None, "adam")
    with pytest.raises(TypeError, match="^opt: expected an optimiser"):
        optim.InPlace("adam", np.zeros(2))
    with pytest.raises(TypeError, match="^state: expected a AdamState"):
        optim.effective_lr(None, optim.adam())
