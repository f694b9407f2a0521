"""Checkers for the "Your turn" exercises: run the student's function, give specific feedback.

A notebook has a stub cell and a checker cell::

    def my_mse(w, b, x, y):
        # YOUR CODE HERE
        raise NotImplementedError

    check(my_mse)

`check` finds the exercise named like the function, runs it on the exercise's cases and
prints one of: "not attempted yet" (the stub still raises NotImplementedError — never an
error), a hint for a recognised typical mistake ("you summed instead of averaging"), a
generic "expected … got …", or a success line. Every exercise is registered in `EXERCISES`,
so a test can check that each reference solution passes and each typical mistake gets its
own hint. Each lesson's exercises, with their reference solutions, live in
`trainlib/lessons/<topic>/exercises.py`; importing the lesson registers them (the notebook
imports its lesson before its first `check`).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Every exercise of the series, by the name of the function the student writes.
EXERCISES: dict[str, Exercise] = {}

#: What an exercise asks of the student:
#: implement — write a function that needs a step of reasoning, not transcription;
#: predict — commit to a number or a choice *before* running the experiment (a function
#:     returning it); the checker runs the experiment and explains the gap;
#: tune — choose settings that reach a goal; the checker runs them and reports;
#: debug — fix a given function with a realistic bug; the checker names what is still wrong;
#: derive — a short derivation whose result (a formula as a function) is checked numerically.
KINDS = ("implement", "predict", "tune", "debug", "derive")

NOT_ATTEMPTED = "not attempted"
CORRECT = "correct"
INCORRECT = "incorrect"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the hint it earns.

    `example` is a function that makes the mistake (the test feeds it to the checker).
    The hint fires when the student's outputs match `example`'s on every case, or, if
    `detect` is given, when ``detect(got, expected, args)`` is true on every case.
    """

    hint: str
    example: Callable[..., Any]
    detect: Callable[[Any, Any, tuple], bool] | None = None


@dataclass(frozen=True)
class Result:
    """The verdict of a checker: status ("not attempted" / "correct" / "incorrect") and message."""

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        """Already printed by `check`; show nothing more when it ends a cell."""


