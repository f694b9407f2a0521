"""Keydown → changed picture in the static edition: the table in benchmarks/README.md.

tests/browser/test_static_site.py opens every page of the static edition from file:// in
headless Chromium, moves every control of each figure by keyboard (a slider's ArrowRight, a
dropdown's next option, the next toggle button: 7 moves of the first control, one of each
other) and times each move in the page, from the keydown event to the first animation frame
that shows the new, decoded frame (no kernel, no network). It writes
artifacts/static_latency.json; this script puts it into the README between
``<!-- static:start -->`` and ``<!-- static:end -->`` beside the kernel path's medians (the
``browser`` table) and the site's size. Each row names the notebook and the registered figure
(``04 · saddle_escape_figure``; a figure a notebook shows twice with different initial values
gets ``(1)``, ``(2)``) and the kinds of control moved.
Target: one frame, median ≤ 17 ms.

    python -m pytest tests/browser/test_static_site.py   # measure (writes the JSON)
    python benchmarks/static_latency.py --write           # rewrite the README section
    python benchmarks/static_latency.py --check           # exit 1 if a median > 17 ms
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JSON = ROOT / "artifacts" / "static_latency.json"
SITE = ROOT / "artifacts" / "static-site"
README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- static:start -->", "<!-- static:end -->"
TARGET_MS = 17.0


def site_sizes(site: Path) -> tuple[float, str, float, float]:
    """(site MB, largest page, its HTML MB, its HTML plus its frames MB)."""
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6
    best = ("", 0.0, 0.0)
    for page in site.glob("[0-9][0-9]_*.html"):
        html = page.read_text(encoding="utf-8")
        folders = set(re.findall(r"_frames/[\w.-]+-[0-9a-f]{12}", html))
        frames = sum(
            p.stat().st_size for f in folders for p in (site / f).glob("*.png")
        )  # fmt: skip
        size = (page.stat().st_size + frames) / 1e6
        if size > best[2]:
            best = (page.name, page.stat().st_size / 1e6, size)
    return total, *best


def kernel_medians() -> list[float]:
    """The kernel path's per-figure medians (ms) from the README's browser table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.find("<!-- browser:start -->") : text.find("<!-- browser:end -->")]
    return [float(m) for m in re.findall(r"\| \d+/\d+ \| (\d+(?:\.\d+)?) \|", section)]


def section(data: dict) -> str:
    figures = data["figures"]
    every = [t for f in figures.values() for t in f["all_ms"]]
    p95 = sorted(every)[max(0, round(0.95 * len(every)) - 1)]
    kernel = kernel_medians()
    total, page, page_html, page_all = site_sizes(SITE)
    lines = [
        START,
        f"Measured {data.get('measured', '?')}: {len(figures)} figures, {len(every)} moves, "
        f"pages opened from file:// in headless Chromium (no server, no network)"
        + (f"; load average {data['load']} on the machine at the end." if "load" in data else "."),
        "",
        "| path | median (ms) | p95 (ms) | target |",
        "|---|---:|---:|---|",
        f"| static page (frames, no kernel) | {statistics.median(every):.1f} | {p95:.1f} "
        f"| ≤ {TARGET_MS:.0f} ms median |",
    ]
    if kernel:
        lines.append(
            f"| kernel (ipympl, JupyterLab; median of the per-figure medians above) "
            f"| {statistics.median(kernel):.0f} | {max(kernel):.0f} (worst median) | ≤ 100 ms |"
        )
    lines += [
        "",
        f"Site: {total:.1f} MB in all; largest page {page}: {page_html:.2f} MB of HTML, "
        f"{page_all:.1f} MB with its frames (the widget renderer, 4 MB, and MathJax, 2 MB, "
        "are shared by every page and cached).",
        "",
        "| figure | controls moved | moves | median (ms) | p95 (ms) | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    order = sorted(figures, key=lambda n: (figures[n].get("page", n), figures[n].get("index", 0)))
    for name in order:
        f = figures[name]
        verdict = "pass" if f["median_ms"] <= TARGET_MS else "FAIL"
        kinds = ", ".join(f.get("controls", ["slider"]))
        lines.append(
            f"| {name} | {kinds} | {f['moves']} | {f['median_ms']:.1f} | {f['p95_ms']:.1f} "
            f"| {verdict} |"
        )
    return "\n".join([*lines, END])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the README section")
    parser.add_argument("--check", action="store_true", help="exit 1 if a median > target")
    args = parser.parse_args()
    data = json.loads(JSON.read_text())
    text = section(data)
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        if START in readme:
            readme = readme[: readme.index(START)] + text + readme[readme.index(END) + len(END) :]
        else:
            readme += "\n## Static edition: keydown to changed picture\n\n" + text + "\n"
        README.write_text(readme, encoding="utf-8")
    if args.check and any(f["median_ms"] > TARGET_MS for f in data["figures"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
