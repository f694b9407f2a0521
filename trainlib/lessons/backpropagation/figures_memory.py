"""Notebook 05's figures of C4 and C5: what the forward pass keeps for backprop.

forward_memory_figure — bytes held for backprop, linear in depth, batch and width (C4).
checkpoint_figure     — gradient checkpointing: peak memory down, recomputation up (C5).
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.backpropagation import memory
from trainlib.lessons.backpropagation.memory import checkpoint_curves, forward_bytes_panel
from trainlib.live import LiveFigure, register
from trainlib.plot import COLORS, style_axes

_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}


def readout(ax, x=0.03, y=0.96, **kw):
    """An empty text box in axes coordinates, top-left by default, for a figure's numbers."""
    return ax.text(
        x, y, "", transform=ax.transAxes, va="top", fontsize="medium", zorder=6, bbox=_BOX, **kw
    )


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
    """Three panels: bytes vs depth n, vs batch N, vs width H (the other two at their values)."""

    def __init__(self, depth, batch, width) -> None:
        controls = {
            "depth": widgets.IntSlider(depth, min=DEPTHS[0], max=DEPTHS[1],
                                       description="hidden layers n"),
            "batch": widgets.IntSlider(batch, min=BATCHES[0], max=BATCHES[1],
                                       description="batch size N"),
            "width": widgets.IntSlider(width, min=WIDTHS[0], max=WIDTHS[1],
                                       description="hidden width H"),
        }  # fmt: skip
        super().__init__(controls, ncols=3, figsize=(11.5, 3.7))

    def _build(self, *axes) -> None:
        self.measured, self.current, self.formula = [], [], []
        names = [("depth", "hidden layers n", DEPTHS), ("batch", "batch size N", BATCHES),
                 ("width", "hidden width H", WIDTHS)]  # fmt: skip
        for p, (ax, (_name, label, (lo, hi))) in enumerate(zip(axes, names, strict=True)):
            tag = (lambda text: text) if p == 1 else (lambda text: "_" + text)  # one legend
            self.formula.append(ax.plot([], [], color=COLORS["reference"], lw=3, alpha=0.6,
                                        label=tag("8·N·(d_in + n·H)"))[0])  # fmt: skip
            self.measured.append(ax.plot([], [], "o", color=COLORS["model"], ms=5,
                                         label=tag("measured stored_bytes()"))[0])  # fmt: skip
            self.current.append(ax.plot([], [], "o", color=COLORS["highlight"], ms=10,
                                        mec="white", label=tag("your setting"))[0])  # fmt: skip
            ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
            ax.set_ylim(0.0, MAX_KB * 1.04)  # fixed: a slider tilts the other panels' lines
            style_axes(ax, f"vary {label.split()[-1]}, others fixed", label,
                       "kB held for backprop")  # fmt: skip
        axes[1].legend(loc="upper left", fontsize="small")
        self.readout = readout(axes[0])

    def _draw(self, depth, batch, width) -> None:
        values = {"depth": depth, "batch": batch, "width": width}
        spans = {"depth": DEPTHS, "batch": BATCHES, "width": WIDTHS}
        for p, name in enumerate(("depth", "batch", "width")):
            xs, kb, ends = forward_bytes_panel(values, name, spans[name], d_in=D_IN)
            self.formula[p].set_data(spans[name], ends)
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
    """Left: peak bytes held vs k. Right: layer forward evaluations vs k. √m marked."""

    def __init__(self, depth, k) -> None:
        for d in CHECKPOINT_DEPTHS:  # measured once per session, before the first slider move
            checkpoint_curves(d, K_MAX)
        controls = {
            "depth": widgets.Dropdown(
                options=[
                    (f"{d} hidden layers (m = {2 * d + 1} layers)", d) for d in CHECKPOINT_DEPTHS
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
                [], [], color=COLORS["data"], ls=":", lw=1.5, label=tag + "k = √m"
            )[0]
            self.lines[key + "_now"] = ax.plot(
                [], [], "o", color=COLORS["highlight"], ms=10, mec="white", label=tag + "your k"
            )[0]
            ax.set_xlim(0, K_MAX + 1)
        ax_mem.legend(loc="upper right", fontsize="small")
        ax_mem.set_ylim(0, 2.3)
        ax_ops.set_ylim(0, 2.3)
        self.readout = readout(ax_ops, x=0.2, y=0.35)
        style_axes(ax_mem, "Memory: peak bytes, forward + backward",
                   "checkpoint every k layers", "peak ÷ peak without checkpoints")  # fmt: skip
        style_axes(ax_ops, "Compute: layer forward evaluations", "checkpoint every k layers",
                   "evaluations ÷ m")  # fmt: skip

    def _draw(self, depth, k) -> None:
        s, peak_b, evals = checkpoint_curves(depth, K_MAX)  # k = 1 … K_MAX
        m = s.n_layers
        peak, ops = peak_b / s.plain_peak, evals / s.plain_evals
        if self._shown != depth:  # relative axes: a new depth only changes the lines
            self._shown = depth
            root = math.sqrt(m)
            ks = np.arange(1, K_MAX + 1)
            self.lines["mem"].set_data(ks, peak)
            self.lines["ops"].set_data(ks, ops)
            self.lines["mem_sqrt"].set_data([root, root], [0, 2.3])
            self.lines["ops_sqrt"].set_data([root, root], [0, 2.3])
        i = k - 1
        self.lines["mem_now"].set_data([k], [peak[i]])
        self.lines["ops_now"].set_data([k], [ops[i]])
        note = "\nk ≥ m: no checkpointing" if k >= m else ""
        self.readout.set_text(
            f"m = {m} layers, k = {k}{note}\n"
            f"peak {peak_b[i] / 1e3:.1f} kB vs {s.plain_peak / 1e3:.1f} kB plain\n"
            f"{evals[i]} layer forwards vs {s.plain_evals} plain"
        )
