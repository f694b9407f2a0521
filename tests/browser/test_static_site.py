"""The static edition in a real browser: every page from file://, every figure moves offline.

The site is built once per session into ``artifacts/static-site/`` (frames kept between runs:
only figures whose code changed are drawn again). Each page is opened from file:// in
headless Chromium; every slider of every frames figure gets an ArrowRight (ArrowLeft at the
end of its range) and its picture must change; no request may leave the site's folder.
Each figure is named by the class the site builder gives it (``trainlib-figure-<name>``).
Keydown → changed picture is timed in the page (keydown event to the first animation frame
showing the new, decoded image) 7 times per figure and written to
``artifacts/static_latency.json`` for ``benchmarks/static_latency.py``.
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


def _move(page: Any, fig: Any, handle: Any, key: str) -> dict:
    fig.evaluate(START_MOVE)
    handle.focus()
    page.keyboard.press(key)
    return page.evaluate("window.__move")


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
        handles = fig.query_selector_all(".noUi-handle")
        times = []
        for j, handle in enumerate(handles):
            key = "ArrowRight"
            for _ in range(MOVES if j == 0 else 1):
                moved = _move(page, fig, handle, key)
                if moved["ms"] is None:  # at the end of its range: the other way from now on
                    key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
                    moved = _move(page, fig, handle, key)
                assert moved["ms"] is not None, f"{name} figure {k}: slider {j} moved no picture"
                if j == 0:
                    times.append(moved["ms"])
        if times:
            figure = names[k][len(NAME_CLASS) :]
            label = f"{name[:2]} · {figure}"
            if names.count(names[k]) > 1:  # one figure shown with different initial values
                label += f" ({names[: k + 1].count(names[k])})"
            timings["figures"][label] = {
                "page": name, "figure": figure, "index": k,
                "moves": len(times), "median_ms": statistics.median(times),
                "p95_ms": sorted(times)[max(0, round(0.95 * len(times)) - 1)],
                "all_ms": times,
            }  # fmt: skip
    outside = [u for u in requests if not u.startswith(site.as_uri())]
    assert not outside, f"{name} requested outside the site: {outside[:3]}"
    page.close()
