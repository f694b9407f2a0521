"""Notebook 09's figures of the moons problem: weight decay (C40) and early stopping (C44).

- `WeightDecayFigure`: the 40-point moons problem trained with AdamW for each weight decay
  λ; decision boundary, train/validation curves, ‖W‖ and final losses.
- `EarlyStoppingFigure`: fit with patience k: where it stops, what it restores.

Their factories are in `figures.py`; every run comes from `experiments`, computed once.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.regularisation import experiments as R
from trainlib.live import LiveFigure
from trainlib.live.artists import readout
from trainlib.plot import COLORS, OKABE_ITO, style_axes

__all__ = ["EarlyStoppingFigure", "WeightDecayFigure"]

_BOUNDARY_LEVELS = np.linspace(0.0, 1.0, 6)


def _lambda_label(wd: float) -> str:
    return "0" if wd == 0 else f"{wd:g}"


def _moons_scatter(ax) -> list:
    """The 40 training points, coloured by class (static)."""
    X, y, _, _ = R.moons_problem()
    y = y[:, 0]
    style = {"s": 24, "edgecolor": "black", "lw": 0.7, "zorder": 3}
    a = ax.scatter(*X[y == 0].T, color=OKABE_ITO["blue"], label="class 0 (train)", **style)
    b = ax.scatter(*X[y == 1].T, color=OKABE_ITO["vermillion"], marker="s",
                   label="class 1 (train)", **style)  # fmt: skip
    return [a, b]


def _loss_lines(ax, x, *, lw: float, suffix: str = "") -> tuple:
    """The live training and validation loss lines of a loss-per-epoch panel."""
    (train,) = ax.plot(x, 0.0 * x, color=COLORS["train"], lw=lw, label="training loss" + suffix)
    (val,) = ax.plot(x, 0.0 * x, color=COLORS["validation"], lw=lw,
                     label="validation loss" + suffix)  # fmt: skip
    return train, val


def _star(ax, ms: float, label: str):
    """A live star marking the epoch of lowest validation loss."""
    return ax.plot([], [], "*", color=COLORS["validation"], ms=ms, mec="black", label=label)[0]


def _your_choice(ax):
    """A live ring around the slider's value in a panel over all λ."""
    return ax.plot([], [], "o", color=COLORS["highlight"], ms=13, mfc="none", mew=2.5,
                   label="your λ")[0]  # fmt: skip


class WeightDecayFigure(LiveFigure):
    """Boundary | train/val loss per epoch; ‖W‖ vs λ | final losses vs λ."""

    def __init__(self, weight_decay: float) -> None:
        self.runs = R.weight_decay_runs()
        options = [(_lambda_label(r.weight_decay), r.weight_decay) for r in self.runs]
        control = widgets.SelectionSlider(
            options=options, value=weight_decay, description="weight decay λ (AdamW)"
        )
        super().__init__({"weight_decay": control}, nrows=2, ncols=2, figsize=(10.0, 7.4))

    def _build(self, ax_map, ax_curve, ax_norm, ax_final) -> None:
        self._build_map(ax_map)
        epochs = np.arange(R.EPOCHS)  # 0-based, as fit's best_epoch
        self.train, self.val = _loss_lines(ax_curve, epochs, lw=2)
        self.best = _star(ax_curve, 12, "lowest validation loss")
        ax_curve.set_xlim(0, R.EPOCHS - 1)
        ax_curve.set_ylim(0.0, 1.0)
        ax_curve.legend(loc="upper center", fontsize="small", ncols=2)
        style_axes(ax_curve, "Loss per epoch", "epoch", "binary cross-entropy")
        self._build_over_lambda(ax_norm, ax_final)

    def _build_map(self, ax) -> None:
        """One filled contour per λ (shown one at a time) over the training points."""
        xs, ys, _ = R.grid_points()
        self.maps = {}
        for run in self.runs:
            cs = ax.contourf(xs, ys, run.grid_prob, levels=_BOUNDARY_LEVELS, cmap="RdBu_r",
                             alpha=0.45, zorder=1)  # fmt: skip
            line = ax.contour(xs, ys, run.grid_prob, levels=[0.5], colors="black",
                              linewidths=1.5, zorder=2)  # fmt: skip
            self.maps[run.weight_decay] = (cs, line)
        _moons_scatter(ax)  # live, so drawn above the (live) contours, not under them
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.legend(loc="lower left", fontsize="small")
        style_axes(ax, "P(class 1): red high, blue low; black: 0.5", "x₁", "x₂", grid=False)

    def _build_over_lambda(self, ax_norm, ax_final) -> None:
        """‖W‖ and the final losses for every λ of the slider, a ring on the chosen one."""
        k = np.arange(len(self.runs))
        labels = [_lambda_label(r.weight_decay) for r in self.runs]
        norms = [r.weight_norm for r in self.runs]
        fixed = ax_norm.plot(k, norms, "o-", color=COLORS["AdamW"], lw=2,
                             label="‖W‖ after training")  # fmt: skip
        self.norm_dot = _your_choice(ax_norm)
        ax_norm.set_xticks(k, labels)
        ax_norm.set_ylim(0, 1.12 * max(norms))
        ax_norm.legend(loc="upper right", fontsize="small")
        style_axes(ax_norm, "Weight norm falls as λ grows", "weight decay λ", "‖W‖ (all weights)")

        tr = [r.train_loss[-1] for r in self.runs]
        va = [r.val_loss[-1] for r in self.runs]
        fixed += ax_final.plot(k, tr, "o-", color=COLORS["train"], lw=2, label="training")
        fixed += ax_final.plot(k, va, "s-", color=COLORS["validation"], lw=2, label="validation")
        self.final_dot = _your_choice(ax_final)
        self.keep_static(*fixed)
        ax_final.set_xticks(k, labels)
        ax_final.set_ylim(0, 1.12 * max(max(tr), max(va)))
        ax_final.legend(loc="upper center", fontsize="small", ncols=3)
        style_axes(ax_final, f"Loss after {R.EPOCHS} epochs", "weight decay λ", "loss")

    def _draw(self, weight_decay: float) -> None:
        idx = [r.weight_decay for r in self.runs].index(weight_decay)
        run = self.runs[idx]
        for wd, (cs, line) in self.maps.items():
            cs.set_visible(wd == weight_decay)
            line.set_visible(wd == weight_decay)
        self.train.set_ydata(run.train_loss)
        self.val.set_ydata(np.minimum(run.val_loss, 1.0))  # clipped at the top of the axis
        b = int(np.argmin(run.val_loss))
        self.best.set_data([b], [run.val_loss[b]])
        self.norm_dot.set_data([idx], [run.weight_norm])
        self.final_dot.set_data([idx, idx], [run.train_loss[-1], run.val_loss[-1]])


