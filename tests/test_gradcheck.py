"""The gradient checker itself: it must accept right gradients and catch wrong ones."""

import numpy as np
import pytest

from trainlib import validation
from trainlib.gradcheck import check_layer, check_loss, gradcheck, numerical_gradient, rel_error


class Scale:
    """y = x ⊙ w, with a backward that can be made wrong on purpose."""

    def __init__(self, w, factor=1.0):
        self.params = {"w": w}
        self.grads = {"w": np.zeros_like(w)}
        self.factor = factor

    def forward(self, x, train=True):
        self.cache = x
        return x * self.params["w"]

    def backward(self, dout):
        self.grads["w"] = self.factor * np.sum(dout * self.cache, axis=0)
        return dout * self.params["w"]


def _half_sq(yhat, y):
    e = yhat - y
    return 0.5 * float(np.mean(e**2)), e / e.size


def test_numerical_gradient_of_a_cubic_is_accurate_and_restores_x():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x0 = x.copy()
    dout = rng.standard_normal((3, 4))
    num = numerical_gradient(lambda: x**3, x, dout)
    # central differences on a cubic: truncation error h²·|f'''|/6 ≈ 1e-12, rounding ≈ 1e-10
    assert rel_error(num, 3 * x0**2 * dout) < 1e-8
    assert np.array_equal(x, x0)


def test_check_loss_accepts_the_right_gradient_and_rejects_a_factor_two():
    rng = np.random.default_rng(1)
    yhat, y = rng.standard_normal(5), rng.standard_normal(5)
    assert check_loss(_half_sq, yhat, y, rng=rng) < 1e-7

    def wrong(yhat, y):
        v, g = _half_sq(yhat, y)
        return v, 2 * g

    assert check_loss(wrong, yhat, y, rng=rng) > 0.1


def test_check_layer_checks_inputs_and_params_and_catches_a_wrong_param_grad():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))
    errs = check_layer(Scale(rng.standard_normal(3)), x, rng=rng)
    assert set(errs) == {"x", "w"} and max(errs.values()) < 1e-7
    errs = check_layer(Scale(rng.standard_normal(3), factor=-1.0), x, rng=rng)
    assert errs["x"] < 1e-7 and errs["w"] > 0.5


def test_gradcheck_returns_one_error_per_input():
    x = np.array([1.0, 2.0])
    errs = gradcheck(lambda: x**2, {"x": x}, {"x": 2 * x * 3.0}, 3.0)
    assert errs["x"] < 1e-9


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="b: expected shape"):
        rel_error(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: validation.as_array("x", [1.0, np.nan]), "x: expected finite"),
        (lambda: validation.as_array("x", np.zeros((2, 2)), ndim=1), "x: expected a 1-D"),
        (lambda: validation.as_array("x", ["a"]), "x: expected a real-valued"),
        (lambda: validation.check_positive("lr", -1), "lr: expected a finite number > 0"),
        (lambda: validation.check_range("p", 1.0, 0, 1), r"p: expected a value in \[0, 1\)"),
        (lambda: validation.check_int("steps", 2.5), "steps: expected an integer"),
        (lambda: validation.check_choice("mode", "x", ("min", "max")), "mode: expected one of"),
        (
            lambda: validation.check_same_shape("y", np.zeros(2), "yhat", np.zeros(3)),
            r"y: expected shape \(3,\) to match yhat, got \(2,\)",
        ),
    ],
)
def test_validation_messages_name_argument_expected_and_given(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_float32_is_kept_and_ints_become_float64():
    assert validation.as_array("x", np.zeros(2, np.float32)).dtype == np.float32
    assert validation.as_array("x", [1, 2]).dtype == np.float64
