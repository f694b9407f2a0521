"""Tests for trainlib.layers and trainlib.init: gradients, torch parity, checkpointing, memory."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from trainlib.gradcheck import check_layer
from trainlib.init import (
    INITIALISERS,
    calculate_gain,
    glorot_normal,
    glorot_std,
    glorot_uniform,
    he_normal,
    he_std,
    he_uniform,
    normal,
)
from trainlib.layers import (
    BatchNorm,
    Dense,
    Dropout,
    LeakyReLU,
    ReLU,
    Residual,
    Sequential,
    Sigmoid,
    Tanh,
    mlp,
)

REFS = Path(__file__).parent / "data" / "layer_refs.npz"

# float64 central differences with h = 1e-6: O(h²) truncation + O(ε/h) rounding ≈ 1e-10
# relative on O(1) gradient entries, so 1e-7 (the project bar) leaves three orders of margin.
GRAD_TOL = 1e-7


def assert_gradcheck(layer, x, rng, *, train=True, h=1e-6):
    errs = check_layer(layer, x, rng=rng, train=train, h=h)
    assert set(errs) == {"x", *layer.params}
    assert max(errs.values()) < GRAD_TOL, errs


def freeze_dropout(seq):
    """Make every Dropout inside `seq` (nested too) reuse its mask, for gradient checks."""
    stack = [seq]
    while stack:
        layer = stack.pop()
        if isinstance(layer, Dropout):
            layer.freeze_mask = True
        stack += getattr(layer, "layers", []) + ([layer.block] if hasattr(layer, "block") else [])


# --- gradient checks -----------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_dense_gradcheck(bias):
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, rng=rng, bias=bias)
    assert_gradcheck(layer, rng.standard_normal((5, 4)), rng)


def test_dense_gradcheck_leading_axes():
    rng = np.random.default_rng(1)
    layer = Dense(3, 2, rng=rng, init="glorot_uniform")
    layer.params["b"][...] = rng.standard_normal(2)
    assert_gradcheck(layer, rng.standard_normal((2, 4, 3)), rng)


@pytest.mark.parametrize("make", [ReLU, lambda: LeakyReLU(0.1), Sigmoid, Tanh])
def test_activation_gradcheck(make):
    rng = np.random.default_rng(2)
    # standard normal x: the chance of an entry within h = 1e-6 of ReLU's kink is ~1e-5
    assert_gradcheck(make(), rng.standard_normal((4, 5)), rng)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_gradcheck(train):
    rng = np.random.default_rng(3)
    bn = BatchNorm(4)
    bn.params["gamma"][...] = rng.uniform(0.5, 1.5, 4)
    bn.params["beta"][...] = rng.standard_normal(4)
    for _ in range(3):  # non-trivial running statistics for the eval-mode check
        bn.forward(rng.standard_normal((6, 4)) * 2 + 1)
    assert_gradcheck(bn, rng.standard_normal((6, 4)), rng, train=train)


@pytest.mark.parametrize("train", [True, False])
def test_dropout_gradcheck(train):
    rng = np.random.default_rng(4)
    assert_gradcheck(Dropout(0.4, rng=rng, freeze_mask=True), rng.standard_normal((5, 6)), rng,
                     train=train)  # fmt: skip


def test_residual_gradcheck():
    rng = np.random.default_rng(5)
    dense = Dense(4, 4, rng=rng)
    dense.params["b"][...] = rng.standard_normal(4)
    assert_gradcheck(Residual(dense), rng.standard_normal((3, 4)), rng)
    block = Residual(Sequential(Dense(4, 4, rng=rng), Tanh()))
    assert_gradcheck(block, rng.standard_normal((3, 4)), rng)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("checkpoint_every", [None, 2])
def test_sequential_mixed_gradcheck(train, checkpoint_every):
    rng = np.random.default_rng(6)
    net = Sequential(
        Dense(4, 6, rng=rng, bias=False),
        BatchNorm(6),
        ReLU(),
        Dropout(0.3, rng=rng),
        Residual(Sequential(Dense(6, 6, rng=rng, init="glorot_normal"), Tanh())),
        LeakyReLU(0.2),
        Dense(6, 3, rng=rng),
        Sigmoid(),
        checkpoint_every=checkpoint_every,
    )
    freeze_dropout(net)
    # non-zero biases: with b = 0 a row zeroed by ReLU/Dropout gives Residual output exactly 0,
    # on LeakyReLU's kink, where central differences average the two slopes
    for name, p in net.params.items():
        if name.endswith(".b"):
            p[...] = rng.standard_normal(p.shape)
    net.forward(rng.standard_normal((5, 4)))  # move the running statistics off (0, 1)
    # h = 1e-5, close to the optimal central-difference step ε^(1/3) ≈ 6e-6: through BatchNorm
    # some dW entries are ~1e-3, where h = 1e-6's rounding noise (~1e-9 absolute) alone
    # would be ~1e-6 relative; the analytic gradient is not at fault (see test above per layer).
    assert_gradcheck(net, rng.standard_normal((5, 4)), rng, train=train, h=1e-5)


def test_mlp_gradcheck_all_options():
    rng = np.random.default_rng(7)
    net = mlp([4, 6, 6, 3], "sigmoid", rng=rng, batchnorm=True, residual=True, dropout=0.2)
    freeze_dropout(net)
    # h = 1e-5: see test_sequential_mixed_gradcheck
    assert_gradcheck(net, rng.standard_normal((5, 4)), rng, h=1e-5)


def test_gradcheck_catches_a_wrong_backward():
    """The checks above can fail: a BatchNorm backward that forgets that μ and σ² depend on x."""

    class WrongBatchNorm(BatchNorm):
        def backward(self, dout):
            _, inv_std, _ = self.cache
            super().backward(dout)  # correct dgamma, dbeta
            return dout * self.params["gamma"] * inv_std  # the eval-mode formula

    rng = np.random.default_rng(8)
    errs = check_layer(WrongBatchNorm(3), rng.standard_normal((5, 3)), rng=rng)
    assert errs["x"] > 1e-2 and errs["gamma"] < GRAD_TOL


# --- individual layers ---------------------------------------------------------------------


def test_dense_is_x_W_plus_b_and_keeps_float32():
    rng = np.random.default_rng(9)
    layer = Dense(3, 2, rng=rng)
    layer.params["b"][...] = [1.0, -2.0]
    x = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(layer.forward(x), x @ layer.params["W"] + layer.params["b"])
    layer32 = Dense(3, 2, rng=rng, dtype=np.float32)
    assert layer32.params["W"].dtype == np.float32
    assert layer32.forward(x.astype(np.float32)).dtype == np.float32


def test_sigmoid_is_stable_and_exact():
    x = np.array([-1000.0, -40.0, -1.0, 0.0, 2.0, 40.0, 1000.0])
    out = Sigmoid().forward(x)  # a RuntimeWarning (overflow in exp) would fail the test
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    mid = x[1:-1]
    # 1/(1+e^-x) is accurate to a few ulp where it does not overflow
    np.testing.assert_allclose(out[1:-1], 1 / (1 + np.exp(-mid)), rtol=1e-15)


def test_leaky_relu_and_relu_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(ReLU().forward(x), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(LeakyReLU().forward(x), [-0.02, 0.0, 3.0])


def test_params_are_stable_objects_and_grads_written_in_place():
    rng = np.random.default_rng(10)
    net = mlp([3, 4, 4, 2], rng=rng, batchnorm=True, residual=True)
    params, grads = net.params, net.grads
    assert set(params) == set(grads)
    assert params["0.W"] is net[0].params["W"]
    assert params["3.0.W"] is net[3].block[0].params["W"]  # Residual(Sequential) at index 3
    x = rng.standard_normal((5, 3))
    out = net.forward(x)
    net.backward(rng.standard_normal(out.shape))
    for k in params:
        assert net.params[k] is params[k] and net.grads[k] is grads[k]
    # an optimiser updating in place changes what forward computes
    before = net.forward(x)
    for k, p in net.params.items():
        p[...] = p - 0.1 * net.grads[k]
    assert not np.array_equal(before, net.forward(x))


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: Dense(2, 2, rng=rng),
        lambda rng: ReLU(),
        lambda rng: LeakyReLU(),
        lambda rng: Sigmoid(),
        lambda rng: Tanh(),
        lambda rng: BatchNorm(2),
        lambda rng: Dropout(rng=rng),
        lambda rng: Residual(Dense(2, 2, rng=rng)),
        lambda rng: Sequential(Dense(2, 2, rng=rng), ReLU()),
    ],
)
def test_backward_before_forward_is_a_clear_error(make):
    layer = make(np.random.default_rng(11))
    with pytest.raises(
        ValueError, match="^dout: expected a forward pass first.*call forward before"
    ):
        layer.backward(np.ones((3, 2)))


# --- BatchNorm against torch (C42) ---------------------------------------------------------


def scaled_error(a, b):
    """max |a − b| / max |b|: relative to the array's scale, not per entry (an output entry
    near 0 would make a per-entry ratio meaningless while both sides agree to ~1e-16)."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_batchnorm_matches_torch_batchnorm1d():
    ref = np.load(REFS)
    bn = BatchNorm(ref["bn_gamma"].size, momentum=0.1, eps=1e-5)
    bn.params["gamma"][...] = ref["bn_gamma"]
    bn.params["beta"][...] = ref["bn_beta"]
    # both sides are float64 with a few operations per entry: agreement ~1e-15; 1e-10 leaves
    # room for a different order of summation but not for a formula difference (biased vs
    # unbiased variance differ by N/(N−1) = 8/7 here, eps vs no eps by ~1e-6).
    tol = 1e-10
    for t in range(ref["bn_x"].shape[0]):
        out = bn.forward(ref["bn_x"][t])
        dx = bn.backward(ref["bn_dout"][t])
        assert scaled_error(out, ref["bn_out"][t]) < tol
        assert scaled_error(dx, ref["bn_dx"][t]) < tol
        assert scaled_error(bn.grads["gamma"], ref["bn_dgamma"][t]) < tol
        assert scaled_error(bn.grads["beta"], ref["bn_dbeta"][t]) < tol
        assert scaled_error(bn.running_mean, ref["bn_running_mean"][t]) < tol
        assert scaled_error(bn.running_var, ref["bn_running_var"][t]) < tol
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    out = bn.forward(ref["bn_eval_x"], train=False)
    dx = bn.backward(ref["bn_eval_dout"])
    assert scaled_error(out, ref["bn_eval_out"]) < tol
    assert scaled_error(dx, ref["bn_eval_dx"]) < tol
    # eval mode uses (and leaves alone) the running statistics
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)
    expected = ref["bn_gamma"] * (ref["bn_eval_x"] - mean) / np.sqrt(var + 1e-5) + ref["bn_beta"]
    assert scaled_error(out, expected) < tol


