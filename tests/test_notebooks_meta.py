"""Static checks on every committed notebook: a clean top-to-bottom run is stored, and the
standard's fixed parts (title, learning objectives, key takeaways, next link) are present."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/home/|/work/|/Users/|/tmp/|/root/|[A-Z]:\\\\)")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _headings(nb: dict) -> list[str]:
    return [
        line.lstrip("#").strip()
        for cell in nb["cells"]
        if cell["cell_type"] == "markdown"
        for line in _text(cell["source"]).splitlines()
        if line.startswith("#")
    ]


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def nb(request):
    return request.param, _load(request.param)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_topic.ipynb found"


def test_kernelspec_is_python3(nb):
    _, data = nb
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    assert data["metadata"]["kernelspec"]["language"] == "python"


def test_execution_counts_are_one_to_n(nb):
    _, data = nb
    code = [c for c in data["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run the notebook top to bottom"


def test_no_error_warning_or_stderr_output(nb):
    _, data = nb
    for i, cell in enumerate(data["cells"]):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} stored an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"cell {i} wrote to stderr: {_text(out['text'])}"
                assert "Warning" not in _text(out["text"]), f"cell {i} printed a warning"


def test_title_objectives_takeaways(nb):
    _, data = nb
    first = data["cells"][0]
    assert first["cell_type"] == "markdown" and _text(first["source"]).startswith("# ")
    headings = _headings(data)
    assert any(h.lower().startswith("learning objectives") for h in headings)
    assert any(h.lower().startswith("key takeaways") for h in headings)
    assert any(h.lower().startswith("your turn") for h in headings)


def test_links_to_the_next_notebook(nb):
    path, data = nb
    number = int(path.stem[:2])
    if number >= 9:
        pytest.skip("the last notebook has no next one")
    markdown = "\n".join(_text(c["source"]) for c in data["cells"] if c["cell_type"] == "markdown")
    assert re.search(rf"\]\({number + 1:02d}_[a-z0-9_]+\.ipynb\)", markdown)


def test_live_figures_use_the_widget_backend(nb):
    _, data = nb
    code = "\n".join(_text(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
    if ".figures import" in code:
        assert "%matplotlib widget" in code, "live figures need `%matplotlib widget`"
        assert "%matplotlib notebook" not in code  # unsupported in JupyterLab 4


def test_no_absolute_machine_paths(nb):
    _, data = nb
    for i, cell in enumerate(data["cells"]):
        texts = [_text(cell["source"])]
        for out in cell.get("outputs", []):
            texts.append(_text(out.get("text", "")))
            texts.append(_text(out.get("data", {}).get("text/plain", "")))
        for text in texts:
            assert not ABSOLUTE_PATH.search(text), f"cell {i} holds a machine path"


def test_exercise_stubs_are_committed_untouched(nb):
    """A checker cell of a committed notebook says "not attempted yet": no solution leaks."""
    _, data = nb
    for i, cell in enumerate(data["cells"]):
        if cell["cell_type"] == "code" and re.search(r"^check\(", _text(cell["source"]), re.M):
            printed = "".join(_text(o.get("text", "")) for o in cell["outputs"])
            assert "not attempted yet" in printed, f"cell {i}: the stub above it was filled in"


def test_every_notebook_has_its_lesson_package_and_test_file():
    """notebooks/NN_topic.ipynb ↔ trainlib/lessons/topic/ ↔ tests/test_NN_topic.py, in order."""
    from trainlib.lessons import LESSONS

    root = Path(__file__).parents[1]
    assert LESSONS == tuple(p.stem[3:] for p in NOTEBOOKS)
    packages = sorted(p.parent.name for p in (root / "trainlib/lessons").glob("*/__init__.py"))
    assert packages == sorted(LESSONS), "a lesson package without a notebook (or the reverse)"
    for path in NOTEBOOKS:
        lesson = root / "trainlib/lessons" / path.stem[3:]
        assert (lesson / "figures.py").exists() and (lesson / "exercises.py").exists()
        if path.stem != "00_welcome":
            assert (root / f"tests/test_{path.stem}.py").exists(), f"no tests for {path.name}"


def test_notebooks_import_lesson_code_from_their_own_lesson(nb):
    """A notebook imports lesson code only from its own lesson package, never by path."""
    path, data = nb
    code = "\n".join(_text(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
    lessons = set(re.findall(r"trainlib\.lessons\.(\w+)", code))
    assert lessons <= {path.stem[3:]}, f"imports another lesson: {lessons}"
    assert "../" not in code, "a relative path: load data through trainlib"


def test_every_live_figure_asks_for_a_prediction(nb):
    """Every live figure's text carries a "Predict, then move" prompt: in a markdown cell after
    the previous live figure and no later than the markdown cell that follows this one."""
    from trainlib.lessons import all_figures

    path, data = nb
    names = sorted(all_figures(), key=len, reverse=True)
    cells = data["cells"]

    def is_figure(cell) -> bool:
        source = _text(cell["source"])
        return cell["cell_type"] == "code" and any(f"{n}(" in source for n in names)

    figures = [i for i, cell in enumerate(cells) if is_figure(cell)]
    silent = []
    for k, i in enumerate(figures):
        start = figures[k - 1] + 1 if k else 0
        after = next(
            (j for j in range(i + 1, len(cells)) if cells[j]["cell_type"] == "markdown"), i
        )
        window = [cells[j] for j in range(start, after + 1) if cells[j]["cell_type"] == "markdown"]
        if not any("predict, then move" in _text(c["source"]).lower() for c in window):
            silent.append(f"cell {i}")
    assert not silent, f"{path.name}: live figures without a 'Predict, then move' prompt: {silent}"


# A line that is only JSON punctuation ('",' or a leading '    "') is what a hand edit of the
# .ipynb text leaves behind; a student sees it as stray quotes in the rendered prose.
JSON_DEBRIS = re.compile(r'^\s*",?\s*$|^ {4}"[^"]*$')


def test_markdown_cells_hold_no_json_debris(nb):
    """No markdown line is a leftover of the notebook's JSON (a stray '",' or '    "...')."""
    path, data = nb
    debris = [
        f"cell {i}: {line!r}"
        for i, cell in enumerate(data["cells"])
        if cell["cell_type"] == "markdown"
        for line in _text(cell["source"]).splitlines()
        if JSON_DEBRIS.search(line)
    ]
    assert not debris, f"{path.name}: markdown lines that look like JSON debris: {debris}"
