"""Notebook 07's figures of the adaptive optimisers up close.

- `RateFigure`: AdaGrad's effective rate dies, RMSProp's settles (and recovers when the
  gradients shrink); AdaGrad keeps a rare feature's rate high.
- `AdamBiasFigure`: Adam's raw moments m, v against the bias-corrected m̂, v̂ in the first
  steps, and the step size with and without the correction.
- `AdamWFigure`: Adam with L2 in the gradient against AdamW, per weight decay λ.

Their factories are in `figures.py`; every number comes from `experiments`, computed once.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.optimisers import experiments as E
from trainlib.live import LiveFigure
from trainlib.live.artists import readout
from trainlib.plot import COLORS, style_axes

__all__ = ["AdamBiasFigure", "AdamWFigure", "RateFigure"]


class RateFigure(LiveFigure):
    """Left: α/(√G+ε) vs α/(√v+ε) per step (log–log). Right: AdaGrad on a rare feature."""

    def __init__(self, decay: float, shrink: float) -> None:
        self.traces, self.sparse = E.rate_tables()
        controls = {
            "decay": widgets.ToggleButtons(
                options=[(f"{a:g}", a) for a in E.RMSPROP_DECAYS], value=decay,
                description="RMSProp decay ρ",
            ),
            "shrink": widgets.SelectionSlider(
                options=[(f"{v:.3g}", v) for v in E.SHRINK_GRID],
                value=min(E.SHRINK_GRID, key=lambda v: abs(np.log10(v / shrink))),
                description=f"gradient size after step {self.traces.switch} (× before)",
            ),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(11.0, 4.5))

    def _build(self, ax_rate, ax_sparse) -> None:
        tr, sp = self.traces, self.sparse
        steps = tr.step
        shown = np.unique(np.geomspace(1, len(steps), 200).round().astype(int)) - 1
        self._shown = np.union1d(shown, [tr.switch - 1, tr.switch])  # keep the kink sharp
        (self.ada,) = ax_rate.loglog([], [], color=COLORS["AdaGrad"], lw=2.2,
                                     label="AdaGrad  α/(√G + ε)")  # fmt: skip
        (self.rms,) = ax_rate.loglog([], [], color=COLORS["RMSProp"], lw=2.2,
                                     label="RMSProp  α/(√v + ε)")  # fmt: skip
        sgd = ax_rate.plot(steps[[0, -1]], [tr.lr, tr.lr], "--", color=COLORS["SGD"], lw=1.4,
                           label="SGD  α (constant)")  # fmt: skip
        switch = ax_rate.axvline(tr.switch, color=COLORS["reference"], ls=":", lw=1.4,
                                label="gradients × shrink from here")  # fmt: skip
        self.keep_static(*sgd, switch)
        self.readout = readout(ax_rate, 0.03, 0.04, va="bottom")
        ax_rate.set_xlim(1, steps[-1])
        ax_rate.set_ylim(1e-5, 10.0)
        ax_rate.legend(loc="upper right", fontsize="small")
        style_axes(ax_rate, f"Effective rate per step (α = {tr.lr:g}, g ~ N(0, 1))",
                   "step t (log)", "effective rate (log)")  # fmt: skip

        t = np.arange(1, len(sp.rate) + 1)
        # before a feature first appears its G is 0 and its rate α/ε ≈ 10⁹⁻¹⁰: not drawn
        f0, f1 = (int(np.argmax(sp.active[:, j])) for j in (0, 1))
        shown = np.concatenate([sp.rate[f0:, 0], sp.rate[f1:, 1]])
        a = ax_sparse.semilogy(
            t[f0:],
            sp.rate[f0:, 0],
            color=COLORS["AdaGrad"],
            lw=2.0,
            label=f"frequent feature (in {sp.p_active[0]:.0%} of samples)",
        )
        b = ax_sparse.semilogy(
            t[f1:],
            sp.rate[f1:, 1],
            color=COLORS["AdaGrad"],
            lw=2.0,
            ls="--",
            label=f"rare feature (in {sp.p_active[1]:.0%})",
        )
        hits = np.flatnonzero(sp.active[:, 1]) + 1
        c = ax_sparse.plot(hits, sp.rate[hits - 1, 1], "o", color=COLORS["AdaGrad"], ms=5,
                           mfc="white", label="rare feature present")  # fmt: skip
        self.keep_static(*a, *b, *c)
        ax_sparse.set_ylim(0.5 * shown.min(), 2.0 * shown.max())
        ax_sparse.legend(loc="upper right", fontsize="small")
        style_axes(ax_sparse, "Sparse features:\nAdaGrad's rate per weight",
                   "sample t (each curve from its\nfeature's first appearance)",
                   "effective rate α/(√G + ε) (log)")  # fmt: skip

    def _draw(self, decay: float, shrink: float) -> None:
        ada, rms = E.rate_column(shrink)
        rms = rms[decay]
        i = self._shown  # log-spaced steps: the same picture with a fifth of the points
        self.ada.set_data(self.traces.step[i], ada[i])
        self.rms.set_data(self.traces.step[i], rms[i])
        self.readout.set_text(f"t = {self.traces.step[-1]}: AdaGrad {ada[-1]:.2g}, "
                              f"RMSProp {rms[-1]:.2g}")  # fmt: skip


class AdamBiasFigure(LiveFigure):
    """m vs m̂ (left), v vs v̂ (middle), |Δθ|/η with and without the correction (right)."""

    def __init__(self, beta1: float, beta2: float) -> None:
        self.grads = E.bias_gradients()
        controls = {
            "beta1": widgets.SelectionSlider(options=list(E.BETA1S), value=beta1,
                                             description="β₁ (average of g)"),
            "beta2": widgets.SelectionSlider(options=list(E.BETA2S), value=beta2,
                                             description="β₂ (average of g²)"),
        }  # fmt: skip
        super().__init__(controls, ncols=3, figsize=(11.6, 4.0))

    def _build(self, ax_m, ax_v, ax_step) -> None:
        t = np.arange(1, E.BIAS_STEPS + 1)
        self.t = t
        g = self.grads[:, 0]
        mean_g = np.cumsum(g) / t
        mean_g2 = np.cumsum(g * g) / t
        ad = COLORS["Adam"]
        static = [
            *ax_m.plot(t, g, "o", color=COLORS["data"], ms=4, alpha=0.5, label="gradient gₜ"),
            *ax_m.plot(t, mean_g, color=COLORS["reference"], lw=1.5,
                       label="plain mean of g₁…gₜ"),
            *ax_v.plot(t, g * g, "o", color=COLORS["data"], ms=4, alpha=0.5, label="gₜ²"),
            *ax_v.plot(t, mean_g2, color=COLORS["reference"], lw=1.5,
                       label="plain mean of g²"),
            *ax_step.plot(t[[0, -1]], [1.0, 1.0], ":", color=COLORS["reference"], lw=1.2,
                          label="|Δθ| = α"),
        ]  # fmt: skip
        self.keep_static(*static)
        (self.m,) = ax_m.plot([], [], "--", color=ad, lw=2, label="raw m (biased to 0)")
        (self.m_hat,) = ax_m.plot([], [], "-", color=ad, lw=2.4, label="corrected m̂")
        (self.v,) = ax_v.plot([], [], "--", color=ad, lw=2, label="raw v (biased to 0)")
        (self.v_hat,) = ax_v.plot([], [], "-", color=ad, lw=2.4, label="corrected v̂")
        (self.step,) = ax_step.semilogy([], [], "-o", color=ad, lw=2.4, ms=4,
                                        label="Adam (corrected)")  # fmt: skip
        (self.raw,) = ax_step.semilogy([], [], "--", color=ad, lw=2,
                                       label="without correction")  # fmt: skip
        self.readout = readout(ax_step, 0.97, 0.96, ha="right", fontsize="medium")
        for ax in (ax_m, ax_v, ax_step):
            ax.set_xlim(0.5, E.BIAS_STEPS + 0.5)
        ax_m.set_ylim(-0.2, 2.4)
        ax_v.set_ylim(-0.2, 5.0)
        ax_step.set_ylim(0.05, 300.0)
        for ax in (ax_m, ax_v):
            ax.legend(loc="upper right", fontsize="small")
        ax_step.legend(loc="lower right", fontsize="small")
        style_axes(ax_m, "First moment: m vs m̂ = m/(1−β₁ᵗ)", "step t", "value")
        style_axes(ax_v, "Second moment: v vs v̂ = v/(1−β₂ᵗ)", "step t", "value")
        style_axes(ax_step, "Step size per coordinate", "step t", "|Δθₜ| / α (log)")

    def _draw(self, beta1: float, beta2: float) -> None:
        tr = E.adam_moments(self.grads, lr=E.BIAS_LR, beta1=beta1, beta2=beta2)
        t = self.t
        self.m.set_data(t, tr.m[:, 0])
        self.m_hat.set_data(t, tr.m_hat[:, 0])
        self.v.set_data(t, tr.v[:, 0])
        self.v_hat.set_data(t, tr.v_hat[:, 0])
        self.step.set_data(t, tr.step[:, 0] / E.BIAS_LR)
        self.raw.set_data(t, tr.step_raw[:, 0] / E.BIAS_LR)
        self.readout.set_text(
            f"step 1: {tr.step[0, 0] / E.BIAS_LR:.3g}·α, raw {tr.step_raw[0, 0] / E.BIAS_LR:.3g}·α"
        )


class AdamWFigure(LiveFigure):
    """SGD + L2, Adam + L2 and AdamW on a stretched bowl: paths (left), x and y per step
    (middle), and the decay each coordinate gets per step (right)."""

    STYLES = {"SGD + L2": (COLORS["SGD"], 1.6), "Adam + L2": (COLORS["Adam"], 2.4),
              "AdamW": (COLORS["AdamW"], 2.4)}  # fmt: skip

    def __init__(self, weight_decay: float) -> None:
        self.runs = E.adamw_runs()
        controls = {
            "weight_decay": widgets.SelectionSlider(
                options=list(E.WEIGHT_DECAYS), value=weight_decay, description="weight decay λ"
            )
        }
        super().__init__(controls, ncols=3, figsize=(11.6, 4.2))

    def _build(self, ax_path, ax_xy, ax_decay) -> None:
        Z, extent = E.log_landscape("Stretched bowl")
        ax_path.imshow(Z, origin="lower", extent=extent, aspect="auto", cmap="Greys_r",
                       alpha=0.75, interpolation="bilinear")  # fmt: skip
        mins = ax_path.plot(*E.STRETCHED_BOWL.minima.T, "*", color="white", mec="black", ms=15,
                            label="min of L")  # fmt: skip
        self.keep_static(*mins)
        self.lines, self.ends, self.xs, self.ys = {}, {}, {}, {}
        for name, (c, lw) in self.STYLES.items():
            (self.lines[name],) = ax_path.plot([], [], "-", color=c, lw=lw, label=name)
            (self.ends[name],) = ax_path.plot([], [], "o", color=c, mec="black", ms=7)
            (self.xs[name],) = ax_xy.plot([], [], "-", color=c, lw=lw, label=f"{name}: x")
            (self.ys[name],) = ax_xy.plot([], [], "--", color=c, lw=lw, label=f"{name}: y")
        (self.ridge,) = ax_path.plot([], [], "X", color="white", mec="black", ms=10,
                                     label="min of L + ½λ‖θ‖²")  # fmt: skip
        self.decay = {}
        for name, coord, ls in (("Adam + L2", "x", "-"), ("Adam + L2", "y", "--"),
                                ("AdamW", "x", "-"), ("AdamW", "y", "--")):  # fmt: skip
            c, lw = self.STYLES[name]
            (self.decay[name, coord],) = ax_decay.semilogy([], [], ls, color=c, lw=lw,
                                                           label=f"{name}: {coord}")  # fmt: skip
        self.readout = readout(ax_decay, 0.03, 0.97, fontsize="small")
        ax_path.set_xlim(extent[0], extent[1])
        ax_path.set_ylim(extent[2], extent[3])
        ax_path.legend(loc="upper left", fontsize="x-small")
        style_axes(ax_path, "L = ½[(x−2)² + 25(y−2)²]", "x (flat)", "y (stiff)", grid=False)
        steps = len(next(iter(self.runs.values()))["AdamW"].xs)
        for ax in (ax_xy, ax_decay):
            ax.set_xlim(0, steps - 1)
        ax_xy.set_ylim(-0.6, 2.3)
        ax_xy.legend(loc="lower right", fontsize="x-small", ncol=2)
        style_axes(ax_xy, "x (solid) and y (dashed)", "step t", "coordinate value")
        ax_decay.set_ylim(1e-5, 0.3)
        ax_decay.legend(loc="lower right", fontsize="x-small", ncol=2, title_fontsize="x-small",
                        title="Adam + L2: αλ|θᵢ|/(√v̂ᵢ+ε)\nAdamW: αλ|θᵢ|")  # fmt: skip
        style_axes(ax_decay, "Decay per step", "step t", "decay removed per step (log)")

    def _draw(self, weight_decay: float) -> None:
        run = self.runs[weight_decay]
        t = np.arange(len(run["AdamW"].xs))
        for name, path in run.items():
            self.lines[name].set_data(path.xs[:, 0], path.xs[:, 1])
            self.ends[name].set_data([path.final[0]], [path.final[1]])
            self.xs[name].set_data(t, path.xs[:, 0])
            self.ys[name].set_data(t, path.xs[:, 1])
        ridge = E.ridge_optimum(weight_decay)
        self.ridge.set_data(*ridge[:, None])
        decay = E.decay_runs(weight_decay)
        for (name, coord), line in self.decay.items():
            line.set_data(t[1:], np.maximum(decay[name][:, "xy".index(coord)], 1e-300))
        w = run["AdamW"].final
        self.readout.set_text(f"λ = {weight_decay:g}, step {t[-1]}:\n"
                              f"min of L + ½λ‖θ‖²: ({ridge[0]:.3f}, {ridge[1]:.3f})\n"
                              f"AdamW ({w[0]:.3f}, {w[1]:.3f})")  # fmt: skip
