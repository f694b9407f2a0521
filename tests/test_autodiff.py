"""The tiny reverse-mode autodiff engine: every op against central differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from trainlib.autodiff import Tensor, graph
from trainlib.gradcheck import gradcheck

# Central differences with h = 1e-6 err by ~1e-10 relative for these O(1) inputs and
# outputs (trainlib.gradcheck); 1e-7 is the project-wide float64 bar and leaves ~1000×
# margin, while any wrong local derivative or a missing un-broadcast gives errors of order 1.
TOL = 1e-7


def check_op(fn, *arrays, rng):
    """Max relative error of every input's grad, for a random upstream gradient."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a) for a in arrays]
    out = fn(*tensors)
    dout = rng.standard_normal(out.shape)  # random, never all ones
    out.backward(dout)
    analytic = {str(i): t.grad for i, t in enumerate(tensors)}
    inputs = {str(i): a for i, a in enumerate(arrays)}
    errs = gradcheck(lambda: fn(*(Tensor(a) for a in arrays)).data, inputs, analytic, dout)
    return max(errs.values())


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    """Entries with |a| ≥ 0.1, so a step h = 1e-6 never crosses ReLU's kink."""
    return rng.uniform(0.1, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


OPS = {
    # name: (function of tensors, input generator)
    "add": (lambda a, b: a + b, lambda r: (r.standard_normal((3, 4)), r.standard_normal((3, 4)))),
    "sub": (lambda a, b: a - b, lambda r: (r.standard_normal((3, 4)), r.standard_normal((3, 4)))),
    "mul": (lambda a, b: a * b, lambda r: (r.standard_normal((3, 4)), r.standard_normal((3, 4)))),
    "div": (lambda a, b: a / b, lambda r: (r.standard_normal((3, 4)), positive(r, (3, 4)))),
    "matmul": (
        lambda a, b: a @ b,
        lambda r: (r.standard_normal((3, 4)), r.standard_normal((4, 2))),
    ),
    "pow2": (lambda a: a**2, lambda r: (r.standard_normal((3, 4)),)),
    "pow3": (lambda a: a**3, lambda r: (r.standard_normal((3, 4)),)),
    "pow-1": (lambda a: a**-1, lambda r: (positive(r, (3, 4)),)),
    "pow0.5": (lambda a: a**0.5, lambda r: (positive(r, (3, 4)),)),
    "neg": (lambda a: -a, lambda r: (r.standard_normal((3, 4)),)),
    "exp": (lambda a: a.exp(), lambda r: (r.standard_normal((3, 4)),)),
    "log": (lambda a: a.log(), lambda r: (positive(r, (3, 4)),)),
    "relu": (lambda a: a.relu(), lambda r: (away_from_zero(r, (3, 4)),)),
    "sigmoid": (lambda a: a.sigmoid(), lambda r: (3 * r.standard_normal((3, 4)),)),
    "tanh": (lambda a: a.tanh(), lambda r: (r.standard_normal((3, 4)),)),
    "sum": (lambda a: a.sum(), lambda r: (r.standard_normal((3, 4)),)),
    "sum0": (lambda a: a.sum(axis=0), lambda r: (r.standard_normal((3, 4)),)),
    "sum-1keep": (lambda a: a.sum(axis=-1, keepdims=True), lambda r: (r.standard_normal((3, 4)),)),
    "sum02": (lambda a: a.sum(axis=(0, 2)), lambda r: (r.standard_normal((2, 3, 4)),)),
    "mean": (lambda a: a.mean(), lambda r: (r.standard_normal((3, 4)),)),
    "mean1": (lambda a: a.mean(axis=1), lambda r: (r.standard_normal((3, 4)),)),
    "mean0keep": (lambda a: a.mean(axis=0, keepdims=True), lambda r: (r.standard_normal((3, 4)),)),
    "scalar_add": (lambda a: a + 3.0, lambda r: (r.standard_normal((3, 4)),)),
    "scalar_sub": (lambda a: a - 3.0, lambda r: (r.standard_normal((3, 4)),)),
    "scalar_mul": (lambda a: a * 2.5, lambda r: (r.standard_normal((3, 4)),)),
    "scalar_div": (lambda a: a / 2.5, lambda r: (r.standard_normal((3, 4)),)),
    "radd": (lambda a: 3.0 + a, lambda r: (r.standard_normal((3, 4)),)),
    "rsub": (lambda a: 3.0 - a, lambda r: (r.standard_normal((3, 4)),)),
    "rmul": (lambda a: 2.5 * a, lambda r: (r.standard_normal((3, 4)),)),
    "rtruediv": (lambda a: 2.5 / a, lambda r: (positive(r, (3, 4)),)),
    "ndarray_left": (lambda a: np.arange(4.0) * a, lambda r: (r.standard_normal((3, 4)),)),
    "bcast_row": (lambda a, b: a + b, lambda r: (r.standard_normal((3, 4)), r.standard_normal(4))),
    "bcast_col": (
        lambda a, b: a * b,
        lambda r: (r.standard_normal((3, 4)), r.standard_normal((3, 1))),
    ),
    "bcast_div": (lambda a, b: a / b, lambda r: (r.standard_normal((3, 4)), positive(r, (1, 4)))),
    "bcast_both": (
        lambda a, b: a - b,
        lambda r: (r.standard_normal((3, 1)), r.standard_normal((1, 4))),
    ),
    "composite": (
        lambda a, b: ((a @ b).tanh() * (a @ b).sigmoid() + 1.0).log().mean(axis=0),
        lambda r: (r.standard_normal((3, 4)), r.standard_normal((4, 2))),
    ),
}


@pytest.mark.parametrize("name", list(OPS))
def test_each_op_backward_matches_central_differences(name):
    rng = np.random.default_rng(sum(map(ord, name)))  # a different fixed seed per op
    fn, make = OPS[name]
    assert check_op(fn, *make(rng), rng=rng) < TOL


def test_forward_values_match_numpy():
    # a gradient check cannot see a wrong forward value (FD differentiates the same wrong
    # function), so check the values too; 1e-15 relative allows one rounding difference
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 4))
    t = Tensor(a)
    pairs = [
        (t.mean(axis=1).data, a.mean(axis=1)),
        (t.mean(axis=0, keepdims=True).data, a.mean(axis=0, keepdims=True)),
        (t.sum(axis=(0, 1)).data, a.sum()),
        (t.sigmoid().data, 1 / (1 + np.exp(-a))),
        (t.tanh().data, np.tanh(a)),
        (t.relu().data, np.maximum(a, 0)),
        ((2.0 / (t * t + 1.0)).data, 2.0 / (a * a + 1.0)),
        ((3.0 - t**3).data, 3.0 - a**3),
        ((t @ Tensor(a.T)).data, a @ a.T),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_broadcast_add_mul_any_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    assert check_op(lambda s, t: s * t + s, a, b, rng=rng) < TOL


def test_unbroadcast_sums_over_broadcast_axes():
    rng = np.random.default_rng(1)
    x, b, c = (
        Tensor(rng.standard_normal((5, 3))),
        Tensor(rng.standard_normal(3)),
        Tensor(rng.standard_normal((5, 1))),
    )
    out = x + b + c  # (N, D) + (D,) + (N, 1)
    dout = rng.standard_normal((5, 3))
    out.backward(dout)
    assert b.grad.shape == (3,) and c.grad.shape == (5, 1)
    # the same sums, written directly: only summation order can differ
    np.testing.assert_allclose(b.grad, dout.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(c.grad, dout.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_array_equal(x.grad, dout)


def test_backward_twice_gives_the_same_grads_not_double():
    rng = np.random.default_rng(2)
    a, b = Tensor(rng.standard_normal((3, 4))), Tensor(rng.standard_normal((4, 2)))
    loss = ((a @ b).relu() * a.sum(axis=1, keepdims=True)).mean()
    loss.backward()
    first = a.grad.copy(), b.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(a.grad, first[0])  # exactly: the same computation again
    np.testing.assert_array_equal(b.grad, first[1])
    loss.zero_grad()
    assert not a.grad.any() and not b.grad.any()


def test_topological_order_on_a_diamond_and_reuse_accumulates():
    # a → b = 2a, a → c = eᵃ, d = b·c: two paths from a to d, both must reach a.grad
    a = Tensor([0.3, -1.2], name="a")
    b = a * 2.0
    c = a.exp()
    d = b * c
    order = d.topo()
    pos = {id(t): i for i, t in enumerate(order)}
    assert len(order) == len(pos)  # every node once
    assert order[-1] is d
    for t in order:  # each node after all of its inputs
        assert all(pos[id(p)] < pos[id(t)] for p in t._prev)
    assert pos[id(a)] < pos[id(b)] and pos[id(a)] < pos[id(c)] < pos[id(d)]
    dout = np.array([0.7, -1.9])
    d.backward(dout)
    # ∂(2a·eᵃ)/∂a = 2eᵃ + 2a·eᵃ: both branches summed; one rounding per operation
    np.testing.assert_allclose(a.grad, dout * (2 + 2 * a.data) * np.exp(a.data), rtol=1e-14)

    x = Tensor([1.5, -2.0])
    (x * x).backward(np.array([1.0, 3.0]))  # the same node on both inputs: 2x, not x
    np.testing.assert_array_equal(x.grad, [3.0, -12.0])


def test_graph_lists_nodes_and_edges_for_drawing():
    a, b = Tensor(1.0, name="a"), Tensor(2.0, name="b")
    d = a * b + a
    g = graph(d)
    assert [n["op"] for n in g["nodes"]] == ["", "", "*", "+"]
    assert [n["name"] for n in g["nodes"]][:2] == ["a", "b"]
    assert sorted(g["edges"]) == [(0, 2), (0, 3), (1, 2), (2, 3)]


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="data"):
        Tensor(["a"])
    with pytest.raises(ValueError, match="other"):
        Tensor(np.ones(3)) @ Tensor(np.ones(3))
    with pytest.raises(ValueError, match="p"):
        Tensor(np.ones(3)) ** Tensor(2.0)
    with pytest.raises(ValueError, match="grad"):
        Tensor(np.ones(3)).exp().backward(np.ones(2))


# --- bad input and IEEE edge cases ---------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "a", "b", "match"),
    [
        ("+", (2, 3), (4,), r"^other: .* broadcasts with \(2, 3\) for '\+', got \(4,\)$"),
        ("*", (3,), (2, 2), r"^other: .* broadcasts with \(3,\) for '\*', got \(2, 2\)$"),
        ("@", (2, 3), (2, 3), r"^other: expected 2-D @ 2-D .* for '@', got \(2, 3\) @ \(2, 3\)$"),
    ],
)  # fmt: skip
def test_shape_errors_name_the_op_and_both_shapes(op, a, b, match):
    x, y = Tensor(np.ones(a)), Tensor(np.ones(b))
    with pytest.raises(ValueError, match=match):
        {"+": lambda: x + y, "*": lambda: x * y, "@": lambda: x @ y}[op]()


def test_the_operand_of_a_binary_op_is_checked_as_other():
    t = Tensor(np.ones(2))
    for fn in (
        lambda: t + "a",
        lambda: t * None,
        lambda: t - "a",
        lambda: t / "a",
        lambda: t @ "a",
    ):
        with pytest.raises(ValueError, match="^other: expected a real-valued array"):
            fn()


def test_empty_reductions_and_bad_axes_are_rejected():
    empty = Tensor(np.empty(0))
    for fn in (empty.sum, empty.mean):
        with pytest.raises(
            ValueError, match=r"^self: expected at least one element, got shape \(0,\)"
        ):
            fn()
    t = Tensor(np.ones((2, 3)))
    for axis in ("a", 2, (0, 0), 1.0, True):
        with pytest.raises(ValueError, match=r"^axis: expected None, an int or a tuple"):
            t.sum(axis=axis)
    with pytest.raises(TypeError, match="^keepdims: expected True or False"):
        t.mean(keepdims="yes")


def test_ieee_results_without_warnings_as_the_docstring_says():
    # The module docstring promises these values, and no RuntimeWarning (an error here).
    zero, minus_one = Tensor(np.array([0.0])), Tensor(np.array([-1.0]))
    y = zero.log()
    y.backward()
    assert y.data[0] == -np.inf and zero.grad[0] == np.inf  # log(0) = −inf, ∂/∂a = 1/0 = inf
    assert np.isnan(minus_one.log().data[0])
    assert Tensor(np.array([1000.0])).exp().data[0] == np.inf
    assert (Tensor(np.array([1.0])) / 0.0).data[0] == np.inf
    assert (zero**-1).data[0] == np.inf
    assert np.isnan((minus_one**0.5).data[0])
    nan = Tensor(np.array([np.nan]))  # deliberate pass-through: NaN flows on, as in PyTorch
    out = (nan * 2.0).tanh().sum()
    out.backward()
    assert np.isnan(out.data) and np.isnan(nan.grad[0])


def test_name_must_be_a_string_and_graph_needs_a_tensor():
    with pytest.raises(TypeError, match="^name: expected a str, got 3"):
        Tensor(1.0, name=3)
    with pytest.raises(TypeError, match="^t: expected a Tensor, got"):
        graph(np.ones(2))
