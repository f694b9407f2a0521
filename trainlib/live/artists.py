"""Small drawing helpers any lesson's figures can use.

- `readout`: a live text box (white, half-transparent) for numbers that follow the controls;
- `text_picture`: monospace text as an RGBA picture, assembled from cached glyph tiles, so
  a changing table is blitted as an image instead of re-rendering its glyphs;
- `PictureLabel`: a live monospace label at a point of an axes, drawn as a cached picture of
  its text (a slider move costs a blit); `picture_text_box`: one on a white box below plots;
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

__all__ = [
    "CHARSET",
    "PictureLabel",
    "picture_text_box",
    "plain_log_ticks",
    "readout",
    "set_errorbar",
    "text_picture",
]

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


class PictureLabel:
    """A live monospace label at (x, y) of `ax`, drawn as a picture of its text.

    For a figure with many numbers that change together (a graph's values): each `set_text`
    places a cached picture (`text_picture`, coloured `color`) with its `ha`/`va` corner at the
    point, pixel for pixel at the figure's dpi; (x, y) are data coordinates, or axes fractions
    with `coords="axes"`. The axes must have fixed linear limits. `box=True` draws black text
    on a white box (alpha 0.85). One picture is made per distinct text and kept.
    `get_text()` (or `.text`) is the text shown.
    """

    def __init__(self, live: Any, ax: Any, x: float, y: float, *, fontsize: float = 9.5,
                 color: Any = "black", ha: str = "center", va: str = "center",
                 coords: str = "data", box: bool = False, zorder: float = 6) -> None:  # fmt: skip
        from matplotlib.colors import to_rgb

        if ha not in ("left", "center", "right") or va not in ("bottom", "center", "top"):
            raise ValueError(f"ha, va: expected left/center/right and bottom/center/top, "
                             f"got {ha!r}, {va!r}")  # fmt: skip
        if coords not in ("data", "axes"):
            raise ValueError(f"coords: expected 'data' or 'axes', got {coords!r}")
        self.ax, self.xy, self.coords = ax, (float(x), float(y)), coords
        self.fontsize, self.rgb, self.ha, self.va = float(fontsize), to_rgb(color), ha, va
        self.box = bool(box)
        self.image = live.make_live(_placed_image(ax, self._extent, zorder=zorder))
        self.text = ""
        self._pictures: dict[tuple[str, float], np.ndarray] = {}

    def get_text(self) -> str:
        return self.text

    def set_text(self, text: str) -> None:
        """Show `text` at the label's point."""
        self.text = str(text)
        dpi = float(self.ax.figure.dpi)
        picture = self._pictures.get((self.text, dpi))
        if picture is None:
            picture = text_picture(self.text, dpi, self.fontsize)
            if self.box:  # dark glyphs over white, the box half-transparent around them
                ink = picture[..., 3:4]
                picture[..., :3] = (1.0 - ink) + ink * np.asarray(self.rgb)
                picture[..., 3] = np.maximum(picture[..., 3], 0.85)
            else:
                picture[..., :3] = self.rgb
            if len(self._pictures) > 2000:
                self._pictures.clear()
            self._pictures[(self.text, dpi)] = picture
        self.image.set_data(picture)

    def _extent(self, picture: np.ndarray) -> tuple[float, float, float, float]:
        base = self.ax.transData if self.coords == "data" else self.ax.transAxes
        px, py = base.transform(self.xy)  # display pixels at draw time
        h, w = picture.shape[:2]
        left = round(px - {"left": 0.0, "center": w / 2, "right": w}[self.ha])
        bottom = round(py - {"bottom": 0.0, "center": h / 2, "top": h}[self.va])
        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform(
            [(left, bottom), (left + w, bottom + h)]
        )
        return (x0, x1, y0, y1)


def picture_text_box(live: Any, rect: tuple[float, float, float, float], *,
                     fontsize: float = 9.5) -> PictureLabel:  # fmt: skip
    """A text box at `rect` (figure fractions): a `PictureLabel` on a white box, top-left.

    For a table below the plots whose numbers change on every move: a figure-level axes
    (axis off) holds the picture of the text, so a move costs a blit, not a re-render of
    every glyph. Use its `set_text`; `.text` is the text shown.
    """
    ax = live.fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    return PictureLabel(live, ax, 0.0, 1.0, fontsize=fontsize, ha="left", va="top",
                        coords="axes", box=True, zorder=3)  # fmt: skip


def _placed_image(ax: Any, extent: Any, zorder: float) -> Any:
    """An image of `ax` that sets its extent from `extent(picture)` each time it is drawn.

    The axes' final position is known only when the figure draws (a layout engine may move
    it after the figure's `_draw`), so a picture placed 1:1 in pixels is placed then.
    """
    from matplotlib.image import AxesImage

    class PlacedImage(AxesImage):
        def draw(self, renderer: Any) -> None:
            picture = self.get_array()
            if picture is not None and picture.size:
                self.set_extent(extent(np.asarray(picture)))
            super().draw(renderer)

    image = PlacedImage(ax, interpolation="nearest", zorder=zorder)
    image.set_data(np.zeros((1, 1, 4)))
    image.set_extent((0.0, 0.0, 0.0, 0.0))
    ax.add_image(image)
    return image
