"""Notebook 07's live figures: optimisers racing, their effective rates, Adam's corrections.

- `race_figure`: SGD, SGD+momentum, AdaGrad, RMSProp, Adam and AdamW race on a surface
  (valley, saddle, Rosenbrock, Beale); a learning-rate slider per optimiser, a Play button
  with a step slider, a loss panel and a leaderboard. `RaceFigure.save_gif` exports it.
- `rate_figure`: AdaGrad's effective rate dies, RMSProp's settles (and recovers when the
  gradients shrink); AdaGrad keeps a rare feature's rate high.
- `adam_bias_figure`: Adam's raw moments m, v against the bias-corrected m̂, v̂ in the first
  steps, and the step size with and without the correction, for β₁ and β₂ sliders.
- `adamw_figure`: Adam with L2 in the gradient against AdamW, per weight decay λ.
- `lr_sweep_figure`: final loss (or validation accuracy) against the learning rate for each
  optimiser training a small MLP on the digits.

Races are cached per (surface, optimiser, lr) and everything else is computed once at
construction (`experiments`), so moving the step slider only re-slices paths.
"""

from __future__ import annotations

import functools
from pathlib import Path as FilePath

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.optimisers import experiments as E
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

_FLOOR = 1e-12  # L − L_min below this is drawn at the floor of the log axis
_LR_KEYS = {
    "SGD": "lr_sgd",
    "SGD+momentum": "lr_momentum",
    "AdaGrad": "lr_adagrad",
    "RMSProp": "lr_rmsprop",
    "Adam": "lr_adam",
    "AdamW": "lr_adamw",
}
_SURFACE_LABELS = {
    "Valley": "ill-conditioned valley (κ = 50)",
    "Saddle": "saddle x² − y² + y⁴/4",
    "Rosenbrock": "Rosenbrock banana",
    "Beale": "Beale function",
}
_BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "frameon": False}


# =========================================================================================
# The race
# =========================================================================================


@register
def race_figure(
    surface: str = "Valley",
    step: int = E.RACE_STEPS,
    lr_sgd: float | None = None,
    lr_momentum: float | None = None,
    lr_adagrad: float | None = None,
    lr_rmsprop: float | None = None,
    lr_adam: float | None = None,
    lr_adamw: float | None = None,
):
    """Six optimisers race on a surface; a learning rate each (None: the surface's default)."""
    given = dict(zip(_LR_KEYS.values(), (lr_sgd, lr_momentum, lr_adagrad, lr_rmsprop, lr_adam,
                                          lr_adamw), strict=True))  # fmt: skip
    return RaceFigure(surface, step, given)


