"""The race figure of notebook 07: six optimisers on a surface, step by step.

`RaceFigure`: paths on the surface (left), L − L_min per step (middle), the leaderboard at
step k (right); a learning-rate slider per optimiser, a gradient-noise control and a Play
button over the steps. Races are cached per (surface, optimiser, lr, noise) in
`experiments_race.race_paths`, so moving the step slider only re-slices paths.
`RaceFigure.snapshots` draws a few steps as one stored picture, `RaceFigure.save_gif` an
animated GIF. The factory is `figures.race_figure`.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from trainlib.lessons.optimisers import experiments_race as E
from trainlib.live import LiveFigure
from trainlib.live.artists import PictureLabel, readout
from trainlib.live.gif import write_gif
from trainlib.plot import COLORS, OKABE_ITO, style_axes

__all__ = ["LR_KEYS", "RACE_COLORS", "RACE_STYLES", "RaceFigure"]

_FLOOR = 1e-12  # L − L_min below this is drawn at the floor of the log axis
#: The control of each racer's learning rate (the factory's keyword arguments).
LR_KEYS = {
    "SGD": "lr_sgd",
    "SGD+momentum": "lr_momentum",
    "Nesterov": "lr_nesterov",
    "AdaGrad": "lr_adagrad",
    "RMSProp": "lr_rmsprop",
    "Adam": "lr_adam",
}
#: The series' colour per racer; the palette has none for Nesterov, which gets the one
#: Okabe–Ito colour no optimiser uses (yellow), outlined in black so it shows on white.
RACE_COLORS = {name: COLORS.get(name, OKABE_ITO["yellow"]) for name in LR_KEYS}
#: (line style, marker) per racer: the two blues and momentum's two forms stay apart.
RACE_STYLES = {
    "SGD": ("-", "o"),
    "SGD+momentum": ("--", "s"),
    "Nesterov": ("-", "D"),
    "AdaGrad": ("-.", "^"),
    "RMSProp": (":", "v"),
    "Adam": ("-", "P"),
}
_OUTLINE = {"Nesterov": [patheffects.withStroke(linewidth=3.2, foreground="black")]}
_SURFACE_LABELS = {
    "Valley": "ill-conditioned valley (κ = 50)",
    "Saddle": "saddle x² − y² + y⁴/4",
    "Rosenbrock": "Rosenbrock banana",
    "Beale": "Beale function",
}
_BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "frameon": False}
_BOARD_TOP = 0.92  # the leaderboard picture hangs from this height (axes fraction)


class RaceFigure(LiveFigure):
    """Paths on the surface (left), L − L_min per step (middle), the leaderboard (right).

    Changing the surface resets every learning rate to that surface's default
    (`experiments.DEFAULT_LRS`); the sliders then move from there.
    """

    _image_of: str | None = None  # the surface the background image shows
    # Static edition: 26 steps of the race (every 8th) × 5 rates of the slider the prompt names.
    frame_budget = 130

    @property
    def board_text(self) -> str:
        """The leaderboard as it stands (the text its picture shows)."""
        return self.board.text

    def __init__(self, surface: str, step: int, noise: float, lrs: dict[str, float | None]) -> None:
        self._surface = surface
        self._syncing = False
        defaults = E.DEFAULT_LRS[surface]
        controls: dict[str, widgets.Widget] = {
            "surface": widgets.Dropdown(
                options=[(label, name) for name, label in _SURFACE_LABELS.items()],
                value=surface,
                description="surface",
            ),
            "step": widgets.Play(
                value=step, min=0, max=E.RACE_STEPS, step=2, interval=60, description="step k"
            ),
            "noise": widgets.SelectionSlider(
                options=list(E.NOISE_LEVELS), value=noise, description="gradient noise σ"
            ),
        }
        for name, key in LR_KEYS.items():
            lo, hi = E.LR_RANGES[name]
            value = lrs[key] if lrs[key] is not None else defaults[name]
            controls[key] = widgets.FloatLogSlider(
                value=value, base=10, min=lo, max=hi, step=0.25, readout_format=".3g",
                description=f"{name} learning rate α",
            )  # fmt: skip
        super().__init__(
            controls, ncols=3, figsize=(11.6, 4.6), gridspec_kw={"width_ratios": [1, 1, 0.95]}
        )
        self._draw(**self.values)  # again, now that the layout is fixed: the board's size

    # --- a surface change resets the rates: no redraw per reset slider ----------------------
    def _on_change(self, change=None) -> None:
        if not self._syncing:
            super()._on_change(change)

    def _reset_rates(self, surface: str) -> None:
        self._syncing = True
        try:
            for name, key in LR_KEYS.items():
                self.controls[key].value = E.DEFAULT_LRS[surface][name]
        finally:
            self._syncing = False

    # --- build -------------------------------------------------------------------------------
    def _build(self, ax_path, ax_loss, ax_board) -> None:
        self.ax_path, self.ax_loss = ax_path, ax_loss
        self._build_paths(ax_path)
        self.curves = {
            name: ax_loss.semilogy([], [], RACE_STYLES[name][0], color=RACE_COLORS[name],
                                   lw=1.8, path_effects=_OUTLINE.get(name))[0]
            for name in E.RACERS
        }  # fmt: skip
        (self.tol_line,) = ax_loss.plot([0, E.RACE_STEPS], [E.RACE_TOL] * 2, "--",
                                        color=COLORS["reference"], lw=1.2,
                                        label=f"tolerance {E.RACE_TOL:g}")  # fmt: skip
        self.now = ax_loss.axvline(0, color="black", lw=1.0, alpha=0.6)
        ax_loss.set_xlim(0, E.RACE_STEPS)
        ax_loss.legend(loc="lower left", fontsize="small")
        style_axes(ax_loss, "Loss above the minimum", "step k", "L(θₖ) − L_min (log)")
        self._build_board(ax_board)
        # never change, or only with the surface (which redraws the static layer anyway)
        self.keep_static(self.header, self.note, self.tol_line, self.minima, self.start)

    def _build_paths(self, ax) -> None:
        self.image = ax.imshow(
            np.zeros((2, 2)), origin="lower", aspect="auto", cmap="Greys_r", alpha=0.75,
            interpolation="bilinear",
        )  # fmt: skip
        (self.minima,) = ax.plot([], [], "*", color="white", mec="black", ms=15,
                                 label="minimum", zorder=4)  # fmt: skip
        (self.start,) = ax.plot([], [], "s", color="black", ms=7, label="start", zorder=4)
        self.paths, self.heads = {}, {}
        for name in E.RACERS:
            c, (ls, marker) = RACE_COLORS[name], RACE_STYLES[name]
            (self.paths[name],) = ax.plot([], [], ls, color=c, lw=1.8, marker=marker, ms=8,
                                          markevery=[-1], mec="black", label=name,
                                          path_effects=_OUTLINE.get(name))  # fmt: skip
            (self.heads[name],) = ax.plot([], [], marker, color=c, mec="black", ms=8, zorder=5)
        handles = [*self.paths.values(), self.minima, self.start]  # racers first: texts[i]
        self.legend = ax.legend(
            handles=handles,
            ncols=3,
            fontsize="small",
            columnspacing=0.8,
            handlelength=2.6,  # room for Nesterov's outlined diamond before its label
            handletextpad=0.6,
            **_BELOW,
        )
        # Divergence goes in a live text, not the legend: a legend change means a full redraw.
        self.diverged_text = readout(
            ax, 0.02, 0.98, fontweight="bold", color=COLORS["highlight"],
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )  # fmt: skip
        style_axes(ax, "", "x", "y", grid=False)
        for axis in (ax.xaxis, ax.yaxis):  # same label width on every surface
            axis.set_major_formatter("{x:g}")

    def _build_board(self, ax) -> None:
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        style_axes(ax, "Leaderboard at step k", "", "", grid=False)
        ax.set_xlabel("rank")  # hidden with the axis; names the table's order
        ax.set_ylabel("optimiser")
        mono = {"family": "monospace", "fontsize": 9.5, "va": "top", "transform": ax.transAxes}
        head = f"  {'optimiser':<13}{'reached':>7} {'L−L* now':>10}"
        self.header = ax.text(0.0, 0.98, head, fontweight="bold", **mono)
        # The rows are drawn as a picture of the text (made once per leaderboard): a step move
        # then only blits it, instead of re-rendering two hundred glyphs.
        self.board = PictureLabel(self, ax, 0.0, _BOARD_TOP, ha="left", va="top",
                                  coords="axes", zorder=3)  # fmt: skip
        note = (
            f"reached: first step with\nL − L_min ≤ {E.RACE_TOL:g} (ranked by it,\n"
            "then by L − L_min at step k)"
        )
        self.note = ax.text(0.0, 0.2, note, color="#555555", **{**mono, "fontsize": 8.5})

    # --- draw --------------------------------------------------------------------------------
    def _draw(self, surface: str, step: int, noise: float, **lrs: float) -> None:
        if surface != self._surface:
            self._surface = surface
            self._reset_rates(surface)
            lrs = {key: self.controls[key].value for key in LR_KEYS.values()}
        rates = {name: lrs[key] for name, key in LR_KEYS.items()}
        paths = E.race_paths(surface, rates, noise=noise)
        self._draw_surface(surface)
        self._draw_paths(E.RACE_SURFACES[surface], paths, step)
        # Right: the leaderboard as it stands at step k (it changes during playback).
        board = E.race_leaderboard(paths, surface, step=step)
        rows = E.leaderboard_rows({n: E.truncate(p, step) for n, p in paths.items()}, board,
                                  surface)  # fmt: skip
        self.board.set_text("\n".join([f"step k = {step}", *rows]))

    def _draw_surface(self, surface: str) -> None:
        """The background image and the title: the static layer, cached per surface."""
        if self._image_of == surface:
            return
        Z, extent = E.log_landscape(surface)
        self.image.set_data(Z)
        self.image.set_extent(extent)
        self.image.set_clim(Z.min(), Z.max())
        self.ax_path.set_xlim(extent[0], extent[1])
        self.ax_path.set_ylim(extent[2], extent[3])
        # The title names the surface, so the cached static layer is keyed per surface:
        # coming back to a surface seen before is a blit, not a full redraw.
        self.ax_path.set_title(f"Race on the {_SURFACE_LABELS[surface]}")
        self._image_of = surface

    def _draw_paths(self, surf, paths: dict, step: int) -> None:
        """Left: the paths up to step k; middle: their losses above the minimum."""
        self.minima.set_data(surf.minima[:, 0], surf.minima[:, 1])
        self.start.set_data([surf.start[0]], [surf.start[1]])
        top = 10.0 ** np.ceil(np.log10(paths["SGD"].losses[0] - surf.min_value) + 1)
        self.ax_loss.set_ylim(_FLOOR, top)
        for name in E.RACERS:
            p = paths[name]
            k = min(step, p.steps)
            self.paths[name].set_data(p.xs[: k + 1, 0], p.xs[: k + 1, 1])
            self.heads[name].set_data([p.xs[k, 0]], [p.xs[k, 1]])
            gap = np.clip(p.losses[: k + 1] - surf.min_value, _FLOOR, None)
            self.curves[name].set_data(np.arange(k + 1), gap)
        diverged = [f"{n}: diverged at step {paths[n].diverged_at}" for n in E.RACERS
                    if paths[n].diverged]  # fmt: skip
        self.diverged_text.set_text("\n".join(diverged))
        self.diverged_text.set_visible(bool(diverged))
        self.now.set_xdata([step, step])

    # --- export -------------------------------------------------------------------------------
    def snapshots(self, steps: tuple[int, ...] = (10, 40, 100, E.RACE_STEPS)) -> _PNG:
        """The figure at each of `steps`, stacked top to bottom, as one picture (PIL image).

        The current surface, rates and noise; the figure is left as it was. This is what a
        reader without a running kernel sees of the race's progress.
        """
        values = self.values
        frames = []
        try:
            for k in steps:
                self._draw(**{**values, "step": int(k)})
                FigureCanvasAgg.draw(self.fig.canvas)
                frames.append(Image.fromarray(np.array(self.fig.canvas.buffer_rgba())))
        finally:
            self._draw(**values)
            self.fig.canvas.draw_idle()
        strip = Image.new("RGB", (frames[0].width, sum(f.height for f in frames)), "white")
        for i, frame in enumerate(frames):
            strip.paste(frame.convert("RGB"), (0, i * frames[0].height))
        return _PNG(strip)

    def save_gif(self, path: str, frames: int = 30, dpi: int = 50, fps: int = 10) -> str:
        """Write the race as an animated GIF; return a short message.

        `frames` evenly spaced steps from 0 to the end, at `dpi`; the figure is left as it was.
        The GIF shows the paths and the loss panel (the leaderboard is left out: a slide
        has no room for it). Frames are grabbed from the figure's own canvas
        (`trainlib.live.gif`), so only the paths are redrawn, not the whole figure.
        """
        values = self.values
        ks = np.unique(np.linspace(0, E.RACE_STEPS, frames).round().astype(int))
        keep = self.axes[2].get_position().x0 - 0.01  # figure fraction left of the board
        self.board.image.set_visible(False)  # cropped out of the GIF anyway: skip drawing it
        try:
            out = write_gif(self.fig, path, ks, lambda k: self._draw(**{**values, "step": int(k)}),
                            dpi=dpi, fps=fps, crop_right=keep)  # fmt: skip
        finally:
            self.board.image.set_visible(True)
            self._draw(**values)
            self.fig.canvas.draw_idle()
        return f"saved {len(ks)} frames to {out.as_posix()}"


class _PNG:
    """A PIL image that a notebook shows (and stores) as a PNG."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG", optimize=True)
        return buf.getvalue()

    def __repr__(self) -> str:
        return f"<race snapshots, {self.image.width}×{self.image.height} px>"
