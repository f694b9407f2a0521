"""Notebook 05 (backpropagation & autodiff): claims C23–C25 with the functions the notebook
calls, and unit tests of trainlib.lessons.backpropagation.experiments."""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from trainlib import twolayer
from trainlib.gradcheck import numerical_gradient, rel_error
from trainlib.lessons.backpropagation import experiments as bv
from trainlib.lessons.backpropagation.exercises import _dW1, gradcheck_my_dW1

# The project-wide bar for float64 gradient checks against central differences. With the
# notebook's h = 1e-5 the worst entry of its problem errs by 7.3e-10 (rounding ∝ ε/h on
# gradient entries ~1e-2 of a mean loss; see trainlib.gradcheck), so the bar has ~100×
# margin, while a wrong factor, sign, mask or transpose gives errors of order 1.
FD_TOL = 1e-7
# Two exact computations of the same number (same formulas, other order of operations)
# differ by a few ulps, ~1e-16 relative; 1e-12 leaves room for cancellation in batch sums.
EXACT_TOL = 1e-12
# The notebook's problem: 6 two-moons points, a 2 → 4 → 1 net, seed 0.
SEED = 0


def notebook_problem():
    return bv.example_problem(rng=np.random.default_rng(SEED))


# ---- C23: the manual two-layer net, every gradient checked ----------------------------------


def test_C23_every_analytic_gradient_matches_central_differences():
    params, x, y = notebook_problem()
    cache = twolayer.forward(params, x, y)
    # central differences are only valid away from ReLU's kink: |z1| ≥ 0.14 here, while a
    # step h = 1e-5 moves z1 by at most h·max(1, |x|) ≈ 1e-5
    assert np.min(np.abs(cache["z1"])) > 100 * 1e-5 * max(1.0, np.abs(x).max())
    grads = twolayer.backward(params, cache)
    errors = bv.check_gradients(params, x, y, grads, rng=np.random.default_rng(1))
    assert set(errors) == set(grads)  # every gradient backward returns, none skipped
    assert max(errors.values()) < FD_TOL, errors


def test_C23_gradient_check_catches_wrong_gradients():
    """The check the notebook runs can fail: each typical mistake errs by far more than 1e-7."""
    params, x, y = notebook_problem()
    c = twolayer.forward(params, x, y)
    g = twolayer.backward(params, c)
    wrong = {
        "dW1": x.T @ g["da1"],  # ReLU mask forgotten
        "db1": len(x) * g["db1"],  # 1/N forgotten
        "dW2": -g["dW2"],  # sign
        "dz2": c["yhat"] - c["y"],  # 1/N forgotten
        "da1_dz1": np.ones_like(g["da1_dz1"]),  # ReLU' taken as 1 everywhere
    }
    errors = bv.check_gradients(params, x, y, wrong, rng=np.random.default_rng(1))
    assert min(errors.values()) > 1e-2, errors


def test_C23_error_signal_simplifies_to_yhat_minus_y():
    params, x, y = notebook_problem()
    c = twolayer.forward(params, x, y)
    g = twolayer.backward(params, c)
    N = len(x)
    # ∂L/∂ŷ · ∂ŷ/∂z2 computed unsimplified equals (ŷ − y)/N up to rounding
    assert rel_error(g["dyhat"] * g["dyhat_dz2"], (c["yhat"] - c["y"]) / N) < EXACT_TOL


def test_C23_students_gradient_check_passes_a_correct_derivation_and_fails_a_wrong_one():
    params, x, y = notebook_problem()
    out = io.StringIO()
    with redirect_stdout(out):
        good = gradcheck_my_dW1(_dW1, params, x, y)
        bad = gradcheck_my_dW1(lambda *args: 2 * _dW1(*args), params, x, y)
        transposed = gradcheck_my_dW1(lambda *args: _dW1(*args).T, params, x, y)

        def stub(*args):
            raise NotImplementedError

        untouched = gradcheck_my_dW1(stub, params, x, y)
    assert good < FD_TOL
    assert bad > 0.1  # a factor 2 gives |2g − g| / (|2g| + |g|) = 1/3 on every entry
    assert transposed is None and untouched is None
    text = out.getvalue()
    assert "passes" in text and "fails" in text and "not attempted yet" in text
    assert "W1's shape" in text


# ---- C24: local × upstream -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "w1", "y"),
    [(1.5, 0.8, 1.0), (1.5, 0.8, 0.0), (-2.0, -1.3, 1.0), (3.0, 2.0, 0.0), (-1.0, 0.8, 1.0)],
)
def test_C24_product_of_local_gradients_is_the_end_to_end_derivative(x, w1, y):
    """The figure's numbers: each edge's grad = local × upstream; the product = ∂L/∂x."""
    from trainlib.lessons.backpropagation.figures import chain_rule_figure

    CHAIN_B1, CHAIN_B2, CHAIN_W2 = bv.CHAIN_B1, bv.CHAIN_B2, bv.CHAIN_W2

    ex = twolayer.chain_example(x, y, w1=w1, b1=CHAIN_B1, w2=CHAIN_W2, b2=CHAIN_B2)
    # two exact routes to the same number: rounding only
    assert abs(ex["product"] - ex["end_to_end"]) <= EXACT_TOL * max(1.0, abs(ex["end_to_end"]))
    for e in ex["edges"]:
        assert e["grad"] == e["local"] * e["upstream"]
    # the end-to-end derivative is the slope of L(x), the curve the figure draws
    h = 1e-5
    L = bv.chain_loss([x - h, x + h], y, w1=w1, b1=CHAIN_B1, w2=CHAIN_W2, b2=CHAIN_B2)
    slope = (L[1] - L[0]) / (2 * h)
    assert abs(slope - ex["end_to_end"]) < 1e-8  # O(h²) + O(ε/h) ≈ 1e-11 for these O(1) values
    # and the figure shows exactly these numbers
    live = chain_rule_figure(x=x, w1=w1, y=y)
    assert live.product_num.get_text() == f"{ex['product'] + 0.0:+.6f}"
    assert live.closed_num.get_text() == f"{ex['end_to_end'] + 0.0:+.6f}"
    assert live.product_num.get_text() == live.closed_num.get_text()
    live.close()


