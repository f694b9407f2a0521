"""Notebook 08's static figure of the learning-rate range test (drawn once, not live)."""

from __future__ import annotations

import io
from typing import Any

from trainlib.lessons.lr_schedules.experiments_warmup import RangeTest
from trainlib.lessons.lr_schedules.figures_common import SCHEDULE_COLORS
from trainlib.plot import COLORS, style_axes

__all__ = ["range_test_figure"]


def range_test_figure(test: RangeTest, *, as_image: bool = True) -> Any:
    """Batch loss against the rate (log axis), raw and smoothed, with the two marked rates.

    Returns a PNG `IPython.display.Image` (a plain figure, independent of the notebook's
    widget backend), or the matplotlib Figure with `as_image=False` (tests read its lines).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(test.lr, test.loss, color=COLORS["reference"], lw=1, label="batch loss")
    ax.plot(test.lr, test.smoothed, color=COLORS["Adam"], lw=2.2, label="smoothed (EMA, β = 0.9)")
    ax.axvline(test.best_lr, color=COLORS["data"], ls="--", lw=1.2,
               label=f"lowest smoothed loss: η_at-min = {test.best_lr:.3g}")  # fmt: skip
    ax.axvline(test.suggested, color=SCHEDULE_COLORS["one-cycle"], ls="-", lw=2,
               label=f"one-cycle max_lr = η_at-min/10 = {test.suggested:.3g}")  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(0, min(4.0, float(test.loss.max()) * 1.05))
    style_axes(ax, "Learning-rate range test: Adam, MLP on the digits, one run of 100 steps",
               "learning rate η_k of the step (log scale)", "cross-entropy loss")  # fmt: skip
    ax.legend(loc="upper left", fontsize=9)
    if not as_image:
        return fig
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Image(data=buf.getvalue(), format="png")
