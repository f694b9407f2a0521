"""Every registered exercise: the reference passes, each typical mistake gets its own hint,
an untouched stub reports "not attempted yet" without raising."""

import numpy as np
import pytest

from trainlib.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, check
from trainlib.lessons import LESSONS, all_exercises

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

    def my_mse(w, b, x, y):  # builds ŷ − y inside the x it was given
        x *= w
        x += b
        x -= y
        return float(np.mean(x**2))

    assert check(my_mse).status == CORRECT


def test_unknown_function_name_is_a_clear_error():
    def my_unknown(x):
        return x

    with pytest.raises(ValueError, match="my_unknown"):
        check(my_unknown)


# --- exercise kinds: tune (a goal), predict (an explanation), and readable numbers ------------

from trainlib import exercises as X  # noqa: E402


@pytest.fixture
def toy():
    """Build exercises that are removed from the registry afterwards."""
    made = []

    def build(**kw):
        made.append(kw["name"])
        return X.Exercise(**kw)

    yield build
    for name in made:
        X.EXERCISES.pop(name, None)


def test_every_exercise_has_a_known_kind():
    for name, exercise in EXERCISES.items():
        assert exercise.kind in X.KINDS, name


def test_a_tune_exercise_accepts_any_answer_that_reaches_its_goal(toy):
    def goal(lr):  # GD on L = w², from w = 1: |w| after 10 steps below 1e-3
        w = (1 - 2 * lr) ** 10
        return None if abs(w) < 1e-3 else f"after 10 steps |w| = {abs(w):.3g}, not below 1e-3"

    ex = toy(name="toy_lr", reference=lambda: 0.5, cases=[()], kind="tune", goal=goal)
    assert ex.check(lambda: 0.45, quiet=True).status == X.CORRECT  # not the reference, but fine
    wrong = ex.check(lambda: 0.1, quiet=True)
    assert wrong.status == X.INCORRECT and "|w| = 0.107" in wrong.message


def test_a_goal_belongs_to_a_tune_exercise_and_a_kind_must_be_known(toy):
    with pytest.raises(ValueError, match="goal: expected a goal exactly for a tune"):
        toy(name="toy_bad_goal", reference=lambda: 1, cases=[()], goal=lambda a: None)
    with pytest.raises(ValueError, match="kind: expected one of"):
        toy(name="toy_bad_kind", reference=lambda: 1, cases=[()], kind="guess")


def test_a_predict_exercise_explains_the_experiment_either_way(toy):
    ex = toy(
        name="toy_predict",
        reference=lambda: 0.2,
        cases=[()],
        kind="predict",
        rtol=0.05,
        explain=lambda got, want: f"the experiment gives {want}; you said {got}.",
    )
    right = ex.check(lambda: 0.2, quiet=True)
    assert right and right.message.endswith("the experiment gives 0.2; you said 0.2.")
    wrong = ex.check(lambda: 1.0, quiet=True)
    assert wrong.status == X.INCORRECT and "not quite. the experiment gives 0.2" in wrong.message


def test_numbers_in_messages_are_written_as_a_student_would(toy):
    ex = toy(name="toy_numbers", reference=lambda: 0.1 + 0.5, cases=[()], rtol=1e-9, atol=0)
    message = ex.check(lambda: 0.60003, quiet=True).message
    assert "expected 0.6, got 0.60003" in message, message


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_asks_for_thinking_not_transcription(lesson):
    """Each of notebooks 00–09: 3–5 exercises of ≥ 3 kinds, with a checked prediction and a
    tune or debug task (the notebook standard). Counts every exercise module of the lesson."""
    import importlib
    import pkgutil

    package = importlib.import_module(f"trainlib.lessons.{lesson}")
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("exercises")
    ]
    mine = [e for m in modules for e in vars(m).values() if isinstance(e, X.Exercise)]
    kinds = {e.kind for e in mine}
    assert 3 <= len(mine) <= 5 and len(kinds) >= 3, (lesson, [e.name for e in mine])
    assert "predict" in kinds and kinds & {"tune", "debug"}, (lesson, sorted(kinds))