def test_C24_product_holds_over_the_whole_slider_range():
    CHAIN_B1, CHAIN_B2, CHAIN_W2 = bv.CHAIN_B1, bv.CHAIN_B2, bv.CHAIN_W2
    for x in np.arange(-3.0, 3.01, 0.1):
        for w1 in np.arange(-2.0, 2.01, 0.1):
            for y in (0.0, 1.0):
                ex = twolayer.chain_example(x, y, w1=w1, b1=CHAIN_B1, w2=CHAIN_W2, b2=CHAIN_B2)
                assert abs(ex["product"] - ex["end_to_end"]) <= EXACT_TOL


# ---- C25: autodiff vs manual vs finite differences -------------------------------------------


def test_C25_autodiff_equals_manual_finite_differences_only_approximate():
    params, x, y = notebook_problem()
    loss, manual = twolayer.loss_and_grads(params, x, y)
    ad_loss, auto = bv.autodiff_twolayer(params, x, y)
    assert abs(float(ad_loss.data) - loss) < EXACT_TOL
    ad_err = max(rel_error(auto[k], manual[k]) for k in manual)
    assert ad_err < EXACT_TOL
    fd = bv.fd_gradients(params, x, y, h=1e-5)  # the notebook's step
    fd_err = max(rel_error(fd[k], manual[k]) for k in manual)
    assert EXACT_TOL <= fd_err < FD_TOL, fd_err  # visible, but small


def test_C25_at_h_1e_5_rounding_not_truncation_dominates():
    """Cell 21: truncation ∝ h² is about 4e-12 at h = 1e-5 (extrapolated from h = 0.1 and 0.01,
    where the worst entry follows h² exactly), the total error up to 7e-10 (the figure's curve)."""
    from trainlib.lessons.backpropagation.figures import gradient_error_figure

    live = gradient_error_figure()
    worst = live.curve.max(axis=1)
    at = {h: worst[int(np.argmin(np.abs(np.log10(live.hs / h))))] for h in (1e-1, 1e-2, 1e-5)}
    assert at[1e-1] / at[1e-2] == pytest.approx(100, rel=0.01)  # the h² law
    trunc = at[1e-1] / 0.1**2 * 1e-5**2
    assert round(trunc, 12) == 4e-12
    assert round(at[1e-5], 10) == 7e-10
    assert at[1e-5] > 100 * trunc  # rounding (∝ ε/h) dominates


def test_C25_autodiff_builds_the_chain_graph_and_matches_the_manual_chain():
    ex = twolayer.chain_example()
    t = bv.autodiff_chain()
    grads = {e["src"]: e["grad"] for e in ex["edges"]}
    for name in ("x", "z1", "a1", "z2", "yhat"):
        assert abs(float(t[name].grad) - grads[name]) <= EXACT_TOL * max(1.0, abs(grads[name]))
        assert abs(float(t[name].data) - ex["nodes"][name]) <= EXACT_TOL
    # the graph the forward pass recorded contains every named node of the chain
    from trainlib.autodiff import graph

    names = {n["name"] for n in graph(t["L"])["nodes"]}
    assert {"x", "w1", "b1", "w2", "b2", "z1", "a1", "z2", "yhat", "L"} <= names


def test_C25_finite_difference_error_is_V_shaped_in_h():
    """The figure's curve: minimum inside the h range, rising on both sides."""
    from trainlib.lessons.backpropagation.figures import gradient_error_figure

    live = gradient_error_figure()
    worst = live.curve.max(axis=1)
    k = int(np.argmin(worst))
    assert 0 < k < len(worst) - 1, "minimum at an end of the h range: no V"
    assert worst[0] > 1e3 * worst[k]  # rounding side (h = 1e-12): ≈ 1e-2 vs ≈ 4e-10
    assert worst[-1] > 1e3 * worst[k]  # truncation side (h = 0.1): ≈ 1e-3
    # cell 25: "too small fails too, and worse": about 1e-2 at h = 1e-12, about 4e-4 at h = 0.1
    assert live.hs[0] == pytest.approx(1e-12) and live.hs[-1] == pytest.approx(0.1)
    assert 10**-2.5 < worst[0] < 10**-1.5 and round(worst[-1], 4) == 4e-4
    assert worst[0] > 10 * worst[-1]
    # the optimum sits above ε^(1/3): h* = (3ε|L|/|L‴|)^(1/3), ≈ 3e-5 here
    assert 1e-7 < live.hs[k] < 1e-3
    assert worst[k] < FD_TOL <= max(worst[0], worst[-1])
    # autodiff's error is flat at rounding level, far below the best finite difference
    assert live.auto.max() < EXACT_TOL < worst.min()
    # the curve is what fd_error_curve gives for the same problem (what the notebook calls)
    params, x, y = notebook_problem()
    curve, auto = bv.fd_error_curve(params, x, y, live.hs[[0, k, -1]])
    np.testing.assert_array_equal(curve, live.curve[[0, k, -1]])
    np.testing.assert_array_equal(auto, live.auto)
    live.close()


# ---- unit tests of lessons.backpropagation.experiments -------------------------------------------


def test_example_problem_shapes_and_determinism():
    p1, x1, y1 = bv.example_problem(rng=np.random.default_rng(3), N=5, D=3, H=2)
    p2, x2, y2 = bv.example_problem(rng=np.random.default_rng(3), N=5, D=3, H=2)
    assert x1.shape == (5, 3) and y1.shape == (5,)
    assert p1["W1"].shape == (3, 2) and p1["W2"].shape == (2, 1)
    assert set(np.unique(y1)) <= {0.0, 1.0}
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(p1["b1"], p2["b1"])
    with pytest.raises(ValueError, match="N"):
        bv.example_problem(rng=np.random.default_rng(0), N=0)


