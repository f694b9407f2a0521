"""Render the series as a static website whose live figures move: `make html` → site/.

    python tools/static_site.py [--out site] [--no-frames] [--only 00,03]

One HTML page per notebook from its stored outputs, and an index with the table of
contents and every notebook's learning objectives. Each live figure becomes its frames
(`trainlib.live.frames`): pictures drawn by the figure's own code for each setting of its
controls, in ipywidgets Stacks jslinked to sliders that show the real values, embedded with
`ipywidgets.embed` (``drop_defaults=False``). require.js, the widget renderer and MathJax
come from npm at build time into ``_static/`` (see site_assets.py), so the pages need no
kernel and no network, from file:// or any static server. Without npm, or for a figure that
cannot be drawn, the stored picture stays. Frames are kept between builds in ``_frames/``
and re-rendered only when the figure's code or its initial values change (site_frames.py).
Nothing is executed here but the figure code: the committed notebooks carry the outputs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import nbformat  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import markdown2html_mistune  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_assets as assets  # noqa: E402
import site_frames  # noqa: E402
from series import ROOT, notebooks, title_and_objectives  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PROMPT = "Predict, then move"
LIVE_CALL = re.compile(r"^(\w+\(.*\))  # live figure", re.S)


def without_widgets(output: dict) -> None:
    """Drop a widget view from one output: the stored picture shows instead."""
    data = output.get("data", {})
    if WIDGET_VIEW in data:
        data.pop(WIDGET_VIEW)
        if "image/png" in data:  # the picture, not its HTML twin or the text stand-in
            data.pop("text/html", None)
            data.pop("text/plain", None)


def live_outputs(nb: nbformat.NotebookNode) -> list[tuple[dict, str, str]]:
    """Every output that shows a live figure, with the call that recreates it and its text.

    The text is the figure's "Predict, then move" prompt (from it to the figure), else all
    the markdown since the previous live figure: the controls it names move first in the
    figure's frames.
    """
    found = []
    text: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text.append(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            match = LIVE_CALL.match(data.get("text/plain", ""))
            if WIDGET_VIEW in data and match:
                prompts = [i for i, t in enumerate(text) if PROMPT in t]
                prompt = "\n\n".join(text[prompts[-1] :] if prompts else text)
                if prompts:  # from the prompt on: what it asks to move comes first
                    prompt = prompt[prompt.index(PROMPT) :]
                found.append((output, match.group(1), prompt))
                text = []
    return found


def with_frames(nb: nbformat.NotebookNode, out: Path, registry: dict, log: list) -> list[str]:
    """Replace each live figure of `nb` by its frames widget; return the frame URLs used."""
    figures = live_outputs(nb)
    live = {id(o) for o, _, _ in figures}
    for cell in nb.cells:  # any other widget (none today) shows its stored picture
        for output in cell.get("outputs", []):
            if id(output) not in live:
                without_widgets(output)
    manifests = []
    for k, (output, call, prompt) in enumerate(figures, 1):
        name = call.split("(", 1)[0]
        started = time.perf_counter()
        try:
            manifest, rendered = site_frames.figure_frames(call, out, registry, prompt)
        except Exception as exc:  # noqa: BLE001 - any failure: keep the stored picture
            print(f"  figure {k}/{len(figures)} {name}: FAILED ({exc!r:.120}); stored picture")
            without_widgets(output)
            continue
        how = f"rendered in {time.perf_counter() - started:.1f} s" if rendered else "stored"
        print(
            f"    figure {k}/{len(figures)} {name}: {manifest['frames']} frames {how}", flush=True
        )
        log.append((name, manifest["frames"], rendered))
        manifests.append((output, manifest))
    widgets.Widget.close_all()  # the page's state holds only its own widgets
    urls = [u for output, manifest in manifests for u in embed_frames(output, manifest)]
    nb.metadata["widgets"] = {WIDGET_STATE: widgets.Widget.get_manager_state(drop_defaults=False)}
    return urls


def embed_frames(output: dict, manifest: dict) -> list[str]:
    """Point `output` at a new frames widget made from `manifest`; return its frame URLs."""
    from trainlib.live.frames import frame_name
    from trainlib.live.frames_widgets import assemble, plan_from_json, url_image

    plan = plan_from_json(manifest["plan"])
    images, urls = {}, []
    for index, _ in plan.settings():
        src = f"{manifest['folder']}/{frame_name(index)}"
        images[index] = url_image(src, manifest["width"], manifest["height"])
        urls.append(src)
    view = assemble(plan, images, manifest["call"].split("(", 1)[0])
    output["data"] = {
        WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": view.model_id}
    }
    return urls


def render(nb: nbformat.NotebookNode, have: dict[str, bool]) -> str:
    """One notebook as a standalone HTML page with local scripts only."""
    exporter = HTMLExporter(
        template_name="lab", embed_images=True, require_js_url=assets.REQUIRE,
        widget_renderer_url=assets.EMBED,
    )  # fmt: skip
    body, _ = exporter.from_notebook_node(nb)
    # Any remote <script src=...> or stylesheet goes: the site works offline.
    body = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = re.sub(r'<link[^>]*href="https?://[^"]*"[^>]*>', "", body)
    # Chromium refuses a local script that carries integrity/crossorigin under file://.
    body = re.sub(r'\s(?:integrity|crossorigin)="[^"]*"', "", body)
    loader = f'<script src="{assets.REQUIRE}"></script>'
    body = body.replace(loader, loader + assets.REQUIRE_CONFIG if have["widgets"] else "", 1)
    if have["mathjax"]:
        local = f'{assets.MATHJAX_CONFIG}\n<script src="{assets.MATHJAX}"></script>'
        body = body.replace("</head>", local + "\n</head>", 1)
    return local_links(body)


def local_links(page: str) -> str:
    """Links between notebooks point at their pages: 03_x.ipynb → 03_x.html."""
    return re.sub(r'href="(\d\d_\w+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', page)


def decorate(page: str, nav: str, urls: list[str]) -> str:
    """Add the series links above and below, the dark scheme and the frame preloader."""
    head = assets.CHROME_CSS + assets.dark_css() + (assets.KEEP_FRAMES_CACHED if urls else "")
    page = page.replace("</head>", head + "\n</head>", 1)
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, page, count=1)
    return page.replace("</body>", nav + assets.preload(urls) + "\n</body>", 1)


def index_page(entries: list[tuple[str, str, list[str]]], have_mathjax: bool) -> str:
    """The table of contents with each notebook's learning objectives, markdown rendered."""
    items = []
    for href, title, objectives in entries:
        bullets = "".join(f"<li>{markdown2html_mistune(o)}</li>" for o in objectives)
        heading = f'<h2><a href="{href}">{markdown2html_mistune(title)[3:-5]}</a></h2>'
        items.append(f"<section>{heading}<ul>{bullets}</ul></section>")
    maths = (
        f'{assets.MATHJAX_CONFIG}<script src="{assets.MATHJAX}"></script>' if have_mathjax else ""
    )
    return local_links(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>How neural networks are trained</title>" + maths + "<style>:root{"
        "color-scheme:light dark}body{font-family:sans-serif;max-width:52rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}h2{font-size:1.2rem;margin-bottom:.2rem}li p{margin:0}"
        "@media (prefers-color-scheme: dark){body{background:#111;color:#ddd}a{color:#8ab4f8}}"
        "</style></head><body>"
        "<h1>How neural networks are trained — the notebook series</h1>"
        "<p>A static edition: every page shows the stored results of a clean run, and every "
        "live figure moves (its pictures were drawn by the same code for each setting of its "
        "controls). To change everything, run the notebooks (<code>make lab</code>).</p>"
        + "".join(items)
        + "</body></html>"
    )


def build(out: Path, frames: bool = True, only: list[str] | None = None) -> list[Path]:
    """Write the site under `out`; return the pages written (index first)."""
    out.mkdir(parents=True, exist_ok=True)
    have = assets.fetch_assets(out)
    frames = frames and have["widgets"]
    registry: dict = {}
    if frames:
        from trainlib.lessons import all_figures

        registry = all_figures()
    paths = [p for p in notebooks() if only is None or p.name[:2] in only]
    nbs = [nbformat.read(p, as_version=4) for p in paths]
    titles = [title_and_objectives(nb)[0] or p.stem for p, nb in zip(paths, nbs, strict=True)]
    links = [(p.with_suffix(".html").name, t) for p, t in zip(paths, titles, strict=True)]
    log: list = []
    used: set[str] = set()
    for i, (path, nb) in enumerate(zip(paths, nbs, strict=True)):
        print(f"[{i + 1}/{len(paths)}] {path.name}", flush=True)
        if frames:
            urls = with_frames(nb, out, registry, log)
        else:
            nb.metadata.pop("widgets", None)
            urls = []
            for output, _, _ in live_outputs(nb):
                without_widgets(output)
        used |= {u.rsplit("/", 1)[0] for u in urls}
        page = decorate(render(nb, have), assets.nav(links, i), urls)
        (out / links[i][0]).write_text(page, encoding="utf-8")
    entries = [(h, t, title_and_objectives(nb)[1]) for (h, t), nb in zip(links, nbs, strict=True)]
    (out / "index.html").write_text(index_page(entries, have["mathjax"]), encoding="utf-8")
    if frames and only is None:
        site_frames.prune(out, used)
    rendered = sum(n for _, n, r in log if r)
    print(
        f"wrote {len(paths)} pages and the index: {len(log)} moving figures, "
        f"{sum(n for _, n, _ in log)} frames ({rendered} rendered now), "
        f"site {size_mb(out):.1f} MB"
    )
    return [out / "index.html", *(out / h for h, _ in links)]


def size_mb(folder: Path) -> float:
    """Size of everything under `folder`, in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    parser.add_argument("--no-frames", action="store_true", help="stored pictures only")
    parser.add_argument("--only", help="notebook numbers, e.g. 00,03")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    build(args.out, frames=not args.no_frames, only=only)


if __name__ == "__main__":
    main()
