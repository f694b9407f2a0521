"""Notebook 07's momentum figure (C31): μ and α sliders on the ill-conditioned valley.

`MomentumFigure`: the path of SGD with momentum on the valley beside plain GD at the race's
preset rate α = 10^−1.5 (left), both losses per step on a log axis with the tolerance
(right), and a readout of the steps to the tolerance and the contraction per step the
theory predicts.
Its factory `momentum_figure` is in `figures.py`; every run comes from `experiments_momentum`,
computed once per (μ, α).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.optimisers import experiments_momentum as M
from trainlib.lessons.optimisers.experiments_race import log_landscape
from trainlib.live import LiveFigure
from trainlib.live.divergence import show_diverged, status_text
from trainlib.live.readout import Readout
from trainlib.plot import COLORS, style_axes
from trainlib.train import steps_to_tolerance

__all__ = ["GD_LR", "MomentumFigure"]

#: The baseline: plain gradient descent at the race's preset rate α = 10^−1.5 (not its best:
#: α ≈ 0.0376 needs 121 steps against 144).
GD_LR = 10**-1.5


def _nearest(grid: tuple[float, ...], value: float) -> float:
    return min(grid, key=lambda v: abs(np.log((v + 1e-12) / (value + 1e-12))))


class MomentumFigure(LiveFigure):
    """Left: paths on the valley (momentum vs plain GD). Right: L − L* per step (log)."""

    def __init__(self, mu: float, lr: float) -> None:
        controls = {
            "mu": widgets.SelectionSlider(options=list(M.MOMENTUM_GRID),
                                          value=_nearest(M.MOMENTUM_GRID, mu),
                                          description="momentum μ"),
            "lr": widgets.SelectionSlider(options=[(f"{v:.3g}", v) for v in M.MOMENTUM_LRS],
                                          value=_nearest(M.MOMENTUM_LRS, lr),
                                          description="learning rate α"),
        }  # fmt: skip
        super().__init__(controls, ncols=2, figsize=(11.0, 4.6))

    def _build(self, ax_path, ax_loss) -> None:
        for mu in M.MOMENTUM_GRID:  # every run of the grid, once (~0.3 s): moves stay cheap
            M.momentum_row(mu)
        Z, extent = log_landscape("Valley")
        ax_path.imshow(Z, origin="lower", extent=extent, aspect="auto", cmap="Greys_r",
                       alpha=0.75, interpolation="bilinear")  # fmt: skip
        gd = M.momentum_table(0.0, GD_LR)
        k = steps_to_tolerance(gd, M.MOMENTUM_TOL, 0.0)
        tol = f"{M.MOMENTUM_TOL:.0e}".replace("e-0", "e-")  # 1e-4
        static = [
            *ax_path.plot(*gd.xs.T, "--", color=COLORS["SGD"], lw=1.6, zorder=4,
                          label=f"plain GD, α = {GD_LR:.3g}"),
            *ax_path.plot([0.0], [0.0], "*", color="white", mec="black", ms=15, zorder=6,
                          label="minimum"),
            *ax_loss.semilogy(np.arange(len(gd.losses)), gd.losses, "--", color=COLORS["SGD"],
                              lw=1.8, zorder=4,
                              label=f"plain GD, α = {GD_LR:.3g} (≤ {tol} from step {k})"),
            ax_loss.axhline(M.MOMENTUM_TOL, color=COLORS["reference"], ls=":", lw=1.4),
        ]  # fmt: skip
        self.keep_static(*static)
        c = COLORS["SGD+momentum"]
        (self.path,) = ax_path.plot(
            [],
            [],
            "-",
            color=c,
            lw=2.0,
            alpha=0.85,
            label="SGD + momentum (μ, α in the readout, right)",
        )
        (self.end,) = ax_path.plot([], [], "o", color=c, mec="black", ms=7, zorder=5)
        (self.loss,) = ax_loss.semilogy(
            [], [], "-", color=c, lw=2.0, alpha=0.85, label="SGD + momentum (μ, α in the readout)"
        )
        (self.touch,) = ax_loss.plot([], [], "v", color=c, mec="black", ms=9)
        tol = f"{M.MOMENTUM_TOL:g}"
        self.readout = Readout(
            self, ax_loss, 0.03, 0.04,
            f"SGD + momentum, μ = {{:<5}} α = {{:<7}}\nL ≤ {tol} first at step {{:<5}}\n"
            "stays ≤ it from step   {:<5}\ntheory: distance × {:<6} per step",
            va="bottom", fontsize=9.0,
        )  # fmt: skip
        self.status = status_text(ax_path)
        ax_path.set_xlim(extent[0], extent[1])
        ax_path.set_ylim(extent[2], extent[3])
        ax_path.legend(loc="upper right", fontsize="small")
        style_axes(ax_path, "Valley: curvatures m = 1, M = 50", "θ₁", "θ₂", grid=False)
        ax_loss.set_xlim(0, M.MOMENTUM_STEPS)
        ax_loss.set_ylim(1e-12, 1e4)
        ax_loss.legend(loc="upper right", fontsize="small")
        style_axes(ax_loss, f"Loss per step (dotted: tolerance {M.MOMENTUM_TOL:g})", "step t",
                   "L(θₜ) − L* (log)")  # fmt: skip

    def _draw(self, mu: float, lr: float) -> None:
        path = M.momentum_table(mu, lr)
        self.path.set_data(path.xs[:, 0], path.xs[:, 1])
        self.end.set_data(path.xs[-1:, 0], path.xs[-1:, 1])
        steps = np.arange(len(path.losses))
        self.loss.set_data(steps, np.maximum(path.losses, 1e-300))
        rate = M.momentum_rate(mu, lr)
        show_diverged(self.status, path.diverged_at if path.diverged else None)
        first = None if path.diverged else steps_to_tolerance(path, M.MOMENTUM_TOL, 0.0)
        stays = None if path.diverged or first is None else M.settle_step(path)
        self.touch.set_data([] if first is None else [first],
                            [] if first is None else [path.losses[first]])  # fmt: skip
        never = "—" if path.diverged else "never"
        self.readout.set(
            f"{mu:g}", f"{lr:.3g}", never if first is None else str(first),
            never if stays is None else str(stays), f"{rate:.3f}",
        )  # fmt: skip
