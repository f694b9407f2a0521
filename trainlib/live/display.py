"""How a live figure appears: its canvas size, the controls laid out above it, and a PNG copy
where widgets cannot run (GitHub, nbviewer, an inline backend)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

from trainlib.live.drawcache import LayeredFigure

#: Widest canvas in pixels: fits JupyterLab's notebook panel at 1280×800 (file browser open).
MAX_WIDTH_PX = 840

#: Every private (underscore) attribute of another library that trainlib.live uses:
#: (owner, attribute, where, why). tests/test_live.py checks each one on the installed
#: versions. Underscore names that are documented protocols are not listed: IPython's
#: `_repr_mimebundle_` and `_ipython_display_`.
PRIVATE_ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    (
        "ipympl.backend_nbagg.Canvas", "_size", "trainlib.live.display.make_figure",
        "to send the canvas size with the widget's state, so a browser view never waits for "
        "(or misses) ipympl's size handshake and stays 0×0 pixels; ipympl has no public setter",
    ),
)  # fmt: skip


def make_figure(
    nrows: int, ncols: int, figsize: tuple[float, float], **subplots_kw: Any
) -> tuple[LayeredFigure, list[Any]]:
    """A figure of nrows × ncols axes, at most MAX_WIDTH_PX wide, made outside pyplot's loop.

    A wide figure keeps its layout and is drawn at a lower dpi, never below 72 (10 pt text =
    10 px): JupyterLab's panel at 1280×800 is ~860 px, and a wider canvas is cut off.
    """
    if figsize[0] * 72.0 > MAX_WIDTH_PX:
        raise ValueError(
            f"figsize: expected a width of at most {MAX_WIDTH_PX / 72:.2f} in ({MAX_WIDTH_PX} px "
            f"at the smallest dpi, 72), got {figsize[0]} in: it would be cut off in JupyterLab"
        )
    dpi = max(72.0, min(plt.rcParams["figure.dpi"], MAX_WIDTH_PX / figsize[0]))
    # Whole pixels: a fractional canvas size (4.6 in × 100 dpi) leaves a stale edge row.
    figsize = (round(figsize[0] * dpi) / dpi, round(figsize[1] * dpi) / dpi)
    with plt.ioff():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=figsize, dpi=dpi, squeeze=False, layout="constrained",
            FigureClass=LayeredFigure, **subplots_kw,
        )  # fmt: skip
    canvas = fig.canvas
    if isinstance(canvas, widgets.DOMWidget):  # ipympl: hide the "Figure 3" header
        canvas.header_visible = False
        canvas._size = tuple(float(v) for v in fig.bbox.size)  # see PRIVATE_ATTRIBUTES
    return fig, list(axes.flat)


def layout(
    controls: Mapping[str, widgets.Widget], fig: Any, output: widgets.Output
) -> tuple[widgets.VBox, widgets.Output | None]:
    """Controls above the figure, then the error area; and the PNG view, if the canvas is no widget.

    An ipympl canvas is itself a widget, live in place; on an inline/Agg backend the figure is
    shown as a picture in an Output that `show_png` refreshes after every change.
    """
    rows = []
    for control in controls.values():
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
    png_view = None if isinstance(fig.canvas, widgets.DOMWidget) else widgets.Output()
    view = fig.canvas if png_view is None else png_view
    return widgets.VBox([widgets.VBox(rows), view, output]), png_view


def png_base64(fig: Any) -> str:
    """The figure as it is now, a base64 PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def show_png(view: widgets.Output, fig: Any, text: str) -> None:
    """Replace what `view` shows with the figure as a PNG (and `text` as its plain-text form)."""
    image = {"image/png": png_base64(fig), "text/plain": text}
    view.outputs = ({"output_type": "display_data", "data": image, "metadata": {}},)


def mimebundle(widget: widgets.Widget, fig: Any, call: str, name: str) -> dict[str, Any]:
    """The widget, plus a static PNG and the state call where widgets cannot run."""
    bundle = dict(widget._repr_mimebundle_())
    bundle["text/plain"] = f"{call}  # live figure: run the notebook to use it"
    if isinstance(fig.canvas, widgets.DOMWidget):  # static copy where widgets cannot run
        png = png_base64(fig)
        bundle["image/png"] = png
        bundle["text/html"] = f'<img src="data:image/png;base64,{png}" alt="{name}"/>'
    return bundle


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