def test_summary_table_lists_shapes_and_stats():
    table = bv.summary_table({"z1": np.array([[1.0, -2.0], [3.0, 0.0]]), "loss": 0.5})
    lines = table.splitlines()
    assert lines[0].split() == ["name", "meaning", "shape", "min", "mean", "max"]
    assert lines[2].startswith("z1") and "(2, 2)" in lines[2]
    assert lines[2].split()[-3:] == ["-2", "0.5", "3"]
    assert "()" in lines[3] and lines[3].split()[-3:] == ["0.5", "0.5", "0.5"]
    assert "-0 " not in bv.summary_table({"z": np.array([-0.0, 0.0])}) + " "


def test_check_gradients_rejects_bad_input():
    params, x, y = notebook_problem()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="dW3"):
        bv.check_gradients(params, x, y, {"dW3": np.zeros(2)}, rng=rng)
    with pytest.raises(ValueError, match="expected shape"):
        bv.check_gradients(params, x, y, {"dW1": np.zeros((4, 2))}, rng=rng)
    with pytest.raises(ValueError, match="h"):
        bv.check_gradients(params, x, y, {}, rng=rng, h=0.0)


def test_check_gradients_leaves_params_untouched():
    params, x, y = notebook_problem()
    before = {k: v.copy() for k, v in params.items()}
    g = twolayer.backward(params, twolayer.forward(params, x, y))
    bv.check_gradients(params, x, y, g, rng=np.random.default_rng(0))
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_chain_loss_matches_chain_example():
    for x, y in ((1.5, 1.0), (-0.7, 0.0), (2.0, 0.0)):
        ex = twolayer.chain_example(x, y)
        L = bv.chain_loss([x], y, w1=0.8, b1=-0.2, w2=-1.3, b2=0.4)
        assert abs(L[0] - ex["nodes"]["L"]) < EXACT_TOL


def test_entry_errors_max_is_rel_error():
    params, x, y = notebook_problem()
    _, manual = twolayer.loss_and_grads(params, x, y)
    fd = bv.fd_gradients(params, x, y, h=1e-4)
    errs = bv.entry_errors(fd, manual)
    assert errs.shape == (sum(v.size for v in params.values()),)
    assert errs.max() == max(rel_error(fd[k], manual[k]) for k in manual)


def test_chain_constants_are_the_example_defaults_and_the_figure_problem_the_notebooks():
    """The figure's fixed b1, w2, b2 are `chain_example`'s defaults; its problem is seed 0's."""
    ex = twolayer.chain_example(1.5, 1.0, b1=bv.CHAIN_B1, w2=bv.CHAIN_W2, b2=bv.CHAIN_B2)
    assert ex == twolayer.chain_example()
    assert abs(float(bv.autodiff_chain()["L"].data) - ex["nodes"]["L"]) < EXACT_TOL
    for a, b in zip(bv.error_problem(), notebook_problem(), strict=True):
        if isinstance(a, dict):
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])
        else:
            np.testing.assert_array_equal(a, b)


# --- C4, C5: the memory bill of the forward pass and checkpointing (moved here from notebook 01,
# after the backward pass that needs the stored activations) -------------------------------------

import math  # noqa: E402

from trainlib.lessons.backpropagation import memory  # noqa: E402


def test_C4_stored_bytes_are_linear_in_depth_batch_and_width():
    # exact: measured bytes equal the formula (integers, no tolerance needed)
    for depth, batch, width in [(1, 1, 4), (4, 32, 64), (16, 128, 128), (7, 5, 33)]:
        assert memory.forward_bytes(depth, batch, width) == memory.forward_bytes_formula(
            depth, batch, width
        )
    # linear in each factor: constant first differences (zero second differences)
    for vary in ("depth", "batch", "width"):
        base = {"depth": 4, "batch": 32, "width": 64}
        values = [memory.forward_bytes(**{**base, vary: v}) for v in (1, 2, 3, 5, 8, 13)]
        slopes = np.diff(values) / np.diff([1, 2, 3, 5, 8, 13])
        assert np.all(slopes == slopes[0]) and slopes[0] > 0, vary
    # proportional in the batch: twice the batch, twice the bytes
    assert memory.forward_bytes(4, 64, 64) == 2 * memory.forward_bytes(4, 32, 64)


@pytest.mark.parametrize("depth", [4, 8, 16])  # the figure's three networks
def test_C5_checkpointing_same_gradients_less_memory_more_compute(depth):
    s = memory.checkpoint_sweep(depth)
    L = s.n_layers
    assert L == 2 * depth + 1
    assert s.grads_identical  # bit for bit, every k
    k_root = round(math.sqrt(L))
    i = k_root - 1
    assert s.peak_bytes[i] < s.plain_peak  # memory down near √L …
    assert s.forward_evals[i] > s.plain_evals  # … paid for with recomputation
    best = int(s.ks[np.argmin(s.peak_bytes)])
    assert math.sqrt(L) / 2 <= best <= 2 * math.sqrt(L)  # the ≈ √L optimum
    # the saving grows with depth (≈ 2√L/L): 53 % of the plain peak at L = 9, 52 % at 17,
    # 38 % at 33 — 0.55 holds for all three (integer segment sizes make small L coarse)
    assert s.peak_bytes.min() < 0.55 * s.plain_peak
    # k = 1 checkpoints every layer's input, pre-activations included: more than no checkpointing
    assert s.peak_bytes[0] > s.plain_peak
    # k ≥ L is one segment: exactly the plain run
    assert s.peak_bytes[-1] == s.plain_peak and s.forward_evals[-1] == s.plain_evals


