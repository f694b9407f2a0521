"""Notebook 09's figures of the regularising layers: dropout (C41) and batch norm (C42).

- `DropoutFigure`: one layer's activations through Dropout(p), train vs eval mode, one pass
  and the average of many; the 1/(1 − p) scaling can be switched off.
- `BatchNormFigure`: pre-activation histograms of a deep ReLU MLP with and without BN.

Their factories are in `figures.py`; the numbers come from `experiments`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.regularisation import experiments as R
from trainlib.live import LiveFigure
from trainlib.live.artists import plain_log_ticks, readout, set_errorbar
from trainlib.plot import COLORS, style_axes

__all__ = ["BatchNormFigure", "DropoutFigure"]

#: Axis limits of the per-feature panel (mean, std) and the std of the depth panel.
_FEAT_X = (-6.0, 12.0)
_STD_Y = (0.005, 200.0)
_BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "frameon": False}


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
        eval_one = ax_one.bar(units - w / 2, h, w, color=COLORS["reference"],
                              label="eval mode: h (unchanged)")  # fmt: skip
        # one collection of thick vertical segments: far cheaper to redraw than 10 bars
        self.one = ax_one.vlines(units + w / 2, 0, h, color=COLORS["train"], lw=11,
                                 label="train mode: one pass")  # fmt: skip
        (self.dropped,) = ax_one.plot([], [], "x", color=COLORS["highlight"], ms=9, mew=2.5,
                                      label="dropped (set to 0)")  # fmt: skip
        ax_one.set_ylim(0, 10.5)  # room for 2.0 × 1/(1 − 0.8) = 10
        self.one_text = readout(ax_one, 0.98, 0.98, ha="right")
        style_axes(ax_one, "One forward pass: eval vs train mode", "hidden unit", "activation")

        eval_avg = ax_avg.bar(units, h, 0.7, color=COLORS["reference"], alpha=0.5,
                              label="eval mode: h")  # fmt: skip
        mean_label = f"train mode: mean of {R.DROPOUT_SAMPLES} passes ± 2 SE"
        self.avg = ax_avg.errorbar(units, h, yerr=0 * h, fmt="o", color=COLORS["train"], ms=7,
                                   capsize=3, label=mean_label)  # fmt: skip
        self.keep_static(*eval_one, *eval_avg)
        ax_avg.set_ylim(0, 2.6)
        self.avg_text = readout(ax_avg, 0.98, 0.98, ha="right")
        style_axes(ax_avg, "Train mode on average", "hidden unit", "activation")
        for ax in (ax_one, ax_avg):
            ax.set_xticks(units)
            ax.legend(loc="upper left", fontsize="small")

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

        mean, se = R.dropout_average(h, p, rng=np.random.default_rng(2), inverted=inverted)
        set_errorbar(self.avg, units, mean, 2 * se)
        self.avg_text.set_text(f"average = {mean.sum() / h.sum():.3f} × h")


class BatchNormFigure(LiveFigure):
    """Histogram at layer l | per-feature (mean, std) at layer l | std per layer."""

    def __init__(self, layer: int, scale: float) -> None:
        controls = {
            "layer": widgets.IntSlider(value=layer, min=1, max=R.BN_DEPTH, description="layer l"),
            "scale": widgets.FloatSlider(
                value=scale, min=0.5, max=2.0, step=0.1, description="initial weights × (1 = He)"
            ),
        }
        super().__init__(controls, ncols=3, figsize=(11.6, 4.0))

    def _build(self, ax_hist, ax_feat, ax_depth) -> None:
        edges, lim = R.HIST_EDGES, R.HIST_LIMIT
        zeros = np.zeros(len(edges) - 1)
        self.h_plain = ax_hist.stairs(zeros, edges, fill=True, color=COLORS["reference"],
                                      alpha=0.6, label="without BN: z = hW + b")  # fmt: skip
        self.h_bn = ax_hist.stairs(zeros, edges, color=COLORS["highlight"], lw=2.2,
                                   label="with BN: BN(hW), train mode")  # fmt: skip
        ax_hist.set_xlim(-lim, lim)
        ax_hist.set_ylim(0, 0.9)
        ax_hist.legend(**_BELOW)
        self.hist_text = readout(ax_hist, 0.02, 0.98)
        style_axes(ax_hist, "Pre-activations of layer l", "pre-activation value", "density")

        self.f_plain = ax_feat.scatter([], [], s=18, color=COLORS["reference"], label="without BN")
        self.f_bn = ax_feat.scatter([], [], s=40, color=COLORS["highlight"], marker="x",
                                    label="with BN")  # fmt: skip
        ax_feat.axhline(1.0, color="black", lw=0.8, ls=":")
        ax_feat.axvline(0.0, color="black", lw=0.8, ls=":")
        ax_feat.set_xlim(*_FEAT_X)
        ax_feat.set_yscale("log")
        plain_log_ticks(ax_feat)
        ax_feat.set_ylim(*_STD_Y)
        ax_feat.legend(**_BELOW, ncols=2)
        self.feat_text = readout(ax_feat, 0.02, 0.98)
        style_axes(ax_feat, "Each feature's batch mean and std", "mean over the batch",
                   "std over the batch (log)")  # fmt: skip

        depth = np.arange(1, R.BN_DEPTH + 1)
        (self.d_plain,) = ax_depth.plot(depth, depth * 1.0, "o-", color=COLORS["reference"],
                                        lw=2, label="without BN")  # fmt: skip
        (self.d_bn,) = ax_depth.plot(depth, depth * 1.0, "x-", color=COLORS["highlight"], lw=2,
                                     ms=8, mew=2, label="with BN")  # fmt: skip
        (self.d_mark,) = ax_depth.plot([], [], "o", color="black", ms=14, mfc="none", mew=1.5,
                                       label="layer l")  # fmt: skip
        ax_depth.set_yscale("log")
        plain_log_ticks(ax_depth)
        ax_depth.set_ylim(*_STD_Y)
        ax_depth.set_xticks(depth)
        ax_depth.legend(**_BELOW, ncols=3, columnspacing=1.0)  # fits under its axes
        style_axes(ax_depth, "Spread of pre-activations by layer", "layer",
                   "mean per-feature std (log)")  # fmt: skip

    def _draw(self, layer: int, scale: float) -> None:
        plain = R.preactivations(False, scale, depth=R.BN_DEPTH)
        bn = R.preactivations(True, scale, depth=R.BN_DEPTH)
        zp, zb = plain[layer - 1], bn[layer - 1]
        self.h_plain.set_data(R.clipped_histogram(zp))
        self.h_bn.set_data(R.clipped_histogram(zb))
        outside = float(np.mean(np.abs(zp) > R.HIST_LIMIT))
        spread = f"{zp.std(axis=0).mean():.3g} → {zb.std(axis=0).mean():.2f}"  # as panel 3
        self.hist_text.set_text(f"per-feature std {spread}\n{outside:.0%} off-axis")
        mean, std = zp.mean(0), zp.std(0)
        inside = (
            (mean >= _FEAT_X[0]) & (mean <= _FEAT_X[1]) & (std >= _STD_Y[0]) & (std <= _STD_Y[1])
        )
        self.f_plain.set_offsets(np.column_stack([np.clip(mean, *_FEAT_X), np.clip(std, *_STD_Y)]))
        self.feat_text.set_text(
            f"without BN: {len(mean) - int(inside.sum())} of {len(mean)} off-axis (at the edge)"
        )
        self.f_bn.set_offsets(np.column_stack([zb.mean(0), zb.std(0)]))
        sp = R.spread_by_layer(plain)
        self.d_plain.set_ydata(sp)
        self.d_bn.set_ydata(R.spread_by_layer(bn))
        self.d_mark.set_data([layer], [sp[layer - 1]])
