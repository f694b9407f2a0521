"""Notebook 09's live figures: overfitting and five ways to rein it in (claims C40–C44).

- `weight_decay_figure`: the 40-point moons problem trained with AdamW for each weight
  decay λ (precomputed); decision boundary, train/validation curves, ‖W‖ and final losses.
- `dropout_figure`: one layer's activations through Dropout(p), train vs eval mode, one
  pass and the average of many; the 1/(1 − p) scaling can be switched off.
- `batchnorm_figure`: pre-activation histograms of a deep ReLU MLP with and without BN.
- `augmentation_figure`: digits trained with and without shifted/noisy copies.
- `early_stopping_figure`: fit with patience k (precomputed per k): where it stops, what
  it restores.
The numbers come from `experiments`; every run is computed once, at construction.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FormatStrFormatter, NullLocator

from trainlib.lessons.regularisation import experiments as R
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, OKABE_ITO, style_axes

_BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "frameon": False}
_BOUNDARY_LEVELS = np.linspace(0.0, 1.0, 6)


def _readout(ax, x: float, y: float, **kw):
    """A live text box in axes coordinates for numbers that change with the controls."""
    kw = {"ha": "left", "va": "top", **kw}
    return ax.text(
        x,
        y,
        "",
        transform=ax.transAxes,
        fontsize="small",
        zorder=6,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        **kw,
    )


def _plain_log_ticks(ax) -> None:
    """Log-axis ticks as plain numbers (0.1, 1, 10), no minor ticks: cheap to lay out."""
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))


def _lambda_label(wd: float) -> str:
    return "0" if wd == 0 else f"{wd:g}"


def _moons_scatter(ax) -> list:
    """The 40 training points, coloured by class (static)."""
    X, y, _, _ = R.moons_problem()
    y = y[:, 0]
    a = ax.scatter(
        *X[y == 0].T,
        s=24,
        color=OKABE_ITO["blue"],
        edgecolor="black",
        lw=0.7,
        zorder=3,
        label="class 0 (train)",
    )
    b = ax.scatter(
        *X[y == 1].T,
        s=24,
        color=OKABE_ITO["vermillion"],
        edgecolor="black",
        lw=0.7,
        marker="s",
        zorder=3,
        label="class 1 (train)",
    )
    return [a, b]


# =========================================================================================
# C40: weight decay
# =========================================================================================


@register
def weight_decay_figure(weight_decay: float = 0.0):
    """Weight decay λ slider: boundary, curves, weight norm and final losses (C40)."""
    return WeightDecayFigure(weight_decay)


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
        xs, ys, _ = R.grid_points()
        self.maps = {}
        for run in self.runs:  # one filled contour per λ, shown one at a time
            cs = ax_map.contourf(
                xs, ys, run.grid_prob, levels=_BOUNDARY_LEVELS, cmap="RdBu_r", alpha=0.45, zorder=1
            )
            line = ax_map.contour(
                xs, ys, run.grid_prob, levels=[0.5], colors="black", linewidths=1.5, zorder=2
            )
            self.maps[run.weight_decay] = (cs, line)
        self.keep_static(*_moons_scatter(ax_map))
        ax_map.set_xlim(xs[0], xs[-1])
        ax_map.set_ylim(ys[0], ys[-1])
        ax_map.legend(loc="lower left", fontsize="small")
        style_axes(ax_map, "Predicted probability of class 1; black: 0.5", "x₁", "x₂", grid=False)

        epochs = np.arange(R.EPOCHS)  # 0-based, as fit's best_epoch
        (self.train,) = ax_curve.plot(
            epochs, epochs * 0.0, color=COLORS["train"], lw=2, label="training loss"
        )
        (self.val,) = ax_curve.plot(
            epochs, epochs * 0.0, color=COLORS["validation"], lw=2, label="validation loss"
        )
        (self.best,) = ax_curve.plot(
            [],
            [],
            "*",
            color=COLORS["validation"],
            ms=12,
            mec="black",
            label="lowest validation loss",
        )
        ax_curve.set_xlim(0, R.EPOCHS - 1)
        ax_curve.set_ylim(0.0, 1.0)
        ax_curve.legend(loc="upper center", fontsize="small", ncols=2)
        style_axes(ax_curve, "Loss per epoch", "epoch", "binary cross-entropy")

        k = np.arange(len(self.runs))
        labels = [_lambda_label(r.weight_decay) for r in self.runs]
        norms = [r.weight_norm for r in self.runs]
        fixed = ax_norm.plot(
            k, norms, "o-", color=COLORS["AdamW"], lw=2, label="‖W‖ after training"
        )
        (self.norm_dot,) = ax_norm.plot(
            [], [], "o", color=COLORS["highlight"], ms=13, mfc="none", mew=2.5, label="your λ"
        )
        ax_norm.set_xticks(k, labels)
        ax_norm.set_ylim(0, 1.12 * max(norms))
        ax_norm.legend(loc="upper right", fontsize="small")
        style_axes(ax_norm, "Weight norm falls as λ grows", "weight decay λ", "‖W‖ (all weights)")

        tr = [r.train_loss[-1] for r in self.runs]
        va = [r.val_loss[-1] for r in self.runs]
        fixed += ax_final.plot(k, tr, "o-", color=COLORS["train"], lw=2, label="training")
        fixed += ax_final.plot(k, va, "s-", color=COLORS["validation"], lw=2, label="validation")
        (self.final_dot,) = ax_final.plot(
            [], [], "o", color=COLORS["highlight"], ms=13, mfc="none", mew=2.5, label="your λ"
        )
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


# =========================================================================================
# C41: dropout
# =========================================================================================


@register
def dropout_figure(p: float = 0.5, inverted: bool = True, draw: int = 0):
    """Dropout(p) on one layer's activations: one pass vs the average of many (C41)."""
    return DropoutFigure(p, inverted, draw)


