"""Every notebook in a real JupyterLab in headless Chromium, the way a student meets it.

For each notebooks/NN_*.ipynb (found by glob, so new notebooks are covered automatically):
open it, run all cells, wait until the kernel is idle; then check that no cell wrote an
error or to stderr, that no widget failed to display, that every live figure shows a canvas
with a size that fits inside the notebook at 1280×800, that pressing ArrowRight on the
slider of each live figure repaints its canvas, and that Tab reaches that slider. The
slider-to-repaint times (median of 7 moves per figure) go to artifacts/browser_latency.json;
`python benchmarks/browser_latency.py --write` puts them into benchmarks/README.md.
Screenshots: artifacts/screenshots/NN_name.png (first live figure in view) and
NN_name-figK.png (each figure in view).

The notebook is run once per notebook (a module-scoped fixture); the tests below only
read what that run found, so one failure does not hide the others.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MOVES = 7  # slider moves per figure; the median of these is the figure's latency

# Errors and stderr written by any cell, read from the notebook model (with their text).
_OUTPUT_PROBLEMS_JS = """
() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const problems = [];
  nb.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    const outputs = cell.model.outputs;
    for (let j = 0; j < outputs.length; j++) {
      const o = outputs.get(j).toJSON();
      if (o.output_type === 'error')
        problems.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      else if (o.output_type === 'stream' && o.name === 'stderr')
        problems.push(`cell ${i} stderr: ${String(o.text).slice(0, 400)}`);
    }
  });
  return problems;
}
"""

_UNEXECUTED_JS = """
() => window.jupyterapp.shell.currentWidget.content.widgets
  .map((cell, i) => [cell, i])
  .filter(([c, i]) => c.model.type === 'code' && c.model.sharedModel.getSource().trim()
          && c.model.executionCount === null)
  .map(([c, i]) => i)
