"""The live-figure base: one matplotlib figure and its controls, updated in place.

A live figure is built once: its controls (ipywidgets) and ONE figure made inside
``plt.ioff()``. Moving a control calls the subclass's ``_draw(**values)``, which changes
existing artists (``set_data``, ``set_ydata``, ``set_offsets``, ``set_text``) and never
rebuilds the figure, then ``fig.canvas.draw_idle()``. An error inside that callback is
shown under the figure (an ``ipywidgets.Output``) instead of vanishing; ``update(**values)``
takes the same path from code and re-raises it, so tests and benchmarks see it.

Writing one::

    @register
    def my_figure(rate=0.1):
        return MyFigure(rate)

    class MyFigure(LiveFigure):
        def __init__(self, rate):
            rate_slider = widgets.FloatSlider(rate, min=0, max=1, description="rate α")
            super().__init__({"rate": rate_slider})
        def _build(self, ax):                 # once: axes and artists
            (self.line,) = ax.plot([], [])
        def _draw(self, rate):                # every change: update artists in place
            self.line.set_data(x, f(x, rate))

Around this file: `drawcache` (the figure redraws only what changes), `display` (canvas size,
layout, PNG copy), `inspection` (control values, sweeps, what is drawn), `divergence`.
"""

from __future__ import annotations

import functools
import traceback
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

from trainlib.live import display
from trainlib.live.divergence import show_diverged, status_text
from trainlib.live.inspection import check_value, drawn_data


