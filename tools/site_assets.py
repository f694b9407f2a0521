"""What every page of the static edition loads, taken from npm at build time (never a CDN),
and the page chrome: previous/next/contents links, a dark colour scheme, frame preloading.

    MathJax 3                        equations           _static/mathjax/tex-svg-full.js
    require.js                       the AMD loader      _static/require.js
    @jupyter-widgets/html-manager    the widget renderer _static/widgets/embed-amd.js (+ fonts)

Without npm (or without the network the first time), the build says so in one line and the
pages fall back to the stored pictures; a site built once keeps its copies in _static.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from nbconvert import HTMLExporter

MATHJAX = "_static/mathjax/tex-svg-full.js"
REQUIRE = "_static/require.js"
EMBED = "_static/widgets/embed-amd.js"
#: npm package → {file in the package (or a folder ending in /): where it goes in the site}
PACKAGES = {
    "mathjax@3.2.2": {"package/es5/tex-svg-full.js": MATHJAX},
    "requirejs@2.3.8": {"package/require.js": REQUIRE},
    # ipywidgets 8 embeds with html-manager 1.0.x; the fonts sit beside the script
    "@jupyter-widgets/html-manager@1.0.15": {"package/dist/": "_static/widgets/"},
}
#: Not needed by embed-amd.js in a browser of this decade: source maps, licences, the other
#: bundles, IE-only and SVG fonts (woff2 is used; woff and ttf stay as fallbacks).
SKIP_SUFFIXES = (".map", ".LICENSE.txt", ".eot", ".svg", "embed.js", "libembed-amd.js")
#: The widget bundles find their fonts beside the *module* (its require.js URL), not beside
#: the script: map every module name the bundle defines to the folder the fonts are in.
REQUIRE_CONFIG = (
    "<script>require.config({paths: {"
    + ", ".join(
        f'"@jupyter-widgets/{m}": "_static/widgets/{m.replace("/", "-")}"'
        for m in ("base", "base7", "controls", "controls7", "output", "html-manager")
    )
    + ', "@jupyter-widgets/html-manager/dist": "_static/widgets"}});</script>'
)
MATHJAX_CONFIG = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true}};</script>"
)


def _unpack(tgz: Path, wanted: dict[str, str], out: Path) -> None:
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            for source, target in wanted.items():
                if source.endswith("/") and member.name.startswith(source) and member.isfile():
                    rest = member.name[len(source) :]
                    if "/" in rest or rest.endswith(SKIP_SUFFIXES):
                        continue
                    dest = out / target / rest
                elif member.name == source:
                    dest = out / target
                else:
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(member).read())


def fetch_assets(out: Path) -> dict[str, bool]:
    """Copy the npm packages into the site unless present: {"mathjax": ok, "widgets": ok}."""
    missing = {
        spec: files for spec, files in PACKAGES.items()
        if not all((out / t.rstrip("/")).exists() for t in files.values())
    }  # fmt: skip
    npm = shutil.which("npm")
    if missing and npm:
        with tempfile.TemporaryDirectory() as tmp:
            for spec, files in missing.items():
                done = subprocess.run(
                    [npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True
                )
                if done.returncode == 0:
                    _unpack(Path(tmp) / done.stdout.strip().splitlines()[-1], files, out)
    have = {
        "mathjax": (out / MATHJAX).exists(),
        "widgets": (out / REQUIRE).exists() and (out / EMBED).exists(),
    }
    if not all(have.values()):
        why = "npm not found" if npm is None else "npm could not fetch its packages"
        print(
            f"make html: {why}: live figures fall back to their stored pictures"
            f"{'' if have['mathjax'] else ' and equations stay as TeX'} "
            "(install Node.js with npm and rebuild for figures that move)"
        )
    return have


def dark_css() -> str:
    """JupyterLab's dark theme, applied when the reader's system asks for dark."""
    static = Path(HTMLExporter(template_name="lab").template_paths[0]) / "static"
    theme = (static / "theme-dark.css").read_text(encoding="utf-8")
    extra = (
        "body{background:var(--jp-layout-color0);color:var(--jp-content-font-color1)}"
        ".jupyter-widgets{--jp-widgets-color:var(--jp-content-font-color1);"
        "--jp-widgets-label-color:var(--jp-content-font-color1);"
        "--jp-widgets-readout-color:var(--jp-content-font-color1);"
        "--jp-widgets-input-color:var(--jp-content-font-color1);"
        "--jp-widgets-input-background-color:var(--jp-layout-color2)}"
        ".widget-label,.widget-readout,.widget-html-content,.widget-label-basic"
        "{color:var(--jp-content-font-color1)!important}"
        "a{color:#8ab4f8}"
    )
    return f"<style>@media (prefers-color-scheme: dark){{{theme}\n{extra}}}</style>"


CHROME_CSS = (
    "<style>:root{color-scheme:light dark}"
    "nav.series-nav{max-width:1100px;margin:.6rem auto;padding:.4rem 1rem;display:flex;"
    "gap:1.5rem;flex-wrap:wrap;font-family:var(--jp-ui-font-family,sans-serif)}"
    ".trainlib-frames img.widget-image{max-width:100%;height:auto}</style>"
)


def nav(pages: list[tuple[str, str]], i: int) -> str:
    """Previous / contents / next links for page i of (href, title) pages."""
    links = ['<a href="index.html" rel="contents">Contents</a>']
    if i > 0:
        href, title = pages[i - 1]
        links.insert(0, f'<a href="{href}" rel="prev">← {html.escape(title)}</a>')
    if i + 1 < len(pages):
        href, title = pages[i + 1]
        links.append(f'<a href="{href}" rel="next">{html.escape(title)} →</a>')
    return f'<nav class="series-nav" aria-label="series">{" ".join(links)}</nav>'


#: The widget renderer's Image view calls ``URL.revokeObjectURL(img.src)`` whenever a Stack
#: swaps it out, also for a frame's plain file URL. Revoking a non-blob URL does nothing by
#: the spec, but Chromium also drops that URL from its memory cache, so every frame shown once
#: was read from disk again the next time it came back (1-2 extra frames per move, measured:
#: a fresh <img> of a shown-then-swapped frame is not ``complete`` until a frame later). The
#: pages pass only blob: URLs on, so frames stay cached and decoded, and a move is one frame.
KEEP_FRAMES_CACHED = (
    "<script>(function(){var revoke=URL.revokeObjectURL;URL.revokeObjectURL=function(u){"
    "if(typeof u==='string'&&u.slice(0,5)==='blob:'){return revoke.call(URL,u);}};})();</script>"
)


def preload(urls: list[str]) -> str:
    """A script that loads and decodes every frame once the page is shown (instant swaps)."""
    if not urls:
        return ""
    return (
        "<script>window.addEventListener('load',function(){window.__frames=("
        + json.dumps(urls)
        + ").map(function(u){var i=new Image();i.src=u;if(i.decode)i.decode().catch(function(){});"
        "return i;});});</script>"
    )
