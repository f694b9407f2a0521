"""Notebook 05 (backpropagation & autodiff): claims C23–C25 with the functions the notebook
calls, and unit tests of trainlib.lessons.backpropagation.experiments."""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from trainlib import twolayer
from trainlib.gradcheck import rel_error
from trainlib.lessons.backpropagation import experiments as bv
from trainlib.lessons.backpropagation.exercises import _dW1, gradcheck_my_dW1

# The project-wide bar for float64 gradient checks against central differences. With the
# notebook's h = 1e-5 the worst entry of its problem errs by 3.5e-9 (rounding ∝ ε/h on
# gradient entries ~1e-2 of a mean loss; see trainlib.gradcheck), so the bar has ~30×
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
    assert 1e-7 < live.hs[k] < 1e-3  # the optimum sits near ε^(1/3) ≈ 6e-6, as theory says
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
    """The numbers the notebook's C5 text states: L = 33, √L = 5.74, the lowest peak at k = 9,
    and a flat bottom: every k from 4 to 19 within 0.38–0.57 of the plain peak."""
    s = memory.checkpoint_sweep(16)
    assert s.n_layers == 33 and f"{math.sqrt(s.n_layers):.2f}" == "5.74"
    assert int(s.ks[np.argmin(s.peak_bytes)]) == 9
    ratio = s.peak_bytes / s.plain_peak
    flat = ratio[3:19]  # k = 4 … 19
    assert round(flat.min(), 2) == 0.38 and round(flat.max(), 2) == 0.57
    # off the bottom on both sides: k = 1 … 3 (steep) and k = 20 (the slow rise towards 1)
    assert np.all(ratio[:3] > 0.6) and ratio[19] > 0.6


def test_memory_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="depth"):
        memory.forward_bytes(0, 1, 1)
    with pytest.raises(ValueError, match="depth"):
        memory.checkpoint_sweep(0)
