"""Fixtures for the real-browser tests: one JupyterLab server, one headless Chromium.

What students see is JupyterLab in a browser, so these tests drive the real thing: the
`playwright` Python package steering the system Chromium (``/usr/bin/chromium`` or the
path in ``$CHROMIUM``; browsers cannot be downloaded here, so ``playwright install`` is
never used). Without a Chromium the tests are skipped with a clear reason; under
``CI=true`` a missing browser fails them instead.

The server serves a *copy* of ``notebooks/`` from a temporary directory (JupyterLab
autosaves, and the committed notebooks must never change), with its config, settings and
workspaces in that directory too (no news pop-up, nothing read from or written to ~).
Artefacts (screenshots, latency numbers) go to ``artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LATENCY_JSON = ARTIFACTS / "browser_latency.json"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Slow machines: a kernel may take this long to start, a notebook this long to run.
SERVER_START_S = 90
KERNEL_START_S = 120  # a cold kernel on a slow, busy machine
RUN_ALL_S = 300  # the slowest notebook, top to bottom, on the same


# --- is there a browser? --------------------------------------------------------------------
def chromium_path() -> str:
    """The Chromium to drive: ``$CHROMIUM`` if set, else /usr/bin/chromium."""
    return os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (
            f"no Chromium at {path} (install it: apt-get install -y chromium, "
            "or point $CHROMIUM at one)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no playwright Python package (pip install -r requirements-dev.txt)"
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_browser() -> None:
    """Skip (or, under CI=true, fail) the calling test when there is no usable browser."""
    reason = browser_missing_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One clear line at the end of the run when the browser tests did not run."""
    reason = browser_missing_reason()
    if reason is None:
        return
    verdict = "FAILED (CI=true)" if in_ci() else "SKIPPED"
    terminalreporter.write_line(f"browser tests {verdict}: {reason}", bold=True, red=in_ci())


_CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
_KERNEL = (
    f"{_CURRENT} && window.jupyterapp.shell.currentWidget.sessionContext"
    " && window.jupyterapp.shell.currentWidget.sessionContext.session"
    " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
)
_IDLE = f"!!({_KERNEL}) && {_KERNEL}.status === 'idle'"

# Cells with a widget output, so each can be scrolled into view and its widget awaited.
_WIDGET_CELLS_JS = """
() => window.jupyterapp.shell.currentWidget.content.widgets
  .map((cell, i) => [cell, i])
  .filter(([c, i]) => {
    if (c.model.type !== 'code') return false;
    const outs = c.model.outputs;
    for (let j = 0; j < outs.length; j++)
      if ('application/vnd.jupyter.widget-view+json' in (outs.get(j).data || {})) return true;
    return false;
  })
  .map(([c, i]) => i)
"""

_WIDGET_RENDERED_JS = """
(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  const area = cell.node.querySelector('.jp-OutputArea');
  return !!area && (!!area.querySelector('.jupyter-widgets, .widget-box, .jupyter-matplotlib')
                    || area.textContent.includes('Error displaying widget'));
}
"""


# --- processes ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Poll `url` until it answers 200; fail early with the log if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server we started (SIGTERM, then SIGKILL), and its kernels with it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# Top-level entries not linked into the served root (everything else is, read-only in spirit).
_NOT_LINKED = {"notebooks", "artifacts", "build", "site", "instructor"}


