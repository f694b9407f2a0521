"""Notebook 01's live figures: the learning problem.

random_functions_figure — untrained networks are random functions (C1).
train_val_figure        — training lowers the training loss; the held-out loss is separate (C2).
loss_slice_figure       — 1-D and 2-D slices of a trained network's loss are not convex (C3).
forward_memory_figure   — bytes held for backprop, linear in depth, batch and width (C4).
checkpoint_figure       — gradient checkpointing: peak memory down, recomputation up (C5).
closed_form_figure      — normal equation vs gradient descent; conditioning; solve cost (C6).
relu_kink_figure        — a 2-parameter ReLU neuron's loss has creases: no gradient there (C7).
"""

from __future__ import annotations

import functools
import math

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.learning_problem import landscape as ls
from trainlib.lessons.learning_problem import linreg, memory
from trainlib.lessons.learning_problem.experiments import (
    B_SPAN,
    SLICE_GRID,
    W_SPAN,
    kink_slopes,
    linreg_problem,
    loss_slices,
)
from trainlib.live import LiveFigure, divergence_step, register
from trainlib.losses import mse
from trainlib.plot import COLORS, OKABE_ITO, style_axes

#: Five distinguishable colours for five random networks (Okabe–Ito, yellow left out).
SEED_COLORS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "reddish purple", "black")]
_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}


def _readout(ax, x=0.03, y=0.96, **kw):
    return ax.text(
        x, y, "", transform=ax.transAxes, va="top", fontsize="medium", zorder=6, bbox=_BOX, **kw
    )


# =========================================================================================
# C1: an untrained network is a random function
# =========================================================================================


@register
def random_functions_figure(
    seed: int = 0,
    width: int = 32,
    depth: int = 3,
    init_scale: float = 1.5,
    relu: bool = False,
):
    """Five untrained MLPs (seeds seed … seed+4) drawn as the functions f(x) they compute."""
    return RandomFunctionsFigure(seed, width, depth, init_scale, relu)


class RandomFunctionsFigure(LiveFigure):
    """f(x) of five freshly initialised networks of the chosen shape and initial scale."""

    N_NETS = 5
    X = np.linspace(-3.0, 3.0, 241)

    def __init__(self, seed, width, depth, init_scale, relu) -> None:
        controls = {
            "seed": widgets.IntSlider(seed, min=0, max=50, description="first random seed"),
            "width": widgets.IntSlider(width, min=1, max=64, description="hidden width H"),
            "depth": widgets.IntSlider(depth, min=1, max=6, description="hidden layers"),
            "init_scale": widgets.FloatSlider(
                init_scale,
                min=0.0,
                max=3.0,
                step=0.1,
                description="initial weight scale (× Glorot/He)",
            ),  # fmt: skip
            "relu": widgets.ToggleButtons(
                options=[("tanh", False), ("ReLU", True)], value=relu, description="activation"
            ),
        }
        super().__init__(controls, figsize=(9.0, 4.0))

    def _build(self, ax) -> None:
        self.lines = [
            ax.plot([], [], color=c, lw=2, label=f"network {i + 1}")[0]
            for i, c in enumerate(SEED_COLORS)
        ]
        self.readout = _readout(ax, x=0.02, y=0.98)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-4, 4.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
        style_axes(ax, "Untrained networks: five random functions", "input x", "output f(x)")

    def _draw(self, seed, width, depth, init_scale, relu) -> None:
        sizes = [1] + [width] * depth + [1]
        seeds = range(seed, seed + self.N_NETS)
        activation = "relu" if relu else "tanh"
        F = ls.random_functions(self.X, sizes, seeds, activation=activation, init_scale=init_scale)
        for line, f in zip(self.lines, F, strict=True):
            line.set_data(self.X, f)
        spread = float(np.mean(np.std(F, axis=1)))
        differ = float(np.max(np.std(F, axis=0)))
        if spread == 0.0 and differ == 0.0:
            text = "scale 0: every network is f(x) = 0, the same constant function"
        else:
            text = f"wiggle (std over x): {spread:.3g}   largest gap between networks: {differ:.3g}"
        self.readout.set_text(text)


