"""Build the instructor edition: every exercise solved with its reference solution, executed.

    python tools/instructor_edition.py [--out instructor]

The committed notebooks are the student edition: each "Your turn" stub is a function that
raises NotImplementedError. Here each stub whose name is a registered exercise
(`trainlib.exercises.EXERCISES`) is replaced by the source of that exercise's reference
solution, renamed to the stub's name, so nothing is written twice. The solved notebooks are
executed top to bottom and written to the output folder (git-ignored).
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import textwrap
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from series import NOTEBOOKS, ROOT, notebooks  # noqa: E402

from trainlib.lessons import all_exercises  # noqa: E402

EXERCISES = all_exercises()

STUB = re.compile(r"^def (\w+)\(.*?raise NotImplementedError", re.S | re.M)


def _helpers(fn) -> list[str]:
    """Source of the module-level functions `fn` calls from its own module (e.g. `_sigmoid`)."""
    module = inspect.getmodule(fn)
    found = []
    for used in fn.__code__.co_names:
        helper = getattr(module, used, None)
        if inspect.isfunction(helper) and inspect.getmodule(helper) is module:
            found += _helpers(helper) + [textwrap.dedent(inspect.getsource(helper)).rstrip()]
    return list(dict.fromkeys(found))


def solution_source(name: str) -> str:
    """The reference solution of exercise `name`, as a function called `name`."""
    reference = EXERCISES[name].reference
    source = textwrap.dedent(inspect.getsource(reference))
    source = re.sub(r"^def \w+\(", f"def {name}(", source, count=1, flags=re.M)
    parts = [*_helpers(reference), source.rstrip()]
    return "# Reference solution (instructor edition)\n" + "\n\n\n".join(parts)


def solve(nb: nbformat.NotebookNode) -> list[str]:
    """Replace every exercise stub of `nb` in place; return the names solved."""
    solved = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "YOUR CODE HERE" not in cell.source:
            continue
        match = STUB.search(cell.source)
        if match and match.group(1) in EXERCISES:
            cell.source = solution_source(match.group(1))
            solved.append(match.group(1))
    return solved


def build(out: Path, timeout: int = 600) -> dict[str, list[str]]:
    """Write every notebook, solved and executed, under `out`; return {notebook: solved}."""
    out.mkdir(parents=True, exist_ok=True)
    report = {}
    paths = notebooks()
    for i, path in enumerate(paths, 1):
        started = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        report[path.name] = solve(nb)
        print(f"[{i}/{len(paths)}] {path.name}: executing {len(nb.cells)} cells …", flush=True)
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
        )
        client.execute()
        nbformat.write(nb, out / path.name)
        solved = ", ".join(report[path.name]) or "no exercises"
        print(f"  solved {solved}; done in {time.perf_counter() - started:.1f} s", flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "instructor")
    args = parser.parse_args()
    build(args.out)


if __name__ == "__main__":
    main()
