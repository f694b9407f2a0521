"""A text box for live figures whose words are drawn once and whose numbers change."""

from __future__ import annotations

import string
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D, ScaledTranslation, offset_copy

from trainlib.live.figure import LiveFigure

__all__ = ["Readout"]


class Readout:
    """A monospace text box: its words drawn once (static layer), only its numbers live.

    `template` is a str.format string whose fields have fixed widths ("MSE {:<7}"). Every
    line of words is a static text; each field is its own small live text on the same
    baseline, over its blank, so a slider move repaints a few glyphs, not the whole box.
    Anchored at (x, y), in `where`'s axes or figure coordinates, by its top-left corner
    (va="top") or bottom-left corner (va="bottom"). `kw` goes to every text (e.g. color).
    Usage: in `_build`, ``self.box = Readout(self, ax, 0.02, 0.97, "loss {:<6}")``; in
    `_draw`, ``self.box.set(f"{loss:.3f}")``.
    """

    def __init__(
        self, live: LiveFigure, where: Axes | Figure, x: float, y: float, template: str, *,
        va: str = "top", fontsize: float = 9.0, **kw: Any,
    ) -> None:  # fmt: skip
        kw = {"family": "monospace", "zorder": 6, "fontsize": fontsize, **kw}
        base = where.transAxes if hasattr(where, "transAxes") else where.transFigure
        fig = live.fig
        lines = template.format(*[""] * template.count("{")).split("\n")
        fields, row, col = [], 0, 0
        for literal, name, spec, _ in string.Formatter().parse(template):
            row += literal.count("\n")
            col = len(literal.rsplit("\n", 1)[-1]) + (0 if "\n" in literal else col)
            if name is not None:
                fields.append((row, col))
                col += int("".join(ch for ch in spec if ch.isdigit()))
        height = 1.25 * fontsize  # points per line
        n = len(lines)
        top = 0.0 if va == "top" else n * height + 0.3 * fontsize
        baselines = [top - (r + 0.8) * height for r in range(n)]

        def at(dx: float, dy: float):
            return offset_copy(base, fig, x=dx, y=dy, units="points")

        probe = where.text(x, y, "", transform=base, **kw)  # for the font's advance
        renderer = fig.canvas.get_renderer()
        prop = probe.get_fontproperties()
        probe.remove()

        def width(k: int) -> float:
            return renderer.get_text_width_height_descent("0" * k, prop, ismath=False)[0]

        advance = (width(60) - width(10)) / 50 * 72 / fig.dpi  # points per character
        pad = 0.4 * fontsize
        to_points = Affine2D().scale(1 / 72) + fig.dpi_scale_trans + ScaledTranslation(x, y, base)
        box = Rectangle(
            (-pad, baselines[-1] - 0.45 * fontsize), max(map(len, lines)) * advance + 2 * pad,
            n * height + 0.2 * fontsize, transform=to_points, zorder=kw["zorder"] - 0.5,
            facecolor="white", alpha=0.85, edgecolor="none",
        )  # fmt: skip
        (fig if where is fig else where).add_artist(box)
        static = [where.text(x, y, line, transform=at(0, b), va="baseline", **kw)
                  for line, b in zip(lines, baselines, strict=True)]  # fmt: skip
        live.keep_static(box, *static)
        self.fields = [
            where.text(x, y, "", transform=at(c * advance, baselines[r]), va="baseline", **kw)
            for r, c in fields
        ]

    def set(self, *values: str) -> None:
        """Show these values (strings within their fields' widths) in the fields."""
        for text, value in zip(self.fields, values, strict=True):
            text.set_text(value)