"""

_DOM_PROBLEMS_JS = """
() => ({
  stderr: Array.from(document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.textContent.slice(0, 400)),
  widget_errors: Array.from(document.querySelectorAll('.jp-OutputArea-output'))
    .filter(e => e.textContent.includes('Error displaying widget'))
    .map(e => e.textContent.slice(0, 400)),
})
"""

# The notebook panel's right edge, and how much wider it would be with the file browser
# (the left side panel, open by default) closed.
_PANEL_RIGHT_JS = """
() => {
  const node = window.jupyterapp.shell.currentWidget.content.node;
  const left = document.querySelector('#jp-left-stack');
  const extra = left && left.offsetParent ? left.getBoundingClientRect().width : 0;
  return [node.getBoundingClientRect().left + node.clientWidth, extra];
}
"""

_FIGURE_CELL_JS = """
(fig) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const i = cells.findIndex(c => c.node.contains(fig));
  return [i, i < 0 ? '' : cells[i].model.sharedModel.getSource()];
}
"""


@dataclass
class Figure:
    index: int
    cell: int
    name: str
    first_control: str
    slider: str
    css: list[int]
    pixels: list[int]
    right: float
    panel_right: float
    side_panel: float
    handles: int
    tracks: list[list[Any]] = field(default_factory=list)
    control_kind: str | None = None  # what the keyboard drives: slider, dropdown, ...
    retried: bool = False
    moves: list[dict[str, Any]] = field(default_factory=list)
    tab_reaches_control: bool | None = None

    @property
    def label(self) -> str:
        return f"figure {self.index} ({self.name}, cell {self.cell})"

    @property
    def times(self) -> list[float]:
        return [m["ms"] for m in self.moves if m["ms"] is not None]


@dataclass
class NotebookRun:
    name: str
    seconds: float = 0.0
    unexecuted: list[int] = field(default_factory=list)
    output_problems: list[str] = field(default_factory=list)
    stderr_dom: list[str] = field(default_factory=list)
    widget_errors: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _figure_name(source: str, registry: list[str]) -> str:
    """The live-figure factory called in a cell's source, else the cell's last line."""
    for name in registry:
        if re.search(rf"\b{name}\s*\(", source):
            return name
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    return lines[-1][:50] if lines else "?"


def _registry() -> list[str]:
    try:
        from trainlib.lessons import all_figures

        REGISTRY = all_figures()
    except Exception:  # noqa: BLE001 - names are only labels
        return []
    return sorted(REGISTRY, key=len, reverse=True)


def run_notebook(
    path: Path, lab: Any, browser: Any, screenshots: Path, driver_for: Any
) -> NotebookRun:
    run = NotebookRun(path.stem)
    start = time.monotonic()
    page = lab.open(browser, f"notebooks/{path.name}")
    try:
        run.notes = lab.run_all(page)
        run.unexecuted = page.evaluate(_UNEXECUTED_JS)
        driver = driver_for(page)
        registry = _registry()
        panel_right, side_panel = page.evaluate(_PANEL_RIGHT_JS)
        run.load = os.getloadavg()
        for i in range(driver.figures().count()):
            info = driver.show(i)
            cell, source = driver.figures().nth(i).evaluate(_FIGURE_CELL_JS)
            fig = Figure(
                index=i,
                cell=cell,
                name=_figure_name(source, registry),
                first_control=info["first_control"],
                slider=info["slider"],
                css=info["css"],
                pixels=info["pixels"],
                right=info["right"],
                panel_right=panel_right,
                side_panel=side_panel,
                handles=info["handles"],
                tracks=info["tracks"],
                retried=info["retried"],
            )
            page.screenshot(path=str(screenshots / f"{path.stem}-fig{i}.png"))
            element, fig.control_kind = driver.control(i)
            if element is not None:
                fig.tab_reaches_control = _tab_reaches_control(page, element)
                if fig.css[0] > 0:
                    fig.moves = driver.move(i, MOVES)
            run.figures.append(fig)
        problems = page.evaluate(_DOM_PROBLEMS_JS)  # after the moves: callback errors too
        run.stderr_dom, run.widget_errors = problems["stderr"], problems["widget_errors"]
        run.output_problems = page.evaluate(_OUTPUT_PROBLEMS_JS)
        if run.figures:
            driver.figures().first.scroll_into_view_if_needed()
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        page.screenshot(path=str(screenshots / f"{path.stem}.png"))
    finally:
        run.seconds = time.monotonic() - start
        lab.close(page)
    return run


def _tab_reaches_control(page: Any, element: Any) -> bool:
    """Put the focus on the figure's controls box, press Tab (as often as there are
    focusable controls before it): does the focus land on `element`, the control that
    drives the figure? (What an instructor without a mouse does.)"""
    steps = element.evaluate(
        """el => {
          const box = el.closest('.widget-vbox') || el.closest('.widget-box');
          box.setAttribute('tabindex', '-1');
          box.focus();
          if (document.activeElement !== box) return -1;
          const sel = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
          return Array.from(box.querySelectorAll(sel)).indexOf(el) + 1;
        }"""
    )
    reached = False
    for _ in range(max(0, steps)):
        page.keyboard.press("Tab")
        if element.evaluate("el => document.activeElement === el"):
            reached = True
            break
    element.evaluate(
        "el => (el.closest('.widget-vbox') || el.closest('.widget-box'))"
        ".removeAttribute('tabindex')"
    )
    return reached


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def run(request, lab, browser, screenshots, latency_log, driver_for) -> NotebookRun:
    result = run_notebook(request.param, lab, browser, screenshots, driver_for)
    latency_log.browser_version = browser.version
    for fig in result.figures:
        if fig.moves:
            latency_log.record(
                f"{result.name}/fig{fig.index}",
                {
                    "notebook": result.name,
                    "figure": fig.index,
                    "name": fig.name,
                    "first_control": fig.first_control,
                    "slider": fig.slider,
                    "canvas_css_px": fig.css,
                    "moves": len(fig.moves),
                    "repainted": len(fig.times),
                    "ms": [round(t, 1) for t in fig.times],
                    "control_kind": fig.control_kind,
                    "median_ms": round(statistics.median(fig.times), 1) if fig.times else None,
                    "load_avg": [round(x, 2) for x in result.load],
                    "measured": time.strftime("%Y-%m-%d %H:%M"),
                },
            )
    return result


def test_every_cell_runs_without_error(run: NotebookRun):
    assert not run.output_problems, "\n".join(run.output_problems)
    assert not run.stderr_dom, "stderr shown in the notebook:\n" + "\n".join(run.stderr_dom)
    assert not run.unexecuted, f"code cells never executed: {run.unexecuted}"


def test_no_widget_fails_to_display(run: NotebookRun):
    assert not run.widget_errors, "\n".join(run.widget_errors)
    assert not [n for n in run.notes if "did not render" in n], run.notes


def test_every_live_figure_shows_a_canvas(run: NotebookRun):
    empty = [f"{f.label}: canvas {f.css[0]}×{f.css[1]} css px" for f in run.figures
             if min(f.css) <= 0 or min(f.pixels) <= 0]  # fmt: skip
    assert not empty, "\n".join(empty)


def test_every_figure_shows_without_scrolling_back(run: NotebookRun):
    """A canvas that stayed blank until scrolled away and back: what a student would see."""
    late = [f.label for f in run.figures if f.retried and min(f.css) > 0]
    assert not late, "blank until scrolled away and back: " + ", ".join(late)


def test_every_slider_is_long_enough_to_aim_with(run: NotebookRun):
    """Each slider's track is at least 150 px wide at 1280×800 (a long label can squeeze it)."""
    short = [
        f"{f.label}: slider {label!r} track {width} px"
        for f in run.figures
        for label, width in f.tracks
        if width < 150
    ]
    assert not short, "\n".join(short)


