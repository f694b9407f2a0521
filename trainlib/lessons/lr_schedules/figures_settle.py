"""Notebook 08's figure of C38: why the rate must decay.

`settle_figure`: mini-batch SGD on least squares with a constant rate against the same rate
decayed. The rates, the whole loss curve, a zoom on its last 20 % and the step sizes
‖θₖ₊₁ − θₖ‖: the constant run keeps bouncing at a noise floor set by α and the batch size,
the decayed one settles. With the full batch (no gradient noise) both converge.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.lr_schedules import experiments as E
from trainlib.lessons.lr_schedules.experiments import BATCH_SIZES
from trainlib.lessons.lr_schedules.figures_common import FLOOR, LOSS_LIM, log_axis
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, OKABE_ITO, style_axes

#: The settling figure compares two runs: constant (black) and decayed (one colour whatever
#: the decay, so its legend never has to be redrawn).
_SETTLE_COLORS = {"constant": OKABE_ITO["black"], "decayed": OKABE_ITO["bluish green"]}


# =========================================================================================
# C38: constant vs decayed, zoom on the end
# =========================================================================================


@register
def settle_figure(lr: float = 0.1, batch_size: int = 8, decay: str = "cosine"):
    """Constant vs decayed rate: rates, loss, zoom on the last 20 %, step sizes."""
    return SettleFigure(lr, batch_size, decay)


class SettleFigure(LiveFigure):
    """Rates, excess loss (top); its last 20 %, step sizes (bottom)."""

    def __init__(self, lr: float, batch_size: int, decay: str) -> None:
        self.problem = E.notebook_problem()
        self._batch_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.k = round(E.STEPS * E.FINAL_FRACTION)
        controls = {
            "lr": widgets.FloatLogSlider(
                value=lr, base=10, min=-3, max=0, step=0.05, description="learning rate α"
            ),
            "batch_size": widgets.Dropdown(
                options=[
                    (f"{b}" if b < 80 else "80 = full batch (no noise)", b) for b in BATCH_SIZES
                ],
                value=batch_size,
                description="batch size",
            ),
            "decay": widgets.Dropdown(
                options=[(d, d) for d in ("cosine", "step decay", "exponential")],
                value=decay,
                description="decayed schedule",
            ),
        }
        super().__init__(controls, nrows=2, ncols=2, figsize=(10.0, 6.6))

    def batches(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        if batch_size not in self._batch_cache:
            self._batch_cache[batch_size] = E.notebook_batches(self.problem, batch_size)
        return self._batch_cache[batch_size]

    def _build(self, ax_lr, ax_loss, ax_zoom, ax_step) -> None:
        T, k = E.STEPS, self.k
        axes = {"lr": ax_lr, "loss": ax_loss, "zoom": ax_zoom, "step": ax_step}
        self.lines: dict[str, dict[str, Any]] = {
            role: {
                # legends on the top row and the zoom; the step panel shares their colours
                name: ax.plot(
                    [],
                    [],
                    color=_SETTLE_COLORS[role],
                    lw=lw,
                    label=label if name in ("lr", "loss", "zoom") else f"_{label}",
                )[0]
                for name, ax in axes.items()
            }
            for role, lw, label in (
                ("constant", 1.0, "constant α"),
                ("decayed", 2.0, "decayed from α (dropdown)"),
            )
        }
        # dashed: the means over the last k steps (the numbers the claim compares)
        self.mean_lines = {
            (role, name): ax.plot(
                [T - k, T], [1.0, 1.0], "--", color=_SETTLE_COLORS[role], lw=1.2, label=f"_{role}"
            )[0]
            for role in self.lines
            for name, ax in (("zoom", ax_zoom), ("step", ax_step))
        }
        spans = [
            ax.axvspan(T - k, T, color=COLORS["reference"], alpha=0.15) for ax in (ax_loss, ax_step)
        ]
        self.keep_static(*spans)

        log_axis(ax_lr)
        ax_lr.set_xlim(0, T)
        ax_lr.set_ylim(1e-6, 2.0)
        style_axes(ax_lr, "Learning rate of each step", "step k", "learning rate ηₖ")
        log_axis(ax_loss)
        ax_loss.set_xlim(0, T)
        ax_loss.set_ylim(*LOSS_LIM)
        style_axes(ax_loss, "Training loss above its minimum", "step k", "L(θₖ) − L*")
        log_axis(ax_zoom)
        ax_zoom.set_xlim(T - k, T)
        ax_zoom.set_ylim(LOSS_LIM[0], 1e3)  # fixed (a re-layout per move is slow); room on top
        style_axes(
            ax_zoom, f"Zoom: the last {k} steps (dashed: their mean)", "step k", "L(θₖ) − L*"
        )
        log_axis(ax_step)
        ax_step.set_xlim(0, T)
        ax_step.set_ylim(1e-6, 10.0)
        style_axes(
            ax_step, f"Step size\n(dashed: mean of the last {k} steps)", "step k", "‖θₖ₊₁ − θₖ‖"
        )
        self.loss_status = self.status_text(ax_loss)
        self.zoom_status = self.status_text(ax_zoom)
        for text in (self.loss_status, self.zoom_status):
            text.set_fontsize("large")  # two lines, one per run: they fit inside the panel
        self.zoom_text = ax_zoom.text(
            0.98, 0.97, "", transform=ax_zoom.transAxes, ha="right", va="top", zorder=6,
            fontsize="small",
        )  # fmt: skip
        for ax in (ax_lr, ax_loss, ax_zoom):
            ax.legend(loc="lower left", fontsize="small")

    def _draw(self, lr: float, batch_size: int, decay: str) -> None:
        A, c = self.batches(batch_size)
        rates = E.settle_rates(lr, decay)
        runs = E.run_schedules(self.problem, A, c, rates)
        const, dec = runs["constant"], runs[decay]
        t = np.arange(E.STEPS + 1)
        for role, run in (("constant", const), ("decayed", dec)):
            lines = self.lines[role]
            n = len(run.excess)
            lines["lr"].set_data(t[:-1], run.lrs)
            lines["loss"].set_data(t[:n], np.maximum(run.excess, FLOOR))
            lines["zoom"].set_data(t[:n], np.maximum(run.excess, FLOOR))
            lines["step"].set_data(t[: n - 1] + 0.5, np.maximum(run.step_sizes, FLOOR))
            for name, mean in (("zoom", run.final_loss()), ("step", run.final_step())):
                line = self.mean_lines[role, name]
                line.set_ydata([mean, mean])
                line.set_visible(not run.diverged)
        diverged = [_off_axis(name, run) for name, run in (("constant α", const), (decay, dec))]
        diverged = [line for line in diverged if line]
        for text in (self.loss_status, self.zoom_status):
            text.set_text("\n".join(diverged))
            text.set_visible(bool(diverged))
        lc, ld = const.final_loss(), dec.final_loss()
        if np.isfinite(lc + ld) and ld > 0 and dec.final_step() > 0:
            ratio = f"decayed: {_times(lc / ld, 'lower', 'higher')} loss,\n" + (
                f"{_times(const.final_step() / dec.final_step(), 'smaller', 'larger')} steps"
            )
        else:
            ratio = ""
        self.zoom_text.set_text(ratio)


def _times(r: float, below: str, above: str) -> str:
    """'4.6× higher' rather than '0.217× lower': the factor is always ≥ 1."""
    return f"{r:.3g}× {below}" if r >= 1 else f"{1 / r:.3g}× {above}"


def _off_axis(name: str, run: Any) -> str:
    """'diverged at step k', or where a run that has not diverged leaves the top of the axis."""
    if run.diverged:
        return f"{name}: diverged at step {run.diverged_at}"
    above = np.flatnonzero(np.asarray(run.excess) > LOSS_LIM[1])
    if above.size:
        return f"{name}: above {LOSS_LIM[1]:g} from step {above[0]} (ends at {run.excess[-1]:.2g})"
    return ""
