"""Plain plotting helpers shared by every live figure: one palette, one axes style.

Colours come from the Okabe–Ito palette (safe for the common forms of colour blindness)
and are fixed per name across the whole series: Adam is always vermillion, MSE always blue.
matplotlib is imported inside the functions, so importing this module is cheap and never
changes global settings (no rcParams at import).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The eight Okabe–Ito colours by name (Okabe & Ito, "Color Universal Design", 2008).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

_O = OKABE_ITO

#: One fixed colour per optimiser, per loss and per recurring role, across the series.
#: Optimisers and losses rarely share an axis, so the two groups reuse the palette.
COLORS: dict[str, str] = {
    # optimisers (notebooks 03, 07, 08)
    "SGD": _O["blue"],
    "SGD+momentum": _O["sky blue"],
    "AdaGrad": _O["bluish green"],
    "RMSProp": _O["reddish purple"],
    "Adam": _O["vermillion"],
    "AdamW": _O["orange"],
    # losses (notebook 02)
    "MSE": _O["blue"],
    "MAE": _O["orange"],
    "Huber": _O["bluish green"],
    "BCE": _O["vermillion"],
    "CE": _O["reddish purple"],
    "focal": _O["sky blue"],
    "KL": _O["black"],
    # roles
    "data": _O["black"],
    "model": _O["blue"],
    "train": _O["blue"],
    "validation": _O["orange"],
    "reference": "#999999",
    "highlight": _O["vermillion"],
}

#: Font sizes for a projector: larger text, thicker lines (`presenter`, `presenter_mode`,
#: and `make present`, which hands them to the kernel as a matplotlibrc file).
PRESENTER_RC: dict[str, Any] = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 15,
    "legend.fontsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "lines.linewidth": 2.5,
    "lines.markersize": 8,
}


def color(name: str) -> str:
    """Return the series colour for an optimiser, loss or role name (ValueError if unknown)."""
    try:
        return COLORS[name]
    except KeyError:
        raise ValueError(f"name: expected one of {sorted(COLORS)}, got {name!r}") from None


def style_axes(ax, title: str, xlabel: str, ylabel: str, *, grid: bool = True):
    """Give `ax` a title, axis labels and a light grid; return `ax`."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if grid:
        ax.grid(True, alpha=0.3, linewidth=0.8)
    return ax


@contextmanager
def presenter(on: bool = True) -> Iterator[None]:
    """Within the block, new figures use projector-sized fonts and lines.

    Usage: ``with presenter(): fig = welcome_figure()``. Settings are restored on exit;
    nothing global changes outside the block.
    """
    import matplotlib as mpl

    with mpl.rc_context(PRESENTER_RC if on else {}):
        yield


_SAVED_RC: dict[str, Any] | None = None  # what `presenter_mode()` replaced, to put back


def presenter_mode(on: bool = True) -> None:
    """Projector-sized fonts and lines for every figure built after this call.

    Usage: one call at the top of a notebook, before any figure is built::

        from trainlib.plot import presenter_mode
        presenter_mode()

    Unlike `presenter` (a ``with`` block), this changes matplotlib's rcParams for the rest
    of the kernel session, on purpose: a lecture notebook turns it on once. Figures already
    built keep their sizes. ``presenter_mode(False)`` restores the values it replaced.
    Nothing in ``trainlib`` or the test suite calls it, and importing ``trainlib`` never
    changes rcParams, so tests and committed notebook outputs always use the normal sizes;
    leave the call out of committed notebooks. ``make present NB=07`` gives the same sizes
    without any call (it passes `PRESENTER_RC` to the kernel through ``$MATPLOTLIBRC``).
    Browser zoom (Ctrl +) enlarges the sliders' labels too.
    """
    global _SAVED_RC
    import matplotlib as mpl

    if on:
        if _SAVED_RC is None:
            _SAVED_RC = {key: mpl.rcParams[key] for key in PRESENTER_RC}
        mpl.rcParams.update(PRESENTER_RC)
    elif _SAVED_RC is not None:
        mpl.rcParams.update(_SAVED_RC)
        _SAVED_RC = None


def presenter_rc_text() -> str:
    """`PRESENTER_RC` as the text of a matplotlibrc file (for ``$MATPLOTLIBRC``)."""
    return "".join(f"{key}: {value}\n" for key, value in PRESENTER_RC.items())
