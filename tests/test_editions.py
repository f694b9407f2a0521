"""The editions built from the one source: instructor (solved), static HTML, shareable states."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import instructor_edition  # noqa: E402
import static_site  # noqa: E402
from series import notebooks  # noqa: E402

from trainlib.lessons import all_exercises, all_figures  # noqa: E402
from trainlib.live import sweep_values  # noqa: E402

REGISTRY = all_figures()
EXERCISES = all_exercises()


def _texts(nb: nbformat.NotebookNode) -> list[str]:
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            out.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return out


def test_every_stub_in_the_student_edition_is_a_registered_exercise():
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "YOUR CODE HERE" in cell.source:
                match = instructor_edition.STUB.search(cell.source)
                assert match and match.group(1) in EXERCISES, f"{path.name}: {cell.source[:60]}"


def test_solving_replaces_stubs_with_the_reference_source():
    nb = nbformat.read(notebooks()[0], as_version=4)
    solved = instructor_edition.solve(nb)
    assert solved, "00_welcome has an exercise"
    for name in solved:
        code = next(c.source for c in nb.cells if c.source.count(f"def {name}(") == 1)
        assert "NotImplementedError" not in code
        namespace: dict = {"np": np}
        exec(code, namespace)  # the pasted source defines the student's function
        args = EXERCISES[name].cases[0]
        assert np.allclose(namespace[name](*args), EXERCISES[name].reference(*args))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_pasted_solution_is_self_contained_and_passes_its_checker(name):
    """The instructor cell alone (with numpy) must define a function its checker accepts."""
    namespace: dict = {"np": np}
    exec(instructor_edition.solution_source(name), namespace)
    assert EXERCISES[name].check(namespace[name], quiet=True), name


@pytest.mark.slow
def test_instructor_edition_executes_and_every_checker_passes(tmp_path):
    report = instructor_edition.build(tmp_path)
    assert sum(len(v) for v in report.values()) >= len(report), "about one exercise a notebook"
    for name, solved in report.items():
        texts = "\n".join(_texts(nbformat.read(tmp_path / name, as_version=4)))
        assert "not attempted yet" not in texts, name
        assert "not yet —" not in texts, name
        for exercise in solved:
            assert f"{exercise}: {EXERCISES[exercise].success}" in texts, (name, exercise)


def test_static_site_has_every_page_and_image_and_needs_no_network(tmp_path):
    pages = static_site.build(tmp_path, frames=False)  # frames: tests/test_frames.py, browser
    index = (tmp_path / "index.html").read_text()
    assert pages[0].name == "index.html"
    for path in notebooks():
        page = tmp_path / path.with_suffix(".html").name
        assert page.exists() and f'href="{page.name}"' in index
        html = page.read_text()
        nb = nbformat.read(path, as_version=4)
        outputs = [o for c in nb.cells for o in c.get("outputs", [])]
        n_png = sum("image/png" in o.get("data", {}) for o in outputs)
        assert html.count('src="data:image/png;base64,') >= n_png, f"{page.name} lost figures"
        assert not re.search(r'<script[^>]*src="https?://', html), f"{page.name} loads a script"
        assert "Error displaying widget" not in html
    # every notebook's learning objectives are on the index
    title, objectives = static_site.title_and_objectives(nbformat.read(notebooks()[0], 4))
    assert objectives and all(o[:40] in index for o in objectives[:1])


def _states(live) -> list[dict]:
    """Three states a student might share: each control moved to different sweep values."""
    names = list(live.controls)
    sweeps = {n: sweep_values(live.controls[n]) for n in names}
    return [
        {n: sweeps[n][(k + i) % len(sweeps[n])] for i, n in enumerate(names)} for k in (1, 2, 3)
    ]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_state_call_recreates_the_shared_state(name):
    live = REGISTRY[name]()
    for state in _states(live):
        live.update(**state)
        call = live.state_call()
        again = eval(call, dict(REGISTRY))  # noqa: S307 - the call is the figure's own output
        assert again.values == live.values, call
        a, b = live.drawn_data(), again.drawn_data()
        assert a.keys() == b.keys(), call
        for key in a:
            if isinstance(a[key], tuple):
                assert a[key] == b[key], (call, key)
            else:
                assert np.array_equal(a[key], b[key]), (call, key)
        again.close()
    live.close()


@pytest.mark.slow
def test_binder_environment_installs_and_runs_the_welcome_notebook(tmp_path):
    """A fresh venv from binder/requirements.txt: pip check, both lab extensions, 00 runs."""
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=ROOT, check=True)
    postbuild = ROOT / "binder" / "postBuild"
    if postbuild.exists():
        subprocess.run(["bash", str(postbuild)], cwd=ROOT, check=True)
    check = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    ext = subprocess.run(
        [str(venv / "bin" / "jupyter"), "labextension", "list"], capture_output=True, text=True
    )
    listing = ext.stdout + ext.stderr
    for name in ("jupyter-matplotlib", "@jupyter-widgets/jupyterlab-manager"):
        line = next((ln for ln in listing.splitlines() if name in ln), "")
        assert "enabled" in line and "OK" in line, f"{name} not enabled:\n{listing}"
    run = subprocess.run(
        [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(tmp_path), "notebooks/00_welcome.ipynb"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
