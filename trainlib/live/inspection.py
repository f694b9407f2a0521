"""Reading a live figure from code: the values each control accepts, a sweep through them,
and the numbers and strings the figure currently draws (what the tests compare)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from trainlib.validation import check_bool, check_int, check_number, describe


def option_values(control: widgets.Widget) -> list[Any] | None:
    """The values a selection control (Dropdown, ToggleButtons, …) offers, else None.

    `options` may be plain values, (label, value) pairs, or a dict label → value; this is
    the rule ipywidgets applies (tests/test_live.py checks it against the widget itself).
    """
    if not hasattr(control, "options"):
        return None
    options = control.options
    items = tuple(options.items() if isinstance(options, Mapping) else options)
    if all(isinstance(o, list | tuple) and len(o) == 2 for o in items):
        return [value for _, value in items]
    return list(items)


def check_value(name: str, control: widgets.Widget, value: Any) -> None:
    """Raise ValueError unless `value` is one the control can hold: an option of a selection,
    True/False for a checkbox, a number (an integer for an integer slider) in a slider's
    range; a string, None or NaN never is."""
    options = option_values(control)
    if options is not None:
        try:  # (a string never equals a number, nor a bool a number: True == 1 is no match)
            ok = any(
                isinstance(value, str) == isinstance(o, str)
                and isinstance(value, bool) == isinstance(o, bool)
                and value == o
                for o in options
            )
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"{name}: expected one of {options}, got {describe(value)}")
        return
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        check_bool(name, value)
        return
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = control.min, control.max
        if isinstance(control, widgets.FloatLogSlider):
            lo, hi = control.base**lo, control.base**hi
        if isinstance(control.value, int):
            check_int(name, value, minimum=-(2**62))
        if not lo <= check_number(name, value) <= hi:  # (NaN is in no range)
            raise ValueError(f"{name}: expected a value in [{lo}, {hi}], got {value!r}")


def sweep_values(control: widgets.Widget, n: int = 5) -> list[Any]:
    """Values a headless sweep moves `control` through: min … max (n points), or every option.

    The default (current) value is always included; a Checkbox gives [False, True].
    """
    options = option_values(control)
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        values: list[Any] = [False, True]
    elif options is not None:
        values = options
    elif isinstance(control, widgets.FloatLogSlider):
        values = list(control.base ** np.linspace(control.min, control.max, n))
    elif isinstance(control, widgets.IntSlider | widgets.Play | widgets.BoundedIntText):
        values = sorted({int(round(v)) for v in np.linspace(control.min, control.max, n)})
    elif hasattr(control, "min") and hasattr(control, "max"):
        values = list(np.linspace(control.min, control.max, n))
    else:
        raise ValueError(f"control: expected a slider, option or checkbox widget, got {control!r}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if control.value not in values:
        values.append(control.value)
    return values


def drawn_data(fig: Figure) -> dict[str, Any]:
    """The numbers and strings `fig` currently draws (visible artists only), keyed by artist.

    Lines' xy, collections' offsets/paths/colour arrays, images' arrays, patches' corners,
    axis limits, and every text (titles, labels, legends, annotations, figure texts).
    """
    out: dict[str, Any] = {}
    for i, ax in enumerate(fig.axes):
        if ax.get_visible():
            out.update(_axes_data(f"ax{i}", ax))
    out["fig.texts"] = tuple(t.get_text() for t in fig.texts if t.get_visible())
    return out


def _axes_data(key: str, ax: Any) -> dict[str, Any]:
    out: dict[str, Any] = {f"{key}.lims": np.array([*ax.get_xlim(), *ax.get_ylim()], dtype=float)}
    for j, line in enumerate(ax.lines):
        if line.get_visible():
            out[f"{key}.line{j}"] = np.asarray(line.get_xydata(), dtype=float)
    for j, coll in enumerate(ax.collections):
        if not coll.get_visible():
            continue
        out[f"{key}.coll{j}.offsets"] = _plain(coll.get_offsets())
        paths = coll.get_paths()
        if paths:
            out[f"{key}.coll{j}.paths"] = np.concatenate(
                [np.asarray(p.vertices, dtype=float).reshape(-1) for p in paths]
            )
        if coll.get_array() is not None:
            out[f"{key}.coll{j}.array"] = _plain(coll.get_array())
    for j, image in enumerate(ax.images):
        if image.get_visible():
            out[f"{key}.image{j}"] = _plain(image.get_array())
    for j, patch in enumerate(ax.patches):
        if patch.get_visible():
            out[f"{key}.patch{j}"] = np.asarray(patch.get_verts(), dtype=float)
    texts = [ax.get_title(loc) for loc in ("left", "center", "right")]
    texts += [ax.get_xlabel(), ax.get_ylabel()]
    texts += [t.get_text() for t in ax.texts if t.get_visible()]
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        texts += [t.get_text() for t in legend.get_texts()]
    out[f"{key}.texts"] = tuple(texts)
    return out


def _plain(arr: Any) -> np.ndarray:
    """A float array of the drawn values; masked (not drawn) entries are dropped."""
    if np.ma.isMaskedArray(arr):
        return np.asarray(arr.compressed(), dtype=float)
    return np.asarray(arr, dtype=float)
