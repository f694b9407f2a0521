"""Small drawing helpers any lesson's figures can use.

- `readout`: a live text box (white, half-transparent) for numbers that follow the controls;
- `text_picture`: monospace text as an RGBA picture, assembled from cached glyph tiles, so
  a changing table is blitted as an image instead of re-rendering its glyphs;
- `PictureText`: a live text box shown through `text_picture` (a slider move costs a blit);
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

__all__ = ["CHARSET", "PictureText", "plain_log_ticks", "readout", "set_errorbar", "text_picture"]

#: The characters `text_picture` can draw; any other is drawn as a blank.
CHARSET = (
    " 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;+-−=*—()/%<>≤'_"
    "αβγδεθκλμρσ×·∂"
)


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


class PictureText:
    """A live monospace text box drawn as a picture of its text (see `text_picture`).

    A figure-level axes at `rect` (figure fractions, axis off) holds one live image; `set_text`
    shows the text from the axes' top-left corner, pixel for pixel at the figure's dpi, on a
    white box. One picture is made per distinct text and kept, so a slider move that changes
    a few numbers costs a blit, not a re-render of every glyph. `.text` is the text shown.
    """

    def __init__(self, live: Any, rect: tuple[float, float, float, float], *,
                 fontsize: float = 9.5) -> None:  # fmt: skip
        self.ax = live.fig.add_axes(rect)
        self.ax.set_axis_off()
        self.ax.set_xlim(0.0, 1.0)
        self.ax.set_ylim(0.0, 1.0)
        self.image = live.make_live(self.ax.imshow(
            np.zeros((2, 2, 4)), extent=(0.0, 1.0, 0.0, 1.0), aspect="auto",
            interpolation="nearest", zorder=3,
        ))  # fmt: skip
        self.fontsize = float(fontsize)
        self.text = ""
        self._pictures: dict[tuple[str, float], np.ndarray] = {}

    def set_text(self, text: str) -> None:
        """Show `text` (lines split at newlines), top-left aligned."""
        self.text = str(text)
        dpi = float(self.ax.figure.dpi)
        key = (self.text, dpi)
        picture = self._pictures.get(key)
        if picture is None:
            if len(self._pictures) > 2000:
                self._pictures.clear()
            glyphs = text_picture(self.text, dpi, self.fontsize)
            picture = np.ones(glyphs.shape)  # black glyphs on a white box (alpha 0.85)
            picture[..., :3] = 1.0 - glyphs[..., 3:4]
            picture[..., 3] = np.maximum(glyphs[..., 3], 0.85)
            self._pictures[key] = picture
        box = self.ax.bbox  # display pixels: place the picture 1:1, no resampling
        w = picture.shape[1] / max(box.width, 1.0)
        h = picture.shape[0] / max(box.height, 1.0)
        self.image.set_data(picture)
        self.image.set_extent((0.0, w, 1.0 - h, 1.0))
