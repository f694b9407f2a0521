"""Notebook 02's classification figures: BCE's confident mistakes (C10, C14), softmax and
cross-entropy up to ±1000 (C11), class weights and focal loss on rare positives (C15)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib import losses as L
from trainlib.lessons.loss_functions import experiments as R
from trainlib.lessons.loss_functions import figure_data as F
from trainlib.lessons.loss_functions.figure_data import SOFTMAX_MAX
from trainlib.lessons.loss_functions.figures_common import (
    OVERFLOW_LABEL,
    bad_spans,
    finite_xy,
    fmt_value,
    show_spans,
    span_patches,
)
from trainlib.live import LiveFigure, register
from trainlib.live.readout import Readout
from trainlib.plot import COLORS, style_axes

__all__ = [
    "BCEFigure",
    "ImbalanceFigure",
    "SoftmaxFigure",
    "bce_confident_mistakes",
    "class_weights_focal",
    "softmax_cross_entropy",
]

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
        ax_z.set_ylim(1e-5, 10.0)  # the legend clears the plateau at 1
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
        self.spans = span_patches(ax_ce)
        # with the correct logit at ±1000 the naive softmax always overflows: a fixed label
        label = ax_ce.text(
            0.5, 0.97, OVERFLOW_LABEL.replace("\n", " "), transform=ax_ce.transAxes, ha="center",
            va="top", color=COLORS["highlight"], fontweight="bold", zorder=6,
        )  # fmt: skip
        self.keep_static(label)
        # linear axes: a symmetric-log scale would draw false kinks (at its threshold) on
        # this smooth curve; at this zoom its bend, a few logits wide, looks sharp
        ax_ce.set_xlim(-SOFTMAX_MAX, SOFTMAX_MAX)
        ax_ce.set_ylim(-0.02 * SOFTMAX_MAX, 2.1 * SOFTMAX_MAX)
        ax_ce.legend(loc="center right", fontsize="small")
        style_axes(
            ax_ce, "CE as the correct class's logit moves",
            "logit of the correct class (the other two fixed)", "loss −log p[correct]",
        )  # fmt: skip
        # fine near 0 (where the bend is for small logits), every 2.5 out to ±1000
        self.grid = np.union1d(
            F.symlog_grid(SOFTMAX_MAX, 401), np.linspace(-SOFTMAX_MAX, SOFTMAX_MAX, 801)
        )

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
        self.readout.set(fmt_value(ce), fmt_value(minus_log_p), fmt_value(naive))
        # CE as the correct class's logit moves, the other two fixed
        grid = self.grid
        Z = np.repeat(z[None], grid.size, axis=0)
        Z[:, correct] = grid
        v_stable, _ = R.softmax_ce_terms(Z, correct, stable=True)
        v_naive, _ = R.softmax_ce_terms(Z, correct, stable=False)
        self.stable.set_data(grid, v_stable)
        self.naive.set_data(*finite_xy(grid, v_naive))
        self.now.set_data([z[correct]], [ce])
        show_spans(self.spans, bad_spans(grid, v_naive))


# =========================================================================================
# C15 — class weights and focal loss on imbalanced data
# =========================================================================================

WEIGHTS, GAMMAS = F.IMBALANCE_WEIGHTS, F.IMBALANCE_GAMMAS


@register
def class_weights_focal(weight: float = 1.0, gamma: float = 0.0):
    """Logistic regression on rare positives: recall of the rare class vs class weight and γ."""
    return ImbalanceFigure(weight, gamma)


class ImbalanceFigure(LiveFigure):
    """Left: test data and the decision boundary; middle: focal weight (1 − p_t)^γ over the
    training examples' p_t; right: recall and precision vs the weight w."""

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
        self.edges, self.hist, self.shares = F.focal_panel(self.grid)
        super().__init__(controls, ncols=3, figsize=(11.6, 4.4))

    def _build(self, ax_d, ax_f, ax_r) -> None:
        g = self.grid
        X, y = g.X_test, g.y_test
        rare_pct = f"{100 * np.mean(g.y_train):.0f}%"
        common = ax_d.scatter(*X[y == 0].T, s=4, color=COLORS["reference"], alpha=0.4,
                              label="class 0 (common)")  # fmt: skip
        rare = ax_d.scatter(*X[y == 1].T, s=22, color=COLORS["highlight"], marker="^",
                            label=f"class 1 (rare, {rare_pct})")  # fmt: skip
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
        style_axes(ax_d, "Test data, 300-step boundary", "feature x₁", "feature x₂")
        self.readout = Readout(
            self, ax_d, 0.02, 0.97,
            f"recall    {{:<5}}  (plain BCE: {g.recall[0, 0]:.3f})\n"
            f"precision {{:<5}}  (plain BCE: {g.precision[0, 0]:.3f})", va="top",
            fontsize=8.5,
        )  # fmt: skip
        self._build_focal(ax_f)

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

    def _build_focal(self, ax_f) -> None:
        """The mechanism: most training examples are easy (bars), and γ fades them (line)."""
        e = self.edges
        bars = ax_f.bar(e[:-1], self.hist, width=np.diff(e), align="edge",
                        color=COLORS["reference"], alpha=0.6,
                        label="share of training examples")  # fmt: skip
        flat = ax_f.plot([0, 1], [1, 1], ":", color=COLORS["BCE"], lw=1.5,
                         label="plain BCE: weight 1")  # fmt: skip
        self.keep_static(bars, *flat)
        self.pt = np.linspace(0.0, 1.0, 201)
        self.weight_line = ax_f.plot([], [], color=COLORS["focal"], lw=2.5,
                                     label="focal weight (1 − p_t)^γ")[0]  # fmt: skip
        self.focal_text = Readout(
            self, ax_f, 0.03, 0.72,
            f"easy examples (p_t > {F.EASY:g}): {100 * self.shares.easy_fraction:.0f}% of all\n"
            "their share of the pull Σ|∂L/∂z|: {:<6}\nthe rare class's share of it:      {:<6}",
            va="top", fontsize=8.5,
        )  # fmt: skip
        ax_f.set_xlim(0, 1)
        ax_f.set_ylim(0, 1.35)  # room for the legend above the line at 1
        ax_f.legend(loc="upper left", fontsize="small")
        style_axes(
            ax_f, "Focal loss fades the easy examples",
            "p_t: probability the plain-BCE model gives the true class", "weight / share",
        )  # fmt: skip

    def _draw(self, weight: float, gamma: float) -> None:
        g = self.grid
        gi, wi = GAMMAS.index(gamma), WEIGHTS.index(weight)
        self.boundary.set_data(self.xb, F.decision_boundary(g.theta[gi, wi], self.xb))
        self.rec.set_data(WEIGHTS, g.recall[gi])
        self.pre.set_data(WEIGHTS, g.precision[gi])
        self.rec_dot.set_data([weight], [g.recall[gi, wi]])
        self.readout.set(f"{g.recall[gi, wi]:.3f}", f"{g.precision[gi, wi]:.3f}")
        self.weight_line.set_data(self.pt, (1.0 - self.pt) ** gamma)
        shares = self.shares
        self.focal_text.set(f"{100 * shares.easy[gi]:.1f}%", f"{100 * shares.rare[gi]:.0f}%")
