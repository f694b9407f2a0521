"""Which controls a figure's text asks the student to move, and the values it names.

The static edition (frames mode) draws first the frames a figure's "Predict, then move" prompt
asks for: `prompted_controls` finds the controls the text names (by key, label, a word or
symbol only that control's label has, or one of its options), `prompted_values` the numbers
it writes for them. Plain text matching, so a figure added tomorrow is read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from trainlib.live.frames import _option_labels, full_axis
from trainlib.live.inspection import option_values


def _words(text: str) -> str:
    """Text lowercased, without markdown emphasis and with single spaces."""
    marks = r"(?<!\w)[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}(?!\w)"  # **bold**, _it_; not div_factor
    return " ".join(re.sub(marks, "", text).lower().split())


#: TeX names of the Greek letters controls are labelled with.
_GREEK = dict(
    zip(
        "alpha beta gamma delta epsilon varepsilon eta theta kappa lambda mu rho sigma".split(),
        "αβγδεεηθκλμρσ",
        strict=True,
    )
)
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _plain_maths(text: str) -> str:
    r"""Inline TeX as a label writes it: ``$\beta_1 = 0.99$`` → ``β₁ = 0.99``."""
    text = re.sub(r"\\([a-z]+)", lambda m: _GREEK.get(m.group(1), m.group(0)), text)
    text = re.sub(r"_\{?(\d)\}?", lambda m: m.group(1).translate(_SUBSCRIPT), text)
    return text.replace("$", "")


def _symbol(description: str) -> str:
    """The symbol a label ends with before any parenthesis: "momentum μ" → "μ",
    "β₁ (average of g)" → "β₁", "step k" → "k"; '' if it ends with a word."""
    tokens = description.split(" (", 1)[0].split()
    last = tokens[-1] if tokens else ""
    return last if re.fullmatch(r"[^\W\d_][₀-₉]*", last) else ""


def _names(control: widgets.Widget, others: Sequence[widgets.Widget]) -> list[str]:
    """Patterns (over the text, TeX made plain) that name `control` and no other control:
    a capitalised word of its label ("Nesterov" of "Nesterov learning rate α") or its
    label's symbol followed by "=" ("α = 0.6")."""
    description = (control.description or "").split(" (", 1)[0]
    rest = [(o.description or "").split(" (", 1)[0].split() for o in others]
    found = []
    for word in description.split():
        distinct = not any(word in r for r in rest)
        if len(word) >= 5 and word[0].isupper() and word.isalpha() and distinct:
            found.append(rf"(?<![\w+]){re.escape(word)}(?![\w+])")
    symbol = _symbol(control.description or "")
    if symbol and not any(_symbol(o.description or "") == symbol for o in others):
        found.append(rf"(?<!\w){re.escape(symbol)}\s*=")
    return found


def prompted_controls(controls: Mapping[str, widgets.Widget], text: str) -> tuple[str, ...]:
    r"""The controls `text` names, in the order it first names them.

    A control is named by its key in backticks (`div_factor`), by its label up to its first
    parenthesis ("init scale × (multiplies σ)" is named by "init scale ×", if at least 5
    characters are left; emphasis marks are ignored), by a capitalised word of its label that
    no other control's label has ("Nesterov"), by its label's symbol followed by "=" if no
    other control's label ends with it ("α = 0.6", ``$\mu = 0$``), or, for a dropdown or
    toggle, by one of its options ("pick `one-cycle` in the dropdown", "switch to ReLU"; at
    least 4 characters unless in backticks).
    """
    words = _words(text)
    plain = _plain_maths(text)
    where: dict[str, float] = {}
    for name, control in controls.items():
        found = [words.find(f"`{name.lower()}`")]
        label = _words((control.description or "").split(" (", 1)[0])
        if len(label) >= 5:
            found.append(words.find(label))
        others = [c for n, c in controls.items() if n != name]
        for pattern in _names(control, others):
            hit = re.search(pattern, plain)  # `plain` keeps more characters: a close order
            found.append(int(hit.start() * len(words) / max(len(plain), 1)) if hit else -1)
        if option_values(control) is not None and not isinstance(control, widgets.SelectionSlider):
            for option in map(_words, _option_labels(control)):
                found.append(words.find(f"`{option}`"))
                whole = re.search(rf"(?<!\w){re.escape(option)}(?!\w)", words)
                if len(option) >= 4 and whole:
                    found.append(whole.start())
        found = [i for i in found if i >= 0]
        if found:
            where[name] = min(found)
    return tuple(sorted(where, key=where.__getitem__))


def prompted_values(
    controls: Mapping[str, widgets.Widget], text: str, names: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """Per slider in `names`, the values of its grid that `text` writes as numbers.

    A number written with d decimals names the grid value nearest to it if that lies within
    half a unit of its last digit ("0.032" names 0.0316, "0.6" names 0.60, "9" names 9).
    """
    numbers = re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)", _plain_maths(text))
    wanted: dict[str, tuple[Any, ...]] = {}
    for name in names:
        axis = full_axis(name, controls[name])
        grid = [v for v in axis.values if isinstance(v, int | float) and not isinstance(v, bool)]
        if axis.whole or not grid:
            continue
        hits: list[Any] = []
        for written in numbers:
            x = float(written)
            tol = 0.5 * 10.0 ** -(len(written.split(".")[1]) if "." in written else 0)
            nearest = min(grid, key=lambda v: abs(v - x))
            if abs(nearest - x) <= tol + 1e-12 and nearest not in hits:
                hits.append(nearest)
        if hits:
            wanted[name] = tuple(hits)
    return wanted