def test_C5_the_printed_sweep_flat_bottom_and_optimum():
    """The numbers the notebook's C5 text states: m = 33, √m = 5.74, the lowest peak at k = 9,
    and a flat bottom: every k from 4 to 19 within 0.38–0.57 of the plain peak."""
    s = memory.checkpoint_sweep(16)
    assert s.n_layers == 33 and f"{math.sqrt(s.n_layers):.2f}" == "5.74"
    assert int(s.ks[np.argmin(s.peak_bytes)]) == 9
    ratio = s.peak_bytes / s.plain_peak
    flat = ratio[3:19]  # k = 4 … 19
    assert round(flat.min(), 2) == 0.38 and round(flat.max(), 2) == 0.57
    # off the bottom on both sides: k = 1 … 3 (steep) and k = 20 (the slow rise towards 1)
    assert np.all(ratio[:3] > 0.6) and ratio[19] > 0.6


def test_C5_the_four_hidden_layer_answer():
    """The answer after the checkpoint figure: with 4 hidden layers (m = 9) the lowest peak is at
    k = 5, not √9 = 3: 0.53 of the plain peak (0.76 at k = 3), for 14 layer forwards against 9."""
    s = memory.checkpoint_sweep(4)
    assert s.n_layers == 9 and s.plain_evals == 9
    ratio = s.peak_bytes / s.plain_peak
    best = int(np.argmin(s.peak_bytes))
    assert int(s.ks[best]) == 5 and np.sum(s.peak_bytes == s.peak_bytes[best]) == 1
    assert round(ratio[best], 2) == 0.53 and round(ratio[2], 2) == 0.76
    assert s.forward_evals[best] == 14


def test_memory_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="depth"):
        memory.forward_bytes(0, 1, 1)
    with pytest.raises(ValueError, match="depth"):
        memory.checkpoint_sweep(0)


# ---- the order of the factors, BCE-with-logits, the backward pass's cost -----------------------

from trainlib.lessons.backpropagation import cost  # noqa: E402


def test_order_of_factors_matters_only_beyond_one_output_and_one_example():
    """The text's (ŷ − y)·W₂ᵀ is right for a scalar ŷ − y; with 3 outputs or a batch only one
    order fits (the shapes the notebook prints)."""
    params, x, y = notebook_problem()
    c = twolayer.forward(params, x, y)
    g = twolayer.backward(params, c)
    e1 = float(c["yhat"][0, 0] - c["y"][0, 0])
    W2_col = params["W2"].T  # (1, H)
    np.testing.assert_array_equal(e1 * W2_col.T, W2_col.T @ np.array([[e1]]))
    W2_three, e3 = np.ones((3, 4)), np.ones((3, 1))
    assert (W2_three.T @ e3).shape == (4, 1)
    with pytest.raises(ValueError):
        e3 @ W2_three.T
    assert (g["dz2"] @ params["W2"].T).shape == g["da1"].shape == (6, 4)
    with pytest.raises(ValueError):
        params["W2"].T @ g["dz2"]


def test_bce_with_logits_is_finite_where_the_naive_form_is_inf_and_nan():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the lesson's naive form must not warn
        big = cost.bce_naive_and_fused(40.0, 0.0)
        tiny = cost.bce_naive_and_fused(-800.0, 1.0)
        mild = cost.bce_naive_and_fused(2.0, 1.0)
    assert big["yhat"] == 1.0 and tiny["yhat"] == 0.0  # σ rounds to exactly 1 and 0
    assert big["naive"] == np.inf and tiny["naive"] == np.inf
    assert np.isnan(big["naive_grad"]) and np.isnan(tiny["naive_grad"])
    # the true values: L = log(1 + e^z) for y = 0, log(1 + e^−z) for y = 1; ∂L/∂z = ŷ − y
    assert abs(big["fused"] - np.logaddexp(0, 40.0)) < 1e-12 and big["fused_grad"] == 1.0
    assert abs(tiny["fused"] - 800.0) < 1e-12 and tiny["fused_grad"] == -1.0
    assert abs(mild["naive"] - mild["fused"]) < 1e-12
    assert abs(mild["naive_grad"] - (1 / (1 + np.exp(-2.0)) - 1)) < 1e-12


def test_backward_does_twice_the_forward_products_per_layer_and_1_to_2_overall():
    # per layer: xᵀ·dout and dout·Wᵀ, each N·d·d′ — exactly 2× the forward's N·d·d′
    fwd, bwd = cost.dense_flops((7, 5), batch=3)
    assert (fwd, bwd) == (3 * 7 * 5, 3 * 7 * 5)  # one layer: the first, no ∂L/∂x
    fwd, bwd = cost.dense_flops((7, 5, 4), batch=3)
    assert bwd == 2 * fwd - 3 * 7 * 5
    # the three ratios the notebook prints, from the counts written out by hand
    assert f"{(2 * 12 - 8) / 12:.3f}" == "1.333"
    per = [784 * 256, 256 * 256, 256 * 10]
    assert f"{(2 * sum(per) - per[0]) / sum(per):.3f}" == "1.253"
    assert round(per[0] / sum(per), 2) == 0.75  # "three quarters of the weights"
    assert f"{15 / 8:.3f}" == "1.875"
    for sizes, want in (((2, 4, 1), 1.333), ((784, 256, 256, 10), 1.253), ((256,) * 9, 1.875)):
        f, b = cost.dense_flops(sizes, batch=256)
        assert f"{b / f:.3f}" == f"{want:.3f}"
    from trainlib.lessons.backpropagation.exercises import _backward_cost

    f, b = cost.dense_flops((784, 256, 256, 10), 1)
    assert _backward_cost() == b / f  # the predict exercise counts what dense_flops counts
    with pytest.raises(ValueError, match="sizes"):
        cost.dense_flops((3,), 1)


