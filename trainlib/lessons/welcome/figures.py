"""Notebook 00's live figure: fit a line by hand and watch the loss respond.

Twelve noisy points; the student moves the slope w and intercept b of a line ŷ = w·x + b.
Left: the data, the line and its residuals with the mean squared error. Right: the same
error as a landscape over (w, b) (colour bar: log₁₀ MSE), with a dot where the student
stands — training is the search for the dark spot, which the rest of the series automates.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

from trainlib.lessons.welcome.experiments import line_data, line_mse
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

# The grid of the loss landscape (slope on x, intercept on y).
W_RANGE = (-0.5, 2.5)
B_RANGE = (-2.0, 4.0)


@register
def welcome_figure(slope: float = 0.0, intercept: float = 2.0, residuals: bool = True):
    """Fit a line by hand: sliders for slope and intercept, the MSE and its landscape."""
    return WelcomeFigure(slope, intercept, residuals)


class WelcomeFigure(LiveFigure):
    """Data + line + residuals (left), MSE landscape over (w, b) with your position (right)."""

    # Static edition: the planner grows both sliders in balance; 220 gives 8 slopes (every 0.4,
    # 0.8 among them) × 13 intercepts (every 0.5) × errors on/off = 208 frames, about 5 MB.
    # Its best frame is the line the data were drawn from, (0.8, 1), MSE 0.124.
    frame_budget = 220

    def __init__(self, slope: float, intercept: float, residuals: bool) -> None:
        self.x, self.y = line_data()
        controls = {
            "slope": widgets.FloatSlider(
                value=slope, min=W_RANGE[0], max=W_RANGE[1], step=0.05, description="slope w"
            ),
            "intercept": widgets.FloatSlider(
                value=intercept,
                min=B_RANGE[0],
                max=B_RANGE[1],
                step=0.05,
                description="intercept b",
            ),
            "residuals": widgets.Checkbox(value=residuals, description="show the errors ŷ − y"),
        }
        super().__init__(controls, ncols=2, figsize=(9.5, 4.2))

    def _build(self, ax_fit, ax_loss) -> None:
        x, y = self.x, self.y
        # The best line, by least squares, for the readout "lowest possible".
        A = np.column_stack([x, np.ones_like(x)])
        self.best_w, self.best_b = np.linalg.lstsq(A, y, rcond=None)[0]
        self.best_mse = float(line_mse(self.best_w, self.best_b, x, y))

        self.xs = np.array([x.min() - 0.3, x.max() + 0.3])
        self.errors = LineCollection(
            [], colors=COLORS["highlight"], linewidths=1.5, label="errors ŷ − y"
        )
        ax_fit.add_collection(self.errors)
        data = ax_fit.scatter(x, y, color=COLORS["data"], s=30, zorder=3, label="data (x, y)")
        (self.line,) = ax_fit.plot([], [], color=COLORS["model"], lw=2.5, label="your line ŷ")
        self.readout = ax_fit.text(
            0.03, 0.96, "", transform=ax_fit.transAxes, va="top", fontsize="large", zorder=5,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_fit.set_xlim(*self.xs)
        ax_fit.set_ylim(-2.0, 8.0)
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.17), "frameon": False}
        ax_fit.legend(ncols=3, handlelength=1.2, columnspacing=0.8, **below)  # fits the axes
        style_axes(ax_fit, "Move the line ŷ = w·x + b", "input x", "target y")

        ws = np.linspace(*W_RANGE, 121)
        bs = np.linspace(*B_RANGE, 121)
        grid = line_mse(ws[None, :], bs[:, None], x, y)
        image = ax_loss.imshow(
            np.log10(grid),
            origin="lower",
            extent=(*W_RANGE, *B_RANGE),
            aspect="auto",
            cmap="viridis",
            interpolation="bilinear",
        )
        best = ax_loss.plot(
            [self.best_w], [self.best_b], "*", color="white", ms=14, mec="black",
            label="lowest error",
        )  # fmt: skip
        bar = ax_loss.figure.colorbar(image, ax=ax_loss, pad=0.03)
        bar.set_label("log₁₀ MSE(w, b)")
        bar.ax.set_title("high", fontsize="medium")  # the ends of the scale: every axes of a
        bar.ax.set_xlabel("low", fontsize="medium")  # figure has a title and axis labels
        self.keep_static(data, *best)
        (self.you,) = ax_loss.plot(
            [], [], "o", color=COLORS["highlight"], ms=10, mec="white", label="you (w, b)"
        )
        ax_loss.legend(ncols=2, **below)
        style_axes(
            ax_loss, "Error landscape: log₁₀ MSE(w, b)", "slope w", "intercept b", grid=False
        )

    def _draw(self, slope: float, intercept: float, residuals: bool) -> None:
        x, y = self.x, self.y
        yhat = slope * x + intercept
        self.line.set_data(self.xs, slope * self.xs + intercept)
        self.errors.set_segments(np.stack([np.column_stack([x, y]), np.column_stack([x, yhat])], 1))
        self.errors.set_visible(residuals)
        mse = float(line_mse(slope, intercept, x, y))
        self.readout.set_text(f"MSE = {mse:.3f}\nlowest possible = {self.best_mse:.3f}")
        self.you.set_data([slope], [intercept])
