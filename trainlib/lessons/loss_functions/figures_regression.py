"""Notebook 02's regression figure: a line fitted under MSE, MAE and Huber(δ), one outlier
pushed away (C8, C9, C12)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.loss_functions import experiments as R
from trainlib.lessons.loss_functions import figure_data as F
from trainlib.lessons.loss_functions.figure_data import FIT_LOSSES, OUTLIER_GRID
from trainlib.lessons.loss_functions.figures_common import mae_jump, set_pieces
from trainlib.live import LiveFigure, register
from trainlib.live.readout import Readout
from trainlib.plot import COLORS, style_axes

__all__ = ["OutlierFit", "outlier_fit"]

FIT_TABLE = "slope shift\n" + "\n".join(f"{k:<5}  {{:<6}}" for k in FIT_LOSSES)
OUTLIER_YMAX = 14.0  # top of the data axes; a bigger outlier is pinned there, with its value


@register
def outlier_fit(outlier: float = 20.0, delta: float = 1.0):
    """A line fitted under MSE, MAE and Huber(δ) while one point is pushed away."""
    return OutlierFit(outlier, delta)


class OutlierFit(LiveFigure):
    """Data and the three fitted lines (left); ℓ(e) (middle); ℓ'(e), the pull (right)."""

    def __init__(self, outlier: float, delta: float) -> None:
        controls = {
            "outlier": widgets.FloatSlider(
                value=outlier, min=0.0, max=50.0, step=1.0, description="outlier pushed up by"
            ),
            "delta": widgets.FloatSlider(
                value=delta, min=0.1, max=3.0, step=0.1, description="Huber threshold δ"
            ),
        }
        self._fits: dict[tuple[str, float], np.ndarray] = {}
        self.e = np.linspace(-3.0, 3.0, 301)
        super().__init__(controls, ncols=3, figsize=(11.6, 4.2))

    def fits(self, outlier: float, delta: float) -> dict[str, np.ndarray]:
        """[slope, intercept] per loss: for every slider value at once, cached per δ."""
        k = int(round(outlier))
        if k != outlier or not 0 <= k < OUTLIER_GRID.size:  # off the grid (set from code)
            x, y, _ = F.outlier_data(outlier)
            return {name: R.fit_line(x, y, name, delta=delta) for name in FIT_LOSSES}
        keys = {name: (name, delta if name == "Huber" else 0.0) for name in FIT_LOSSES}
        for name, key in keys.items():
            if key not in self._fits:  # MSE and MAE once, Huber once per δ
                self._fits[key] = F.outlier_fits(name, delta)
        return {name: self._fits[key][k] for name, key in keys.items()}

    def _build(self, ax_fit, ax_loss, ax_grad) -> None:
        self.xs = np.array([-0.3, 10.3])
        self.points = ax_fit.plot([], [], "o", color=COLORS["data"], ms=5, label="data")[0]
        self.out_pt = ax_fit.plot(
            [], [], "o", color=COLORS["highlight"], ms=9, mfc="none", mew=2, label="the outlier"
        )[0]
        self.fit_lines = {
            k: ax_fit.plot([], [], color=COLORS[k], lw=2.5, label=f"{k} fit")[0] for k in FIT_LOSSES
        }
        self.fit_lines["MAE"].set_linestyle("--")
        self.readout = Readout(self, ax_fit, 0.02, 0.98, FIT_TABLE, va="top", fontsize=8.5)
        ax_fit.set_xlim(*self.xs)
        self.out_text = ax_fit.text(
            8.8, OUTLIER_YMAX - 1.0, "", ha="right", color=COLORS["highlight"], zorder=6
        )
        ax_fit.set_ylim(-2.0, OUTLIER_YMAX)
        ax_fit.legend(loc="lower right", fontsize="small")
        style_axes(ax_fit, "Fitted lines ŷ = w·x + b", "input x", "target y")
        self._build_curves(ax_loss, ax_grad)

    def _build_curves(self, ax_loss, ax_grad) -> None:
        """ℓ(e) and ℓ'(e) of the three losses; MSE's and MAE's never change (static)."""
        self.loss_lines, self.grad_lines = {}, {}
        static = []
        for k in FIT_LOSSES:
            self.loss_lines[k] = ax_loss.plot([], [], color=COLORS[k], lw=2.5, label=k)[0]
            neg = ax_grad.plot([], [], color=COLORS[k], lw=2.5, label=k)[0]
            self.grad_lines[k] = (neg, ax_grad.plot([], [], color=COLORS[k], lw=2.5)[0])
            if k != "Huber":
                self._set_curves(k, *R.regression_terms(self.e, k))
                static += [self.loss_lines[k], *self.grad_lines[k]]
        static += mae_jump(ax_grad)  # on top of the lines
        self.delta_marks = ax_loss.plot([], [], "|", color=COLORS["Huber"], ms=18, mew=2)[0]
        ax_loss.set_xlim(-3, 3)
        ax_loss.set_ylim(-0.2, 5.0)
        ax_loss.legend(loc="upper center", fontsize="small")
        style_axes(ax_loss, "Cost of one error ℓ(e)", "error e = ŷ − y", "loss ℓ(e)")
        ax_grad.set_xlim(-3, 3)
        ax_grad.set_ylim(-4.0, 4.0)
        static.append(ax_grad.annotate(
            "MAE jumps\nfrom −1 to +1", (0.0, -1.0), (0.35, -3.2), fontsize=8.5,
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        ))  # fmt: skip
        self.keep_static(*static)
        ax_grad.legend(loc="upper left", fontsize="small")
        style_axes(ax_grad, "Pull of one error ℓ'(e)", "error e = ŷ − y", "derivative dℓ/de")

    def _set_curves(self, k: str, value: np.ndarray, grad: np.ndarray) -> None:
        self.loss_lines[k].set_data(self.e, value)
        set_pieces(self.grad_lines[k], self.e, grad, (self.e < 0, self.e > 0))

    def _draw(self, outlier: float, delta: float) -> None:
        x, y, i = F.outlier_data(outlier)
        self.points.set_data(x, y)
        clipped = y[i] > OUTLIER_YMAX  # beyond the axes: pin it to the top edge, say where
        self.out_pt.set_data([x[i]], [min(y[i], OUTLIER_YMAX - 0.4)])
        self.out_pt.set_marker("^" if clipped else "o")
        self.out_text.set_text(f"y = {y[i]:.1f} ↑" if clipped else "")
        self.out_text.set_visible(bool(clipped))
        fits = self.fits(outlier, delta)
        clean = self.fits(0.0, delta)
        for k, (w, b) in fits.items():
            self.fit_lines[k].set_data(self.xs, w * self.xs + b)
        self._set_curves("Huber", *R.regression_terms(self.e, "Huber", delta))
        self.delta_marks.set_data([-delta, delta], [0.5 * delta**2] * 2)
        # + 0.0: no "−0.000"
        self.readout.set(*(f"{round(fits[k][0] - clean[k][0], 3) + 0.0:+.3f}" for k in FIT_LOSSES))
