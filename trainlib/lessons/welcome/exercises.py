"""Exercises of 00_welcome: predict the lowest MSE a line reaches on the twelve points, the
warm-up (the mean squared error of a line from its parameters), and tune the intercept by hand
for a slope held fixed at w = 1."""

from typing import Any

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.welcome.experiments import line_data, line_mse

# ---------------------------------------------------------------------------------------------
# 00 welcome — predict: the lowest MSE any line reaches on the twelve points, against the
# 0.124 of the line y = 0.8·x + 1 they were drawn from (printed just above the exercise)
# ---------------------------------------------------------------------------------------------

#: The line the twelve points were drawn from, (w, b), and the window of right predictions:
#: below its MSE (0.124 as printed), but not far below — a line follows little of the noise.
TRUE_LINE = (0.8, 1.0)
PREDICT_WINDOW = (0.09, 0.123)


def _lowest_mse() -> float:
    """Run the experiment: the MSE of the least-squares line on the notebook's twelve points
    (the normal equations: w = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², b = ȳ − w·x̄)."""
    from trainlib.lessons.welcome.experiments import line_data

    x, y = line_data()
    dx, dy = x - x.mean(), y - y.mean()
    w = np.sum(dx * dy) / np.sum(dx**2)
    return float(np.mean((w * dx - dy) ** 2))  # errors of ŷ = w·x + (ȳ − w·x̄)


#: On average over noise draws, the best line's MSE is (N − 2)/N of the true line's (two
#: numbers fitted to N points; for Gaussian noise their ratio is Beta((N − 2)/2, 1)).
N_POINTS = 12


def _average_sentence() -> str:
    """The average ratio (N − 2)/N, what it gives here, and what these twelve points gave."""
    true = float(line_mse(*TRUE_LINE, *line_data()))
    ratio = (N_POINTS - 2) / N_POINTS
    return (
        f"On average over noise draws, the best line's MSE is (N − 2)/N = 10/12 of the true "
        f"line's (two numbers fitted to twelve points), here about {ratio * true:.3f}."
    )


def _explain_lowest(got: Any, want: float) -> str:
    """What least squares finds, why it is below the true line's MSE, and why not below 0."""
    true = float(line_mse(*TRUE_LINE, *line_data()))
    return (
        f"Least squares (the star in the figure below) finds {want:.3f}: the lowest MSE over "
        f"all lines, below the {true:.3f} of the line the points were drawn from. That line is "
        "one of the candidates, so the best can only do as well or better — and with two "
        "numbers, w and b, it also follows a part of these twelve points' noise, never all of "
        f"it: no line passes through all twelve. {_average_sentence()} These twelve points "
        f"gave {want:.3f}, {want / true:.0%} of {true:.3f}. You said {got}."
    )


def _not_a_number(got: Any) -> bool:
    """Not one finite real number (a word, a list, NaN, True)."""
    if isinstance(got, bool) or not isinstance(got, int | float | np.integer | np.floating):
        return True
    return not np.isfinite(got)


#: Answers that are 0.124 at the printed precision: "equal to the true line's MSE".
ROUNDS_TO_TRUE = (0.1235, 0.1245)

