"""Small drawing helpers any lesson's figures can use.

- `readout`: a live text box (white, half-transparent) for numbers that follow the controls;
- `text_picture`: monospace text as an RGBA picture, assembled from cached glyph tiles, so
  a changing table is blitted as an image instead of re-rendering its glyphs;
- `set_errorbar`: move an errorbar container to new values in place;
- `plain_log_ticks`: a log y-axis labelled 0.1, 1, 10, without minor ticks.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullLocator

__all__ = ["CHARSET", "plain_log_ticks", "readout", "set_errorbar", "text_picture"]

#: The characters `text_picture` can draw; any other is drawn as a blank.
CHARSET = " 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;+-−=*—()/%<>≤'_"


def readout(ax: Any, x: float, y: float, **kw: Any) -> Any:
    """An empty text box at (x, y) in axes coordinates, to be filled with `set_text`.

    Defaults (each can be overridden): left/top aligned, small font, above the data (zorder 6),
    on a white box of alpha 0.85.
    """
    style = {
        "ha": "left",
        "va": "top",
        "fontsize": "small",
        "zorder": 6,
        "bbox": {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
    }
    return ax.text(x, y, "", transform=ax.transAxes, **{**style, **kw})


def plain_log_ticks(ax: Any) -> None:
    """Log y-axis ticks as plain numbers (0.1, 1, 10), no minor ticks: cheap to lay out."""
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))


def set_errorbar(container: Any, x: np.ndarray, y: np.ndarray, err: np.ndarray) -> None:
    """Move an errorbar container (markers, caps, bars) to y ± err at x, in place.

    Shapes: x, y, err (n,).
    """
    line, caps, bars = container.lines
    line.set_data(x, y)
    if caps:
        caps[0].set_data(x, y - err)
        caps[1].set_data(x, y + err)
    bars[0].set_segments(
        np.stack([np.column_stack([x, y - err]), np.column_stack([x, y + err])], 1)
    )


@functools.lru_cache(maxsize=4)
def _glyphs(dpi: float, fontsize: float) -> tuple[dict[str, np.ndarray], int]:
    """Every character of `CHARSET` in matplotlib's monospace font, as alpha tiles.

    Shapes: {char: (row height, cell width) float in [0, 1]}, and the row height in pixels.
    One line of text is rendered once per (dpi, fontsize) and cut into equal cells
    (monospace).
    """
    em = fontsize * dpi / 72.0
    height = int(round(1.9 * em))
    probe = Figure(figsize=(1, 1), dpi=dpi)
    probe_canvas = FigureCanvasAgg(probe)
    t = probe.text(0, 0, "M" * 100, family="monospace", fontsize=fontsize)
    advance = t.get_window_extent(probe_canvas.get_renderer()).width / 100
    width = int(np.ceil(advance * len(CHARSET))) + 4
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.text(0, 0.5, CHARSET, family="monospace", fontsize=fontsize, va="center_baseline")
    canvas.draw()
    alpha = 1.0 - np.asarray(canvas.buffer_rgba())[:, :, 0] / 255.0  # black on white
    cells = np.round(np.arange(len(CHARSET) + 1) * advance).astype(int)
    return {c: alpha[:, cells[i] : cells[i + 1]] for i, c in enumerate(CHARSET)}, height


def text_picture(text: str, dpi: float, fontsize: float = 9.5) -> np.ndarray:
    """Lines of text as an RGBA picture: black monospace glyphs, transparent around.

    Shapes: (lines × row height, longest line × cell width, 4) float in [0, 1].
    Characters outside `CHARSET` are drawn as blanks.
    """
    glyphs, _ = _glyphs(float(dpi), float(fontsize))
    blank = np.zeros_like(glyphs[" "])
    lines = text.splitlines() or [""]
    n = max(len(line) for line in lines) or 1
    rows = [np.hstack([glyphs.get(c, blank) for c in line.ljust(n)]) for line in lines]
    alpha = np.vstack(rows)
    rgba = np.zeros((*alpha.shape, 4))
    rgba[..., 3] = alpha
    return rgba