# =========================================================================================
# C2: train on one set, judge on another
# =========================================================================================


@register
def train_val_figure(epoch: int = 200, show_val: bool = True):
    """A tanh MLP fitted to 16 noisy points; scrub through training, held-out loss beside it."""
    return TrainValFigure(epoch, show_val)


class TrainValFigure(LiveFigure):
    """Left: data and the network's function after `epoch` epochs. Right: both loss curves."""

    XS = np.linspace(-3.2, 3.2, 161)

    def __init__(self, epoch, show_val) -> None:
        self.run = ls.train_sine_net()
        r = self.run
        self.preds = []
        self.exact = []  # (training loss, validation loss) of each snapshot, on the full sets
        for s in range(len(r.snapshots)):
            net = r.network(s)
            self.preds.append(net.forward(self.XS[:, None], train=False)[:, 0])
            self.exact.append((
                mse(net.forward(r.X_train, train=False), r.y_train)[0],
                mse(net.forward(r.X_val, train=False), r.y_val)[0],
            ))  # fmt: skip
        every = int(r.snapshot_epochs[1] - r.snapshot_epochs[0])
        controls = {
            "epoch": widgets.IntSlider(
                epoch,
                min=0,
                max=int(r.snapshot_epochs[-1]),
                step=every,
                description="epochs of training",
            ),  # fmt: skip
            "show_val": widgets.Checkbox(
                show_val, description="show the validation points (never trained on)"
            ),
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.0))

    def _build(self, ax_fit, ax_loss) -> None:
        r = self.run
        train = ax_fit.scatter(
            r.X_train[:, 0], r.y_train[:, 0], color=COLORS["train"], s=30, zorder=4,
            label="training points",
        )  # fmt: skip
        self.val_pts = ax_fit.scatter(
            r.X_val[:, 0], r.y_val[:, 0], facecolors="none", edgecolors=COLORS["validation"],
            s=40, lw=1.8, zorder=4, label="validation points",
        )  # fmt: skip
        truth = ax_fit.plot(
            self.XS, np.sin(1.5 * self.XS), ls=":", color=COLORS["reference"], label="sin(1.5x)"
        )
        (self.fit_line,) = ax_fit.plot([], [], color=COLORS["data"], lw=2.2, label="network f(x)")
        self.keep_static(train, *truth)
        ax_fit.set_xlim(self.XS[0], self.XS[-1])
        ax_fit.set_ylim(-2.2, 2.2)
        ax_fit.legend(loc="lower right", fontsize="small", ncols=2)
        style_axes(ax_fit, "The network after training", "input x", "target y")

        ep = np.arange(1, len(r.train_loss) + 1)
        curves = [
            ax_loss.plot(ep, r.train_loss, color=COLORS["train"], lw=1.6,
                         label="training loss (fit minimises this)")[0],
            ax_loss.plot(ep, r.val_loss, color=COLORS["validation"], lw=1.6,
                         label="validation loss (held out)")[0],
        ]  # fmt: skip
        self.keep_static(*curves)
        self.marker = ax_loss.axvline(0, color=COLORS["reference"], lw=1.5, ls="--")
        self.readout = _readout(ax_loss, x=0.35)
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, len(ep))
        lo = min(r.train_loss.min(), r.val_loss.min())
        hi = max(r.train_loss.max(), r.val_loss.max())
        ax_loss.set_ylim(lo * 0.7, hi * 1.5)
        ax_loss.legend(loc="lower left", fontsize="small")
        style_axes(ax_loss, "Mean squared error per epoch", "epoch", "MSE (log scale)")

    def _draw(self, epoch, show_val) -> None:
        s = int(np.searchsorted(self.run.snapshot_epochs, epoch))
        self.fit_line.set_data(self.XS, self.preds[s])
        self.val_pts.set_visible(show_val)
        self.marker.set_xdata([epoch, epoch])
        tr, va = self.exact[s]
        self.readout.set_text(
            f"after epoch {epoch}:\ntraining loss {tr:.3f}\nvalidation loss {va:.3f}"
        )


# =========================================================================================
# C3: slices of a real loss landscape
# =========================================================================================

