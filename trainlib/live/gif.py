"""Animated GIFs of a live figure, grabbed from its own canvas.

`write_gif(fig, path, frames, draw_frame)` calls `draw_frame(frame)` for each frame and
appends what the canvas shows. Grabbing the canvas repaints only the live artists over the
cached static layer (`trainlib.live.drawcache`); matplotlib's own writers re-render the
whole figure twice per frame with a savefig.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["CanvasPillowWriter", "write_gif"]


class CanvasPillowWriter(PillowWriter):
    """A PillowWriter that grabs the figure's canvas instead of calling savefig.

    `crop_right`: the fraction of the figure's width kept, from the left (1 keeps it all).
    """

    def __init__(self, *args: Any, crop_right: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not 0.0 < crop_right <= 1.0:
            raise ValueError(f"crop_right: expected a fraction in (0, 1], got {crop_right!r}")
        self.crop_right = crop_right

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        canvas = self.fig.canvas
        # Agg's own draw: ipympl's would also push every frame to the browser as a PNG.
        FigureCanvasAgg.draw(canvas)
        rgba = np.asarray(canvas.buffer_rgba())
        rgba = rgba[:, : int(round(rgba.shape[1] * self.crop_right))]
        frame = Image.fromarray(rgba).convert("RGB")
        w, h = self.frame_size
        size = (int(round(w * self.crop_right)), h)
        self._frames.append(frame.resize(size, Image.Resampling.BOX))


def write_gif(
    fig: Any,
    path: str | Path,
    frames: Iterable[Any],
    draw_frame: Callable[[Any], None],
    *,
    dpi: int = 50,
    fps: int = 10,
    crop_right: float = 1.0,
) -> Path:
    """Write one GIF frame per item of `frames`, after `draw_frame(item)`; return the path.

    The parent folder is created. The figure is left as the last frame drew it: the caller
    restores its state.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = CanvasPillowWriter(fps=fps, crop_right=crop_right)
    with writer.saving(fig, str(out), dpi):
        for frame in frames:
            draw_frame(frame)
            writer.grab_frame()
    return out
