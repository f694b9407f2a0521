"""The nbgrader course (`make course`): built from the notebooks and exercises, and it grades.

The slow test runs nbgrader end to end on one notebook (04_saddle_points: four exercises of
four kinds, 13 s to execute): generate the assignment, autograde three submissions (the
instructor's solutions, the untouched release, one typical mistake) and write the feedback.
About 1–2 minutes on two cores; its database lives in pytest's temporary folder.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import course  # noqa: E402
from series import notebooks  # noqa: E402

from trainlib.exercises import KINDS, NOT_ATTEMPTED  # noqa: E402
from trainlib.lessons import all_exercises  # noqa: E402

EXERCISES = all_exercises()
ASSIGNMENT = "04_saddle_points"  # short to execute; one exercise of each of four kinds


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The whole course's source/ (no release: that needs nbgrader, see the slow test)."""
    out = tmp_path_factory.mktemp("course")
    course.build(out, release=False)
    return out


def _graded(nb: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    return [(i, c.metadata["nbgrader"]) for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata]


def test_points_table_covers_every_kind_of_exercise():
    assert set(course.POINTS) == set(KINDS)
    assert all(isinstance(p, int) and p > 0 for p in course.POINTS.values())


def test_every_exercise_is_one_solution_cell_and_one_test_cell_worth_its_kind(source):
    seen = []
    for path in notebooks():
        nb = nbformat.read(source / "source" / path.stem / path.name, as_version=4)
        for i, meta in _graded(nb):
            kind, name = meta["grade_id"].split("-", 1)
            if kind == "answer":
                assert meta["solution"] and not meta["grade"], meta
                assert course.BEGIN in nb.cells[i].source and course.END in nb.cells[i].source
                seen.append(name)
            else:
                assert meta["grade"] and meta["locked"], meta
                assert meta["points"] == course.POINTS[EXERCISES[name].kind], meta
                assert f"verdict = check({name})" in nb.cells[i].source
                assert seen[-1] == name, f"{path.name}: the test of {name} follows its answer"
    assert sorted(seen) == sorted(EXERCISES), "every registered exercise is graded once"


def test_the_release_stub_is_the_student_edition_stub(source):
    """nbgrader's ClearSolutions, configured as in the course, gives back the committed stub."""
    clear_solutions = pytest.importorskip("nbgrader.preprocessors").ClearSolutions
    stub = course.CODE_STUB
    assert f"c.ClearSolutions.code_stub = {stub!r}" in course.CONFIG
    for path in notebooks():
        nb = nbformat.read(source / "source" / path.stem / path.name, as_version=4)
        released, _ = clear_solutions(code_stub=stub).preprocess(nb, {})
        student = nbformat.read(path, as_version=4)
        for i, meta in _graded(released):
            if meta["solution"]:
                assert released.cells[i].source == student.cells[i].source, meta["grade_id"]


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_solution_cells_pass_and_test_cells_fail_with_the_checkers_message(source, path):
    """Each solution cell alone defines a right answer; its test cell fails on the stub."""
    nb = nbformat.read(source / "source" / path.stem / path.name, as_version=4)
    student = nbformat.read(path, as_version=4)
    for i, meta in _graded(nb):
        name = meta["grade_id"].split("-", 1)[1]
        if meta["solution"]:
            solved: dict = {"np": np}
            exec(nb.cells[i].source, solved)
            stub: dict = {"np": np}
            exec(student.cells[i].source, stub)
        else:
            exec(nb.cells[i].source, solved)  # passes: no AssertionError
            with pytest.raises(AssertionError) as failed:
                exec(nb.cells[i].source, stub)
            assert str(failed.value) == EXERCISES[name].check(stub[name], quiet=True).message
            assert EXERCISES[name].check(stub[name], quiet=True).status == NOT_ATTEMPTED


# --------------------------------------------------------------------------------------------
# End to end with nbgrader
# --------------------------------------------------------------------------------------------


def _typical_mistake(names: list[str]) -> tuple[str, str, str]:
    """The first exercise (in notebook order) and a mistake of it whose hint the checker gives."""
    for name in names:
        for k, mistake in enumerate(EXERCISES[name].mistakes):
            if mistake.hint in EXERCISES[name].check(mistake.example, quiet=True).message:
                cell = (
                    f"def {name}(*args):  # a typical mistake\n"
                    "    from trainlib.lessons import all_exercises\n\n"
                    f"    return all_exercises()[{name!r}].mistakes[{k}].example(*args)"
                )
                return name, mistake.hint, cell
    raise AssertionError(f"no mistake of {names} earns its hint")  # pragma: no cover


def _submit(root: Path, student: str, nb: nbformat.NotebookNode) -> None:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")


def _text(path: Path) -> str:
    """A feedback page as plain text: tags and ANSI colour codes out, entities decoded."""
    page = re.sub(r"<[^>]+>", "", path.read_text())
    return html.unescape(re.sub(r"\x1b\[[0-9;]*m", "", page))


def _errors(cell: nbformat.NotebookNode) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


@pytest.mark.slow
def test_autograde_full_marks_zero_marks_and_a_hint(tmp_path):
    gradebook = pytest.importorskip("nbgrader.api").Gradebook
    root = tmp_path / "course"
    graded = course.build(root, only=[ASSIGNMENT])[ASSIGNMENT]
    name = f"{ASSIGNMENT}.ipynb"
    solved = nbformat.read(root / "source" / ASSIGNMENT / name, as_version=4)
    release = root / "release" / ASSIGNMENT / name
    assert release.exists()
    _submit(root, "solved", solved)
    _submit(root, "untouched", nbformat.read(release, as_version=4))
    broken, hint, cell = _typical_mistake([n for n, _ in graded])
    for c in solved.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"answer-{broken}":
            c.source = cell
    _submit(root, "mistake", solved)

    for step in ("autograde", "generate_feedback"):
        run = course.nbgrader(root, step, ASSIGNMENT)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "[ERROR]" not in run.stderr and "| ERROR]" not in run.stderr, run.stderr[-3000:]

    full = sum(course.POINTS[kind] for _, kind in graded)
    with gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("solved", "untouched")}
        scores["mistake"] = gb.find_submission(ASSIGNMENT, "mistake").score
        assert gb.find_submission(ASSIGNMENT, "solved").max_score == full
        assert not any(gb.find_submission(ASSIGNMENT, s).needs_manual_grade for s in scores)
    lost = course.POINTS[EXERCISES[broken].kind]
    assert scores == {"solved": full, "untouched": 0, "mistake": full - lost}, scores

    feedback = root / "feedback" / "{}" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    text = _text(Path(str(feedback).format("mistake")))
    assert " ".join(hint.split()) in " ".join(text.split()), hint
    untouched = _text(Path(str(feedback).format("untouched")))
    assert "not attempted yet" in untouched and "AssertionError" in untouched
    executed = root / "autograded" / "untouched" / ASSIGNMENT / name
    failing = [c for c in nbformat.read(executed, as_version=4).cells if _errors(c)]
    assert failing and all(c.metadata["nbgrader"]["grade"] for c in failing), "only tests fail"
    shutil.rmtree(root / "autograded")  # the executed copies are large; the test is done
