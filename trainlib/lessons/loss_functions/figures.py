"""Notebook 02's live figures: what each loss charges for an error, and what that does.

- `loss_explorer`: any loss of the notebook, its value and gradient side by side, with δ, γ,
  w and a stable / naive log-sum-exp switch; a table prices one example under every loss.
- `outlier_fit`: a line fitted under MSE, MAE and Huber(δ) while one point runs away (C8, C9, C12).
- `bce_confident_mistakes`: BCE against the predicted probability, and the gradient signal
  of cross-entropy vs MSE through a sigmoid (C10, C14).
- `softmax_cross_entropy`: logits → softmax bars → −log p[correct], stable up to ±1000 (C11).
- `kl_asymmetry`: a two-bump P and a one-bump Q; KL in both directions (C13).
- `class_weights_focal`: a logistic regression on rare positives, for a class weight w and a
  focal γ (all trained once, at construction), with the rare class's recall (C15).

Every number drawn comes from `experiments.py` / `figure_data.py` (as R and F); this module
only draws.
"""

from __future__ import annotations

import string

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D, ScaledTranslation, offset_copy

from trainlib import losses as L
from trainlib.lessons.loss_functions import experiments as R
from trainlib.lessons.loss_functions import figure_data as F
from trainlib.lessons.loss_functions.figure_data import (
    EXPLORER_LOSSES,
    FIT_LOSSES,
    KL_P0,
    OUTLIER_GRID,
    SOFTMAX_MAX,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

OVERFLOW_LABEL = "naive: e^z overflows,\nloss = inf/nan here"


def _finite_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the points where y is finite: inf/nan are shown as a shaded region, not drawn."""
    ok = np.isfinite(y)
    return x[ok], y[ok]


def _bad_spans(x: np.ndarray, *ys: np.ndarray) -> list[tuple[float, float]]:
    """The contiguous x-intervals (at most two) where any of the curves is inf or nan."""
    bad = np.zeros(x.shape, dtype=bool)
    for y in ys:
        bad |= ~np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.r_[0, bad.astype(int), 0]))
    return [(float(x[a]), float(x[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)][
        :2
    ]


def _span_patches(*axes) -> list[Rectangle]:
    """Two hidden full-height rectangles per axes, to shade where a naive curve is inf/nan."""
    rects = []
    for ax in axes:
        for _ in range(2):
            r = Rectangle((0, 0), 0, 1, color=COLORS["highlight"], alpha=0.15, lw=0)
            r.set_transform(ax.get_xaxis_transform())
            ax.add_patch(r)
            rects.append(r)
    return rects


def _show_spans(rects: list[Rectangle], spans: list[tuple[float, float]]) -> None:
    """Show spans[k % 2] in rectangle k (each axes has two), hide the rest."""
    for k, rect in enumerate(rects):
        span = spans[k % 2] if k % 2 < len(spans) else None
        rect.set_visible(span is not None)
        if span is not None:
            rect.set_x(span[0])
            rect.set_width(span[1] - span[0])


def _set_pieces(pieces, x: np.ndarray, g: np.ndarray, masks) -> None:
    """A derivative drawn as separate pieces (left and right of 0), so a jump stays a jump."""
    for line, side in zip(pieces, masks, strict=True):
        line.set_data(*_finite_xy(x[side], g[side]))


def _mae_jump(ax, **kw) -> list:
    """MAE's derivative at 0: the subgradient 0 (dot) between the open ends ±1 (holes)."""
    jump = ax.plot([0.0], [0.0], "o", color=COLORS["MAE"], ms=7, **kw)
    holes = ax.plot([0.0, 0.0], [-1.0, 1.0], "o", mfc="white", color=COLORS["MAE"], ms=7)
    return [*jump, *holes]


def _fmt(v: float) -> str:
    """A loss value for a readout: 4 significant digits, inf and nan spelled out."""
    return f"{v + 0.0:.4g}" if np.isfinite(v) else ("nan" if np.isnan(v) else "inf")


class Readout:
    """A monospace text box: its words drawn once (static layer), only its numbers live.

    `template` is a str.format string whose fields have fixed widths ("MSE {:<7}"). Every
    line of words is a static text; each field is its own small live text on the same
    baseline, over its blank, so a slider move repaints a few glyphs, not the whole box.
    Anchored at (x, y) by its top-left corner (va="top") or bottom-left corner (va="bottom").
    """

    def __init__(
        self, live: LiveFigure, where, x: float, y: float, template: str, *, va: str = "top",
        fontsize: float = 9.0, **kw,
    ) -> None:  # fmt: skip
        kw = {"family": "monospace", "zorder": 6, "fontsize": fontsize, **kw}
        base = where.transAxes if hasattr(where, "transAxes") else where.transFigure
        fig = live.fig
        lines = template.format(*[""] * template.count("{")).split("\n")
        fields, row, col = [], 0, 0
        for literal, name, spec, _ in string.Formatter().parse(template):
            row += literal.count("\n")
            col = len(literal.rsplit("\n", 1)[-1]) + (0 if "\n" in literal else col)
            if name is not None:
                fields.append((row, col))
                col += int("".join(ch for ch in spec if ch.isdigit()))
        height = 1.25 * fontsize  # points per line
        n = len(lines)
        top = 0.0 if va == "top" else n * height + 0.3 * fontsize
        baselines = [top - (r + 0.8) * height for r in range(n)]

        def at(dx: float, dy: float):
            return offset_copy(base, fig, x=dx, y=dy, units="points")

        probe = where.text(x, y, "", transform=base, **kw)  # for the font's advance
        renderer = fig.canvas.get_renderer()
        prop = probe.get_fontproperties()
        probe.remove()

        def width(k: int) -> float:
            return renderer.get_text_width_height_descent("0" * k, prop, ismath=False)[0]

        advance = (width(60) - width(10)) / 50 * 72 / fig.dpi  # points per character
        pad = 0.4 * fontsize
        to_points = Affine2D().scale(1 / 72) + fig.dpi_scale_trans + ScaledTranslation(x, y, base)
        box = Rectangle(
            (-pad, baselines[-1] - 0.45 * fontsize), max(map(len, lines)) * advance + 2 * pad,
            n * height + 0.2 * fontsize, transform=to_points, zorder=kw["zorder"] - 0.5,
            facecolor="white", alpha=0.85, edgecolor="none",
        )  # fmt: skip
        (fig if where is fig else where).add_artist(box)
        static = [where.text(x, y, line, transform=at(0, b), va="baseline", **kw)
                  for line, b in zip(lines, baselines, strict=True)]  # fmt: skip
        live.keep_static(box, *static)
        self.fields = [
            where.text(x, y, "", transform=at(c * advance, baselines[r]), va="baseline", **kw)
            for r, c in fields
        ]

    def set(self, *values: str) -> None:
        """Show these values (strings within their fields' widths) in the fields."""
        for text, value in zip(self.fields, values, strict=True):
            text.set_text(value)


# =========================================================================================
# The loss explorer
# =========================================================================================

TABLE = (  # the fields are the numbers a control changes; the rest is drawn once
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
        xlabel="logit z (symlog; CE: logits (z, 0, 0), y = 1 when z's class is correct)",
        vtitle="loss ℓ(z): solid y = 1, dashed y = 0",
        gtitle="derivative dℓ/dz", vlim=(0, 2e5), glim=(-30, 30), scale="symlog",
    ),
    "KL": dict(
        xlabel=f"model Q = (q, 1 − q), data P = ({KL_P0}, {1 - KL_P0})",
        vtitle="solid KL(P‖Q), dashed KL(Q‖P)", gtitle="derivative d/dq",
        vlim=(-0.05, 2.0), glim=(-10, 10), scale="linear",
    ),
}  # fmt: skip
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
        self.ax_v.set_position((0.075, 0.3, 0.4, 0.63))
        self.ax_g.set_position((0.575, 0.3, 0.4, 0.63))

    def _build(self, ax_v, ax_g) -> None:
        self.ax_v, self.ax_g = ax_v, ax_g
        # no legend: the dropdown names the loss and the titles say solid/dashed, so the
        # static layer is shared by every loss of a view (see `LayeredFigure`)
        self.v_lines = [ax_v.plot([], [], lw=2.5, label="_value")[0] for _ in STYLES]
        # a derivative is drawn as a left and a right piece so that a jump at 0 stays a jump
        self.g_lines = [
            [ax_g.plot([], [], lw=2.5, label="_derivative")[0] for _ in range(2)] for _ in STYLES
        ]
        self.jump = _mae_jump(ax_g, label="_at0")
        self.spans = _span_patches(ax_v, ax_g)
        self.span_text = ax_v.text(
            0.03, 0.8, OVERFLOW_LABEL, transform=ax_v.transAxes, va="top",
            color=COLORS["highlight"], fontweight="bold", zorder=6,
        )  # fmt: skip
        self.table = Readout(self, self.fig, 0.01, 0.01, TABLE, fontsize=9.5, va="bottom")

    def _draw(self, loss, delta, gamma, weight, stable) -> None:
        view, x, curves = F.explorer_curves(loss, delta, gamma, weight, stable)
        for i, (v_line, pieces) in enumerate(zip(self.v_lines, self.g_lines, strict=True)):
            if i >= len(curves):  # a regression loss has one curve
                for line in (v_line, *pieces):
                    line.set_data([], [])
                continue
            v, g, key = curves[i]
            v_line.set_data(*_finite_xy(x, v))
            _set_pieces(pieces, x, g, (x < 0, x >= 0))
            for line in (v_line, *pieces):
                line.set(color=COLORS[key], linestyle=STYLES[i])
        mae = EXPLORER_LOSSES[loss] == "MAE"
        self.jump[0].set_data([0.0] if mae else [], [0.0] if mae else [])
        self.jump[1].set_data([0.0, 0.0] if mae else [], [-1.0, 1.0] if mae else [])
        # naive overflow: shade where any curve is inf or nan
        spans = _bad_spans(x, *(c[0] for c in curves), *(c[1] for c in curves))
        _show_spans(self.spans, spans)
        self.span_text.set_visible(bool(spans))
        if view != self._view:
            self._view = view
            self._set_view(VIEWS[view], x)
        self.table.set(*(_fmt(v) for v in F.explorer_table(delta, gamma, weight, stable)))

    def _set_view(self, spec: dict, x: np.ndarray) -> None:
        """Scales, limits and titles of a view (the static layer a family of losses shares)."""
        for ax, lim, title, ylabel in (
            (self.ax_v, spec["vlim"], spec["vtitle"], "loss ℓ"),
            (self.ax_g, spec["glim"], spec["gtitle"], "derivative"),
        ):
            scale = {"linthresh": 1.0} if spec["scale"] == "symlog" else {}
            ax.set_xscale(spec["scale"], **scale)
            ax.set_yscale(spec["scale"], **scale)
            ax.set_xlim(x.min(), x.max())
            ax.set_ylim(*lim)
            style_axes(ax, title, spec["xlabel"], ylabel)


