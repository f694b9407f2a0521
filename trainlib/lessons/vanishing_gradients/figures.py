"""Notebook 06's live figures: a gradient-health dashboard and gradient clipping at work.

`gradient_health`: a deep MLP on one batch; depth, activation, initialisation, init scale,
batch normalisation and residual connections are controls. Left: the std of every hidden
activation (the forward signal); right: the norm of every layer's weight gradient (what
backprop delivers), both on a log axis, so vanishing and exploding show as straight slopes.
Each setting is one forward + backward pass (`experiments.layer_health`), cached.

`clipping_figure`: an exploding deep ReLU network trained by SGD without clipping (it
diverges within a few steps) and with the gradient norm clipped at the slider's threshold.
Every threshold of the slider is trained at construction (`experiments.clipping_run`).
"""

from __future__ import annotations

import functools
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator

from trainlib.lessons.vanishing_gradients.experiments import (
    HEALTH_INITS,
    clipping_data,
    clipping_run,
    clipping_thresholds,
    growth_factor,
    layer_health,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

MAX_DEPTH = 30
# One fixed log window per panel: changing axis limits forces a full re-render of the figure
# (~100 ms) and would hide the comparison between settings; values beyond a window sit on its
# edge as triangles. The forward signal's window is narrow (12 decades) so that its drift —
# ×1/√2 per layer for ReLU + Glorot, ×1.9 for ReLU + He × 2 — shows as a clear slope; the
# gradients need the wide one (sigmoid + Glorot reaches 1e-18 at depth 30).
ACT_LIMITS = (1e-6, 1e6)
GRAD_LIMITS = (1e-20, 1e20)


ACTIVATION_OPTIONS = [
    ("sigmoid", "sigmoid"),
    ("tanh", "tanh"),
    ("ReLU", "relu"),
]
INIT_OPTIONS = [
    ("small normal, σ = 0.01", "small_normal"),
    ("large normal, σ = 1", "large_normal"),
    ("Glorot, σ = √(2/(fan_in + fan_out))", "glorot"),
    ("He, σ = √(2/fan_in)", "he"),
]
assert [v for _, v in INIT_OPTIONS] == list(HEALTH_INITS)


@functools.lru_cache(maxsize=512)
def _health(depth, activation, init, scale, batchnorm, residual):
    """One forward + backward per setting; a slider that comes back costs nothing."""
    return layer_health(depth, activation, init, scale, batchnorm=batchnorm, residual=residual)


@register
def gradient_health(
    depth: int = 20,
    activation: str = "sigmoid",
    init: str = "glorot",
    scale: float = 1.0,
    batchnorm: bool = False,
    residual: bool = False,
):
    """Per-layer activation std and gradient norm of a deep MLP, with its design choices."""
    return GradientHealth(depth, activation, init, scale, batchnorm, residual)


class GradientHealth(LiveFigure):
    """Activation std per hidden layer (left) and ‖∂ℒ/∂W_l‖ per layer (right), log axes."""

    def __init__(self, depth, activation, init, scale, batchnorm, residual) -> None:
        controls = {
            "depth": widgets.IntSlider(
                value=depth, min=2, max=MAX_DEPTH, step=1, description="depth L (weight layers)"
            ),
            "activation": widgets.Dropdown(
                options=ACTIVATION_OPTIONS, value=activation, description="activation"
            ),
            "init": widgets.Dropdown(
                options=INIT_OPTIONS, value=init, description="initialisation"
            ),
            "scale": widgets.FloatLogSlider(
                value=scale,
                base=2,
                min=-2,
                max=2,
                step=0.25,
                readout_format=".3g",
                description="init scale × (multiplies σ)",
            ),  # fmt: skip
            "batchnorm": widgets.Checkbox(value=batchnorm, description="batch normalisation"),
            "residual": widgets.Checkbox(value=residual, description="residual connections"),
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.5))
        # The layout is frozen now; lift the panels to make room for the readout.
        room = 0.06
        for ax in self.axes:
            x0, y0, w, h = ax.get_position().bounds
            ax.set_position([x0, y0 + room, w, h - room])

    def _build(self, ax_act, ax_grad) -> None:
        for ax, (lo, hi), step in ((ax_act, ACT_LIMITS, 2), (ax_grad, GRAD_LIMITS, 5)):
            ax.set_yscale("log")
            ax.set_xlim(0.5, MAX_DEPTH + 0.5)
            ax.set_ylim(lo, hi)
            exps = np.arange(round(np.log10(lo)), round(np.log10(hi)) + 1, step)
            ax.yaxis.set_major_locator(FixedLocator(10.0**exps))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.axhline(1.0, color=COLORS["reference"], lw=1, zorder=1)
        (self.act_line,) = ax_act.plot(
            [], [], "o-", color=COLORS["model"], ms=4, lw=1.8, label="std of h_l"
        )
        self.act_off = self._off_markers(ax_act, COLORS["model"])
        (self.grad_line,) = ax_grad.plot(
            [], [], "o-", color=COLORS["highlight"], ms=4, lw=1.8, label="‖∂ℒ/∂W_l‖"
        )
        self.grad_off = self._off_markers(ax_grad, COLORS["highlight"])
        for ax in (ax_act, ax_grad):
            ax.legend(loc="upper right", fontsize="small")
        # The readout sits under both panels, where it hides no point (room made in __init__).
        # Kept short: every glyph is rendered again on every move.
        self.readout = self.fig.text(0.5, 0.02, "", ha="center", va="bottom", fontsize="large")
        style_axes(
            ax_act, "Forward: activation std per hidden layer",
            "hidden layer l (1 = next to the input)", "std of activation h_l (log scale)",
        )  # fmt: skip
        style_axes(
            ax_grad, "Backward: gradient norm per layer",
            "layer l (1 = next to the input)", "‖∂ℒ/∂W_l‖ (log scale)",
        )  # fmt: skip

    @staticmethod
    def _off_markers(ax, color):
        """Triangles on the window's edge for values above (▲) or below (▼) it."""
        (up,) = ax.plot([], [], "^", color=color, ms=8, mec="black", label="beyond the axis")
        (down,) = ax.plot([], [], "v", color=color, ms=8, mec="black", label="_below")
        return up, down

    def _draw(self, depth, activation, init, scale, batchnorm, residual) -> None:
        h = _health(
            int(depth), str(activation), str(init), float(scale), bool(batchnorm), bool(residual)
        )
        for x, values, line, off, (lo, hi) in (
            (np.arange(1, h.depth), h.act_std, self.act_line, self.act_off, ACT_LIMITS),
            (np.arange(1, h.depth + 1), h.grad_norm, self.grad_line, self.grad_off, GRAD_LIMITS),
        ):
            line.set_data(x, np.clip(values, lo, hi))
            off[0].set_data(x[values > hi], np.full(np.sum(values > hi), hi))
            off[1].set_data(x[values < lo], np.full(np.sum(values < lo), lo))
        per_layer = _per_layer_factor(h.grad_norm)
        trend = "" if math.isnan(per_layer) else f"   (×{per_layer:.3g} per layer towards input)"
        self.readout.set_text(f"‖∂ℒ/∂W₁‖ = {h.first_layer_grad:.3g}{trend}")


