"""Notebook 01's figure of C6: the normal equation against gradient descent.

closed_form_figure — normal equation vs gradient descent; conditioning; solve cost (C6).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.learning_problem import linreg
from trainlib.lessons.learning_problem.experiments import (
    GD_TOL,
    MAX_GD_STEPS,
    SOLVE_DS,
    closed_form_run,
    excess_loss_grid,
    measured_solve_seconds,
)
from trainlib.lessons.learning_problem.figures_common import colour_bar, readout
from trainlib.live import LiveFigure, divergence_step, register
from trainlib.plot import COLORS, style_axes

# =========================================================================================
# C6: the closed form vs gradient descent
# =========================================================================================

THETA_BOX = ((-0.5, 3.0), (-1.5, 2.0))  # (θ₁ range, θ₂ range) of the landscape panel


@register
def closed_form_figure(kappa: float = 10.0, lr_fraction: float = 0.5):
    """Gradient descent walks to the closed-form θ; ill-conditioning makes the walk long."""
    return ClosedFormFigure(kappa, lr_fraction)


class ClosedFormFigure(LiveFigure):
    """Loss landscape with the GD path and θ*; error vs step; measured cost of a solve vs d."""

    def __init__(self, kappa, lr_fraction) -> None:
        self.solve_seconds = measured_solve_seconds()
        self._image_kappa = None
        controls = {
            "kappa": widgets.FloatLogSlider(
                kappa, base=10, min=0, max=3, step=0.25, description="condition number κ of AᵀA"
            ),
            "lr_fraction": widgets.FloatSlider(
                lr_fraction,
                min=0.1,
                max=1.2,
                step=0.05,
                description="learning rate α (× stability limit 2/λ_max)",
            ),  # fmt: skip
        }
        super().__init__(controls, ncols=3, figsize=(11.6, 3.9))

    def _build(self, ax_map, ax_err, ax_cost) -> None:
        (t1lo, t1hi), (t2lo, t2hi) = THETA_BOX
        self.t1 = np.linspace(t1lo, t1hi, 90)
        self.t2 = np.linspace(t2lo, t2hi, 90)
        self.image = self.make_live(ax_map.imshow(
            np.zeros((90, 90)), origin="lower", extent=(t1lo, t1hi, t2lo, t2hi), aspect="auto",
            cmap="viridis", interpolation="nearest", vmin=-3, vmax=1.5,
        ))  # fmt: skip
        colour_bar(ax_map, self.image, "log₁₀(L − L*)", label_left=True)
        # no legend here: the live image is painted over the cached layer that holds legends
        (self.path,) = ax_map.plot([], [], ".-", color="white", lw=1, ms=3)
        (self.star,) = ax_map.plot([], [], "*", color=COLORS["highlight"], mec="white", ms=16)
        ax_map.set_xlim(t1lo, t1hi)
        ax_map.set_ylim(t2lo, t2hi)
        style_axes(ax_map, "GD path (white) → θ* (★)", "weight θ₁", "weight θ₂",
                   grid=False)  # fmt: skip
        self.status = self.status_text(ax_map)

        (self.err,) = ax_err.plot([], [], color=COLORS["SGD"], lw=2, label="GD: max|θₜ − θ*|")
        tol = ax_err.axhline(GD_TOL, color=COLORS["reference"], ls="--", label="tolerance 10⁻⁶")
        self.keep_static(tol)
        self.readout = readout(ax_err, x=0.3, y=0.6)  # right of GD's first steps
        ax_err.set_yscale("log")  # linear t, log error: linear convergence is a straight line
        ax_err.set_xlim(0, MAX_GD_STEPS)
        ax_err.set_ylim(1e-8, 1e2)
        ax_err.legend(loc="lower left", fontsize="small")
        style_axes(ax_err, "Distance to the closed form", "GD step t", "max|θₜ − θ*| (log)")

        flops = linreg.solve_flops(SOLVE_DS)
        sec = self.solve_seconds
        rate = float(flops[-1] / sec[-1])  # this machine's speed, from the largest solve
        dd = np.geomspace(SOLVE_DS[0], SOLVE_DS[-1], 30)
        art = [
            ax_cost.plot(SOLVE_DS, sec * 1e3, "o", color=COLORS["model"],
                         label="measured np.linalg.solve")[0],
            ax_cost.plot(dd, linreg.solve_flops(dd) / rate * 1e3, "--", color=COLORS["reference"],
                         label="⅔·d³ flops, scaled\nto the largest d")[0],
        ]  # fmt: skip
        self.keep_static(*art)
        ax_cost.set_xscale("log")
        ax_cost.set_yscale("log")
        ax_cost.set_xticks(SOLVE_DS, [str(d) for d in SOLVE_DS])
        ax_cost.minorticks_off()
        ax_cost.legend(loc="lower right", fontsize="small", handlelength=1.5, borderaxespad=0.3)
        style_axes(ax_cost, "Cost of the closed form", "parameters d", "solve time (ms, log)")

    def _draw(self, kappa, lr_fraction) -> None:
        c = closed_form_run(kappa, lr_fraction)
        theta_star, run, err = c.theta_star, c.run, c.errors
        if self._image_kappa != kappa:
            self._image_kappa = kappa
            excess = excess_loss_grid(c.X, theta_star, self.t1, self.t2)
            self.image.set_data(np.log10(excess + 1e-6))
        self.star.set_data([theta_star[1]], [theta_star[2]])
        th = run.thetas
        step = max(1, len(th) // 150)
        self.path.set_data(th[::step, 1], th[::step, 2])
        t = np.arange(len(err))
        self.err.set_data(t, np.maximum(err, 1e-300))
        k = divergence_step(np.r_[run.losses, np.inf]) if run.diverged else None
        self.show_diverged(self.status, k)
        if run.diverged:
            text = f"α > 2/λ_max:\nthe error grows every\nstep (κ = {kappa:.3g})"
        elif c.steps is not None:
            text = (f"κ = {kappa:.3g}: GD needs\n{c.steps} steps to reach 10⁻⁶;\n"
                    "closed form: one solve")  # fmt: skip
        else:
            text = (f"κ = {kappa:.3g}: GD not\nwithin {MAX_GD_STEPS} steps;\n"
                    "closed form: one solve")  # fmt: skip
        self.readout.set_text(text)
