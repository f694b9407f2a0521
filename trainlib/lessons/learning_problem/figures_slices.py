"""Notebook 01's figures of C3 and C7: the shape of a loss landscape.

loss_slice_figure — 1-D and 2-D slices of a trained network's loss are not convex (C3).
relu_kink_figure  — a 2-parameter ReLU neuron's loss has creases: no gradient there (C7).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem.experiments import (
    B_SPAN,
    SLICE_GRID,
    SLICE_SEEDS,
    W_SPAN,
    kink_slopes,
    loss_slices,
    shown_kinks,
)
from trainlib.lessons.learning_problem.figures_common import colour_bar, readout
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

# =========================================================================================
# C3: slices of a real loss landscape
# =========================================================================================


def _upsample(Z: np.ndarray, f: int) -> np.ndarray:
    """Bilinear refinement of a grid by an integer factor f (to draw smoothly without paying
    for interpolation on every redraw). Shapes: (B, A) → (f·(B−1)+1, f·(A−1)+1)."""
    rows = np.arange(Z.shape[0])
    cols = np.arange(Z.shape[1])
    fine_r = np.linspace(0, Z.shape[0] - 1, f * (Z.shape[0] - 1) + 1)
    fine_c = np.linspace(0, Z.shape[1] - 1, f * (Z.shape[1] - 1) + 1)
    Zc = np.array([np.interp(fine_c, cols, z) for z in Z])
    return np.array([np.interp(fine_r, rows, z) for z in Zc.T]).T


@register
def loss_slice_figure(directions: int = 0, beta: float = 0.0):
    """A 2-D slice of a trained network's loss and one 1-D row of it with its worst chord."""
    return LossSliceFigure(directions, beta)


class LossSliceFigure(LiveFigure):
    """Left: log₁₀ L on the plane θ̂ + α·d₁ + β·d₂. Right: the row at β, chord test."""

    def __init__(self, directions, beta) -> None:
        self.grids = [loss_slices(seed) for seed in SLICE_SEEDS]
        # one colour scale for all direction pairs: the colour bar is drawn once and stays true
        self.clim = (float(np.log10(min(g.min() for g in self.grids))),
                     float(np.log10(max(g.max() for g in self.grids))))  # fmt: skip
        controls = {
            "directions": widgets.Dropdown(
                options=[(f"pair {i + 1}", i) for i in range(len(SLICE_SEEDS))],
                value=directions,
                description="random directions d₁, d₂",
            ),  # fmt: skip
            "beta": widgets.FloatSlider(
                beta, min=-1.5, max=1.5, step=0.125, description="1-D slice at β ="
            ),
        }
        self._shown = None
        super().__init__(controls, ncols=2, figsize=(11.0, 4.2))

    def _build(self, ax_map, ax_line) -> None:
        g = SLICE_GRID
        ext = (g[0], g[-1], g[0], g[-1])
        self.image = self.make_live(ax_map.imshow(
            np.zeros((2 * len(g) - 1, 2 * len(g) - 1)), origin="lower", extent=ext, aspect="auto",
            cmap="viridis", interpolation="nearest", vmin=self.clim[0], vmax=self.clim[1],
        ))  # fmt: skip
        colour_bar(ax_map, self.image, "log₁₀ training loss")
        # no legend here: the live image is painted over the cached layer that holds legends
        ax_map.plot([0], [0], "*", color="white", mec="black", ms=14)
        (self.row,) = ax_map.plot([g[0], g[-1]], [0, 0], color=COLORS["highlight"], lw=2)
        style_axes(ax_map, "Random plane: ★ trained θ̂, ― slice", "α (along d₁)",
                   "β (along d₂)", grid=False)  # fmt: skip

        (self.curve,) = ax_line.plot([], [], color=COLORS["model"], lw=2, label="L(α) on the slice")
        (self.chord,) = ax_line.plot(
            [], [], color=COLORS["highlight"], lw=1.8, marker="o", label="chord between two points"
        )
        (self.mid,) = ax_line.plot(
            [], [], ls="none", marker="D", color=COLORS["data"],
            ms=7, label="the curve at their midpoint",
        )  # fmt: skip
        (self.gap,) = ax_line.plot([], [], color=COLORS["highlight"], lw=1, ls=":")
        self.readout = readout(ax_map, x=0.02, y=0.03)
        self.readout.set_verticalalignment("bottom")
        ax_line.set_xlim(g[0], g[-1])
        ax_line.legend(loc="upper left", fontsize="small")
        ax_line.set_ylim(0.0, 1.05)
        style_axes(ax_line, "The 1-D slice and its worst chord", "α (along d₁)",
                   "L ÷ its largest value on the slice")  # fmt: skip

    def _draw(self, directions, beta) -> None:
        grid = self.grids[directions]
        if self._shown != directions:
            self._shown = directions
            logs = _upsample(np.log10(grid), 2)
            self.image.set_data(logs)
        g = SLICE_GRID
        j = int(np.argmin(np.abs(g - beta)))
        row = grid[j]
        top = float(row.max())
        y = row / top  # a positive rescaling keeps every chord above or below: axes stay fixed
        self.row.set_data([g[0], g[-1]], [g[j], g[j]])
        self.curve.set_data(g, y)
        v = ls.convexity_gap(row)
        if v.gap > 1e-12:
            chord_mid = 0.5 * (y[v.i] + y[v.j])
            self.chord.set_data([g[v.i], g[v.j]], [y[v.i], y[v.j]])
            self.mid.set_data([g[v.mid]], [y[v.mid]])
            self.gap.set_data([g[v.mid], g[v.mid]], [chord_mid, y[v.mid]])
            text = f"midpoint {v.gap:.3g} above the chord: not convex"
        else:
            for a in (self.chord, self.mid, self.gap):
                a.set_data([], [])
            text = "no chord below the curve: convex on this line"
        self.readout.set_text(f"{text}\nlargest L on this slice: {top:.3g}")