def test_C42_batchnorm_normalises_each_feature_in_train_mode():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((64, 5)) * np.array([0.1, 1, 5, 30, 200]) + np.arange(5) * 10
    out = BatchNorm(5).forward(x)
    var = x.var(axis=0)
    # the batch mean is removed exactly up to rounding (~1e-16 · |x| / std)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-13)
    # the std is exactly √(σ²/(σ²+eps)), i.e. 1 up to eps/(2σ²) ≤ 5e-4 for σ = 0.1
    np.testing.assert_allclose(out.std(axis=0), np.sqrt(var / (var + 1e-5)), rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-3)


# --- Dropout (C41) -------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_C41_dropout_keeps_expectation_and_zeroes_fraction_p(p):
    rng = np.random.default_rng(13)
    m, d = 20_000, 8
    x0 = rng.uniform(-3, 3, d)
    drop = Dropout(p, rng=rng)
    out = drop.forward(np.tile(x0, (m, 1)))
    # each entry is x·B/(1−p), B ~ Bernoulli(1−p): mean x, sd |x|·√(p/(1−p)); the Monte-Carlo
    # mean over m rows has standard error |x|·√(p/(1−p)/m). 5 standard errors: a false alarm
    # has probability ~6e-7 per entry (and the seed is fixed).
    # The 1e-11·|x| term is float rounding of the mean of m terms (seen: ~4e-13 relative),
    # which is all that is left at p = 0.
    se = np.abs(x0) * math.sqrt(p / (1 - p) / m)
    assert np.all(np.abs(out.mean(axis=0) - x0) <= 5 * se + 1e-11 * np.abs(x0))
    # fraction zeroed ~ Binomial(m·d, p)/(m·d): standard error √(p(1−p)/(m·d)); 5 of them
    frac = np.mean(out == 0)
    assert abs(frac - p) <= 5 * math.sqrt(p * (1 - p) / (m * d))
    # survivors are scaled by exactly 1/(1−p)
    kept = out != 0
    np.testing.assert_array_equal(out[kept], (np.tile(x0, (m, 1)) * (1 / (1 - p)))[kept])


