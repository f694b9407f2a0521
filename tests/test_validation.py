"""trainlib.validation: the finiteness check behind every `as_array`."""

from __future__ import annotations

import numpy as np
import pytest

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