SLICE_SEEDS = (30, 19, 2)


def _upsample(Z: np.ndarray, f: int) -> np.ndarray:
    """Bilinear refinement of a grid by an integer factor f (to draw smoothly without paying
    for interpolation on every redraw). Shapes: (B, A) → (f·(B−1)+1, f·(A−1)+1)."""
    rows = np.arange(Z.shape[0])
    cols = np.arange(Z.shape[1])
    fine_r = np.linspace(0, Z.shape[0] - 1, f * (Z.shape[0] - 1) + 1)
    fine_c = np.linspace(0, Z.shape[1] - 1, f * (Z.shape[1] - 1) + 1)
    Zc = np.array([np.interp(fine_c, cols, z) for z in Z])
    return np.array([np.interp(fine_r, rows, z) for z in Zc.T]).T


@register
def loss_slice_figure(directions: int = 0, beta: float = 0.0):
    """A 2-D slice of a trained network's loss and one 1-D row of it with its worst chord."""
    return LossSliceFigure(directions, beta)


class LossSliceFigure(LiveFigure):
    """Left: log₁₀ L on the plane θ* + α·d₁ + β·d₂. Right: the row at β, chord test."""

    def __init__(self, directions, beta) -> None:
        self.grids = [loss_slices(seed) for seed in SLICE_SEEDS]
        controls = {
            "directions": widgets.Dropdown(
                options=[(f"pair {i + 1}", i) for i in range(len(SLICE_SEEDS))],
                value=directions,
                description="random directions d₁, d₂",
            ),  # fmt: skip
            "beta": widgets.FloatSlider(
                beta, min=-1.5, max=1.5, step=0.125, description="1-D slice at β ="
            ),
        }
        self._shown = None
        super().__init__(controls, ncols=2, figsize=(10.0, 4.2))

    def _build(self, ax_map, ax_line) -> None:
        g = SLICE_GRID
        ext = (g[0], g[-1], g[0], g[-1])
        self.image = self.make_live(ax_map.imshow(
            np.zeros((2 * len(g) - 1, 2 * len(g) - 1)), origin="lower", extent=ext, aspect="auto",
            cmap="viridis", interpolation="nearest",
        ))  # fmt: skip
        # no legend here: the live image is painted over the cached layer that holds legends
        ax_map.plot([0], [0], "*", color="white", mec="black", ms=14)
        (self.row,) = ax_map.plot([g[0], g[-1]], [0, 0], color=COLORS["highlight"], lw=2)
        style_axes(ax_map, "log₁₀ loss, random plane: ★ trained θ*, ― slice", "α (along d₁)",
                   "β (along d₂)", grid=False)  # fmt: skip

        (self.curve,) = ax_line.plot([], [], color=COLORS["model"], lw=2, label="L(α) on the slice")
        (self.chord,) = ax_line.plot(
            [], [], color=COLORS["highlight"], lw=1.8, marker="o", label="chord between two points"
        )
        (self.mid,) = ax_line.plot(
            [], [], ls="none", marker="D", color=COLORS["data"],
            ms=7, label="the curve at their midpoint",
        )  # fmt: skip
        (self.gap,) = ax_line.plot([], [], color=COLORS["highlight"], lw=1, ls=":")
        self.readout = _readout(ax_map, x=0.02, y=0.03)
        self.readout.set_verticalalignment("bottom")
        ax_line.set_xlim(g[0], g[-1])
        ax_line.legend(loc="upper left", fontsize="small")
        ax_line.set_ylim(0.0, 1.05)
        style_axes(ax_line, "The 1-D slice and its worst chord", "α (along d₁)",
                   "L ÷ its largest value on the slice")  # fmt: skip

    def _draw(self, directions, beta) -> None:
        grid = self.grids[directions]
        if self._shown != directions:
            self._shown = directions
            logs = _upsample(np.log10(grid), 2)
            self.image.set_data(logs)
            self.image.set_clim(logs.min(), logs.max())
        g = SLICE_GRID
        j = int(np.argmin(np.abs(g - beta)))
        row = grid[j]
        top = float(row.max())
        y = row / top  # a positive rescaling keeps every chord above or below: axes stay fixed
        self.row.set_data([g[0], g[-1]], [g[j], g[j]])
        self.curve.set_data(g, y)
        v = ls.convexity_gap(row)
        if v.gap > 1e-12:
            chord_mid = 0.5 * (y[v.i] + y[v.j])
            self.chord.set_data([g[v.i], g[v.j]], [y[v.i], y[v.j]])
            self.mid.set_data([g[v.mid]], [y[v.mid]])
            self.gap.set_data([g[v.mid], g[v.mid]], [chord_mid, y[v.mid]])
            text = f"midpoint {v.gap:.3g} above the chord: not convex"
        else:
            for a in (self.chord, self.mid, self.gap):
                a.set_data([], [])
            text = "no chord below the curve: convex on this line"
        self.readout.set_text(f"{text}\nlargest L on this slice: {top:.3g}")


