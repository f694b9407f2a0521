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
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from trainlib.validation import as_array, check_positive, check_range

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
# Helpers: learning rates, parameter trees, argument checks.


def _as_schedule(lr: float | Schedule) -> Schedule:
    """A float becomes the constant schedule t ↦ lr; a callable is used as given."""
    if callable(lr):
        return lr
    value = check_positive("lr", lr, strict=False)

    def constant(t: int) -> float:
        return value

    return constant


def _as_params(params: Any) -> Params:
    """Check `params`: a real array, or a non-empty dict of real arrays."""
    if isinstance(params, Mapping):
        if not params:
            raise ValueError("params: expected an array or a non-empty dict of arrays, got {}")
        return {k: as_array(f"params[{k!r}]", v) for k, v in params.items()}
    return as_array("params", params)


def _check_grads(grads: Any, params: Params) -> None:
    """Raise unless `grads` has the structure (dict keys, shapes) of `params`."""
    if isinstance(params, Mapping):
        if not isinstance(grads, Mapping) or grads.keys() != params.keys():
            given = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
            raise ValueError(f"grads: expected a dict with keys {sorted(params)}, got {given}")
        for k in params:
            if np.shape(grads[k]) != np.shape(params[k]):
                raise ValueError(
                    f"grads[{k!r}]: expected shape {np.shape(params[k])} to match "
                    f"params[{k!r}], got {np.shape(grads[k])}"
                )
    elif isinstance(grads, Mapping) or np.shape(grads) != np.shape(params):
        given = "a dict" if isinstance(grads, Mapping) else f"shape {np.shape(grads)}"
        raise ValueError(f"grads: expected shape {np.shape(params)} to match params, got {given}")


def _zeros(params: Params, fill: float = 0.0) -> Params:
    """A tree shaped like `params`, filled with `fill`."""
    if isinstance(params, Mapping):
        return {k: np.full_like(v, fill) for k, v in params.items()}
    return np.full_like(params, fill)


# Bytes per block (8192 float64, 16384 float32): a rule's temporaries stay in the CPU cache,
# and below malloc's threshold for fresh memory from the system (128 KiB by default).
_BLOCK_BYTES = 65536


def _map(
    update: Callable, params: Params, grads: Params, *states: Params | None, inplace: bool = False
) -> tuple:
    """Run the elementwise rule `update(p, g, *s)` on one array or on every entry of a dict.

    The rule updates p and its state arrays s in place (`m *= β₁; m += (1 − β₁)·g`) and only
    reads g. What it updates is decided here: inplace=False gives it new copies, so the
    arrays passed in stay untouched and the copies are the result (a pure step);
    inplace=True gives it the arrays themselves (what `InPlace` uses: no copies at all).
    Returns (params, *states), trees like the inputs (None where a state is unused).

    A big array goes through in blocks of `_BLOCK_BYTES`, so that the rule's temporaries stay
    in the CPU cache instead of each being a trip to main memory (every rule is elementwise,
    so the numbers are the same bit for bit). Under `np.errstate(all="ignore")`: a diverging
    run produces inf/NaN, which the training loops detect and report, not RuntimeWarnings.
    """
    with np.errstate(all="ignore"):
        if not isinstance(params, Mapping):
            return _map_array(update, params, grads, states, inplace)
        out = [
            _map_array(
                update, p, grads[k], tuple(s if s is None else s[k] for s in states), inplace
            )
            for k, p in params.items()
        ]
    if inplace:  # the trees given are the trees updated
        return (params, *states)
    # out: one (p, *s) per key → (params, *states), each a dict (or None: an unused state)
    return tuple(
        None if col[0] is None else dict(zip(params, col, strict=True))
        for col in zip(*out, strict=True)
    )


def _float_copy(a: Any) -> np.ndarray | None:
    """A new C-ordered float copy of `a` (integers become float64), for the rule to update."""
    if a is None:
        return None
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.copy()  # (C order)
    a = np.asarray(a)
    return np.array(a, dtype=np.result_type(a.dtype, np.float32), order="C", copy=True)


def _map_array(update: Callable, p: Any, g: Any, states: tuple, inplace: bool) -> tuple:
    """`_map` for one array and its states."""
    if inplace and not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
        raise ValueError(
            "params: expected float numpy arrays to update in place (inplace=True), got "
            f"{type(p).__name__} with dtype {getattr(p, 'dtype', None)}"
        )
    own = (p, *states) if inplace else tuple(_float_copy(a) for a in (p, *states))
    _run_blocks(update, own, np.asarray(g))
    return own


def _run_blocks(update: Callable, own: tuple, g: np.ndarray) -> None:
    """Call `update(p, g, *s)` on `own` = (p, *s): whole, or block by block if p is big."""
    p = own[0]
    if p.nbytes <= _BLOCK_BYTES or not all(a is None or a.flags.c_contiguous for a in own):
        update(p, g, *own[1:])  # (a strided view is updated whole: no flat views of it)
        return
    size = _BLOCK_BYTES // p.itemsize
    flat = [None if a is None else a.reshape(-1) for a in own]  # views: updates land in own
    g = g.reshape(-1)
    for start in range(0, p.size, size):
        block = slice(start, start + size)
        update(flat[0][block], g[block], *(None if a is None else a[block] for a in flat[1:]))


