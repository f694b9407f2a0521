"""Exercises of 00_welcome: predict the lowest MSE a line reaches on the twelve points, the
warm-up (the mean squared error of a line from its parameters), and tune a line by hand."""

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
    """Run the experiment: the MSE of the least-squares line on the notebook's twelve points."""
    from trainlib.lessons.welcome.experiments import line_data, line_mse

    x, y = line_data()
    w, b = np.polyfit(x, y, 1)  # least squares: the line of lowest MSE
    return float(line_mse(w, b, x, y))


def _explain_lowest(got: Any, want: float) -> str:
    """What least squares finds, why it is below the true line's MSE, and why not below 0."""
    true = float(line_mse(*TRUE_LINE, *line_data()))
    return (
        f"Least squares (the star in the figure below) finds {want:.3f}: the lowest MSE over "
        f"all lines, below the {true:.3f} of the line the points were drawn from. That line is "
        "one of the candidates, so the best can only do as well or better — and with two "
        "numbers, w and b, it also follows a little of these twelve points' noise. Only a "
        f"little, and never to 0: no line passes through all twelve. You said {got}."
    )


predict_lowest_mse_exercise = Exercise(
    "predict_lowest_mse",
    reference=_lowest_mse,
    cases=[()],
    mistakes=[
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
            "it can take up only a little of their noise — the lowest MSE is only a little "
            "below the 0.124 of the line they were drawn from.",
            example=lambda: 0.05,
            detect=lambda got, expected, args: 0.01 <= float(got) < PREDICT_WINDOW[0],
        ),
        Mistake(
            "0.124 is the MSE of the line the points were drawn from, y = 0.8·x + 1. The "
            "lowest MSE is taken over all lines, that one included, and a line that also "
            "follows a little of these twelve points' noise scores lower on them: predict "
            "below 0.124.",
            example=lambda: 0.124,
            detect=lambda got, expected, args: PREDICT_WINDOW[1] < float(got) <= 0.1245,
        ),
        Mistake(
            "the line the points were drawn from, (0.8, 1), already scores 0.124 on them; the "
            "lowest MSE over all lines, that one included, cannot be higher.",
            example=lambda: 0.5,
            detect=lambda got, expected, args: float(got) > 0.1245,
        ),
    ],
    success="Right.",
    kind="predict",
    window=PREDICT_WINDOW,
    explain=_explain_lowest,
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
# 00 welcome — tune: a line (w, b) with MSE ≤ 0.12 on the twelve points, below the 0.124 of
# the line they were drawn from; the sliders (step 0.05) reach it, e.g. at (0.75, 1.15)
# ---------------------------------------------------------------------------------------------

#: The tune exercise's goal: MSE(w, b) ≤ TUNE_GOAL on the twelve points (the lowest is 0.113).
TUNE_GOAL = 0.12


def _line_setting() -> tuple[float, float]:
    """One line the sliders reach that meets the goal: w = 0.75, b = 1.15 (MSE 0.114)."""
    return 0.75, 1.15


def _excess(w: float, b: float) -> tuple[float, float, float]:
    """MSE(w, b) − lowest MSE, split exactly into a tilt part and a height part.

    With x̄, ȳ the means and w* the best slope: MSE(w, b) = lowest + var(x)·(w − w*)²
    + (w·x̄ + b − ȳ)², the last being the squared mean error ŷ − y. Returns
    (w − w*, the mean error w·x̄ + b − ȳ, the MSE the best line reaches).
    """
    x, y = line_data()
    w_best, b_best = np.polyfit(x, y, 1)
    mean_error = w * x.mean() + b - y.mean()
    return w - float(w_best), float(mean_error), float(line_mse(w_best, b_best, x, y))


def _line_goal(answer: Any) -> str | None:
    """Run `line_mse` on the student's (w, b); None if MSE ≤ 0.12, else what to change."""
    if np.shape(answer) != (2,) or not np.all(np.isfinite(np.asarray(answer, dtype=float))):
        return f"return two finite numbers, the slope and the intercept (w, b); got {answer!r}."
    w, b = (float(v) for v in answer)
    mse = float(line_mse(w, b, *line_data()))
    if mse <= TUNE_GOAL:
        return None
    dw, mean_error, lowest = _excess(w, b)
    x, _ = line_data()
    half = (TUNE_GOAL - lowest) / 2  # a part larger than this is a problem worth naming
    tilted = float(np.var(x)) * dw**2 > half
    shifted = mean_error**2 > half
    said = f"MSE {mse:.3f} (goal: at most {TUNE_GOAL}):"
    steep, wmove = ("too steep", "lower") if dw > 0 else ("too flat", "raise")
    high, bmove = ("high", "lower") if mean_error > 0 else ("low", "raise")
    average = f"its errors ŷ − y average {mean_error:+.2f}"
    if tilted and shifted:
        return (
            f"{said} the line is {steep}, and it sits too {high} ({average}). {wmove.title()} "
            "the slope w first, then move b until the errors average about 0."
        )
    if tilted:
        back = "raise" if dw > 0 else "lower"
        return (
            f"{said} the line passes through the middle of the points, but it is {steep}: "
            f"{wmove} w, and {back} b by {x.mean():g} times as much, so that the line keeps "
            f"passing through the middle (x = {x.mean():g}) — the tilted valley in the right "
            "panel."
        )
    return f"{said} the slope is about right, but the line sits too {high} ({average}): {bmove} b."


tune_line_exercise = Exercise(
    "tune_line",
    reference=_line_setting,
    cases=[()],
    mistakes=[
        Mistake(
            "(0.8, 1) is the line the points were drawn from: on these twelve points it scores "
            "0.124, above the goal. The best fit to *these* points is a little flatter — the "
            "star in the figure's right panel.",
            example=lambda: (0.8, 1.0),
            detect=lambda got, expected, args: (
                np.shape(got) == (2,) and np.allclose(got, TRUE_LINE, atol=0.005)
            ),
        ),
        Mistake(
            "you returned (b, w): the order is (w, b), the slope first. Swapped, your line "
            "reaches the goal.",
            example=lambda: (1.15, 0.75),
            detect=lambda got, expected, args: (
                np.shape(got) == (2,)
                and float(line_mse(got[0], got[1], *line_data())) > TUNE_GOAL
                and float(line_mse(got[1], got[0], *line_data())) <= TUNE_GOAL
            ),
        ),
        Mistake(
            "return the settings of your line, the pair (w, b), not the MSE it reaches.",
            example=lambda: 0.114,
            detect=lambda got, expected, args: np.ndim(got) == 0,
        ),
    ],
    success="Goal reached: your line beats the one the points were drawn from (0.124). The "
    "lowest MSE, 0.113, is at the star; the sliders' steps of 0.05 get within 0.001 of it.",
    kind="tune",
    goal=_line_goal,
)