# =========================================================================================
# C4: the forward pass's memory bill
# =========================================================================================

DEPTHS = (1, 8)
BATCHES = (1, 64)
WIDTHS = (4, 64)
D_IN = 4
#: The largest bill the sliders allow, in kB: the fixed top of every panel.
MAX_KB = 8 * BATCHES[1] * (D_IN + DEPTHS[1] * WIDTHS[1]) / 1e3


@register
def forward_memory_figure(depth: int = 4, batch: int = 32, width: int = 48):
    """Measured bytes an MLP's forward pass holds for backprop, against each factor."""
    return ForwardMemoryFigure(depth, batch, width)


class ForwardMemoryFigure(LiveFigure):
    """Three panels: bytes vs depth L, vs batch N, vs width H (the other two at their values)."""

    def __init__(self, depth, batch, width) -> None:
        controls = {
            "depth": widgets.IntSlider(depth, min=DEPTHS[0], max=DEPTHS[1],
                                       description="hidden layers L"),
            "batch": widgets.IntSlider(batch, min=BATCHES[0], max=BATCHES[1],
                                       description="batch size N"),
            "width": widgets.IntSlider(width, min=WIDTHS[0], max=WIDTHS[1],
                                       description="hidden width H"),
        }  # fmt: skip
        super().__init__(controls, ncols=3, figsize=(11.5, 3.7))

    def _build(self, *axes) -> None:
        self.measured, self.current, self.formula = [], [], []
        names = [("depth", "hidden layers L", DEPTHS), ("batch", "batch size N", BATCHES),
                 ("width", "hidden width H", WIDTHS)]  # fmt: skip
        for p, (ax, (_name, label, (lo, hi))) in enumerate(zip(axes, names, strict=True)):
            tag = (lambda text: text) if p == 1 else (lambda text: "_" + text)  # one legend
            self.formula.append(ax.plot([], [], color=COLORS["reference"], lw=3, alpha=0.6,
                                        label=tag("8·N·(d_in + L·H)"))[0])  # fmt: skip
            self.measured.append(ax.plot([], [], "o", color=COLORS["model"], ms=5,
                                         label=tag("measured stored_bytes()"))[0])  # fmt: skip
            self.current.append(ax.plot([], [], "o", color=COLORS["highlight"], ms=10,
                                        mec="white", label=tag("your setting"))[0])  # fmt: skip
            ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
            ax.set_ylim(0.0, MAX_KB * 1.04)  # fixed: a slider tilts the other panels' lines
            style_axes(ax, f"vary {label.split()[-1]}, others fixed", label,
                       "kB held for backprop")  # fmt: skip
        axes[1].legend(loc="upper left", fontsize="small")
        self.readout = _readout(axes[0])

    def _draw(self, depth, batch, width) -> None:
        values = {"depth": depth, "batch": batch, "width": width}
        spans = {"depth": DEPTHS, "batch": BATCHES, "width": WIDTHS}
        for p, name in enumerate(("depth", "batch", "width")):
            lo, hi = spans[name]
            xs = sorted({*np.linspace(lo, hi, 4).round().astype(int).tolist(), values[name]})
            kb = []
            for x in xs:
                args = {**values, name: x}
                kb.append(memory.forward_bytes(**args, d_in=D_IN) / 1e3)
            grid = np.array([lo, hi])
            self.formula[p].set_data(
                grid,
                [memory.forward_bytes_formula(**{**values, name: int(v)}, d_in=D_IN) / 1e3
                 for v in grid],
            )  # fmt: skip
            self.measured[p].set_data(xs, kb)
            self.current[p].set_data([values[name]], [kb[xs.index(values[name])]])
        now = memory.forward_bytes(depth, batch, width, d_in=D_IN)
        self.readout.set_text(f"measured {now:,} B\n= 8·{batch}·({D_IN} + {depth}·{width})")


