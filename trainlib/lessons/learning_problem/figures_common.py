"""Notebook 01's figure helpers shared by the `figures_<part>.py` modules."""

from __future__ import annotations

from trainlib.plot import OKABE_ITO

__all__ = ["SEED_COLORS", "colour_bar", "readout"]

#: Five distinguishable colours for five random networks (Okabe–Ito, yellow left out).
SEED_COLORS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "reddish purple", "black")]
_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}


def readout(ax, x=0.03, y=0.96, **kw):
    """An empty text box in axes coordinates, top-left by default, for a figure's numbers."""
    return ax.text(
        x, y, "", transform=ax.transAxes, va="top", fontsize="medium", zorder=6, bbox=_BOX, **kw
    )


def colour_bar(ax, image, label: str, *, label_left: bool = False):
    """A labelled colour bar beside `ax` for `image`; its ends are marked "high" and "low".

    Every axes of a figure has a title and axis labels (tests/test_live.py), the bar's too.
    label_left puts the label between the map and the bar, away from a panel to its right.
    """
    bar = ax.figure.colorbar(image, ax=ax, pad=0.03)
    bar.set_label(label)
    if label_left:
        bar.ax.yaxis.set_label_position("left")
    bar.ax.set_title("high", fontsize="medium")
    bar.ax.set_xlabel("low", fontsize="medium")
    return bar
