"""The tree explains the architecture, and its arrows point one way:

    lessons (trainlib/lessons/<topic>/)  →  live figures (trainlib.live, trainlib.plot)
                                         →  exercises (trainlib.exercises)  →  the core

The core is numpy only: it never imports matplotlib, ipywidgets, the figure machinery, the
exercise machinery or a lesson. The machinery never imports a lesson. A lesson's experiments
are numbers, not pictures: only its `figures.py` (and `figures_<part>.py` siblings that
`figures.py` re-exports, where one module would be too long) import matplotlib or the figure
machinery.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "trainlib"
NOT_CORE = {"live", "lessons", "exercises", "plot"}
# The core: the top-level modules trainlib/<name>.py and packages trainlib/<name>/ (layers)
# that are not machinery or lessons.
CORE = sorted(
    [p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__" and p.stem not in NOT_CORE]
    + [p.parent.name for p in PACKAGE.glob("*/__init__.py") if p.parent.name not in NOT_CORE]
)
# Every module of the core, a core package's own modules included ("layers.dense").
CORE_MODULES = sorted(
    [m for m in CORE if (PACKAGE / f"{m}.py").exists()]
    + [
        ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for m in CORE
        if (PACKAGE / m).is_dir()
        for p in (PACKAGE / m).rglob("*.py")
    ]
)
GRAPHICS = {"matplotlib", "ipywidgets", "ipympl", "IPython"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _forbidden(path: Path, roots: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in _imports(path) if name.split(".")[0] in roots or name.startswith(prefixes)
    )


def test_the_core_is_what_the_design_names():
    assert CORE == sorted([
        "autodiff", "data", "fit", "gradcheck", "init", "layers", "losses", "minibatch",
        "optim", "schedules", "surfaces", "train", "twolayer", "validation",
    ] + [m for m in CORE if m.startswith("_")])  # fmt: skip


def test_a_core_package_is_checked_module_by_module():
    assert "layers" in CORE and (PACKAGE / "layers").is_dir()
    assert {"layers", "layers.base", "layers.dense", "layers.containers"} <= set(CORE_MODULES)


def _module_path(module: str) -> Path:
    path = PACKAGE.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


@pytest.mark.parametrize("module", CORE_MODULES)
def test_the_core_imports_no_plotting_widgets_machinery_or_lesson(module):
    bad = _forbidden(
        _module_path(module),
        GRAPHICS,
        ("trainlib.live", "trainlib.lessons", "trainlib.exercises", "trainlib.plot"),
    )
    assert not bad, f"trainlib.{module} (core) imports {bad}"


@pytest.mark.parametrize(
    "path",
    [PACKAGE / "exercises.py", PACKAGE / "plot.py", *sorted((PACKAGE / "live").glob("*.py"))],
)
def test_the_machinery_never_imports_a_lesson(path):
    assert not _forbidden(path, set(), ("trainlib.lessons",)), path


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in sorted((PACKAGE / "lessons").glob("*/*.py"))
        if not p.name.startswith("figures") and p.name != "__init__.py"
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_lesson_experiments_and_exercises_draw_nothing(path):
    bad = _forbidden(path, GRAPHICS, ("trainlib.live", "trainlib.plot"))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: figures belong in figures*.py"


def test_the_core_and_every_lesson_import_without_plotting_or_widget_packages():
    """Run, not just read: block the graphics packages and import the core and the lessons."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {sorted(GRAPHICS)!r}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for m in {CORE_MODULES!r}:\n"
        "    importlib.import_module('trainlib.' + m)\n"
        "import trainlib.exercises, trainlib.lessons\n"
        "trainlib.lessons.all_exercises()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
