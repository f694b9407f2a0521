"""Live figures for the notebooks: one factory per figure, each registered in `REGISTRY`.

Imported only by notebooks (``from trainlib.apps import welcome_figure``); it needs
matplotlib and ipywidgets, which ``import trainlib`` never does. To add a notebook's
figures, write ``trainlib/apps/<topic>.py`` with ``@register``-ed factories (see
`trainlib.apps.base`): every module of this package is imported here, and every registered
factory becomes importable as ``trainlib.apps.<factory name>``.
"""

import importlib
import pkgutil

from .base import REGISTRY, LiveFigure, divergence_step, register, sweep_values

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

globals().update(REGISTRY)

__all__ = ["REGISTRY", "LiveFigure", "divergence_step", "register", "sweep_values", *REGISTRY]