# --- answers that are no single number: a window, a word; and library calls that are forbidden


def test_a_window_accepts_both_edges_and_nothing_outside(toy):
    ex = toy(
        name="toy_window", reference=lambda: 0.2, cases=[()], kind="predict", window=(0.19, 0.2)
    )
    for right in (0.19, 0.195, 0.2, np.float64(0.2), np.array(0.19)):  # the edges count
        assert ex.check(lambda a=right: a, quiet=True).status == X.CORRECT, right
    for wrong in (np.nextafter(0.19, 0), np.nextafter(0.2, 1), 0.21, True, [0.2], "0.2", np.nan):
        assert ex.check(lambda a=wrong: a, quiet=True).status == X.INCORRECT, wrong
    with pytest.raises(ValueError, match=r"window: expected \(lo, hi\) with lo ≤ hi"):
        toy(name="toy_bad_window", reference=lambda: 1.0, cases=[()], window=(2.0, 1.0))


def test_a_window_does_not_widen_a_mistakes_example(toy):
    hint = "0.4 is 2/5, not 2/10."
    mistake = X.Mistake(hint, example=lambda: 0.4)
    ex = toy(
        name="toy_window_hint",
        reference=lambda: 0.2,
        cases=[()],
        window=(0.19, 0.2),
        mistakes=[mistake],
    )
    assert hint in ex.check(lambda: 0.4, quiet=True).message
    assert hint not in ex.check(lambda: 0.395, quiet=True).message  # near it, not it


def test_a_word_answer_ignores_case_and_surrounding_spaces(toy):
    def label(h):
        return "saddle" if h < 0 else "minimum"

    def swapped(h):
        return "minimum" if h < 0 else "saddle"

    hint = "minimum and saddle are swapped."
    ex = toy(
        name="toy_word",
        reference=label,
        cases=[(-1.0,), (1.0,)],
        mistakes=[X.Mistake(hint, example=swapped)],
    )
    assert ex.check(lambda h: " Saddle\n" if h < 0 else "MINIMUM", quiet=True)
    assert hint in ex.check(lambda h: "Minimum " if h < 0 else "saddle", quiet=True).message
    assert not ex.check(lambda h: "sadle" if h < 0 else "minimum", quiet=True)
    assert not ex.check(lambda h: 0.0 if h < 0 else "minimum", quiet=True)  # not a str


def test_a_forbidden_name_is_found_by_name_or_alias(toy):
    ex = toy(
        name="toy_forbidden",
        reference=lambda a: float(np.sqrt(a)),
        cases=[(4.0,)],
        forbidden=("linalg", "early_stopping_point"),
        forbidden_hint="take the root by hand.",
    )

    def early_stopping_point(a):
        return a**0.5

    alias = early_stopping_point  # a closure name bound to a forbidden function
    la = np.linalg  # and one bound to a forbidden module
    notebook = {"np": np, "esp": early_stopping_point}  # a global alias, as in a notebook
    exec("def by_global_alias(a):\n    return esp(a)", notebook)

    def by_attribute(a):
        return float(np.linalg.norm([a**0.5]))

    def by_import(a):
        from numpy.linalg import norm

        return float(norm([a**0.5]))

    def in_a_nested_function(a):
        return (lambda: float(np.linalg.norm([a**0.5])))()

    answers = {
        "linalg": [by_attribute, by_import, in_a_nested_function, lambda a: la.norm([a**0.5])],
        "early_stopping_point": [lambda a: alias(a), notebook["by_global_alias"]],
    }
    for found, functions in answers.items():
        for answer in functions:
            message = ex.check(answer, quiet=True).message
            assert (
                message
                == f"toy_forbidden: not yet — your code uses `{found}`; take the root by hand."
            )
    # a comment or a string naming it does not count; the answer is then checked as usual
    assert ex.check(lambda a: a**0.5, quiet=True)  # np.linalg is not used here
    assert ex.check(lambda a: float("linalg" and a**0.5), quiet=True)
    with pytest.raises(ValueError, match="forbidden_hint: expected a hint"):
        toy(name="toy_no_hint", reference=lambda: 1.0, cases=[()], forbidden=("linalg",))
