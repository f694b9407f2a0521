"""Presenting: a notebook as a clean Voilà app, projector fonts, keyboard-only driving.

- `tools/present.py` (what ``make present NB=07`` runs) serves a copy of a notebook with
  live figures through Voilà; in Chromium at 1280×720 the code is hidden, the figure shows,
  Tab from the top of the page reaches a slider and ArrowRight repaints the canvas.
- ``presenter_mode()`` as the first cell of a notebook in JupyterLab makes the figures'
  tick labels larger than the defaults (read back from the kernel), screenshot at 1280×720.
- Plain checks (no browser): `presenter_mode` changes and restores rcParams; the
  matplotlibrc that `make present` hands to the kernel gives the same sizes.

Screenshots: artifacts/screenshots/present-<nb>-voila-1280x720.png and
<nb>-presenter-1280x720.png.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# The notebook presented in the browser tests: the first that has a live figure (welcome).
PRESENT_NB = os.environ.get("PRESENT_NB", "00")
VIEWPORT = (1280, 720)


def _present_tool() -> Any:
    spec = importlib.util.spec_from_file_location("present", ROOT / "tools" / "present.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


present = _present_tool()


# --- no browser needed ------------------------------------------------------------------------
def test_presenter_mode_scales_fonts_and_lines_and_restores_them():
    from trainlib.plot import PRESENTER_RC, presenter_mode

    with mpl.rc_context():  # whatever happens, nothing leaks into other tests
        before = {key: mpl.rcParams[key] for key in PRESENTER_RC}
        presenter_mode()
        presenter_mode()  # twice is harmless: False still restores the originals
        assert mpl.rcParams["font.size"] > before["font.size"]
        assert mpl.rcParams["lines.linewidth"] > before["lines.linewidth"]
        assert {key: mpl.rcParams[key] for key in PRESENTER_RC} == PRESENTER_RC
        presenter_mode(False)
        assert {key: mpl.rcParams[key] for key in PRESENTER_RC} == before


def test_importing_trainlib_changes_no_rcparams():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams);"
        "import trainlib, trainlib.plot, trainlib.lessons; trainlib.lessons.all_figures();"
        "print(dict(mpl.rcParams) == before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_present_gives_the_kernel_projector_fonts(tmp_path: Path):
    from trainlib.plot import PRESENTER_RC

    env = present.presenter_env(dict(os.environ), tmp_path)
    keys = sorted(PRESENTER_RC)
    code = f"import json, matplotlib as mpl; print(json.dumps([mpl.rcParams[k] for k in {keys}]))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert dict(zip(keys, json.loads(out.stdout), strict=True)) == pytest.approx(PRESENTER_RC)


def test_present_finds_a_notebook_by_number():
    notebook = present.find_notebook(PRESENT_NB)
    assert notebook.name.startswith(PRESENT_NB) and notebook.suffix == ".ipynb"
    with pytest.raises(SystemExit, match="NB: expected"):
        present.find_notebook("99")
    cmd = present.voila_command(notebook, 8866)
    assert "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd


def _code_lines(notebook: Path) -> list[str]:
    """The distinctive lines of a notebook's code cells (long enough not to be prose), except
    those the prose itself quotes (e.g. `print(fig.state_call())`): the page may show those."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [
        line.strip()
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line.strip()) >= 12
        and ("(" in line or "=" in line or "import" in line)
        and line.strip() not in prose
    ]