def test_C41_dropout_is_exactly_identity_in_eval_mode():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((50, 7))
    drop = Dropout(0.5, rng=rng)
    np.testing.assert_array_equal(drop.forward(x, train=False), x)
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(drop.backward(dout), dout)


def test_dropout_mask_is_fresh_unless_frozen():
    rng = np.random.default_rng(15)
    x = np.ones((20, 20))
    drop = Dropout(0.5, rng=rng)
    first = drop.forward(x)
    assert not np.array_equal(first, drop.forward(x))
    drop.freeze_mask = True
    frozen = drop.forward(x)
    np.testing.assert_array_equal(frozen, drop.forward(x))
    np.testing.assert_array_equal(drop.backward(x), frozen)  # dx = dout·m/(1−p)


# --- gradient checkpointing and memory (C4, C5) --------------------------------------------


def run_once(checkpoint_every, depth=6, seed=16, **opts):
    """One forward + backward of a seeded MLP; everything the comparisons need."""
    rng = np.random.default_rng(seed)
    net = mlp([5] + [8] * depth + [3], "relu", rng=rng, checkpoint_every=checkpoint_every,
              **opts)  # fmt: skip
    x = rng.standard_normal((16, 5))
    out = net.forward(x)
    stored = net.stored_bytes()
    dx = net.backward(rng.standard_normal(out.shape))
    bns = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    return {
        "net": net,
        "out": out,
        "dx": dx,
        "grads": {k: g.copy() for k, g in net.grads.items()},
        "running": [a.copy() for bn in bns for a in (bn.running_mean, bn.running_var)],
        "rng_next": rng.random(),  # checks the recompute drew no extra dropout masks
        "stored": stored,
        "peak": net.peak_bytes,
        "evals": net.forward_evals,
    }


