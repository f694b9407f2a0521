"""Nothing clipped: every registered live figure, built and drawn headless (Agg) in normal and
in presenter mode (projector fonts, `trainlib.plot.presenter_mode`), keeps every text it draws
— titles, axis labels, tick labels, legends (texts and frame), figure texts, suptitle,
annotations — inside its canvas. In presenter mode each control is also moved to its
extremes (a slider's min and max, every option), one control at a time: texts change per move."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, and the same renderer as the benchmark

from contextlib import contextmanager

import matplotlib.pyplot as plt
import pytest
from matplotlib.legend import Legend
from matplotlib.text import Text

from trainlib.lessons import all_figures
from trainlib.live import sweep_values
from trainlib.plot import presenter_mode

REGISTRY = all_figures()
FIGURES = sorted(REGISTRY)
TOLERANCE_PX = 1.0  # sub-pixel rounding of text extents; a clipped glyph is several px


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@contextmanager
def _mode(presenter: bool):
    if presenter:
        presenter_mode()
    try:
        yield
    finally:
        if presenter:
            presenter_mode(False)


@contextmanager
def _recording_drawn_texts(drawn: list):
    """Record every Text that draws (visible, non-empty): what actually reaches the canvas."""
    original = Text.draw

    def draw(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    Text.draw = draw
    try:
        yield
    finally:
        Text.draw = original


def _overshoot(bbox, canvas) -> float:
    return max(canvas.x0 - bbox.x0, bbox.x1 - canvas.x1, canvas.y0 - bbox.y0, bbox.y1 - canvas.y1)


def _offenders(live) -> list[tuple[str, float]]:
    """Draw `live` in full and name each text or legend frame outside the canvas, by how much."""
    fig = live.fig
    fig.forget_static()  # the full render: every static artist draws, none is a cached picture
    drawn: list[Text] = []
    with _recording_drawn_texts(drawn):
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    found = []
    for text in dict.fromkeys(drawn):
        over = _overshoot(text.get_window_extent(renderer), canvas)
        if over > TOLERANCE_PX:
            found.append((f"text {text.get_text()!r}", over))
    for legend in fig.findobj(Legend):
        if legend.get_visible():
            over = _overshoot(legend.get_window_extent(renderer), canvas)
            if over > TOLERANCE_PX:
                found.append((f"legend {[t.get_text() for t in legend.texts]} frame", over))
    return found


def _check(name: str, presenter: bool, extremes: bool) -> None:
    mode = "presenter" if presenter else "normal"
    with _mode(presenter):
        live = REGISTRY[name]()
        try:
            problems = [("default", *p) for p in _offenders(live)]
            if extremes:
                for control, widget in live.controls.items():
                    default = widget.value
                    for value in _extremes(sweep_values(widget)):
                        live.update(**{control: value})
                        problems += [(f"{control}={value!r}", *p) for p in _offenders(live)]
                    live.update(**{control: default})
        finally:
            live.close()
    worst: dict[str, tuple[float, list[str]]] = {}  # artist → (largest overshoot, states)
    for state, artist, over in problems:
        largest, states = worst.get(artist, (0.0, []))
        worst[artist] = (max(largest, over), [*states, state])
    assert not worst, f"{name} ({mode} mode) draws outside its canvas:\n" + "\n".join(
        f"  {artist}: up to {over:.0f} px outside (at {', '.join(states)})"
        for artist, (over, states) in sorted(worst.items(), key=lambda kv: -kv[1][0])
    )


def _extremes(values: list) -> list:
    """A slider's min and max; every option of an option control or checkbox (a few)."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [min(values), max(values)]
    return values


@pytest.mark.parametrize("name", FIGURES)
def test_nothing_clipped_normal_mode(name):
    _check(name, presenter=False, extremes=False)


@pytest.mark.parametrize("name", FIGURES)
def test_nothing_clipped_presenter_mode(name):
    _check(name, presenter=True, extremes=True)


def test_clipping_figure_status_lines_clear_of_labels():
    """06's clipping figure at c = 1e5 on a projector: its two status lines (the unclipped run
    diverged; a dead network) overlap no axis label, tick label or each other."""
    with _mode(True):
        live = REGISTRY["clipping_figure"]()
        try:
            live.update(threshold=1e5)
            live.fig.forget_static()
            live.fig.canvas.draw()
            renderer = live.fig.canvas.get_renderer()
            ax = live.fig.axes[0]
            status = [
                t for t in ax.texts if t.get_visible() and t.get_text().strip()
            ]  # fmt: skip
            assert len(status) == 2, [t.get_text() for t in status]
            labels = [ax.yaxis.label, ax.xaxis.label, ax.title]
            labels += [t for t in ax.get_yticklabels() + ax.get_xticklabels() if t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in status]
            assert not boxes[0].overlaps(boxes[1])
            for box in boxes:
                assert ax.get_window_extent(renderer).contains(box.x0, box.y0)
                assert ax.get_window_extent(renderer).contains(box.x1, box.y1)
                for label in labels:
                    extent = label.get_window_extent(renderer)
                    assert not box.overlaps(extent), f"status line over {label.get_text()!r}"
        finally:
            live.close()
