"""Notebook 02's drawing helpers shared by its figures: inf/nan spans, jumps, loss values."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from trainlib.plot import COLORS

__all__ = [
    "OVERFLOW_LABEL",
    "bad_spans",
    "finite_xy",
    "fmt_value",
    "mae_jump",
    "set_pieces",
    "show_spans",
    "span_patches",
]

OVERFLOW_LABEL = "naive: e^z overflows or\nunderflows, loss = inf/nan here"


def finite_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the points where y is finite: inf/nan are shown as a shaded region, not drawn."""
    ok = np.isfinite(y)
    return x[ok], y[ok]


def bad_spans(x: np.ndarray, *ys: np.ndarray) -> list[tuple[float, float]]:
    """The contiguous x-intervals (at most two) where any of the curves is inf or nan."""
    bad = np.zeros(x.shape, dtype=bool)
    for y in ys:
        bad |= ~np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.r_[0, bad.astype(int), 0]))
    return [(float(x[a]), float(x[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)][
        :2
    ]


def span_patches(*axes) -> list[Rectangle]:
    """Two hidden full-height rectangles per axes, to shade where a naive curve is inf/nan."""
    rects = []
    for ax in axes:
        for _ in range(2):
            r = Rectangle((0, 0), 0, 1, color=COLORS["highlight"], alpha=0.15, lw=0)
            r.set_transform(ax.get_xaxis_transform())
            ax.add_patch(r)
            rects.append(r)
    return rects


def show_spans(rects: list[Rectangle], spans: list[tuple[float, float]]) -> None:
    """Show spans[k % 2] in rectangle k (each axes has two), hide the rest."""
    for k, rect in enumerate(rects):
        span = spans[k % 2] if k % 2 < len(spans) else None
        rect.set_visible(span is not None)
        if span is not None:
            rect.set_x(span[0])
            rect.set_width(span[1] - span[0])


def set_pieces(pieces, x: np.ndarray, g: np.ndarray, masks) -> None:
    """A derivative drawn as separate pieces (left and right of 0), so a jump stays a jump."""
    for line, side in zip(pieces, masks, strict=True):
        line.set_data(*finite_xy(x[side], g[side]))


def mae_jump(ax, **kw) -> list:
    """MAE's derivative at 0: the subgradient 0 (dot) between the open ends ±1 (holes)."""
    jump = ax.plot([0.0], [0.0], "o", color=COLORS["MAE"], ms=7, **kw)
    holes = ax.plot([0.0, 0.0], [-1.0, 1.0], "o", mfc="white", color=COLORS["MAE"], ms=7)
    return [*jump, *holes]


def fmt_value(v: float) -> str:
    """A loss value for a readout: 4 significant digits, inf and nan spelled out."""
    return f"{v + 0.0:.4g}" if np.isfinite(v) else ("nan" if np.isnan(v) else "inf")
