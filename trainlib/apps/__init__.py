"""Live figures for the notebooks: one factory per figure, each registered in `REGISTRY`.

Imported only by notebooks (``from trainlib.apps import welcome_figure``); it needs
matplotlib and ipywidgets, which ``import trainlib`` never does. To add a notebook's
figures: write ``trainlib/apps/<topic>.py`` with ``@register``-ed factories (see
`trainlib.apps.base`) and import them below.
"""

from .base import REGISTRY, LiveFigure, divergence_step, register, sweep_values
from .welcome import welcome_figure

__all__ = [
    "REGISTRY",
    "LiveFigure",
    "divergence_step",
    "register",
    "sweep_values",
    "welcome_figure",
]
