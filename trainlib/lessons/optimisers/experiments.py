"""The experiments of notebook 07 (optimisers): races, effective rates, bias correction, AdamW.

Every function here runs the optimisers of `trainlib.optim` (never a re-implementation of
them) on a small, seeded problem and returns plain arrays that a figure or a test reads:

- `run_race` / `race_paths`: six optimisers on a classic surface (`trainlib.train.race`);
- `rate_traces`: AdaGrad's effective rate dies, RMSProp's settles (claims C32, C33);
- `sparse_features`: AdaGrad gives a rare feature larger steps (C32);
- `adam_moments`: Adam's raw moments are biased towards 0, the corrected ones are not (C34);
- `momentum_steps`, `first_adam_step`: two conventions that differ between texts and torch;
- `adamw_vs_l2`: L2-in-the-gradient vs decoupled weight decay (C35);
- `lr_sweep`, `good_lr_window`: a learning-rate sweep of each optimiser on the digits (C36).

numpy only: no plotting, no widgets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from trainlib import optim
from trainlib.surfaces import SURFACES, Surface
from trainlib.train import LeaderboardEntry, Path, leaderboard, race
from trainlib.validation import as_array, check_choice, check_int, check_positive, check_range

__all__ = [
    "RACERS",
    "RACE_SURFACES",
    "RACE_STEPS",
    "RACE_TOL",
    "DEFAULT_LRS",
    "LR_RANGES",
    "make_optimizer",
    "run_race",
    "race_paths",
    "race_leaderboard",
    "RateTraces",
    "rate_traces",
    "SparseRun",
    "sparse_features",
    "AdamTrace",
    "adam_moments",
    "noisy_gradients",
    "momentum_steps",
    "first_adam_step",
    "STRETCHED_BOWL",
    "WEIGHT_DECAYS",
    "adamw_vs_l2",
    "ridge_optimum",
    "SWEEP_OPTIMISERS",
    "SWEEP_LRS",
    "Sweep",
    "lr_sweep",
    "good_lr_window",
    "log_loss_spread",
]

# =========================================================================================
# The race (C31, C37)
# =========================================================================================

#: The six racers, in legend order. Each is built by `make_optimizer(name, lr)`.
RACERS: tuple[str, ...] = ("SGD", "SGD+momentum", "AdaGrad", "RMSProp", "Adam", "AdamW")

#: The race courses, by `Surface.name`.
RACE_SURFACES: dict[str, Surface] = {
    name: SURFACES[name] for name in ("Valley", "Saddle", "Rosenbrock", "Beale")
}

RACE_STEPS = 200  # steps of every race
RACE_TOL = 1e-4  # "reached the minimum" means L − L_min ≤ RACE_TOL

#: Starting learning rates per surface: each optimiser near a good rate for that course
#: (found by a sweep over the slider's grid 10^(k/4)); the sliders go from there.
DEFAULT_LRS: dict[str, dict[str, float]] = {
    "Valley": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.0, "AdaGrad": 10**0.5,
        "RMSProp": 10**-0.5, "Adam": 10**-0.25, "AdamW": 10**-0.25,
    },
    "Saddle": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-1.5, "AdaGrad": 10**-0.5,
        "RMSProp": 10**-1.5, "Adam": 10**-1.0, "AdamW": 10**-1.0,
    },
    "Rosenbrock": {
        "SGD": 10**-2.5, "SGD+momentum": 10**-2.75, "AdaGrad": 10**0.25,
        "RMSProp": 10**-1.0, "Adam": 10**-0.25, "AdamW": 10**-0.25,
    },
    "Beale": {
        "SGD": 10**-1.5, "SGD+momentum": 10**-2.5, "AdaGrad": 10**0.0,
        "RMSProp": 10**-1.0, "Adam": 10**-0.5, "AdamW": 10**-0.5,
    },
}  # fmt: skip

#: Learning-rate slider ranges as exponents of 10: wide enough to diverge (SGD, momentum)
#: or to wander off (the adaptive ones, whose steps are bounded by about lr).
LR_RANGES: dict[str, tuple[float, float]] = {
    "SGD": (-4.0, 0.0),
    "SGD+momentum": (-4.0, 0.0),
    "AdaGrad": (-3.0, 1.0),
    "RMSProp": (-4.0, 0.5),
    "Adam": (-4.0, 0.5),
    "AdamW": (-4.0, 0.5),
}


def make_optimizer(name: str, lr: float) -> optim.Optimizer:
    """The optimiser `name` of `RACERS` with learning rate `lr`, other settings torch's defaults.

    SGD+momentum uses μ = 0.9 (no dampening, torch's form); AdamW weight_decay = 0.01.
    """
    check_choice("name", name, RACERS)
    lr = check_positive("lr", lr)
    if name == "SGD":
        return optim.sgd(lr)
    if name == "SGD+momentum":
        return optim.sgd(lr, momentum=0.9)
    return optim.OPTIMIZERS[name](lr)


def _surface(surface: str) -> Surface:
    check_choice("surface", surface, tuple(RACE_SURFACES))
    return RACE_SURFACES[surface]


def run_race(
    surface: str, lrs: Mapping[str, float] | None = None, steps: int = RACE_STEPS
) -> dict[str, Path]:
    """Race every optimiser of `lrs` (default: all six at `DEFAULT_LRS`) from the surface's start.

    Shapes: returns {name: Path} with xs (steps + 1, 2), losses (steps + 1,) (fewer if the
    optimiser diverged: see `trainlib.train.Path`). One call of `trainlib.train.race`.
    """
    surf = _surface(surface)
    lrs = DEFAULT_LRS[surface] if lrs is None else lrs
    opts = {name: make_optimizer(name, lr) for name, lr in lrs.items()}
    return race(opts, surf, surf.start, check_int("steps", steps, minimum=1))


_RACE_CACHE: dict[tuple[str, str, float, int], Path] = {}


def race_paths(surface: str, lrs: Mapping[str, float], steps: int = RACE_STEPS) -> dict[str, Path]:
    """`run_race`, remembering each (surface, optimiser, lr, steps): only new ones are run.

    The missing optimisers run together in one `run_race` call; a race is deterministic, so a
    cached path is the path a fresh call returns (tests/test_notebook_07.py checks it).
    """
    keys = {name: (surface, name, float(lr), steps) for name, lr in lrs.items()}
    missing = {name: key[2] for name, key in keys.items() if key not in _RACE_CACHE}
    if missing:
        for name, path in run_race(surface, missing, steps).items():
            _RACE_CACHE[keys[name]] = path
    return {name: _RACE_CACHE[key] for name, key in keys.items()}


@functools.lru_cache(maxsize=8)
def log_landscape(surface: str, n: int = 120) -> tuple[np.ndarray, tuple[float, ...]]:
    """log₁₀(L − L_min + 10⁻³) on an n×n grid over a race surface's window, and its extent.

    Shapes: (n, n) and (x0, x1, y0, y1). `surface` is a key of RACE_SURFACES or any other
    name for STRETCHED_BOWL (the AdamW figure's). Cached: figures share one grid.
    """
    surf = RACE_SURFACES[surface] if surface in RACE_SURFACES else STRETCHED_BOWL
    _, _, Z = surf.grid(n)
    (x0, x1), (y0, y1) = surf.window
    return np.log10(Z - surf.min_value + 1e-3), (x0, x1, y0, y1)


def race_leaderboard(
    paths: Mapping[str, Path], surface: str, tol: float = RACE_TOL
) -> list[LeaderboardEntry]:
    """`trainlib.train.leaderboard` of a race: final loss and first step with L − L_min ≤ tol."""
    return leaderboard(paths, _surface(surface), tol)


# =========================================================================================
# AdaGrad vs RMSProp: the effective rate (C32, C33) and sparse features (C32)
# =========================================================================================


class RateTraces(NamedTuple):
    """Per-step effective rates η/(√G + ε) (AdaGrad) and η/(√v + ε) (RMSProp, per decay α).

    Shapes: adagrad (T, K); rmsprop {α: (T, K)}; shrink (K,) — column k saw gradients
    multiplied by shrink[k] from step `switch` on; step (T,) = 1 … T.
    """

    step: np.ndarray
    adagrad: np.ndarray
    rmsprop: dict[float, np.ndarray]
    shrink: np.ndarray
    switch: int
    lr: float


def rate_traces(
    steps: int = 1000,
    shrink: tuple[float, ...] = (1.0,),
    alphas: tuple[float, ...] = (0.9, 0.99, 0.999),
    lr: float = 0.01,
    switch: int | None = None,
    seed: int = 0,
) -> RateTraces:
    """Feed AdaGrad and RMSProp the same noisy gradients and record their effective rates.

    Shapes: one coordinate per entry of `shrink` (K,): g_t = z_t (z_t ~ N(0, 1), seeded) for
    t < switch (default steps // 2) and g_t = shrink[k]·z_t after — the gradients of a
    parameter that leaves a steep region. AdaGrad's G = Σ g² only grows, so its rate only
    falls (like 1/√t); RMSProp's v forgets, so its rate settles near η/rms(g) and rises again
    when the gradients shrink.
    """
    steps = check_int("steps", steps, minimum=2)
    lr = check_positive("lr", lr)
    switch = steps // 2 if switch is None else check_int("switch", switch, minimum=0)
    scale = as_array("shrink", shrink, ndim=1)
    for a in alphas:
        check_range("alphas", a, 0.0, 1.0, lo_closed=False)
    z = np.random.default_rng(seed).standard_normal(steps)
    opts = {"adagrad": optim.adagrad(lr)} | {a: optim.rmsprop(lr, alpha=a) for a in alphas}
    out = {key: np.empty((steps, scale.size)) for key in opts}
    for key, opt in opts.items():
        p = np.zeros(scale.size)
        state = opt.init(p)
        for t in range(steps):
            g = z[t] * (scale if t >= switch else np.ones_like(scale))
            p, state = opt.step(p, g, state)
            out[key][t] = optim.effective_lr(state, opt)
    return RateTraces(
        np.arange(1, steps + 1),
        out.pop("adagrad"),
        {float(a): out[a] for a in alphas},
        scale,
        switch,
        lr,
    )


class SparseRun(NamedTuple):
    """A linear model trained on one frequent and one rare binary feature, sample by sample.

    Shapes (T steps, 2 features — column 0 frequent, column 1 rare): active (T, 2) whether the
    feature was present; rate (T, 2) AdaGrad's effective rate after each step; steps (T, 2)
    |Δw| of AdaGrad; w_adagrad, w_sgd (T + 1, 2); w_true (2,).
    """

    active: np.ndarray
    rate: np.ndarray
    steps: np.ndarray
    w_adagrad: np.ndarray
    w_sgd: np.ndarray
    w_true: np.ndarray
    lr: float
    p_active: tuple[float, float]


def sparse_features(
    steps: int = 400,
    p_frequent: float = 0.9,
    p_rare: float = 0.05,
    lr: float = 0.5,
    noise: float = 0.5,
    seed: int = 0,
) -> SparseRun:
    """AdaGrad and SGD (same lr) on y = x·w* + noise with a frequent and a rare binary feature.

    Shapes: see `SparseRun`. Each step takes one sample: x ∈ {0, 1}² (feature j present with
    probability p_j), y = x·w* + noise·ξ with w* = (1, 1), loss ½(x·w − y)², gradient
    (x·w − y)·x. An absent feature gets a zero gradient, so its G grows only when it appears:
    AdaGrad's rate for the rare feature stays high, and its steps, when it appears, are large.
    """
    steps = check_int("steps", steps, minimum=1)
    p = (check_range("p_frequent", p_frequent, 0.0, 1.0, hi_closed=True),
         check_range("p_rare", p_rare, 0.0, 1.0, hi_closed=True))  # fmt: skip
    lr = check_positive("lr", lr)
    noise = check_positive("noise", noise, strict=False)
    rng = np.random.default_rng(seed)
    X = (rng.random((steps, 2)) < np.array(p)).astype(float)
    w_true = np.ones(2)
    y = X @ w_true + noise * rng.standard_normal(steps)
    runs = {}
    for name, opt in (("adagrad", optim.adagrad(lr)), ("sgd", optim.sgd(lr))):
        w = np.zeros(2)
        state = opt.init(w)
        ws, rates = [w], []
        for t in range(steps):
            g = (X[t] @ w - y[t]) * X[t]
            w, state = opt.step(w, g, state)
            ws.append(w)
            if name == "adagrad":
                rates.append(optim.effective_lr(state, opt))
        runs[name] = (np.array(ws), np.array(rates) if rates else None)
    w_ada, rate = runs["adagrad"]
    return SparseRun(
        active=X > 0,
        rate=rate,
        steps=np.abs(np.diff(w_ada, axis=0)),
        w_adagrad=w_ada,
        w_sgd=runs["sgd"][0],
        w_true=w_true,
        lr=lr,
        p_active=p,
    )


# =========================================================================================
# Adam: bias correction (C34) and two conventions (momentum dampening, where ε sits)
# =========================================================================================


class AdamTrace(NamedTuple):
    """Adam's moments over the first steps, raw and bias-corrected, and the step it takes.

    Shapes: all (T, n): m, v the raw moving averages (AdamState.m, .v); m_hat = m/(1−β₁ᵗ),
    v_hat = v/(1−β₂ᵗ); step = |Δp| of Adam's update; step_raw = |η·m/(√v + ε)|, the step
    Adam would take without bias correction.
    """

    m: np.ndarray
    v: np.ndarray
    m_hat: np.ndarray
    v_hat: np.ndarray
    step: np.ndarray
    step_raw: np.ndarray


def noisy_gradients(steps: int = 20, n: int = 1, mean: float = 1.0, noise: float = 0.5,
                    seed: int = 0) -> np.ndarray:  # fmt: skip
    """Gradients g_t = mean + noise·ξ_t with ξ_t ~ N(0, 1), seeded. Shapes: (steps, n)."""
    steps = check_int("steps", steps, minimum=1)
    n = check_int("n", n, minimum=1)
    return mean + noise * np.random.default_rng(seed).standard_normal((steps, n))


def adam_moments(
    grads: np.ndarray,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> AdamTrace:
    """Run `trainlib.optim.adam` on a given gradient sequence and record its moments.

    Shapes: grads (T, n) — one row per step; every output (T, n).
        m ← β₁·m + (1−β₁)·g,  v ← β₂·v + (1−β₂)·g²,  m̂ = m/(1−β₁ᵗ),  v̂ = v/(1−β₂ᵗ)
    At t = 1, m̂ = g and v̂ = g², so the step η·m̂/(√v̂ + ε) is ≈ η in every coordinate.
    """
    grads = as_array("grads", grads, ndim=2)
    opt = optim.adam(lr, betas=(beta1, beta2), eps=eps)
    p = np.zeros(grads.shape[1])
    state = opt.init(p)
    rows: dict[str, list] = {k: [] for k in AdamTrace._fields}
    for g in grads:
        new, state = opt.step(p, g, state)
        t = state.t
        rows["m"].append(state.m)
        rows["v"].append(state.v)
        rows["m_hat"].append(state.m / (1 - beta1**t))
        rows["v_hat"].append(state.v / (1 - beta2**t))
        rows["step"].append(np.abs(new - p))
        rows["step_raw"].append(np.abs(lr * state.m / (np.sqrt(state.v) + eps)))
        p = new
    return AdamTrace(**{k: np.array(v) for k, v in rows.items()})


def momentum_steps(
    lr: float = 0.01, momentum: float = 0.9, dampening: float = 0.0, steps: int = 60,
    g: float = 1.0,
) -> np.ndarray:  # fmt: skip
    """Step sizes |Δp| of `trainlib.optim.sgd` under a constant gradient g. Shapes: (steps,).

    torch's form (dampening 0): b ← μ·b + g, so the steps grow to η·g/(1−μ) — ten times η·g
    for μ = 0.9. The moving-average form b ← μ·b + (1−μ)·g is dampening = μ: steps stay η·g
    (torch starts the buffer at b = g, so there is no warm-up either).
    """
    steps = check_int("steps", steps, minimum=1)
    opt = optim.sgd(lr, momentum=momentum, dampening=dampening)
    p = np.zeros(1)
    state = opt.init(p)
    out = np.empty(steps)
    for t in range(steps):
        new, state = opt.step(p, np.full(1, float(g)), state)
        out[t] = abs(new[0] - p[0])
        p = new
    return out


def first_adam_step(
    g: np.ndarray, lr: float = 1e-3, eps: float = 1e-8, eps_inside: bool = False
) -> np.ndarray:
    """|Δp| of Adam's first step for gradient g, with ε outside √ (torch) or inside.

    Shapes: g (n,) → (n,). Outside (torch, `trainlib.optim.adam`): η·|g|/(|g| + ε).
    Inside: η·|g|/√(g² + ε) — the same as ε' = √ε outside for small g, a far larger floor.
    """
    g = as_array("g", g, ndim=1)
    lr = check_positive("lr", lr)
    eps = check_positive("eps", eps, strict=False)
    if not eps_inside:
        opt = optim.adam(lr, eps=eps)
        p = np.zeros_like(g)
        new, _ = opt.step(p, g, opt.init(p))
        return np.abs(new - p)
    m_hat, v_hat = g, g * g  # the first step's corrected moments (β's cancel)
    return np.abs(lr * m_hat / np.sqrt(v_hat + eps))


# =========================================================================================
# Adam + L2 vs AdamW (C35)
# =========================================================================================

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


# =========================================================================================
# A learning-rate sweep on the digits (C36)
# =========================================================================================

#: The optimisers of the sweep (AdamW with its small default decay tracks Adam here).
SWEEP_OPTIMISERS: tuple[str, ...] = ("SGD", "SGD+momentum", "AdaGrad", "RMSProp", "Adam")
#: Learning rates of the sweep: half-decades from 10⁻³ to 1.
SWEEP_LRS: tuple[float, ...] = tuple(float(10**e) for e in np.arange(-3.0, 0.01, 0.5))


class Sweep(NamedTuple):
    """Final losses of a learning-rate sweep.

    Shapes: lrs (L,); names (O,); train_loss, val_loss, val_acc, diverged (O, L). A diverged
    run has train_loss = val_loss = +inf and val_acc = chance (0.1).
    """

    lrs: np.ndarray
    names: tuple[str, ...]
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    diverged: np.ndarray
    chance_loss: float


def _ce(model, X: np.ndarray, y: np.ndarray) -> float:
    from trainlib.losses import cross_entropy

    return float(cross_entropy(model.forward(X, train=False), y)[0])


def _train_digits(opt: optim.Optimizer, X: np.ndarray, y: np.ndarray, epochs: int,
                  batch_size: int, seed: int):  # fmt: skip
    """Mini-batch training of a fresh MLP 64→32→10 with `fit`; the model, or None if it diverged.

    The sweep reads only the final model, so `fit` keeps no per-step record or accuracy.
    """
    from trainlib.fit import fit
    from trainlib.layers import mlp
    from trainlib.losses import cross_entropy

    model = mlp([64, 32, 10], rng=np.random.default_rng(seed + 1))
    hist = fit(model, cross_entropy, opt, X, y, epochs=epochs, batch_size=batch_size,
               rng=np.random.default_rng(seed + 2), accuracy=False, record_steps=False)  # fmt: skip
    return None if hist.diverged else model


@functools.lru_cache(maxsize=4)
def lr_sweep(
    lrs: tuple[float, ...] = SWEEP_LRS,
    names: tuple[str, ...] = SWEEP_OPTIMISERS,
    epochs: int = 8,
    batch_size: int = 40,
    n_train: int = 400,
    n_val: int = 500,
    seed: int = 0,
) -> Sweep:
    """Train the MLP 64→32→10 (ReLU) on a digits subset once per (optimiser, lr).

    Shapes: see `Sweep`. Every run starts from the same initial weights and sees the same
    mini-batches (seeded), so only the optimiser and its rate differ. Final losses are the
    cross-entropy of the trained model on the whole training subset and on a validation
    subset. Cached: the notebook, its figure and its tests share one sweep.
    """
    from trainlib.data import digits

    X, y = digits()
    idx = np.random.default_rng(seed).permutation(len(X))
    tr, va = idx[:n_train], idx[n_train : n_train + n_val]
    shape = (len(names), len(lrs))
    train_loss, val_loss, val_acc = np.empty(shape), np.empty(shape), np.empty(shape)
    diverged = np.zeros(shape, dtype=bool)
    for i, name in enumerate(names):
        for j, lr in enumerate(lrs):
            model = _train_digits(make_optimizer(name, lr), X[tr], y[tr], epochs, batch_size,
                                  seed)  # fmt: skip
            diverged[i, j] = model is None
            if model is None:
                train_loss[i, j] = val_loss[i, j] = np.inf
                val_acc[i, j] = 0.1
                continue
            train_loss[i, j] = _ce(model, X[tr], y[tr])
            zv = model.forward(X[va], train=False)
            val_loss[i, j] = _ce(model, X[va], y[va])
            val_acc[i, j] = np.mean(np.argmax(zv, axis=1) == y[va])
    return Sweep(np.array(lrs), tuple(names), train_loss, val_loss, val_acc, diverged,
                 float(np.log(10)))  # fmt: skip


def good_lr_window(sweep: Sweep, threshold: float = 0.5) -> dict[str, float]:
    """Width, in decades, of the learning rates whose final training loss is ≤ threshold.

    Shapes: {name: width}. On a half-decade grid each good rate counts 0.5 decade. This is
    what "robust to the learning rate" means: many rates train well, not a flat curve.
    """
    threshold = check_positive("threshold", threshold)
    spacing = float(np.median(np.diff(np.log10(sweep.lrs)))) if len(sweep.lrs) > 1 else 1.0
    return {
        name: float(np.sum(sweep.train_loss[i] <= threshold) * spacing)
        for i, name in enumerate(sweep.names)
    }


def log_loss_spread(sweep: Sweep) -> dict[str, float]:
    """Standard deviation over the sweep of log₁₀(final training loss), per optimiser.

    A diverged run (or one worse than chance) counts as the chance loss ln 10: it learned
    nothing. A small spread can mean "good everywhere" or "bad everywhere" — read it with
    `good_lr_window`.
    """
    capped = np.minimum(sweep.train_loss, sweep.chance_loss)
    return {name: float(np.std(np.log10(capped[i]))) for i, name in enumerate(sweep.names)}