def test_forward_mode_equals_reverse_mode_and_costs_one_pass_per_parameter():
    params, x, y = notebook_problem()
    fm, passes = cost.forward_mode_grads(params, x, y)
    _, manual = twolayer.loss_and_grads(params, x, y)
    assert passes == 17 == sum(v.size for v in params.values())
    assert max(rel_error(fm[k], manual[k]) for k in manual) < EXACT_TOL
    c = cost.mode_costs((20, 50, 1), batch=64)
    assert c["params"] == 20 * 50 + 50 + 50 + 1 == 1101
    assert c["reverse_mode"] == 64 * 1050 + 64 * (2 * 1050 - 20 * 50)  # fwd + bwd
    assert round(c["forward_mode"] / c["reverse_mode"], -1) == 560  # "about 560 times"
    big = bv.example_problem(rng=np.random.default_rng(0), N=64, D=20, H=50)
    assert sum(v.size for v in big[0].values()) == 1101
    # Times are measured by benchmarks/backprop_times.py, never asserted here: the notebook
    # prints "more than 10× slower" (the count says 564×) and strict nbval checks that line.


def test_gradients_add_over_the_uses_of_a_value():
    t = cost.branching(2.0, 3.0)
    assert float(t["f"].data) == 8.0
    assert float(t["x"].grad) == 3.0 + 1.0 and float(t["y"].grad) == 2.0
    for xv, yv in ((2.0, 3.0), (-1.3, 0.4), (0.5, -2.0)):
        t = cost.branching(xv, yv)
        h = 1e-5
        f = lambda a, b: a * b + a  # noqa: E731
        fd_x = (f(xv + h, yv) - f(xv - h, yv)) / (2 * h)
        assert abs(float(t["x"].grad) - fd_x) < 1e-8
    # the debug exercise: the colleague's "=" loses one path of each reused value
    from trainlib.lessons.backpropagation.exercises import _branch_grads

    np.testing.assert_allclose(_branch_grads(2.0, 3.0), [12.0, 14.0])  # y² + y, 2xy + x
    g = lambda a, b: (a * b + a) * b  # noqa: E731
    h = 1e-5
    fd = [(g(2 + h, 3) - g(2 - h, 3)) / (2 * h), (g(2, 3 + h) - g(2, 3 - h)) / (2 * h)]
    np.testing.assert_allclose(_branch_grads(2.0, 3.0), fd, atol=1e-6)


def test_best_step_of_central_differences_and_the_figures_minimum():
    """The numbers the notebook prints under the V figure: h* per parameter 1.8e-5 … 1.8e-3
    (4 parameters with L‴ = 0), ε^(1/3) = 6.1e-6, the curve's minimum near 3e-5 at about 4e-10,
    autodiff at ~1e-16 — six orders below."""
    from trainlib.lessons.backpropagation.figures import gradient_error_figure

    params, x, y = notebook_problem()
    loss, h_star = cost.best_steps(params, x, y)
    finite = h_star[np.isfinite(h_star)]
    assert f"{loss:.3f}" == "0.691" and f"{np.finfo(float).eps ** (1 / 3):.1e}" == "6.1e-06"
    assert f"{finite.min():.1e}" == "1.8e-05" and f"{finite.max():.1e}" == "1.8e-03"
    assert np.isinf(h_star).sum() == 4
    # the four are the parameters of the hidden unit that is off for every example
    cache = twolayer.forward(params, x, y)
    assert np.sum(np.all(cache["z1"] <= 0, axis=0)) == 1
    # L‴ estimated at s = 1e-2 agrees with s = 3e-3 (the estimate is not a rounding artefact)
    _, h_star2 = cost.best_steps(params, x, y, h3=3e-3)
    np.testing.assert_allclose(h_star[np.isfinite(h_star)], h_star2[np.isfinite(h_star)], rtol=0.05)
    live = gradient_error_figure()
    worst = live.curve.max(axis=1)
    k = int(np.argmin(worst))
    assert 1e-5 <= live.hs[k] <= 1e-4  # "near 3e-5"; one grid point either way on other machines
    assert 1e-10 <= worst[k] < 1e-9  # "a few 1e-10"
    assert 1e-17 < live.auto.max() < 1e-15  # "10⁻¹⁶"
    assert 5 <= np.log10(worst[k] / live.auto.max()) <= 7  # "about six orders of magnitude"
    live.close()


def test_C23_gradient_check_errors_lie_between_1e_12_and_1e_9():
    """The prose's range of the exact (unprinted) relative errors of check_gradients."""
    params, x, y = notebook_problem()
    cache = twolayer.forward(params, x, y)
    assert f"{np.abs(cache['z1']).min():.2f}" == "0.14"
    g = twolayer.backward(params, cache)
    errors = bv.check_gradients(params, x, y, g, rng=np.random.default_rng(1), h=1e-5)
    assert 1e-12 < min(errors.values()) and max(errors.values()) < 1e-9, errors


def test_C5_checkpoint_forwards_at_most_one_extra_pass_and_the_tune_answer():
    """The last row of the sweep: never more than 2·33 − 1 = 65 layer forwards. The tune
    exercise (8 hidden layers, m = 17, budget 40,000 B): only k = 5, 6, 9 fit (34,816 B each,
    32, 29, 26 forwards), so k = 9; the rule of thumb k = 4 ≈ √17 peaks at 43,008 B."""
    s = memory.checkpoint_sweep(16)
    # the sweep's net: width 32, batch 32, 8 inputs, 4 outputs; its plain peak is exactly the
    # forward bill 8·N·(d_in + n·H) of the memory section
    assert s.plain_peak == 8 * 32 * (8 + 16 * 32) == 133_120
    assert s.plain_peak == memory.forward_bytes(16, 32, 32, d_in=8, d_out=4)
    assert s.forward_evals.max() == 2 * s.n_layers - 1 == 65
    from trainlib.lessons.backpropagation.exercises_memory import (
        TUNE_BUDGET,
        TUNE_DEPTH,
        _checkpoint_goal,
        _checkpoint_k,
    )

    assert (TUNE_DEPTH, TUNE_BUDGET) == (8, 40_000)
    t = memory.checkpoint_sweep(TUNE_DEPTH)
    assert t.n_layers == 17 and round(math.sqrt(17)) == 4
    fits = t.peak_bytes <= TUNE_BUDGET
    assert list(t.ks[fits]) == [5, 6, 9]
    assert list(t.peak_bytes[fits]) == [34_816] * 3
    assert list(t.forward_evals[fits]) == [32, 29, 26]
    best = int(t.ks[fits][np.argmin(t.forward_evals[fits])])
    assert best == _checkpoint_k() == 9 and t.plain_evals == 17
    assert t.peak_bytes[3] == 43_008  # k = 4 ≈ √17 does not fit
    assert _checkpoint_goal(9) is None
    assert "over the 40,000 B budget" in _checkpoint_goal(4)
    assert "another k that fits needs only 26" in _checkpoint_goal(5)
    assert "whole number" in _checkpoint_goal(0) and "whole number" in _checkpoint_goal(18)
    # the figure's dropdown offers this network
    from trainlib.lessons.backpropagation.figures_memory import CHECKPOINT_DEPTHS

    assert TUNE_DEPTH in CHECKPOINT_DEPTHS