def _per_layer_factor(grad_norm: np.ndarray) -> float:
    """The tables' factor per layer towards the input: the trend of the hidden layers'
    gradients (the last layer, 64 → 1, left out), nan when it cannot be fitted."""
    hidden = grad_norm[:-1]
    if len(hidden) < 2 or not np.all(np.isfinite(hidden) & (hidden > 0)):
        return float("nan")
    return growth_factor(hidden, from_output=True)


# =========================================================================================
# Gradient clipping
# =========================================================================================

CLIP_EXPONENTS = (-1.0, 5.0, 0.5)  # the slider: 10^-1 … 10^5 in half decades
LOSS_LIMITS = (1e-2, 1e10)
NORM_LIMITS = (1e-2, 1e12)


@register
def clipping_figure(threshold: float = 10.0):
    """Training an exploding network with and without gradient-norm clipping."""
    return ClippingFigure(threshold)


class ClippingFigure(LiveFigure):
    """Training loss per step (left) and gradient norm before / after clipping (right)."""

    def __init__(self, threshold: float) -> None:
        lo, hi, step = CLIP_EXPONENTS
        self.free = clipping_run(None)
        # Every threshold the slider offers, trained once (and cached across figures).
        self.runs = {round(c, 12): clipping_run(c) for c in clipping_thresholds(lo, hi, step)}
        controls = {
            "threshold": widgets.FloatLogSlider(
                value=threshold,
                base=10,
                min=lo,
                max=hi,
                step=step,
                readout_format=".3g",
                description="clipping threshold c (max ‖g‖)",
            )
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.5))
        room = 0.07  # the layout is frozen now: lift the panels above the readout line
        for ax in self.axes:
            x0, y0, w, h = ax.get_position().bounds
            ax.set_position([x0, y0 + room, w, h - room])

    def _snap(self, threshold: float) -> float:
        """The slider's nearest half decade (a browser slider only offers those)."""
        lo, hi, step = CLIP_EXPONENTS
        k = round((math.log10(threshold) - lo) / step)
        return round(10.0 ** (lo + min(max(k, 0), round((hi - lo) / step)) * step), 12)

    def _build(self, ax_loss, ax_norm) -> None:
        steps = len(next(iter(self.runs.values())).loss)
        free = self.free
        t_free = np.arange(len(free.loss))
        (free_line,) = ax_loss.plot(
            t_free, free.loss, "o-", color=COLORS["reference"], lw=2, ms=4, label="no clipping"
        )
        (self.loss_line,) = ax_loss.plot([], [], color=COLORS["model"], lw=2, label="clipped at c")
        (free_norm,) = ax_norm.plot(
            t_free, free.grad_norm, "o-", color=COLORS["reference"], lw=2, ms=4,
            label="no clipping",
        )  # fmt: skip
        (self.raw_line,) = ax_norm.plot(
            [], [], color=COLORS["validation"], lw=1.5, label="‖g‖ before clipping"
        )
        (self.clip_line,) = ax_norm.plot(
            [], [], color=COLORS["model"], lw=2, label="‖g‖ after clipping (used)"
        )
        (self.thr_line,) = ax_norm.plot(
            [0, steps - 1], [1, 1], "--", color=COLORS["data"], lw=1.2, label="threshold c"
        )
        X, y = clipping_data()
        self.baseline = float(np.var(y))  # MSE of the constant prediction mean(y)
        mean_line = ax_loss.axhline(
            self.baseline, ls=":", color=COLORS["data"], lw=1.2, label="predict the mean of y"
        )
        # Both status lines sit right of the diverging spikes, clear of the y label (two short
        # lines each: on a projector one long line ran over the label and the tick labels).
        free_text = self.status_text(ax_loss)
        free_text.set(position=(0.55, 0.83), fontsize="large")
        free_text.set_text(f"no clipping:\ndiverged at step {free.diverged_at}")
        self.keep_static(free_line, free_norm, mean_line, free_text)
        self.status = self.status_text(ax_loss)  # the clipped run's, if it ever diverges
        self.status.set(position=(0.55, 0.6), fontsize="large")
        # Kept short: every glyph of a live text is rendered again on every move.
        self.readout = self.fig.text(0.5, 0.02, "", ha="center", va="bottom", fontsize="large")
        for ax, lims in ((ax_loss, LOSS_LIMITS), (ax_norm, NORM_LIMITS)):
            ax.set_yscale("log")
            ax.set_xlim(-1, steps)
            ax.set_ylim(*lims)
        ax_loss.legend(loc="lower left")
        ax_norm.legend(loc="upper right", fontsize="small")
        style_axes(ax_loss, "Training loss (full-batch SGD)", "step t", "MSE loss (log scale)")
        style_axes(ax_norm, "Gradient norm per step", "step t", "‖g‖ (log scale)")

    def _draw(self, threshold: float) -> None:
        threshold = self._snap(threshold)
        run = self.runs[threshold]
        t = np.arange(len(run.loss))
        self.loss_line.set_data(t, run.loss)
        self.raw_line.set_data(t, run.grad_norm)
        self.clip_line.set_data(t, run.clipped_norm)
        self.thr_line.set_ydata([threshold, threshold])
        k = run.diverged_at
        final = run.loss[-1]
        dead = abs(final - self.baseline) < 0.01 * self.baseline
        if k is not None:
            self.status.set_text(f"clipped at c: diverged at step {k}")
        else:
            self.status.set_text("a dead network:\nit predicts the mean of y" if dead else "")
        self.status.set_visible(k is not None or dead)
        self.readout.set_text(
            f"clipped at c = {threshold:.3g}: largest ‖g‖ used = {run.clipped_norm.max():.3g} ≤ c;"
            f"   final loss = {final:.3g}" + ("  (a dead network)" if dead else "")
        )
        self.readout.set_fontsize("medium" if dead else "large")  # the longer line fits too
