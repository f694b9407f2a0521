"""Notebook 08's live figures: why the rate must decay, and a playground of schedules.

- `settle_figure` (C38): mini-batch SGD on least squares with a constant rate against the
  same rate decayed. The rates, the whole loss curve, a zoom on its last 20 % and the step
  sizes ‖θₖ₊₁ − θₖ‖: the constant run keeps bouncing at a noise floor set by α and the batch
  size, the decayed one settles. With the full batch (no gradient noise) both converge.
- `schedule_playground` (C39): step decay, cosine annealing, warm-up + cosine, one-cycle and
  ReduceLROnPlateau, each drawn as ηₖ/α with its own sliders, above the loss curves they
  produce on the same problem and batches, and a bar chart of their final losses. The
  dropdown picks the schedule to compare with the constant rate (drawn bold).

Every run is `experiments` (precomputed batch gradients, one vectorised
SGD loop); a control change recomputes only the runs it affects.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.lr_schedules import experiments as E
from trainlib.lessons.lr_schedules.experiments import (
    BATCH_SIZES,
    PLAYGROUND,
    SEED_BATCHES,
    SEED_DATA,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, OKABE_ITO, style_axes

SCHEDULE_COLORS: dict[str, str] = {
    "constant": OKABE_ITO["black"],
    "step decay": OKABE_ITO["blue"],
    "exponential": OKABE_ITO["sky blue"],
    "cosine": OKABE_ITO["bluish green"],
    "warmup + cosine": OKABE_ITO["orange"],
    "one-cycle": OKABE_ITO["reddish purple"],
    "reduce on plateau": OKABE_ITO["vermillion"],
}
#: The settling figure compares two runs: constant (black) and decayed (one colour whatever
#: the decay, so its legend never has to be redrawn).
_SETTLE_COLORS = {"constant": OKABE_ITO["black"], "decayed": OKABE_ITO["bluish green"]}
_FLOOR = 1e-12  # an excess loss below this is drawn at this value (log axes)
_LOSS_LIM = (1e-6, 1e2)
_BAR_LEFT = 1e-7  # bars of the final-loss chart start here (log axis)


def _problem() -> E.Problem:
    return E.make_problem(rng=np.random.default_rng(SEED_DATA))


def _batches(problem: E.Problem, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    return E.batch_gradients(problem, batch_size, E.STEPS, rng=np.random.default_rng(SEED_BATCHES))


def _log_axis(ax: Any, which: str = "y") -> None:
    """A log axis without minor ticks (they cost most of a layout pass and add little here)."""
    from matplotlib.ticker import NullLocator

    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    axis.set_minor_locator(NullLocator())


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
        self.problem = _problem()
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
                description="batch size B",
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
            self._batch_cache[batch_size] = _batches(self.problem, batch_size)
        return self._batch_cache[batch_size]

    def _build(self, ax_lr, ax_loss, ax_zoom, ax_step) -> None:
        T, k = E.STEPS, self.k
        axes = {"lr": ax_lr, "loss": ax_loss, "zoom": ax_zoom, "step": ax_step}
        self.lines: dict[str, dict[str, Any]] = {
            role: {
                # legends on the top row; below, the readouts name the runs
                name: ax.plot(
                    [],
                    [],
                    color=_SETTLE_COLORS[role],
                    lw=lw,
                    label=label if name in ("lr", "loss") else f"_{label}",
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

        _log_axis(ax_lr)
        ax_lr.set_xlim(0, T)
        ax_lr.set_ylim(1e-6, 2.0)
        style_axes(ax_lr, "Learning rate of each step", "step k", "learning rate ηₖ")
        _log_axis(ax_loss)
        ax_loss.set_xlim(0, T)
        ax_loss.set_ylim(*_LOSS_LIM)
        style_axes(ax_loss, "Training loss above its minimum", "step k", "L(θₖ) − L*")
        _log_axis(ax_zoom)
        ax_zoom.set_xlim(T - k, T)
        ax_zoom.set_ylim(_LOSS_LIM[0], 1e3)  # fixed (a re-layout per move is slow); room on top
        style_axes(
            ax_zoom, f"Zoom: the last {k} steps (dashed: their mean)", "step k", "L(θₖ) − L*"
        )
        _log_axis(ax_step)
        ax_step.set_xlim(0, T)
        ax_step.set_ylim(1e-6, 10.0)
        style_axes(ax_step, "Step size (dashed: mean of the last steps)", "step k", "‖θₖ₊₁ − θₖ‖")
        self.loss_status = self.status_text(ax_loss)
        self.zoom_status = self.status_text(ax_zoom)
        self.zoom_text = ax_zoom.text(
            0.98, 0.97, "", transform=ax_zoom.transAxes, ha="right", va="top", zorder=6
        )
        for ax in (ax_lr, ax_loss):
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
            lines["loss"].set_data(t[:n], np.maximum(run.excess, _FLOOR))
            lines["zoom"].set_data(t[:n], np.maximum(run.excess, _FLOOR))
            lines["step"].set_data(t[: n - 1] + 0.5, np.maximum(run.step_sizes, _FLOOR))
            for name, mean in (("zoom", run.final_loss()), ("step", run.final_step())):
                line = self.mean_lines[role, name]
                line.set_ydata([mean, mean])
                line.set_visible(not run.diverged)
        diverged = [
            f"{name}: diverged at step {run.diverged_at}"
            for name, run in (("constant α", const), (decay, dec))
            if run.diverged
        ]
        for text in (self.loss_status, self.zoom_status):
            text.set_text("\n".join(diverged))
            text.set_visible(bool(diverged))
        lc, ld = const.final_loss(), dec.final_loss()
        if np.isfinite(lc + ld) and ld > 0 and dec.final_step() > 0:
            steps = const.final_step() / dec.final_step()
            ratio = f"decayed: {lc / ld:.3g}× lower loss, {steps:.3g}× smaller steps"
        else:
            ratio = ""
        self.zoom_text.set_text(ratio)


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


class SchedulePlayground(LiveFigure):
    """Top row: ηₖ/α of each schedule. Bottom: excess loss of every run, final-loss bars."""

    def __init__(self, schedule, lr, step_size, gamma, T_max, eta_min, warmup_steps,
                 pct_start, div_factor, patience, factor) -> None:  # fmt: skip
        self.problem = _problem()
        self.A, self.c = _batches(self.problem, 8)
        self.steps_per_epoch = self.problem.steps_per_epoch(8)
        self.k = round(E.STEPS * E.FINAL_FRACTION)
        self._key: dict[str, tuple] = {}
        self.runs: dict[str, E.Run] = {}
        self.val_losses = np.zeros(0)
        W = widgets
        controls = {
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
        T = E.STEPS
        self.lr_lines = {}
        for name, ax in self.thumbs.items():
            (ref,) = ax.plot([0, T], [1, 1], "--", color=COLORS["reference"], lw=1.0)
            self.keep_static(ref)
            (self.lr_lines[name],) = ax.plot([], [], color=SCHEDULE_COLORS[name], lw=2.0)
            ax.set_xlim(0, T)
            ax.set_ylim(0, 1.08)
            style_axes(ax, name, "step k", "ηₖ / α")
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
        (self.const_line,) = ax_loss.plot(
            [], [], color=SCHEDULE_COLORS["constant"], lw=1.0, label="constant α"
        )
        self.loss_lines = {
            name: ax_loss.plot([], [], color=SCHEDULE_COLORS[name], lw=1.2, label=name)[0]
            for name in PLAYGROUND
        }
        span = ax_loss.axvspan(T - self.k, T, color=COLORS["reference"], alpha=0.15)
        self.keep_static(span)
        _log_axis(ax_loss)
        ax_loss.set_xlim(0, T)
        ax_loss.set_ylim(*_LOSS_LIM)
        ax_loss.legend(loc="lower left", ncols=2, fontsize="small")
        style_axes(ax_loss, "Training loss above its minimum (same batches)", "step k",
                   "L(θₖ) − L*")  # fmt: skip
        self.status = self.status_text(ax_loss)

        names = ["constant α", *PLAYGROUND]
        y = np.arange(len(names))[::-1].astype(float)
        self.bars = ax_bar.barh(
            y - 0.15, np.ones(len(names)), left=_BAR_LEFT, height=0.4,
            color=[SCHEDULE_COLORS["constant"], *(SCHEDULE_COLORS[n] for n in PLAYGROUND)],
        ).patches  # fmt: skip
        self.bar_names = names
        self.bar_texts = []
        for yi, name in zip(y, names, strict=True):
            label = ax_bar.text(_BAR_LEFT * 1.3, yi + 0.25, name, va="center", fontsize="small")
            self.keep_static(label)
            self.bar_texts.append(
                ax_bar.text(_BAR_LEFT * 1.3, yi - 0.15, "", va="center", fontsize="small")
            )
        _log_axis(ax_bar, "x")
        ax_bar.set_xlim(_BAR_LEFT, 1e2)
        ax_bar.set_ylim(-0.6, len(names) - 0.3)
        ax_bar.set_yticks([])
        style_axes(
            ax_bar, f"Final loss: mean of the last {self.k} steps", "L − L* (log scale)", "schedule"
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
            line.set_data(t[:n], np.maximum(run.excess, _FLOOR))
            chosen = name == schedule
            line.set_linewidth(2.5 if chosen else 1.0)
            line.set_alpha(1.0 if chosen else 0.35)
            line.set_zorder(4 if chosen else 2)
            self.frames[name].set_visible(chosen)
        const = self.runs["constant"]
        self.const_line.set_data(t[: len(const.excess)], np.maximum(const.excess, _FLOOR))

        chosen_run = self.runs[schedule]
        self.show_diverged(self.status, chosen_run.diverged_at)
        if chosen_run.diverged:
            self.status.set_text(f"{schedule}: diverged at step {chosen_run.diverged_at}")
        for i, (name, bar, text) in enumerate(
            zip(self.bar_names, self.bars, self.bar_texts, strict=True)
        ):
            run = const if i == 0 else self.runs[name]
            final = run.final_loss()
            width = max(final, 2 * _BAR_LEFT) if np.isfinite(final) else 1e2
            bar.set_width(width - _BAR_LEFT)
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