class DropoutFigure(LiveFigure):
    """Left: eval output and one train-mode pass; right: the average of 2000 passes."""

    def __init__(self, p: float, inverted: bool, draw: int) -> None:
        controls = {
            "p": widgets.FloatSlider(
                value=p, min=0.0, max=0.8, step=0.05, description="drop probability p"
            ),
            "inverted": widgets.Checkbox(
                value=inverted, description="scale survivors by 1/(1 − p)"
            ),
            "draw": widgets.IntSlider(value=draw, min=0, max=19, description="train-mode pass #"),
        }
        super().__init__(controls, ncols=2, figsize=(10.5, 4.0))

    def _build(self, ax_one, ax_avg) -> None:
        h = R.DROPOUT_UNITS
        units = np.arange(1, len(h) + 1)
        w = 0.4
        eval_one = ax_one.bar(
            units - w / 2, h, w, color=COLORS["reference"], label="eval mode: h (unchanged)"
        )
        # one collection of thick vertical segments: far cheaper to redraw than 10 bars
        self.one = ax_one.vlines(
            units + w / 2, 0, h, color=COLORS["train"], lw=11, label="train mode: one pass"
        )
        (self.dropped,) = ax_one.plot(
            [], [], "x", color=COLORS["highlight"], ms=9, mew=2.5, label="dropped (set to 0)"
        )
        ax_one.set_ylim(0, 10.5)  # room for 2.0 × 1/(1 − 0.8) = 10
        ax_one.set_xticks(units)
        ax_one.legend(loc="upper left", fontsize="small")
        self.one_text = _readout(ax_one, 0.98, 0.98, ha="right")
        style_axes(ax_one, "One forward pass: eval vs train mode", "hidden unit", "activation")

        eval_avg = ax_avg.bar(
            units, h, 0.7, color=COLORS["reference"], alpha=0.5, label="eval mode: h"
        )
        self.avg = ax_avg.errorbar(
            units,
            h,
            yerr=0 * h,
            fmt="o",
            color=COLORS["train"],
            ms=7,
            capsize=3,
            label=f"train mode: mean of {R.DROPOUT_SAMPLES} passes ± 2 SE",
        )
        self.keep_static(*eval_one, *eval_avg)
        ax_avg.set_ylim(0, 2.6)
        ax_avg.set_xticks(units)
        ax_avg.legend(loc="upper left", fontsize="small")
        self.avg_text = _readout(ax_avg, 0.98, 0.98, ha="right")
        style_axes(ax_avg, "Train mode on average", "hidden unit", "activation")

    def _draw(self, p: float, inverted: bool, draw: int) -> None:
        h = R.DROPOUT_UNITS
        one = R.dropout_samples(h, p, 1, rng=np.random.default_rng([1, draw]), inverted=inverted)[0]
        units = np.arange(1, len(h) + 1)
        x = units + 0.2
        self.one.set_segments(np.stack([np.column_stack([x, 0 * x]), np.column_stack([x, one])], 1))
        gone = one == 0
        self.dropped.set_data(units[gone] + 0.2, np.zeros(gone.sum()) + 0.15)
        kept = int((~gone).sum())
        factor = f"×{1 / (1 - p):.3g}" if inverted else "unscaled"
        self.one_text.set_text(f"{len(one) - kept} dropped, rest {factor}")

        many = R.dropout_samples(
            h, p, R.DROPOUT_SAMPLES, rng=np.random.default_rng(2), inverted=inverted
        )
        mean = many.mean(axis=0)
        se = many.std(axis=0) / np.sqrt(len(many))
        _set_errorbar(self.avg, units, mean, 2 * se)
        ratio = mean.sum() / h.sum()
        self.avg_text.set_text(f"average = {ratio:.3f} × h")