predict_lowest_mse_exercise = Exercise(
    "predict_lowest_mse",
    reference=_lowest_mse,
    cases=[()],
    mistakes=[
        Mistake(
            "return a number, your guess of the lowest MSE (e.g. 0.1), not a word: *how far* "
            "below or above 0.124?",
            example=lambda: "below",
            detect=lambda got, expected, args: _not_a_number(got),
        ),
        Mistake(
            "an MSE averages squared errors, so it is never negative.",
            example=lambda: -0.1,
            detect=lambda got, expected, args: float(got) < 0.0,
        ),
        Mistake(
            "no line passes through all twelve noisy points (the printed y goes 3.83, 4.02, "
            "3.56 while x keeps growing: up, then down), so some errors remain and the MSE "
            "stays above 0.",
            example=lambda: 0.0,
            detect=lambda got, expected, args: 0.0 <= float(got) < 0.01,
        ),
        Mistake(
            "too low: a line has only two numbers, w and b, to follow twelve noisy points, so "
            "it takes up only a small part of their noise, not most of it.",
            example=lambda: 0.05,
            detect=lambda got, expected, args: 0.01 <= float(got) < PREDICT_WINDOW[0],
        ),
        Mistake(
            "below, yes, but by less than 0.001, a rounding step: a line that adjusts two "
            "numbers, w and b, to "
            "twelve noisy points follows a visible part of their noise, so the lowest MSE is "
            "typically well below 0.124, not a rounding step below it.",
            example=lambda: 0.1232,
            detect=lambda got, expected, args: PREDICT_WINDOW[1] < float(got) < ROUNDS_TO_TRUE[0],
        ),
        Mistake(
            "your number is 0.124 at the printed precision: the MSE of the line the points "
            "were drawn from, y = 0.8·x + 1. The lowest MSE is taken over all lines, that one "
            "included, and a line that also follows a part of these twelve points' noise "
            "scores lower on them: predict below 0.124.",
            example=lambda: 0.124,
            detect=lambda got, expected, args: ROUNDS_TO_TRUE[0] <= float(got) <= ROUNDS_TO_TRUE[1],
        ),
        Mistake(
            "the line the points were drawn from, (0.8, 1), already scores 0.124 on them; the "
            "lowest MSE over all lines, that one included, cannot be higher.",
            example=lambda: 0.5,
            detect=lambda got, expected, args: float(got) > ROUNDS_TO_TRUE[1],
        ),
    ],
    success="Right.",
    kind="predict",
    window=PREDICT_WINDOW,
    explain=_explain_lowest,
    forbidden=("polyfit", "lstsq", "line_mse"),
    forbidden_hint="predict the number before the experiment: the checker runs least squares "
    "for you.",
)

# ---------------------------------------------------------------------------------------------
# 00 welcome — warm-up: the MSE of the line ŷ = w·x + b, from w and b
# ---------------------------------------------------------------------------------------------


def _mse(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """MSE of the line ŷ = w·x + b: (1/N)·Σ (w·xᵢ + b − yᵢ)². Shapes: x (N,), y (N,) → scalar."""
    yhat = w * x + b
    return float(np.mean((yhat - y) ** 2))


_MSE_CASES = [
    (0.5, 1.0, np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.5, 2.0])),
    (2.0, -1.0, np.array([0.0, 1.0, 2.0, 3.0]), np.array([3.0, -0.5, 2.0, 7.0])),
    (0.0, 2.0, np.array([1.0, 3.0]), np.array([1.0, -3.0])),
    (-1.0, 0.5, np.array([-1.0, 4.0, 0.5]), np.array([2.0, 1.0, 0.5])),
]

my_mse_exercise = Exercise(
    "my_mse",
    reference=_mse,
    cases=_MSE_CASES,
    mistakes=[
        Mistake(
            "you left out the intercept b: the line's prediction is ŷ = w·x + b, not w·x.",
            example=lambda w, b, x, y: float(np.mean((w * x - y) ** 2)),
        ),
        Mistake(
            "you summed the squared errors; the mean divides that sum by N, the number of points.",
            example=lambda w, b, x, y: float(np.sum((w * x + b - y) ** 2)),
        ),
        Mistake(
            "you averaged the absolute errors |ŷ − y| (that is the MAE); square each error "
            "instead.",
            example=lambda w, b, x, y: float(np.mean(np.abs(w * x + b - y))),
        ),
        Mistake(
            "you took a square root at the end (that is the RMSE); the MSE stops before the root.",
            example=lambda w, b, x, y: float(np.sqrt(np.mean((w * x + b - y) ** 2))),
        ),
        Mistake(
            "you averaged the raw errors ŷ − y, so positive and negative ones cancel; "
            "square each error before averaging.",
            example=lambda w, b, x, y: float(np.mean(w * x + b - y)),
        ),
        Mistake(
            "you squared after averaging, (mean of ŷ − y)²; square each error first, then average.",
            example=lambda w, b, x, y: float(np.mean(w * x + b - y) ** 2),
        ),
        Mistake(
            "you halved the mean, ½·(1/N)·Σ(ŷ − y)² (a convention some texts use to tidy the "
            "gradient); the MSE here is the plain mean, without the ½.",
            example=lambda w, b, x, y: float(0.5 * np.mean((w * x + b - y) ** 2)),
        ),
        Mistake(
            "you divided by N − 1 (the habit from the sample variance); the mean squared error "
            "divides by N, the number of points.",
            example=lambda w, b, x, y: float(np.sum((w * x + b - y) ** 2) / (len(x) - 1)),
        ),
        Mistake(
            "you returned one squared error per point; average them into a single number.",
            example=lambda w, b, x, y: (w * x + b - y) ** 2,
            detect=lambda got, expected, args: (
                np.shape(got) == np.shape(args[2])
                and np.allclose(got, (args[0] * args[2] + args[1] - args[3]) ** 2)
            ),
        ),
    ],
    kind="implement",
    success="Correct! This mean squared error is the loss the series minimises first.",
)