# =========================================================================================
# C5: gradient checkpointing
# =========================================================================================

CHECKPOINT_DEPTHS = (4, 8, 16)
K_MAX = 2 * max(CHECKPOINT_DEPTHS) + 1


@register
def checkpoint_figure(depth: int = 16, k: int = 6):
    """Peak memory and forward work of one training step vs the checkpoint spacing k."""
    return CheckpointFigure(depth, k)


class CheckpointFigure(LiveFigure):
    """Left: peak bytes held vs k. Right: layer forward evaluations vs k. √L marked."""

    def __init__(self, depth, k) -> None:
        self.sweeps = {d: memory.checkpoint_sweep(d) for d in CHECKPOINT_DEPTHS}  # k = 1 … L
        controls = {
            "depth": widgets.Dropdown(
                options=[
                    (f"{d} hidden layers (L = {2 * d + 1} layers)", d) for d in CHECKPOINT_DEPTHS
                ],
                value=depth,
                description="network",
            ),  # fmt: skip
            "k": widgets.IntSlider(k, min=1, max=K_MAX, description="checkpoint every k layers"),
        }
        self._shown = None
        super().__init__(controls, ncols=2, figsize=(10.0, 3.9))

    def _build(self, ax_mem, ax_ops) -> None:
        self.lines = {}
        for ax, key, color in (
            (ax_mem, "mem", COLORS["model"]),
            (ax_ops, "ops", COLORS["validation"]),
        ):
            tag = "" if key == "mem" else "_"  # one legend, in the memory panel
            self.lines[key] = ax.plot([], [], color=color, lw=2, label=tag + "checkpointed run")[0]
            plain = ax.axhline(1.0, color=COLORS["reference"], ls="--", lw=1.5,
                               label=tag + "no checkpointing")  # fmt: skip
            self.keep_static(plain)
            self.lines[key + "_sqrt"] = ax.plot(
                [], [], color=COLORS["data"], ls=":", lw=1.5, label=tag + "k = √L"
            )[0]
            self.lines[key + "_now"] = ax.plot(
                [], [], "o", color=COLORS["highlight"], ms=10, mec="white", label=tag + "your k"
            )[0]
            ax.set_xlim(0, K_MAX + 1)
        ax_mem.legend(loc="upper right", fontsize="small")
        ax_mem.set_ylim(0, 2.3)
        ax_ops.set_ylim(0, 2.3)
        self.readout = _readout(ax_ops, x=0.35, y=0.35)
        style_axes(ax_mem, "Memory: peak bytes during forward + backward",
                   "checkpoint every k layers", "peak ÷ peak without checkpoints")  # fmt: skip
        style_axes(ax_ops, "Compute: layer forward evaluations", "checkpoint every k layers",
                   "evaluations ÷ L")  # fmt: skip

    def _draw(self, depth, k) -> None:
        s = self.sweeps[depth]
        L = s.n_layers
        # k ≥ L is a single segment, i.e. the plain run: extend the sweep to the slider's end
        pad = K_MAX - L
        peak_b = np.r_[s.peak_bytes, np.full(pad, s.plain_peak)]
        evals = np.r_[s.forward_evals, np.full(pad, s.plain_evals)]
        peak, ops = peak_b / s.plain_peak, evals / s.plain_evals
        if self._shown != depth:  # relative axes: a new depth only changes the lines
            self._shown = depth
            root = math.sqrt(L)
            ks = np.arange(1, K_MAX + 1)
            self.lines["mem"].set_data(ks, peak)
            self.lines["ops"].set_data(ks, ops)
            self.lines["mem_sqrt"].set_data([root, root], [0, 2.3])
            self.lines["ops_sqrt"].set_data([root, root], [0, 2.3])
        i = k - 1
        self.lines["mem_now"].set_data([k], [peak[i]])
        self.lines["ops_now"].set_data([k], [ops[i]])
        note = "  (k ≥ L: no checkpointing)" if k >= L else ""
        self.readout.set_text(
            f"L = {L} layers, k = {k}{note}\n"
            f"peak {peak_b[i] / 1e3:.1f} kB vs {s.plain_peak / 1e3:.1f} kB plain\n"
            f"{evals[i]} layer forwards vs {s.plain_evals} plain"
        )


