"""Frames mode: a live figure rendered ahead of time, one picture per control setting.

Moving a control of a live figure needs a kernel. Its frames do not: for each setting of its
controls the figure's own ``update(...)`` sets the values, Agg draws the canvas, and the
picture is kept as a PNG. In the browser the pictures sit in an ``ipywidgets.Stack`` whose
``selected_index`` is ``jslink``-ed to a slider labelled with the real values, so a move
only swaps an image: no kernel, no network, one frame. The same frames serve the static
edition (``make html``) and ``fig.frames()`` in JupyterLab or Voilà.

Everything is derived from the controls, so a figure added tomorrow has frames too:

- a dropdown or toggle buttons: every option; a checkbox: off and on;
- a slider (int, float, log, selection): every k-th value of its own grid, counted from its
  current value, so the values are evenly spaced and the current one is a frame;
- a Play control: at least ``PLAY_MIN_FRAMES`` frames evenly over its range, then frame by
  frame as far as the budget allows (it is the animation);
- two or more controls: each gets its least (Play ``PLAY_MIN_FRAMES``, a slider
  ``MIN_SLIDER_VALUES``, options all) while the product stays within ``budget``: the Play
  control, then the controls the text around the figure asks the student to move
  (`prompts.prompted_controls`: the "Predict, then move" prompt names them), then the others in
  the order the figure declares them. Then Play grows, then the sliders kept grow in
  balance (the sparsest, as a share of its own grid, as dense as the budget allows). The
  numbers the prompt writes for a control it names ("α = 0.6") are among its frames
  (`prompts.prompted_values`). The controls left fixed are named under the figure. A figure may
  set a class attribute ``frame_budget`` to change its budget.

Each figure's current value of every control is one of its frames, so the first picture is
the figure as the notebook shows it. Figures that show a one-off wall-clock measurement
(timings cached once per session) draw every frame from the same measurement, because all
frames come from one process.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from trainlib.live.inspection import option_values

#: Frames per figure unless the figure sets ``frame_budget``: ~25 KB each as a PNG.
DEFAULT_BUDGET = 48
#: A slider that moves shows at least this many values (else it is left fixed).
MIN_SLIDER_VALUES = 5
#: A Play control keeps at least this many frames, evenly over its range (or all it has).
PLAY_MIN_FRAMES = 24
#: Colours per frame: 256-colour PNGs read like the full-colour ones, at a third of the size.
PALETTE_COLOURS = 256


@dataclass(frozen=True)
class Axis:
    """One control that moves in frames mode: its values in order and how they are labelled."""

    name: str
    description: str
    kind: str  # how it is shown: "slider", "dropdown", "toggle" or "play"
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    start: int  # index of the control's current value
    interval: int = 100  # ms per frame of a Play control
    whole: bool = True  # every value counts (options); False: a numeric grid to sample


@dataclass(frozen=True)
class FramePlan:
    """Which controls move (outermost first), which stay fixed, and so which frames exist."""

    axes: tuple[Axis, ...]
    fixed: dict[str, Any] = field(default_factory=dict)
    fixed_labels: dict[str, str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values per moving control."""
        return tuple(len(a.values) for a in self.axes)

    @property
    def n_frames(self) -> int:
        """Number of frames: the product of `shape` (1 if nothing moves)."""
        return math.prod(self.shape)

    @property
    def start(self) -> tuple[int, ...]:
        """Indices of the figure's current values: the frame shown first."""
        return tuple(a.start for a in self.axes)

    def settings(self) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
        """Every frame's indices and the control values it shows, in row-major order."""
        for index in itertools.product(*(range(n) for n in self.shape)):
            yield index, {a.name: a.values[i] for a, i in zip(self.axes, index, strict=True)}

    def note(self) -> str:
        """The sentence under the figure naming the controls left fixed ('' if none)."""
        if not self.fixed_labels:
            return ""
        held = ", ".join(f"{d} = {v}" for d, v in self.fixed_labels.items())
        return f"Fixed in this edition: {held}. Run the notebook to move them."


