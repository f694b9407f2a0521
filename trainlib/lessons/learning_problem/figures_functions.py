"""Notebook 01's figures of C1 and C2: a network is a function, and training fits it.

random_functions_figure — untrained networks are random functions (C1).
train_val_figure        — training lowers the training loss; the held-out loss is separate (C2).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem.experiments import SINE_NOISE, snapshot_curves
from trainlib.lessons.learning_problem.figures_common import SEED_COLORS, readout
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

# =========================================================================================
# C1: an untrained network is a random function
# =========================================================================================


@register
def random_functions_figure(
    seed: int = 0,
    width: int = 32,
    depth: int = 3,
    init_scale: float = 1.5,
    relu: bool = False,
):
    """Five untrained MLPs (seeds seed … seed+4) drawn as the functions f(x) they compute."""
    return RandomFunctionsFigure(seed, width, depth, init_scale, relu)


class RandomFunctionsFigure(LiveFigure):
    """f(x) of five freshly initialised networks of the chosen shape and initial scale."""

    N_NETS = 5
    X = np.linspace(-3.0, 3.0, 241)

    def __init__(self, seed, width, depth, init_scale, relu) -> None:
        controls = {
            "seed": widgets.IntSlider(seed, min=0, max=50, description="first random seed"),
            "width": widgets.IntSlider(width, min=1, max=64, description="hidden width H"),
            "depth": widgets.IntSlider(depth, min=1, max=6, description="hidden layers"),
            "init_scale": widgets.FloatSlider(
                init_scale,
                min=0.0,
                max=3.0,
                step=0.1,
                description="initial weight scale (× Glorot/He)",
            ),  # fmt: skip
            "relu": widgets.ToggleButtons(
                options=[("tanh", False), ("ReLU", True)], value=relu, description="activation"
            ),
        }
        super().__init__(controls, figsize=(9.0, 4.0))

    def _build(self, ax) -> None:
        self.lines = [
            ax.plot([], [], color=c, lw=2, label=f"network {i + 1}")[0]
            for i, c in enumerate(SEED_COLORS)
        ]
        self.readout = readout(ax, x=0.02, y=0.98)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-4, 4.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
        style_axes(ax, "Untrained networks: five random functions", "input x", "output f(x)")

    def _draw(self, seed, width, depth, init_scale, relu) -> None:
        sizes = [1] + [width] * depth + [1]
        seeds = range(seed, seed + self.N_NETS)
        activation = "relu" if relu else "tanh"
        F = ls.random_functions(self.X, sizes, seeds, activation=activation, init_scale=init_scale)
        for line, f in zip(self.lines, F, strict=True):
            line.set_data(self.X, f)
        spread = float(np.mean(np.std(F, axis=1)))
        differ = float(np.max(np.std(F, axis=0)))
        if spread == 0.0 and differ == 0.0:
            text = "scale 0: every network is f(x) = 0, the same constant function"
        else:
            text = (
                f"mean std over x (how much each f varies): {spread:.3g}\n"
                f"largest std across the 5 networks at one x: {differ:.3g}"
            )
        self.readout.set_text(text)


# =========================================================================================
# C2: train on one set, judge on another
# =========================================================================================


@register
def train_val_figure(epoch: int = 200, show_val: bool = True):
    """A tanh MLP fitted to 16 noisy points; scrub through training, held-out loss beside it."""
    return TrainValFigure(epoch, show_val)


class TrainValFigure(LiveFigure):
    """Left: data and the network's function after `epoch` epochs. Right: both loss curves."""

    XS = np.linspace(-3.2, 3.2, 161)

    def __init__(self, epoch, show_val) -> None:
        self.run = r = ls.train_sine_net()
        # f(XS) and (training loss, validation loss) on the full sets, of each snapshot
        self.preds, self.exact = snapshot_curves(self.XS)
        every = int(r.snapshot_epochs[1] - r.snapshot_epochs[0])
        controls = {
            "epoch": widgets.IntSlider(
                epoch,
                min=0,
                max=int(r.snapshot_epochs[-1]),
                step=every,
                description="epochs of training",
            ),  # fmt: skip
            "show_val": widgets.Checkbox(
                show_val, description="show the validation points (never trained on)"
            ),
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.0))

    def _build(self, ax_fit, ax_loss) -> None:
        r = self.run
        train = ax_fit.scatter(
            r.X_train[:, 0], r.y_train[:, 0], color=COLORS["train"], s=30, zorder=4,
            label="training points",
        )  # fmt: skip
        self.val_pts = ax_fit.scatter(
            r.X_val[:, 0], r.y_val[:, 0], facecolors="none", edgecolors=COLORS["validation"],
            s=40, lw=1.8, zorder=4, label="validation points",
        )  # fmt: skip
        truth = ax_fit.plot(
            self.XS, np.sin(1.5 * self.XS), ls=":", color=COLORS["reference"], label="sin(1.5x)"
        )
        (self.fit_line,) = ax_fit.plot([], [], color=COLORS["data"], lw=2.2, label="network f(x)")
        self.keep_static(train, *truth)
        ax_fit.set_xlim(self.XS[0], self.XS[-1])
        ax_fit.set_ylim(-2.2, 2.2)
        ax_fit.legend(loc="lower right", fontsize="small", ncols=2)
        style_axes(ax_fit, "The network's function f(x)", "input x", "target y")

        ep = np.arange(1, len(r.train_loss) + 1)
        curves = [
            ax_loss.plot(ep, r.train_loss, color=COLORS["train"], lw=1.6,
                         label="training loss (fit minimises this)")[0],
            ax_loss.plot(ep, r.val_loss, color=COLORS["validation"], lw=1.6,
                         label="validation loss (held out)")[0],
        ]  # fmt: skip
        floor = ax_loss.axhline(SINE_NOISE**2, color=COLORS["data"], lw=1.2, ls=":",
                                label=f"noise floor σ² = {SINE_NOISE**2:.2f}")  # fmt: skip
        self.keep_static(*curves, floor)
        self.marker = ax_loss.axvline(0, color=COLORS["reference"], lw=1.5, ls="--")
        self.readout = readout(ax_loss, x=0.35)
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, len(ep))
        lo = min(r.train_loss.min(), r.val_loss.min(), SINE_NOISE**2)
        hi = max(r.train_loss.max(), r.val_loss.max())
        ax_loss.set_ylim(lo * 0.7, hi * 1.5)
        ax_loss.legend(loc="lower left", fontsize="small")
        style_axes(ax_loss, "Mean squared error per epoch", "epoch", "MSE (log scale)")

    def _draw(self, epoch, show_val) -> None:
        s = int(np.searchsorted(self.run.snapshot_epochs, epoch))
        self.fit_line.set_data(self.XS, self.preds[s])
        self.val_pts.set_visible(show_val)
        self.marker.set_xdata([epoch, epoch])
        tr, va = self.exact[s]
        self.readout.set_text(
            f"after epoch {epoch}:\ntraining loss {tr:.3f}\nvalidation loss {va:.3f}"
        )
