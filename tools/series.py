"""What every edition tool needs to know about the series: its notebooks and their headings."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def notebooks() -> list[Path]:
    """The notebooks of the series, in order (NN_topic.ipynb)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title_and_objectives(nb: nbformat.NotebookNode) -> tuple[str, list[str]]:
    """The notebook's `# title` and the bullets under its "Learning objectives" heading."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = re.search(r"^# (.+)$", text, re.M)
    section = re.search(r"^#+ Learning objectives\s*$(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    bullets = []
    if section:
        for item in re.split(r"^- ", section.group(1), flags=re.M)[1:]:
            bullets.append(" ".join(item.split()))
    return (title.group(1).strip() if title else ""), bullets