class EarlyStoppingFigure(LiveFigure):
    """Left: the curves up to the stop over the full run; right: validation loss bars."""

    def __init__(self, patience: int) -> None:
        self.full = R.overfit_run(0.0)
        self.runs = {k: R.early_stopping_run(k) for k in R.PATIENCES}
        control = widgets.SelectionSlider(
            options=list(R.PATIENCES), value=patience, description="patience (epochs)"
        )
        super().__init__({"patience": control}, ncols=2, figsize=(11.0, 4.2),
                         gridspec_kw={"width_ratios": [1.8, 1.0]})  # fmt: skip

    def _build(self, ax_curve, ax_bar) -> None:
        full, epochs = self.full, np.arange(R.EPOCHS)
        fixed = ax_curve.plot(epochs, full.train_loss, "--", color=COLORS["train"], lw=1,
                              alpha=0.5, label="without early stopping")  # fmt: skip
        fixed += ax_curve.plot(epochs, full.val_loss, "--", color=COLORS["validation"], lw=1,
                               alpha=0.7)  # fmt: skip
        self.keep_static(*fixed)
        self.train, self.val = _loss_lines(ax_curve, epochs[:0], lw=2.5, suffix=" (run)")
        self.window = ax_curve.axvspan(0, 1, color=COLORS["reference"], alpha=0.25,
                                       label="patience window")  # fmt: skip
        self.stop = ax_curve.axvline(0, color=COLORS["highlight"], lw=2, label="stopped here")
        self.best = _star(ax_curve, 16, "best epoch: weights restored")
        ax_curve.set_xlim(0, R.EPOCHS - 1)
        ax_curve.set_ylim(0, 0.8)
        ax_curve.legend(loc="upper right", fontsize="small", ncols=2)
        self.curve_text = readout(ax_curve, 0.02, 0.03, va="bottom")
        style_axes(ax_curve, "fit(..., patience=k): where it stops", "epoch",
                   "binary cross-entropy")  # fmt: skip

        labels = ["at the stop\n(last weights)", "restored\n(recomputed)",
                  f"no stopping\n({R.EPOCHS} epochs)"]  # fmt: skip
        colors = [COLORS["reference"], COLORS["validation"], COLORS["reference"]]
        self.bars = ax_bar.bar([0, 1, 2], [0, 0, full.val_loss[-1]], color=colors)
        self.bar_text = [ax_bar.text(i, 0, "", ha="center", va="bottom") for i in range(3)]
        ax_bar.set_xticks([0, 1, 2], labels)
        ax_bar.set_ylim(0, 0.8)
        style_axes(ax_bar, "Validation loss", "weights", "binary cross-entropy")

    def _draw(self, patience: int) -> None:
        run = self.runs[patience]
        h = run.history
        e = np.arange(len(h.val_loss))
        self.train.set_data(e, h.train_loss)
        self.val.set_data(e, h.val_loss)
        b, s = h.best_epoch, h.stopped_epoch
        self.window.set_x(b)
        self.window.set_width(s - b)
        self.stop.set_xdata([s, s])
        self.best.set_data([b], [h.val_loss[b]])
        values = [h.val_loss[s], run.restored_val_loss, self.full.val_loss[-1]]
        for bar, text, v in zip(self.bars, self.bar_text, values, strict=True):
            bar.set_height(v)
            text.set_position((text.get_position()[0], v + 0.01))
            text.set_text(f"{v:.3f}")
        self.curve_text.set_text(f"best {b}, stopped {s} = {b} + {s - b}")
