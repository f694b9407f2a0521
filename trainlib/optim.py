"""Optimisers: each one is a pair of pure functions, `init` and `step`, that match torch.optim.

    opt = adam(lr=1e-3)
    state = opt.init(params)                          # AdamState(t=0, m=0, v=0, v_max=None)
    params, state = opt.step(params, grads, state)    # one update; nothing is mutated

`params` is one array of any shape or a dict of arrays (a network); `grads` has the same
structure. Every rule is elementwise, so an `(N, 2)` array of N starting points on a 2-D
surface runs N independent descents in one call. `lr` is a float or a schedule `lr(t)`
(`trainlib.schedules`), where t is the number of steps already taken: step k uses lr(k),
like PyTorch calling `scheduler.step()` after every `optimizer.step()`.
`step(..., inplace=True)` computes the same numbers but writes them into the given params
and state arrays instead of new ones (no copies of a big network's arrays each step).

Names, defaults, validation and arithmetic follow torch.optim 2.13 (single-tensor path),
so the trajectories agree with PyTorch's to rounding (tests/test_optim.py checks it).
`InPlace` runs a pure optimiser on a network whose layers hold the parameter arrays.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from trainlib._elementwise import (
    apply_rule,
    check_float,
    check_params,
    check_state,
    tree_map,
    zeros_like,
)
from trainlib.validation import (
    check_bool,
    check_finite_number,
    check_has,
    check_positive,
    check_range,
    check_rate,
)

Params = np.ndarray | dict[str, np.ndarray]
Schedule = Callable[[int], float]


class Optimizer(NamedTuple):
    """A pure optimiser: `init(params) -> state`, `step(params, grads, state) -> (params, state)`.

    `lr(t)` is the learning rate of step t (a constant rate is a constant function),
    `rate(state)` the per-coordinate effective rate of the latest step (see `effective_lr`),
    `name` and `hyperparams` say what was built, for printing and plot legends.
    """

    init: Callable[[Params], Any]
    step: Callable[[Params, Params, Any], tuple[Params, Any]]
    lr: Schedule
    rate: Callable[[Any], Any]
    name: str
    hyperparams: dict

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparams.items())
        return f"{self.name}({args})"


class SGDState(NamedTuple):
    """t: steps taken; buf: momentum buffer b (None without momentum)."""

    t: int
    buf: Params | None


class AdaGradState(NamedTuple):
    """t: steps taken; sum_sq: running sum G of squared gradients."""

    t: int
    sum_sq: Params


class RMSPropState(NamedTuple):
    """t: steps taken; v: moving average of g²; g_avg: of g (centered); buf: momentum."""

    t: int
    v: Params
    g_avg: Params | None
    buf: Params | None


class AdamState(NamedTuple):
    """t: steps taken; m, v: moving averages of g and g²; v_max: running max of v (amsgrad)."""

    t: int
    m: Params
    v: Params
    v_max: Params | None


# ---------------------------------------------------------------------------------------
# Helpers: learning rates, Adam's betas. The walks over dicts of arrays, their checks and the
# speed plumbing are in trainlib._elementwise.


def _as_schedule(lr: float | Schedule) -> Schedule:
    """A float becomes the constant schedule t ↦ lr; a callable is used as given.

    A schedule's rate is checked when a step uses it (see `_rate`).
    """
    if callable(lr):
        return lr
    value = check_positive("lr", lr, strict=False)

    def constant(t: int) -> float:
        return value

    return constant


def _rate(lr: Schedule, t: int) -> float:
    """lr(t) as a Python float (which keeps float32 params float32); ValueError naming `lr`
    and the step unless it is a finite number ≥ 0 (a schedule gone negative or NaN)."""
    return check_rate("lr", lr(t), t)


def _hyper_lr(lr: float | Schedule) -> float | Schedule:
    """`lr` as `hyperparams` shows it: a float, or the schedule itself."""
    return lr if callable(lr) else float(lr)


def _as_betas(betas: Any) -> tuple[float, float]:
    """Check Adam's `betas`: a pair (β₁, β₂), each in [0, 1)."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"betas: expected a pair (beta1, beta2), got {betas!r}")
    return check_range("betas[0]", betas[0], 0.0, 1.0), check_range("betas[1]", betas[1], 0.0, 1.0)


def _last_lr(lr: Schedule, state: Any) -> float:
    """The learning rate the latest step used; ValueError before the first step."""
    if state.t < 1:
        raise ValueError("state: expected a state after at least one step (t >= 1), got t=0")
    return _rate(lr, state.t - 1)