def _set_errorbar(container, x: np.ndarray, y: np.ndarray, err: np.ndarray) -> None:
    """Move an errorbar container (markers, caps, bars) to new values in place."""
    line, caps, bars = container.lines
    line.set_data(x, y)
    if caps:
        caps[0].set_data(x, y - err)
        caps[1].set_data(x, y + err)
    bars[0].set_segments(
        np.stack([np.column_stack([x, y - err]), np.column_stack([x, y + err])], 1)
    )


# =========================================================================================
# C42: batch normalisation
# =========================================================================================

_DEPTH = 6
_HIST_LIM = 4.0
_EDGES = np.linspace(-_HIST_LIM, _HIST_LIM, 41)


@register
def batchnorm_figure(layer: int = 6, scale: float = 1.5):
    """Pre-activation histograms of a deep ReLU MLP with and without batch norm (C42)."""
    return BatchNormFigure(layer, scale)


class BatchNormFigure(LiveFigure):
    """Histogram at layer l | per-feature (mean, std) at layer l | std per layer."""

    def __init__(self, layer: int, scale: float) -> None:
        controls = {
            "layer": widgets.IntSlider(value=layer, min=1, max=_DEPTH, description="layer l"),
            "scale": widgets.FloatSlider(
                value=scale, min=0.5, max=2.0, step=0.1, description="initial weights × (1 = He)"
            ),
        }
        super().__init__(controls, ncols=3, figsize=(11.6, 4.0))

    def _build(self, ax_hist, ax_feat, ax_depth) -> None:
        zeros = np.zeros(len(_EDGES) - 1)
        self.h_plain = ax_hist.stairs(
            zeros,
            _EDGES,
            fill=True,
            color=COLORS["reference"],
            alpha=0.6,
            label="without BN: z = hW + b",
        )
        self.h_bn = ax_hist.stairs(
            zeros, _EDGES, color=COLORS["highlight"], lw=2.2, label="with BN: BN(hW), train mode"
        )
        ax_hist.set_xlim(-_HIST_LIM, _HIST_LIM)
        ax_hist.set_ylim(0, 0.9)
        ax_hist.legend(**_BELOW)
        self.hist_text = _readout(ax_hist, 0.02, 0.98)
        style_axes(ax_hist, "Pre-activations of layer l", "pre-activation value", "density")

        self.f_plain = ax_feat.scatter([], [], s=18, color=COLORS["reference"], label="without BN")
        self.f_bn = ax_feat.scatter(
            [], [], s=40, color=COLORS["highlight"], marker="x", label="with BN"
        )
        ax_feat.axhline(1.0, color="black", lw=0.8, ls=":")
        ax_feat.axvline(0.0, color="black", lw=0.8, ls=":")
        ax_feat.set_xlim(-6, 12)
        ax_feat.set_yscale("log")
        _plain_log_ticks(ax_feat)
        ax_feat.set_ylim(0.1, 50)
        ax_feat.legend(**_BELOW, ncols=2)
        style_axes(
            ax_feat,
            "Each feature's batch mean and std",
            "mean over the batch",
            "std over the batch (log)",
        )

        depth = np.arange(1, _DEPTH + 1)
        (self.d_plain,) = ax_depth.plot(
            depth, depth * 1.0, "o-", color=COLORS["reference"], lw=2, label="without BN"
        )
        (self.d_bn,) = ax_depth.plot(
            depth, depth * 1.0, "x-", color=COLORS["highlight"], lw=2, ms=8, mew=2, label="with BN"
        )
        (self.d_mark,) = ax_depth.plot(
            [], [], "o", color="black", ms=14, mfc="none", mew=1.5, label="layer l"
        )
        ax_depth.set_yscale("log")
        _plain_log_ticks(ax_depth)
        ax_depth.set_ylim(0.05, 200)
        ax_depth.set_xticks(depth)
        ax_depth.legend(**_BELOW, ncols=3)
        style_axes(
            ax_depth,
            "Spread of the pre-activations by layer",
            "layer",
            "mean per-feature std (log)",
        )

    def _draw(self, layer: int, scale: float) -> None:
        plain = R.preactivations(False, scale, depth=_DEPTH)
        bn = R.preactivations(True, scale, depth=_DEPTH)
        zp, zb = plain[layer - 1], bn[layer - 1]
        for stairs, z in ((self.h_plain, zp), (self.h_bn, zb)):
            clipped = np.clip(z.ravel(), _EDGES[0] + 1e-9, _EDGES[-1] - 1e-9)
            counts, _ = np.histogram(clipped, _EDGES, density=True)
            stairs.set_data(counts)
        outside = float(np.mean(np.abs(zp) > _HIST_LIM))
        self.hist_text.set_text(f"std {zp.std():.3g} → {zb.std():.2f}; {outside:.0%} off-axis")
        self.f_plain.set_offsets(np.column_stack([zp.mean(0), np.maximum(zp.std(0), 0.1)]))
        self.f_bn.set_offsets(np.column_stack([zb.mean(0), zb.std(0)]))
        sp = [z.std(0).mean() for z in plain]
        sb = [z.std(0).mean() for z in bn]
        self.d_plain.set_ydata(sp)
        self.d_bn.set_ydata(sb)
        self.d_mark.set_data([layer], [sp[layer - 1]])