@dataclass
class Exercise:
    """One exercise: the reference solution, the inputs to try, the typical mistakes.

    `cases` are argument tuples; answers are compared with ``np.allclose(rtol, atol)`` and
    must have the reference's shape. `kind` is one of `KINDS`. Three other kinds of answer:

    - a `window` ``(lo, hi)``: a scalar real answer is right when lo ≤ answer ≤ hi, whatever
      the reference gives (a prediction such as "at most the stability edge, a little below
      counts");
    - a word: when the reference returns a str, the answer is right if it is that word, case
      and surrounding spaces aside ("Saddle " for "saddle"); an answer that is no str is wrong;
    - `forbidden` names: the student's function may not use them (a library call that would
      skip the exercise's point). The names its code uses (nested functions included) and what
      its global and closure names are bound to count — an alias of a forbidden function too,
      and ``np.linalg.solve`` uses the name "linalg". The verdict names what it found and gives
      `forbidden_hint`.

    A `tune` exercise has a `goal`: ``goal(answer, *args)`` runs the experiment with the
    student's settings and returns None when the goal is reached, else a sentence saying what
    those settings did; any answer that reaches the goal is right (the reference is one).
    A `predict` exercise may have an `explain`: ``explain(answer, expected)`` returns the
    sentence that follows the verdict, saying what the experiment shows and why.
    """

    name: str
    reference: Callable[..., Any]
    cases: Sequence[tuple]
    mistakes: Sequence[Mistake] = field(default_factory=list)
    success: str = "Correct: your function matches the reference on every test case."
    rtol: float = 1e-6  # answers are computed in float64; this leaves room for another order
    atol: float = 1e-9  # of summation, nothing more
    kind: str = "implement"
    goal: Callable[..., str | None] | None = None
    explain: Callable[[Any, Any], str] | None = None
    window: tuple[float, float] | None = None
    forbidden: tuple[str, ...] = ()
    forbidden_hint: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")
        if (self.goal is not None) != (self.kind == "tune"):
            raise ValueError(f"goal: expected a goal exactly for a tune exercise, got {self.kind}")
        if self.window is not None and not self.window[0] <= self.window[1]:
            raise ValueError(f"window: expected (lo, hi) with lo ≤ hi, got {self.window}")
        if self.forbidden and not self.forbidden_hint:
            raise ValueError("forbidden_hint: expected a hint for the forbidden names, got ''")
        if self.name in EXERCISES:
            raise ValueError(f"name: expected a new exercise name, got {self.name!r} twice")
        EXERCISES[self.name] = self

    def _close(self, got: Any, expected: Any) -> bool:
        """Is `got` right where the reference gives `expected`? In the window, if there is one."""
        if self.window is None or isinstance(expected, str):
            return self._same(got, expected)
        if np.ndim(got) or np.asarray(got).dtype.kind not in "iuf":  # a scalar real number
            return False
        lo, hi = self.window
        return bool(lo <= float(got) <= hi)

    def _same(self, got: Any, expected: Any) -> bool:
        """The same answer: the same word, or numbers of the same shape, equal within tolerance."""
        if isinstance(expected, str):
            return isinstance(got, str) and got.strip().lower() == expected
        got_arr, exp_arr = np.asarray(got), np.asarray(expected)
        if got_arr.shape != exp_arr.shape or got_arr.dtype.kind not in "biuf":
            return False
        return bool(np.allclose(got_arr, exp_arr, rtol=self.rtol, atol=self.atol))

    def _forbidden_use(self, student: Callable[..., Any]) -> str | None:
        """The first of the `forbidden` names that `student` uses, by name or by alias."""
        code = getattr(student, "__code__", None)
        if not self.forbidden or code is None:
            return None
        names = _names_used(code)
        scope = getattr(student, "__globals__", {})
        bound = [scope[name] for name in names if name in scope]
        for cell in getattr(student, "__closure__", None) or ():
            try:
                bound.append(cell.cell_contents)
            except ValueError:  # a closure cell not filled yet: nothing bound there
                continue
        used = {part for name in names for part in name.split(".")}  # "numpy.linalg" imported
        for value in bound:  # an alias: what the name is bound to is a forbidden function/module
            used.update(str(getattr(value, "__name__", "")).split("."))
        return next((name for name in self.forbidden if name in used), None)

    def check(self, student: Callable[..., Any], *, quiet: bool = False) -> Result:
        """Run `student` on every case; print and return the verdict."""
        result = self._verdict(student)
        if not quiet:
            print(result.message)
        return result

    def _verdict(self, student: Callable[..., Any]) -> Result:
        found = self._forbidden_use(student)
        if found is not None:
            return Result(
                INCORRECT, f"{self.name}: not yet — your code uses `{found}`; {self.forbidden_hint}"
            )
        answers = []
        for args in self.cases:
            expected = self.reference(*_copy(args))
            try:
                got = student(*_copy(args))
            except NotImplementedError:
                return Result(
                    NOT_ATTEMPTED,
                    f"{self.name}: not attempted yet — replace `raise NotImplementedError` "
                    "with your code and run both cells again.",
                )
            except Exception as exc:
                return Result(
                    INCORRECT,
                    f"{self.name}: your function raised {type(exc).__name__}: {exc} "
                    f"(inputs: {_show_inputs(args)}).",
                )
            if got is None:
                return Result(
                    INCORRECT, f"{self.name}: your function returned None — a missing `return`?"
                )
            answers.append((args, got, expected))

        if self.goal is not None:
            return self._goal_verdict(answers)
        if all(self._close(got, expected) for _, got, expected in answers):
            return Result(CORRECT, self._explained(f"{self.name}: {self.success}", answers))
        for mistake in self.mistakes:
            if all(self._matches(mistake, args, got, expected) for args, got, expected in answers):
                return Result(INCORRECT, f"{self.name}: not yet — {mistake.hint}")
        if self.explain is not None:
            return Result(INCORRECT, self._explained(f"{self.name}: not quite.", answers))
        for args, got, expected in answers:
            if np.shape(got) != np.shape(expected):
                return Result(
                    INCORRECT,
                    f"{self.name}: not yet — expected a result of shape {np.shape(expected)}, "
                    f"got shape {np.shape(got)} (inputs: {_show_inputs(args)}).",
                )
            if not self._close(got, expected):
                return Result(
                    INCORRECT,
                    f"{self.name}: not yet — for inputs {_show_inputs(args)} expected "
                    f"{_show_pair(expected, got)}, got {_show_pair(got, expected)}.",
                )
        raise AssertionError("unreachable: some answer differs")  # pragma: no cover

    def _goal_verdict(self, answers: list) -> Result:
        """A tune exercise: right if the student's settings reach the goal on every case."""
        for mistake in self.mistakes:
            if all(self._matches(mistake, args, got, expected) for args, got, expected in answers):
                return Result(INCORRECT, f"{self.name}: not yet — {mistake.hint}")
        for args, got, _ in answers:
            try:
                missed = self.goal(got, *_copy(args))
            except (ValueError, TypeError) as exc:
                return Result(INCORRECT, f"{self.name}: not yet — those settings fail: {exc}")
            if missed is not None:
                return Result(INCORRECT, f"{self.name}: not yet — {missed}")
        return Result(CORRECT, f"{self.name}: {self.success}")

    def _explained(self, verdict: str, answers: list) -> str:
        """The verdict, then (for a predict exercise) what the experiment shows."""
        if self.explain is None:
            return verdict
        _, got, expected = answers[0]
        return f"{verdict} {self.explain(got, expected)}"

    def _matches(self, mistake: Mistake, args: tuple, got: Any, expected: Any) -> bool:
        if mistake.detect is not None:
            try:
                return bool(mistake.detect(got, expected, args))
            except (ValueError, TypeError):
                return False
        return self._same(got, mistake.example(*_copy(args)))