@pytest.mark.parametrize("opts", [{}, {"batchnorm": True, "dropout": 0.3, "residual": True}])
def test_C5_checkpointing_gives_identical_gradients(opts):
    plain = run_once(None, **opts)
    n_layers = len(plain["net"])
    for k in (1, 2, 3, n_layers):
        ck = run_once(k, **opts)
        np.testing.assert_array_equal(ck["out"], plain["out"])
        np.testing.assert_array_equal(ck["dx"], plain["dx"])
        assert ck["grads"].keys() == plain["grads"].keys()
        for name, g in plain["grads"].items():
            np.testing.assert_array_equal(ck["grads"][name], g, err_msg=name)
        # BatchNorm's running statistics were updated once, not again on recompute
        for a, b in zip(ck["running"], plain["running"], strict=True):
            np.testing.assert_array_equal(a, b)
        assert ck["rng_next"] == plain["rng_next"]
        assert ck["evals"] == n_layers + sum(
            stop - start for start, stop in ck["net"].segments()[:-1]
        )


def test_C5_checkpointing_trades_memory_for_recompute():
    depth = 16
    plain = run_once(None, depth=depth)
    n_layers = len(plain["net"])  # 2·depth + 1 = 33
    assert plain["evals"] == n_layers and plain["peak"] == plain["stored"]
    k_mid = round(math.sqrt(n_layers))
    mid = run_once(k_mid, depth=depth)
    assert mid["stored"] < plain["stored"] and mid["peak"] < plain["peak"]
    assert mid["evals"] > plain["evals"]
    # checkpointing every layer or never: the two extremes of the trade-off
    assert run_once(n_layers, depth=depth)["peak"] == plain["peak"]
    assert run_once(1, depth=depth)["evals"] == 2 * n_layers - 1
    # ≈ √L optimum: peak memory ≈ (L/k) checkpoints + k layers of caches, minimal at k ≈ √L
    peaks = {k: run_once(k, depth=depth)["peak"] for k in range(1, n_layers + 1)}
    best = min(peaks, key=peaks.get)
    assert math.sqrt(n_layers) / 2 <= best <= 2 * math.sqrt(n_layers), peaks
    assert peaks[best] < plain["peak"] / 2


