"""Frames mode in the browser: controls labelled with real values, jslinked to image Stacks.

Each moving control becomes a widget whose ``index`` picks a frame: a ``SelectionSlider``
for a slider (its labels are the values, never frame numbers), ``Dropdown`` or
``ToggleButtons`` for options, a ``Play`` button driving a slider for an animation. The
frames sit in nested ``Stack`` widgets, outermost control first, and each Stack's
``selected_index`` is ``jslink``-ed to its control: the browser swaps pictures by itself,
with no kernel. A plan travels as JSON (`plan_to_json`) so a build can reuse stored frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from trainlib.live.frames import Axis, FramePlan

#: CSS class of a frames-mode figure (pages and tests find it by this name).
CSS_CLASS = "trainlib-frames"
#: A frames-mode figure also carries this prefix + its registered name (tests and benchmarks
#: name it by that: ``trainlib-figure-saddle_escape_figure``).
NAME_CLASS = "trainlib-figure-"


def plan_to_json(plan: FramePlan) -> dict[str, Any]:
    """What the browser side needs of a plan: per axis its labels and start; the note."""
    axes = [
        {"name": a.name, "description": a.description, "kind": a.kind, "labels": list(a.labels),
         "start": a.start, "interval": a.interval}
        for a in plan.axes
    ]  # fmt: skip
    return {"axes": axes, "fixed_labels": dict(plan.fixed_labels)}


def plan_from_json(data: Mapping[str, Any]) -> FramePlan:
    """The plan `plan_to_json` wrote (each axis's values are its labels)."""
    axes = tuple(
        Axis(a["name"], a["description"], a["kind"], tuple(a["labels"]), tuple(a["labels"]),
             int(a["start"]), int(a["interval"]))
        for a in data["axes"]
    )  # fmt: skip
    return FramePlan(axes, {}, dict(data["fixed_labels"]))


def _control(axis: Axis) -> tuple[widgets.Widget, widgets.Widget]:
    """The widget a student moves for `axis`, and the one whose ``index`` picks the frame."""
    options = [(label, i) for i, label in enumerate(axis.labels)]
    style = {"description_width": "initial"}
    common = {"options": options, "index": axis.start, "description": axis.description}
    if axis.kind == "dropdown":
        picker = widgets.Dropdown(**common, style=style)
        return picker, picker
    if axis.kind == "toggle":
        picker = widgets.ToggleButtons(**common, style=style)
        return picker, picker
    slider = widgets.SelectionSlider(
        **common, style=style, continuous_update=True, layout=widgets.Layout(width="520px")
    )
    if axis.kind != "play":
        return slider, slider
    play = widgets.Play(
        value=axis.start, min=0, max=len(axis.labels) - 1, interval=axis.interval,
        description=axis.description,
    )  # fmt: skip
    widgets.jslink((play, "value"), (slider, "index"))
    return widgets.HBox([play, slider]), slider


def assemble(
    plan: FramePlan, images: Mapping[tuple[int, ...], widgets.Widget], name: str = ""
) -> widgets.VBox:
    """Controls above nested Stacks of `images` (keyed by frame indices), the note below.

    `name`, the figure's registered name, becomes the class ``NAME_CLASS + name``.
    """
    shape = plan.shape
    if set(images) != {index for index, _ in plan.settings()}:
        raise ValueError(f"images: expected one per frame of a {shape} plan, got {len(images)}")
    levels: list[list[widgets.Stack]] = [[] for _ in shape]

    def nest(prefix: tuple[int, ...]) -> widgets.Widget:
        depth = len(prefix)
        if depth == len(shape):
            return images[prefix]
        stack = widgets.Stack(
            [nest((*prefix, i)) for i in range(shape[depth])],
            selected_index=plan.axes[depth].start,
        )
        levels[depth].append(stack)
        return stack

    view = nest(())
    rows = []
    for axis, stacks in zip(plan.axes, levels, strict=True):
        shown, picker = _control(axis)
        for stack in stacks:  # one jslink per Stack
            widgets.jslink((picker, "index"), (stack, "selected_index"))
        rows.append(shown)
    parts = [*rows, view]
    if plan.note():
        parts.append(widgets.HTML(f"<small>{plan.note()}</small>"))
    box = widgets.VBox(parts)
    box.add_class(CSS_CLASS)
    if name:
        box.add_class(NAME_CLASS + name)
    return box


def url_image(src: str, width: int, height: int) -> widgets.Image:
    """A frame the browser loads from `src` (a path inside the site), at its size in pixels."""
    return widgets.Image(
        value=src.encode("utf-8"), format="url", width=str(width), height=str(height),
        layout=widgets.Layout(max_width="100%", height="auto"),
    )  # fmt: skip
