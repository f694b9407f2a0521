"""Slider-to-repaint latency in a real browser: the table in benchmarks/README.md.

The browser tests (tests/browser/test_notebooks_in_browser.py) open every notebook in
JupyterLab in headless Chromium, press an arrow key on the first slider of each live figure
7 times and time each move from the keydown event to the first repaint of the ipympl canvas
that changes its pixels (everything a student waits for: the widget message, the kernel
callback, the Agg draw, the PNG diff, the trip back, the canvas paint). They write
artifacts/browser_latency.json; this script turns it into the README section between the
``<!-- browser:start -->`` / ``<!-- browser:end -->`` markers. Target: median ≤ 100 ms.

    python -m pytest tests/browser                 # measure (writes the JSON)
    python benchmarks/browser_latency.py --write   # rewrite the README section
    python benchmarks/browser_latency.py --check   # exit 1 if a figure's median > 100 ms
    python benchmarks/browser_latency.py --run     # the two steps above in one
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JSON = ROOT / "artifacts" / "browser_latency.json"
README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- browser:start -->", "<!-- browser:end -->"
TARGET_MS = 100.0


def versions() -> str:
    from importlib.metadata import version

    names = ["jupyterlab", "ipympl", "ipywidgets", "matplotlib"]
    return ", ".join(f"{n} {version(n)}" for n in names)


def section(data: dict) -> str:
    figures = list(data["figures"].values())
    machine = data.get("machine", {})
    loads = [f["load_avg"][0] for f in figures]
    dates = sorted(f["measured"] for f in figures)
    medians = [f["median_ms"] for f in figures if f["median_ms"] is not None]
    rows = [
        "| notebook | figure | control moved | moves | median (ms) | min (ms) | max (ms) "
        "| load (1 min) | target |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        moved = (f.get("slider") or f["first_control"]).replace("\u200b", "").replace(' ""', "")
        if f.get("slider") and not f["first_control"].startswith("slider"):
            moved += f" (first control: {f['first_control']})"
        if f["median_ms"] is None:
            numbers, verdict = "– | – | –", "no repaint"
        else:
            numbers = f"{f['median_ms']:.0f} | {min(f['ms']):.0f} | {max(f['ms']):.0f}"
            verdict = "pass" if f["median_ms"] <= TARGET_MS else "miss"
        rows.append(
            f"| {f['notebook']} | {f['figure']}: `{f['name']}` | {moved} "
            f"| {f['repainted']}/{f['moves']} | {numbers} | {f['load_avg'][0]:.1f} | {verdict} |"
        )
    over = sum(m > TARGET_MS for m in medians)
    lines = [
        START,
        "## Slider-to-repaint in the browser",
        "",
        "`tests/browser` opens every notebook in JupyterLab in headless Chromium (1280×800),",
        "presses an arrow key on the first slider of each live figure 7 times (a figure",
        "without a slider: ArrowDown on its dropdown, Space on its checkbox) and times each",
        "move from the keydown event to the first canvas repaint whose pixels differ: the",
        "widget message, the kernel callback and Agg draw, ipympl's PNG diff, the way back and",
        "the canvas draw (the screen shows it at the next frame, at most ~17 ms later). All",
        "7 moves count, including the first (often slower: caches warm up).",
        "`python benchmarks/browser_latency.py --write` rewrites this section from",
        "`artifacts/browser_latency.json`. **Target: median ≤ 100 ms per figure.** The test",
        "judges it only when the 1-minute load average is below the CPU count; on a busier",
        "machine it records the numbers and skips the verdict.",
        "",
        f"Measured {dates[0]} – {dates[-1]} on {machine.get('cpus', '?')} CPU(s), "
        f"{machine.get('arch', '?')}, Python {machine.get('python', '?')}, "
        f"Chromium {machine.get('chromium_version', '?')} (headless), {versions()}. "
        f"1-minute load average during the runs: {min(loads):.1f}–{max(loads):.1f}. "
        f"Median over all figures: {statistics.median(medians):.0f} ms; "
        f"{over} of {len(medians)} figures above the target.",
        "",
        *rows,
        END,
    ]
    return "\n".join(lines)


def write(data: dict) -> None:
    text = README.read_text(encoding="utf-8")
    new = section(data)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + new + tail
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    README.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the browser tests first")
    parser.add_argument("--write", action="store_true", help="rewrite the README section")
    parser.add_argument("--check", action="store_true", help="exit 1 if a median > 100 ms")
    args = parser.parse_args()
    if args.run:
        test = ROOT / "tests" / "browser" / "test_notebooks_in_browser.py"
        subprocess.run([sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider"])
        args.write = True
    if not JSON.exists():
        print(f"no {JSON.relative_to(ROOT)}: run the browser tests first", file=sys.stderr)
        return 2
    data = json.loads(JSON.read_text())
    if args.write:
        write(data)
    print(section(data))
    if args.check:
        slow = [k for k, f in data["figures"].items() if (f["median_ms"] or 1e9) > TARGET_MS]
        if slow:
            print(f"above {TARGET_MS:.0f} ms: {', '.join(slow)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