class RaceFigure(LiveFigure):
    """Paths on the surface (left), L − L_min per step (middle), the leaderboard (right).

    Changing the surface resets every learning rate to that surface's default
    (`optim_experiments.DEFAULT_LRS`); the sliders then move from there.
    """

    def __init__(self, surface: str, step: int, lrs: dict[str, float | None]) -> None:
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
        }
        for name, key in _LR_KEYS.items():
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
            for name, key in _LR_KEYS.items():
                self.controls[key].value = E.DEFAULT_LRS[surface][name]
        finally:
            self._syncing = False

    # --- build and draw ----------------------------------------------------------------------
    def _build(self, ax_path, ax_loss, ax_board) -> None:
        self.ax_path, self.ax_loss = ax_path, ax_loss
        self.image = ax_path.imshow(
            np.zeros((2, 2)), origin="lower", aspect="auto", cmap="Greys_r", alpha=0.75,
            interpolation="bilinear",
        )  # fmt: skip
        (self.minima,) = ax_path.plot([], [], "*", color="white", mec="black", ms=15,
                                      label="minimum", zorder=4)  # fmt: skip
        (self.start,) = ax_path.plot([], [], "s", color="black", ms=7, label="start", zorder=4)
        self.paths, self.heads, self.curves = {}, {}, {}
        for name in E.RACERS:
            c = COLORS[name]
            (self.paths[name],) = ax_path.plot([], [], "-", color=c, lw=1.8, label=name)
            (self.heads[name],) = ax_path.plot([], [], "o", color=c, mec="white", ms=8, zorder=5)
            (self.curves[name],) = ax_loss.semilogy([], [], color=c, lw=1.8)
        handles = [*self.paths.values(), self.minima, self.start]  # racers first: texts[i]
        self.legend = ax_path.legend(handles=handles, ncols=2, fontsize="small", **_BELOW)
        # Divergence goes in a live text, not the legend: a legend change means a full redraw.
        self.diverged_text = ax_path.text(
            0.02, 0.98, "", transform=ax_path.transAxes, va="top", fontsize="small",
            fontweight="bold", color=COLORS["highlight"], zorder=6,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )  # fmt: skip
        style_axes(ax_path, "", "x", "y", grid=False)
        for axis in (ax_path.xaxis, ax_path.yaxis):  # same label width on every surface
            axis.set_major_formatter("{x:g}")

        (self.tol_line,) = ax_loss.plot([0, E.RACE_STEPS], [E.RACE_TOL] * 2, "--",
                                        color=COLORS["reference"], lw=1.2,
                                        label=f"tolerance {E.RACE_TOL:g}")  # fmt: skip
        self.now = ax_loss.axvline(0, color="black", lw=1.0, alpha=0.6)
        ax_loss.set_xlim(0, E.RACE_STEPS)
        ax_loss.legend(loc="lower left", fontsize="small")
        style_axes(ax_loss, "Loss above the minimum", "step k", "L(θₖ) − L_min (log)")

        ax_board.set_axis_off()
        ax_board.set_xlim(0, 1)
        ax_board.set_ylim(0, 1)
        style_axes(ax_board, f"Leaderboard after {E.RACE_STEPS} steps", "", "", grid=False)
        ax_board.set_xlabel("rank")  # hidden with the axis; names the table's order
        ax_board.set_ylabel("optimiser")
        mono = {
            "family": "monospace",
            "fontsize": 9.5,
            "va": "top",
            "transform": ax_board.transAxes,
        }
        head = f"  {'optimiser':<13}{'reached':>7} {'final L−L*':>10}"
        self.header = ax_board.text(0.0, 0.98, head, fontweight="bold", **mono)
        # The rows are drawn as a picture of the text (made once per leaderboard): a step move
        # then only blits it, instead of re-rendering two hundred glyphs.
        self.board_text = ""
        self.board_image = self.make_live(ax_board.imshow(
            np.zeros((2, 2, 4)), extent=(0.0, 1.0, 0.3, 0.92), aspect="auto",
            interpolation="nearest", zorder=3,
        ))  # fmt: skip
        note = (
            f"reached: first step k with\nL − L_min ≤ {E.RACE_TOL:g} (ranked by it,\n"
            "then by the final loss)"
        )
        self.note = ax_board.text(0.0, 0.2, note, color="#555555", **{**mono, "fontsize": 8.5})
        # never change, or only with the surface (which redraws the static layer anyway)
        self.keep_static(self.header, self.note, self.tol_line, self.minima, self.start)

    def _draw(self, surface: str, step: int, **lrs: float) -> None:
        if surface != self._surface:
            self._surface = surface
            self._reset_rates(surface)
            lrs = {key: self.controls[key].value for key in _LR_KEYS.values()}
        surf = E.RACE_SURFACES[surface]
        rates = {name: lrs[key] for name, key in _LR_KEYS.items()}
        paths = E.race_paths(surface, rates)
        board = E.race_leaderboard(paths, surface)

        # Left: the surface (static layer) and the paths up to step k.
        Z, extent = E.log_landscape(surface)
        if self._image_of != surface:
            self.image.set_data(Z)
            self.image.set_extent(extent)
            self.image.set_clim(Z.min(), Z.max())
            self.ax_path.set_xlim(extent[0], extent[1])
            self.ax_path.set_ylim(extent[2], extent[3])
            # The title names the surface, so the cached static layer is keyed per surface:
            # coming back to a surface seen before is a blit, not a full redraw.
            self.ax_path.set_title(f"Race on the {_SURFACE_LABELS[surface]}")
            self._image_of = surface
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

        # Right: the leaderboard of the whole race (changes with the rates, not with k).
        lines = []
        for rank, entry in enumerate(board, start=1):
            p = paths[entry.name]
            if p.diverged:
                result = f"diverged at step {p.diverged_at}"
            else:
                reached = "—" if entry.steps_to_tol is None else f"k={entry.steps_to_tol}"
                result = f"{reached:>7} {entry.final_loss - surf.min_value:10.2e}"
            lines.append(f"{rank} {entry.name:<13}{result}")
        self.board_text = "\n".join(lines)
        picture = _board_picture(self.board_text, self.fig.dpi)
        box = self.board_image.axes.bbox  # display pixels: place the picture 1:1, no resampling
        w, h = picture.shape[1] / max(box.width, 1.0), picture.shape[0] / max(box.height, 1.0)
        self.board_image.set_data(picture)
        self.board_image.set_extent((0.0, w, 0.92 - h, 0.92))

    _image_of: str | None = None

    # --- export -------------------------------------------------------------------------------
    def save_gif(self, path: str, frames: int = 30, dpi: int = 50, fps: int = 10) -> str:
        """Write the race as an animated GIF (matplotlib's PillowWriter); return a short message.

        `frames` evenly spaced steps from 0 to the end, at `dpi`; the figure is left as it was.
        The GIF shows the paths and the loss panel (the leaderboard is left out: a slide
        has no room for it). Frames are grabbed from the figure's own canvas, so only the
        paths are redrawn, not the whole figure.
        """
        out = FilePath(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        values = self.values
        ks = np.unique(np.linspace(0, E.RACE_STEPS, frames).round().astype(int))
        board = [self.board_image]  # cropped out of the GIF anyway: skip drawing it
        writer = _CanvasPillowWriter(fps=fps)
        writer.crop_right = self.axes[2].get_position().x0 - 0.01  # figure fraction kept
        try:
            for text in board:
                text.set_visible(False)
            with writer.saving(self.fig, str(out), dpi):
                for k in ks:
                    self._draw(**{**values, "step": int(k)})
                    writer.grab_frame()
        finally:
            for text in board:
                text.set_visible(True)
            self._draw(**values)
            self.fig.canvas.draw_idle()
        return f"saved {len(ks)} frames to {out.as_posix()}"


_CHARSET = " 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;+-−=*—()/%<>≤'_"


@functools.lru_cache(maxsize=4)
def _glyphs(dpi: float, fontsize: float = 9.5) -> tuple[dict[str, np.ndarray], int]:
    """Every character of `_CHARSET` in matplotlib's monospace font, as alpha tiles.

    Shapes: {char: (row height, cell width) float in [0, 1]}, and the row height in pixels.
    One line of text is rendered once per dpi and cut into equal cells (monospace), so a
    leaderboard picture is assembled from tiles instead of re-rendering its glyphs.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    em = fontsize * dpi / 72.0
    height = int(round(1.9 * em))
    probe = Figure(figsize=(1, 1), dpi=dpi)
    probe_canvas = FigureCanvasAgg(probe)
    t = probe.text(0, 0, "M" * 100, family="monospace", fontsize=fontsize)
    advance = t.get_window_extent(probe_canvas.get_renderer()).width / 100
    width = int(np.ceil(advance * len(_CHARSET))) + 4
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.text(0, 0.5, _CHARSET, family="monospace", fontsize=fontsize, va="center_baseline")
    canvas.draw()
    alpha = 1.0 - np.asarray(canvas.buffer_rgba())[:, :, 0] / 255.0  # black on white
    cells = np.round(np.arange(len(_CHARSET) + 1) * advance).astype(int)
    return {c: alpha[:, cells[i] : cells[i + 1]] for i, c in enumerate(_CHARSET)}, height


def _board_picture(text: str, dpi: float) -> np.ndarray:
    """The leaderboard rows as an RGBA picture (black monospace text, transparent around).

    Shapes: (rows × row height, longest row × cell width, 4) float in [0, 1].
    Characters outside `_CHARSET` are drawn as blanks.
    """
    glyphs, height = _glyphs(float(dpi))
    blank = np.zeros_like(glyphs[" "])
    lines = text.splitlines() or [""]
    n = max(len(line) for line in lines) or 1
    rows = [np.hstack([glyphs.get(c, blank) for c in line.ljust(n)]) for line in lines]
    alpha = np.vstack(rows)
    rgba = np.zeros((*alpha.shape, 4))
    rgba[..., 3] = alpha
    return rgba


def _canvas_pillow_writer():
    from matplotlib.animation import PillowWriter
    from PIL import Image

    class CanvasPillowWriter(PillowWriter):
        """PillowWriter that grabs the canvas (cached static layer) instead of a savefig.

        A savefig re-renders the whole figure twice per frame (≈ 0.2 s here); drawing the
        canvas repaints only the live artists over the cached background.
        """

        crop_right = 1.0  # keep this fraction of the figure's width, from the left

        def grab_frame(self, **savefig_kwargs):
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            canvas = self.fig.canvas
            # Agg's own draw: ipympl's would also push every frame to the browser as a PNG
            FigureCanvasAgg.draw(canvas)
            rgba = np.asarray(canvas.buffer_rgba())
            rgba = rgba[:, : int(round(rgba.shape[1] * self.crop_right))]
            frame = Image.fromarray(rgba).convert("RGB")
            w, h = self.frame_size
            size = (int(round(w * self.crop_right)), h)
            self._frames.append(frame.resize(size, Image.Resampling.BOX))

    return CanvasPillowWriter


def _CanvasPillowWriter(**kwargs):  # noqa: N802 - reads like the class it builds
    return _canvas_pillow_writer()(**kwargs)


# =========================================================================================
# AdaGrad vs RMSProp: effective rates
# =========================================================================================

_SHRINK_GRID = tuple(float(10**e) for e in np.arange(-2.0, 1.01, 0.25))
_DECAYS = (0.9, 0.99, 0.999)


@functools.lru_cache(maxsize=1)
def _rate_tables() -> tuple[E.RateTraces, E.SparseRun]:
    return E.rate_traces(shrink=_SHRINK_GRID, alphas=_DECAYS), E.sparse_features()


@functools.lru_cache(maxsize=32)
def _rate_column(shrink: float) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """(AdaGrad (T,), {α: RMSProp (T,)}) for this gradient shrink factor."""
    traces, _ = _rate_tables()
    k = int(np.argmin(np.abs(np.log10(np.asarray(_SHRINK_GRID) / shrink))))
    return traces.adagrad[:, k], {a: r[:, k] for a, r in traces.rmsprop.items()}


@register
def rate_figure(decay: float = 0.99, shrink: float = 0.1):
    """RMSProp decay α and a gradient-shrink factor: effective rates of AdaGrad and RMSProp."""
    return RateFigure(decay, shrink)


class RateFigure(LiveFigure):
    """Left: η/(√G+ε) vs η/(√v+ε) per step (log–log). Right: AdaGrad on a rare feature."""

    def __init__(self, decay: float, shrink: float) -> None:
        self.traces, self.sparse = _rate_tables()
        controls = {
            "decay": widgets.ToggleButtons(
                options=[(f"{a:g}", a) for a in _DECAYS], value=decay,
                description="RMSProp decay α",
            ),
            "shrink": widgets.SelectionSlider(
                options=[(f"{v:.3g}", v) for v in _SHRINK_GRID],
                value=min(_SHRINK_GRID, key=lambda v: abs(np.log10(v / shrink))),
                description=f"gradient size after step {self.traces.switch} (× before)",
            ),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(11.0, 4.5))

    def _build(self, ax_rate, ax_sparse) -> None:
        tr, sp = self.traces, self.sparse
        steps = tr.step
        shown = np.unique(np.geomspace(1, len(steps), 200).round().astype(int)) - 1
        self._shown = np.union1d(shown, [tr.switch - 1, tr.switch])  # keep the kink sharp
        (self.ada,) = ax_rate.loglog([], [], color=COLORS["AdaGrad"], lw=2.2,
                                     label="AdaGrad  η/(√G + ε)")  # fmt: skip
        (self.rms,) = ax_rate.loglog([], [], color=COLORS["RMSProp"], lw=2.2,
                                     label="RMSProp  η/(√v + ε)")  # fmt: skip
        sgd = ax_rate.plot(steps[[0, -1]], [tr.lr, tr.lr], "--", color=COLORS["SGD"], lw=1.4,
                           label="SGD  η (constant)")  # fmt: skip
        switch = ax_rate.axvline(tr.switch, color=COLORS["reference"], ls=":", lw=1.4)
        self.keep_static(*sgd, switch)
        self.readout = ax_rate.text(
            0.03, 0.04, "", transform=ax_rate.transAxes, fontsize="small", va="bottom",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_rate.set_xlim(1, steps[-1])
        ax_rate.set_ylim(1e-5, 10.0)
        ax_rate.legend(loc="upper right", fontsize="small")
        style_axes(ax_rate, f"Effective rate per step (η = {tr.lr:g}, g ~ N(0, 1))",
                   "step t (log)", "effective rate (log)")  # fmt: skip

        t = np.arange(1, len(sp.rate) + 1)
        a = ax_sparse.semilogy(
            t,
            sp.rate[:, 0],
            color=COLORS["AdaGrad"],
            lw=2.0,
            label=f"frequent feature (in {sp.p_active[0]:.0%} of samples)",
        )
        b = ax_sparse.semilogy(
            t,
            sp.rate[:, 1],
            color=COLORS["AdaGrad"],
            lw=2.0,
            ls="--",
            label=f"rare feature (in {sp.p_active[1]:.0%})",
        )
        hits = np.flatnonzero(sp.active[:, 1]) + 1
        c = ax_sparse.plot(hits, sp.rate[hits - 1, 1], "o", color=COLORS["AdaGrad"], ms=5,
                           mfc="white", label="rare feature present")  # fmt: skip
        self.keep_static(*a, *b, *c)
        ax_sparse.legend(loc="upper right", fontsize="small")
        style_axes(ax_sparse, "Sparse features: AdaGrad's rate per weight", "sample t",
                   "effective rate η/(√G + ε) (log)")  # fmt: skip

    def _draw(self, decay: float, shrink: float) -> None:
        ada, rms = _rate_column(shrink)
        rms = rms[decay]
        i = self._shown  # log-spaced steps: the same picture with a fifth of the points
        self.ada.set_data(self.traces.step[i], ada[i])
        self.rms.set_data(self.traces.step[i], rms[i])
        self.readout.set_text(f"t = {self.traces.step[-1]}: AdaGrad {ada[-1]:.2g}, "
                              f"RMSProp {rms[-1]:.2g}")  # fmt: skip


# =========================================================================================
# Adam's bias correction
# =========================================================================================

_BETA1 = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
_BETA2 = (0.9, 0.99, 0.999, 0.9999)
_BIAS_STEPS = 20
_BIAS_LR = 1e-3


@register
def adam_bias_figure(beta1: float = 0.9, beta2: float = 0.999):
    """β₁ and β₂ sliders: Adam's raw vs bias-corrected moments and step sizes, first steps."""
    return AdamBiasFigure(beta1, beta2)


class AdamBiasFigure(LiveFigure):
    """m vs m̂ (left), v vs v̂ (middle), |Δθ|/η with and without the correction (right)."""

    def __init__(self, beta1: float, beta2: float) -> None:
        self.grads = E.noisy_gradients(_BIAS_STEPS, 1, mean=1.0, noise=0.5, seed=0)
        controls = {
            "beta1": widgets.SelectionSlider(options=list(_BETA1), value=beta1,
                                             description="β₁ (average of g)"),
            "beta2": widgets.SelectionSlider(options=list(_BETA2), value=beta2,
                                             description="β₂ (average of g²)"),
        }  # fmt: skip
        super().__init__(controls, ncols=3, figsize=(11.6, 4.0))

    def _build(self, ax_m, ax_v, ax_step) -> None:
        t = np.arange(1, _BIAS_STEPS + 1)
        self.t = t
        g = self.grads[:, 0]
        mean_g = np.cumsum(g) / t
        mean_g2 = np.cumsum(g * g) / t
        ad = COLORS["Adam"]
        static = [
            *ax_m.plot(t, g, "o", color=COLORS["data"], ms=4, alpha=0.5, label="gradient gₜ"),
            *ax_m.plot(t, mean_g, color=COLORS["reference"], lw=1.5,
                       label="plain mean of g₁…gₜ"),
            *ax_v.plot(t, g * g, "o", color=COLORS["data"], ms=4, alpha=0.5, label="gₜ²"),
            *ax_v.plot(t, mean_g2, color=COLORS["reference"], lw=1.5,
                       label="plain mean of g²"),
            *ax_step.plot(t[[0, -1]], [1.0, 1.0], ":", color=COLORS["reference"], lw=1.2,
                          label="|Δθ| = η"),
        ]  # fmt: skip
        self.keep_static(*static)
        (self.m,) = ax_m.plot([], [], "--", color=ad, lw=2, label="raw m (biased to 0)")
        (self.m_hat,) = ax_m.plot([], [], "-", color=ad, lw=2.4, label="corrected m̂")
        (self.v,) = ax_v.plot([], [], "--", color=ad, lw=2, label="raw v (biased to 0)")
        (self.v_hat,) = ax_v.plot([], [], "-", color=ad, lw=2.4, label="corrected v̂")
        (self.step,) = ax_step.semilogy([], [], "-o", color=ad, lw=2.4, ms=4,
                                        label="Adam (corrected)")  # fmt: skip
        (self.raw,) = ax_step.semilogy([], [], "--", color=ad, lw=2,
                                       label="without correction")  # fmt: skip
        self.readout = ax_step.text(
            0.97, 0.96, "", transform=ax_step.transAxes, ha="right", va="top",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        for ax in (ax_m, ax_v, ax_step):
            ax.set_xlim(0.5, _BIAS_STEPS + 0.5)
        ax_m.set_ylim(-0.2, 2.4)
        ax_v.set_ylim(-0.2, 5.0)
        ax_step.set_ylim(0.05, 300.0)
        for ax in (ax_m, ax_v):
            ax.legend(loc="upper right", fontsize="small")
        ax_step.legend(loc="lower right", fontsize="small")
        style_axes(ax_m, "First moment: m vs m̂ = m/(1−β₁ᵗ)", "step t", "value")
        style_axes(ax_v, "Second moment: v vs v̂ = v/(1−β₂ᵗ)", "step t", "value")
        style_axes(ax_step, "Step size per coordinate", "step t", "|Δθₜ| / η (log)")

    def _draw(self, beta1: float, beta2: float) -> None:
        tr = E.adam_moments(self.grads, lr=_BIAS_LR, beta1=beta1, beta2=beta2)
        t = self.t
        self.m.set_data(t, tr.m[:, 0])
        self.m_hat.set_data(t, tr.m_hat[:, 0])
        self.v.set_data(t, tr.v[:, 0])
        self.v_hat.set_data(t, tr.v_hat[:, 0])
        self.step.set_data(t, tr.step[:, 0] / _BIAS_LR)
        self.raw.set_data(t, tr.step_raw[:, 0] / _BIAS_LR)
        self.readout.set_text(
            f"step 1: {tr.step[0, 0] / _BIAS_LR:.3g}·η, raw {tr.step_raw[0, 0] / _BIAS_LR:.3g}·η"
        )


# =========================================================================================
# Adam + L2 vs AdamW
# =========================================================================================


@functools.lru_cache(maxsize=1)
def _adamw_runs() -> dict:
    return E.adamw_vs_l2()


@register
def adamw_figure(weight_decay: float = 0.3):
    """Weight-decay slider: Adam with L2 in the gradient against AdamW, paths and norms."""
    return AdamWFigure(weight_decay)


class AdamWFigure(LiveFigure):
    """Paths of Adam + L2 and AdamW on a stretched bowl (left), ‖θ‖ per step (right)."""

    def __init__(self, weight_decay: float) -> None:
        self.runs = _adamw_runs()
        controls = {
            "weight_decay": widgets.SelectionSlider(
                options=list(E.WEIGHT_DECAYS), value=weight_decay, description="weight decay λ"
            )
        }
        super().__init__(controls, ncols=2, figsize=(11.0, 4.5))

    def _build(self, ax_path, ax_norm) -> None:
        surf = E.STRETCHED_BOWL
        Z, extent = E.log_landscape("Stretched bowl")
        ax_path.imshow(Z, origin="lower", extent=extent, aspect="auto", cmap="Greys_r",
                       alpha=0.75, interpolation="bilinear")  # fmt: skip
        mins = ax_path.plot(*surf.minima.T, "*", color="white", mec="black", ms=15,
                            label="minimum of L (λ = 0)")  # fmt: skip
        self.keep_static(*mins)
        self.lines, self.ends, self.norms = {}, {}, {}
        for name, c, ls in (("Adam + L2", COLORS["Adam"], "-"), ("AdamW", COLORS["AdamW"], "--")):
            (self.lines[name],) = ax_path.plot([], [], ls, color=c, lw=2.2, label=name)
            (self.ends[name],) = ax_path.plot([], [], "o", color=c, mec="black", ms=8)
            (self.norms[name],) = ax_norm.plot([], [], ls, color=c, lw=2.2, label=name)
        (self.ridge,) = ax_path.plot([], [], "X", color="white", mec="black", ms=10,
                                     label="minimum of L + ½λ‖θ‖²")  # fmt: skip
        self.readout = ax_norm.text(
            0.97, 0.05, "", transform=ax_norm.transAxes, ha="right", va="bottom",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_path.set_xlim(extent[0], extent[1])
        ax_path.set_ylim(extent[2], extent[3])
        ax_path.legend(loc="upper left", fontsize="small")
        style_axes(ax_path, "Paths on L = ½[(x−2)² + 25(y−2)²]", "x (flat direction)",
                   "y (stiff direction)", grid=False)  # fmt: skip
        steps = len(next(iter(self.runs.values()))["AdamW"].xs)
        ax_norm.set_xlim(0, steps - 1)
        ax_norm.set_ylim(0.0, 3.2)
        ax_norm.legend(loc="center right", fontsize="small")
        style_axes(ax_norm, "Weight norm", "step t", "‖θₜ‖")

    def _draw(self, weight_decay: float) -> None:
        run = self.runs[weight_decay]
        for name, path in run.items():
            self.lines[name].set_data(path.xs[:, 0], path.xs[:, 1])
            self.ends[name].set_data([path.final[0]], [path.final[1]])
            self.norms[name].set_data(np.arange(len(path.xs)), np.linalg.norm(path.xs, axis=1))
        self.ridge.set_data(*E.ridge_optimum(weight_decay)[:, None])
        gap = float(np.max(np.abs(run["Adam + L2"].xs - run["AdamW"].xs)))
        self.readout.set_text(f"largest gap between the paths: {gap:.3g}")


# =========================================================================================
# The learning-rate sweep on the digits
# =========================================================================================

_GOOD_LOSS = 0.5  # "trains well": final training loss ≤ 0.5 nats (chance is ln 10 ≈ 2.3)


@register
def lr_sweep_figure(highlight: str = "Adam"):
    """Final training loss and validation accuracy vs learning rate, one curve per optimiser."""
    return LRSweepFigure(highlight)


class LRSweepFigure(LiveFigure):
    """Training loss (left) and validation accuracy (right) over the learning rates.

    The highlighted optimiser is drawn bold, with its band of good rates shaded.
    """

    def __init__(self, highlight: str) -> None:
        self.sweep = E.lr_sweep()
        self.windows = E.good_lr_window(self.sweep, _GOOD_LOSS)
        controls = {
            "highlight": widgets.Dropdown(
                options=[n for n in self.sweep.names],
                value=highlight,
                description="highlight",
            ),
        }
        super().__init__(controls, ncols=2, figsize=(11.6, 4.4))

    def _build(self, ax_loss, ax_acc) -> None:
        from matplotlib.patches import Polygon

        sw = self.sweep
        self.curves: dict[str, list] = {name: [] for name in sw.names}
        self.bands = []
        panels = ((ax_loss, np.minimum(sw.train_loss, 10.0), "_"), (ax_acc, sw.val_acc, ""))
        for ax, data, hide in panels:  # one legend, on the right panel
            ax.set_xscale("log")
            ax.set_xlim(sw.lrs[0] / 1.5, sw.lrs[-1] * 1.5)
            band = Polygon(
                [[sw.lrs[0], 0.0], [sw.lrs[0], 1.0]] * 2, closed=True, lw=0, alpha=0.18,
                transform=ax.get_xaxis_transform(), color=COLORS["reference"],
                label=f"{hide}loss ≤ {_GOOD_LOSS:g} (highlighted)",
            )  # fmt: skip
            self.bands.append(ax.add_patch(band))
            for i, name in enumerate(sw.names):
                (line,) = ax.plot(sw.lrs, data[i], "-o", color=COLORS[name], ms=5,
                                  label=hide + name)  # fmt: skip
                self.curves[name].append(line)
            bad = np.argwhere(sw.diverged)  # drawn at the top (a diverged loss is +inf)
            crosses = ax.plot(sw.lrs[bad[:, 1]], data[bad[:, 0], bad[:, 1]], "x",
                              color="black", ms=9, mew=2)  # fmt: skip
            self.keep_static(*crosses)
        threshold = ax_loss.plot(sw.lrs[[0, -1]], [_GOOD_LOSS] * 2, "--",
                                 color=COLORS["reference"], lw=1.2)  # fmt: skip
        widths = "\n".join(f"{n:<13}{w:g}" for n, w in self.windows.items())
        readout = ax_loss.text(
            0.03, 0.03, f"decades of α with\nloss ≤ {_GOOD_LOSS:g}:\n{widths}",
            transform=ax_loss.transAxes, fontsize="small", va="bottom", family="monospace",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        self.keep_static(*threshold, readout)
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(0.02, 10.0)
        ax_acc.set_ylim(0.0, 1.0)
        ax_acc.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
        epochs = "8 epochs, 400 digits"
        style_axes(ax_loss, f"Final training loss ({epochs})", "learning rate α (log)",
                   "training cross-entropy (log)")  # fmt: skip
        style_axes(ax_acc, "Validation accuracy (500 other digits)", "learning rate α (log)",
                   "accuracy")  # fmt: skip

    def _draw(self, highlight: str) -> None:
        sw = self.sweep
        for name, lines in self.curves.items():
            for line in lines:
                line.set_linewidth(3.0 if name == highlight else 1.3)
                line.set_alpha(1.0 if name == highlight else 0.45)
                line.set_zorder(3 if name == highlight else 2)
        good = sw.lrs[sw.train_loss[sw.names.index(highlight)] <= _GOOD_LOSS]
        lo, hi = (good.min() / 10**0.25, good.max() * 10**0.25) if good.size else (1.0, 1.0)
        for band in self.bands:
            band.set_xy([[lo, 0], [lo, 1], [hi, 1], [hi, 0]])
            band.set_visible(good.size > 0)
