"""The set-up a newcomer relies on: pins, Binder config, README, and a numpy-only core."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-e", "-r")):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: '{line}' is not pinned with =="
        pins[name.lower()] = version
    return pins


def test_every_direct_dependency_is_pinned_and_numpy_fits_python_311():
    pins = _pins(ROOT / "requirements.txt")
    for pkg in ("numpy", "matplotlib", "ipywidgets", "ipympl", "jupyterlab"):
        assert pkg in pins, f"requirements.txt does not pin {pkg}"
    # numpy 2.5 needs Python >= 3.12; the series targets 3.11.
    assert pins["numpy"].startswith("2.4."), pins["numpy"]


def test_binder_pins_do_not_drift_from_requirements():
    binder = ROOT / "binder" / "requirements.txt"
    assert _pins(binder) == _pins(ROOT / "requirements.txt")
    lines = [ln.strip() for ln in binder.read_text().splitlines() if ln.strip()]
    assert lines[-1] == "-e .", "binder/requirements.txt must install trainlib last (-e .)"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_readme_gives_the_two_commands_and_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert nb.name in readme, f"README.md does not list {nb.name}"


def test_ci_script_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test", ci, re.M)


def test_readme_binder_badge_opens_the_welcome_notebook_and_is_set_in_one_place():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"^\[binder\]: (\S+)$", readme, re.M)
    assert len(links) == 1, "the Binder address is defined exactly once"
    assert links[0].startswith("https://mybinder.org/v2/gh/")
    assert links[0].endswith("?urlpath=lab/tree/notebooks/00_welcome.ipynb")
    assert "[![Open in Binder](https://mybinder.org/badge_logo.svg)][binder]" in readme
    assert readme.count("mybinder.org/v2/") == 1


def test_readme_documents_every_instructor_target_that_the_makefile_has():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("present", "instructor", "html", "course", "test-latest"):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"Makefile lacks {target}"
        assert f"make {target}" in readme, f"README does not document make {target}"