def test_C23_prose_numbers_of_the_backward_table():
    """Cells 6 and 8: the ReLU mask is on in 11 of the 6 × 4 (example, unit) pairs (mean
    0.4583), and the first row's ∂L/∂ŷ = ŷ/(N ŷ(1 − ŷ)) = 0.3471 includes the factor 1/N."""
    params, x, y = notebook_problem()
    c = twolayer.forward(params, x, y)
    g = twolayer.backward(params, c)
    assert g["da1_dz1"].sum() == 11 and g["da1_dz1"].size == 24
    assert round(g["da1_dz1"].mean(), 4) == 0.4583
    yhat0, y0 = c["yhat"][0, 0], c["y"][0, 0]
    assert y0 == 0 and round(yhat0, 4) == 0.5198
    assert (
        round(g["dyhat"][0, 0], 4) == round((yhat0 - y0) / (6 * yhat0 * (1 - yhat0)), 4) == 0.3471
    )


def test_my_dW1_tanh_differs_from_the_relu_formulas():
    """Exercise 2 needs tanh's local gradient: cell 4's ReLU formulas give another answer."""
    from trainlib.lessons.backpropagation.exercises import tanh_forward

    params, x, y = notebook_problem()
    c = tanh_forward(params, x, y)
    args = (c["x"], c["y"], c["a1"], c["yhat"], params["W2"])
    relu_copy = c["x"].T @ ((c["yhat"] - c["y"]) @ params["W2"].T * (c["z1"] > 0))
    assert rel_error(_dW1(*args), relu_copy) > 0.1


def test_my_dW1_is_the_summed_loss_gradient_n_times_the_mean_one():
    """Exercise 2 asks for the SUMMED loss: its ∂L/∂W1 is N × the mean loss's (cell 4's chain
    with tanh′ = 1 − a1²), and matches central differences of N × the mean loss, not of it."""
    from trainlib.lessons.backpropagation.exercises import tanh_forward

    params, x, y = notebook_problem()
    c = tanh_forward(params, x, y)
    args = (c["x"], c["y"], c["a1"], c["yhat"], params["W2"])
    N = len(x)
    mean_grad = c["x"].T @ ((c["yhat"] - c["y"]) / N @ params["W2"].T * (1 - c["a1"] ** 2))
    assert rel_error(_dW1(*args), N * mean_grad) < EXACT_TOL
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    fd_sum = numerical_gradient(lambda: N * tanh_forward(p, x, y)["loss"], p["W1"], 1.0, 1e-5)
    assert rel_error(_dW1(*args), fd_sum) < FD_TOL
    assert rel_error(mean_grad, fd_sum) > 0.5  # the mean's gradient is N = 6 times too small


def test_C23_dead_unit_gives_exact_zero_gradients():
    """Cell 6: the mask's column sums are 4, 0, 3, 4 — the second unit is dead, so its column
    of dW1, its entry of db1 and of dW2 are exactly 0, the max of 0 in the dW2 row."""
    params, x, y = notebook_problem()
    g = twolayer.backward(params, twolayer.forward(params, x, y))
    assert list(g["da1_dz1"].sum(axis=0)) == [4, 0, 3, 4]
    assert np.all(g["dW1"][:, 1] == 0) and g["db1"][1] == 0 and g["dW2"][1, 0] == 0
    assert g["dW2"].max() == 0  # the other three entries are negative


def test_bce_factors_explode_and_vanish_but_their_product_is_tame():
    """Cell 10: at z = 8, y = 0, ∂L/∂ŷ = 1/(1 − ŷ) ≈ 2982, ŷ(1 − ŷ) = 3.4e-4, product
    ŷ − y = 0.9997 — and the naive and fused routes still agree there."""
    r = cost.bce_naive_and_fused(8.0, 0.0)
    yhat = 1 / (1 + np.exp(-8.0))  # independent
    assert round(r["dyhat"]) == round(1 / (1 - yhat)) == 2982
    assert f"{r['dyhat_dz2']:.1e}" == "3.4e-04" and r["dyhat_dz2"] <= 0.25
    assert f"{r['dyhat'] * r['dyhat_dz2']:.4f}" == f"{yhat:.4f}" == "0.9997"
    assert abs(r["naive_grad"] - r["fused_grad"]) < 1e-10
    assert abs(r["naive"] - r["fused"]) < 1e-10