# =========================================================================================
# C8, C9, C12 — one outlier, three fits
# =========================================================================================

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
        static += _mae_jump(ax_grad)  # on top of the lines
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
        _set_pieces(self.grad_lines[k], self.e, grad, (self.e < 0, self.e > 0))

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


# =========================================================================================
# C10, C14 — binary cross-entropy: confident mistakes, likelihood, gradient signal
# =========================================================================================


@register
def bce_confident_mistakes(p: float = 0.02, label: int = 1):
    """BCE vs the predicted probability (with the Bernoulli NLL), and ∂L/∂z for BCE vs MSE."""
    return BCEFigure(p, label)


class BCEFigure(LiveFigure):
    """Left: BCE(p) for y = 1 and y = 0 and −log Bernoulli; right: |∂L/∂z| of BCE and MSE∘σ."""

    def __init__(self, p: float, label: int) -> None:
        controls = {
            "p": widgets.FloatSlider(
                value=p, min=0.001, max=0.999, step=0.001, readout_format=".3f",
                description="predicted probability p = σ(z)",
            ),
            "label": widgets.ToggleButtons(
                options=[("y = 1", 1), ("y = 0", 0)], value=label, description="true label"
            ),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(11.0, 4.3))

    def _build(self, ax_p, ax_z) -> None:
        p = np.linspace(0.001, 0.999, 400)
        for y, style in ((1.0, "-"), (0.0, "--")):
            v, _ = R.bce_terms(p, y)
            line = ax_p.plot(p, v, style, color=COLORS["BCE"], lw=2.5, label=f"BCE, y = {y:g}")
            self.keep_static(*line)
        # the Bernoulli negative log-likelihood, −log(p^y (1 − p)^(1 − y)), written out
        pk = np.linspace(0.02, 0.98, 13)
        for y in (1.0, 0.0):
            dots = ax_p.plot(
                pk, F.bernoulli_nll(pk, y), "o", color=COLORS["reference"], ms=5,
                label="−log Bernoulli(y | p)" if y == 1 else "_nll0",
            )  # fmt: skip
            self.keep_static(*dots)
        self.you = ax_p.plot([], [], "o", color=COLORS["highlight"], ms=11, mec="white", zorder=5)[
            0
        ]
        self.text_p = Readout(
            self, ax_p, 0.04, 0.97, "BCE = {:<5} = −log {:<5}:  minus the log of the\n"
            "probability the model gave to the true label", va="top", fontsize=8.5,
        )  # fmt: skip
        ax_p.set_xlim(0, 1)
        ax_p.set_ylim(-0.2, 7.5)
        ax_p.legend(loc="center right", fontsize="small")
        style_axes(ax_p, "BCE punishes confident mistakes", "predicted probability p", "loss")

        self.zg = np.linspace(-10.0, 10.0, 401)
        self.ce_line = ax_z.plot([], [], color=COLORS["CE"], lw=2.5, label="cross-entropy")[0]
        self.mse_line = ax_z.plot([], [], color=COLORS["MSE"], lw=2.5, label="MSE through σ")[0]
        self.ce_dot = ax_z.plot([], [], "o", color=COLORS["CE"], ms=9, mec="white")[0]
        self.mse_dot = ax_z.plot([], [], "o", color=COLORS["MSE"], ms=9, mec="white")[0]
        self.text_z = Readout(
            self, ax_z, 0.03, 0.03, "here |CE grad| ÷ |MSE grad| = {:<7}",
            va="bottom", fontsize=8.5,
        )  # fmt: skip
        ax_z.set_xlim(-10, 10)
        ax_z.set_yscale("log")
        ax_z.set_ylim(1e-5, 3.0)
        ax_z.legend(loc="upper center", fontsize="small", ncols=2)
        style_axes(ax_z, "Gradient signal wrt the logit", "logit z", "|∂L/∂z| (log scale)")

    def _draw(self, p: float, label: int) -> None:
        y = float(label)
        v, _ = R.bce_terms(p, y)
        self.you.set_data([p], [float(v)])
        lik = p if label == 1 else 1 - p
        self.text_p.set(f"{float(v):.3f}", f"{lik:.3f}")
        ce, mse = R.logit_gradients(self.zg, y)
        self.ce_line.set_data(self.zg, np.abs(ce))
        self.mse_line.set_data(self.zg, np.abs(mse))
        z = float(np.log(p) - np.log1p(-p))
        ce1, mse1 = (float(g[0]) for g in R.logit_gradients(np.array([z]), y))
        self.ce_dot.set_data([z], [abs(ce1)])
        self.mse_dot.set_data([z], [abs(mse1)])
        self.text_z.set(f"{abs(ce1) / abs(mse1):.3g}")


