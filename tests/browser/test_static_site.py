"""The static edition in a real browser: every page from file://, every figure moves offline.

The site is built once per session into ``artifacts/static-site/`` (frames kept between runs:
only figures whose code changed are drawn again). Each page is opened from file:// in
headless Chromium; every control of every frames figure is moved by keyboard (a slider
ArrowRight, or ArrowLeft at the end of its range; a dropdown its next option; toggle buttons
the next button) and its picture must change; no request may leave the site's folder.
Each figure is named by the class the site builder gives it (``trainlib-figure-<name>``).
Keydown → changed picture is timed in the page (keydown event to the first animation frame
showing the new, decoded image): 7 moves of a figure's first control and one of each other
control, written to ``artifacts/static_latency.json`` for ``benchmarks/static_latency.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "artifacts" / "static-site"
LATENCY = ROOT / "artifacts" / "static_latency.json"
MOVES = 7
sys.path.insert(0, str(ROOT / "tools"))

from series import notebooks  # noqa: E402

from trainlib.live.frames_widgets import NAME_CLASS  # noqa: E402

PAGES = [p.with_suffix(".html").name for p in notebooks()]

START_MOVE = """(fig) => { window.__move = new Promise((resolve) => {
  const before = fig.querySelector('img.widget-image').src; let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); },
                            {once: true, capture: true});
  const started = performance.now();
  const check = () => {
    const img = fig.querySelector('img.widget-image');
    if (t0 !== null && img && img.src !== before && img.complete && img.naturalWidth > 0) {
      resolve({ms: performance.now() - t0, src: img.src});
    } else if (performance.now() - started > 3000) { resolve({ms: null, src: before}); }
    else { requestAnimationFrame(check); }
  };
  requestAnimationFrame(check); }); }"""


@pytest.fixture(scope="session")
def site(browser: Any) -> Path:
    """The static edition, built (or brought up to date) for these tests."""
    import static_site

    started = time.perf_counter()
    static_site.build(SITE)
    if not (SITE / "_static" / "widgets" / "embed-amd.js").exists():
        pytest.skip("static edition built without npm: its figures are stored pictures")
    print(f"static site built in {time.perf_counter() - started:.0f} s")
    return SITE


@pytest.fixture(scope="session")
def timings() -> Any:
    data: dict[str, Any] = {"figures": {}}
    yield data
    LATENCY.parent.mkdir(exist_ok=True)
    data["measured"] = time.strftime("%Y-%m-%d %H:%M")
    data["load"] = round(os.getloadavg()[0], 1)  # timings on a busy machine read high
    LATENCY.write_text(json.dumps(data, indent=1))


#: Every control a frames figure can show, in page order: a slider's handle (selection and
#: Play sliders too), a dropdown's <select>, a row of toggle buttons.
CONTROLS = ".noUi-handle, select, .widget-toggle-buttons"


def _kind(control: Any) -> str:
    return control.evaluate(
        "c => c.tagName === 'SELECT' ? 'dropdown' : "
        "c.classList.contains('widget-toggle-buttons') ? 'toggle' : 'slider'"
    )


def _press(page: Any, fig: Any, target: Any, key: str) -> dict:
    fig.evaluate(START_MOVE)
    target.focus()
    page.keyboard.press(key)
    return page.evaluate("window.__move")


def _move(page: Any, fig: Any, control: Any, kind: str, forward: bool) -> tuple[dict, bool]:
    """Move `control` one step by keyboard, as a student would: a slider's handle
    ArrowRight/ArrowLeft, a dropdown the next option (ArrowDown/ArrowUp on the focused
    <select>), toggle buttons the next button (focus it, Enter). Returns the timed move and
    the direction to use next (a slider or dropdown at the end of its range turns back)."""
    if kind == "toggle":
        buttons = control.query_selector_all("button")
        active = control.evaluate(
            "g => [...g.querySelectorAll('button')]"
            ".findIndex(b => b.classList.contains('mod-active'))"
        )
        return _press(page, fig, buttons[(active + 1) % len(buttons)], "Enter"), forward
    keys = ("ArrowRight", "ArrowLeft") if kind == "slider" else ("ArrowDown", "ArrowUp")
    moved = _press(page, fig, control, keys[0] if forward else keys[1])
    if moved["ms"] is None:  # at the end of its range: the other way from now on
        forward = not forward
        moved = _press(page, fig, control, keys[0] if forward else keys[1])
    return moved, forward


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_moves_offline_from_file(name, site, browser, timings):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    html = (site / name).read_text()
    expected = html.count('<script type="application/vnd.jupyter.widget-view+json">')
    page.goto((site / name).as_uri())
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        f"document.querySelectorAll('.trainlib-frames img.widget-image').length >= {expected}",
        timeout=60_000,
    )
    for link in ("Contents", 'rel="contents"'):
        assert link in html, f"{name}: no contents link"
    assert "Error displaying widget" not in page.content()
    figures = page.query_selector_all(".trainlib-frames")
    assert len(figures) == expected
    names = [
        fig.evaluate(f"f => [...f.classList].find(c => c.startsWith('{NAME_CLASS}')) || ''")
        for fig in figures
    ]
    assert all(names), f"{name}: a frames figure does not say which figure it is"
    for k, fig in enumerate(figures):
        # what the frames hold fixed is said, visibly, under the figure
        src = fig.evaluate("f => f.querySelector('img.widget-image').getAttribute('src')")
        manifest = json.loads((site / src.rsplit("/", 1)[0] / "manifest.json").read_text())
        fixed = manifest["plan"]["fixed_labels"]
        if fixed:
            note = fig.query_selector("text=Fixed in this edition")
            assert note is not None and note.is_visible(), f"{names[k]}: no line names {fixed}"
            said = note.inner_text()
            missing = [f"{d} = {v}" for d, v in fixed.items() if f"{d} = {v}" not in said]
            assert not missing, f"{names[k]}: the line under it does not say {missing}"
        controls = fig.query_selector_all(CONTROLS)
        kinds = [_kind(c) for c in controls]
        expected_kinds = sorted(
            "slider" if a["kind"] in ("slider", "play") else a["kind"]
            for a in manifest["plan"]["axes"]
        )
        assert sorted(kinds) == expected_kinds, f"{names[k]}: controls {kinds} on the page"
        times, moved_kinds = [], []
        for j, (control, kind) in enumerate(zip(controls, kinds, strict=True)):
            forward = True
            for _ in range(MOVES if j == 0 else 1):
                moved, forward = _move(page, fig, control, kind, forward)
                assert moved["ms"] is not None, f"{name} figure {k}: {kind} {j} moved no picture"
                times.append(moved["ms"])
                moved_kinds.append(kind)
        if times:
            figure = names[k][len(NAME_CLASS) :]
            label = f"{name[:2]} · {figure}"
            if names.count(names[k]) > 1:  # one figure shown with different initial values
                label += f" ({names[: k + 1].count(names[k])})"
            timings["figures"][label] = {
                "page": name, "figure": figure, "index": k,
                "moves": len(times), "median_ms": statistics.median(times),
                "p95_ms": sorted(times)[max(0, round(0.95 * len(times)) - 1)],
                "all_ms": times, "controls": sorted(set(moved_kinds)),
            }  # fmt: skip
    outside = [u for u in requests if not u.startswith(site.as_uri())]
    assert not outside, f"{name} requested outside the site: {outside[:3]}"
    page.close()
