"""The frames of the static edition, rendered once and kept until the figure's code changes.

Each live figure shown by a notebook is stored under ``<site>/_frames/<name>-<key>/`` as
numbered PNGs plus ``manifest.json`` (the plan: controls, labels, what is fixed). The key is
a hash of the figure's call as the notebook shows it (its initial values), the text before it
(its prompt names the controls that move first), the matplotlib
version and the code that draws it (frame budgets included): its lesson package, the live
machinery and the core. A rebuild finds the folder and renders nothing; a folder no page
uses any more is removed at the end of the build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

import matplotlib
from series import ROOT

FRAMES_DIR = "_frames"
TRAINLIB = ROOT / "trainlib"


@functools.cache
def _code_hash(lesson: str) -> str:
    """Hash of the code a lesson's figures run: the lesson, trainlib.live and the core."""
    files = [p for p in TRAINLIB.rglob("*.py") if "lessons" not in p.relative_to(TRAINLIB).parts]
    files += sorted((TRAINLIB / "lessons" / lesson).rglob("*.py"))
    files.append(TRAINLIB / "lessons" / "__init__.py")
    digest = hashlib.sha256(matplotlib.__version__.encode())
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def frames_key(factory: Any, call: str) -> str:
    """The cache key of one figure's frames (12 hex digits); budgets live in the hashed code."""
    lesson = factory.__module__.split(".")[2] if factory.__module__.count(".") >= 2 else ""
    text = f"{_code_hash(lesson)}\n{call}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def figure_frames(
    call: str, out: Path, registry: dict[str, Any], prompt: str = ""
) -> tuple[dict, bool]:
    """`call`'s frames under `out`, rendered unless stored: (manifest, rendered now).

    The controls `prompt` (the notebook's text before the figure) names move first, and the
    values it writes for them are among their frames.

    Raises whatever building or updating the figure raises (the caller falls back to the
    stored picture).
    """
    from trainlib.live.frames import (
        figure_budget,
        frame_name,
        plan_frames,
        render_frames,
        use_agg,
    )
    from trainlib.live.frames_widgets import plan_to_json
    from trainlib.live.prompts import prompted_controls, prompted_values

    name = call.split("(", 1)[0]
    key = frames_key(registry[name], f"{call}\n{prompt}")
    folder = out / FRAMES_DIR / f"{name}-{key}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text()), False
    started = time.perf_counter()
    live = eval(call, dict(registry))  # noqa: S307 - the call the figure itself printed
    try:
        use_agg(live)
        prefer = prompted_controls(live.controls, prompt)
        keep = prompted_values(live.controls, prompt, prefer)
        plan = plan_frames(live.controls, figure_budget(live), prefer, keep)
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for index, png in render_frames(live, plan):
            (partial / frame_name(index)).write_bytes(png)
        width, height = (int(round(v)) for v in live.fig.bbox.size)
    finally:
        live.close()
    manifest = {
        "call": call, "plan": plan_to_json(plan), "frames": plan.n_frames,
        "width": width, "height": height, "folder": f"{FRAMES_DIR}/{folder.name}",
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return manifest, True


def prune(out: Path, used: set[str]) -> int:
    """Remove frame folders no page uses any more; return how many went."""
    root = out / FRAMES_DIR
    gone = 0
    for folder in root.iterdir() if root.exists() else []:
        if f"{FRAMES_DIR}/{folder.name}" not in used:
            shutil.rmtree(folder)
            gone += 1
    return gone
