"""Notebook 01's figure helpers shared by the `figures_<part>.py` modules."""

from __future__ import annotations

from trainlib.plot import OKABE_ITO

__all__ = ["SEED_COLORS", "readout"]

#: Five distinguishable colours for five random networks (Okabe–Ito, yellow left out).
SEED_COLORS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "reddish purple", "black")]
_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}


def readout(ax, x=0.03, y=0.96, **kw):
    """An empty text box in axes coordinates, top-left by default, for a figure's numbers."""
    return ax.text(
        x, y, "", transform=ax.transAxes, va="top", fontsize="medium", zorder=6, bbox=_BOX, **kw
    )
