"""Adam with L2 in the gradient against AdamW's decoupled weight decay (C35).

`adamw_vs_l2` runs SGD + L2 (the baseline), Adam + L2 and AdamW per weight decay λ on
`STRETCHED_BOWL`, a bowl with one flat and one stiff direction; `ridge_optimum` is where
L + ½λ‖θ‖² is lowest; `decay_per_step` is how much of each coordinate the decay removes at
each step; `adamw_endpoints` is where AdamW is after a given number of steps. numpy only.
"""

from __future__ import annotations

import functools

import numpy as np

from trainlib import optim
from trainlib.surfaces import Surface
from trainlib.train import Path, descend, race
from trainlib.validation import as_array, check_int, check_positive

__all__ = [
    "ADAMW_LR",
    "ADAMW_STEPS",
    "L2_OPTIMISERS",
    "STRETCHED_BOWL",
    "WEIGHT_DECAYS",
    "adamw_endpoints",
    "adamw_runs",
    "adamw_vs_l2",
    "decay_per_step",
    "decay_runs",
    "ridge_optimum",
]

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


#: The learning rate and length of the notebook's runs on the stretched bowl.
ADAMW_LR, ADAMW_STEPS = 0.05, 300
#: The three ways of decaying, in legend order: SGD + L2 is the baseline.
L2_OPTIMISERS: tuple[str, ...] = ("SGD + L2", "Adam + L2", "AdamW")


def _l2_optimisers(lr: float, wd: float) -> dict[str, optim.Optimizer]:
    return {
        "SGD + L2": optim.sgd(lr, weight_decay=wd),
        "Adam + L2": optim.adam(lr, weight_decay=wd),
        "AdamW": optim.adamw(lr, weight_decay=wd),
    }


def adamw_vs_l2(
    weight_decays: tuple[float, ...] = WEIGHT_DECAYS, lr: float = ADAMW_LR,
    steps: int = ADAMW_STEPS,
) -> dict[float, dict[str, Path]]:  # fmt: skip
    """SGD + L2, Adam + L2 and AdamW, per weight decay λ, on `STRETCHED_BOWL`.

    Shapes: {λ: {"SGD + L2": Path, "Adam + L2": Path, "AdamW": Path}}, each xs (steps + 1, 2).
    SGD + L2 is `optim.sgd(lr, weight_decay=λ)` and Adam + L2 is `optim.adam(lr,
    weight_decay=λ)` (both g ← g + λ·θ; Adam then divides by √v̂); AdamW is
    `optim.adamw(lr, weight_decay=λ)` (θ ← θ·(1 − α·λ), the same fraction for every weight).
    SGD is stable here for α < 2/(25 + λ): α = 0.05 is.
    """
    out = {}
    for wd in weight_decays:
        wd = check_positive("weight_decays", wd, strict=False)
        out[wd] = race(_l2_optimisers(lr, wd), STRETCHED_BOWL, STRETCHED_BOWL.start, steps)
    return out


def decay_per_step(
    weight_decay: float, lr: float = ADAMW_LR, steps: int = ADAMW_STEPS
) -> dict[str, np.ndarray]:
    """How much the weight decay moves each coordinate at each step, per optimiser.

    Shapes: {name: (steps, 2)}, row t for step t + 1, columns x (flat), y (stiff).
    Adam + L2: α·λ·|θᵢ|/(√v̂ᵢ + ε) — the decay term λθᵢ of the gradient, divided like the rest
    by √v̂ᵢ (v̂ read from the optimiser's state; m averages the term over the last steps, so
    this is the term as it enters m). AdamW and SGD + L2: α·λ·|θᵢ|, undivided.
    """
    wd = check_positive("weight_decay", weight_decay, strict=False)
    steps = check_int("steps", steps, minimum=1)
    out: dict[str, list] = {name: [] for name in L2_OPTIMISERS}
    for name, opt in _l2_optimisers(lr, wd).items():
        p, state = STRETCHED_BOWL.start.copy(), None
        state = opt.init(p)
        for _ in range(steps):
            new, state = opt.step(p, STRETCHED_BOWL.df(p), state)
            if name == "Adam + L2":
                v_hat = state.v / (1 - opt.hyperparams["betas"][1] ** state.t)
                out[name].append(lr * wd * np.abs(p) / (np.sqrt(v_hat) + opt.hyperparams["eps"]))
            else:
                out[name].append(lr * wd * np.abs(p))
            p = new
    return {name: np.array(rows) for name, rows in out.items()}


def adamw_endpoints(
    step_counts: tuple[int, ...], lr: float = ADAMW_LR, weight_decay: float = 0.3,
    start: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Where AdamW is after each number of steps in `step_counts`, from `start` (the bowl's).

    Shapes: (len(step_counts), 2). One run of max(step_counts) steps, read at each count.
    """
    counts = [check_int("step_counts", n, minimum=0) for n in step_counts]
    x0 = STRETCHED_BOWL.start if start is None else as_array("start", start, ndim=1)
    opt = optim.adamw(check_positive("lr", lr), weight_decay=weight_decay)
    path = descend(STRETCHED_BOWL, x0, opt, max(counts))
    return np.array([path.xs[n] for n in counts])


def ridge_optimum(weight_decay: float) -> np.ndarray:
    """Minimiser of L(p) + ½·λ·‖p‖² on `STRETCHED_BOWL`: pᵢ = hᵢ·cᵢ/(hᵢ + λ). Shapes: (2,)."""
    lam = check_positive("weight_decay", weight_decay, strict=False)
    return _H * _C / (_H + lam)


@functools.lru_cache(maxsize=1)
def adamw_runs() -> dict[float, dict[str, Path]]:
    """`adamw_vs_l2()` with its defaults, computed once (the AdamW figure reads it)."""
    return adamw_vs_l2()


@functools.lru_cache(maxsize=len(WEIGHT_DECAYS))
def decay_runs(weight_decay: float) -> dict[str, np.ndarray]:
    """`decay_per_step(weight_decay)`, computed once per λ (the AdamW figure reads it)."""
    return decay_per_step(weight_decay)


def adamw_moments(
    weight_decay: float, lr: float = ADAMW_LR, steps: int = ADAMW_STEPS
) -> tuple[np.ndarray, np.ndarray]:
    """AdamW's √v̂ and its Adam direction m̂/(√v̂ + ε) after `steps` steps on `STRETCHED_BOWL`.

    Shapes: (2,), (2,) — columns x (flat), y (stiff). √v̂ᵢ is the factor by which AdamW's decay,
    relative to the loss's pull, exceeds Adam + L2's; the Adam step is α times the direction.
    """
    wd = check_positive("weight_decay", weight_decay, strict=False)
    steps = check_int("steps", steps, minimum=1)
    opt = optim.adamw(lr, weight_decay=wd)
    p = STRETCHED_BOWL.start.copy()
    state = opt.init(p)
    for _ in range(steps):
        p, state = opt.step(p, STRETCHED_BOWL.df(p), state)
    beta1, beta2 = opt.hyperparams["betas"]
    m_hat = state.m / (1 - beta1**state.t)
    root = np.sqrt(state.v / (1 - beta2**state.t))
    return root, m_hat / (root + opt.hyperparams["eps"])
