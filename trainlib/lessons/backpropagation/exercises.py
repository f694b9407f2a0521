"""Exercises of 05_backpropagation: tanh's backward derived, ∂L/∂W1 of a tanh network under a
summed loss by hand,
a backward that overwrites instead of adding (debug), and the cost of the backward pass
(predict)."""

import numpy as np

from trainlib import twolayer
from trainlib.exercises import Exercise, Mistake
from trainlib.gradcheck import numerical_gradient, rel_error
from trainlib.lessons.backpropagation.experiments import example_problem
from trainlib.losses import bce_with_logits, sigmoid

# ---------------------------------------------------------------------------------------------
# 05 — (derive) one autodiff operation's backward: tanh, its derivative written through out
# ---------------------------------------------------------------------------------------------


def _tanh_backward(a: np.ndarray, out: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """∂L/∂a for out = tanh(a): local d tanh/da = 1 − tanh²(a) = 1 − out², times upstream dout.

    Derivation: tanh = s/c with s = eᵃ − e⁻ᵃ, c = eᵃ + e⁻ᵃ, s′ = c, c′ = s, so
    tanh′ = (c·c − s·s)/c² = 1 − (s/c)². Shapes: all alike. `a` is not used: the engine
    does not keep it (the checker passes a = NaN).
    """
    return (1 - out**2) * dout


def _tanh_case(seed: int, shape: tuple) -> tuple:
    """(a, out, dout) with a = NaN: only out = tanh(a) may be used (the engine keeps no a)."""
    rng = np.random.default_rng(seed)
    out = np.tanh(1.5 * rng.standard_normal(shape))
    return np.full(shape, np.nan), out, rng.standard_normal(shape)  # a random upstream


def _uses_a(got, expected, args) -> bool:
    return bool(np.isnan(np.asarray(got, dtype=float)).any())


tanh_backward_exercise = Exercise(
    "tanh_backward",
    reference=_tanh_backward,
    cases=[_tanh_case(0, (4,)), _tanh_case(1, (3, 2)), _tanh_case(2, (2, 5))],
    mistakes=[
        Mistake(
            "your result contains NaN: the checker passes a = NaN, because the engine does not "
            "keep a — write the derivative through out = tanh(a) alone (1 − tanh²(a) = 1 − out²).",
            example=lambda a, out, dout: (1 - np.tanh(a) ** 2) * dout,
            detect=_uses_a,
        ),
        Mistake(
            "you returned the local gradient 1 − out² alone. Backward must multiply it by "
            "the upstream gradient dout = ∂L/∂out (local × upstream) — that is the chain rule.",
            example=lambda a, out, dout: 1 - out**2,
        ),
        Mistake(
            "you used σ's derivative out·(1 − out); tanh's is 1 − out².",
            example=lambda a, out, dout: out * (1 - out) * dout,
        ),
        Mistake(
            "you used 1 + out²: the quotient rule gives (c·c − s·s)/c² with s = eᵃ − e⁻ᵃ, "
            "c = eᵃ + e⁻ᵃ — a minus sign, so 1 − out².",
            example=lambda a, out, dout: (1 + out**2) * dout,
        ),
        Mistake(
            "you squared (1 − out); tanh′ = 1 − out², i.e. `1 - out**2` (** binds before −).",
            example=lambda a, out, dout: (1 - out) ** 2 * dout,
        ),
    ],
    success="Correct! d tanh/da = 1 − out²: the backward needs only the output the forward "
    "pass kept, not a. This is exactly the `_backward` of `Tensor.tanh` in trainlib.autodiff.",
    kind="derive",
)


# ---------------------------------------------------------------------------------------------
# 05 — ∂L/∂W1 of the two-layer net with a tanh hidden layer and the SUMMED BCE over the batch
# ---------------------------------------------------------------------------------------------


def tanh_forward(params: dict, x, y) -> dict:
    """The two-layer net of `trainlib.twolayer` with tanh instead of ReLU: a1 = tanh(z1).

    Shapes: x (N, D), y (N,) or (N, 1); returns x, y (N, 1), z1 (N, H), a1 = tanh(z1) (N, H),
    yhat (N, 1) and the mean BCE `loss` (computed from the logit, as BCE-with-logits).
    """
    c = twolayer.forward(params, x, y)  # validates; reuse its x, y and z1
    a1 = np.tanh(c["z1"])
    z2 = a1 @ np.asarray(params["W2"]) + np.asarray(params["b2"])
    return {
        "x": c["x"],
        "y": c["y"],
        "z1": c["z1"],
        "a1": a1,
        "yhat": sigmoid(z2),
        "loss": bce_with_logits(z2, c["y"])[0],
    }


def _dW1(x: np.ndarray, y: np.ndarray, a1: np.ndarray, yhat: np.ndarray, W2: np.ndarray):
    """∂L/∂W1 of the summed BCE L = Σₙ ℓₙ for a1 = tanh(z1), from the cached a1. Shapes:
    x (N, D), y (N, 1), a1 (N, H), yhat (N, 1), W2 (H, 1).

    The summed loss is N times the mean, so every gradient is N times the mean's: the error
    signal is ŷ − y with no 1/N.
    """
    dz2 = yhat - y  # ∂L/∂z2 = ŷ − y: ∂ℓₙ/∂z2ₙ = ŷₙ − yₙ, and the sum has no 1/N
    da1 = dz2 @ W2.T  # ∂L/∂a1 = ∂L/∂z2 · W2ᵀ
    dz1 = da1 * (1 - a1**2)  # ∂L/∂z1 = ∂L/∂a1 ⊙ tanh′(z1), tanh′ = 1 − tanh² = 1 − a1²
    return x.T @ dz1  # ∂L/∂W1 = xᵀ · ∂L/∂z1


def _cache_case(seed: int, N: int, D: int, H: int) -> tuple:
    """(x, y, a1, yhat, W2) from a tanh forward pass; D ≠ H so that a transpose shows."""
    params, x, y = example_problem(rng=np.random.default_rng(seed), N=N, D=D, H=H)
    c = tanh_forward(params, x, y)
    return c["x"], c["y"], c["a1"], c["yhat"], params["W2"]


_DW1_CASES = [_cache_case(0, 6, 2, 4), _cache_case(1, 5, 3, 4), _cache_case(2, 8, 4, 3)]


def _transposed(got, expected, args) -> bool:
    return np.ndim(got) == 2 and np.shape(got) == np.shape(expected)[::-1]


def _with_local(local):
    """∂L/∂W1 with the hidden layer's local gradient replaced by local(a1)."""
    return lambda x, y, a1, yhat, W2: x.T @ ((yhat - y) @ W2.T * local(a1))


_DW1_MISTAKES = [
    Mistake(
        "your result has shape (H, D), W1's shape reversed. A gradient always has the shape "
        "of its parameter: with rows as examples, ∂L/∂W1 = xᵀ · ∂L/∂z1, shape (D, N)·(N, H) "
        "= (D, H) — the text's ∂L/∂z1 · xᵀ is the column-vector version.",
        example=lambda x, y, a1, yhat, W2: _dW1(x, y, a1, yhat, W2).T,
        detect=_transposed,
    ),
    Mistake(
        "you multiplied by σ′ = ŷ(1 − ŷ) again: ∂L/∂z2 = ŷ − y already contains it — "
        "σ's derivative cancels the denominator of BCE's ∂L/∂ŷ (section \"The backward "
        'pass, right to left"), so the chain starts from ŷ − y.',
        example=lambda x, y, a1, yhat, W2: (
            x.T @ ((yhat - y) * yhat * (1 - yhat) @ W2.T * (1 - a1**2))
        ),
    ),
    Mistake(
        "you used ReLU's mask 1[a1 > 0], but this network's hidden layer is tanh: its local "
        "gradient is tanh′(z1) = 1 − tanh²(z1) = 1 − a1² (exercise 1), from the cached a1.",
        example=_with_local(lambda a1: a1 > 0),
    ),
    Mistake(
        "you used σ's derivative a1·(1 − a1); tanh's is 1 − a1² (exercise 1).",
        example=_with_local(lambda a1: a1 * (1 - a1)),
    ),
    Mistake(
        "you left out the hidden layer's local gradient: ∂L/∂z1 = ∂L/∂a1 ⊙ (1 − a1²), "
        "not ∂L/∂a1 — every operation on the path multiplies in its own local gradient.",
        example=_with_local(lambda a1: 1.0),
    ),
    Mistake(
        "you squared (1 − a1); tanh′ = 1 − a1², i.e. `1 - a1**2` (** binds before −).",
        example=_with_local(lambda a1: (1 - a1) ** 2),
    ),
    Mistake(
        "you left out ∂z2/∂a1 = W2: ∂L/∂a1 = ∂L/∂z2 · W2ᵀ, shape (N, 1)·(1, H) = (N, H). "
        "(Without it the (N, 1) error signal broadcasts over the H columns and runs anyway.)",
        example=lambda x, y, a1, yhat, W2: x.T @ ((yhat - y) * (1 - a1**2)),
    ),
    Mistake(
        "you applied tanh again: 1 − tanh²(a1). The cache already holds a1 = tanh(z1), so "
        "tanh′(z1) = 1 − a1².",
        example=_with_local(lambda a1: 1 - np.tanh(a1) ** 2),
    ),
    Mistake(
        "your gradient has the wrong sign: the error signal is ŷ − y (prediction minus "
        "label), not y − ŷ.",
        example=lambda x, y, a1, yhat, W2: -_dW1(x, y, a1, yhat, W2),
    ),
    # the scale slips: these stand alone (below, the others get a mean-scale twin)
]
_DW1_SCALE_MISTAKES = [
    Mistake(
        "your gradient is N times too small: that is the gradient of the MEAN loss. This "
        "loss is the sum Σₙ ℓₙ = N × the mean, so each example's error signal ŷₙ − yₙ "
        "enters once, undivided: ∂L/∂z2 = ŷ − y, not (ŷ − y)/N.",
        example=lambda x, y, a1, yhat, W2: _dW1(x, y, a1, yhat, W2) / len(x),
    ),
    Mistake(
        "your gradient is N times too large: you multiplied by N. The sum has no 1/N to "
        "undo — ∂L/∂z2 = ŷ − y, and xᵀ · ∂L/∂z1 adds the N examples' contributions itself.",
        example=lambda x, y, a1, yhat, W2: len(x) * _dW1(x, y, a1, yhat, W2),
    ),
]
MEAN_SLIP = (
    "two slips. Your gradient is N times too small: you kept the mean's 1/N, but this loss is "
    "the sum, so ∂L/∂z2 = ŷ − y. And "
)


def _mean_twin(mistake: Mistake) -> Mistake:
    """The same slip made at the mean's scale (the 1/N kept too): MEAN_SLIP, then its hint
    with "also" (reworded, so that the single slip's hint does not match this message too)."""
    hint = mistake.hint.replace("you ", "you also ", 1).replace("gradient has", "gradient also has")
    if hint == mistake.hint:
        raise ValueError(f"mistake: expected a hint starting 'you …', got {mistake.hint!r}")

    def example(x, y, a1, yhat, W2):
        return mistake.example(x, y, a1, yhat, W2) / len(x)

    return Mistake(MEAN_SLIP + hint, example=example)


my_dW1_exercise = Exercise(
    "my_dW1",
    reference=_dW1,
    cases=_DW1_CASES,
    mistakes=[
        *_DW1_MISTAKES,
        *_DW1_SCALE_MISTAKES,
        *(_mean_twin(m) for m in _DW1_MISTAKES if m.detect is None),
    ],
    success="Correct! That is backprop through tanh and a dense layer, written by hand: the "
    "same chain as for ReLU, with tanh's local gradient in place of the mask and no 1/N — "
    "summing instead of averaging scales every gradient by N, so plain gradient descent on a "
    "summed loss needs an N times smaller learning rate for the same step. Run the gradient "
    "check below.",
    kind="implement",
)


def gradcheck_my_dW1(my_dW1, params: dict, x, y) -> float | None:
    """Check a student's ∂L/∂W1 of the tanh net's SUMMED BCE against central differences.

    Calls ``my_dW1(x, y, a1, yhat, W2)`` with the cache of ``tanh_forward(params, x, y)`` and
    compares with central differences of N × its mean loss; prints the error.
    Returns the relative error, or None (printing "not attempted yet") while the stub is
    untouched.
    """
    c = tanh_forward(params, x, y)
    try:
        dW1 = my_dW1(c["x"], c["y"], c["a1"], c["yhat"], np.asarray(params["W2"]))
    except NotImplementedError:
        print("gradient check: not attempted yet — fill in my_dW1 above first.")
        return None
    if np.shape(dW1) != np.shape(params["W1"]):
        print(f"gradient check: ∂L/∂W1 must have W1's shape {np.shape(params['W1'])}, "
              f"got {np.shape(dW1)}.")  # fmt: skip
        return None
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    n = len(c["x"])
    fd = numerical_gradient(
        lambda: np.asarray(n * tanh_forward(p, x, y)["loss"]), p["W1"], 1.0, 1e-5
    )  # the summed loss: N × the mean
    err = rel_error(np.asarray(dW1, dtype=float), fd)
    verdict = "passes" if err < 1e-7 else "fails"
    print(f"gradient check: relative error {err:.1e} vs central differences — {verdict} (< 1e-7)")
    return err


# ---------------------------------------------------------------------------------------------
# 05 — (debug) a hand-written backward of a branching graph that overwrites instead of adding
# ---------------------------------------------------------------------------------------------


def _branch_grads(x: float, y: float) -> np.ndarray:
    """[∂f/∂x, ∂f/∂y] of f = (x·y + x)·y by a backward pass that adds over every use.

    x feeds p = x·y and b = p + x; y feeds p and f = b·y. Exact: ∂f/∂x = y² + y,
    ∂f/∂y = 2xy + x. Shapes: scalars → (2,).
    """
    p = x * y
    b = p + x
    dx, dy = 0.0, 0.0
    db = y  # f = b·y: ∂f/∂b = y
    dy += b  # f = b·y: ∂f/∂y = b (y's first use, seen from the output)
    dp = db  # b = p + x
    dx += db  # b = p + x (x's first use)
    dx += y * dp  # p = x·y (x's second use)
    dy += x * dp  # p = x·y (y's second use)
    return np.array([dx, dy])


# The four one-path terms: x reaches f directly through b = p + x (local 1, times ∂f/∂b = y) and
# through p = x·y (y·∂f/∂p = y²); y reaches f through f = b·y (b = xy + x) and through p (x·y).
_X_PATHS = {
    "direct": (lambda x, y: y, "x's direct path into b = p + x (local 1, times ∂f/∂b = y)"),
    "p": (lambda x, y: y * y, "x's path through p = x·y (local y, times ∂f/∂p = y)"),
}
_Y_PATHS = {
    "f": (lambda x, y: x * y + x, "y's path through f = b·y (local ∂f/∂y = b)"),
    "p": (lambda x, y: x * y, "y's path through p = x·y (local x, times ∂f/∂p = y)"),
}


def _branch_lost(x: float, y: float, *, lose_x: str | None, lose_y: str | None) -> np.ndarray:
    """The gradients with x's path `lose_x` and/or y's path `lose_y` dropped (None: kept)."""
    dx = sum(term(x, y) for name, (term, _) in _X_PATHS.items() if name != lose_x)
    dy = sum(term(x, y) for name, (term, _) in _Y_PATHS.items() if name != lose_y)
    return np.array([dx, dy], dtype=float)


def _lost_path(lose_x: str | None, lose_y: str | None) -> Mistake:
    """The hint for any other combination of lost paths: it names each one."""
    lost = [f"∂f/∂x lost {_X_PATHS[lose_x][1]}"] if lose_x else []
    lost += [f"∂f/∂y lost {_Y_PATHS[lose_y][1]}"] if lose_y else []
    count = "one path is" if len(lost) == 1 else "two paths are"
    hint = (
        f"{count} still lost: "
        + " and ".join(lost)
        + ". A line with `=` overwrote what an earlier use stored (check the "
        "order of your lines too): each gradient is the SUM over its uses — accumulate with `+=`."
    )
    return Mistake(hint, example=lambda x, y: _branch_lost(x, y, lose_x=lose_x, lose_y=lose_y))


_COLLEAGUE_LOSSES = {("direct", "f"), (None, "f"), ("direct", None)}  # hinted one by one below

branch_grads_exercise = Exercise(
    "my_branch_grads",
    reference=_branch_grads,
    cases=[(2.0, 3.0), (-1.5, 0.5), (0.7, -2.0), (3.0, 1.0)],
    mistakes=[
        Mistake(
            "both gradients still lose a path: `=` overwrites what an earlier use stored. "
            "x is used twice (in p = x·y and in b = p + x) and y twice (in p and in f = b·y); "
            "each gradient is the SUM over its uses: accumulate with `+=`.",
            example=lambda x, y: _branch_lost(x, y, lose_x="direct", lose_y="f"),
        ),
        Mistake(
            "∂f/∂x is right now, but ∂f/∂y still lost the path through f = b·y (local ∂f/∂y = b): "
            "the line `dy = x * dp` overwrote it. Add it: `dy += ...`.",
            example=lambda x, y: _branch_lost(x, y, lose_x=None, lose_y="f"),
        ),
        Mistake(
            "∂f/∂y is right now, but ∂f/∂x still lost x's direct path into b = p + x (local 1, "
            "times ∂f/∂b = y): the line `dx = y * dp` overwrote it. Add it: `dx += ...`.",
            example=lambda x, y: _branch_lost(x, y, lose_x="direct", lose_y=None),
        ),
        *(
            _lost_path(lx, ly)
            for lx in (None, "direct", "p")
            for ly in (None, "f", "p")
            if (lx or ly) and (lx, ly) not in _COLLEAGUE_LOSSES
        ),
        Mistake(
            "you counted a path twice: ∂f/∂x = y² + y (one term per use of x), ∂f/∂y = 2xy + x.",
            example=lambda x, y: np.array([y * y + 2 * y, 2 * x * y + 2 * x]),
        ),
    ],
    success="Fixed! ∂f/∂x = y² + y and ∂f/∂y = 2xy + x: a value used twice collects the "
    "gradient of each use. That is why every `_backward` in trainlib.autodiff writes "
    "`self.grad += …`, and why `backward()` zeroes all grads first.",
    kind="debug",
)

# ---------------------------------------------------------------------------------------------
# 05 — (predict) how much more arithmetic the backward pass does than the forward pass
# ---------------------------------------------------------------------------------------------


def _backward_cost() -> float:
    """Multiply-adds of the backward pass ÷ the forward pass's for a 784-256-256-10 net.

    Per example a layer d → d′ does d·d′ forward; backward ∂L/∂W (d·d′) for every layer and
    ∂L/∂x (d·d′) for all but the first. (`cost.dense_flops` counts the same.)
    """
    sizes = (784, 256, 256, 10)
    per_layer = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return (2 * sum(per_layer) - per_layer[0]) / sum(per_layer)


predict_backward_cost_exercise = Exercise(
    "predict_backward_cost",
    reference=_backward_cost,
    cases=[()],
    mistakes=[
        Mistake(
            "2 would hold if every layer computed both ∂L/∂W and ∂L/∂x — but the first layer's "
            "∂L/∂x is the gradient of the data, which training never needs. Which layer has "
            "the most multiply-adds?",
            example=lambda: 2.0,
        ),
        Mistake(
            "3 is forward + backward together (1 + 2) when every layer needs ∂L/∂x; the "
            "question is the backward pass alone, divided by the forward pass.",
            example=lambda: 3.0,
        ),
        Mistake(
            "1 would mean one product per layer backwards; each layer needs ∂L/∂W = xᵀ·dout "
            "and (except the first) ∂L/∂x = dout·Wᵀ — two products of the forward's size.",
            example=lambda: 1.0,
        ),
    ],
    success="Right.",
    rtol=0.03,  # a prediction: 1.22–1.29 counts
    kind="predict",
    explain=lambda got, want: (
        f"The count gives {want:.3f}: per layer the backward pass does two products of the "
        f"forward's size (∂L/∂W and ∂L/∂x), but the first layer, 784·256 of the 268,800 "
        f"multiply-adds per example, needs only ∂L/∂W — so (2·268800 − 200704)/268800. "
        f"You said {got}."
    ),
)
