"""The drawing cache: a Figure drawn as a cached static layer plus the live artists on top.

Axes, ticks, labels, titles, legends, images and the artists passed to `keep_static` form the
static layer. It is rendered once and its pixels are reused while `static_key()` is unchanged
(axis limits, scales, labels, titles, legends, positions, the figure size and a version
counter that `invalidate_static` bumps). Lines, collections, patches and texts are live: they
are repainted on every draw, in z-order, above the restored background. A slider move then
costs a pixel copy plus the few artists that change, not a full re-layout.

`LiveFigure` talks to it through five calls: ``start_caching()``, ``keep_static(*artists)``,
``make_live(image)``, ``invalidate_static()`` and ``forget_static()``. Savefig (any dpi) and
non-Agg renderers always draw everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from matplotlib.backend_bases import DrawEvent
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

#: Static layers kept per figure: one per view (axes/titles) a dropdown switches between.
MAX_LAYERS = 8


class LayeredFigure(Figure):
    """A Figure drawn in two layers once `start_caching()` is called; before, an ordinary one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caching = False
        self.static_version = 0
        self._static: set[int] = set()  # ids of artists moved to the static layer
        self._live_images: list[Any] = []
        self._title: Any = None  # the suptitle Text: static, like axes titles
        self._current: tuple | None = None  # key of the layer the last full draw saved
        # Saved layers by key, all from one renderer: a figure that switches between a few
        # views (a dropdown that changes axes or titles) restores every view drawn before.
        self._layers: dict[tuple, tuple[Any, Any]] = {}  # key → (renderer, saved pixels)

    # --- the interface LiveFigure uses ----------------------------------------------------------
    def start_caching(self) -> None:
        """Draw in two layers from now on (call once the artists exist)."""
        self.caching = True

    def keep_static(self, *artists: Any) -> None:
        """Move artists that never change (a contour set, reference data) to the static layer."""
        self._static.update(id(a) for a in artists)

    def make_live(self, image: Any) -> Any:
        """Repaint an image (imshow) on every draw, for an image whose data changes."""
        self._live_images.append(image)
        return image

    def invalidate_static(self) -> None:
        """Redraw the static layer next time (a static change that `static_key` cannot see)."""
        self.static_version += 1

    def forget_static(self) -> None:
        """Drop every saved layer: the next draw is a full one."""
        self._current = None
        self._layers.clear()

    # --- what is live, and what the static layer depends on ---------------------------------------
    def suptitle(self, t: str, **kwargs: Any) -> Any:
        self._title = super().suptitle(t, **kwargs)
        return self._title

    def live_artists(self) -> list[Any]:
        """Artists repainted on every draw: lines, collections, patches, texts, live images."""
        out = []
        for ax in self.axes:
            out += [*ax.lines, *ax.collections, *ax.patches, *ax.texts]
        out += [t for t in self.texts if t is not self._title]
        return [a for a in out if id(a) not in self._static] + self._live_images

    def static_key(self) -> tuple:
        """What the static layer depends on; a change forces a full redraw."""
        parts: list[Any] = [self.static_version, self.bbox.bounds]
        for ax in self.axes:
            legend = ax.get_legend()
            parts.append((
                ax.get_visible(), ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(),
                ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(),
                *(ax.get_title(loc) for loc in ("left", "center", "right")),
                None if legend is None else tuple(t.get_text() for t in legend.get_texts()),
            ))  # fmt: skip
        return tuple(parts)

    # --- drawing --------------------------------------------------------------------------------
    def draw(self, renderer: Any) -> None:
        if not self.caching or not self.get_visible():
            return super().draw(renderer)
        live = [a for a in self.live_artists() if a.get_visible()]
        key = self.static_key()
        # Only interactive redraws use the cache; savefig (any dpi) always draws everything.
        cacheable = (
            hasattr(renderer, "copy_from_bbox")
            and renderer is getattr(self.canvas, "renderer", None)
            and not self.canvas.is_saving()
        )
        saved = self._layers.get(key) if self._current is not None else None
        if cacheable and saved is not None and saved[0] is renderer:
            renderer.restore_region(saved[1])
        else:
            with _hidden(live):
                super().draw(renderer)
            if cacheable:
                self._save_layer(renderer)
            else:
                self.forget_static()
        for a in sorted(live, key=lambda a: a.get_zorder()):
            a.draw(renderer)
        self.stale = False
        self.canvas.callbacks.process("draw_event", DrawEvent("draw_event", self.canvas, renderer))

    def _save_layer(self, renderer: Any) -> None:
        # The key after the draw: a layout engine may have moved the axes.
        self._current = self.static_key()
        old = list(self._layers.values())
        if any(r is not renderer for r, _ in old) or len(old) >= MAX_LAYERS:
            self._layers.clear()  # a new renderer (resize, dpi): old pixels are useless
        whole = Bbox.from_bounds(0, 0, renderer.width, renderer.height)  # whole pixels
        self._layers[self._current] = (renderer, renderer.copy_from_bbox(whole))


@contextmanager
def _hidden(artists: Sequence[Any]) -> Iterator[None]:
    """Hide artists for one draw without marking anything stale.

    `set_visible` marks the artist stale, and its `stale_callback` passes that up to the
    figure, which under interactive pyplot/ipympl requests another draw — a redraw loop. So the
    callbacks are detached while the visibility flips.
    """
    callbacks = [a.stale_callback for a in artists]
    for a in artists:
        a.stale_callback = None
        a.set_visible(False)
    try:
        yield
    finally:
        for a, callback in zip(artists, callbacks, strict=True):
            a.set_visible(True)
            a.stale_callback = callback
