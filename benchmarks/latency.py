"""Latency of every live figure: one control change = callback + full canvas draw (Agg).

For each registered figure and each of its controls, move the control through ~20 values
with `.update` (the path a slider move takes) and time the callback plus a full
``fig.canvas.draw()``. `draw_idle` is disabled during timing so each move is drawn exactly
once. Prints per-figure median and p95 in ms, and with ``--write`` replaces the table in
benchmarks/README.md between its markers. Bar: median ≤ 17 ms, p95 ≤ 50 ms; ``--check``
exits non-zero when a figure misses it.

    python benchmarks/latency.py [--write] [--check] [--moves 20] [figure ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from trainlib.lessons import all_figures  # noqa: E402
from trainlib.live import sweep_values  # noqa: E402

REGISTRY = all_figures()

MEDIAN_BAR_MS = 17.0
P95_BAR_MS = 50.0
README = Path(__file__).with_name("README.md")
START, END = "<!-- latency:start -->", "<!-- latency:end -->"


def time_figure(name: str, moves: int = 20) -> dict[str, float]:
    """Median, p95 and max (ms) of control changes over every control of one figure."""
    live = REGISTRY[name]()
    canvas = live.fig.canvas
    canvas.draw()  # warm the renderer and the static layer, as a displayed figure would be
    canvas.draw_idle = lambda *args, **kwargs: None  # time exactly one full draw per move
    times = []
    for control, widget in live.controls.items():
        default = widget.value
        values = sweep_values(widget, n=moves)
        while len(values) < moves:  # few options (Dropdown, Checkbox): cycle through them
            values = values + values
        values = [*values[:moves], default]
        for value in values:
            if value == widget.value:  # no change, no callback: not a move
                continue
            t0 = time.perf_counter()
            live.update(**{control: value})
            canvas.draw()
            times.append((time.perf_counter() - t0) * 1e3)
    live.close()
    plt.close("all")
    arr = np.array(times)
    return {
        "moves": len(arr),
        "median": float(np.median(arr)),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
    }


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU(s), "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"matplotlib {matplotlib.__version__}, Agg. Bar: median ≤ {MEDIAN_BAR_MS:g} ms, "
        f"p95 ≤ {P95_BAR_MS:g} ms.",
        "",
        "| figure | moves | median (ms) | p95 (ms) | max (ms) | bar |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        ok = r["median"] <= MEDIAN_BAR_MS and r["p95"] <= P95_BAR_MS
        lines.append(
            f"| `{name}` | {r['moves']} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
            f"| {'pass' if ok else '**FAIL**'} |"
        )
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", nargs="*", help="figure names (default: all registered)")
    parser.add_argument("--moves", type=int, default=20, help="values per control (default 20)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if a figure misses the bar")
    args = parser.parse_args(argv)
    names = args.figures or sorted(REGISTRY)
    results = {name: time_figure(name, args.moves) for name in names}
    text = table(results)
    print(text)
    if args.write:
        write_readme(text)
    slow = [n for n, r in results.items() if r["median"] > MEDIAN_BAR_MS or r["p95"] > P95_BAR_MS]
    return 1 if args.check and slow else 0


if __name__ == "__main__":
    sys.exit(main())
