"""Live figures: one matplotlib figure and its controls, redrawn in place when a control moves.

Each lesson's figures are in `trainlib/lessons/<topic>/figures.py`, built on `LiveFigure`.
Read `figure.py` first (how a figure is built and redrawn); around it, `drawcache.py` (the
figure redraws only what changes), `display.py` (canvas size, layout, PNG copy),
`inspection.py` (control values, sweeps, what is drawn) and `divergence.py`. This package
needs matplotlib and ipywidgets; the core (`import trainlib`) never imports it.
"""

from trainlib.live.divergence import divergence_step
from trainlib.live.figure import REGISTRY, LiveFigure, register
from trainlib.live.inspection import sweep_values

__all__ = ["REGISTRY", "LiveFigure", "divergence_step", "register", "sweep_values"]