def _label(value: Any, step: float | None = None) -> str:
    """A control value as a student reads it: 0.05, 1e-05, 32, relu."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if step is not None and step > 0 and 1e-3 <= abs(step) < 1e4:
            decimals = max(0, -math.floor(math.log10(step) + 1e-9))
            return f"{value:.{decimals}f}"
        return f"{value:.3g}"
    return str(value)


def _same(a: Any, b: Any) -> bool:
    """Equal values; floats within rounding (a slider's grid is computed, not typed)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _option_labels(control: widgets.Widget) -> list[str]:
    """The labels a selection control shows, by the rule `option_values` follows."""
    options = control.options
    items = tuple(options.items() if isinstance(options, Mapping) else options)
    if all(isinstance(o, list | tuple) and len(o) == 2 for o in items):
        return [str(label) for label, _ in items]
    return [str(o) for o in items]


def full_axis(name: str, control: widgets.Widget) -> Axis:
    """Every value `control` can take, at its own step (a slider's grid gets its value added)."""
    description = control.description or name
    options = option_values(control)
    whole = True
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        values, labels, kind = (False, True), ("off", "on"), "toggle"
    elif options is not None:
        values, labels = tuple(options), tuple(_option_labels(control))
        kind = "slider" if isinstance(control, widgets.SelectionSlider) else "dropdown"
        if isinstance(control, widgets.ToggleButtons | widgets.RadioButtons):
            kind = "toggle"
        whole = kind != "slider"  # a selection slider's values are ordered: sample them
    elif hasattr(control, "min") and hasattr(control, "max") and hasattr(control, "step"):
        values, labels = _slider_grid(control)
        kind, whole = ("play" if isinstance(control, widgets.Play) else "slider"), False
    else:
        raise ValueError(f"control: expected a slider, option or checkbox widget, got {control!r}")
    start = next((i for i, v in enumerate(values) if _same(v, control.value)), None)
    if start is None:
        raise ValueError(f"control: {name}'s value {control.value!r} is not one of its values")
    interval = int(getattr(control, "interval", 100))
    return Axis(name, description, kind, tuple(values), tuple(labels), start, interval, whole)


def _slider_grid(control: widgets.Widget) -> tuple[list[Any], list[str]]:
    """A slider's values on its own step grid, plus its current value if that is off-grid."""
    lo, hi, step = control.min, control.max, control.step or 1
    n = int(math.floor((hi - lo) / step + 1e-9)) + 1
    grid = lo + step * np.arange(n)
    if isinstance(control, widgets.FloatLogSlider):
        values: list[Any] = [float(control.base**e) for e in np.round(grid, 12)]
        current = float(control.value)
        labels = [_label(v) for v in values]
    elif isinstance(control, widgets.IntSlider | widgets.Play | widgets.BoundedIntText):
        values = [int(v) for v in grid]
        current = int(control.value)
        labels = [str(v) for v in values]
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + 2
        values = [float(v) for v in np.round(grid, decimals)]
        current = float(control.value)
        labels = [_label(v, step) for v in values]
    if not any(_same(v, current) for v in values):
        where = int(np.searchsorted(values, current))
        values.insert(where, current)
        labels.insert(where, _label(current, None))
    return values, labels


def _subset(axis: Axis, keep: Sequence[int]) -> Axis:
    """`axis` with only the values at indices `keep` (which hold its start)."""
    values = tuple(axis.values[i] for i in keep)
    labels = tuple(axis.labels[i] for i in keep)
    return Axis(
        axis.name, axis.description, axis.kind, values, labels, list(keep).index(axis.start),
        axis.interval, axis.whole,
    )  # fmt: skip


def _samplings(axis: Axis, extra: Sequence[int] = ()) -> list[tuple[int, ...]]:
    """The ways to sample `axis`, fewest values first.

    Every k-th value of the control's own grid, counted from its current value (so that is a
    frame and the values are evenly spaced), plus the indices `extra` (values the text
    names). An option axis has one way: all of it.
    """
    n, start = len(axis.values), axis.start
    if axis.whole:
        return [tuple(range(n))]
    ways: dict[int, tuple[int, ...]] = {}
    for k in range(max(n, 1), 0, -1):
        picked = tuple(sorted({*range(start % k, n, k), start, *extra}))
        ways.setdefault(len(picked), picked)
    return [ways[c] for c in sorted(ways)]


def plan_frames(
    controls: Mapping[str, widgets.Widget],
    budget: int = DEFAULT_BUDGET,
    prefer: Sequence[str] = (),
    keep: Mapping[str, Sequence[Any]] | None = None,
) -> FramePlan:
    """Choose the frames of a figure with these controls: at most `budget` of them.

    1. Each control in turn gets its least number of values while the product fits: the
       Play control first (at least ``PLAY_MIN_FRAMES``, evenly over its range), then the
       controls in `prefer` (those the text asks the student to move) in that order, then
       the others in the figure's order. Options count whole, a slider with at least
       ``MIN_SLIDER_VALUES`` values.
    2. The Play control grows towards frame by frame (it is the animation).
    3. The sliders grow in balance: of the samplings whose product fits, the one whose
       sparsest slider shows the largest share of its own grid (then the most frames).

    A slider's values are every k-th value of its own grid counted from its current value,
    which is always a frame; so are the values `keep` names for a control.
    """
    if not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget: expected a positive int, got {budget!r}")
    keep = keep or {}
    unknown = [n for n in [*prefer, *keep] if n not in controls]
    if unknown:
        raise ValueError(
            f"prefer, keep: expected names of controls {list(controls)}, got {unknown}"
        )
    full = {name: full_axis(name, c) for name, c in controls.items()}
    ways = {
        name: _samplings(
            axis,
            [i for i, v in enumerate(axis.values) if any(_same(v, w) for w in keep.get(name, ()))],
        )
        for name, axis in full.items()
    }
    # stable: Play first, then the preferred controls, each group in the figure's order
    rank = {n: i for i, n in enumerate(prefer)}
    order = sorted(full, key=lambda n: (full[n].kind != "play", rank.get(n, len(rank))))
    level: dict[str, int] = {}  # moving control → which of its `ways` it shows

    def size(levels: Mapping[str, int]) -> int:
        return math.prod(len(ways[n][i]) for n, i in levels.items())

    def grows(name: str) -> bool:
        more = level[name] + 1 < len(ways[name])
        return more and size({**level, name: level[name] + 1}) <= budget

    for name in order:
        axis = full[name]
        least = min(PLAY_MIN_FRAMES if axis.kind == "play" else MIN_SLIDER_VALUES, budget)
        i = next((i for i, w in enumerate(ways[name]) if len(w) >= least), len(ways[name]) - 1)
        if len(axis.values) > 1 and size({**level, name: i}) <= budget:
            level[name] = i
    for name in [n for n in level if full[n].kind == "play"]:
        while grows(name):
            level[name] += 1
    growing = [n for n in level if not full[n].whole and full[n].kind != "play"]
    lengths = {n: len(full[n].values) for n in full}
    room = budget // size({n: i for n, i in level.items() if n not in growing})
    level.update(_balanced(growing, level, ways, lengths, room))
    axes = tuple(_subset(full[n], ways[n][level[n]]) for n in controls if n in level)
    fixed = {n: c.value for n, c in controls.items() if n not in level}
    fixed_labels = {full[n].description: full[n].labels[full[n].start] for n in fixed}
    return FramePlan(axes, fixed, fixed_labels)


def _balanced(
    names: Sequence[str],
    level: Mapping[str, int],
    ways: Mapping[str, list[tuple[int, ...]]],
    len_full: Mapping[str, int],
    room: int,
) -> dict[str, int]:
    """The samplings of the sliders `names` (at least those in `level`) whose product fits in
    `room` and whose smallest share of its own grid is largest (then: most frames).

    Searched exhaustively while that is cheap (the sliders of a figure are few); else one
    step at a time, the slider with the smallest share first.
    """
    if not names:
        return {}
    counts = {n: [len(w) for w in ways[n]] for n in names}
    best: tuple[float, int] = (-1.0, 0)
    choice = {n: level[n] for n in names}
    if math.prod(len(counts[n]) - level[n] for n in names) <= 200_000:
        ranges = [range(level[n], len(counts[n])) for n in names]
        for pick in itertools.product(*ranges):
            frames = math.prod(counts[n][i] for n, i in zip(names, pick, strict=True))
            if frames > room:
                continue
            score = (
                min(counts[n][i] / len_full[n] for n, i in zip(names, pick, strict=True)),
                frames,
            )
            if score > best:
                best, choice = score, dict(zip(names, pick, strict=True))
        return choice
    growing = list(names)
    while growing:
        name = min(growing, key=lambda n: counts[n][choice[n]] / len_full[n])
        frames = math.prod(counts[n][choice[n]] for n in names) // counts[name][choice[name]]
        nxt = choice[name] + 1
        if nxt < len(counts[name]) and frames * counts[name][nxt] <= room:
            choice[name] = nxt
        else:
            growing.remove(name)
    return choice


def figure_budget(live: Any) -> int:
    """The figure's frame budget: its ``frame_budget`` attribute, else DEFAULT_BUDGET."""
    return int(getattr(live, "frame_budget", DEFAULT_BUDGET))


def encode(rgba: np.ndarray) -> bytes:
    """An RGBA canvas as a 256-colour PNG: a third of the bytes, white stays white.

    Maximum-coverage palettes (error ≤ ~10/255 on a few anti-aliased pixels); the faster
    octree palette greys the white background and misses rare colours by up to 43/255.
    """
    image = Image.fromarray(np.asarray(rgba)[..., :3])
    image = image.quantize(PALETTE_COLOURS, method=Image.Quantize.MAXCOVERAGE, dither=0)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def use_agg(live: Any) -> None:
    """Draw `live` with Agg from now on (an ipympl canvas, if any, is closed)."""
    old = live.fig.canvas
    if not isinstance(old, FigureCanvasAgg) or isinstance(old, widgets.Widget):
        FigureCanvasAgg(live.fig)  # the constructor attaches itself to the figure
        if isinstance(old, widgets.Widget):
            old.close()
    live.fig.forget_static()


def draw_rgba(live: Any) -> np.ndarray:
    """Draw the figure's canvas as it stands and return a copy of its pixels (H, W, 4)."""
    live.fig.canvas.draw()
    return np.array(live.fig.canvas.buffer_rgba())


def render_frames(
    live: Any, plan: FramePlan, only: Sequence[tuple[int, ...]] | None = None
) -> Iterator[tuple[tuple[int, ...], bytes]]:
    """Set each frame's values through ``live.update(...)``, draw with Agg, yield its PNG.

    `live` must draw with Agg (see `use_agg`); the controls left fixed keep their values.
    With `only`, just those frames, in that order.
    """
    settings = dict(plan.settings())
    for index in only if only is not None else list(settings):
        live.update(**settings[tuple(index)])
        yield tuple(index), encode(draw_rgba(live))


def frame_name(index: Sequence[int]) -> str:
    """The file name of a frame: its indices, e.g. ``03-11.png`` (``0.png`` if nothing moves)."""
    return "-".join(f"{i:03d}" for i in index) + ".png" if index else "0.png"


def frames_widget(
    live: Any, budget: int | None = None, prefer: Sequence[str] = (), text: str = ""
) -> widgets.VBox:
    """The figure in frames mode, for JupyterLab or Voilà: controls over an image Stack.

    The frames are drawn by a copy of the figure (same factory, same values), so the live
    figure is untouched; moving a control then only swaps a picture in the browser. The
    controls named in `prefer` move before the others (see `plan_frames`), and the values
    `text` (their prompt) writes for them are frames.
    """
    from trainlib.live.figure import REGISTRY
    from trainlib.live.prompts import prompted_values  # prompts reads frames: import here

    if live.call_name not in REGISTRY:
        raise ValueError(f"live: expected a @register-ed figure, got {live.call_name!r}")
    copy = REGISTRY[live.call_name](**live.values)
    try:
        use_agg(copy)
        keep = prompted_values(copy.controls, text, prefer) if text else {}
        plan = plan_frames(copy.controls, budget or figure_budget(copy), prefer, keep)
        images = {
            index: widgets.Image(value=png, format="png", layout=widgets.Layout(max_width="100%"))
            for index, png in render_frames(copy, plan)
        }
    finally:
        copy.close()
    from trainlib.live.frames_widgets import assemble

    return assemble(plan, images, live.call_name)