def test_checkpointed_backward_frees_state():
    res = run_once(3)
    net = res["net"]
    assert net.stored_bytes() == 0
    with pytest.raises(ValueError, match="call forward before backward"):
        net.backward(np.ones_like(res["out"]))


def plain_bytes(depth, batch, width, d_in=5, d_out=3):
    rng = np.random.default_rng(17)
    net = mlp([d_in] + [width] * depth + [d_out], rng=rng)
    net.forward(rng.standard_normal((batch, d_in)))
    return net.stored_bytes()


def test_C4_stored_bytes_linear_in_depth_batch_width():
    # Held for backprop: the input x (batch·d_in) and each hidden ReLU output (batch·width),
    # which is also the next Dense's cached input (counted once); float64 = 8 bytes. Exact.
    for depth, batch, width in [(1, 1, 1), (3, 16, 8), (7, 5, 33)]:
        assert plain_bytes(depth, batch, width) == 8 * batch * (5 + depth * width)
    # and linear in each factor separately (zero second differences; proportional in batch)
    by_depth = np.diff([plain_bytes(d, 16, 8) for d in range(1, 8)])
    assert np.all(by_depth == by_depth[0]) and by_depth[0] > 0
    by_width = np.diff([plain_bytes(4, 16, w) for w in range(1, 12)])
    assert np.all(by_width == by_width[0]) and by_width[0] > 0
    assert all(plain_bytes(4, b, 8) == b * plain_bytes(4, 1, 8) for b in (2, 7, 64))


# --- initialisers --------------------------------------------------------------------------

FAN_IN, FAN_OUT = 300, 3000
N_DRAWS = FAN_IN * FAN_OUT
# std of n samples: relative standard error 1/√(2n) for a normal, √0.2/√n for a uniform;
# 5·(1/√(2n)) covers both with a false-alarm chance ~6e-7 (n = 900,000 → 3.7e-3).
STD_RTOL = 5 / math.sqrt(2 * N_DRAWS)
# max of n uniforms on (−a, a): P(max|w| < a(1−δ)) = (1−δ)^n = e^{−45} for δ = 5e-5.
MAX_RTOL = 5e-5

