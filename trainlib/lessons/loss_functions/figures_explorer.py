"""Notebook 02's loss explorer: every loss's value and derivative, and a table of them all."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.loss_functions import figure_data as F
from trainlib.lessons.loss_functions.figure_data import EXPLORER_LOSSES, KL_P0
from trainlib.lessons.loss_functions.figures_common import (
    OVERFLOW_LABEL,
    bad_spans,
    finite_xy,
    fmt_value,
    mae_jump,
    set_pieces,
    show_spans,
    span_patches,
)
from trainlib.live import LiveFigure, register
from trainlib.live.artists import picture_text_box
from trainlib.plot import COLORS, style_axes

__all__ = ["TABLE", "VIEWS", "LossExplorer", "loss_explorer"]

# The table is ONE live monospace text, re-set whole on every change: a value wider than its
# field pushes the next label right instead of drawing over it, at any dpi. (Separate
# texts placed by character columns drift by several characters when the canvas renders
# at another dpi than the one they were measured at, e.g. on a high-resolution screen.)
# It is shown as a picture of the text (`picture_text_box`): a move blits it instead of
# re-rendering some 300 glyphs (22 ms).
TABLE = (  # the fields are the numbers a control changes, each padded to 6 characters
    "One example, every loss:\n"
    "  regression, error e = 2:          MSE 4       MAE 2        Huber(δ) {:<6}\n"
    "  binary, y = 1, logit z = −3:      BCE 3.049   weighted(w) {:<6}  focal(γ) {:<6}\n"
    "  big logits (stable or naive):     BCE(z = −1000, y = 1) {:<6}  "
    "CE(z = (1000, 0, 0), class 3) {:<6}"
)


@register
def loss_explorer(
    loss: int = 2,
    delta: float = 1.0,
    gamma: float = 2.0,
    weight: float = 5.0,
    stable: bool = True,
):
    """Every loss of the notebook: value and gradient side by side, with its parameters.

    `loss` indexes `EXPLORER_LOSSES` (0 MSE, 1 MAE, 2 Huber, 3 BCE from p, 4 BCE with logits,
    5 weighted BCE, 6 focal, 7 cross-entropy, 8 KL); `stable` picks the log-sum-exp.
    """
    return LossExplorer(loss, delta, gamma, weight, stable)


# The explorer's views: the axes and titles a family of losses shares (its static layer).
VIEWS = {
    "regression": dict(
        xlabel="error e = ŷ − y", vtitle="loss ℓ(e)", gtitle="derivative dℓ/de",
        vlim=(-0.3, 9.5), glim=(-6.5, 6.5), scale="linear",
    ),
    "probability": dict(
        xlabel="predicted probability p", vtitle="loss ℓ(p): solid y = 1, dashed y = 0",
        gtitle="derivative dℓ/dp", vlim=(-0.2, 7.0), glim=(-20, 20), scale="linear",
    ),
    "logit": dict(
        xlabel="logit z (asinh scale; CE: logits (z, 0, 0))",
        vtitle="loss ℓ(z): solid y = 1, dashed y = 0",
        gtitle="derivative dℓ/dz", vlim=(0, 2e5), glim=(-30, 30), scale="asinh",
    ),
    "KL": dict(
        xlabel=f"model Q = (q, 1 − q), data P = ({KL_P0}, {1 - KL_P0})",
        vtitle="solid KL(P‖Q), dashed KL(Q‖P)", gtitle="derivative d/dq",
        vlim=(-0.05, 2.0), glim=(-10, 10), scale="linear",
    ),
}  # fmt: skip
ASINH_X = (-1000.0, -10.0, 0.0, 10.0, 1000.0)  # tick marks of the asinh-scaled logit view
ASINH_V, ASINH_G = (0.0, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5), (-10.0, -1.0, 0.0, 1.0, 10.0)
STYLES = ("-", "--")  # first curve solid (y = 1, P‖Q), second dashed (y = 0, Q‖P)


class LossExplorer(LiveFigure):
    """Value ℓ (left) and derivative (right) of the chosen loss; a table of every loss below."""

    def __init__(self, loss: int, delta: float, gamma: float, weight: float, stable: bool) -> None:
        options = [(name, i) for i, name in enumerate(EXPLORER_LOSSES)]
        controls = {
            "loss": widgets.Dropdown(options=options, value=loss, description="loss"),
            "delta": widgets.FloatSlider(
                value=delta, min=0.1, max=3.0, step=0.1, description="Huber threshold δ"
            ),
            "gamma": widgets.FloatSlider(
                value=gamma, min=0.0, max=5.0, step=0.5, description="focal exponent γ"
            ),
            "weight": widgets.FloatSlider(
                value=weight, min=1.0, max=20.0, step=0.5, description="weight w of class 1"
            ),
            "stable": widgets.ToggleButtons(
                options=[("stable", True), ("naive", False)],
                value=stable,
                description="log-sum-exp",
            ),
        }
        self._view: str | None = None
        super().__init__(controls, ncols=2, figsize=(10.5, 5.4))
        # a fixed layout that fits every view's tick labels (linear and symmetric-log axes)
        self.ax_v.set_position((0.095, 0.3, 0.38, 0.63))
        self.ax_g.set_position((0.595, 0.3, 0.38, 0.63))

    def _build(self, ax_v, ax_g) -> None:
        self.ax_v, self.ax_g = ax_v, ax_g
        # no legend: the dropdown names the loss and the titles say solid/dashed, so the
        # static layer is shared by every loss of a view (see `LayeredFigure`)
        self.v_lines = [ax_v.plot([], [], lw=2.5, label="_value")[0] for _ in STYLES]
        # a derivative is drawn as a left and a right piece so that a jump at 0 stays a jump
        self.g_lines = [
            [ax_g.plot([], [], lw=2.5, label="_derivative")[0] for _ in range(2)] for _ in STYLES
        ]
        self.jump = mae_jump(ax_g, label="_at0")
        self.spans = span_patches(ax_v, ax_g)
        self.span_text = ax_v.text(
            0.03, 0.8, OVERFLOW_LABEL, transform=ax_v.transAxes, va="top",
            color=COLORS["highlight"], fontweight="bold", zorder=6,
        )  # fmt: skip
        self.table = picture_text_box(self, (0.01, 0.01, 0.98, 0.19), fontsize=9.5)
        self.names = [
            ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontweight="bold",
                    color=COLORS["highlight"], zorder=6)
            for ax in (ax_v, ax_g)
        ]  # fmt: skip

    def _draw(self, loss, delta, gamma, weight, stable) -> None:
        view, x, curves = F.explorer_curves(loss, delta, gamma, weight, stable)
        for i, (v_line, pieces) in enumerate(zip(self.v_lines, self.g_lines, strict=True)):
            if i >= len(curves):  # a regression loss has one curve
                for line in (v_line, *pieces):
                    line.set_data([], [])
                continue
            v, g, key = curves[i]
            v_line.set_data(*finite_xy(x, v))
            set_pieces(pieces, x, g, (x < 0, x >= 0))
            for line in (v_line, *pieces):
                line.set(color=COLORS[key], linestyle=STYLES[i])
        mae = EXPLORER_LOSSES[loss] == "MAE"
        self.jump[0].set_data([0.0] if mae else [], [0.0] if mae else [])
        self.jump[1].set_data([0.0, 0.0] if mae else [], [-1.0, 1.0] if mae else [])
        # naive overflow: shade where any curve is inf or nan
        spans = bad_spans(x, *(c[0] for c in curves), *(c[1] for c in curves))
        show_spans(self.spans, spans)
        self.span_text.set_visible(bool(spans))
        if view != self._view:
            self._view = view
            self._set_view(VIEWS[view], x)
        for label in self.names:  # the loss shown, named in each panel (a live text: the
            label.set_text(EXPLORER_LOSSES[loss])  # titles stay per view, one cached layer each)
        values = (fmt_value(v) for v in F.explorer_table(delta, gamma, weight, stable))
        self.table.set_text(TABLE.format(*values))

    def _set_view(self, spec: dict, x: np.ndarray) -> None:
        """Scales, limits and titles of a view (the static layer a family of losses shares)."""
        for ax, lim, title, ylabel in (
            (self.ax_v, spec["vlim"], spec["vtitle"], "loss ℓ"),
            (self.ax_g, spec["glim"], spec["gtitle"], "derivative"),
        ):
            # asinh, not symlog: linear near 0 and logarithmic far out with a smooth change
            # between, so a smooth curve is drawn without false kinks
            scale = {"linear_width": 1.0} if spec["scale"] == "asinh" else {}
            ax.set_xscale(spec["scale"], **scale)
            ax.set_yscale(spec["scale"], **scale)
            ax.set_xlim(x.min(), x.max())
            ax.set_ylim(*lim)
            if spec["scale"] == "asinh":  # a few readable ticks (the default crowds 0)
                ax.set_xticks(ASINH_X, [f"{t:g}" for t in ASINH_X])
                ticks = ASINH_V if ax is self.ax_v else ASINH_G
                ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
            style_axes(ax, title, spec["xlabel"], ylabel)