# --- Voilà in the browser -------------------------------------------------------------------
@pytest.fixture(scope="module")
def voila(browser, tmp_path_factory, browser_tools) -> Any:
    """`tools/present.py`'s Voilà command serving a copy of the notebook on a free port."""
    free_port, stop, wait_for_http = (
        browser_tools.free_port,
        browser_tools.stop,
        browser_tools.wait_for_http,
    )
    folder = tmp_path_factory.mktemp("present")
    source = present.find_notebook(PRESENT_NB)
    notebook = folder / source.name
    notebook.write_bytes(source.read_bytes())
    port = free_port()
    env = present.presenter_env(dict(os.environ), folder)
    env["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
    log = folder / "voila.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            present.voila_command(notebook, port),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc, 90, log)
        yield f"http://127.0.0.1:{port}/", notebook.stem, notebook
    finally:
        stop(proc)


def test_voila_serves_a_clean_live_app(voila, browser, driver_for, screenshots):
    url, name, notebook_path = voila
    page = browser.new_page(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
    try:
        # Voilà runs the whole notebook before it sends the page: allow a slow kernel.
        page.goto(url, timeout=180_000)
        driver = driver_for(page)
        driver.figures().first.wait_for(state="attached", timeout=120_000)
        info = driver.show(0)
        assert min(info["css"]) > 0, f"Voilà: the figure's canvas is {info['css']} css px"
        text = page.evaluate("() => document.body.innerText")
        assert "Error displaying widget" not in text
        assert "Traceback" not in text, text[-2000:]
        # Code hidden: no line of the notebook's code appears on the page.
        shown = [line for line in _code_lines(notebook_path) if line in text]
        assert not shown, f"Voilà shows code: {shown[:5]}"
        page.screenshot(path=str(screenshots / f"present-{name}-voila-1280x720.png"))
        # Keyboard only: Tab from the top of the page reaches a slider ...
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
        reached = False
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(
                "() => !!document.activeElement"
                " && document.activeElement.classList.contains('noUi-handle')"
            ):
                reached = True
                break
        assert reached, "Tab never reached a slider handle in the Voilà app"
        # ... and the arrow keys on the first slider repaint the canvas.
        moves = driver.move(0, 3)
        assert moves[0]["ms"] is not None, f"{moves[0]['key']} did not repaint: {moves}"
        assert all(m["ms"] is not None for m in moves), moves
    finally:
        page.close()


# --- presenter mode in JupyterLab -------------------------------------------------------------
_TICK_SIZES = (
    "import matplotlib.pyplot as plt\n"
    "print('TICK_SIZES', sorted({t.get_fontsize() for n in plt.get_fignums()"
    " for ax in plt.figure(n).axes for t in ax.get_xticklabels() + ax.get_yticklabels()}))"
)


def test_presenter_mode_in_jupyterlab_makes_text_larger(
    lab, browser, driver_for, screenshots, browser_tools
):
    from trainlib.plot import PRESENTER_RC

    with_cells = browser_tools.with_cells
    source = present.find_notebook(PRESENT_NB)
    copy = lab.root / "notebooks" / f"{source.stem}-presenter.ipynb"
    with_cells(
        lab.root / "notebooks" / source.name,
        copy,
        top=["from trainlib.plot import presenter_mode\n\npresenter_mode()"],
        bottom=[_TICK_SIZES],
    )
    page = lab.open(browser, f"notebooks/{copy.name}", viewport=VIEWPORT)
    try:
        notes = lab.run_all(page)
        assert not notes, notes
        driver = driver_for(page)
        assert driver.figures().count() > 0, f"{source.name}: no live figure"
        info = driver.show(0)
        assert min(info["css"]) > 0
        page.screenshot(path=str(screenshots / f"{source.stem}-presenter-1280x720.png"))
        lines = [t for t in lab.cell_text_outputs(page) if t.startswith("TICK_SIZES")]
        assert lines, "the tick-size cell printed nothing"
        sizes = json.loads(lines[-1].split(" ", 1)[1])
        with mpl.rc_context(mpl.rcParamsDefault):  # the normal size, as a number
            from matplotlib.font_manager import FontProperties

            normal = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
        assert sizes and max(sizes) > normal, f"tick labels {sizes} pt, normal {normal} pt"
        assert max(sizes) >= PRESENTER_RC["xtick.labelsize"]
    finally:
        lab.close(page)
