"""Notebook 08's figure helpers shared by `figures_settle.py` and `figures_playground.py`."""

from __future__ import annotations

from typing import Any

from trainlib.plot import OKABE_ITO

__all__ = ["BAR_LEFT", "FLOOR", "LOSS_LIM", "SCHEDULE_COLORS", "log_axis"]

SCHEDULE_COLORS: dict[str, str] = {
    "constant": OKABE_ITO["black"],
    "step decay": OKABE_ITO["blue"],
    "exponential": OKABE_ITO["sky blue"],
    "cosine": OKABE_ITO["bluish green"],
    "warmup + cosine": OKABE_ITO["orange"],
    "one-cycle": OKABE_ITO["reddish purple"],
    "reduce on plateau": OKABE_ITO["vermillion"],
}
FLOOR = 1e-12  # an excess loss below this is drawn at this value (log axes)
LOSS_LIM = (1e-6, 1e2)
BAR_LEFT = 1e-7  # bars of the final-loss chart start here (log axis)


def log_axis(ax: Any, which: str = "y") -> None:
    """A log axis without minor ticks (they cost most of a layout pass and add little here)."""
    from matplotlib.ticker import NullLocator

    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    axis.set_minor_locator(NullLocator())