EXPECTED_STD = {
    "glorot_uniform": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "glorot_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(2 / FAN_IN),
    "he_normal": math.sqrt(2 / FAN_IN),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_initialiser_std_and_bound_match_formula(name):
    W = INITIALISERS[name](FAN_IN, FAN_OUT, rng=np.random.default_rng(18))
    assert W.shape == (FAN_IN, FAN_OUT) and W.dtype == np.float64
    std = EXPECTED_STD[name]
    assert abs(W.std() / std - 1) < STD_RTOL
    assert abs(W.mean()) < 5 * std / math.sqrt(N_DRAWS)  # 5 standard errors of the mean
    if name.endswith("uniform"):
        bound = math.sqrt(3) * std  # U(−a, a) has std a/√3
        assert np.abs(W).max() <= bound
        assert np.abs(W).max() > bound * (1 - MAX_RTOL)


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_initialiser_formulas_match_torch(name):
    ref = np.load(REFS)
    assert tuple(ref["init_fans"]) == (FAN_IN, FAN_OUT)
    # torch drew 900,000 weights with the same fans: same tolerances as above
    assert abs(float(ref[f"init_{name}_std"]) / EXPECTED_STD[name] - 1) < STD_RTOL
    if name.endswith("uniform"):
        bound = math.sqrt(3) * EXPECTED_STD[name]
        assert 1 - MAX_RTOL < float(ref[f"init_{name}_maxabs"]) / bound <= 1


def test_gains_and_std_helpers_match_torch():
    ref = np.load(REFS)
    for nl in ("linear", "sigmoid", "tanh", "relu"):
        assert calculate_gain(nl) == pytest.approx(float(ref[f"gain_{nl}"]), rel=1e-15)
    assert calculate_gain("leaky_relu", 0.2) == pytest.approx(float(ref["gain_leaky_relu"]))
    assert glorot_std(FAN_IN, FAN_OUT) == pytest.approx(EXPECTED_STD["glorot_normal"], rel=1e-15)
    assert he_std(FAN_IN) == pytest.approx(EXPECTED_STD["he_normal"], rel=1e-15)


def test_initialiser_gain_and_normal_scale():
    rng = np.random.default_rng(19)
    W = glorot_normal(FAN_IN, FAN_OUT, rng=rng, gain=5 / 3)
    assert abs(W.std() / (5 / 3 * EXPECTED_STD["glorot_normal"]) - 1) < STD_RTOL
    W = he_uniform(FAN_IN, FAN_OUT, rng=rng, gain=1.0)
    assert abs(W.std() / math.sqrt(1 / FAN_IN) - 1) < STD_RTOL
    W = normal(FAN_IN, FAN_OUT, rng=rng, scale=0.01)
    assert abs(W.std() / 0.01 - 1) < STD_RTOL


def test_dense_uses_named_or_callable_init():
    W = Dense(FAN_IN, FAN_OUT, rng=np.random.default_rng(20), init="glorot_uniform").params["W"]
    np.testing.assert_array_equal(W, glorot_uniform(FAN_IN, FAN_OUT, rng=np.random.default_rng(20)))
    layer = Dense(2, 3, rng=np.random.default_rng(21), init=lambda i, o, rng: np.full((i, o), 7.0))
    np.testing.assert_array_equal(layer.params["W"], np.full((2, 3), 7.0))
    assert he_normal(2, 3, rng=np.random.default_rng(0)).shape == (2, 3)


# --- mlp -----------------------------------------------------------------------------------


def test_mlp_structure():
    rng = np.random.default_rng(22)
    net = mlp([3, 5, 5, 5, 2], "tanh", rng=rng, batchnorm=True, residual=True, dropout=0.1)
    kinds = [type(layer).__name__ for layer in net.layers]
    # first hidden block changes width (3 → 5): no skip; the next two keep width 5: residual
    assert kinds == ["Dense", "BatchNorm", "Tanh", "Dropout", "Residual", "Dropout", "Residual",
                     "Dropout", "Dense"]  # fmt: skip
    assert "b" not in net[0].params and "b" in net[-1].params  # BatchNorm's beta is the bias
    assert net.forward(rng.standard_normal((4, 3))).shape == (4, 2)
    plain = mlp([3, 5, 2], rng=rng)
    assert [type(layer).__name__ for layer in plain.layers] == ["Dense", "ReLU", "Dense"]


# --- bad input -----------------------------------------------------------------------------

RNG = np.random.default_rng(23)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Dense(0, 3, rng=RNG), "in_features"),
        (lambda: Dense(3, -1, rng=RNG), "out_features"),
        (lambda: Dense(3, 2.5, rng=RNG), "out_features"),
        (lambda: Dense(3, 2, rng=RNG, init="xavier"), "init"),
        (lambda: Dense(3, 2, rng=RNG, init=3), "init"),
        (lambda: Dense(3, 2, rng=RNG, init=lambda i, o, rng: np.zeros((o, i))), "init"),
        (lambda: Dense(3, 2, rng=42), "rng"),
        (lambda: Dense(3, 2, rng=RNG, dtype=np.int64), "dtype"),
        (lambda: LeakyReLU(-0.1), "negative_slope"),
        (lambda: LeakyReLU(float("nan")), "negative_slope"),
        (lambda: BatchNorm(0), "num_features"),
        (lambda: BatchNorm(3, momentum=1.5), "momentum"),
        (lambda: BatchNorm(3, eps=0.0), "eps"),
        (lambda: Dropout(1.0, rng=RNG), "p"),
        (lambda: Dropout(-0.1, rng=RNG), "p"),
        (lambda: Dropout(0.5, rng=None), "rng"),
        (lambda: Residual(Dense(3, 4, rng=RNG)), "block"),
        (lambda: Residual(object()), "block"),
        (lambda: Sequential(), "layers"),
        (lambda: Sequential(ReLU(), "relu"), r"layers\[1\]"),
        (lambda: Sequential(*[ReLU()] * 2), r"layers\[1\]"),
        (lambda: Sequential(ReLU(), checkpoint_every=0), "checkpoint_every"),
        (lambda: mlp([3], rng=RNG), "sizes"),
        (lambda: mlp([3, 0, 2], rng=RNG), r"sizes\[1\]"),
        (lambda: mlp([3, 2], "gelu", rng=RNG), "activation"),
        (lambda: mlp([3, 4, 2], rng=RNG, dropout=1.0), "dropout"),
        (lambda: normal(0, 3, rng=RNG), "fan_in"),
        (lambda: glorot_uniform(3, 0, rng=RNG), "fan_out"),
        (lambda: normal(3, 3, rng=RNG, scale=-1.0), "scale"),
        (lambda: glorot_normal(3, 3, rng=RNG, gain=-1.0), "gain"),
        (lambda: he_normal(3, 3, rng=RNG, gain=0.0), "gain"),
        (lambda: calculate_gain("swish"), "nonlinearity"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_shape_names_x_expected_and_given():
    layer = Dense(3, 2, rng=RNG)
    with pytest.raises(ValueError, match=r"x: expected shape \(\.\.\., 3\).*got \(4, 5\)"):
        layer.forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 3\), got \(4, 2\)"):
        BatchNorm(3).forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="x: expected a 2-D array"):
        BatchNorm(3).forward(np.ones(3))
    with pytest.raises(ValueError, match="x: expected at least 2 rows"):
        BatchNorm(3).forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match="block: expected an output of shape"):
        Residual(Sequential(Dense(3, 3, rng=RNG), Dense(3, 2, rng=RNG))).forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout: expected shape \(4, 2\)"):
        layer.forward(np.ones((4, 3)))
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize(
    "layer",
    [
        Dense(2, 2, rng=RNG),
        ReLU(),
        LeakyReLU(),
        Sigmoid(),
        Tanh(),
        BatchNorm(2),
        Dropout(rng=RNG),
        Residual(Dense(2, 2, rng=RNG)),
        Sequential(Dense(2, 2, rng=RNG), ReLU()),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_nan_input_raises(layer):
    x = np.ones((3, 2))
    x[1, 0] = np.nan
    with pytest.raises(ValueError, match="x: expected finite values"):
        layer.forward(x)


def test_backward_can_skip_the_input_gradient_without_changing_parameter_gradients():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 2))
    net = mlp([4, 6, 2], rng=np.random.default_rng(3))
    net.forward(x)
    dx = net.backward(dout)
    full = {k: g.copy() for k, g in net.grads.items()}
    net.forward(x)
    assert net.backward(dout, need_input_grad=False) is None
    assert dx.shape == x.shape
    for k, g in net.grads.items():
        assert np.array_equal(g, full[k]), k


