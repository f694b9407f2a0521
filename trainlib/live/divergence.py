"""Showing a run that diverged: find the first bad step, write "diverged at step k" on the axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlib.plot import COLORS


def divergence_step(values: Any, limit: float = 1e6) -> int | None:
    """Index of the first entry that is NaN/±inf or larger than `limit` in size, else None.

    Shapes: values (T,) or (T, ...) — one row per step; a row diverges if any entry does.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(-1, 1)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(arr) | (np.abs(np.nan_to_num(arr, nan=np.inf)) > limit)
    rows = np.flatnonzero(bad.any(axis=1))
    return int(rows[0]) if rows.size else None


def status_text(ax: Any) -> Any:
    """An empty, prominent text artist in the middle of `ax` for "diverged at step k"."""
    return ax.text(
        0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize="x-large",
        fontweight="bold", color=COLORS["highlight"], zorder=10,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
    )  # fmt: skip


def show_diverged(text: Any, step: int | None) -> None:
    """Write "diverged at step k" into a `status_text` artist, or clear it when step is None."""
    text.set_text("" if step is None else f"diverged at step {step}")
    text.set_visible(step is not None)
