"""Every registered exercise: the reference passes, each typical mistake gets its own hint,
an untouched stub reports "not attempted yet" without raising."""

import numpy as np
import pytest

from trainlib.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, check
from trainlib.lessons import all_exercises

EXERCISES = all_exercises()

NAMES = sorted(EXERCISES)
MISTAKES = [(name, i) for name in NAMES for i in range(len(EXERCISES[name].mistakes))]


def _named(fn, name):
    fn.__name__ = name
    return fn


@pytest.mark.parametrize("name", NAMES)
def test_reference_is_correct(name, capsys):
    exercise = EXERCISES[name]
    result = check(_named(lambda *args: exercise.reference(*args), name))
    assert result.status == CORRECT and result
    assert capsys.readouterr().out.strip() == result.message


@pytest.mark.parametrize("name", NAMES)
def test_untouched_stub_is_not_attempted(name, capsys):
    def stub(*args):
        # YOUR CODE HERE
        raise NotImplementedError

    result = check(_named(stub, name))
    assert result.status == NOT_ATTEMPTED and not result
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_a_typical_mistake(name):
    assert EXERCISES[name].mistakes, "the standard asks for at least one typical mistake"


@pytest.mark.parametrize(("name", "index"), MISTAKES)
def test_typical_mistake_gets_its_own_hint(name, index):
    exercise = EXERCISES[name]
    mistake = exercise.mistakes[index]
    result = exercise.check(_named(mistake.example, name), quiet=True)
    assert result.status == INCORRECT
    assert mistake.hint in result.message
    # The first matching mistake wins, so each hint must be reachable: no earlier one shadows it.
    for other in exercise.mistakes[:index]:
        assert other.hint not in result.message


@pytest.mark.parametrize("name", NAMES)
def test_crash_and_none_are_reported_not_raised(name):
    exercise = EXERCISES[name]
    crash = exercise.check(_named(lambda *a: 1 / 0, name), quiet=True)
    assert crash.status == INCORRECT and "ZeroDivisionError" in crash.message
    none = exercise.check(_named(lambda *a: None, name), quiet=True)
    assert none.status == INCORRECT and "None" in none.message


@pytest.mark.parametrize("name", NAMES)
def test_reference_is_not_mistaken_for_a_mistake(name):
    """No case set is so weak that a mistake's example agrees with the reference everywhere."""
    exercise = EXERCISES[name]
    for mistake in exercise.mistakes:
        outputs = [(mistake.example(*args), exercise.reference(*args)) for args in exercise.cases]
        assert not all(exercise._close(got, ref) for got, ref in outputs), mistake.hint


def test_student_array_inputs_are_protected():
    """A student who edits the inputs in place cannot corrupt the next case or the reference."""

    def my_mse(yhat, y):
        yhat -= y
        return float(np.mean(yhat**2))

    assert check(my_mse).status == CORRECT


def test_unknown_function_name_is_a_clear_error():
    def my_unknown(x):
        return x

    with pytest.raises(ValueError, match="my_unknown"):
        check(my_unknown)
