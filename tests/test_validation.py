"""trainlib.validation: the finiteness check behind every `as_array`, and the checks behind
the losses (each message names the argument, the expected and the given)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from trainlib import validation
from trainlib.validation import NonFiniteError, as_array, check_finite


@pytest.mark.parametrize("size", [10, 5000, 100_000])  # below and above the sum shortcut
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_finite_finds_every_nan_and_inf(size, bad):
    x = np.random.default_rng(0).normal(size=size)
    check_finite("x", x)  # all finite: passes
    x[[1, size // 2, size - 1]] = bad
    with pytest.raises(NonFiniteError, match=r"x: expected finite values, got 3 NaN/inf"):
        check_finite("x", x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_finite_values_pass_although_their_sum_overflows(dtype):
    # A big array is first checked through its sum, which overflows to inf here: the exact
    # elementwise test must then accept it, and no overflow warning may escape.
    x = np.full(10_000, np.finfo(dtype).max / 2, dtype=dtype)
    check_finite("x", x)
    assert as_array("x", x) is x


def test_inf_and_minus_inf_that_cancel_in_a_sum_are_still_found():
    x = np.zeros(10_000)
    x[10], x[20] = np.inf, -np.inf  # inf + (−inf) = NaN: the sum is not finite either
    with pytest.raises(NonFiniteError, match="got 2 NaN/inf"):
        check_finite("x", x)


# --- the checks behind the losses: each message names the argument, expected and given ---


def raises(message: str):
    """Expect a ValueError with exactly this message (a prefix if it ends with "…")."""
    end = "" if message.endswith("…") else "$"
    return pytest.raises(ValueError, match="^" + re.escape(message.rstrip("…")) + end)


def test_check_nonempty():
    x = np.ones(3)
    assert validation.check_nonempty("x", x) is x
    with raises("x: expected at least one element, got shape (0, 3)"):
        validation.check_nonempty("x", np.ones((0, 3)))


def test_as_pair():
    x, other = validation.as_pair("yhat", [1, 2], "y", np.array([3.0, 4.0], dtype=np.float32))
    assert x.dtype == np.float64 and other.dtype == np.float32
    with raises("y: expected shape (2,) to match yhat, got (3,)"):
        validation.as_pair("yhat", [1.0, 2.0], "y", [1.0, 2.0, 3.0])
    with raises("yhat: expected at least one element, got shape (0,)"):
        validation.as_pair("yhat", [], "y", [])


def test_check_unit_interval_reports_the_worst_offender():
    validation.check_unit_interval("p", np.array([0.0, 0.5, 1.0]))
    with raises("p: expected a value in [0.0, 1.0], got -0.5"):
        validation.check_unit_interval("p", np.array([-0.5, 0.5, 2.0]))
    with raises("p: expected a value in [0.0, 1.0], got 2.0"):
        validation.check_unit_interval("p", np.array([0.5, 2.0]))


def test_as_distribution_rows():
    rows = validation.as_distribution_rows("q", [[0.25, 0.75], [1.0, 0.0]])
    assert rows.shape == (2, 2)
    with raises("q: expected a 1-D or 2-D array, got shape (1, 1, 2)"):
        validation.as_distribution_rows("q", [[[0.5, 0.5]]])
    with raises("q: expected a finite number >= 0, got -0.5"):
        validation.as_distribution_rows("q", [1.5, -0.5])
    with raises("q: expected rows summing to 1 (within 1e-06), got a row summing to 0.9"):
        validation.as_distribution_rows("q", [[0.5, 0.5], [0.4, 0.5]])


def test_as_logits():
    assert validation.as_logits("z", [[1, 2, 3]]).shape == (1, 3)
    with raises("z: expected a 2-D array, got shape (3,)"):
        validation.as_logits("z", [1.0, 2.0, 3.0])
    with raises("z: expected at least one element, got shape (0, 3)"):
        validation.as_logits("z", np.zeros((0, 3)))
    with raises("z: expected at least one element, got shape (2, 0)"):
        validation.as_logits("z", np.zeros((2, 0)))


def test_as_class_labels():
    z = np.zeros((3, 4))
    labels = validation.as_class_labels("y", [0.0, 3.0, 1.0], "z", z)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 3, 1]
    with raises("y: expected integer class labels, got dtype <U1"):
        validation.as_class_labels("y", ["a", "b", "c"], "z", z)
    with raises("y: expected shape (3,) to match the rows of z, got (2,)"):
        validation.as_class_labels("y", [0, 1], "z", z)
    with raises("y: expected an integer >= 0, got 1.5"):
        validation.as_class_labels("y", [0.0, 1.5, 1.0], "z", z)
    with raises("y: expected an integer >= 0, got -1"):
        validation.as_class_labels("y", [0, -1, 1], "z", z)
    with raises("y: expected a value in [0, 4), got 4"):
        validation.as_class_labels("y", [0, 4, 1], "z", z)


def test_as_class_targets():
    z = np.zeros((2, 3))
    t, from_labels = validation.as_class_targets("y", [2, 0], "z", z)
    assert from_labels and t.tolist() == [[0, 0, 1], [1, 0, 0]]
    rows = [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    t, from_labels = validation.as_class_targets("y", rows, "z", z)
    assert not from_labels and t.tolist() == rows
    with raises("y: expected shape (2, 3) to match z, got (2, 2)"):
        validation.as_class_targets("y", [[0.5, 0.5], [1.0, 0.0]], "z", z)
    with raises("y: expected labels (N,) or probability rows (N, C), got shape ()"):
        validation.as_class_targets("y", 1, "z", z)


def test_as_class_weight():
    assert validation.as_class_weight("weight", None, 3, np.float32).tolist() == [1, 1, 1]
    assert validation.as_class_weight("weight", [1, 2, 0], 3, np.float64).tolist() == [1, 2, 0]
    with raises("weight: expected shape (3,), one weight per class, got (2,)"):
        validation.as_class_weight("weight", [1.0, 2.0], 3, np.float64)
    with raises("weight: expected a finite number >= 0, got -1.0"):
        validation.as_class_weight("weight", [1.0, -1.0, 2.0], 3, np.float64)


def test_as_nonnegative_broadcastable():
    assert validation.as_nonnegative_broadcastable("gamma", [1.0, 2.0], (4, 2)).shape == (2,)
    assert validation.as_nonnegative_broadcastable("gamma", 2.0, (4, 2)).shape == ()
    for bad in ([1.0, 2.0, 3.0], np.ones((8, 2))):  # incompatible, or would grow the shape
        with raises("gamma: expected a scalar or a shape broadcastable to (4, 2), got …"):
            validation.as_nonnegative_broadcastable("gamma", bad, (4, 2))
    with raises("gamma: expected a finite number >= 0, got -1.0"):
        validation.as_nonnegative_broadcastable("gamma", [1.0, -1.0], (4, 2))


# --- one helper per kind of check: types, numbers, flags, generators, rates, axes ---------


def test_a_wrong_type_is_a_type_error_that_is_also_a_value_error():
    with pytest.raises(validation.ArgumentTypeError) as info:
        validation.check_number("lr", "0.1")
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert str(info.value) == "lr: expected a real number, got '0.1'"


@pytest.mark.parametrize("bad", ["1", None, True, [1.0], np.ones(2), object()])
def test_check_number_rejects_what_is_not_one_real_number(bad):
    with pytest.raises(TypeError, match="^x: expected a real number, got"):
        validation.check_number("x", bad)


def test_check_number_accepts_python_and_numpy_numbers_and_0d_arrays():
    for ok in (1, 2.5, np.int64(3), np.float32(0.5), np.array(1.5)):
        assert type(validation.check_number("x", ok)) is float


def test_check_positive_and_finite_number_name_the_argument():
    with raises("eps: expected a finite number > 0, got nan"):
        validation.check_positive("eps", float("nan"))
    with raises("angle: expected a finite number, got inf"):
        validation.check_finite_number("angle", float("inf"))


def test_check_bool_and_check_rng_have_one_message_each():
    assert validation.check_bool("train", np.bool_(True)) is True
    with pytest.raises(TypeError, match="^train: expected True or False, got 1$"):
        validation.check_bool("train", 1)
    message = r"^rng: expected a np.random.Generator \(np.random.default_rng\(seed\)\), got 0$"
    with pytest.raises(TypeError, match=message):
        validation.check_rng("rng", 0)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", None])
def test_check_rate_names_the_step(bad):
    with pytest.raises(
        ValueError, match="^lr: expected a finite number >= 0 from the schedule at step t=7"
    ):
        validation.check_rate("lr", bad, 7)
    assert validation.check_rate("lr", np.float32(0.5), 7) == 0.5


def test_check_axis_tree_and_dtype():
    assert validation.check_axis("axis", -1, 2, several=False) == -1
    for bad in (2, "a", 1.0, None):
        with pytest.raises(ValueError, match=r"^axis: expected an int in \[-2, 2\)"):
            validation.check_axis("axis", bad, 2, several=False)
    with pytest.raises(ValueError, match="^axis: expected None, an int or a tuple of distinct"):
        validation.check_axis("axis", (0, -2), 2)
    validation.check_tree("grads", {"W": np.array([np.nan])})  # types only: NaN is the caller's
    with pytest.raises(TypeError, match=r"^grads\['W'\]: expected a real-valued numpy array"):
        validation.check_tree("grads", {"W": "a"})
    with raises("grads: expected an array or a non-empty dict of arrays, got {}"):
        validation.check_tree("grads", {})
    assert validation.check_float_dtype("dtype", "float32") == np.float32
    for bad in (None, np.int64, "x"):
        with pytest.raises(TypeError, match="^dtype: expected np.float32 or np.float64"):
            validation.check_float_dtype("dtype", bad)
