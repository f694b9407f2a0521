"""Notebook 02's distribution figure: KL divergence is not symmetric (C13)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib import losses as L
from trainlib.lessons.loss_functions import experiments as R
from trainlib.lessons.loss_functions import figure_data as F
from trainlib.live import LiveFigure, register
from trainlib.live.readout import Readout
from trainlib.plot import COLORS, style_axes

__all__ = ["KLFigure", "kl_asymmetry"]


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
        ax_kl.set_ylim(0, 10)
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