@pytest.mark.parametrize("checkpoint_every", [None, 1, 2])
@pytest.mark.parametrize("shape", ["dense-first", "relu-first-and-last"])
def test_sequential_in_place_relu_changes_no_number_and_no_input(checkpoint_every, shape):
    # Inside a Sequential a ReLU overwrites the fresh output of the Dense before it (forward)
    # and the fresh ∂L/∂h a Dense returned (backward). The numbers must be those of calling
    # the layers one by one, and the caller's x and dout must stay untouched (also when a
    # ReLU is the first layer, fed x, or the last, fed dout).
    rng = np.random.default_rng(31)

    def net():
        r = np.random.default_rng(7)
        if shape == "dense-first":
            return [Dense(5, 8, rng=r), ReLU(), Dense(8, 8, rng=r), ReLU(), Dense(8, 3, rng=r)]
        return [ReLU(), Dense(5, 3, rng=r), ReLU()]

    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    x0, dout0 = x.copy(), dout.copy()
    seq = Sequential(*net(), checkpoint_every=checkpoint_every)
    out = seq.forward(x)
    dx = seq.backward(dout)
    alone = net()
    h = x
    for layer in alone:
        h = layer.forward(h)
    d = dout
    for layer in reversed(alone):
        d = layer.backward(d)
    assert np.array_equal(out, h) and np.array_equal(dx, d)
    for i, layer in enumerate(alone):
        for k, g in layer.grads.items():
            assert np.array_equal(seq.grads[f"{i}.{k}"], g), (i, k)
    assert np.array_equal(x, x0) and np.array_equal(dout, dout0)