# =========================================================================================
# C7: ReLU makes the loss non-smooth
# =========================================================================================


@register
def relu_kink_figure(b: float = 0.5, creases: bool = True):
    """The loss surface of ŷ = ReLU(w·x + b) and a slice at fixed b with its kinks."""
    return ReluKinkFigure(b, creases)


class ReluKinkFigure(LiveFigure):
    """Left: log₁₀ L(w, b) with crease lines. Right: L(w) at the chosen b, tangents at a kink."""

    def __init__(self, b, creases) -> None:
        self.x, self.y = ls.relu_neuron_data()
        self.ws = np.linspace(*W_SPAN, 451)
        controls = {
            "b": widgets.FloatSlider(
                b, min=B_SPAN[0], max=B_SPAN[1], step=0.1, description="bias b of the slice"
            ),  # fmt: skip
            "creases": widgets.Checkbox(creases, description="show the creases w·xᵢ + b = 0"),
        }
        super().__init__(controls, ncols=2, figsize=(11.0, 4.0))

    def _build(self, ax_map, ax_cut) -> None:
        ws, bs = np.linspace(*W_SPAN, 181), np.linspace(*B_SPAN, 161)
        surf = ls.relu_neuron_loss(ws[None, :], bs[:, None], self.x, self.y)
        image = ax_map.imshow(np.log10(surf), origin="lower", extent=(*W_SPAN, *B_SPAN),
                              aspect="auto", cmap="viridis", interpolation="bilinear")  # fmt: skip
        colour_bar(ax_map, image, "log₁₀ L(w, b)", label_left=True)
        self.crease_lines = []
        for i, xi in enumerate(self.x):
            (line,) = ax_map.plot(ws, -ws * xi, color="white", lw=0.8, ls="--", alpha=0.8,
                                  label="creases w·xᵢ + b = 0" if i == 0 else "_")  # fmt: skip
            self.crease_lines.append(line)
        (self.cut,) = ax_map.plot([], [], color=COLORS["highlight"], lw=2.5, label="your slice")
        ax_map.set_xlim(*W_SPAN)
        ax_map.set_ylim(*B_SPAN)
        ax_map.legend(loc="lower left", fontsize="small")
        style_axes(ax_map, "Loss of ŷ = ReLU(w·x + b)", "weight w", "bias b",
                   grid=False)  # fmt: skip

        (self.curve,) = ax_cut.plot([], [], color=COLORS["model"], lw=2, label="L(w) at this b")
        (self.kinks,) = ax_cut.plot([], [], "|", color=COLORS["data"], ms=14, mew=2,
                                    label="kinks (slope jumps)")  # fmt: skip
        (self.left,) = ax_cut.plot([], [], color=COLORS["validation"], lw=2, ls="--",
                                   label="tangent from the left")  # fmt: skip
        (self.right,) = ax_cut.plot([], [], color=COLORS["Huber"], lw=2, ls="--",
                                    label="tangent from the right")  # fmt: skip
        self.readout = readout(ax_cut, x=0.03)
        ax_cut.set_xlim(*W_SPAN)
        ax_cut.set_ylim(0.0, 8.0)
        ax_cut.legend(loc="upper right", fontsize="small")
        style_axes(ax_cut, "A slice at fixed b: piecewise smooth", "weight w", "loss L(w, b)")

    def _draw(self, b, creases) -> None:
        x, y = self.x, self.y
        self.cut.set_data(W_SPAN, [b, b])
        for line in self.crease_lines:
            line.set_visible(creases)
        L = ls.relu_neuron_loss(self.ws, b, x, y)
        self.curve.set_data(self.ws, L)
        kinks = shown_kinks(b)
        self.kinks.set_data(kinks, ls.relu_neuron_loss(kinks, b, x, y))
        best = kink_slopes(b)
        if best is None or abs(best[2] - best[1]) < 1e-3:
            self.left.set_data([], [])
            self.right.set_data([], [])
            self.readout.set_text("no kink with a slope jump\non this slice")
            return
        w0, sl, sr = best
        L0 = float(ls.relu_neuron_loss(w0, b, x, y))
        h = 0.9  # each tangent drawn on both sides of the kink: two lines, no single slope
        self.left.set_data([w0 - h, w0 + h], [L0 - sl * h, L0 + sl * h])
        self.right.set_data([w0 - h, w0 + h], [L0 - sr * h, L0 + sr * h])
        self.readout.set_text(
            f"kink at w = {w0:.3f}:\nslope from the left {sl:+.3f}\n"
            f"slope from the right {sr:+.3f}\n→ no derivative there"
        )
