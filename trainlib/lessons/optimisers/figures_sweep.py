"""Notebook 07's learning-rate sweep figure: each optimiser training a small MLP on the digits.

`LRSweepFigure`: final training loss (left) and validation accuracy (right) against the
learning rate, one curve per optimiser in the race's line style (means over seeds; accuracy
with ± 1 s.e. bars); the highlighted one is drawn bold, with its band of good rates shaded.
Its factory is `figures.lr_sweep_figure`; the sweep is `experiments_sweep.lr_sweep_seeds`,
computed once.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Polygon

from trainlib.lessons.optimisers import experiments_sweep as E
from trainlib.lessons.optimisers.figures_race import RACE_STYLES
from trainlib.live import LiveFigure
from trainlib.live.artists import readout
from trainlib.plot import COLORS, style_axes

__all__ = ["LRSweepFigure"]


class LRSweepFigure(LiveFigure):
    """Training loss (left) and validation accuracy (right) over the learning rates.

    The highlighted optimiser is drawn bold, with its band of good rates shaded.
    """

    def __init__(self, highlight: str) -> None:
        self.sweep = E.lr_sweep_seeds()
        self.windows = E.good_lr_window(self.sweep, E.GOOD_LOSS)
        controls = {
            "highlight": widgets.Dropdown(
                options=[n for n in self.sweep.names],
                value=highlight,
                description="highlight",
            ),
        }
        super().__init__(controls, ncols=2, figsize=(11.6, 4.4))

    def _build(self, ax_loss, ax_acc) -> None:
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
                label=f"{hide}loss ≤ {E.GOOD_LOSS:g} (highlighted)",
            )  # fmt: skip
            self.bands.append(ax.add_patch(band))
            for i, name in enumerate(sw.names):
                fmt = "".join(RACE_STYLES[name])  # the race's line style and marker
                if ax is ax_acc:  # mean ± 1 s.e. over seeds
                    bars = ax.errorbar(sw.lrs, data[i], yerr=sw.val_acc_se[i], fmt=fmt,
                                       color=COLORS[name], ms=5, capsize=3,
                                       label=hide + name)  # fmt: skip
                    self.curves[name].extend([bars.lines[0], *bars.lines[2]])
                    continue
                (line,) = ax.plot(sw.lrs, data[i], fmt, color=COLORS[name], ms=5,
                                  label=hide + name)  # fmt: skip
                self.curves[name].append(line)
            bad = np.argwhere(sw.diverged)  # drawn at the top (a diverged loss is +inf)
            crosses = ax.plot(sw.lrs[bad[:, 1]], data[bad[:, 0], bad[:, 1]], "x",
                              color="black", ms=9, mew=2)  # fmt: skip
            self.keep_static(*crosses)
        threshold = ax_loss.plot(sw.lrs[[0, -1]], [E.GOOD_LOSS] * 2, "--",
                                 color=COLORS["reference"], lw=1.2)  # fmt: skip
        widths = "\n".join(f"{n:<13}{w:g}" for n, w in self.windows.items())
        box = readout(ax_loss, 0.03, 0.03, va="bottom", family="monospace")
        box.set_text(f"decades of α with\nloss ≤ {E.GOOD_LOSS:g}:\n{widths}")
        self.keep_static(*threshold, box)
        ax_loss.set_yscale("log")
        ax_loss.set_ylim(0.02, 10.0)
        ax_acc.set_ylim(0.0, 1.0)
        handles, labels = ax_acc.get_legend_handles_labels()  # + the left panel's threshold
        handles.append(threshold[0])
        labels.append(f"loss {E.GOOD_LOSS:g}: threshold\nof a good rate (left)")
        ax_acc.legend(handles, labels, loc="center left", bbox_to_anchor=(1.01, 0.5),
                      fontsize="small")  # fmt: skip
        seeds = f"{sw.n_seeds}-seed mean"
        style_axes(ax_loss, f"Final training loss (8 epochs, {seeds})", "learning rate α (log)",
                   "training cross-entropy (log)")  # fmt: skip
        style_axes(ax_acc, f"Validation accuracy ({sw.n_val} digits, ± 1 s.e.)",
                   "learning rate α (log)", "accuracy")  # fmt: skip

    def _draw(self, highlight: str) -> None:
        for name, lines in self.curves.items():
            for line in lines:
                line.set_linewidth(3.0 if name == highlight else 1.3)
                line.set_alpha(1.0 if name == highlight else 0.45)
                line.set_zorder(3 if name == highlight else 2)
        band = E.good_lr_band(self.sweep, highlight, E.GOOD_LOSS)
        lo, hi = band if band is not None else (1.0, 1.0)
        for patch in self.bands:
            patch.set_xy([[lo, 0], [lo, 1], [hi, 1], [hi, 0]])
            patch.set_visible(band is not None)
