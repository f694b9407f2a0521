"""Adam with L2 in the gradient against AdamW's decoupled weight decay (C35).

`adamw_vs_l2` runs both per weight decay λ on `STRETCHED_BOWL`, a bowl with one flat and
one stiff direction; `ridge_optimum` is where L + ½λ‖θ‖² is lowest. numpy only.
"""

from __future__ import annotations

import functools

import numpy as np

from trainlib import optim
from trainlib.surfaces import Surface
from trainlib.train import Path, race
from trainlib.validation import check_positive

__all__ = ["STRETCHED_BOWL", "WEIGHT_DECAYS", "adamw_runs", "adamw_vs_l2", "ridge_optimum"]

_H = np.array([1.0, 25.0])  # curvatures: x is flat, y is stiff (large gradients)
_C = np.array([2.0, 2.0])  # the unregularised minimum


def _stretched_f(p: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum(_H * (p - _C) ** 2, axis=-1)


def _stretched_df(p: np.ndarray) -> np.ndarray:
    return _H * (p - _C)


#: L(x, y) = ½[(x − 2)² + 25·(y − 2)²]: one flat and one stiff direction, minimum (2, 2).
STRETCHED_BOWL = Surface(
    name="Stretched bowl",
    f=_stretched_f,
    df=_stretched_df,
    minima=_C[None, :].copy(),
    min_value=0.0,
    window=((-0.75, 2.5), (-0.75, 2.5)),
    start=np.array([-0.5, -0.5]),
)

#: Weight decays λ the figure offers (0 included: there Adam + L2 and AdamW coincide).
WEIGHT_DECAYS: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)


def adamw_vs_l2(
    weight_decays: tuple[float, ...] = WEIGHT_DECAYS, lr: float = 0.05, steps: int = 300
) -> dict[float, dict[str, Path]]:
    """Adam with L2 in the gradient vs AdamW, per weight decay λ, on `STRETCHED_BOWL`.

    Shapes: {λ: {"Adam + L2": Path, "AdamW": Path}}, each xs (steps + 1, 2).
    Adam + L2 is `optim.adam(lr, weight_decay=λ)` (g ← g + λ·p, then divided by √v̂);
    AdamW is `optim.adamw(lr, weight_decay=λ)` (p ← p·(1 − η·λ), the same for every weight).
    """
    out = {}
    for wd in weight_decays:
        wd = check_positive("weight_decays", wd, strict=False)
        opts = {
            "Adam + L2": optim.adam(lr, weight_decay=wd),
            "AdamW": optim.adamw(lr, weight_decay=wd),
        }
        out[wd] = race(opts, STRETCHED_BOWL, STRETCHED_BOWL.start, steps)
    return out


def ridge_optimum(weight_decay: float) -> np.ndarray:
    """Minimiser of L(p) + ½·λ·‖p‖² on `STRETCHED_BOWL`: pᵢ = hᵢ·cᵢ/(hᵢ + λ). Shapes: (2,)."""
    lam = check_positive("weight_decay", weight_decay, strict=False)
    return _H * _C / (_H + lam)


@functools.lru_cache(maxsize=1)
def adamw_runs() -> dict[float, dict[str, Path]]:
    """`adamw_vs_l2()` with its defaults, computed once (the AdamW figure reads it)."""
    return adamw_vs_l2()
