"""The README's set-up without `make` says what the Makefile does, on every system."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = (ROOT / "Makefile").read_text()
README = (ROOT / "README.md").read_text()

# How a Makefile command reads when typed by hand in an activated environment.
BY_HAND = [
    (r"\$\(BIN\)/", ""),  # the activated environment's programs come first on PATH
    (r" --quiet", ""),
    (r" \$\(ROOT_FLAG\)", ""),  # only for root in containers
]


def _recipe(target: str) -> list[str]:
    """The commands of a Makefile target, as typed by hand."""
    block = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert block, f"Makefile has no recipe for {target}"
    commands = []
    for line in block.group(1).splitlines():
        command = line.strip()
        for pattern, replacement in BY_HAND:
            command = re.sub(pattern, replacement, command)
        if command != "touch $@":  # make's own bookkeeping
            commands.append(command)
    return commands


def _section() -> str:
    match = re.search(r"^### Without `make`.*?(?=^#+ )", README, re.M | re.S)
    assert match, "README.md has no 'Without `make`' section"
    return match.group(0)


def _blocks(section: str) -> list[list[str]]:
    return [b.strip().splitlines() for b in re.findall(r"^```\w*\n(.*?)^```", section, re.M | re.S)]


def test_the_two_steps_by_hand_are_the_makefiles_commands():
    lab = _recipe("$(BIN)/python")[1:] + _recipe("$(VENV)/.installed-lab") + _recipe("lab")
    dev = _recipe("$(VENV)/.installed-dev")
    browser = [c for c in _recipe("test") if "run_browser_tests.sh" in c]
    tests = [c for c in _recipe("test") if c not in browser]
    assert _blocks(_section()) == [lab, dev + tests]
    assert "tools/run_browser_tests.sh" in _section() and len(browser) == 1


def test_every_system_creates_and_activates_the_same_environment():
    section = _section()
    assert _recipe("$(BIN)/python")[0] == "$(PYTHON) -m venv $(VENV)"
    preferred = re.search(r"^PYTHON \?= .*?command -v (python3\.\d+)", MAKEFILE, re.M).group(1)
    version = preferred.removeprefix("python")
    windows = re.search(r"^\| Windows \(PowerShell\) \| `(.+?)` \| `(.+?)` \|$", section, re.M)
    unix = re.search(r"^\| macOS, Linux \| `(.+?)` \| `(.+?)` \|$", section, re.M)
    assert windows and unix, "one row per system in the README's table"
    assert windows.groups() == (f"py -{version} -m venv .venv", r".venv\Scripts\Activate.ps1")
    assert unix.groups() == (f"{preferred} -m venv .venv", "source .venv/bin/activate")
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{version}", "Binder runs the Python the README names"
    assert f"Python {version}" in section, "the README says which Python the pins are for"