# =========================================================================================
# C11 — softmax and cross-entropy
# =========================================================================================


@register
def softmax_cross_entropy(
    z1: float = 2.0, z2: float = 1.0, z3: float = -1.0, scale: float = 1.0, correct: int = 0
):
    """Three logits → softmax bars → −log p[correct], stable vs naive up to ±1000."""
    return SoftmaxFigure(z1, z2, z3, scale, correct)


class SoftmaxFigure(LiveFigure):
    """Left: softmax of scale·(z₁, z₂, z₃) as bars; right: CE vs the correct class's logit."""

    def __init__(self, z1, z2, z3, scale, correct) -> None:
        def logit(v, k):
            return widgets.FloatSlider(
                value=v, min=-10.0, max=10.0, step=0.1, description=f"logit z{k}"
            )

        controls = {
            "z1": logit(z1, "₁"),
            "z2": logit(z2, "₂"),
            "z3": logit(z3, "₃"),
            "scale": widgets.SelectionSlider(
                options=[1.0, 10.0, 100.0], value=scale, description="multiply logits by"
            ),
            "correct": widgets.ToggleButtons(
                options=[("class 1", 0), ("class 2", 1), ("class 3", 2)],
                value=correct,
                description="correct class",
            ),
        }
        super().__init__(controls, ncols=2, figsize=(11.0, 4.3))

    def _build(self, ax_bar, ax_ce) -> None:
        self.bars = ax_bar.bar([1, 2, 3], [0, 0, 0], color=COLORS["reference"], label="p_k")
        self.bar_text = [
            ax_bar.text(k, 0, "", ha="center", va="bottom", fontsize=10) for k in (1, 2, 3)
        ]
        self.readout = Readout(
            self, ax_bar, 0.02, 0.97, "CE (stable)         = {:<7}\n−log p[correct]     = {:<7}\n"
            "CE (naive e^z/Σe^z) = {:<7}", va="top", fontsize=8.5,
        )  # fmt: skip
        ax_bar.set_xticks([1, 2, 3], ["class 1", "class 2", "class 3"])
        ax_bar.set_xlim(0.4, 3.6)
        ax_bar.set_ylim(0, 1.45)
        style_axes(ax_bar, "softmax(z): probabilities", "class k", "probability p_k")

        self.stable = ax_ce.plot([], [], color=COLORS["CE"], lw=2.5, label="stable (log-sum-exp)")[
            0
        ]
        self.naive = ax_ce.plot(
            [], [], "--", color=COLORS["highlight"], lw=2, label="naive e^z / Σ e^z"
        )[0]
        self.now = ax_ce.plot([], [], "o", color=COLORS["CE"], ms=9, mec="white")[0]
        self.spans = _span_patches(ax_ce)
        # with the correct logit at ±1000 the naive softmax always overflows: a fixed label
        label = ax_ce.text(
            0.5, 0.97, OVERFLOW_LABEL.replace("\n", " "), transform=ax_ce.transAxes, ha="center",
            va="top", color=COLORS["highlight"], fontweight="bold", zorder=6,
        )  # fmt: skip
        self.keep_static(label)
        ax_ce.set_xscale("symlog", linthresh=1.0)
        ax_ce.set_yscale("symlog", linthresh=1.0)
        ax_ce.set_xlim(-SOFTMAX_MAX, SOFTMAX_MAX)
        ax_ce.set_ylim(0, 3 * SOFTMAX_MAX)
        ax_ce.legend(loc="center right", fontsize="small")
        style_axes(
            ax_ce, "CE as the correct class's logit moves",
            "logit of the correct class (others fixed; symlog)", "loss −log p[correct]",
        )  # fmt: skip
        self.grid = F.symlog_grid(SOFTMAX_MAX, 401)  # dense near 0, sparse near ±1000

    def _draw(self, z1, z2, z3, scale, correct) -> None:
        z = scale * np.array([z1, z2, z3])
        p = L.softmax(z)
        for k, (bar, txt) in enumerate(zip(self.bars, self.bar_text, strict=True)):
            bar.set_height(p[k])
            bar.set_color(COLORS["CE"] if k == correct else COLORS["reference"])
            txt.set_position((k + 1, p[k] + 0.02))
            txt.set_text(f"{p[k]:.3f}")
        ce = L.cross_entropy(z[None], [correct])[0]
        naive = L.cross_entropy_naive(z[None], [correct])[0]
        with np.errstate(divide="ignore"):  # log of a probability that underflowed to 0
            minus_log_p = float(-np.log(p[correct]))
        self.readout.set(_fmt(ce), _fmt(minus_log_p), _fmt(naive))
        # CE as the correct class's logit moves, the other two fixed
        grid = self.grid
        Z = np.repeat(z[None], grid.size, axis=0)
        Z[:, correct] = grid
        v_stable, _ = R.softmax_ce_terms(Z, correct, stable=True)
        v_naive, _ = R.softmax_ce_terms(Z, correct, stable=False)
        self.stable.set_data(grid, v_stable)
        self.naive.set_data(*_finite_xy(grid, v_naive))
        self.now.set_data([z[correct]], [ce])
        _show_spans(self.spans, _bad_spans(grid, v_naive))


