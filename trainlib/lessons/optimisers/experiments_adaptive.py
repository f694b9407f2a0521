"""AdaGrad, RMSProp and Adam up close (C32–C34), on given gradient sequences.

- `rate_traces`: AdaGrad's effective rate dies, RMSProp's settles (C32, C33);
  `rate_column` reads the rate figure's grid of them;
- `sparse_features`: AdaGrad gives a rare feature larger steps (C32);
- `adam_moments`: Adam's raw moments are biased towards 0, the corrected ones are not (C34);
- `momentum_steps`, `first_adam_step`: two conventions that differ between texts and torch.

Every function runs the optimisers of `trainlib.optim` (never a re-implementation of them)
through `trajectory`. numpy only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from trainlib import optim
from trainlib.validation import as_array, check_int, check_positive, check_range

__all__ = [
    "BETA1S",
    "BETA2S",
    "BIAS_LR",
    "BIAS_STEPS",
    "RMSPROP_DECAYS",
    "SHRINK_GRID",
    "AdamTrace",
    "RateTraces",
    "SparseRun",
    "adam_moments",
    "bias_gradients",
    "first_adam_step",
    "momentum_steps",
    "noisy_gradients",
    "rate_column",
    "rate_tables",
    "rate_traces",
    "sparse_features",
    "trajectory",
]


def trajectory(
    opt: optim.Optimizer,
    p: np.ndarray,
    gradient: Callable[[int, np.ndarray], np.ndarray],
    steps: int,
) -> Iterator[tuple[np.ndarray, np.ndarray, object]]:
    """Run `opt` from p for `steps` steps with gₜ = gradient(t, pₜ); yield (pₜ, pₜ₊₁, state).

    Shapes: p (n,); gradient(t, p) (n,). `state` is the optimiser's state after the step.
    """
    state = opt.init(p)
    for t in range(steps):
        new, state = opt.step(p, gradient(t, p), state)
        yield p, new, state
        p = new


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

    def gradient(t: int, p: np.ndarray) -> np.ndarray:
        return z[t] * (scale if t >= switch else np.ones_like(scale))

    out = {
        key: np.array([optim.effective_lr(state, opt) for *_, state in
                       trajectory(opt, np.zeros(scale.size), gradient, steps)])
        for key, opt in opts.items()
    }  # fmt: skip
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

    def gradient(t: int, w: np.ndarray) -> np.ndarray:
        return (X[t] @ w - y[t]) * X[t]

    ada, sgd = optim.adagrad(lr), optim.sgd(lr)
    ada_run = [(new, optim.effective_lr(state, ada))  # read each state as it is made
               for _, new, state in trajectory(ada, np.zeros(2), gradient, steps)]  # fmt: skip
    w_ada = np.array([np.zeros(2)] + [new for new, _ in ada_run])
    rate = np.array([r for _, r in ada_run])
    w_sgd = np.array(
        [np.zeros(2)] + [new for _, new, _ in trajectory(sgd, np.zeros(2), gradient, steps)]
    )
    return SparseRun(
        active=X > 0,
        rate=rate,
        steps=np.abs(np.diff(w_ada, axis=0)),
        w_adagrad=w_ada,
        w_sgd=w_sgd,
        w_true=w_true,
        lr=lr,
        p_active=p,
    )


#: The rate figure's grid: gradient shrink factors 10^(k/4) from 0.01 to 10, RMSProp decays α.
SHRINK_GRID: tuple[float, ...] = tuple(float(10**e) for e in np.arange(-2.0, 1.01, 0.25))
RMSPROP_DECAYS: tuple[float, ...] = (0.9, 0.99, 0.999)


@functools.lru_cache(maxsize=1)
def rate_tables() -> tuple[RateTraces, SparseRun]:
    """The rate figure's data, computed once: `rate_traces` over `SHRINK_GRID` and the decays,
    and `sparse_features()`."""
    return rate_traces(shrink=SHRINK_GRID, alphas=RMSPROP_DECAYS), sparse_features()


@functools.lru_cache(maxsize=32)
def rate_column(shrink: float) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """AdaGrad's and RMSProp's effective rates for the `SHRINK_GRID` value nearest `shrink`.

    Shapes: (AdaGrad (T,), {α: RMSProp (T,)}).
    """
    traces, _ = rate_tables()
    k = int(np.argmin(np.abs(np.log10(np.asarray(SHRINK_GRID) / shrink))))
    return traces.adagrad[:, k], {a: r[:, k] for a, r in traces.rmsprop.items()}


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
    rows: dict[str, list] = {k: [] for k in AdamTrace._fields}
    for p, new, state in trajectory(opt, np.zeros(grads.shape[1]), lambda t, p: grads[t],
                                    len(grads)):  # fmt: skip
        t = state.t
        rows["m"].append(state.m)
        rows["v"].append(state.v)
        rows["m_hat"].append(state.m / (1 - beta1**t))
        rows["v_hat"].append(state.v / (1 - beta2**t))
        rows["step"].append(np.abs(new - p))
        rows["step_raw"].append(np.abs(lr * state.m / (np.sqrt(state.v) + eps)))
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
    constant = np.full(1, float(g))
    run = trajectory(opt, np.zeros(1), lambda t, p: constant, steps)
    return np.array([abs(new[0] - p[0]) for p, new, _ in run])


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


#: The bias figure's settings: its steps, its lr, and the β₁, β₂ its sliders offer.
BIAS_STEPS = 20
BIAS_LR = 1e-3
BETA1S: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
BETA2S: tuple[float, ...] = (0.9, 0.99, 0.999, 0.9999)


def bias_gradients() -> np.ndarray:
    """The bias figure's gradients: `noisy_gradients(BIAS_STEPS, 1, mean=1, noise=0.5)`.

    Shapes: (BIAS_STEPS, 1).
    """
    return noisy_gradients(BIAS_STEPS, 1, mean=1.0, noise=0.5, seed=0)
