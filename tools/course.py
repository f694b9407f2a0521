"""Build an nbgrader course from the series: the same notebooks, the same exercises, graded.

    python tools/course.py [--out course] [--only 00 04] [--no-release]

For every notebook this writes `<out>/source/<stem>/<stem>.ipynb`, the committed student
edition with two changes per exercise (`trainlib.lessons.all_exercises()`):

- its stub cell becomes an nbgrader *solution* cell: the line `raise NotImplementedError`
  is replaced by the exercise's reference solution (its source, read from the lesson, as
  `make instructor` does) between `### BEGIN SOLUTION` and `### END SOLUTION`;
- its `check(fn)` cell becomes an *autograded test* cell worth `POINTS[exercise.kind]`: it
  still prints the checker's verdict, then asserts it, so a wrong or unattempted answer
  fails with the checker's specific hint as the feedback.

`<out>/nbgrader_config.py` makes nbgrader put back exactly the stub line, so
`nbgrader generate_assignment` (run here for each notebook unless `--no-release`) turns the
source into a release identical to the student edition, plus nbgrader's cell metadata.
A predict exercise is graded where the student commits the prediction: on the value their
function returns, by the same checker (and window) as in the student edition.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instructor_edition import STUB, _helpers  # noqa: E402
from series import ROOT, notebooks  # noqa: E402

from trainlib.exercises import KINDS  # noqa: E402
from trainlib.lessons import all_exercises  # noqa: E402

#: Points of one exercise, by its kind (the one table; every kind of `trainlib.exercises`).
POINTS: dict[str, int] = {"implement": 3, "derive": 3, "debug": 2, "tune": 2, "predict": 1}

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
RAISE = re.compile(r"^([ \t]*)raise NotImplementedError\s*$", re.M)
CHECK = re.compile(r"^check\((\w+)\)\s*$", re.M)

#: What nbgrader puts where a solution was: the student edition's own stub line.
CODE_STUB = {"python": "raise NotImplementedError"}

CONFIG = f'''\
"""nbgrader configuration of the course (written by tools/course.py; rebuilt by make course)."""

c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = "how-networks-train"
# The release keeps the student edition's stub line exactly.
c.ClearSolutions.code_stub = {CODE_STUB!r}
# Autograding re-runs each notebook's experiments; the slowest cells take tens of seconds.
c.Execute.timeout = 600
# On a shared JupyterHub, set the exchange folder every user can reach, e.g.
# c.Exchange.root = "/srv/nbgrader/exchange"
'''


def _header_end(node: ast.FunctionDef) -> int:
    """The last line of a function's header (its signature may span several lines)."""
    ends = [node.lineno, getattr(node.returns, "end_lineno", 0) or 0]
    ends += [getattr(n, "end_lineno", 0) or 0 for n in ast.walk(node.args)]
    return max(ends)


def solution_body(name: str, reference: Callable[..., Any], params: Sequence[str]) -> str:
    """The statements of `reference` (without docstring) as the body of stub `name(params)`.

    Helpers the reference calls from its module become nested functions; if the reference
    names its parameters differently from the stub, the body starts by binding them.
    """
    source = textwrap.dedent(inspect.getsource(reference))
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef) or node.body[0].lineno <= _header_end(node):
        raise ValueError(f"reference: expected a def with its body below the header, for {name}")
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
    start = first.end_lineno if is_doc and len(node.body) > 1 else _header_end(node)
    lines = source.splitlines()[start:]
    body = textwrap.dedent("\n".join(lines)).strip("\n")
    ref_params = list(inspect.signature(reference).parameters)
    if len(ref_params) != len(params):
        raise ValueError(
            f"params: expected the {len(ref_params)} of {name}'s reference, got {params}"
        )
    aliases = [f"{r} = {s}" for r, s in zip(ref_params, params, strict=True) if r != s]
    parts = [*_helpers(reference), "\n".join(aliases), body]
    return "\n\n".join(p for p in parts if p)


def solution_source(stub: str, name: str, reference: Callable[..., Any]) -> str:
    """The stub cell with its `raise NotImplementedError` line replaced by the marked solution."""
    match = RAISE.search(stub)
    if match is None:
        raise ValueError(f"stub: expected a `raise NotImplementedError` line in {name}'s stub")
    indent = match.group(1)
    tree = ast.parse(f"{stub[: match.start()]}{indent}pass")
    defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]
    params = [a.arg for a in defs[0].args.args]
    body = textwrap.indent(solution_body(name, reference, params), indent)
    marked = f"{indent}{BEGIN}\n{body}\n{indent}{END}"
    return stub[: match.start()] + marked + stub[match.end() :]


