"""Notebook 08's figure of C39: a playground of schedules.

`schedule_playground`: step decay, cosine annealing, warm-up + cosine, one-cycle and
ReduceLROnPlateau, each drawn as ηₖ/α with its own sliders, above the loss curves they
produce on the same problem and batches, and a bar chart of their final losses. The
dropdown picks the schedule to compare with the constant rate (drawn bold).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np

from trainlib.lessons.lr_schedules import experiments as E
from trainlib.lessons.lr_schedules.experiments import PLAYGROUND
from trainlib.lessons.lr_schedules.figures_common import (
    BAR_LEFT,
    FLOOR,
    LOSS_LIM,
    SCHEDULE_COLORS,
    log_axis,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

# =========================================================================================
# C39: the schedule playground
# =========================================================================================


@register
def schedule_playground(
    schedule: str = "cosine",
    lr: float = 0.1,
    step_size: int = 100,
    gamma: float = 0.3,
    T_max: int = 300,
    eta_min: float = 0.0,
    warmup_steps: int = 30,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    patience: int = 2,
    factor: float = 0.5,
):
    """Five schedules with their own sliders, the losses they produce, their final losses."""
    return SchedulePlayground(
        schedule, lr, step_size, gamma, T_max, eta_min, warmup_steps, pct_start, div_factor,
        patience, factor,
    )  # fmt: skip


#: Which controls each schedule reads (the peak rate α feeds all of them).
_USES = {
    "step decay": ("step_size", "gamma"),
    "cosine": ("T_max", "eta_min"),
    "warmup + cosine": ("warmup_steps",),
    "one-cycle": ("pct_start", "div_factor"),
    "reduce on plateau": ("patience", "factor"),
}
_BLOCK_CONTROLS = [k for name in PLAYGROUND[:-1] for k in _USES[name]]


def _controls(schedule, lr, step_size, gamma, T_max, eta_min, warmup_steps, pct_start,
              div_factor, patience, factor) -> dict[str, widgets.Widget]:  # fmt: skip
    """The playground's controls at these initial values: the dropdown, α, then by schedule."""
    W = widgets
    return {
        "schedule": W.Dropdown(
            options=[(s, s) for s in PLAYGROUND],
            value=schedule,
            description="compare with constant",
        ),
        "lr": W.FloatLogSlider(
            value=lr, base=10, min=-3, max=0, step=0.05, description="peak learning rate α"
        ),
        "step_size": W.IntSlider(
            value=step_size, min=10, max=300, step=10, description="step decay: every N steps"
        ),
        "gamma": W.FloatSlider(
            value=gamma, min=0.05, max=0.95, step=0.05, description="step decay: factor γ"
        ),
        "T_max": W.IntSlider(
            value=T_max, min=50, max=600, step=10, description="cosine: T_max (steps)"
        ),
        "eta_min": W.FloatSlider(
            value=eta_min, min=0.0, max=0.5, step=0.05, description="cosine: floor η_min / α"
        ),
        "warmup_steps": W.IntSlider(
            value=warmup_steps, min=1, max=150, description="warm-up + cosine: warm-up steps"
        ),
        "pct_start": W.FloatSlider(
            value=pct_start, min=0.05, max=0.6, step=0.05,
            description="one-cycle: rising fraction pct_start",
        ),
        "div_factor": W.FloatLogSlider(
            value=div_factor, base=10, min=0, max=3, step=0.1,
            description="one-cycle: start at α / div_factor",
        ),
        "patience": W.IntSlider(
            value=patience, min=0, max=10, description="plateau: patience (epochs)"
        ),
        "factor": W.FloatSlider(
            value=factor, min=0.05, max=0.95, step=0.05, description="plateau: factor"
        ),
    }  # fmt: skip