class BadValue(ValueError):
    """A value `update(...)` cannot set. IPython shows it as its message alone, no traceback
    (`_render_traceback_`): the same message also stands under the figure."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


#: Every live figure of the series: factory name → factory. Filled by `@register`.
REGISTRY: dict[str, Callable[..., LiveFigure]] = {}


def register(factory: Callable[..., LiveFigure]) -> Callable[..., LiveFigure]:
    """Add a live-figure factory to `REGISTRY` under its function name.

    The factory's keyword arguments are its controls' initial values, so
    ``factory(**fig.values)`` rebuilds a figure in the same state (see `state_call`).
    """
    name = factory.__name__
    if name in REGISTRY:
        raise ValueError(f"factory: expected a new live-figure name, got {name!r} twice")

    @functools.wraps(factory)
    def build(*args: Any, **kwargs: Any) -> LiveFigure:
        live = factory(*args, **kwargs)
        live.call_name = name
        return live

    REGISTRY[name] = build
    return build


class LiveFigure:
    """One figure plus its controls; a control change redraws artists in place.

    Subclasses call ``super().__init__(controls, ...)`` and implement ``_build(*axes)`` (make
    the artists, once) and ``_draw(**values)`` (update them; one keyword per control).
    Public: ``controls``, ``values``, ``update(**values)``, ``fig``, ``axes``, ``widget``,
    ``drawn_data()``, ``state_call()``.
    """

    call_name = "LiveFigure"  # set by @register to the factory's name
    status_text = staticmethod(status_text)
    show_diverged = staticmethod(show_diverged)

    def __init__(
        self,
        controls: Mapping[str, widgets.Widget],
        *,
        nrows: int = 1,
        ncols: int = 1,
        figsize: tuple[float, float] = (8.0, 3.6),
        freeze_layout: bool = True,
        **subplots_kw: Any,
    ) -> None:
        self.controls: dict[str, widgets.Widget] = dict(controls)
        self.output = widgets.Output()  # callback errors and warnings appear here
        self._problems: list[BaseException | warnings.WarningMessage] = []
        self._widget: widgets.VBox | None = None
        self._png_view: widgets.Output | None = None  # the picture, without a widget canvas
        self.fig, self.axes = display.make_figure(nrows, ncols, figsize, **subplots_kw)
        self._build(*self.axes)
        self._draw(**self.values)
        self.fig.start_caching()
        if freeze_layout:
            # Lay out once, then keep it: constrained layout on every move costs milliseconds.
            # Not canvas.draw(): drawing an ipympl canvas before it is displayed leaves it
            # 0×0 pixels in the browser (the size handshake never completes).
            self.fig.draw_without_rendering()
            self.fig.forget_static()  # that pass drew nothing: cache nothing from it
            self.fig.set_layout_engine("none")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    # --- to implement -------------------------------------------------------------------
    def _build(self, *axes: Any) -> None:
        """Create every artist once (lines, scatter, text) on the given axes."""
        raise NotImplementedError

    def _draw(self, **values: Any) -> None:
        """Update the artists for these control values, in place."""
        raise NotImplementedError

    # --- state ----------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """Current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def state_call(self) -> str:
        """One line that recreates the current state, e.g. ``welcome_figure(slope=2.0)``."""
        # repr(float(v)): the shortest text that restores v exactly, also for a numpy float
        short = {k: float(v) if isinstance(v, float) else v for k, v in self.values.items()}
        args = ", ".join(f"{name}={value!r}" for name, value in short.items())
        return f"{self.call_name}({args})"

    def update(self, **values: Any) -> None:
        """Set controls from code, through the same callback a slider move triggers.

        A bad value (an unknown control, a string, NaN, a value outside the control's range)
        changes nothing: its message appears under the figure and the call raises
        `BadValue`, a ValueError that a notebook shows as that one line, not a traceback.
        Any exception (or warning) the redraw produced is re-raised.
        """
        try:
            for name, value in values.items():
                if name not in self.controls:
                    raise ValueError(f"{name}: expected one of the controls {list(self.controls)}")
                check_value(name, self.controls[name], value)
        except ValueError as err:  # (TypeError too: an ArgumentTypeError is a ValueError)
            self.output.outputs = ()
            self.output.append_stderr(f"{err}\n")
            raise BadValue(str(err)) from None
        self._problems = []
        for name, value in values.items():
            self.controls[name].value = value
        problems, self._problems = self._problems, []
        for problem in problems:
            if isinstance(problem, BaseException):
                raise problem
            warnings.warn_explicit(
                problem.message, problem.category, problem.filename, problem.lineno
            )

    # --- the one callback -------------------------------------------------------------------
    def _on_change(self, change: Any = None) -> None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self._draw(**self.values)
            if caught:
                self._problems.extend(caught)
                for w in caught:
                    self.output.append_stderr(f"{w.category.__name__}: {w.message}\n")
            elif self.output.outputs:
                self.output.outputs = ()
            self.fig.canvas.draw_idle()
            if self._png_view is not None:
                display.show_png(self._png_view, self.fig, self.state_call())
        except Exception as exc:  # shown under the figure, re-raised by update()
            self._problems.append(exc)
            self.output.outputs = ()
            self.output.append_stderr("".join(traceback.format_exception(exc)))

    # --- the drawing cache (trainlib/live/drawcache.py) ------------------------------------
    def keep_static(self, *artists: Any) -> None:
        """Move artists that never change (a contour set, reference data) to the cached layer."""
        self.fig.keep_static(*artists)

    def make_live(self, image: Any) -> Any:
        """Repaint an image (imshow) on every draw, for an image whose data changes."""
        return self.fig.make_live(image)

    def invalidate_static(self) -> None:
        """Call from `_draw` after changing something static that `static_key` does not see."""
        self.fig.invalidate_static()

    # --- reading and showing it ---------------------------------------------------------------
    def drawn_data(self) -> dict[str, Any]:
        """The numbers and strings currently drawn, keyed by artist (see `inspection`)."""
        return drawn_data(self.fig)

    @property
    def widget(self) -> widgets.VBox:
        """Controls above the figure, then the error area; an ipympl canvas is live in place."""
        if self._widget is None:
            self._widget, self._png_view = display.layout(self.controls, self.fig, self.output)
            if self._png_view is not None:
                display.show_png(self._png_view, self.fig, self.state_call())
        return self._widget

    def frames(self, budget: int | None = None) -> widgets.VBox:
        """This figure as pre-drawn frames that the browser switches alone (no kernel needed).

        For instant scrubbing in JupyterLab or Voilà, or a figure that outlives its kernel;
        see `trainlib.live.frames` for which values get a frame (at most `budget`).
        """
        from trainlib.live.frames import frames_widget

        return frames_widget(self, budget)

    def png_base64(self) -> str:
        """The figure as it is now, a base64 PNG (static fallback for GitHub/nbviewer)."""
        return display.png_base64(self.fig)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return display.mimebundle(self.widget, self.fig, self.state_call(), self.call_name)

    def _ipython_display_(self) -> None:
        from IPython.display import display as show

        show(self._repr_mimebundle_(), raw=True)

    def close(self) -> None:
        """Close the figure (frees it from pyplot) and the controls."""
        plt.close(self.fig)
        for control in self.controls.values():
            control.close()