def _last_lr(lr: Schedule, state: Any) -> float:
    """The learning rate the latest step used; ValueError before the first step."""
    if state.t < 1:
        raise ValueError("state: expected a state after at least one step (t >= 1), got t=0")
    return float(lr(state.t - 1))


def _tree(fn: Callable, *trees: Params | None) -> Params:
    """Apply `fn` leafwise to trees of the same structure."""
    if isinstance(trees[0], Mapping):
        return {k: fn(*(t[k] for t in trees)) for k in trees[0]}
    return fn(*trees)


# ---------------------------------------------------------------------------------------
# The optimisers.


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
    dampening = float(dampening)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            "nesterov: expected momentum > 0 and dampening = 0 with nesterov=True, "
            f"got momentum={momentum!r}, dampening={dampening!r}"
        )

    def init(params: Params) -> SGDState:
        params = _as_params(params)
        return SGDState(t=0, buf=_zeros(params) if momentum else None)

    def step(
        params: Params, grads: Params, state: SGDState, *, inplace: bool = False
    ) -> tuple[Params, SGDState]:
        _check_grads(grads, params)
        eta = float(lr_fn(state.t))  # a Python float keeps float32 params float32

        def update(p, g, b):  # updates p and b in place (see _map)
            if weight_decay:
                g = g + weight_decay * p
            if momentum:
                if state.t == 0:
                    b[...] = g  # b ← g
                else:
                    b *= momentum
                    b += (1 - dampening) * g  # b ← μ·b + (1−τ)·g
                g = g + momentum * b if nesterov else b
            p -= eta * g

        params, buf = _map(update, params, grads, state.buf, inplace=inplace)
        return params, SGDState(state.t + 1, buf)

    def rate(state: SGDState) -> float:
        return _last_lr(lr_fn, state)

    hyper = dict(
        lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov
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
        return AdaGradState(t=0, sum_sq=_zeros(_as_params(params), init_acc))

    def step(params: Params, grads: Params, state: AdaGradState, *, inplace: bool = False):
        _check_grads(grads, params)
        t = state.t + 1
        eta_t = float(lr_fn(state.t)) / (1 + (t - 1) * lr_decay)

        def update(p, g, G):  # updates p and G in place (see _map)
            if weight_decay:
                g = g + weight_decay * p
            G += g * g
            p -= eta_t * (g / (np.sqrt(G) + eps))

        params, sum_sq = _map(update, params, grads, state.sum_sq, inplace=inplace)
        return params, AdaGradState(t, sum_sq)

    def rate(state: AdaGradState) -> Params:
        eta_t = _last_lr(lr_fn, state) / (1 + (state.t - 1) * lr_decay)
        return _tree(lambda G: eta_t / (np.sqrt(G) + eps), state.sum_sq)

    hyper = dict(
        lr=lr,
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

    def init(params: Params) -> RMSPropState:
        params = _as_params(params)
        return RMSPropState(
            t=0,
            v=_zeros(params),
            g_avg=_zeros(params) if centered else None,
            buf=_zeros(params) if momentum > 0 else None,
        )

    def step(params: Params, grads: Params, state: RMSPropState, *, inplace: bool = False):
        _check_grads(grads, params)
        eta = float(lr_fn(state.t))  # a Python float keeps float32 params float32

        def update(p, g, v, g_avg, b):  # updates p, v, g_avg, b in place (see _map)
            if weight_decay:
                g = g + weight_decay * p
            v *= alpha
            v += (1 - alpha) * g * g  # v ← α·v + (1−α)·g²
            if centered:
                g_avg *= alpha
                g_avg += (1 - alpha) * g  # ḡ ← α·ḡ + (1−α)·g
                d = np.sqrt(v - g_avg * g_avg) + eps
            else:
                d = np.sqrt(v) + eps
            if momentum > 0:
                b *= momentum
                b += g / d  # b ← μ·b + g/d
                p -= eta * b
            else:
                p -= eta * (g / d)

        params, v, g_avg, buf = _map(
            update, params, grads, state.v, state.g_avg, state.buf, inplace=inplace
        )
        return params, RMSPropState(state.t + 1, v, g_avg, buf)

    def rate(state: RMSPropState) -> Params:
        eta = _last_lr(lr_fn, state)
        if centered:
            return _tree(lambda v, m: eta / (np.sqrt(v - m * m) + eps), state.v, state.g_avg)
        return _tree(lambda v: eta / (np.sqrt(v) + eps), state.v)

    hyper = dict(
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
    )
    return Optimizer(init, step, lr_fn, rate, "rmsprop", hyper)


def _adam(lr, betas, eps, weight_decay, amsgrad, decoupled: bool, name: str) -> Optimizer:
    """Adam and AdamW share everything but where the weight decay goes."""
    lr_fn = _as_schedule(lr)
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"betas: expected a pair (beta1, beta2), got {betas!r}")
    beta1 = check_range("betas[0]", betas[0], 0.0, 1.0)
    beta2 = check_range("betas[1]", betas[1], 0.0, 1.0)
    eps = check_positive("eps", eps, strict=False)
    weight_decay = check_positive("weight_decay", weight_decay, strict=False)

    def init(params: Params) -> AdamState:
        params = _as_params(params)
        v_max = _zeros(params) if amsgrad else None
        return AdamState(t=0, m=_zeros(params), v=_zeros(params), v_max=v_max)

    def step(params: Params, grads: Params, state: AdamState, *, inplace: bool = False):
        _check_grads(grads, params)
        t = state.t + 1
        eta = float(lr_fn(state.t))  # a Python float keeps float32 params float32
        bc1, bc2 = 1 - beta1**t, 1 - beta2**t  # bias corrections: m̂ = m/bc1, v̂ = v/bc2

        # η·m̂/(√v̂ + ε) = η_t·m/(√v + ε̂), η_t = η·√bc2/bc1, ε̂ = ε·√bc2: the form of Kingma &
        # Ba's Algorithm 1 note, one pass over the array fewer than dividing v by bc2 first.
        eta_t, eps_hat = eta * math.sqrt(bc2) / bc1, eps * math.sqrt(bc2)

        def update(p, g, m, v, v_max):  # updates p, m, v, v_max in place (see _map)
            if weight_decay and decoupled:
                p *= 1 - eta * weight_decay
            elif weight_decay:
                g = g + weight_decay * p
            m *= beta1
            m += (1 - beta1) * g  # m ← β₁·m + (1−β₁)·g
            v *= beta2
            v += (1 - beta2) * (g * g)  # v ← β₂·v + (1−β₂)·g²
            if amsgrad:
                np.maximum(v_max, v, out=v_max)
            d = np.sqrt(v_max if amsgrad else v)
            d += eps_hat  # d ← √v + ε̂
            np.divide(m, d, out=d)
            d *= eta_t
            p -= d  # p ← p − η_t·m/d

        params, m, v, v_max = _map(
            update, params, grads, state.m, state.v, state.v_max, inplace=inplace
        )
        return params, AdamState(t, m, v, v_max)

    def rate(state: AdamState) -> Params:
        eta = _last_lr(lr_fn, state)
        sqrt_bc2 = math.sqrt(1 - beta2**state.t)
        v = state.v_max if amsgrad else state.v
        return _tree(lambda v_: eta / (np.sqrt(v_) / sqrt_bc2 + eps), v)

    hyper = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
    return Optimizer(init, step, lr_fn, rate, name, hyper)


def adam(
    lr: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    """Adam: momentum on g plus RMSProp on g², both bias-corrected (torch Adam).

    Shapes: params and grads alike, one array of any shape or a dict of arrays.

        g ← g + λ·p                       (weight_decay λ: L2 folded into the gradient)
        m ← β₁·m + (1−β₁)·g
        v ← β₂·v + (1−β₂)·g²
        v ← max(v_max, v)                 (amsgrad keeps the running maximum v_max)
        m̂ ← m/(1−β₁ᵗ);  v̂ ← v/(1−β₂ᵗ)
        p ← p − η·m̂ / (√v̂ + ε)

    At t = 1, m̂ = g and v̂ = g², so the first step moves every coordinate by ≈ η (claim C34).
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad, decoupled=False, name="adam")


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
        v ← max(v_max, v)                 (amsgrad)
        m̂ ← m/(1−β₁ᵗ);  v̂ ← v/(1−β₂ᵗ)
        p ← p − η·m̂ / (√v̂ + ε)

    The decay is not divided by √v̂, unlike Adam's L2 term (claim C35); with λ = 0 it is Adam.
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad, decoupled=True, name="adamw")


def effective_lr(state: Any, opt: Optimizer) -> Params | float:
    """The per-coordinate rate of the latest step: what multiplies g (or m̂) in the update.

    Shapes: like the parameters (a float for SGD, whose rate is the same everywhere).

        AdaGrad  ηₜ/(√G + ε)      RMSProp  η/(√v + ε)  (√(v − ḡ²) if centered)
        Adam(W)  η/(√v̂ + ε)       SGD      η
    """
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
        arrays = params.values() if isinstance(params, Mapping) else [params]
        for p in arrays:
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise ValueError(
                    f"params: expected float numpy arrays to update in place, got "
                    f"{type(p).__name__} with dtype {getattr(p, 'dtype', None)}"
                )
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
        if isinstance(self.params, Mapping):
            for k, p in self.params.items():
                np.copyto(p, new[k])
        else:
            np.copyto(self.params, new)
        return self.params

    def effective_lr(self) -> Params | float:
        """Per-coordinate rate of the latest step (see `effective_lr`)."""
        return self.opt.rate(self.state)

    def __repr__(self) -> str:
        return f"InPlace({self.opt!r}, t={self.state.t})"
