"""Live figures: one matplotlib figure and its controls, redrawn in place when a control moves.

Each lesson's figures are in `trainlib/lessons/<topic>/figures.py`, built on `LiveFigure`
(`trainlib/live/figure.py`). This package needs matplotlib and ipywidgets; the core
(`import trainlib`) never imports it.
"""

from trainlib.live.figure import REGISTRY, LiveFigure, divergence_step, register, sweep_values

__all__ = ["REGISTRY", "LiveFigure", "divergence_step", "register", "sweep_values"]
