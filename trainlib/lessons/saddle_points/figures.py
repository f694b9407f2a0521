"""Notebook 04's live figures: minima are rare in high dimensions; noise escapes saddles.

- `minima_fraction_figure`: a dimension slider over random symmetric (GOE) Hessians — the
  fraction with all eigenvalues positive on a log scale (Monte Carlo + the large-n law) and
  the distribution of the number of negative eigenvalues at the chosen n.
- `saddle_escape_figure`: gradient descent on L = x² − y² + y⁴/4 started on the saddle's
  stable manifold y = 0; a noise slider (0 = exact gradients) and a noise seed.
- `network_saddle_figure`: a two-tanh-unit network at its symmetric critical point; a nudge
  along the negative-curvature eigenvector and a step slider show the units splitting.

All Monte Carlo and every training run of the third figure happen once, at construction
(cached per process), so a control move only redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.saddle_points import experiments as hs
from trainlib.lessons.saddle_points.experiments import (
    INDEX_DIMS,
    INDEX_SAMPLES,
    MC_DIMS,
    NET_STEPS,
    SADDLE_STEPS,
    escape_step,
    goe_tables,
    network_saddle_runs,
    saddle_run,
)
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, OKABE_ITO, style_axes
from trainlib.surfaces import saddle

# --- figure 1: how rare minima are --------------------------------------------------------


def _one_in(p: float) -> str:
    """'1 in 6.8' / '1 in 42,000' / '1 in 3.1e+09' — a probability a student can picture."""
    inv = 1.0 / p
    if inv < 100:
        return f"1 in {inv:.2g}"
    if inv < 1e7:
        return f"1 in {float(f'{inv:.2g}'):,.0f}"
    return f"1 in {inv:.2g}"


@register
def minima_fraction_figure(n: int = 6):
    """Dimension slider: share of random Hessians that are minima (log), index histogram."""
    return MinimaFractionFigure(n)


class MinimaFractionFigure(LiveFigure):
    """Left: P(all eigenvalues > 0) vs n, log scale. Right: number of negative eigenvalues."""

    def __init__(self, n: int) -> None:
        self.tables = goe_tables()
        controls = {
            "n": widgets.IntSlider(
                value=n, min=INDEX_DIMS[0], max=INDEX_DIMS[-1], description="dimension n"
            )
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.3))

    def _build(self, ax_frac, ax_index) -> None:
        t = self.tables
        hit = [f for f in t["fractions"] if f.count]
        zero = [f for f in t["fractions"] if not f.count]
        p_hat = np.array([f.fraction for f in hit])
        spread = np.exp(2.0 / np.sqrt([f.count for f in hit]))  # ±2 s.e. of ln p̂
        mc = ax_frac.errorbar(
            [f.n for f in hit], p_hat, yerr=[p_hat - p_hat / spread, p_hat * spread - p_hat],
            fmt="o", color=COLORS["data"], capsize=3, zorder=4,
            label="Monte Carlo, 10⁶ matrices (±2 s.e. of ln p̂)",
        )  # fmt: skip
        static = [*mc.lines[:1], *mc.lines[2], *mc.lines[1]]
        if zero:
            (up,) = ax_frac.plot(
                [f.n for f in zero], [f.upper95 for f in zero], "v", color=COLORS["data"],
                mfc="white", ms=8, zorder=4, label="none found: 95 % upper bound 3/10⁶",
            )  # fmt: skip
            static.append(up)
        ns = np.linspace(1.0, INDEX_DIMS[-1], 200)
        (law,) = ax_frac.plot(
            ns, hs.large_deviation(ns, t["a"]), "--", color=COLORS["model"], lw=2,
            label=f"law exp(−(ln 3/4)·n² − {t['a']:.2f}·n)",
        )  # fmt: skip
        p1, p2 = t["fractions"][0].fraction, t["fractions"][1].fraction
        (geo,) = ax_frac.plot(
            ns, p1 * (p2 / p1) ** (ns - 1.0), ":", color=COLORS["reference"], lw=2,
            label="if it were exponential (through n = 1, 2)",
        )  # fmt: skip
        static += [law, geo]
        self.vline = ax_frac.axvline(1.0, color=COLORS["highlight"], lw=1.5, alpha=0.6)
        (self.dot,) = ax_frac.plot(
            [], [], "o", mfc="none", mec=COLORS["highlight"], mew=2.5, ms=15, zorder=5
        )
        self.readout = ax_frac.text(
            0.97, 0.96, "", transform=ax_frac.transAxes, ha="right", va="top", zorder=6,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_frac.set_yscale("log")
        ax_frac.set_xlim(0.5, INDEX_DIMS[-1] + 0.5)
        ax_frac.set_ylim(1e-22, 2.0)
        ax_frac.legend(loc="lower left", fontsize="small")
        style_axes(
            ax_frac, "Random Hessians that are minima", "dimension n", "P(all eigenvalues > 0)"
        )

        ks = np.arange(INDEX_DIMS[-1] + 1)
        self.bars = ax_index.bar(ks, np.zeros_like(ks, dtype=float), color=COLORS["reference"])
        self.hist_text = ax_index.text(
            0.97, 0.96, "", transform=ax_index.transAxes, ha="right", va="top", zorder=6,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_index.set_xlim(-0.6, INDEX_DIMS[-1] + 0.6)
        ax_index.set_ylim(0.0, 1.0)
        ax_index.set_xticks(ks[::2])
        style_axes(
            ax_index,
            "How many directions\ncurve downhill?",
            "negative eigenvalues k\n(0 = minimum, n = maximum)",
            f"share of {INDEX_SAMPLES} random Hessians",
        )
        self.keep_static(*static)

    def _estimate(self, n: int) -> tuple[float, str]:
        t = self.tables
        if n <= MC_DIMS[-1] and t["fractions"][n - 1].count:
            f = t["fractions"][n - 1]
            return f.fraction, f"sampled: {_one_in(f.fraction)}"
        p = float(hs.large_deviation(n, t["a"]))
        return p, f"law: {_one_in(p)}"

    def _draw(self, n: int) -> None:
        p, text = self._estimate(n)
        self.vline.set_xdata([n, n])
        self.dot.set_data([n], [p])
        self.readout.set_text(f"n = {n}, {text}")  # short: every glyph is redrawn per move
        share = self.tables["index"][n] / INDEX_SAMPLES
        for k, bar in enumerate(self.bars):
            bar.set_height(share[k] if k <= n else 0.0)
            if k == 0:
                bar.set_color(COLORS["highlight"])
            elif k == n:
                bar.set_color(COLORS["model"])
            else:
                bar.set_color(COLORS["reference"])
        counts = self.tables["index"][n]
        self.hist_text.set_text(
            f"minima {counts[0]} · saddles {counts[1:n].sum()} · maxima {counts[n]}"
        )


# --- figure 2: exact vs noisy gradient descent at a saddle ------------------------------------


@register
def saddle_escape_figure(noise: float = 0.05, seed: int = 0):
    """Noise slider: exact GD stalls at the saddle of x² − y² + y⁴/4; noisy GD escapes."""
    return SaddleEscapeFigure(noise, seed)


class SaddleEscapeFigure(LiveFigure):
    """Left: contour plot with both paths. Right: loss vs step."""

    def __init__(self, noise: float, seed: int) -> None:
        self.exact = saddle_run(0.0)
        controls = {
            "noise": widgets.FloatSlider(
                value=noise, min=0.0, max=0.5, step=0.01, readout_format=".2f",
                description="gradient noise σ (0 = exact)",
            ),
            "seed": widgets.IntSlider(value=seed, min=0, max=9, description="noise seed"),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(10.0, 4.3))

    def _build(self, ax_map, ax_loss) -> None:
        X, Y, Z = saddle.grid(160)
        cs = ax_map.contour(
            X, Y, Z, levels=np.linspace(-1.0, 4.0, 21), cmap="viridis", linewidths=1
        )
        (mins,) = ax_map.plot(
            *saddle.minima.T, "*", color="white", mec="black", ms=15, label="minima (0, ±√2)"
        )
        (sad,) = ax_map.plot(0, 0, "X", color="black", ms=10, label="saddle (0, 0)")
        xs = self.exact.xs
        (ex_map,) = ax_map.plot(
            xs[:, 0], xs[:, 1], ".-", color=COLORS["SGD"], lw=2, ms=4, label="exact GD"
        )
        (self.noisy_map,) = ax_map.plot(
            [], [], ".-", color=COLORS["highlight"], lw=1.5, ms=3, label="noisy GD"
        )
        ax_map.set_xlim(*saddle.window[0])
        ax_map.set_ylim(*saddle.window[1])
        ax_map.legend(loc="lower left", fontsize="small", ncols=2)
        style_axes(ax_map, "L(x, y) = x² − y² + y⁴/4, start (1.5, 0)", "x", "y", grid=False)

        steps = np.arange(SADDLE_STEPS + 1)
        ref0 = ax_loss.axhline(0.0, color=COLORS["reference"], lw=1, ls="--")
        ref1 = ax_loss.axhline(-1.0, color=COLORS["reference"], lw=1, ls=":")
        t0 = ax_loss.text(SADDLE_STEPS, 0.05, "saddle level L = 0", ha="right", va="bottom")
        t1 = ax_loss.text(SADDLE_STEPS, -0.95, "minimum L = −1", ha="right", va="bottom")
        (ex_loss,) = ax_loss.plot(steps, self.exact.losses, color=COLORS["SGD"], lw=2.5,
                                  label="exact GD")  # fmt: skip
        (self.noisy_loss,) = ax_loss.plot([], [], color=COLORS["highlight"], lw=2,
                                          label="noisy GD")  # fmt: skip
        self.status = ax_loss.text(
            0.97, 0.75, "", transform=ax_loss.transAxes, ha="right", va="top", zorder=6,
            fontsize="medium", bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_loss.set_xlim(0, SADDLE_STEPS)
        ax_loss.set_ylim(-1.2, 2.4)
        ax_loss.legend(loc="upper right", fontsize="small")
        style_axes(ax_loss, "Loss per step (learning rate 0.1)", "step t", "loss L(xₜ, yₜ)")
        self.keep_static(cs, mins, sad, ex_map, ref0, ref1, t0, t1, ex_loss)

    def _draw(self, noise: float, seed: int) -> None:
        path = saddle_run(noise, seed)
        self.noisy_map.set_data(path.xs[:, 0], path.xs[:, 1])
        self.noisy_loss.set_data(np.arange(len(path.losses)), path.losses)
        k = escape_step(path)
        if noise == 0:
            msg = "σ = 0: the same run as exact GD\nstuck at the saddle, y stays 0"
        elif k is None:
            msg = f"σ = {noise:.2f}: still near y = 0\nafter {SADDLE_STEPS} steps"
        else:
            msg = (
                f"σ = {noise:.2f}: left the axis (|y| > 0.5) at step {k}\n"
                f"final loss {path.losses[-1]:.3f}, y = {path.final[1]:+.2f}"
            )
        self.status.set_text(msg)


# --- figure 3: a saddle inside a tiny network --------------------------------------------------


@register
def network_saddle_figure(nudge: float = 1e-5, step: int = 1000):
    """Two tanh units at their symmetric critical point: nudge it, then watch GD split them."""
    return NetworkSaddleFigure(nudge, step)


class NetworkSaddleFigure(LiveFigure):
    """Left: loss vs step for the chosen nudge (log). Right: the network and its two units."""

    def __init__(self, nudge: float, step: int) -> None:
        self.data = network_saddle_runs()
        controls = {
            "nudge": widgets.SelectionSlider(
                options=[("0 (exact symmetry)", 0.0), ("1e-8", 1e-8), ("1e-5", 1e-5),
                         ("1e-2", 1e-2)],
                value=nudge, description="nudge ε along the downhill eigenvector",
            ),
            "step": widgets.IntSlider(
                value=step, min=0, max=NET_STEPS, step=10, description="training step t"
            ),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(10.0, 4.3))

    def _build(self, ax_loss, ax_fit) -> None:
        d = self.data
        flat = d["runs"][0.0].losses
        (stuck,) = ax_loss.plot(
            np.arange(len(flat)), flat, "--", color=COLORS["reference"], lw=2,
            label="ε = 0: units stay identical",
        )  # fmt: skip
        self.keep_static(stuck)
        (self.loss_line,) = ax_loss.plot(
            [], [], color=COLORS["SGD"], lw=2, label="loss for the chosen ε"
        )
        (self.loss_dot,) = ax_loss.plot([], [], "o", color=COLORS["highlight"], ms=9,
                                        label="step t")  # fmt: skip
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, NET_STEPS)
        ax_loss.set_ylim(3e-4, 0.2)
        ax_loss.legend(loc="lower left", fontsize="small")
        style_axes(ax_loss, "GD from the symmetric point (α = 0.5)", "step", "loss L(θ) (MSE)")

        xf = np.linspace(-3.0, 3.0, 200)
        self.xf = xf
        pts = ax_fit.scatter(d["x"], d["y"], s=14, color=COLORS["data"], zorder=3,
                             label="data (two steps)")  # fmt: skip
        (self.net_line,) = ax_fit.plot([], [], color=COLORS["model"], lw=2.5, label="network f(x)")
        (self.unit1,) = ax_fit.plot([], [], "--", color=OKABE_ITO["orange"], lw=2,
                                    label="unit 1: v₁·tanh(w₁x + b₁)")  # fmt: skip
        (self.unit2,) = ax_fit.plot([], [], ":", color=OKABE_ITO["reddish purple"], lw=2.5,
                                    label="unit 2: v₂·tanh(w₂x + b₂)")  # fmt: skip
        self.fit_text = ax_fit.text(
            0.03, 0.96, "", transform=ax_fit.transAxes, va="top", zorder=6, fontsize="small",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        ax_fit.set_xlim(-3.0, 3.0)
        ax_fit.set_ylim(-2.0, 2.0)
        ax_fit.legend(loc="lower right", fontsize="small")
        style_axes(ax_fit, "The network at step t", "input x", "output")
        self.keep_static(pts)

    def _draw(self, nudge: float, step: int) -> None:
        path = self.data["runs"][nudge]
        t = min(step, path.steps)
        self.loss_line.set_data(np.arange(len(path.losses)), path.losses)
        self.loss_dot.set_data([t], [path.losses[t]])
        theta = path.xs[t]
        w, b, v = theta[:2], theta[2:4], theta[4:]
        units = v * np.tanh(np.outer(self.xf, w) + b)
        self.net_line.set_data(self.xf, units.sum(axis=1))
        self.unit1.set_data(self.xf, units[:, 0])
        self.unit2.set_data(self.xf, units[:, 1])
        gap = float(np.abs(theta[[0, 2, 4]] - theta[[1, 3, 5]]).max())
        self.fit_text.set_text(
            f"step {t}: loss {path.losses[t]:.2e}\nlargest gap between the units: {gap:.1e}"
        )


# --- figure 4 (in figures_escape.py): how long the plateau at a saddle lasts -----------------

from trainlib.lessons.saddle_points.figures_escape import escape_time_figure  # noqa: E402, F401