class SchedulePlayground(LiveFigure):
    """Top row: ηₖ/α of each schedule. Bottom: excess loss of every run, final-loss bars."""

    def __init__(self, schedule, lr, step_size, gamma, T_max, eta_min, warmup_steps,
                 pct_start, div_factor, patience, factor) -> None:  # fmt: skip
        self.problem = E.notebook_problem()
        self.A, self.c = E.notebook_batches(self.problem, 8)
        self.steps_per_epoch = self.problem.steps_per_epoch(8)
        self.k = round(E.STEPS * E.FINAL_FRACTION)
        self._key: dict[str, tuple] = {}
        self.runs: dict[str, E.Run] = {}
        self.val_losses = np.zeros(0)
        controls = _controls(
            schedule, lr, step_size, gamma, T_max, eta_min, warmup_steps, pct_start, div_factor,
            patience, factor,
        )  # fmt: skip
        super().__init__(
            controls, nrows=2, ncols=5, figsize=(11.5, 6.6), gridspec_kw={"height_ratios": [1, 1.6]}
        )

    # --- the runs ---------------------------------------------------------------------------
    def schedules(self, values: dict[str, Any]) -> dict[str, Any]:
        """The step-only schedules for these control values (`trainlib.schedules` callables)."""
        return E.playground_schedules(
            values["lr"],
            step_size=values["step_size"],
            gamma=values["gamma"],
            T_max=values["T_max"],
            eta_min=values["eta_min"] * values["lr"],
            warmup_steps=values["warmup_steps"],
            pct_start=values["pct_start"],
            div_factor=values["div_factor"],
        )

    def plateau(self, values: dict[str, Any]) -> E.schedules.ReduceLROnPlateau:
        """A fresh ReduceLROnPlateau at α with this patience and factor (else torch defaults)."""
        return E.schedules.ReduceLROnPlateau(
            values["lr"], patience=values["patience"], factor=values["factor"]
        )

    def _update_runs(self, values: dict[str, Any]) -> None:
        """Re-run what the changed controls affect: the step-only schedules (and the constant
        rate) as one vectorised block, the plateau run on its own. Each block always runs with
        the same rows, so a state gives the same numbers whatever the history of moves."""
        keys = {
            "block": tuple(values[k] for k in ("lr", *_BLOCK_CONTROLS)),
            "plateau": tuple(values[k] for k in ("lr", *_USES["reduce on plateau"])),
        }
        if self._key.get("block") != keys["block"]:
            rates = {"constant": E.schedules.constant(values["lr"]), **self.schedules(values)}
            self.runs.update(E.run_schedules(self.problem, self.A, self.c, rates))
        if self._key.get("plateau") != keys["plateau"]:
            run, self.val_losses = E.run_plateau(
                self.problem, self.A, self.c, self.plateau(values), self.steps_per_epoch
            )
            self.runs["reduce on plateau"] = run
        self._key = keys

    # --- the figure -------------------------------------------------------------------------
    def _build(self, *axes) -> None:
        gs = axes[5].get_subplotspec().get_gridspec()
        for ax in axes[5:]:
            ax.remove()
        fig = self.fig
        self.thumbs = dict(zip(PLAYGROUND, axes[:5], strict=True))
        ax_loss = fig.add_subplot(gs[1, :3])
        ax_bar = fig.add_subplot(gs[1, 3:])
        self.ax_loss, self.ax_bar = ax_loss, ax_bar
        self._build_thumbs()
        self._build_loss(ax_loss)
        self._build_bars(ax_bar)

    def _build_thumbs(self) -> None:
        """Top row: ηₖ/α of each schedule, framed when the dropdown picks it."""
        T = E.STEPS
        self.lr_lines = {}
        for name, ax in self.thumbs.items():
            (ref,) = ax.plot([0, T], [1, 1], "--", color=COLORS["reference"], lw=1.0)
            self.keep_static(ref)
            (self.lr_lines[name],) = ax.plot([], [], color=SCHEDULE_COLORS[name], lw=2.0)
            ax.set_xlim(0, T)
            ax.set_ylim(0, 1.08)
            style_axes(ax, name, "step k", "ηₖ / α")
            # Five names in a row: a title slightly below the body text lets the longest fit.
            ax.title.set_fontsize(0.9 * mpl.rcParams["font.size"])
        # A frame around the schedule the dropdown picked (a live patch: no re-layout).
        from matplotlib.patches import Rectangle

        self.frames = {
            name: ax.add_patch(
                Rectangle(
                    (-0.02, -0.02),
                    1.04,
                    1.04,
                    transform=ax.transAxes,
                    fill=False,
                    clip_on=False,
                    lw=3.0,
                    color=SCHEDULE_COLORS[name],
                    zorder=8,
                )
            )  # fmt: skip
            for name, ax in self.thumbs.items()
        }

    def _build_loss(self, ax_loss) -> None:
        """Bottom left: the excess loss of every run, the final window shaded."""
        T = E.STEPS
        (self.const_line,) = ax_loss.plot(
            [], [], color=SCHEDULE_COLORS["constant"], lw=1.0, label="constant α"
        )
        self.loss_lines = {
            name: ax_loss.plot([], [], color=SCHEDULE_COLORS[name], lw=1.2, label=name)[0]
            for name in PLAYGROUND
        }
        span = ax_loss.axvspan(T - self.k, T, color=COLORS["reference"], alpha=0.15)
        self.keep_static(span)
        log_axis(ax_loss)
        ax_loss.set_xlim(0, T)
        ax_loss.set_ylim(*LOSS_LIM)
        ax_loss.legend(loc="lower left", ncols=2, fontsize="small")
        style_axes(ax_loss, "Training loss above its minimum (same batches)", "step k",
                   "L(θₖ) − L*")  # fmt: skip
        self.status = self.status_text(ax_loss)

    def _build_bars(self, ax_bar) -> None:
        """Bottom right: one bar per run, its final loss (hatched if it diverged)."""
        names = ["constant α", *PLAYGROUND]
        y = np.arange(len(names))[::-1].astype(float)
        self.bars = ax_bar.barh(
            y - 0.15, np.ones(len(names)), left=BAR_LEFT, height=0.4,
            color=[SCHEDULE_COLORS["constant"], *(SCHEDULE_COLORS[n] for n in PLAYGROUND)],
        ).patches  # fmt: skip
        self.bar_names = names
        self.bar_texts = []
        for yi, name in zip(y, names, strict=True):
            label = ax_bar.text(BAR_LEFT * 1.3, yi + 0.25, name, va="center", fontsize="small")
            self.keep_static(label)
            self.bar_texts.append(
                ax_bar.text(BAR_LEFT * 1.3, yi - 0.15, "", va="center", fontsize="small")
            )
        log_axis(ax_bar, "x")
        ax_bar.set_xlim(BAR_LEFT, 1e2)
        ax_bar.set_ylim(-0.6, len(names) - 0.3)
        ax_bar.set_yticks([])
        style_axes(
            ax_bar, f"Final loss (mean, last {self.k} steps)", "L − L* (log scale)", "schedule"
        )
        ax_bar.grid(False, axis="y")

    def _draw(self, schedule, **values: Any) -> None:
        values = dict(values)
        self._update_runs(values)
        t = np.arange(E.STEPS + 1)
        for name in PLAYGROUND:
            run = self.runs[name]
            n = len(run.excess)
            # a schedule of t is drawn whole; the plateau's rates exist only up to divergence
            upto = n - 1 if run.diverged and name == "reduce on plateau" else E.STEPS
            self.lr_lines[name].set_data(t[:upto], run.lrs[:upto] / values["lr"])
            line = self.loss_lines[name]
            line.set_data(t[:n], np.maximum(run.excess, FLOOR))
            chosen = name == schedule
            line.set_linewidth(2.5 if chosen else 1.0)
            line.set_alpha(1.0 if chosen else 0.35)
            line.set_zorder(4 if chosen else 2)
            self.frames[name].set_visible(chosen)
        const = self.runs["constant"]
        self.const_line.set_data(t[: len(const.excess)], np.maximum(const.excess, FLOOR))

        chosen_run = self.runs[schedule]
        self.show_diverged(self.status, chosen_run.diverged_at)
        if chosen_run.diverged:
            self.status.set_text(f"{schedule}: diverged at step {chosen_run.diverged_at}")
        for i, (name, bar, text) in enumerate(
            zip(self.bar_names, self.bars, self.bar_texts, strict=True)
        ):
            run = const if i == 0 else self.runs[name]
            final = run.final_loss()
            width = max(final, 2 * BAR_LEFT) if np.isfinite(final) else 1e2
            bar.set_width(width - BAR_LEFT)
            bar.set_hatch("//" if run.diverged else None)
            bar.set_alpha(0.3 if run.diverged else 1.0)
            bar.set_edgecolor("black" if name == schedule else "none")
            bar.set_linewidth(2.0)
            text.set_visible(run.diverged)  # only then: text is the slowest thing to draw
            text.set_text(f"diverged at step {run.diverged_at}" if run.diverged else "")

    # --- controls laid out by schedule ------------------------------------------------------
    @property
    def widget(self) -> widgets.Box:
        box = super().widget
        if getattr(self, "_laid_out", False):
            return box
        c = self.controls
        for name, control in c.items():
            if name not in ("schedule", "lr"):
                control.layout.width = "520px"  # a track long enough to aim with
        wrap = widgets.Layout(flex_flow="row wrap")  # one row per schedule where it fits
        rows = [widgets.Box([c["schedule"], c["lr"]], layout=wrap)]
        rows += [widgets.Box([c[k] for k in _USES[name]], layout=wrap) for name in PLAYGROUND]
        box.children = (widgets.VBox(rows), *box.children[1:])
        self._laid_out = True
        return box