def copy_notebooks(dest: Path) -> Path:
    """Copy notebooks/ into `dest`/notebooks (the committed notebooks are never touched) and
    symlink the repository's other top-level folders and files beside it, so a notebook's
    relative paths (``../tests/data/...``) resolve as they do in the repository."""
    target = dest / "notebooks"
    shutil.copytree(
        ROOT / "notebooks", target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "artifacts")
    )
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in _NOT_LINKED:
            continue
        (dest / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return target


def with_cells(path: Path, new_path: Path, top: list[str] = (), bottom: list[str] = ()) -> Path:
    """Write a copy of notebook `path` to `new_path` with code cells added at top/bottom."""
    nb = json.loads(path.read_text(encoding="utf-8"))

    def cell(i: int, src: str) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": f"added-{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }

    n = len(top)
    nb["cells"] = (
        [cell(i, src) for i, src in enumerate(top)]
        + nb["cells"]
        + [cell(n + i, src) for i, src in enumerate(bottom)]
    )
    new_path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return new_path


# --- the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system one), shared by every browser test."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Lab:
    """A running JupyterLab: `base` URL, `token`, `root` (the temp dir it serves)."""

    def __init__(self, base: str, token: str, root: Path, proc: subprocess.Popen, log: Path):
        self.base, self.token, self.root, self.proc, self.log = base, token, root, proc, log

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(
            f"{self.base}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=20) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel (saves CPU between notebooks)."""
        for kernel in self.api("kernels"):
            try:
                self.api(f"kernels/{kernel['id']}", method="DELETE")
            except OSError:
                pass

    # --- in the browser -----------------------------------------------------------------
    def open(self, browser: Any, path: str, viewport: tuple[int, int] = (1280, 800)) -> Any:
        """A new tab with notebook `path` (relative to the served root), kernel idle."""
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        page.goto(self.url(path), timeout=KERNEL_START_S * 1000)
        page.wait_for_function(_IDLE, timeout=KERNEL_START_S * 1000, polling=200)
        dismiss_toasts(page)
        return page

    def run_all(self, page: Any) -> list[str]:
        """Run all cells; wait (polling) until done and the kernel idle; then bring every
        widget output into view and wait for it to render. Returns notes on what did not."""
        page.evaluate(
            """() => { window.__runAll = null;
              window.jupyterapp.commands.execute('notebook:run-all-cells').then(
                r => { window.__runAll = {ok: r}; }, e => { window.__runAll = {err: String(e)}; });
            }"""
        )
        page.wait_for_function(
            f"window.__runAll !== null && {_IDLE}", timeout=RUN_ALL_S * 1000, polling=250
        )
        notes = []
        # Widgets render lazily (off-screen cells may wait): bring each into view, await it.
        for cell in page.evaluate(_WIDGET_CELLS_JS):
            page.evaluate(
                "i => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')",
                cell,
            )
            try:
                page.wait_for_function(_WIDGET_RENDERED_JS, arg=cell, timeout=30_000, polling=100)
            except Exception:  # noqa: BLE001 - reported; shows up as a missing canvas/error
                notes.append(f"cell {cell}: widget output did not render within 30 s")
        dismiss_toasts(page)
        return notes

    def cell_text_outputs(self, page: Any) -> list[str]:
        """Every stream/text output of every code cell, in order (to read values back)."""
        return page.evaluate(
            """() => {
              const texts = [];
              for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
                if (cell.model.type !== 'code') continue;
                const outs = cell.model.outputs;
                for (let j = 0; j < outs.length; j++) {
                  const o = outs.get(j).toJSON();
                  if (o.output_type === 'stream') texts.push(String(o.text));
                }
              }
              return texts;
            }"""
        )

    def close(self, page: Any) -> None:
        """Shut the kernels down (saves CPU for the next notebook) and close the tab."""
        try:
            self.shutdown_kernels()
        finally:
            page.close()


def dismiss_toasts(page: Any) -> None:
    """Close a notification toast if one shows (e.g. the news question): click "No"."""
    for label in ("No", "Dismiss"):
        button = page.locator(f".Toastify__toast button:has-text('{label}')")
        if button.count():
            try:
                button.first.click(timeout=2000)
            except Exception:  # noqa: BLE001 - a toast that left by itself is fine
                pass


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp dir holding a copy of notebooks/ (tests may add variants of a notebook)."""
    root = tmp_path_factory.mktemp("lab")
    copy_notebooks(root)
    return root


@pytest.fixture(scope="session")
def lab(lab_root: Path) -> Iterator[Lab]:
    """`jupyter lab` from this venv on a free 127.0.0.1 port with a token; stopped afterwards."""
    require_browser()
    state = lab_root.parent / (lab_root.name + "-state")
    settings = state / "settings"
    # No "get notified about official Jupyter news?" toast.
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    token = secrets.token_hex(16)
    port = free_port()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
    )
    env.pop("MATPLOTLIBRC", None)  # presenter fonts only where a test asks for them
    log = state / "lab.log"
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        f"--ServerApp.root_dir={lab_root}",
        "--allow-root",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=lab_root)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/api/status?token={token}", proc, SERVER_START_S, log)
        yield Lab(base, token, lab_root, proc, log)
    finally:
        stop(proc)


# --- latency artefact -----------------------------------------------------------------------
class LatencyLog:
    """Per-figure slider-to-repaint times collected during the session, written to
    artifacts/browser_latency.json at the end (entries from earlier runs are kept unless
    re-measured). `benchmarks/browser_latency.py --write` turns it into the README table."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.browser_version = "?"

    def record(self, key: str, entry: dict[str, Any]) -> None:
        self.entries[key] = entry

    def write(self) -> None:
        if not self.entries:
            return
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        old: dict[str, Any] = {}
        if LATENCY_JSON.exists():
            try:
                old = json.loads(LATENCY_JSON.read_text())
            except ValueError:
                old = {}
        figures = {**old.get("figures", {}), **self.entries}
        import platform

        data = {
            "machine": {
                "cpus": os.cpu_count(),
                "arch": platform.machine(),
                "python": platform.python_version(),
                "chromium": chromium_path(),
                "chromium_version": self.browser_version,
            },
            "figures": dict(sorted(figures.items())),
        }
        LATENCY_JSON.write_text(json.dumps(data, indent=1) + "\n")


@pytest.fixture(scope="session")
def latency_log() -> Iterator[LatencyLog]:
    log = LatencyLog()
    yield log
    log.write()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# --- driving live figures (JupyterLab and Voilà alike) --------------------------------------
FIGURE = ".jupyter-matplotlib"  # one ipympl canvas widget

# For a figure element: its canvas, the box holding it with its controls, the first control.
_DESCRIBE_JS = """
(fig) => {
  const canvas = fig.querySelector('canvas');
  let box = fig.parentElement && fig.parentElement.closest('.widget-box');
  while (box && !box.querySelector('.noUi-handle')) {
    const up = box.parentElement && box.parentElement.closest('.widget-box');
    if (!up) break;
    box = up;
  }
  const controls = '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-checkbox,'
    + ' .widget-toggle-button, .widget-radio, .widget-play, .widget-button, .widget-text,'
    + ' .widget-select';
  const first = box ? box.querySelector(controls) : null;
  let kind = 'none';
  if (first) {
    const kinds = ['slider', 'dropdown', 'toggle-buttons', 'checkbox', 'toggle-button', 'radio',
                   'play', 'button', 'text', 'select'];
    kind = kinds.find(k => first.classList.contains('widget-' + k)) || first.className;
    const labels = Array.from(first.querySelectorAll('.widget-label, .widget-label-basic'))
      .map(l => l.textContent.replace(/\u200b/g, '').trim()).filter(t => t);
    if (labels.length) kind += ' "' + labels[0] + '"';
  }
  const tracks = box ? Array.from(box.querySelectorAll('.widget-slider')).map(sl => {
    const t = sl.querySelector('.noUi-target, .slider-container');
    const l = sl.querySelector('.widget-label');
    return [l ? l.textContent.trim() : '?', t ? Math.round(t.getBoundingClientRect().width) : 0];
  }) : [];
  const handle = box ? box.querySelector('.noUi-handle') : null;
  const slider = handle ? handle.closest('.widget-slider') : null;
  const sliderLabel = slider ? slider.querySelector('.widget-label') : null;
  const r = canvas ? canvas.getBoundingClientRect() : null;
  return {
    slider: sliderLabel ? 'slider "' + sliderLabel.textContent.trim() + '"'
                        : (handle ? 'slider' : ''),
    canvas: !!canvas,
    tracks: tracks,
    css: r ? [Math.round(r.width), Math.round(r.height)] : [0, 0],
    pixels: canvas ? [canvas.width, canvas.height] : [0, 0],
    right: r ? r.right : 0,
    has_box: !!box,
    first_control: kind,
    handles: box ? box.querySelectorAll('.noUi-handle').length : 0,
  };
}
"""

# Patch the canvas's drawImage (ipympl paints every update with it) to note when the
# pixels first differ from a snapshot; keydown times are noted on the window.
_PROBE_JS = """
(canvas) => {
  if (!window.__keyProbe) {
    window.__keyProbe = true;
    window.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true);
  }
  if (canvas.__probe) return;
  const ctx = canvas.getContext('2d');
  const original = ctx.drawImage;
  const probe = {before: null, changedAt: null, lastDraw: 0};
  ctx.drawImage = function (...args) {
    const result = original.apply(this, args);
    const now = performance.now();
    probe.lastDraw = now;
    if (probe.before !== null && probe.changedAt === null
        && canvas.toDataURL() !== probe.before) probe.changedAt = now;
    return result;
  };
  canvas.__probe = probe;
}
"""


# The keyboard target of a figure: [element, kind], or null.
_CONTROL_JS = """
(fig) => {
  let box = fig.parentElement && fig.parentElement.closest('.widget-box');
  while (box && !box.querySelector('.noUi-handle')) {
    const up = box.parentElement && box.parentElement.closest('.widget-box');
    if (!up) break;
    box = up;
  }
  if (!box) return null;
  const pick = [['.noUi-handle', 'slider'], ['.widget-dropdown select', 'dropdown'],
                ['.widget-checkbox input[type=checkbox]', 'checkbox'],
                ['.widget-toggle-buttons button', 'toggle-buttons'],
                ['button.widget-toggle-button', 'toggle-button']];
  for (const [sel, kind] of pick) {
    const el = box.querySelector(sel);
    if (el) return [el, kind];
  }
  return null;
}
"""


class FigureDriver:
    """Find the live figures on a page, wait for their canvases, move their sliders."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def figures(self) -> Any:
        return self.page.locator(FIGURE)

    def describe(self, i: int) -> dict[str, Any]:
        return self.figures().nth(i).evaluate(_DESCRIBE_JS)

    def show(self, i: int, timeout_s: float = 30) -> dict[str, Any]:
        """Scroll figure `i` into view and wait (polling) until its canvas shows a picture.

        If it stays blank, scroll away and back once (what a student would do) and wait
        again; ``retried`` in the result says so (the caller reports it)."""
        info: dict[str, Any] = {}
        for attempt in range(2):
            if attempt:
                self.page.mouse.wheel(0, -20_000)
                self.page.evaluate("() => new Promise(r => setTimeout(r, 500))")
            if self._wait_for_picture(i, timeout_s):
                break
        else:
            attempt = 1
        info = self.describe(i)
        info["retried"] = attempt > 0
        return info

    def _wait_for_picture(self, i: int, timeout_s: float) -> bool:
        fig = self.figures().nth(i)
        fig.scroll_into_view_if_needed(timeout=timeout_s * 1000)
        try:
            fig.locator("canvas").first.wait_for(state="attached", timeout=timeout_s * 1000)
            # A size, then a first picture: pixels differ from a blank canvas of that size.
            self.page.wait_for_function(
                """c => {
                  if (!(c.width > 0 && c.height > 0 && c.getBoundingClientRect().width > 0))
                    return false;
                  const blank = document.createElement('canvas');
                  blank.width = c.width;
                  blank.height = c.height;
                  return c.toDataURL() !== blank.toDataURL();
                }""",
                arg=fig.locator("canvas").first.element_handle(),
                timeout=timeout_s * 1000,
                polling=200,
            )
            ok = True
        except Exception:  # noqa: BLE001 - reported by the caller (0×0 canvas, blank shot)
            ok = False
        fig.scroll_into_view_if_needed(timeout=timeout_s * 1000)
        return ok

    def control(self, i: int) -> tuple[Any, str] | tuple[None, None]:
        """The keyboard target that drives figure `i`, and its kind: the first slider handle
        in its box; without a slider, its dropdown, checkbox or toggle buttons."""
        handle = self.figures().nth(i).evaluate_handle(_CONTROL_JS)
        kind = handle.evaluate("x => x ? x[1] : null")
        if kind is None:
            return None, None
        return handle.evaluate_handle("x => x[0]").as_element(), kind

    def handle(self, i: int) -> Any:
        """The slider handle that drives figure `i` (None when it has no slider)."""
        element, kind = self.control(i)
        return element if kind == "slider" else None

    def _key(self, element: Any, kind: str, direction: str) -> tuple[Any, str, str]:
        """The element to press, the key, and the direction to keep, for one move."""
        if kind == "slider":
            now, lo, hi = element.evaluate(
                "h => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax']"
                ".map(a => parseFloat(h.getAttribute(a)))"
            )
            if now >= hi:
                direction = "ArrowLeft"
            elif now <= lo:
                direction = "ArrowRight"
            return element, direction, direction
        if kind == "dropdown":
            index, count = element.evaluate("s => [s.selectedIndex, s.options.length]")
            if index >= count - 1:
                direction = "ArrowUp"
            elif index <= 0:
                direction = "ArrowDown"
            return element, direction, direction
        if kind == "toggle-buttons":  # press a button that is not the active one
            element = element.evaluate_handle(
                "b => b.parentElement.querySelector('button:not(.mod-active)') || b"
            ).as_element()
        return element, "Space", direction

    def move(self, i: int, moves: int = 7, timeout_s: float = 15) -> list[dict[str, Any]]:
        """Drive figure `i` from the keyboard `moves` times: arrow keys on its first slider
        (ArrowRight first, unless already at the maximum); without a slider, ArrowDown/Up
        on its dropdown or Space on its checkbox / toggle buttons. For each move: the key
        and the time (ms) from keydown to the first repaint that changes the canvas's
        pixels (None if they did not change within `timeout_s`)."""
        canvas = self.figures().nth(i).locator("canvas").first.element_handle()
        element, kind = self.control(i)
        assert element is not None, f"figure {i} has no control to drive"
        canvas.evaluate(_PROBE_JS)
        results = []
        direction = "ArrowRight" if kind == "slider" else "ArrowDown"
        for _ in range(moves):
            target, key, direction = self._key(element, kind, direction)
            target.focus()
            canvas.evaluate(
                "c => { c.__probe.before = c.toDataURL(); c.__probe.changedAt = null;"
                " window.__keyAt = null; }"
            )
            target.press(key)
            entry: dict[str, Any] = {"key": key, "ms": None}
            try:
                self.page.wait_for_function(
                    "c => c.__probe.changedAt !== null && window.__keyAt !== null",
                    arg=canvas,
                    timeout=timeout_s * 1000,
                    polling="raf",
                )
                entry["ms"] = canvas.evaluate("c => c.__probe.changedAt - window.__keyAt")
            except Exception:  # noqa: BLE001 - no repaint: reported as ms=None
                pass
            results.append(entry)
            if entry["ms"] is None and len(results) == 1:
                break  # the first move did nothing: more of the same only costs time
            # Let the kernel and ipympl settle (no repaint for 150 ms) before the next move.
            try:
                self.page.wait_for_function(
                    "c => performance.now() - c.__probe.lastDraw > 150",
                    arg=canvas,
                    timeout=5000,
                    polling=50,
                )
            except Exception:  # noqa: BLE001
                pass
            canvas.evaluate("c => { c.__probe.before = null; }")
        return results


@pytest.fixture(scope="session")
def driver_for() -> type[FigureDriver]:
    return FigureDriver


@pytest.fixture(scope="session")
def browser_tools() -> Any:
    """Helpers for test modules (importing conftest directly is fragile)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        free_port=free_port, stop=stop, wait_for_http=wait_for_http, with_cells=with_cells
    )