def test_gradient_check_worst_entries_at_both_ends_of_h():
    """Cell 27: at large h the worst entry is b2 (largest |L‴| relative to its gradient), while
    the most curved parameter W2[0, 0] has a large gradient; at the smallest h the worst are
    small-gradient entries."""
    from trainlib.lessons.backpropagation.figures import gradient_error_figure

    params, x, y = notebook_problem()
    loss, h_star = cost.best_steps(params, x, y)
    _, g = twolayer.loss_and_grads(params, x, y)
    flat = np.concatenate([g[k].ravel() for k in twolayer.PARAM_KEYS])
    third = 3 * np.finfo(float).eps * loss / h_star**3
    alive = np.flatnonzero(flat)  # the dead unit's four entries: gradient 0, L‴ = 0
    assert len(alive) == 13 and alive[np.argmax(third[alive] / np.abs(flat[alive]))] == 16  # b2
    assert int(np.argmax(third)) == 12 and abs(flat[12]) == np.abs(flat).max()  # W2[0, 0]
    live = gradient_error_figure()
    assert int(np.argmax(live.curve[-1])) == 16
    small = np.argsort(live.curve[0])[::-1][:3]
    assert np.all(np.abs(flat[small]) < 3e-3)  # the smallest nonzero gradient entries
    live.close()


def test_gradient_check_branches_meet_near_1e_4():
    """Cell 27: a flat, noisy bottom between 1e-5 and 1e-4; left of 1e-4 the worst entries are
    small-gradient ones (rounding), from 1e-4 on b2 (truncation); at 1e-4 both branches are a few
    1e-10; W2[0, 0]'s error is 0.85–0.86 of b2's for h ≥ 1e-3, the second worst."""
    from trainlib.lessons.backpropagation.figures import gradient_error_figure

    params, x, y = notebook_problem()
    _, g = twolayer.loss_and_grads(params, x, y)
    flat = np.concatenate([g[k].ravel() for k in twolayer.PARAM_KEYS])
    live = gradient_error_figure()
    hs, curve = live.hs, live.curve
    worst = curve.max(axis=1)
    j4 = int(np.argmin(np.abs(np.log10(hs / 1e-4))))
    j35 = int(np.argmin(np.abs(np.log10(hs / 3e-5))))
    bottom = (hs >= 0.99e-5) & (hs <= 1.01e-4)
    assert bottom.sum() == 5 and worst[~bottom].min() > worst[bottom].max()  # the flat bottom
    assert int(np.argmin(worst)) == j35  # "best h" at 3e-5
    for j in range(j4):  # left of 1e-4: an entry with one of the smallest gradients
        assert abs(flat[np.argmax(curve[j])]) < 1e-2
    assert all(int(np.argmax(curve[j])) == 16 for j in range(j4, len(hs)))  # b2 from 1e-4 on
    top = np.argsort(curve[j35])[::-1][:3]
    assert set(top) == {6, 8, 11}  # W1[1, 2], b1[0], b1[3]: the three smallest nonzero |∂L/∂θ|
    assert set(np.argsort(np.abs(np.where(flat == 0, np.inf, flat)))[:3]) == {6, 8, 11}
    assert np.all((2e-10 <= curve[j35, top]) & (curve[j35, top] < 4e-10))
    assert curve[j35, 16] < 1e-10  # b2 is not (yet) among the worst there
    assert list(np.argsort(curve[j4])[::-1][:3]) == [16, 12, 6]  # b2, W2[0, 0], W1[1, 2]
    assert f"{curve[j4, 16]:.1e}" == "3.9e-10" and f"{curve[j4, 12]:.1e}" == "3.6e-10"
    assert 2e-10 <= curve[j4, 6] < 3e-10  # "2.6e-10", rounding noise: one digit
    large = hs >= 1e-3
    share = curve[large, 12] / curve[large, 16]
    assert f"{share.min():.2f}" == "0.85" and f"{share.max():.2f}" == "0.86"
    assert all(int(np.argsort(curve[j])[::-1][1]) == 12 for j in np.flatnonzero(large))
    live.close()


def test_gradient_check_catches_a_forgotten_relu_mask():
    """Cell 14/15: dW1 computed from da1 instead of dz1 fails at 1.00 (the dead unit's entries,
    true gradient 0); the other entries are off by relative errors 0.01 … 0.89."""
    params, x, y = notebook_problem()
    cache = twolayer.forward(params, x, y)
    grads = twolayer.backward(params, cache)
    wrong = x.T @ grads["da1"]
    bad = bv.check_gradients(
        params, x, y, {**grads, "dW1": wrong}, rng=np.random.default_rng(1), h=1e-5
    )
    assert f"{bad['dW1']:.2f}" == "1.00"
    assert all(bad[k] < 1e-7 for k in bad if k != "dW1")
    per = np.abs(wrong - grads["dW1"]) / (np.abs(wrong) + np.abs(grads["dW1"]))
    dead = np.all(cache["z1"] <= 0, axis=0)
    assert np.all(grads["dW1"][:, dead] == 0) and np.all(per[:, dead] == 1.0)
    others = per[:, ~dead]
    assert f"{others.min():.2f}" == "0.01" and f"{others.max():.2f}" == "0.89"


@pytest.mark.parametrize("depth", [4, 8, 16])
def test_C5_checkpointing_extremes_do_not_cut_the_peak(depth):
    """Takeaways: k = 1 holds more than the plain run, k = 2 and k ≥ m − 1 exactly as much."""
    s = memory.checkpoint_sweep(depth)
    assert s.peak_bytes[0] > s.plain_peak
    assert s.peak_bytes[1] == s.plain_peak
    assert s.peak_bytes[-2] == s.plain_peak == s.peak_bytes[-1]
    # k = m: the single segment is the last one, never recomputed — the plain run itself
    assert s.forward_evals[-1] == s.plain_evals == s.n_layers