# =========================================================================================
# C13 — KL divergence is not symmetric
# =========================================================================================


@register
def kl_asymmetry(mu: float = 0.0, sigma: float = 1.0, separation: float = 4.0):
    """A two-bump P and a one-bump Q(μ, σ); KL(P‖Q) and KL(Q‖P) side by side."""
    return KLFigure(mu, sigma, separation)


class KLFigure(LiveFigure):
    """Left: the distributions P and Q; right: both KL directions as Q's centre μ moves."""

    def __init__(self, mu: float, sigma: float, separation: float) -> None:
        controls = {
            "mu": widgets.FloatSlider(
                value=mu, min=-4.0, max=4.0, step=0.1, description="centre μ of Q"
            ),
            "sigma": widgets.FloatSlider(
                value=sigma, min=0.3, max=3.0, step=0.1, description="width σ of Q"
            ),
            "separation": widgets.FloatSlider(
                value=separation, min=0.0, max=6.0, step=0.5, description="gap between P's bumps"
            ),
        }
        self.c = F.KL_CENTERS
        self.mus = np.linspace(-4.0, 4.0, 81)
        self._Qs: dict[float, np.ndarray] = {}
        super().__init__(controls, ncols=2, figsize=(11.0, 4.3))

    def _build(self, ax_d, ax_kl) -> None:
        width = self.c[1] - self.c[0]
        self.edges = np.r_[self.c - width / 2, self.c[-1] + width / 2]
        zeros = np.zeros_like(self.c)
        self.P_bars = ax_d.stairs(zeros, self.edges, fill=True, color=COLORS["KL"], alpha=0.35,
                                  label="P (data)")  # fmt: skip
        self.Q_line = ax_d.stairs(zeros, self.edges, color=COLORS["highlight"], lw=2.5,
                                  label="Q (model)")  # fmt: skip
        ax_d.set_xlim(-6, 6)
        ax_d.set_ylim(0, 0.4)
        ax_d.legend(loc="upper right", fontsize="small")
        style_axes(ax_d, "Two distributions over 49 bins", "value", "probability")
        self.readout = Readout(
            self, ax_d, 0.02, 0.97, "KL(P‖Q) = {:<6}\nKL(Q‖P) = {:<6}", va="top", fontsize=9
        )
        self.pq = ax_kl.plot([], [], color=COLORS["KL"], lw=2.5, label="KL(P‖Q): cover P")[0]
        self.qp = ax_kl.plot([], [], "--", color=COLORS["KL"], lw=2.5,
                             label="KL(Q‖P): stay inside P")[0]  # fmt: skip
        self.pq_dot = ax_kl.plot([], [], "o", color=COLORS["highlight"], ms=9, mec="white")[0]
        self.qp_dot = ax_kl.plot([], [], "s", color=COLORS["highlight"], ms=8, mec="white")[0]
        ax_kl.set_xlim(-4, 4)
        ax_kl.set_ylim(0, 6)
        ax_kl.legend(loc="upper center", fontsize="small")
        style_axes(ax_kl, "KL both ways, as Q's centre moves", "centre μ of Q", "divergence (nats)")

    def _draw(self, mu: float, sigma: float, separation: float) -> None:
        P, Q = F.kl_pair(mu, sigma, separation)
        self.P_bars.set_data(P)
        self.Q_line.set_data(Q)
        pq, qp = L.kl_div(P, Q)[0], L.kl_div(Q, P)[0]
        self.readout.set(f"{pq:.3f}", f"{qp:.3f}")
        if sigma not in self._Qs:  # the curve's Q for every centre μ, once per width σ
            self._Qs[sigma] = np.stack([R.bump(self.c, m, sigma) for m in self.mus])
        Qs = self._Qs[sigma]
        self.pq.set_data(self.mus, R.kl_rows(P, Qs))
        self.qp.set_data(self.mus, R.kl_rows(Qs, P))
        self.pq_dot.set_data([mu], [pq])
        self.qp_dot.set_data([mu], [qp])


