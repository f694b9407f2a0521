"""Notebook 04's escape-time figure: the plateau near a saddle lasts ln(1/ε) / ln(1 + α|λ|) steps.

- `escape_time_figure`: exact gradient descent on L = x² − y² + y⁴/4 from (1.5, ε); a slider
  for the starting offset ε. Left: the loss per step — a plateau at the saddle's level L = 0,
  then the drop to the minimum −1. Right: the measured escape step against ln(1/ε), with the
  law's straight line of slope 1 / ln(1 + α|λ|).

Every run (one per ε of the slider) is computed once, at construction; a move only redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.saddle_points.experiments_escape import (
    ESCAPE_EPS,
    ESCAPE_STEPS,
    escape_law,
    escape_runs,
    escape_slope,
    escape_times,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(eps: float) -> str:
    """1e-06 → '10⁻⁶' (ε is always a power of ten here)."""
    return "10" + str(round(np.log10(eps))).translate(_SUPERSCRIPT)


@register
def escape_time_figure(eps: float = 1e-6):
    """Starting-offset slider: the loss plateau at a saddle and its length ∝ ln(1/ε)."""
    return EscapeTimeFigure(eps)


class EscapeTimeFigure(LiveFigure):
    """Left: loss vs step for the chosen ε. Right: escape step vs ln(1/ε), measured and law."""

    def __init__(self, eps: float) -> None:
        self.path = escape_runs(ESCAPE_EPS, steps=ESCAPE_STEPS)
        self.times = escape_times(self.path)
        controls = {
            "eps": widgets.SelectionSlider(
                options=[(_power(e), e) for e in ESCAPE_EPS],
                value=eps,
                description="starting offset ε",
            )
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.3))

    def _build(self, ax_loss, ax_law) -> None:
        steps = np.arange(ESCAPE_STEPS + 1)
        faint = ax_loss.plot(steps, self.path.losses, color=COLORS["reference"], lw=0.8, alpha=0.5)
        faint[0].set_label("every ε of the slider")
        ref = ax_loss.axhline(0.0, color=COLORS["reference"], lw=1, ls="--")
        t0 = ax_loss.text(ESCAPE_STEPS, 0.05, "saddle level L = 0", ha="right", va="bottom")
        (self.loss_line,) = ax_loss.plot([], [], color=COLORS["SGD"], lw=2.5, label="chosen ε")
        self.escape_line = ax_loss.axvline(
            0.0, color=COLORS["highlight"], lw=1.5, ls=":", label="escape: |y| > 0.5"
        )
        self.readout = ax_loss.text(
            0.97, 0.72, "", transform=ax_loss.transAxes, ha="right", va="top", zorder=6,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_loss.set_xlim(0, ESCAPE_STEPS)
        ax_loss.set_ylim(-1.2, 2.4)
        ax_loss.legend(loc="upper right", fontsize="small")
        style_axes(ax_loss, "Exact GD from (1.5, ε), learning rate 0.1", "step t", "loss L")

        eps = np.array(ESCAPE_EPS)
        ln_inv = np.log(1.0 / eps)
        (meas,) = ax_law.plot(
            ln_inv, self.times, "o", color=COLORS["data"], ms=6, label="measured escape step"
        )
        grid = np.linspace(0.0, ln_inv[-1] + 1.0, 50)
        (law,) = ax_law.plot(
            grid, escape_law(np.exp(-grid)), "--", color=COLORS["model"], lw=2,
            label=f"ln(0.5/ε) / ln(1 + 0.1·2): slope {escape_slope():.2f}",
        )  # fmt: skip
        (self.dot,) = ax_law.plot(
            [], [], "o", mfc="none", mec=COLORS["highlight"], mew=2.5, ms=14, label="chosen ε"
        )
        ax_law.set_xlim(0.0, ln_inv[-1] + 1.0)
        ax_law.set_ylim(0.0, ESCAPE_STEPS)
        ax_law.legend(loc="upper left", fontsize="small")
        style_axes(ax_law, "Plateau length grows like ln(1/ε)", "ln(1/ε)", "escape step T")
        self.keep_static(*faint, ref, t0, meas, law)

    def _draw(self, eps: float) -> None:
        i = ESCAPE_EPS.index(eps)
        t = int(self.times[i])
        self.loss_line.set_data(np.arange(ESCAPE_STEPS + 1), self.path.losses[:, i])
        self.escape_line.set_xdata([t, t])
        self.dot.set_data([np.log(1.0 / eps)], [t])
        self.readout.set_text(
            f"ε = {_power(eps)}: escaped at step {t}\nlaw ln(0.5/ε)/ln 1.2 = {escape_law(eps):.1f}"
        )
