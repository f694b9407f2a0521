"""Notebook 05's live figures: the chain rule on a drawn graph, and autodiff vs finite differences.

`chain_rule_figure` draws `twolayer.chain_example` as a computational graph: the forward
values in a top row of boxes, the gradients ∂L/∂node in a bottom row, and on every edge the
local derivative and the upstream gradient whose product passes the gradient one node to the
left; beside it, L as a function of x with the tangent whose slope is that product.
`gradient_error_figure` shows the relative error of central differences against the exact
gradient of the two-layer net as the step h moves: the V of rounding (small h) and truncation
(large h) against autodiff's flat line at the level of rounding.
`forward_memory_figure` and `checkpoint_figure` (the memory bill of the forward pass, C4, and
gradient checkpointing, C5) live in `figures_memory.py` and are re-exported here.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import FancyBboxPatch

from trainlib import twolayer
from trainlib.lessons.backpropagation.experiments import (
    CHAIN_B1,
    CHAIN_B2,
    CHAIN_W2,
    chain_loss,
    error_problem,
    fd_error_curve,
)
from trainlib.lessons.backpropagation.figures_memory import (  # noqa: F401  (re-exported)
    CheckpointFigure,
    ForwardMemoryFigure,
    checkpoint_figure,
    forward_memory_figure,
)
from trainlib.live import LiveFigure, register
from trainlib.live.artists import PictureLabel, text_picture
from trainlib.plot import COLORS, OKABE_ITO, style_axes

# ---------------------------------------------------------------------------------------------
# C24: the chain rule as local × upstream on a graph
# ---------------------------------------------------------------------------------------------

NODES = ("x", "z1", "a1", "z2", "yhat", "L")
LABELS = {"x": "x", "z1": "z₁", "a1": "a₁", "z2": "z₂", "yhat": "ŷ", "L": "L"}
OPS = ("·w₁ + b₁", "ReLU", "·w₂ + b₂", "σ", "BCE(ŷ, y)")
X_RANGE = (-3.0, 3.0)
TOP, MID, BOTTOM = 0.80, 0.50, 0.20  # rows of the graph: values, edge texts, gradients
LOCAL_COLOR = OKABE_ITO["blue"]
UPSTREAM_COLOR = OKABE_ITO["vermillion"]
SUM_BASELINE = 0.02  # axes fraction: the baseline of the bottom line's two sums


def _box(ax, static: list, cx: float, cy: float, name: str, face: str, edge: str) -> None:
    """A rounded box named `name` at (cx, cy), static; its number goes at (cx, cy − 0.04)."""
    static.append(ax.add_patch(FancyBboxPatch(
        (cx - 0.3, cy - 0.085), 0.6, 0.17, boxstyle="round,pad=0,rounding_size=0.06",
        facecolor=face, edgecolor=edge, lw=1.5, mutation_aspect=0.3,
    )))  # fmt: skip
    static.append(ax.text(cx, cy + 0.04, name, ha="center", va="center"))


# The numbers are pictures of their text (`PictureLabel`): 21 of them change on every move,
# and re-rendering them as texts took most of the 17 ms a move may cost.


@register
def chain_rule_figure(x: float = 1.5, w1: float = 0.8, y: float = 1.0):
    """The chain x → z₁ → a₁ → z₂ → ŷ → L drawn as a graph with local × upstream on its edges."""
    return ChainRuleFigure(x, w1, y)


class ChainRuleFigure(LiveFigure):
    """Graph with values and gradients (left); L(x) and its tangent of slope ∂L/∂x (right)."""

    def __init__(self, x: float, w1: float, y: float) -> None:
        controls = {
            "x": widgets.FloatSlider(
                value=x, min=X_RANGE[0], max=X_RANGE[1], step=0.1, description="input x"
            ),
            "w1": widgets.FloatSlider(
                value=w1, min=-2.0, max=2.0, step=0.1, description="weight w₁"
            ),
            "y": widgets.ToggleButtons(
                options=[("label y = 1", 1.0), ("label y = 0", 0.0)],
                value=y,
                description="target",
            ),
        }
        super().__init__(
            controls, ncols=2, figsize=(11.6, 4.4), gridspec_kw={"width_ratios": [2.9, 1.0]}
        )
        self._align_sums()

    def _build(self, ax_graph, ax_curve) -> None:
        # Only numbers are live; names, boxes and arrows sit in the cached static layer.
        self.keep_static(*self._build_graph(ax_graph))
        self.xs = np.linspace(*X_RANGE, 241)
        (self.curve,) = ax_curve.plot([], [], color=COLORS["model"], lw=2, label="loss L(x)")
        (self.tangent,) = ax_curve.plot(
            [], [], "--", color=COLORS["validation"], lw=2, label="slope = ∂L/∂x (product)"
        )
        (self.point,) = ax_curve.plot(
            [], [], "o", color=COLORS["highlight"], ms=8, label="the example's x"
        )
        ax_curve.set_xlim(*X_RANGE)
        ax_curve.set_ylim(-0.3, 8.5)
        ax_curve.legend(loc="upper center", fontsize=9)
        style_axes(ax_curve, "The product is\nthe slope of L(x)", "input x", "loss L")

    def _build_graph(self, ax) -> list:
        """The graph: a box per node (value on top, gradient below), an edge between each pair.

        Returns the static artists; keeps the live number texts in self.*_nums.
        """
        n = len(NODES)
        ax.set_xlim(0.0, n)
        ax.set_ylim(0.0, 1.0)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        style_axes(
            ax,
            "Backward pass: ∂L/∂(left node) = local × upstream, edge by edge",
            "forward pass → (values, top row)      ← backward pass (gradients, bottom row)",
            "values / gradients",
            grid=False,
        )
        static = []
        self.value_nums, self.grad_nums, self.local_nums, self.upstream_nums = [], [], [], []
        for i, node in enumerate(NODES):
            cx = i + 0.5
            _box(ax, static, cx, TOP, LABELS[node], "white", COLORS["data"])
            self.value_nums.append(PictureLabel(self, ax, cx, TOP - 0.04, fontsize=11))
            _box(ax, static, cx, BOTTOM, f"∂L/∂{LABELS[node]}", "#FBE3D6", UPSTREAM_COLOR)
            if i == n - 1:  # ∂L/∂L = 1 whatever the controls: static
                static.append(ax.text(cx, BOTTOM - 0.04, "+1.000", ha="center", va="center",
                                      fontsize=11))  # fmt: skip
                break
            self.grad_nums.append(PictureLabel(self, ax, cx, BOTTOM - 0.04, fontsize=11))
            static += self._build_edge(ax, i)
        # The two sums: a static label, then its live number on the same baseline, in the
        # same (monospace) font; `_align_sums` moves each number right after its label.
        size = 9.0
        self.sum_labels = [
            ax.text(x0, SUM_BASELINE, label, transform=ax.transAxes, ha="left", va="baseline",
                    family="monospace", fontsize=size)
            for x0, label in ((0.0, "∂L/∂x = product of the 5 local gradients:"),
                              (0.53, "closed form (ŷ−y)·w₂·1[z₁>0]·w₁:"))
        ]  # fmt: skip
        self.product_num, self.closed_num = (
            PictureLabel(self, ax, x, SUM_BASELINE, coords="axes", ha="left", va="bottom",
                         fontsize=size)
            for x in (0.405, 0.87)
        )  # fmt: skip
        return static + self.sum_labels

    def _align_sums(self) -> None:
        """Put each sum's number one space after its label, its digits on the label's baseline.

        Needs the final layout (axes fractions ↔ pixels), so it runs after `__init__` froze it.
        """
        ax = self.sum_labels[0].axes
        box = ax.get_window_extent()
        picture = text_picture("0", self.fig.dpi, self.product_num.fontsize)[..., 3]
        ink_rows = np.flatnonzero(picture.max(axis=1) > 0.5)
        below_baseline = picture.shape[0] - 1 - ink_rows[-1]  # pixels under the digits
        space = picture.shape[1]  # one monospace cell
        for label, num in zip(self.sum_labels, (self.product_num, self.closed_num), strict=True):
            right = label.get_window_extent().x1 + space
            num.xy = ((right - box.x0) / box.width, SUM_BASELINE - below_baseline / box.height)

    def _build_edge(self, ax, i: int) -> list:
        """Edge NODES[i] → NODES[i + 1]: arrows, the op, local × upstream; returns the static."""
        cx, node, nxt = i + 0.5, NODES[i], NODES[i + 1]
        src, dst = LABELS[node], LABELS[nxt]
        arrow = {"arrowstyle": "-|>", "lw": 1.5, "shrinkA": 0, "shrinkB": 0}
        static = [
            ax.annotate("", xy=(cx + 0.7, TOP), xytext=(cx + 0.3, TOP),
                        arrowprops={**arrow, "color": COLORS["data"]}),
            ax.annotate("", xy=(cx + 0.3, BOTTOM), xytext=(cx + 0.7, BOTTOM),
                        arrowprops={**arrow, "color": UPSTREAM_COLOR}),
            ax.text(cx + 0.5, TOP + 0.09, OPS[i], ha="center", va="bottom", fontsize=9),
            ax.text(cx + 0.5, MID + 0.13, f"local ∂{dst}/∂{src}", ha="center",
                    va="center", fontsize=9, color=LOCAL_COLOR),
            ax.text(cx + 0.5, MID - 0.03, f"× upstream ∂L/∂{dst}", ha="center",
                    va="center", fontsize=9, color=UPSTREAM_COLOR),
        ]  # fmt: skip
        number = {"ha": "center", "va": "center", "fontsize": 9}
        if node == "a1":  # ∂z₂/∂a₁ = w₂, which has no slider: static
            static.append(ax.text(cx + 0.5, MID + 0.06, f"= {CHAIN_W2:+.3f}", color=LOCAL_COLOR,
                                  **number))  # fmt: skip
            self.local_nums.append(None)
        else:
            self.local_nums.append(
                PictureLabel(self, ax, cx + 0.5, MID + 0.06, color=LOCAL_COLOR, **number)
            )
        if nxt == "L":  # ∂L/∂L = 1: static
            static.append(ax.text(cx + 0.5, MID - 0.10, "= +1.000", color=UPSTREAM_COLOR,
                                  **number))  # fmt: skip
        else:
            self.upstream_nums.append(
                PictureLabel(self, ax, cx + 0.5, MID - 0.10, color=UPSTREAM_COLOR, **number)
            )
        return static

    def _draw(self, x: float, w1: float, y: float) -> None:
        ex = twolayer.chain_example(x, y, w1=w1, b1=CHAIN_B1, w2=CHAIN_W2, b2=CHAIN_B2)
        nodes, edges = ex["nodes"], ex["edges"]
        for text, value in zip(self.value_nums, nodes.values(), strict=True):
            text.set_text(f"{value + 0.0:+.3f}")  # + 0.0: no "-0.000"
        for text, e in zip(self.grad_nums, edges, strict=False):  # ∂L/∂L = 1 is static
            text.set_text(f"{e['grad'] + 0.0:+.3f}")
        for text, e in zip(self.local_nums, edges, strict=True):
            if text is not None:  # None: the local gradient w₂ is a constant, drawn static
                text.set_text(f"= {e['local'] + 0.0:+.3f}")
        for text, e in zip(self.upstream_nums, edges, strict=False):  # ∂L/∂L = 1 is static
            text.set_text(f"= {e['upstream'] + 0.0:+.3f}")
        self.product_num.set_text(f"{ex['product'] + 0.0:+.6f}")
        self.closed_num.set_text(f"{ex['end_to_end'] + 0.0:+.6f}")
        L = chain_loss(self.xs, y, w1=w1, b1=CHAIN_B1, w2=CHAIN_W2, b2=CHAIN_B2)
        self.curve.set_data(self.xs, L)
        dx = np.array([-0.8, 0.8])
        self.tangent.set_data(x + dx, nodes["L"] + ex["product"] * dx)
        self.point.set_data([x], [nodes["L"]])


# ---------------------------------------------------------------------------------------------
# C25: autodiff is exact, finite differences are not
# ---------------------------------------------------------------------------------------------

H_LOG_RANGE = (-12.0, -1.0)  # log₁₀ of the step h
H_LOG_STEP = 0.25
ERROR_FLOOR = 1e-17  # an error of exactly 0 is drawn here (a log axis has no 0)
GRADCHECK_BAR = 1e-7  # the project-wide bar for float64 gradient checks
FD_COLOR = OKABE_ITO["orange"]
AUTODIFF_COLOR = OKABE_ITO["blue"]


@register
def gradient_error_figure(h: float = 1e-5):
    """Finite differences vs autodiff: the error of each against the exact gradient, vs step h."""
    return GradientErrorFigure(h)


class GradientErrorFigure(LiveFigure):
    """Largest relative error vs h, the V (left); every gradient entry's error at this h (right)."""

    def __init__(self, h: float) -> None:
        self.params, self.x, self.y = error_problem()
        exps = np.arange(H_LOG_RANGE[0], H_LOG_RANGE[1] + H_LOG_STEP / 2, H_LOG_STEP)
        self.hs = 10.0**exps
        # Precomputed once (≈ 50 ms): every slider position's finite-difference gradient.
        self.curve, self.auto = fd_error_curve(self.params, self.x, self.y, self.hs)
        controls = {
            "h": widgets.FloatLogSlider(
                value=h,
                base=10,
                min=H_LOG_RANGE[0],
                max=H_LOG_RANGE[1],
                step=H_LOG_STEP,
                readout_format=".1e",
                description="finite-difference step h",
            )
        }
        super().__init__(
            controls, ncols=2, figsize=(11.6, 4.4), gridspec_kw={"width_ratios": [1.3, 1.0]}
        )

    def _snap(self, h: float) -> tuple[float, np.ndarray]:
        """The slider's grid point nearest to h (as the browser's slider does) and its errors."""
        k = int(np.clip(np.rint((np.log10(h) - H_LOG_RANGE[0]) / H_LOG_STEP), 0, len(self.hs) - 1))
        return float(self.hs[k]), self.curve[k]

    def _build(self, ax_curve, ax_entries) -> None:
        self.keep_static(*self._build_curve(ax_curve), *self._build_entries(ax_entries))

    def _build_curve(self, ax_curve) -> list:
        """Left: the largest error vs h, autodiff's level, the bar, the ε/h and h² guides."""
        worst = self.curve.max(axis=1)
        auto = max(float(self.auto.max()), ERROR_FLOOR)
        best = int(np.argmin(worst))
        static = [
            *ax_curve.loglog(self.hs, worst, "-", color=FD_COLOR, lw=2,
                             label="finite differences (central)"),
            ax_curve.axhline(auto, color=AUTODIFF_COLOR, lw=2, label="autodiff (vs manual)"),
            ax_curve.axhline(GRADCHECK_BAR, color=COLORS["reference"], ls=":", lw=1.5,
                             label="gradient-check bar 10⁻⁷"),
            *ax_curve.plot(self.hs[best], worst[best], "v", color=COLORS["data"], ms=8,
                           label=f"best h ≈ {self.hs[best]:.0e}"),
        ]  # fmt: skip
        eps = np.finfo(float).eps
        # Guides through the curve's ends: rounding ≈ c·ε/h on the left, truncation ≈ c·h² right.
        c_round = worst[0] * self.hs[0] / eps
        c_trunc = worst[-1] / self.hs[-1] ** 2
        static += [
            *ax_curve.loglog(self.hs, c_round * eps / self.hs, "--", color=COLORS["reference"],
                             lw=1),
            *ax_curve.loglog(self.hs, c_trunc * self.hs**2, "--", color=COLORS["reference"],
                             lw=1),
            ax_curve.text(2e-12, 3e-3, "rounding ∝ ε/h", rotation=-22, fontsize=9,
                          color="#555555"),
            ax_curve.text(2e-4, 3e-7, "truncation ∝ h²", rotation=35, fontsize=9,
                          color="#555555"),
        ]  # fmt: skip
        (self.marker,) = ax_curve.plot([], [], "o", color=COLORS["highlight"], ms=9, zorder=5)
        self.vline = ax_curve.axvline(1e-5, color=COLORS["highlight"], lw=1, alpha=0.6)
        ax_curve.set_xlim(self.hs[0] / 2, self.hs[-1] * 2)
        ax_curve.set_ylim(ERROR_FLOOR / 3, 10.0)
        ax_curve.legend(loc="lower left", fontsize=8)
        style_axes(
            ax_curve,
            "Largest relative error of ∂L/∂θ vs the step h",
            "finite-difference step h",
            "relative error (max over entries)",
        )
        self.readout = ax_curve.text(
            0.98, 0.97, "", transform=ax_curve.transAxes, ha="right", va="top", fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}, zorder=6,
        )  # fmt: skip
        return static

    def _build_entries(self, ax_entries) -> list:
        """Right: one dot per gradient entry, grouped by parameter."""
        sizes = [self.params[k].size for k in twolayer.PARAM_KEYS]
        idx = np.arange(sum(sizes))
        self.idx = idx
        starts = np.cumsum([0, *sizes])
        static = [
            ax_entries.scatter(idx, np.maximum(self.auto, ERROR_FLOOR), color=AUTODIFF_COLOR,
                               marker="s", s=28, label="autodiff", zorder=3),
            ax_entries.axhline(GRADCHECK_BAR, color=COLORS["reference"], ls=":", lw=1.5,
                               label="bar 10⁻⁷"),
        ]  # fmt: skip
        for s in starts[1:-1]:
            static.append(ax_entries.axvline(s - 0.5, color="#BBBBBB", lw=1))
        (self.fd_dots,) = ax_entries.plot(
            [], [], "o", color=FD_COLOR, ms=6, label="finite differences", zorder=4
        )
        ax_entries.set_xticks((starts[:-1] + starts[1:] - 1) / 2, list(twolayer.PARAM_KEYS))
        ax_entries.set_yscale("log")
        ax_entries.set_xlim(-0.8, idx[-1] + 0.8)
        ax_entries.set_ylim(ERROR_FLOOR / 3, 10.0)
        # outside the axes: inside, it would cover the dots of the last b1 entries
        ax_entries.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        style_axes(
            ax_entries,
            "Every gradient entry at this h",
            "entry of ∂L/∂θ, by parameter",
            "relative error (0 drawn at 10⁻¹⁷)",
        )
        return static

    def _draw(self, h: float) -> None:
        h, errors = self._snap(h)
        worst = float(errors.max())
        self.marker.set_data([h], [worst])
        self.vline.set_xdata([h, h])
        self.fd_dots.set_data(self.idx, np.maximum(errors, ERROR_FLOOR))
        verdict = "passes" if worst < GRADCHECK_BAR else "fails"
        self.readout.set_text(
            f"h = {h:.1e}\nfinite differences: {worst:.1e} ({verdict} 10⁻⁷)\n"
            f"autodiff: {float(self.auto.max()):.1e} at every h"
        )
