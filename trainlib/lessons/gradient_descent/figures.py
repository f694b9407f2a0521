"""Live figures of notebook 03: gradient descent, step by step, rate by rate, batch by batch.

- `gd_worked_example`: the text's example L(w) = (w − 3)², stepped with a learning-rate
  slider and a Play button; the parabola with the steps and the tangent, and w per step.
- `gd_lr_regimes`: four fixed learning rates (monotone, one step, oscillating, diverging) and
  yours, as w per step and as the loss per step on a log scale, with the regime's name.
- `gd_batch_size`: batch, stochastic and mini-batch GD on a line-fitting problem; a
  batch-size slider over runs precomputed at construction.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker

from trainlib.lessons.gradient_descent.experiments import (
    BATCH_SIZES,
    N_EXAMPLES,
    PARABOLA_MAX_LOSS,
    batch_size_study,
    parabola_descent,
    parabola_factor,
    parabola_regime,
    seconds_per_epoch,
    variants_data,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, OKABE_ITO, style_axes
from trainlib.surfaces import parabola

#: Steps computed and shown by the parabola figures.
STEPS = 40
#: The learning-rate slider of both parabola figures: it includes every regime.
LR_RANGE = (0.01, 1.2)

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _w(k: int) -> str:
    """'w₁₂' for k = 12."""
    return "w" + str(k).translate(_SUB)


def _num(x: float) -> str:
    """A number for a readout: 6 significant digits, a true minus sign."""
    return f"{x:.6g}".replace("-", "−")


def _round3(x: float) -> float:
    """x to 3 significant digits: a readout that does not flicker in the 6th digit."""
    return float(f"{x:.3g}")


def _lr_slider(value: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(
        value=value, min=LR_RANGE[0], max=LR_RANGE[1], step=0.01, description="learning rate α"
    )


def _on_grid(lr: float) -> float:
    """α to 6 significant digits, as `state_call` records it: a rebuilt figure draws the same."""
    return float(f"{lr:.6g}")


class _PathCache:
    """`parabola_descent(α, STEPS)` per α, computed once (a slider revisits its values)."""

    def __init__(self) -> None:
        self._paths: dict[float, object] = {}

    def __call__(self, lr: float):
        if lr not in self._paths:
            self._paths[lr] = parabola_descent(lr, STEPS)
        return self._paths[lr]


# =============================================================================================
# The worked example, stepped (C16)
# =============================================================================================


@register
def gd_worked_example(lr: float = 0.1, step: int = 2):
    """Step through GD on (w − 3)²: learning rate α and step k (a Play button)."""
    return WorkedExample(lr, step)


class WorkedExample(LiveFigure):
    """Left: the parabola, the steps w₀ … w_k and the tangent at w_k. Right: w per step."""

    # Static edition: every step k (41) × 5 learning rates, among them the prompt's α = 0.6.
    frame_budget = 205

    def __init__(self, lr: float, step: int) -> None:
        self.paths = _PathCache()
        controls = {
            "lr": _lr_slider(lr),
            "step": widgets.Play(value=step, min=0, max=STEPS, interval=500, description="step k"),
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.4))

    def _build(self, ax_curve, ax_w) -> None:
        (w_lo, w_hi), (l_lo, l_hi) = (-1.5, 7.5), (-1.0, 20.0)
        grid = np.linspace(w_lo, w_hi, 200)
        curve = ax_curve.plot(
            grid, parabola.value(grid), color=COLORS["reference"], lw=2, label="L(w) = (w − 3)²"
        )
        (self.tangent,) = ax_curve.plot(
            [], [], "--", color=COLORS["data"], lw=1.2, label="tangent: slope dL/dw"
        )
        (self.steps_curve,) = ax_curve.plot(
            [], [], "-o", color=COLORS["SGD"], ms=5, lw=1.2, label="steps w₀ … wₖ"
        )
        (self.here_curve,) = ax_curve.plot(
            [], [], "o", color=COLORS["highlight"], ms=11, mec="white", label="current wₖ"
        )
        self.readout = ax_curve.text(
            0.03, 0.97, "", transform=ax_curve.transAxes, va="top",
            fontsize="small", zorder=6,
            bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"},
        )  # fmt: skip
        ax_curve.set_xlim(w_lo, w_hi)
        ax_curve.set_ylim(l_lo, l_hi)
        # Short handles and column gaps: the legend fits under its axes with projector fonts.
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "frameon": False,
                 "handlelength": 1.5, "columnspacing": 1.0}  # fmt: skip
        ax_curve.legend(ncols=2, fontsize="small", **below)
        style_axes(ax_curve, "The steps on L(w) = (w − 3)²", "weight w", "loss L(w)")

        target = ax_w.axhline(3.0, ls="--", color=COLORS["reference"], label="minimum w = 3")
        (self.steps_w,) = ax_w.plot([], [], "-o", color=COLORS["SGD"], ms=4, label="w per step")
        (self.here_w,) = ax_w.plot(
            [], [], "o", color=COLORS["highlight"], ms=10, mec="white", label="current wₖ"
        )
        self.keep_static(*curve, target)
        self.status = self.status_text(ax_w)
        ax_w.set_xlim(-0.5, STEPS + 0.5)
        ax_w.set_ylim(-3.0, 9.0)
        ax_w.legend(ncols=3, fontsize="small", **below)
        style_axes(ax_w, "The weight after each step", "step t", "weight wₜ")

    def _draw(self, lr: float, step: int) -> None:
        lr = _on_grid(lr)
        path = self.paths(lr)
        last = len(path.xs) - 1  # the last finite step (all of them unless it diverged)
        k = min(step, last)
        ws, ls = path.xs[: k + 1], path.losses[: k + 1]
        self.steps_curve.set_data(ws, ls)
        self.steps_w.set_data(np.arange(k + 1), ws)
        w, loss = float(ws[-1]), float(ls[-1])
        g = float(parabola.grad(w))
        self.here_curve.set_data([w], [loss])
        self.here_w.set_data([k], [w])
        span = np.array([w - 1.5, w + 1.5])
        self.tangent.set_data(span, loss + g * (span - w))
        diverged_now = path.diverged and step >= path.diverged_at
        self.show_diverged(self.status, path.diverged_at if diverged_now else None)
        lines = [
            f"{_w(k)} = {_num(w)},  L = {_num(loss)}",
            f"dL/dw = 2({_w(k)} − 3) = {_num(g)}",
        ]
        if diverged_now:
            lines.append(f"step {path.diverged_at}: loss above 10⁴, run stopped")
        else:
            nxt = w - lr * g
            lines.append(f"{_w(k + 1)} = {_num(w)} − {_num(lr)}·({_num(g)}) = {_num(nxt)}")
        self.readout.set_text("\n".join(lines))


# =============================================================================================
# The learning-rate regimes (C17)
# =============================================================================================

#: Four of the five regimes, with a colour each (the fifth, bouncing forever, is α = 1 exactly).
REGIME_RATES = {
    "monotone": (0.05, OKABE_ITO["sky blue"]),
    "one step": (0.5, OKABE_ITO["bluish green"]),
    "oscillating": (0.9, OKABE_ITO["orange"]),
    "diverging": (1.1, OKABE_ITO["vermillion"]),
}


@register
def gd_lr_regimes(lr: float = 0.7):
    """Four fixed learning rates on (w − 3)² and yours, with the name of your regime."""
    return LearningRateRegimes(lr)


class LearningRateRegimes(LiveFigure):
    """Left: w per step for α = 0.05, 0.5, 0.9, 1.1 and yours. Right: the loss, log scale."""

    LOSS_FLOOR = 1e-12  # the log axis starts here; a loss of exactly 0 drops below it

    def __init__(self, lr: float) -> None:
        self.paths = _PathCache()
        super().__init__({"lr": _lr_slider(lr)}, ncols=2, figsize=(10.0, 4.4))

    def _build(self, ax_w, ax_loss) -> None:
        # One legend for both panels, below them (the labels live on the handles only).
        handles = [ax_w.axhline(3.0, ls="--", color=COLORS["reference"])]
        labels = ["minimum w = 3"]
        fixed = list(handles)
        for name, (rate, color) in REGIME_RATES.items():
            path = parabola_descent(rate, STEPS)
            label = f"{name} (α = {rate:g})"
            if path.diverged:
                label += f": diverged at step {path.diverged_at}"
            t = np.arange(len(path.xs))
            fixed += ax_w.plot(t, path.xs, "-", color=color, lw=1.8)
            fixed += ax_loss.plot(t, path.losses, "-", color=color, lw=1.8)
            handles.append(fixed[-1])
            labels.append(label)
        (self.mine_w,) = ax_w.plot([], [], "-o", color=COLORS["data"], ms=3, lw=2.2, zorder=5)
        handles.append(self.mine_w)
        labels.append("your α")
        self.fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small",
                        frameon=False)  # fmt: skip
        (self.mine_loss,) = ax_loss.plot([], [], "-o", color=COLORS["data"], ms=3, lw=2.2,
                                         zorder=5)  # fmt: skip
        self.keep_static(*fixed)
        self.readout = ax_w.text(
            0.02, 0.97, "", transform=ax_w.transAxes, va="top", fontsize="medium", zorder=6,
            fontweight="bold", bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"},
        )  # fmt: skip
        self.status = self.status_text(ax_loss)
        ax_w.set_xlim(-0.5, STEPS + 0.5)
        ax_w.set_ylim(-3.0, 10.0)
        style_axes(ax_w, "Weight per step, from w₀ = 0", "step t", "weight wₜ")
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(-0.5, STEPS + 0.5)
        ax_loss.set_ylim(self.LOSS_FLOOR, 10 * PARABOLA_MAX_LOSS)
        fixed = [ax_loss.axhline(PARABOLA_MAX_LOSS, ls=":", color=COLORS["highlight"], lw=1)]
        fixed.append(ax_loss.text(STEPS, 1.5 * PARABOLA_MAX_LOSS, "diverged above this loss",
                                  ha="right", va="bottom", fontsize="small",
                                  color=COLORS["highlight"]))  # fmt: skip
        self.keep_static(*fixed)
        style_axes(ax_loss, "Loss per step (log scale)", "step t", "loss L(wₜ)")

    def _draw(self, lr: float) -> None:
        lr = _on_grid(lr)
        path = self.paths(lr)
        t = np.arange(len(path.xs))
        self.mine_w.set_data(t, path.xs)
        # A loss of exactly 0 (α = 0.5) cannot sit on a log axis: draw it at the floor.
        self.mine_loss.set_data(t, np.maximum(path.losses, self.LOSS_FLOOR / 10))
        self.show_diverged(self.status, path.diverged_at if path.diverged else None)
        r = parabola_factor(lr)
        self.readout.set_text(
            f"your α = {_num(lr)}: {parabola_regime(lr)}\nw − 3 is multiplied by "
            f"1 − 2α = {_num(_round3(r))} each step"
        )


# =============================================================================================
# Batch, stochastic and mini-batch GD (C18–C20)
# =============================================================================================

#: Loss-axis ticks of the batch-size figure (log scale, 0.2 … 20).
LOSS_TICKS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
#: One colour per variant across the notebook; stochastic GD is the series' SGD blue.
VARIANT_COLORS = {
    "batch": OKABE_ITO["orange"],
    "stochastic": COLORS["SGD"],
    "mini-batch": OKABE_ITO["reddish purple"],
}


@register
def gd_batch_size(batch_size: int = 20):
    """Batch vs stochastic vs mini-batch GD on a line fit, with a batch-size slider."""
    return BatchSize(batch_size)


@functools.cache
def _measured_seconds() -> dict[int, float]:
    """Seconds per epoch for every batch size, measured once per session and shared.

    Plotted, never printed: it differs on every run, so every figure (and a figure rebuilt
    from its `state_call`) shows the same measurement within one session.
    """
    X, y = variants_data()
    return {B: seconds_per_epoch(X, y, B) for B in BATCH_SIZES}


class BatchSize(LiveFigure):
    """Loss per update, per epoch, noise vs batch size, loss vs measured wall-clock time."""

    def __init__(self, batch_size: int) -> None:
        X, y = variants_data()
        self.study = batch_size_study(X, y, BATCH_SIZES)
        self.seconds = _measured_seconds()
        control = widgets.SelectionSlider(
            options=BATCH_SIZES, value=batch_size, description="batch size B"
        )
        super().__init__({"batch_size": control}, nrows=2, ncols=2, figsize=(10.5, 7.6))

    def _curves(self, B: int) -> dict[str, np.ndarray]:
        run = self.study.runs[B]
        losses = run.losses[0]
        t = np.arange(1, len(losses))
        epochs = np.arange(1, run.epoch_losses.shape[1])
        return {
            "update": np.column_stack([t, losses[1:]]),
            "epoch": np.column_stack([run.epochs_seen, losses]),
            "clock": np.column_stack([1e3 * self.seconds[B] * epochs, run.epoch_losses[0, 1:]]),
        }

    def _build(self, ax_up, ax_ep, ax_noise, ax_clock) -> None:
        study, n = self.study, N_EXAMPLES
        panels = ((ax_up, "update"), (ax_ep, "epoch"), (ax_clock, "clock"))
        fixed = []
        self.mine = {}
        for name, B in (("batch", n), ("stochastic", 1)):
            curves = self._curves(B)
            for ax, key in panels:
                label = f"{name} (B = {B})"
                style = "-o" if key == "clock" else "-"
                fixed += ax.plot(*curves[key].T, style, color=VARIANT_COLORS[name], lw=1.4,
                                 ms=3, label=label, alpha=0.85)  # fmt: skip
        for ax, key in panels:
            mine, best = "your mini-batch B", "lowest possible loss L(θ*)"
            style = "-o" if key == "clock" else "-"
            (self.mine[key],) = ax.plot([], [], style, color=VARIANT_COLORS["mini-batch"],
                                        lw=2.0, ms=3, label=mine, zorder=4)  # fmt: skip
            fixed.append(ax.axhline(study.best_loss, ls="--", color=COLORS["reference"], lw=1.2,
                                    label=best))  # fmt: skip
        self.readout = ax_up.text(
            0.97, 0.97, "", transform=ax_up.transAxes, ha="right", va="top", zorder=6,
            fontsize="small", bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"},
        )  # fmt: skip
        for ax, _ in panels:
            ax.set_yscale("log")
            ax.set_ylim(0.2, 20.0)
        ax_up.set_xscale("log")
        ax_up.set_xlim(0.8, 1.3 * len(study.runs[1].losses[0]))
        ax_ep.set_xlim(0, study.epochs)
        ax_clock.set_xscale("log")
        ms = [1e3 * s for s in self.seconds.values()]
        ax_clock.set_xlim(0.5 * min(ms), 1.5 * study.epochs * max(ms))
        for ax, key in panels:  # the readout box holds the top right of the update panel
            ax.legend(fontsize="x-small", loc="lower left" if key == "update" else "upper right")
        style_axes(ax_up, "Loss after each update", "updates made (log scale)",
                   "full-data loss L(θ)")  # fmt: skip
        style_axes(ax_ep, "Loss per epoch\n(each epoch: N gradient evaluations)",
                   "epochs (examples seen / N)", "full-data loss L(θ)")  # fmt: skip
        style_axes(ax_clock, "Loss vs wall-clock time\n(measured when built)",
                   "time (ms, log scale)", "full-data loss L(θ)")  # fmt: skip

        fixed += self._build_noise(ax_noise)
        self.keep_static(*fixed)
        for artist in [*fixed, *self.mine.values()]:
            artist.set_in_layout(False)  # inside the axes anyway; spares the layout engine
        for ax in (ax_up, ax_ep, ax_noise, ax_clock):
            if ax is not ax_noise:
                ax.set_yticks(LOSS_TICKS)
            ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
            for axis in (ax.xaxis, ax.yaxis):  # unlabelled minor ticks: a cheaper layout
                axis.set_minor_formatter(ticker.NullFormatter())

    def _build_noise(self, ax_noise) -> list:
        """The noise panel; returns its static artists (the "your B" dots go to self.mine).

        The gradient's own noise σ_B (∝ 1/√B) and the noise of the loss change ΔL (∝ 1/B),
        each with its reference slope. B = n has no noise at all: a log axis cannot show 0,
        so those points sit on the bottom edge, marked apart.
        """
        study, n, fixed = self.study, N_EXAMPLES, []
        sizes = np.array(BATCH_SIZES, dtype=float)
        self.noise_y = {}
        floor = 0.4 * min(v for v in study.noise.values() if v > 0)
        series = (("grad", study.grad_noise, "gradient noise σ_B = √E‖g_B − ∇L‖²", 0.5),
                  ("noise", study.noise, "std of ΔL per update", 1.0))  # fmt: skip
        for key, values, label, power in series:
            noise = np.array([values[B] for B in BATCH_SIZES])
            positive = noise > 0
            self.noise_y[key] = np.where(positive, noise, floor)
            color = COLORS["reference"] if key == "noise" else OKABE_ITO["bluish green"]
            fixed += ax_noise.plot(sizes[positive], noise[positive], "-o", color=color, ms=5,
                                   label=label)  # fmt: skip
            fixed += ax_noise.plot(sizes, noise[0] * sizes**-power, ":", color=color, lw=1.2,
                                   label=f"{noise[0]:.3g}/B" if power == 1 else
                                   f"{noise[0]:.3g}/√B")  # fmt: skip
            fixed += ax_noise.plot(sizes[~positive], self.noise_y[key][~positive], "v",
                                   color=color, ms=8)  # fmt: skip
            (self.mine[key],) = ax_noise.plot(
                [], [], "o", color=VARIANT_COLORS["mini-batch"], ms=11, mec="white", zorder=4,
                label="your B" if key == "noise" else "_nolegend_",
            )  # fmt: skip
        ax_noise.set_xscale("log")
        ax_noise.set_yscale("log")
        ax_noise.set_xlim(0.7, 1.5 * n)
        ax_noise.set_ylim(floor, 3.0 * max(study.grad_noise.values()))
        ax_noise.legend(fontsize="x-small", loc="lower left")
        style_axes(ax_noise, "Noise vs batch size (at θ*; ▼: exactly 0 at B = N)",
                   "batch size B (log scale)", "noise (log scale)")  # fmt: skip
        return fixed

    def _draw(self, batch_size: int) -> None:
        B = batch_size
        curves = self._curves(B)
        for key in ("update", "epoch", "clock"):
            self.mine[key].set_data(*curves[key].T)
        i = BATCH_SIZES.index(B)
        for key in ("grad", "noise"):
            self.mine[key].set_data([B], [self.noise_y[key][i]])
        run = self.study.runs[B]
        self.readout.set_text(
            f"B = {B}: ⌈{N_EXAMPLES}/{B}⌉ = {run.updates_per_epoch} "
            f"update{'s' if run.updates_per_epoch > 1 else ''} per epoch\n"
            f"gradient noise σ_B = {self.study.grad_noise[B]:.3g}, "
            f"std of ΔL = {self.study.noise[B]:.3g}"
        )
