"""Render the series as a static, self-contained website: `make html` → site/.

    python tools/static_site.py [--out site]

One HTML page per notebook from its stored outputs (live figures appear as the PNG each
one stores as a fallback), an index with the table of contents and every notebook's
learning objectives, and MathJax served from the folder itself when it is available, so
the pages read without a network and without a kernel. Nothing is executed here: the
committed notebooks already carry the outputs of a clean run.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from series import ROOT, notebooks, title_and_objectives  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX = "_static/mathjax/tex-svg-full.js"
MATHJAX_CONFIG = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true}};</script>"
)


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop widget views and state: each live figure falls back to its stored image."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if "image/png" in data:  # the picture, not its HTML twin or the text stand-in
                    data.pop("text/html", None)
                    data.pop("text/plain", None)
    return nb


def fetch_mathjax(out: Path) -> bool:
    """Copy MathJax 3 (one self-contained file) into the site, via npm; False if unavailable."""
    target = out / MATHJAX
    if target.exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "mathjax@3.2.2", "--silent"], cwd=tmp, capture_output=True, text=True
        )
        if done.returncode != 0:
            return False
        with tarfile.open(Path(tmp) / done.stdout.strip().splitlines()[-1]) as tar:
            member = tar.extractfile("package/es5/tex-svg-full.js")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    return True


def render(path: Path, have_mathjax: bool) -> str:
    """One notebook as a standalone HTML page (images embedded as data URLs)."""
    nb = without_widgets(nbformat.read(path, as_version=4))
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    # Any remote <script src=...> (MathJax's CDN, require.js) goes: the site works offline.
    body = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = re.sub(r'<link[^>]*href="https?://[^"]*"[^>]*>', "", body)
    if have_mathjax:
        local = f'{MATHJAX_CONFIG}\n<script src="{MATHJAX}"></script>'
        body = body.replace("</head>", local + "\n</head>", 1)
    return body


def index_page(entries: list[tuple[str, str, list[str]]]) -> str:
    """The table of contents with each notebook's learning objectives."""
    items = []
    for href, title, objectives in entries:
        bullets = "".join(f"<li>{html.escape(o)}</li>" for o in objectives)
        heading = f'<h2><a href="{href}">{html.escape(title)}</a></h2>'
        items.append(f"<section>{heading}<ul>{bullets}</ul></section>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>How neural networks are trained</title>"
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5}"
        "h2{font-size:1.2rem;margin-bottom:.2rem}</style></head><body>"
        "<h1>How neural networks are trained — the notebook series</h1>"
        "<p>A static edition: every page shows the stored results of a clean run. "
        "To move the sliders, run the notebooks (<code>make lab</code>).</p>"
        + "".join(items)
        + "</body></html>"
    )


def build(out: Path) -> list[Path]:
    """Write the site under `out`; return the pages written (index first)."""
    out.mkdir(parents=True, exist_ok=True)
    have_mathjax = fetch_mathjax(out)
    entries, pages = [], []
    for path in notebooks():
        page = out / path.with_suffix(".html").name
        page.write_text(render(path, have_mathjax), encoding="utf-8")
        title, objectives = title_and_objectives(nbformat.read(path, as_version=4))
        entries.append((page.name, title or path.stem, objectives))
        pages.append(page)
    index = out / "index.html"
    index.write_text(index_page(entries), encoding="utf-8")
    maths = "bundled" if have_mathjax else "absent: equations stay as TeX"
    print(f"wrote {len(pages)} pages and {index} (MathJax {maths})")
    return [index, *pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