# ---------------------------------------------------------------------------------------
# The optimisers. Each `update` is its docstring's rule, line for line, on one block of
# p, g and the state arrays; trainlib._elementwise.apply_rule runs it over every array (in
# cache-sized blocks, on copies for a pure step), so `sgd??` in IPython shows the rule.


def sgd(
    lr: float | Schedule = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> Optimizer:
    """Stochastic gradient descent with momentum, dampening, weight decay, Nesterov (torch SGD).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        g ← g + λ·p                       (weight_decay λ)
        b ← g                             (first step, momentum μ > 0)
        b ← μ·b + (1−τ)·g                 (later steps, dampening τ)
        g ← g + μ·b  if nesterov, else  g ← b
        p ← p − η·g
    """
    lr_fn = _as_schedule(lr)
    momentum = check_positive("momentum", momentum, strict=False)
    dampening = check_finite_number("dampening", dampening)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    nesterov = check_bool("nesterov", nesterov)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "nesterov: expected momentum > 0 and dampening = 0 with nesterov=True, "
            f"got momentum={momentum!r}, dampening={dampening!r}"
        )

    def init(params: Params) -> SGDState:
        params = check_params(params)
        return SGDState(t=0, buf=zeros_like(params) if momentum else None)

    def step(
        params: Params, grads: Params, state: SGDState, *, inplace: bool = False
    ) -> tuple[Params, SGDState]:
        check_bool("inplace", inplace)
        check_state(state, SGDState, params, buf=bool(momentum))
        eta = _rate(lr_fn, state.t)

        def update(p, g, b):  # p and b change in place
            if weight_decay:
                g = g + weight_decay * p
            if momentum:
                b[...] = g if state.t == 0 else momentum * b + (1 - dampening) * g
                g = g + momentum * b if nesterov else b
            p -= eta * g

        params, buf = apply_rule(update, params, grads, state.buf, inplace=inplace)
        return params, SGDState(state.t + 1, buf)

    def rate(state: SGDState) -> float:
        check_state(state, SGDState, None)
        return _last_lr(lr_fn, state)

    hyper = dict(
        lr=_hyper_lr(lr),
        momentum=momentum,
        dampening=dampening,
        weight_decay=weight_decay,
        nesterov=nesterov,
    )
    return Optimizer(init, step, lr_fn, rate, "sgd", hyper)