# =========================================================================================
# C15 — class weights and focal loss on imbalanced data
# =========================================================================================

WEIGHTS, GAMMAS = F.IMBALANCE_WEIGHTS, F.IMBALANCE_GAMMAS


@register
def class_weights_focal(weight: float = 1.0, gamma: float = 0.0):
    """Logistic regression on rare positives: recall of the rare class vs class weight and γ."""
    return ImbalanceFigure(weight, gamma)


class ImbalanceFigure(LiveFigure):
    """Left: test data and the decision boundary; right: recall and precision vs the weight w."""

    def __init__(self, weight: float, gamma: float) -> None:
        controls = {
            "weight": widgets.SelectionSlider(
                options=WEIGHTS, value=weight, description="weight w of the rare class"
            ),
            "gamma": widgets.SelectionSlider(
                options=GAMMAS, value=gamma, description="focal exponent γ"
            ),
        }
        # every model of the grid, trained once (vectorised, a fraction of a second)
        self.grid = F.imbalance_figure_grid()
        super().__init__(controls, ncols=2, figsize=(11.0, 4.4))

    def _build(self, ax_d, ax_r) -> None:
        g = self.grid
        X, y = g.X_test, g.y_test
        common = ax_d.scatter(*X[y == 0].T, s=6, color=COLORS["reference"], alpha=0.5,
                              label="class 0 (common)")  # fmt: skip
        rare = ax_d.scatter(*X[y == 1].T, s=22, color=COLORS["highlight"], marker="^",
                            label="class 1 (rare, 5%)")  # fmt: skip
        self.keep_static(common, rare)
        self.xb = np.array([-4.0, 6.0])
        base = g.theta[0, 0]
        ref = ax_d.plot(self.xb, F.decision_boundary(base, self.xb), ":", color=COLORS["data"],
                        lw=1.5, label="plain BCE boundary")  # fmt: skip
        self.keep_static(*ref)
        self.boundary = ax_d.plot([], [], color=COLORS["focal"], lw=2.5, label="this model")[0]
        ax_d.set_xlim(-4, 6)
        ax_d.set_ylim(-4, 6)
        ax_d.legend(loc="lower right", fontsize="small")
        style_axes(ax_d, "Held-out data and decision boundary", "feature x₁", "feature x₂")
        self.readout = Readout(
            self, ax_d, 0.02, 0.97,
            f"recall    {{:<5}}  (plain BCE {g.recall[0, 0]:.3f})\n"
            f"precision {{:<5}}  (plain BCE {g.precision[0, 0]:.3f})", va="top", fontsize=9,
        )  # fmt: skip

        w = np.array(WEIGHTS)
        self.rec = ax_r.plot([], [], "o-", color=COLORS["focal"], lw=2.5, label="recall (rare)")[0]
        self.pre = ax_r.plot([], [], "s--", color=COLORS["BCE"], lw=2, label="precision (rare)")[0]
        self.rec_dot = ax_r.plot([], [], "o", color=COLORS["focal"], ms=13, mfc="none", mew=2)[0]
        ax_r.set_xscale("log")
        ax_r.set_xlim(0.9, 22)
        ax_r.set_ylim(0, 1.02)
        ax_r.set_xticks(w, [f"{v:g}" for v in w])
        ax_r.minorticks_off()
        ax_r.legend(loc="lower left", fontsize="small")
        style_axes(ax_r, "Rare class on held-out data", "weight w of the rare class", "fraction")

    def _draw(self, weight: float, gamma: float) -> None:
        g = self.grid
        gi, wi = GAMMAS.index(gamma), WEIGHTS.index(weight)
        self.boundary.set_data(self.xb, F.decision_boundary(g.theta[gi, wi], self.xb))
        self.rec.set_data(WEIGHTS, g.recall[gi])
        self.pre.set_data(WEIGHTS, g.precision[gi])
        self.rec_dot.set_data([weight], [g.recall[gi, wi]])
        self.readout.set(f"{g.recall[gi, wi]:.3f}", f"{g.precision[gi, wi]:.3f}")