def graded_test_source(check_cell: str, name: str, kind: str) -> str:
    """The check cell as an autograded test: print the verdict, then assert it (hint = message)."""
    head = "" if "import check" in check_cell else "from trainlib.exercises import check\n\n"
    graded = (
        f"# Graded: {POINTS[kind]} point{'s' * (POINTS[kind] != 1)} ({kind}); passes when the "
        "checker says your answer is right.\n"
        f"verdict = check({name})\nassert verdict, verdict.message"
    )
    return head + CHECK.sub(lambda m: graded if m.group(1) == name else m.group(0), check_cell)


def _nbgrader(grade_id: str, *, solution: bool, points: int | None = None) -> dict[str, Any]:
    """nbgrader's cell metadata: an autograded answer (solution) or an autograded test."""
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": points is not None}
    meta |= {"schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def to_source(nb: nbformat.NotebookNode, exercises: dict[str, Any]) -> list[tuple[str, str]]:
    """Turn the student edition `nb` into nbgrader's source in place; return [(name, kind)]."""
    graded, pending = [], {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        stub = STUB.search(cell.source) if "YOUR CODE HERE" in cell.source else None
        if stub and stub.group(1) in exercises:
            name = stub.group(1)
            cell.source = solution_source(cell.source, name, exercises[name].reference)
            cell.metadata["nbgrader"] = _nbgrader(f"answer-{name}", solution=True)
            cell.outputs, cell.execution_count, pending[name] = [], None, True
            continue
        for name in CHECK.findall(cell.source):
            if pending.pop(name, False):
                kind = exercises[name].kind
                cell.source = graded_test_source(cell.source, name, kind)
                cell.metadata["nbgrader"] = _nbgrader(
                    f"test-{name}", solution=False, points=POINTS[kind]
                )
                cell.outputs, cell.execution_count = [], None
                graded.append((name, kind))
    if pending:
        raise ValueError(
            f"nb: expected a check(...) cell after each stub, none for {sorted(pending)}"
        )
    return graded


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `nbgrader *args` in the course folder `course` with this interpreter.

    nbgrader starts its database migrations as a program (`alembic`), so this environment's
    scripts folder goes first on PATH even when the environment is not activated.
    """
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
    cmd = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(cmd, cwd=course, capture_output=True, text=True, env=env)


def generate_assignment(course: Path, assignment: str) -> None:
    """Run `nbgrader generate_assignment` in `course`: source/<assignment> → release/."""
    run = nbgrader(course, "generate_assignment", assignment, "--force")
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{run.stderr}")


def build(
    out: Path, only: Sequence[str] = (), release: bool = True
) -> dict[str, list[tuple[str, str]]]:
    """Write the course under `out` (config, source/, and release/ if `release`).

    `only` keeps the notebooks whose name starts with one of its prefixes ("04", "04_saddle").
    Returns {assignment: [(exercise, kind), …]}. Submissions, grades and the gradebook
    already under `out` are left alone.
    """
    paths = [p for p in notebooks() if not only or p.name.startswith(tuple(only))]
    if not paths:
        raise ValueError(f"only: expected prefixes of notebooks of the series, got {list(only)}")
    exercises = all_exercises()
    for kind in KINDS:
        if kind not in POINTS:  # pragma: no cover - tests/test_course.py checks the table
            raise ValueError(f"POINTS: expected points for every kind, {kind!r} has none")
    if release and importlib.util.find_spec("nbgrader") is None:
        raise RuntimeError("nbgrader is not installed here: pip install -r requirements-dev.txt")
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    report = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        report[path.stem] = to_source(nb, exercises)
        folder = out / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / path.name)
        if release:
            generate_assignment(out, path.stem)
    return report


def main() -> None:
    """Command line: build the course and say what each assignment grades."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "course")
    parser.add_argument("--only", nargs="*", default=(), help="notebook prefixes, e.g. 00 04")
    parser.add_argument("--no-release", action="store_true", help="skip generate_assignment")
    args = parser.parse_args()
    report = build(args.out, args.only, release=not args.no_release)
    for assignment, graded in report.items():
        points = sum(POINTS[kind] for _, kind in graded)
        names = ", ".join(f"{n} ({k})" for n, k in graded)
        print(f"{assignment}: {points} points — {names}")
    where = "source/ and release/" if not args.no_release else "source/"
    print(f"nbgrader course in {args.out}: {where}")


if __name__ == "__main__":
    main()