# =========================================================================================
# C43: data augmentation
# =========================================================================================

_N_SHOW = 6


@register
def augmentation_figure(augment: bool = True):
    """Digits with and without augmentation: what the network sees, and the accuracy (C43)."""
    return AugmentationFigure(augment)


class AugmentationFigure(LiveFigure):
    """Top: a few training images as fed to the network; bottom: accuracy per epoch."""

    def __init__(self, augment: bool) -> None:
        self.runs = {a: R.digits_run(a) for a in (False, True)}
        X, _, _, _, _ = R.digits_problem()
        self.originals = X[:_N_SHOW]
        self.variants = R.augment_digits(self.originals, rng=np.random.default_rng(7))
        control = widgets.Checkbox(
            value=augment, description="augment: shift ±1 pixel + noise, new every epoch"
        )
        super().__init__(
            {"augment": control},
            ncols=2,
            figsize=(11.0, 4.2),
            gridspec_kw={"width_ratios": [1.0, 1.35]},
        )

    @staticmethod
    def _mosaic(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        """Two rows of 8×8 images with one-pixel gaps (NaN, drawn blank)."""
        out = np.full((17, 9 * _N_SHOW - 1), np.nan)
        for i in range(_N_SHOW):
            out[:8, 9 * i : 9 * i + 8] = top[i].reshape(8, 8)
            out[9:, 9 * i : 9 * i + 8] = bottom[i].reshape(8, 8)
        return out

    def _build(self, ax_img, ax_acc) -> None:
        cmap = "gray_r"
        self.image = self.make_live(
            ax_img.imshow(self._mosaic(self.originals, self.originals), cmap=cmap, vmin=0, vmax=1)
        )
        ax_img.set_xticks([])
        ax_img.set_yticks([3.5, 12.5], ["original", "fed to\nthe net"])
        style_axes(
            ax_img,
            "Top: originals; bottom: what the net is fed",
            "six training images",
            "row",
            grid=False,
        )

        epochs = np.arange(1, R.DIGITS_EPOCHS + 1)
        z = epochs * 0.0
        self.lines = {}
        styles = {
            "train": (COLORS["train"], "-", "train (original images)"),
            "val": (COLORS["validation"], "-", "validation, centred"),
            "shifted": (OKABE_ITO["bluish green"], "-", "validation, shifted ±1 px"),
        }
        for key, (color, ls, label) in styles.items():
            (self.lines[key],) = ax_acc.plot(epochs, z, ls, color=color, lw=2.2, label=label)
            (self.lines["other_" + key],) = ax_acc.plot(epochs, z, ":", color=color, lw=1.5)
        ax_acc.plot([], [], ":", color="black", lw=1.5, label="dotted: the other setting")
        ax_acc.set_xlim(1, R.DIGITS_EPOCHS)
        ax_acc.set_ylim(0.0, 1.02)
        ax_acc.legend(loc="lower right", fontsize="small")
        self.acc_text = _readout(ax_acc, 0.02, 0.98)
        style_axes(ax_acc, "Accuracy per epoch (150 training images)", "epoch", "accuracy")

    def _draw(self, augment: bool) -> None:
        shown = self.variants if augment else self.originals
        self.image.set_data(self._mosaic(self.originals, shown))
        run, other = self.runs[augment], self.runs[not augment]
        for key, attr in (
            ("train", "train_acc"),
            ("val", "val_acc"),
            ("shifted", "val_acc_shifted"),
        ):
            self.lines[key].set_ydata(getattr(run, attr))
            self.lines["other_" + key].set_ydata(getattr(other, attr))
        self.acc_text.set_text(
            f"val: {run.val_acc[-1]:.1%} centred, {run.val_acc_shifted[-1]:.1%} shifted"
        )


# =========================================================================================
# C44: early stopping
# =========================================================================================


@register
def early_stopping_figure(patience: int = 10):
    """fit with early stopping: patience slider, where it stops and what it restores (C44)."""
    return EarlyStoppingFigure(patience)


class EarlyStoppingFigure(LiveFigure):
    """Left: the curves up to the stop over the full run; right: validation loss bars."""

    def __init__(self, patience: int) -> None:
        self.full = R.overfit_run(0.0)
        self.runs = {k: R.early_stopping_run(k) for k in R.PATIENCES}
        control = widgets.SelectionSlider(
            options=list(R.PATIENCES), value=patience, description="patience (epochs)"
        )
        super().__init__(
            {"patience": control},
            ncols=2,
            figsize=(11.0, 4.2),
            gridspec_kw={"width_ratios": [1.8, 1.0]},
        )

    def _build(self, ax_curve, ax_bar) -> None:
        full = self.full
        epochs = np.arange(R.EPOCHS)
        fixed = ax_curve.plot(
            epochs,
            full.train_loss,
            "--",
            color=COLORS["train"],
            lw=1,
            alpha=0.5,
            label="without early stopping",
        )
        fixed += ax_curve.plot(
            epochs, full.val_loss, "--", color=COLORS["validation"], lw=1, alpha=0.7
        )
        self.keep_static(*fixed)
        (self.train,) = ax_curve.plot(
            [], [], color=COLORS["train"], lw=2.5, label="training loss (run)"
        )
        (self.val,) = ax_curve.plot(
            [], [], color=COLORS["validation"], lw=2.5, label="validation loss (run)"
        )
        self.window = ax_curve.axvspan(
            0, 1, color=COLORS["reference"], alpha=0.25, label="patience window"
        )
        self.stop = ax_curve.axvline(0, color=COLORS["highlight"], lw=2, label="stopped here")
        (self.best,) = ax_curve.plot(
            [],
            [],
            "*",
            color=COLORS["validation"],
            ms=16,
            mec="black",
            label="best epoch: weights restored",
        )
        ax_curve.set_xlim(0, R.EPOCHS - 1)
        ax_curve.set_ylim(0, 0.8)
        ax_curve.legend(loc="upper right", fontsize="small", ncols=2)
        self.curve_text = _readout(ax_curve, 0.02, 0.03, va="bottom")
        style_axes(
            ax_curve, "fit(..., patience=k): where it stops", "epoch", "binary cross-entropy"
        )

        labels = [
            "at the stop\n(last weights)",
            "restored\n(recomputed)",
            f"no stopping\n({R.EPOCHS} epochs)",
        ]
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