def test_float32_gradient_checks_cannot_reach_the_1e_7_bar():
    """The V-figure text: in float32 ε ≈ 1.2e-7, the best step ε^(1/3) ≈ 5e-3 leaves an error
    near ε^(2/3) ≈ 2e-5, far above the 1e-7 bar — and a float32 central difference does."""
    eps = float(np.finfo(np.float32).eps)
    assert f"{eps:.1e}" == "1.2e-07"
    assert f"{eps ** (1 / 3):.0e}" == "5e-03" and f"{eps ** (2 / 3):.0e}" == "2e-05"
    # a real float32 check: d/dt log(1 + eᵗ) = σ(t), smooth like our loss, at the best step
    h = np.float32(eps ** (1 / 3))
    errs = []
    for t in np.linspace(-2, 2, 9, dtype=np.float32):
        f = lambda s: np.log1p(np.exp(s))  # noqa: E731
        fd = (f(t + h) - f(t - h)) / (np.float32(2) * h)
        assert fd.dtype == np.float32
        exact = 1 / (1 + np.exp(-float(t)))
        errs.append(abs(float(fd) - exact) / (abs(float(fd)) + exact))
    assert 1e-6 < max(errs) < 1e-4  # near ε^(2/3) ≈ 2e-5: far above the 1e-7 bar


def test_my_dW1_checker_names_a_second_sigmoid_derivative():
    """Exercise 2: multiplying ŷ − y by σ′ again gets its own hint, and the generic message
    names array inputs by shape instead of printing them."""
    from trainlib.exercises import EXERCISES

    def my_dW1(x, y, a1, yhat, W2):
        return x.T @ ((yhat - y) * yhat * (1 - yhat) @ W2.T * (1 - a1**2))

    assert "σ′ = ŷ(1 − ŷ) again" in EXERCISES["my_dW1"].check(my_dW1, quiet=True).message

    def my_dW1(x, y, a1, yhat, W2):  # noqa: F811 — σ's derivative in place of tanh's
        return x.T @ ((yhat - y) @ W2.T * a1 * (1 - a1))

    message = EXERCISES["my_dW1"].check(my_dW1, quiet=True).message
    assert "σ's derivative a1·(1 − a1)" in message and "also" not in message

    def my_dW1(x, y, a1, yhat, W2):  # noqa: F811 — the same slip with the mean's 1/N kept
        return x.T @ ((yhat - y) @ W2.T * a1 * (1 - a1)) / len(x)

    message = EXERCISES["my_dW1"].check(my_dW1, quiet=True).message
    assert "you also used σ's derivative" in message

    def my_dW1(x, y, a1, yhat, W2):  # noqa: F811 — some other wrong answer
        return 2 * _dW1(x, y, a1, yhat, W2)

    message = EXERCISES["my_dW1"].check(my_dW1, quiet=True).message
    assert "for inputs 6×2 array, 6×1 array, 6×4 array, 6×1 array, 4×1 array" in message


def test_relative_error_is_floored_and_at_most_1():
    """The gradient-check text: denominator floored at 1e-12 (0 vs 1e-13 counts as 0.1), both 0
    counts as 0, and the measure is at most 1, reached at opposite signs or one 0."""
    assert rel_error(np.zeros(1), np.zeros(1)) == 0.0
    assert rel_error(np.zeros(1), np.full(1, 1e-13)) == pytest.approx(0.1)
    assert rel_error(np.ones(1), -np.full(1, 0.3)) == 1.0 == rel_error(np.zeros(1), np.ones(1))
    rng = np.random.default_rng(0)
    assert rel_error(rng.standard_normal(100), rng.standard_normal(100)) <= 1.0


def test_my_dW1_checker_names_a_slip_made_at_the_mean_scale():
    """Exercise 2: a slip made while also keeping the mean's 1/N gets that slip's hint plus
    "N times too small" (σ′ twice, the ReLU mask), not the generic message."""
    from trainlib.exercises import EXERCISES

    def my_dW1(x, y, a1, yhat, W2):
        return x.T @ ((yhat - y) / len(x) * yhat * (1 - yhat) @ W2.T * (1 - a1**2))

    message = EXERCISES["my_dW1"].check(my_dW1, quiet=True).message
    assert "σ′ = ŷ(1 − ŷ) again" in message and "two slips" in message

    def my_dW1(x, y, a1, yhat, W2):  # noqa: F811
        return x.T @ ((yhat - y) / len(x) @ W2.T * (a1 > 0))

    message = EXERCISES["my_dW1"].check(my_dW1, quiet=True).message
    assert "ReLU's mask" in message and "two slips" in message


def test_my_branch_grads_checker_names_any_lost_path():
    """Cell 56: reordering the lines so that `dy = b` comes last loses y's path through p; the
    checker names that path (as it names the colleague's lost ones)."""
    from trainlib.exercises import EXERCISES

    def my_branch_grads(x, y):
        p = x * y
        b = p + x
        db = y
        dp = db
        dx = db + y * dp
        dy = x * dp
        dy = b  # overwrites the path through p
        return np.array([dx, dy])

    message = EXERCISES["my_branch_grads"].check(my_branch_grads, quiet=True).message
    assert "∂f/∂y lost y's path through p = x·y" in message and "∂f/∂x lost" not in message


def test_gradient_figure_draws_the_dead_units_entries_at_the_floor():
    """Cell 15: at h = 1e-5 the figure's 17 entries are the dead unit's four with error exactly
    0 (drawn at 1e-17) and 13 between 1e-12 and 1e-9."""
    from trainlib.lessons.backpropagation.figures import ERROR_FLOOR, gradient_error_figure

    live = gradient_error_figure()
    h, errors = live._snap(1e-5)
    assert errors.size == 17 and np.sum(errors == 0) == 4 and ERROR_FLOOR == 1e-17
    assert np.all((errors[errors > 0] > 1e-12) & (errors[errors > 0] < 1e-9))
    live.close()


def test_C4_bill_is_proportional_to_batch_only():
    """Cell 41: twice the batch, twice the bytes; twice the depth or width, less than twice —
    a line offset by the input's 8·N·d_in."""
    base = memory.forward_bytes(4, 32, 64)
    assert memory.forward_bytes(4, 64, 64) == 2 * base
    assert (
        memory.forward_bytes(8, 32, 64) < 2 * base and memory.forward_bytes(4, 32, 128) < 2 * base
    )