def adagrad(
    lr: float | Schedule = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Optimizer:
    """AdaGrad: a per-coordinate rate from the running sum of squared gradients (torch Adagrad).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        g ← g + λ·p                       (weight_decay λ)
        G ← G + g²                        (G starts at initial_accumulator_value)
        ηₜ ← η / (1 + (t−1)·lr_decay)     (t = this step's number, from 1)
        p ← p − ηₜ·g / (√G + ε)

    G only grows, so the effective rate ηₜ/(√G + ε) only shrinks (claim C32).
    """
    lr_fn = _as_schedule(lr)
    lr_decay = check_positive("lr_decay", lr_decay, strict=False)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    init_acc = check_positive("initial_accumulator_value", initial_accumulator_value, strict=False)
    eps = check_positive("eps", eps, strict=False)

    def init(params: Params) -> AdaGradState:
        return AdaGradState(t=0, sum_sq=zeros_like(check_params(params), init_acc))

    def step(params: Params, grads: Params, state: AdaGradState, *, inplace: bool = False):
        check_bool("inplace", inplace)
        check_state(state, AdaGradState, params, sum_sq=True)
        t = state.t + 1
        eta_t = _rate(lr_fn, state.t) / (1 + (t - 1) * lr_decay)

        def update(p, g, G):  # p and G change in place
            if weight_decay:
                g = g + weight_decay * p
            G += g**2
            p -= eta_t * g / (np.sqrt(G) + eps)

        params, sum_sq = apply_rule(update, params, grads, state.sum_sq, inplace=inplace)
        return params, AdaGradState(t, sum_sq)

    def rate(state: AdaGradState) -> Params:
        check_state(state, AdaGradState, None)
        eta_t = _last_lr(lr_fn, state) / (1 + (state.t - 1) * lr_decay)
        return tree_map(lambda G: eta_t / (np.sqrt(G) + eps), state.sum_sq)

    hyper = dict(
        lr=_hyper_lr(lr),
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=init_acc,
        eps=eps,
    )
    return Optimizer(init, step, lr_fn, rate, "adagrad", hyper)


def rmsprop(
    lr: float | Schedule = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Optimizer:
    """RMSProp: divide by a moving RMS of the gradient (torch RMSprop; "decay" there is `alpha`).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        g ← g + λ·p                       (weight_decay λ)
        v ← α·v + (1−α)·g²                (α: what Hinton's lecture calls the decay)
        ḡ ← α·ḡ + (1−α)·g;  d ← √(v − ḡ²) + ε     if centered
                             d ← √v + ε            otherwise
        b ← μ·b + g/d;  p ← p − η·b        with momentum μ > 0
        p ← p − η·g/d                      otherwise

    v forgets old gradients, so the effective rate η/d settles instead of dying (claim C33).
    """
    lr_fn = _as_schedule(lr)
    alpha = check_positive("alpha", alpha, strict=False)
    eps = check_positive("eps", eps, strict=False)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    momentum = check_positive("momentum", momentum, strict=False)
    centered = check_bool("centered", centered)

    def init(params: Params) -> RMSPropState:
        params = check_params(params)
        g_avg = zeros_like(params) if centered else None
        return RMSPropState(0, zeros_like(params), g_avg, zeros_like(params) if momentum else None)

    def step(params: Params, grads: Params, state: RMSPropState, *, inplace: bool = False):
        check_bool("inplace", inplace)
        check_state(state, RMSPropState, params, v=True, g_avg=centered, buf=bool(momentum))
        eta = _rate(lr_fn, state.t)

        def update(p, g, v, g_avg, b):  # p, v, g_avg and b change in place
            if weight_decay:
                g = g + weight_decay * p
            v[...] = alpha * v + (1 - alpha) * g**2
            if centered:
                g_avg[...] = alpha * g_avg + (1 - alpha) * g
                d = np.sqrt(v - g_avg**2) + eps
            else:
                d = np.sqrt(v) + eps
            if momentum:
                b[...] = momentum * b + g / d
                p -= eta * b
            else:
                p -= eta * g / d

        params, v, g_avg, buf = apply_rule(
            update, params, grads, state.v, state.g_avg, state.buf, inplace=inplace
        )
        return params, RMSPropState(state.t + 1, v, g_avg, buf)

    def rate(state: RMSPropState) -> Params:
        check_state(state, RMSPropState, None)
        eta = _last_lr(lr_fn, state)
        if centered:
            return tree_map(lambda v, m: eta / (np.sqrt(v - m**2) + eps), state.v, state.g_avg)
        return tree_map(lambda v: eta / (np.sqrt(v) + eps), state.v)

    hyper = dict(
        lr=_hyper_lr(lr),
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
    )
    return Optimizer(init, step, lr_fn, rate, "rmsprop", hyper)


def adam(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    *,
    decoupled_weight_decay: bool = False,
) -> Optimizer:
    """Adam: momentum on g plus RMSProp on g², both bias-corrected (torch Adam).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        g ← g + λ·p                       (weight_decay λ: L2 folded into the gradient)
        p ← p·(1 − η·λ)                   (instead, with decoupled_weight_decay: AdamW)
        m ← β₁·m + (1−β₁)·g
        v ← β₂·v + (1−β₂)·g²
        v_max ← max(v_max, v);  v ← v_max  (amsgrad: v̂ is made from the running maximum)
        m̂ ← m/(1−β₁ᵗ);  v̂ ← v/(1−β₂ᵗ)     (t = this step's number, from 1)
        p ← p − η·m̂ / (√v̂ + ε)

    At t = 1, m̂ = g and v̂ = g², so the first step moves every coordinate by ≈ η (claim C34).
    """
    lr_fn = _as_schedule(lr)
    beta1, beta2 = _as_betas(betas)
    eps = check_positive("eps", eps, strict=False)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    amsgrad = check_bool("amsgrad", amsgrad)
    decoupled_weight_decay = check_bool("decoupled_weight_decay", decoupled_weight_decay)

    def init(params: Params) -> AdamState:
        params = check_params(params)
        v_max = zeros_like(params) if amsgrad else None
        return AdamState(t=0, m=zeros_like(params), v=zeros_like(params), v_max=v_max)

    def step(params: Params, grads: Params, state: AdamState, *, inplace: bool = False):
        check_bool("inplace", inplace)
        check_state(state, AdamState, params, m=True, v=True, v_max=amsgrad)
        t = state.t + 1
        eta = _rate(lr_fn, state.t)

        def update(p, g, m, v, v_max):  # p, m, v and v_max change in place
            if weight_decay and not decoupled_weight_decay:
                g = g + weight_decay * p
            elif weight_decay:
                p *= 1 - eta * weight_decay
            m *= beta1
            m += (1 - beta1) * g  # m ← β₁·m + (1−β₁)·g
            v *= beta2
            v += (1 - beta2) * g**2  # v ← β₂·v + (1−β₂)·g²
            if amsgrad:
                v_max[...] = np.maximum(v_max, v)
                v = v_max
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p -= eta * m_hat / (np.sqrt(v_hat) + eps)

        params, m, v, v_max = apply_rule(
            update, params, grads, state.m, state.v, state.v_max, inplace=inplace
        )
        return params, AdamState(t, m, v, v_max)

    def rate(state: AdamState) -> Params:
        check_state(state, AdamState, None)
        eta, t = _last_lr(lr_fn, state), state.t
        v = state.v_max if amsgrad else state.v
        return tree_map(lambda v: eta / (np.sqrt(v / (1 - beta2**t)) + eps), v)

    hyper = dict(
        lr=_hyper_lr(lr), betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
    )
    if decoupled_weight_decay:
        hyper["decoupled_weight_decay"] = True
    return Optimizer(init, step, lr_fn, rate, "adam", hyper)


def adamw(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
) -> Optimizer:
    """AdamW: Adam with weight decay taken out of the gradient (torch AdamW).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        p ← p·(1 − η·λ)                   (decoupled decay first, weight_decay λ)
        m ← β₁·m + (1−β₁)·g
        v ← β₂·v + (1−β₂)·g²
        v_max ← max(v_max, v);  v ← v_max  (amsgrad: v̂ is made from the running maximum)
        m̂ ← m/(1−β₁ᵗ);  v̂ ← v/(1−β₂ᵗ)
        p ← p − η·m̂ / (√v̂ + ε)

    The decay is not divided by √v̂, unlike Adam's L2 term (claim C35); with λ = 0 it is Adam.
    The rule runs in `adam` (`adam??` shows it): AdamW is Adam with decoupled_weight_decay.
    """
    opt = adam(lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
    hyper = {k: v for k, v in opt.hyperparams.items() if k != "decoupled_weight_decay"}
    return opt._replace(name="adamw", hyperparams=hyper)


def effective_lr(state: Any, opt: Optimizer) -> Params | float:
    """The per-coordinate rate of the latest step: what multiplies g (or m̂) in the update.

    Shapes: like the parameters (a float for SGD, whose rate is the same everywhere).

        AdaGrad  ηₜ/(√G + ε)      RMSProp  η/(√v + ε)  (√(v − ḡ²) if centered)
        Adam(W)  η/(√v̂ + ε)       SGD      η
    """
    check_has("opt", opt, ("rate",), "an optimiser")
    return opt.rate(state)


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "SGD": sgd,
    "AdaGrad": adagrad,
    "RMSProp": rmsprop,
    "Adam": adam,
    "AdamW": adamw,
}


def steps_in_place(opt: Any) -> bool:
    """Whether `opt.step` takes `inplace=True`: trainlib's optimisers do; one built by hand
    with only a pure step may not (then callers copy its results in)."""
    check_has("opt", opt, ("step",), "an optimiser")
    try:
        return "inplace" in inspect.signature(opt.step).parameters
    except (TypeError, ValueError):  # a callable without a signature
        return False


class InPlace:
    """Run an optimiser on arrays that layers hold, writing each update into them.

    Shapes: params: a dict of float arrays (or one float array); grads like params.

    `step(grads)` computes the optimiser's update and writes it into the very same arrays,
    so every layer object holding them sees the new values. The optimiser state (`.state`)
    is updated in place too: copy it (`copy.deepcopy`) to keep a snapshot.
    """

    def __init__(self, opt: Optimizer, params: Params) -> None:
        check_has("opt", opt, ("init", "step", "lr", "rate"), "an optimiser")
        for p in params.values() if isinstance(params, Mapping) else [params]:
            check_float(p)
        self.opt = opt
        self.params = params
        self.state = opt.init(params)
        self._native = steps_in_place(opt)

    @property
    def t(self) -> int:
        """Steps taken so far."""
        return self.state.t

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        return float(self.opt.lr(self.state.t))

    def step(self, grads: Params) -> Params:
        """Update the parameter arrays in place; return them."""
        if self._native:
            _, self.state = self.opt.step(self.params, grads, self.state, inplace=True)
            return self.params
        new, self.state = self.opt.step(self.params, grads, self.state)
        tree_map(np.copyto, self.params, new)  # write the new values into the held arrays
        return self.params

    def effective_lr(self) -> Params | float:
        """Per-coordinate rate of the latest step (see `effective_lr`)."""
        return self.opt.rate(self.state)

    def __repr__(self) -> str:
        return f"InPlace({self.opt!r}, t={self.state.t})"