# =========================================================================================
# C6: the closed form vs gradient descent
# =========================================================================================

MAX_GD_STEPS = 2000
GD_TOL = 1e-6
THETA_BOX = ((-0.5, 3.0), (-1.5, 2.0))  # (θ₁ range, θ₂ range) of the landscape panel
SOLVE_DS = np.array([64, 128, 256, 512])


@register
def closed_form_figure(kappa: float = 10.0, lr_fraction: float = 0.5):
    """Gradient descent walks to the closed-form θ; ill-conditioning makes the walk long."""
    return ClosedFormFigure(kappa, lr_fraction)


@functools.cache
def _measured_solve_seconds() -> np.ndarray:
    """Seconds per solve vs d, measured once per session and shared by every figure.

    Plotted, never printed: a measurement differs on every run, and a figure rebuilt from
    its `state_call` must show the same picture within one session.
    """
    return linreg.time_solve(SOLVE_DS, rng=np.random.default_rng(0), repeats=3)


class ClosedFormFigure(LiveFigure):
    """Loss landscape with the GD path and θ*; error vs step; measured cost of a solve vs d."""

    def __init__(self, kappa, lr_fraction) -> None:
        self.solve_seconds = _measured_solve_seconds()
        self._cache: dict = {}
        self._image_kappa = None
        controls = {
            "kappa": widgets.FloatLogSlider(
                kappa, base=10, min=0, max=3, step=0.25, description="condition number κ of XᵀX"
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

    def _run(self, kappa: float, lr_fraction: float):
        key = (round(kappa, 9), round(lr_fraction, 9))
        if key not in self._cache:
            X, y = linreg_problem(kappa)
            theta_star = linreg.normal_equation(X, y)
            lr = linreg.stable_lr(X, lr_fraction)
            run = linreg.gradient_descent(X, y, lr, MAX_GD_STEPS, tol=GD_TOL / 10,
                                          theta_star=theta_star)  # fmt: skip
            err = np.max(np.abs(run.thetas - theta_star), axis=1)
            self._cache[key] = (X, y, theta_star, run, err)
        return self._cache[key]

    def _build(self, ax_map, ax_err, ax_cost) -> None:
        (t1lo, t1hi), (t2lo, t2hi) = THETA_BOX
        self.t1 = np.linspace(t1lo, t1hi, 90)
        self.t2 = np.linspace(t2lo, t2hi, 90)
        self.image = self.make_live(ax_map.imshow(
            np.zeros((90, 90)), origin="lower", extent=(t1lo, t1hi, t2lo, t2hi), aspect="auto",
            cmap="viridis", interpolation="nearest", vmin=-3, vmax=1.5,
        ))  # fmt: skip
        # no legend here: the live image is painted over the cached layer that holds legends
        (self.path,) = ax_map.plot([], [], ".-", color="white", lw=1, ms=3)
        (self.star,) = ax_map.plot([], [], "*", color=COLORS["highlight"], mec="white", ms=16)
        ax_map.set_xlim(t1lo, t1hi)
        ax_map.set_ylim(t2lo, t2hi)
        style_axes(ax_map, "log₁₀(L − L*): GD path (white) → θ* (★)", "weight θ₁", "weight θ₂",
                   grid=False)  # fmt: skip
        self.status = self.status_text(ax_map)

        (self.err,) = ax_err.plot([], [], color=COLORS["SGD"], lw=2, label="GD: max|θₜ − θ*|")
        tol = ax_err.axhline(GD_TOL, color=COLORS["reference"], ls="--", label="tolerance 10⁻⁶")
        self.keep_static(tol)
        self.readout = _readout(ax_err, x=0.03, y=0.45)
        ax_err.set_xscale("log")
        ax_err.set_yscale("log")
        ax_err.set_xlim(1, MAX_GD_STEPS)
        ax_err.set_ylim(1e-8, 1e2)
        ax_err.legend(loc="lower left", fontsize="small")
        style_axes(ax_err, "Distance to the closed form", "GD step t (log)", "max|θₜ − θ*| (log)")

        flops = linreg.solve_flops(SOLVE_DS)
        sec = self.solve_seconds
        rate = float(flops[-1] / sec[-1])  # this machine's speed, from the largest solve
        dd = np.geomspace(SOLVE_DS[0], SOLVE_DS[-1], 30)
        art = [
            ax_cost.plot(SOLVE_DS, sec * 1e3, "o", color=COLORS["model"],
                         label="measured np.linalg.solve")[0],
            ax_cost.plot(dd, linreg.solve_flops(dd) / rate * 1e3, "--",
                         color=COLORS["reference"], label="∝ d³ (⅔·d³ flops)")[0],
        ]  # fmt: skip
        self.keep_static(*art)
        ax_cost.set_xscale("log")
        ax_cost.set_yscale("log")
        ax_cost.set_xticks(SOLVE_DS, [str(d) for d in SOLVE_DS])
        ax_cost.minorticks_off()
        ax_cost.legend(loc="upper left", fontsize="small")
        style_axes(ax_cost, "Cost of the closed form", "parameters d", "solve time (ms, log)")

    def _draw(self, kappa, lr_fraction) -> None:
        X, y, theta_star, run, err = self._run(kappa, lr_fraction)
        if self._image_kappa != kappa:
            self._image_kappa = kappa
            # L(θ₀*, θ₁, θ₂) − L* = dᵀ·(XᵀX/n)·d, d = (θ₁, θ₂) − (θ₁*, θ₂*): the features are
            # centred, so the intercept decouples exactly and sits at its optimum.
            T1, T2 = np.meshgrid(self.t1 - theta_star[1], self.t2 - theta_star[2])
            D = np.stack([T1, T2], axis=-1)
            G = (X.T @ X) / len(X)
            excess = np.einsum("...i,ij,...j->...", D, G, D)
            self.image.set_data(np.log10(excess + 1e-6))
        self.star.set_data([theta_star[1]], [theta_star[2]])
        th = run.thetas
        step = max(1, len(th) // 150)
        self.path.set_data(th[::step, 1], th[::step, 2])
        t = np.arange(len(err))
        self.err.set_data(t[1:], np.maximum(err[1:], 1e-300))
        k = divergence_step(np.r_[run.losses, np.inf]) if run.diverged else None
        self.show_diverged(self.status, k)
        hit = np.flatnonzero(err <= GD_TOL)
        if run.diverged:
            text = f"α > 2/λ_max: the error grows\nevery step (κ = {kappa:.3g})"
        elif hit.size:
            text = (f"κ = {kappa:.3g}: {hit[0]} GD steps to reach 10⁻⁶\n"
                    "closed form: one linear solve")  # fmt: skip
        else:
            text = (f"κ = {kappa:.3g}: not within {MAX_GD_STEPS} steps\n"
                    "closed form: one linear solve")  # fmt: skip
        self.readout.set_text(text)


# =========================================================================================
# C7: ReLU makes the loss non-smooth
# =========================================================================================


@register
def relu_kink_figure(b: float = 0.5, creases: bool = True):
    """The loss surface of ŷ = ReLU(w·x + b) and a slice at fixed b with its kinks."""
    return ReluKinkFigure(b, creases)


class ReluKinkFigure(LiveFigure):
    """Left: log₁₀ L(w, b) with crease lines. Right: L(w) at the chosen b, tangents at a kink."""

    def __init__(self, b, creases) -> None:
        self.x, self.y = ls.relu_neuron_data()
        self.ws = np.linspace(*W_SPAN, 451)
        controls = {
            "b": widgets.FloatSlider(
                b, min=B_SPAN[0], max=B_SPAN[1], step=0.1, description="bias b of the slice"
            ),  # fmt: skip
            "creases": widgets.Checkbox(creases, description="show the creases w·xᵢ + b = 0"),
        }
        super().__init__(controls, ncols=2, figsize=(10.0, 4.0))

    def _build(self, ax_map, ax_cut) -> None:
        ws, bs = np.linspace(*W_SPAN, 181), np.linspace(*B_SPAN, 161)
        surf = ls.relu_neuron_loss(ws[None, :], bs[:, None], self.x, self.y)
        ax_map.imshow(np.log10(surf), origin="lower", extent=(*W_SPAN, *B_SPAN), aspect="auto",
                      cmap="viridis", interpolation="bilinear")  # fmt: skip
        self.crease_lines = []
        for i, xi in enumerate(self.x):
            (line,) = ax_map.plot(ws, -ws * xi, color="white", lw=0.8, ls="--", alpha=0.8,
                                  label="creases w·xᵢ + b = 0" if i == 0 else "_")  # fmt: skip
            self.crease_lines.append(line)
        (self.cut,) = ax_map.plot([], [], color=COLORS["highlight"], lw=2.5, label="your slice")
        ax_map.set_xlim(*W_SPAN)
        ax_map.set_ylim(*B_SPAN)
        ax_map.legend(loc="lower left", fontsize="small")
        style_axes(ax_map, "log₁₀ L(w, b) of ŷ = ReLU(w·x + b)", "weight w", "bias b",
                   grid=False)  # fmt: skip

        (self.curve,) = ax_cut.plot([], [], color=COLORS["model"], lw=2, label="L(w) at this b")
        (self.kinks,) = ax_cut.plot([], [], "|", color=COLORS["data"], ms=14, mew=2,
                                    label="kinks w = −b/xᵢ")  # fmt: skip
        (self.left,) = ax_cut.plot([], [], color=COLORS["validation"], lw=2, ls="--",
                                   label="tangent from the left")  # fmt: skip
        (self.right,) = ax_cut.plot([], [], color=COLORS["Huber"], lw=2, ls="--",
                                    label="tangent from the right")  # fmt: skip
        self.readout = _readout(ax_cut, x=0.03)
        ax_cut.set_xlim(*W_SPAN)
        ax_cut.set_ylim(0.0, 8.0)
        ax_cut.legend(loc="upper right", fontsize="small")
        style_axes(ax_cut, "A slice at fixed b: piecewise smooth", "weight w", "loss L(w, b)")

    def _draw(self, b, creases) -> None:
        x, y = self.x, self.y
        self.cut.set_data(W_SPAN, [b, b])
        for line in self.crease_lines:
            line.set_visible(creases)
        L = ls.relu_neuron_loss(self.ws, b, x, y)
        self.curve.set_data(self.ws, L)
        kinks = ls.relu_neuron_kinks(b, x)
        kinks = kinks[(kinks > W_SPAN[0]) & (kinks < W_SPAN[1])]
        self.kinks.set_data(kinks, ls.relu_neuron_loss(kinks, b, x, y))
        best = kink_slopes(b)
        if best is None or abs(best[2] - best[1]) < 1e-3:
            self.left.set_data([], [])
            self.right.set_data([], [])
            self.readout.set_text("no kink with a slope jump\non this slice")
            return
        w0, sl, sr = best
        L0 = float(ls.relu_neuron_loss(w0, b, x, y))
        h = 0.9  # each tangent drawn on both sides of the kink: two lines, no single slope
        self.left.set_data([w0 - h, w0 + h], [L0 - sl * h, L0 + sl * h])
        self.right.set_data([w0 - h, w0 + h], [L0 - sr * h, L0 + sr * h])
        self.readout.set_text(
            f"kink at w = {w0:.3f}:\nslope from the left {sl:+.3f}\n"
            f"slope from the right {sr:+.3f}\n→ no derivative there"
        )