def test_every_figure_fits_the_notebook_at_1280x800(run: NotebookRun):
    """JupyterLab's default layout (file browser open): a canvas must end inside the panel."""
    wide = [
        f"{f.label}: {f.css[0]} px wide, right edge {f.right:.0f} px > notebook panel's "
        f"{f.panel_right:.0f} px (room for {f.css[0] - (f.right - f.panel_right):.0f} px; "
        f"{f.css[0] - (f.right - f.panel_right) + f.side_panel:.0f} px with the file browser "
        "closed)"
        for f in run.figures
        if f.right > f.panel_right + 1
    ]
    assert not wide, "figures cut off at 1280×800:\n" + "\n".join(wide)


def test_arrow_right_on_the_first_slider_repaints_the_canvas(run: NotebookRun):
    """ArrowRight on each live figure's first slider (ArrowLeft if it sits at its maximum).
    When a figure's first control is a dropdown or toggle, its first slider is used (the
    README table names both)."""
    driven = [f for f in run.figures if f.control_kind == "slider"]
    if not driven:
        pytest.skip(f"{run.name}: no live figure with a slider")
    failed = []
    for f in driven:
        if not f.moves:
            failed.append(f"{f.label}: not moved (its canvas never showed)")
        elif f.moves[0]["ms"] is None:
            failed.append(f"{f.label}: {f.moves[0]['key']} on its slider did not repaint")
    assert not failed, "\n".join(failed)


def test_figures_without_a_slider_respond_to_the_keyboard(run: NotebookRun):
    """A figure with no slider: Space on its checkbox / toggle buttons, ArrowDown/Up on its
    dropdown. Known limitation: in JupyterLab's command mode ArrowUp/ArrowDown are notebook
    shortcuts (select the cell above/below), so they never reach a dropdown; a figure whose
    only control is a Dropdown cannot be driven by arrow keys there (it can in Voilà).
    Such figures are reported as an expected failure, not hidden."""
    others = [f for f in run.figures if f.control_kind and f.control_kind != "slider"]
    if not others:
        pytest.skip(f"{run.name}: every live figure with a control has a slider")
    failed = [f for f in others if not f.moves or f.moves[0]["ms"] is None]
    lines = [f"{f.label}: {f.control_kind} ({f.first_control}) did not repaint" for f in failed]
    if failed and all(f.control_kind == "dropdown" for f in failed):
        pytest.xfail("arrow keys on a dropdown are JupyterLab shortcuts: " + "; ".join(lines))
    assert not failed, "\n".join(lines)


def test_every_move_repaints(run: NotebookRun):
    """All 7 keyboard moves of each figure repaint it (not only the first)."""
    dead = [
        f"{f.label}: {len(f.moves) - len(f.times)} of {len(f.moves)} moves did not repaint "
        f"({[m['key'] for m in f.moves if m['ms'] is None]})"
        for f in run.figures
        if f.moves and f.times and len(f.times) < len(f.moves)  # none at all: tested above
    ]
    assert not dead, "\n".join(dead)


def test_tab_reaches_the_control(run: NotebookRun):
    driven = [f for f in run.figures if f.control_kind]
    if not driven:
        pytest.skip(f"{run.name}: no live figure with a control")
    missed = [f"{f.label} ({f.control_kind})" for f in driven if not f.tab_reaches_control]
    assert not missed, "Tab did not move the focus onto the figure's control: " + ", ".join(missed)


# Slider-to-repaint times are recorded by the `run` fixture (artifacts/browser_latency.json)
# and reported against the 100 ms target by benchmarks/browser_latency.py: a performance
# target is a benchmark's verdict, never a timed assertion in a test.
