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
"""

from __future__ import annotations

import base64
import functools
import io
import traceback
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backend_bases import DrawEvent
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from trainlib.plot import COLORS

#: Widest canvas in pixels: fits JupyterLab's notebook panel at 1280×800 (file browser open).
MAX_WIDTH_PX = 840

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


def divergence_step(values: Any, limit: float = 1e6) -> int | None:
    """Index of the first entry that is NaN/±inf or larger than `limit` in size, else None.

    Shapes: values (T,) or (T, ...) — one row per step; a row diverges if any entry does.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(-1, 1)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr) | (np.abs(np.nan_to_num(arr, nan=np.inf)) > limit)
    rows = np.flatnonzero(bad.any(axis=1))
    return int(rows[0]) if rows.size else None


def sweep_values(control: widgets.Widget, n: int = 5) -> list[Any]:
    """Values a headless sweep moves `control` through: min … max (n points), or every option.

    The default (current) value is always included; a Checkbox gives [False, True].
    """
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        values: list[Any] = [False, True]
    elif hasattr(control, "_options_values"):
        values = list(control._options_values)
    elif isinstance(control, widgets.FloatLogSlider):
        values = list(control.base ** np.linspace(control.min, control.max, n))
    elif isinstance(control, widgets.IntSlider | widgets.Play | widgets.BoundedIntText):
        values = sorted({int(round(v)) for v in np.linspace(control.min, control.max, n)})
    elif hasattr(control, "min") and hasattr(control, "max"):
        values = list(np.linspace(control.min, control.max, n))
    else:
        raise ValueError(f"control: expected a slider, option or checkbox widget, got {control!r}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if control.value not in values:
        values.append(control.value)
    return values


def _short(value: Any) -> str:
    """Repr of a control value: the shortest text that restores it exactly (0.3 stays 0.3)."""
    if isinstance(value, float):
        return repr(float(value))
    return repr(value)


def _whole(renderer: Any) -> Bbox:
    """The renderer's full canvas in whole pixels (a figure's bbox can be 289.9999… high)."""
    return Bbox.from_bounds(0, 0, renderer.width, renderer.height)


class LayeredFigure(Figure):
    """A Figure drawn in two layers: a cached static layer, then the live artists on top.

    Axes, ticks, labels, titles, legends and (by default) images form the static layer; it is
    rendered once and reused while `static_key()` is unchanged (axis limits, titles, labels,
    positions, the `static_version` counter). Lines, collections, patches and texts are live
    and repainted on every draw, in z-order, above the static layer. So a slider move costs
    a copy of the background plus the few artists that change, not a full re-layout.
    `LiveFigure` fills `live_artists`; with it None this is an ordinary Figure.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live_artists: Callable[[], list[Any]] | None = None
        self.static_version = 0
        self._layer: tuple[Any, tuple, Any] | None = None  # (renderer, key, saved pixels)
        # Earlier static layers by key: a figure that switches between a few views (a
        # dropdown that changes axes or titles) blits every view it has drawn before.
        self._layers: dict[tuple, tuple[Any, tuple, Any]] = {}

    def static_key(self) -> tuple:
        """What the cached static layer depends on; a change forces a full redraw."""
        parts: list[Any] = [self.static_version, self.bbox.bounds]
        for ax in self.axes:
            legend = ax.get_legend()
            parts.append((
                ax.get_visible(), ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(),
                ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(),
                *(ax.get_title(loc) for loc in ("left", "center", "right")),
                None if legend is None else tuple(t.get_text() for t in legend.get_texts()),
            ))  # fmt: skip
        return tuple(parts)

    def draw(self, renderer: Any) -> None:
        if self.live_artists is None or not self.get_visible():
            return super().draw(renderer)
        live = [a for a in self.live_artists() if a.get_visible()]
        key = self.static_key()
        # Only interactive redraws use the cache; savefig (any dpi) always draws everything.
        cacheable = (
            hasattr(renderer, "copy_from_bbox")
            and renderer is getattr(self.canvas, "renderer", None)
            and not getattr(self.canvas, "_is_saving", False)
        )
        layer = self._layers.get(key) if self._layer is not None else None
        if cacheable and layer is not None and layer[0] is renderer and layer[1] == key:
            renderer.restore_region(layer[2])
        else:
            for a in live:  # hide without marking stale (that would request another draw)
                a._visible = False
            try:
                super().draw(renderer)
            finally:
                for a in live:
                    a._visible = True
            if cacheable:  # the key after the draw: a layout engine may have moved the axes
                pixels = renderer.copy_from_bbox(_whole(renderer))
                self._layer = (renderer, self.static_key(), pixels)
                if (
                    any(old[0] is not renderer for old in self._layers.values())
                    or len(self._layers) >= 8
                ):
                    self._layers.clear()  # a new renderer (resize, dpi): old pixels are useless
                self._layers[self._layer[1]] = self._layer
            else:
                self._layer = None
                self._layers.clear()
        for a in sorted(live, key=lambda a: a.get_zorder()):
            a.draw(renderer)
        self.stale = False
        DrawEvent("draw_event", self.canvas, renderer)._process()


class LiveFigure:
    """One figure plus its controls; a control change redraws artists in place.

    Subclasses call ``super().__init__(controls, ...)`` and implement ``_build(*axes)`` (make
    the artists, once) and ``_draw(**values)`` (update them; one keyword per control).
    Public: ``controls``, ``values``, ``update(**values)``, ``fig``, ``axes``, ``widget``,
    ``drawn_data()``, ``state_call()``.
    """

    call_name = "LiveFigure"  # set by @register to the factory's name

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
        self._static_view: widgets.Output | None = None
        self._widget: widgets.Box | None = None
        self._static: set[int] = set()  # ids of artists moved to the static layer
        self._live_images: list[Any] = []
        # At most MAX_WIDTH_PX wide on screen: JupyterLab's notebook panel at 1280×800 with the
        # file browser open is ~860 px, and a wider canvas is cut off (the browser tests check
        # it). A wide figure keeps its layout and is drawn at a lower dpi, never below 72
        # (10 pt text = 10 px); figures are designed at most MAX_WIDTH_PX / 72 inches wide.
        dpi = max(72.0, min(plt.rcParams["figure.dpi"], MAX_WIDTH_PX / figsize[0]))
        # Whole pixels: a fractional canvas size (4.6 in × 100 dpi) leaves a stale edge row.
        figsize = (round(figsize[0] * dpi) / dpi, round(figsize[1] * dpi) / dpi)
        with plt.ioff():
            self.fig, axes = plt.subplots(
                nrows,
                ncols,
                figsize=figsize,
                dpi=dpi,
                squeeze=False,
                layout="constrained",
                FigureClass=LayeredFigure,
                **subplots_kw,
            )
        self.axes = list(axes.flat)
        canvas = self.fig.canvas
        if isinstance(canvas, widgets.DOMWidget):  # ipympl: hide the "Figure 3" header
            canvas.header_visible = False
            # Give the browser the canvas size with the widget's state, so a view never waits
            # for (and never misses) the size handshake and stays 0×0 pixels.
            canvas._size = tuple(float(v) for v in self.fig.bbox.size)
        self._build(*self.axes)
        self._draw(**self.values)
        self.fig.live_artists = self.live_artists
        if freeze_layout:
            # Lay out once, then keep it: constrained layout on every move costs milliseconds.
            # Not canvas.draw(): drawing an ipympl canvas before it is displayed leaves it
            # 0×0 pixels in the browser (the size handshake never completes).
            self.fig.draw_without_rendering()
            self.fig._layer = None  # that pass drew nothing: cache nothing from it
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
        args = ", ".join(f"{name}={_short(value)}" for name, value in self.values.items())
        return f"{self.call_name}({args})"

    def update(self, **values: Any) -> None:
        """Set controls from code, through the same callback a slider move triggers.

        Raises ValueError for an unknown control or a value outside its range, and re-raises
        any exception (or warning) that the redraw produced.
        """
        for name, value in values.items():
            self._check_value(name, value)
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

    def _check_value(self, name: str, value: Any) -> None:
        if name not in self.controls:
            raise ValueError(f"{name}: expected one of the controls {list(self.controls)}")
        control = self.controls[name]
        options = getattr(control, "_options_values", None)
        if options is not None:
            if value not in options:
                raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
            return
        if hasattr(control, "min") and hasattr(control, "max"):
            lo, hi = control.min, control.max
            if isinstance(control, widgets.FloatLogSlider):
                lo, hi = control.base**lo, control.base**hi
            if not lo <= value <= hi:
                raise ValueError(f"{name}: expected a value in [{lo}, {hi}], got {value!r}")

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
            if self._static_view is not None:
                self._refresh_static_view()
        except Exception as exc:  # shown under the figure, re-raised by update()
            self._problems.append(exc)
            self.output.outputs = ()
            self.output.append_stderr("".join(traceback.format_exception(exc)))

    # --- layers -----------------------------------------------------------------------------
    def live_artists(self) -> list[Any]:
        """Artists repainted on every draw: lines, collections, patches, texts, live images."""
        out = []
        for ax in self.fig.axes:
            out += [*ax.lines, *ax.collections, *ax.patches, *ax.texts]
        out += [t for t in self.fig.texts if t is not self.fig._suptitle]
        out = [a for a in out if id(a) not in self._static]
        return out + self._live_images

    def keep_static(self, *artists: Any) -> None:
        """Move artists that never change (a contour set, reference data) to the cached layer."""
        self._static.update(id(a) for a in artists)

    def make_live(self, image: Any) -> Any:
        """Repaint an image (imshow) on every draw, for an image whose data changes."""
        self._live_images.append(image)
        return image

    def invalidate_static(self) -> None:
        """Call from `_draw` after changing something static that `static_key` does not see."""
        self.fig.static_version += 1

    # --- helpers for subclasses ---------------------------------------------------------------
    @staticmethod
    def status_text(ax: Any) -> Any:
        """An empty, prominent text artist in the middle of `ax` for "diverged at step k"."""
        return ax.text(
            0.5,
            0.5,
            "",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize="x-large",
            fontweight="bold",
            color=COLORS["highlight"],
            zorder=10,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )

    @staticmethod
    def show_diverged(text: Any, step: int | None) -> None:
        """Write "diverged at step k" into a `status_text` artist, or clear it when step is None."""
        text.set_text("" if step is None else f"diverged at step {step}")
        text.set_visible(step is not None)

    # --- what is drawn ----------------------------------------------------------------------
    def drawn_data(self) -> dict[str, Any]:
        """The numbers and strings currently drawn (visible artists only), keyed by artist.

        Lines' xy, collections' offsets/paths/colour arrays, images' arrays, patches'
        corners, axis limits, and every text (titles, labels, legends, annotations).
        """
        out: dict[str, Any] = {}
        for i, ax in enumerate(self.fig.axes):
            if not ax.get_visible():
                continue
            key = f"ax{i}"
            out[f"{key}.lims"] = np.array([*ax.get_xlim(), *ax.get_ylim()], dtype=float)
            for j, line in enumerate(ax.lines):
                if line.get_visible():
                    out[f"{key}.line{j}"] = np.asarray(line.get_xydata(), dtype=float)
            for j, coll in enumerate(ax.collections):
                if not coll.get_visible():
                    continue
                out[f"{key}.coll{j}.offsets"] = _plain(coll.get_offsets())
                paths = coll.get_paths()
                if paths:
                    out[f"{key}.coll{j}.paths"] = np.concatenate(
                        [np.asarray(p.vertices, dtype=float).reshape(-1) for p in paths]
                    )
                if coll.get_array() is not None:
                    out[f"{key}.coll{j}.array"] = _plain(coll.get_array())
            for j, image in enumerate(ax.images):
                if image.get_visible():
                    out[f"{key}.image{j}"] = _plain(image.get_array())
            for j, patch in enumerate(ax.patches):
                if patch.get_visible():
                    out[f"{key}.patch{j}"] = np.asarray(patch.get_verts(), dtype=float)
            texts = [ax.get_title(loc) for loc in ("left", "center", "right")]
            texts += [ax.get_xlabel(), ax.get_ylabel()]
            texts += [t.get_text() for t in ax.texts if t.get_visible()]
            legend = ax.get_legend()
            if legend is not None and legend.get_visible():
                texts += [t.get_text() for t in legend.get_texts()]
            out[f"{key}.texts"] = tuple(texts)
        fig_texts = [t.get_text() for t in self.fig.texts if t.get_visible()]
        if self.fig._suptitle is not None:
            fig_texts.append(self.fig._suptitle.get_text())
        out["fig.texts"] = tuple(fig_texts)
        return out

    # --- display ----------------------------------------------------------------------------
    @property
    def widget(self) -> widgets.Box:
        """Controls above the figure, then the error area; an ipympl canvas is live in place."""
        if self._widget is None:
            rows = []
            for control in self.controls.values():
                _style(control)
                if isinstance(control, widgets.Play):  # a Play button drives a visible slider
                    slider = widgets.IntSlider(
                        min=control.min, max=control.max, description=control.description
                    )
                    _style(slider)
                    widgets.link((control, "value"), (slider, "value"))
                    control.description = ""
                    rows.append(widgets.HBox([control, slider]))
                else:
                    rows.append(control)
            canvas = self.fig.canvas
            if isinstance(canvas, widgets.DOMWidget):
                view = canvas
            else:  # inline/Agg backend: a picture refreshed after every change
                self._static_view = view = widgets.Output()
                self._refresh_static_view()
            self._widget = widgets.VBox([widgets.VBox(rows), view, self.output])
        return self._widget

    def png_base64(self) -> str:
        """The figure as it is now, a base64 PNG (static fallback for GitHub/nbviewer)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png")
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def _refresh_static_view(self) -> None:
        assert self._static_view is not None
        image = {"image/png": self.png_base64(), "text/plain": self.state_call()}
        self._static_view.outputs = (
            {"output_type": "display_data", "data": image, "metadata": {}},
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/plain"] = f"{self.state_call()}  # live figure: run the notebook to use it"
        if isinstance(self.fig.canvas, widgets.DOMWidget):  # static copy where widgets cannot run
            png = self.png_base64()
            bundle["image/png"] = png
            bundle["text/html"] = f'<img src="data:image/png;base64,{png}" alt="{self.call_name}"/>'
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def close(self) -> None:
        """Close the figure (frees it from pyplot) and the controls."""
        plt.close(self.fig)
        for control in self.controls.values():
            control.close()


def _style(control: widgets.Widget) -> None:
    """Room for a full label ("learning rate α") and a slider long enough to aim with."""
    if hasattr(control.style, "description_width"):
        control.style.description_width = "initial"
    sliders = (
        widgets.FloatSlider | widgets.FloatLogSlider | widgets.IntSlider | widgets.SelectionSlider
        | widgets.FloatRangeSlider | widgets.IntRangeSlider | widgets.SelectionRangeSlider
    )  # fmt: skip
    if isinstance(control, sliders):
        control.layout.width = control.layout.width or "520px"


def _plain(arr: Any) -> np.ndarray:
    """A float array of the drawn values; masked (not drawn) entries are dropped."""
    if np.ma.isMaskedArray(arr):
        return np.asarray(arr.compressed(), dtype=float)
    return np.asarray(arr, dtype=float)