def check(student: Callable[..., Any]) -> Result:
    """Check a "Your turn" function against the exercise of the same name; print the verdict."""
    name = getattr(student, "__name__", None)
    if name not in EXERCISES:  # the exercises of a lesson register when it is imported
        raise ValueError(
            f"student: expected a function named like an exercise {sorted(EXERCISES)}, "
            f"got {name!r} — keep the name from the stub cell"
        )
    return EXERCISES[name].check(student)


def _names_used(code: types.CodeType) -> set[str]:
    """Every global, attribute or imported name a code object (and any function in it) uses."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_used(const)
    return names


def _copy(args: tuple) -> tuple:
    """Fresh copies of array arguments, so a student's in-place edit cannot leak."""
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def _show_pair(value: Any, other: Any) -> str:
    """`value` as a student would write it: the fewest significant digits (at least 4) that
    still tell it apart from `other` (0.6 vs 0.60003, not 0.6000000000000001)."""
    if np.ndim(value) or np.ndim(other) or not isinstance(value, float | int | np.number):
        for precision in range(4, 17):  # arrays: enough digits that the two texts differ
            text = _show(value, precision)
            if text != _show(other, precision):
                return text
        return _show(value)
    a, b = float(value), float(other) if isinstance(other, float | int | np.number) else None
    for digits in range(4, 18):
        text = f"{a:.{digits}g}"
        if b is None or text != f"{b:.{digits}g}":
            return text
    return repr(a)


def _show_inputs(args: tuple) -> str:
    """The inputs of a case for a message: numbers and short vectors in full, a matrix or an
    array of more than 8 numbers by its shape only ("6×2 array"), so the message stays short."""
    return ", ".join(
        f"{'×'.join(map(str, np.shape(a)))} array" if np.ndim(a) > 1 or np.size(a) > 8 else _show(a)
        for a in args
    )


def _show(value: Any, precision: int = 4) -> str:
    """Short, stable text for inputs and answers in messages (tiny nonzero numbers such as
    1e-6 in scientific notation, not rounded to 0)."""
    if isinstance(value, tuple):
        return ", ".join(_show(v, precision) for v in value)
    try:
        mags = np.abs(np.asarray(value, dtype=float))
        tiny = bool(np.any((mags > 0) & (mags < 1e-3)))
    except (TypeError, ValueError):
        tiny = False
    with np.printoptions(precision=precision, suppress=not tiny, threshold=8):
        return (
            np.array2string(np.asarray(value), separator=", ")
            if np.ndim(value)
            else (f"{float(value):.6g}" if isinstance(value, float | np.floating) else repr(value))
        )