# ---------------------------------------------------------------------------------------------
# 00 welcome — tune: with the slope stuck at w = 1 (steeper than the star's 0.73), the intercept
# b of lowest MSE. It is printed nowhere: b = ȳ − 1·x̄ = 0.511 (MSE 0.288), far below the star's
# 1.18 — the tilt of the valley. The slider (step 0.05) reaches it: b = 0.50 or 0.55.
# ---------------------------------------------------------------------------------------------

#: The slope the tune exercise holds fixed, and its goal: MSE(1, b) ≤ TUNE_GOAL on the points.
STUCK_SLOPE = 1.0
TUNE_GOAL = 0.29


def _best_intercept_at(w: float) -> tuple[float, float]:
    """The intercept of lowest MSE for a fixed slope w, b = ȳ − w·x̄, and that MSE."""
    x, y = line_data()
    b = float(y.mean() - w * x.mean())
    return b, float(line_mse(w, b, x, y))


def _intercept_setting() -> float:
    """One intercept the slider reaches that meets the goal at w = 1: b = 0.5 (MSE 0.2883)."""
    return 0.5


def _intercept_goal(answer: Any) -> str | None:
    """Run `line_mse` at w = 1 with the student's b; None if MSE ≤ 0.29, else which way to go."""
    if _not_a_number(answer):
        return f"return one finite number, the intercept b; got {answer!r}."
    b = float(answer)
    x, y = line_data()
    mse = float(line_mse(STUCK_SLOPE, b, x, y))
    if mse <= TUNE_GOAL:
        return None
    mean_error = float(STUCK_SLOPE * x.mean() + b - y.mean())  # MSE = lowest + mean_error²
    high, move = ("high", "lower") if mean_error > 0 else ("low", "raise")
    # the direction only: the mean error's size would hand out the answer (b − mean error)
    return (
        f"MSE {mse:.3f} at w = 1 (goal: at most {TUNE_GOAL}): the line sits too {high} (its "
        f"errors ŷ − y are {'positive' if mean_error > 0 else 'negative'} on average): {move} b."
    )


def _tune_success() -> str:
    """The success line, its numbers computed from the data."""
    b, mse = _best_intercept_at(STUCK_SLOPE)
    x, y = line_data()
    star_w, star_b = np.polyfit(x, y, 1)
    return (
        f"Goal reached. At w = 1 the best intercept is b = {b:.3f} (MSE {mse:.3f}), far below "
        f"the star's b = {star_b:.2f} (at w = {star_w:.2f}). The valley is tilted: a steeper line "
        f"must start lower to keep passing through the middle of the points, "
        f"(x̄, ȳ) = ({x.mean():.1f}, {y.mean():.2f}), so its best b = ȳ − w·x̄."
    )


tune_line_exercise = Exercise(
    "tune_line",
    reference=_intercept_setting,
    cases=[()],
    mistakes=[
        Mistake(
            "return one number, the intercept b: the slope is fixed at w = 1.",
            example=lambda: (1.0, 0.5),
            detect=lambda got, expected, args: np.shape(got) == (2,),
        ),
        Mistake(
            "1.18 is the best intercept for the star's slope, 0.73 (and 1 is the true line's, "
            "for 0.8). A steeper line must start lower to pass through the middle of the "
            "points (x = 2.5): the valley is tilted, so raise w and the best b drops. Set the "
            "slope slider to 1.0 and move only the intercept.",
            example=lambda: 1.18,
            detect=lambda got, expected, args: np.ndim(got) == 0 and 0.95 <= float(got) <= 1.25,
        ),
        Mistake(
            "return the intercept b that reaches the lowest MSE, not the MSE it reaches.",
            example=lambda: 0.288,
            detect=lambda got, expected, args: np.ndim(got) == 0 and 0.2865 <= float(got) <= 0.2905,
        ),
    ],
    success=_tune_success(),
    kind="tune",
    goal=_intercept_goal,
)