# =========================================================================================
# A model's arrays: buffers and load_params (the one way to set weights)
# =========================================================================================


def test_load_params_writes_into_the_layers_own_arrays():
    from trainlib.layers import buffers, load_params

    model = mlp([3, 4, 4, 2], rng=np.random.default_rng(0), batchnorm=True, residual=True)
    held = {**model.params, **buffers(model)}
    assert set(buffers(model)) == {"1.running_mean", "1.running_var",
                                   "3.block.1.running_mean", "3.block.1.running_var"}  # fmt: skip
    new = {k: np.full_like(v, i) for i, (k, v) in enumerate(held.items())}
    load_params(model, new)
    for k, v in {**model.params, **buffers(model)}.items():
        assert v is held[k]  # the same objects: every layer sees the new values
        np.testing.assert_array_equal(v, new[k])
    with pytest.raises(ValueError, match="values"):
        load_params(model, {"9.W": np.zeros(1)})


# =========================================================================================
# The package: one concept per module, the whole API importable from trainlib.layers
# =========================================================================================


def test_the_package_reexports_its_api_and_each_layer_shows_its_own_code():
    import inspect

    import trainlib.layers as layers

    for name in layers.__all__:
        assert getattr(layers, name) is not None, name
    # `Dense??` in IPython shows the class's code, read from its own module.
    assert inspect.getsource(layers.Dense).startswith("class Dense(Layer):")
    assert layers.Dense.__module__ == "trainlib.layers.dense"
    for module in ("base", "dense", "activations", "normalisation", "dropout", "containers",
                   "network"):  # fmt: skip
        path = Path(layers.__file__).with_name(f"{module}.py")
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 250, module


def test_sequential_names_the_layer_that_does_not_fit_what_it_is_fed():
    rng = np.random.default_rng(0)
    net = Sequential(Dense(3, 2, rng=rng), ReLU(), Dense(4, 1, rng=rng))
    with pytest.raises(
        ValueError, match=r"layers\[2\] \(Dense\(4, 1.*fed the output of layers\[1\]"
    ):
        net.forward(rng.standard_normal((5, 3)))
    with pytest.raises(
        ValueError, match=r"layers\[0\] \(Dense\(3, 2.*fed the input x: x: expected"
    ):
        net.forward(rng.standard_normal((5, 4)))
