"""Bad input never surprises: a property-based fuzz test of every public entry point.

Entry points are discovered, not listed: every public function and class of the core modules
(their `__all__`, or their public names), the public methods of an instance of each class,
and what a factory returns (an optimiser's `init`/`step`/`rate`, a schedule's `schedule(t)`).
A valid call of each is built from the parameter names (`VALID`, the conventions of
CONTRIBUTING) with `OVERRIDES` where a name is not enough; a new entry point is covered
automatically, and `test_every_entry_point_has_a_valid_call` says which need an override.

Then, for every argument, hypothesis draws wrong values of each kind that fits the argument
(`wrong_values`): None, strings, other types, NaN, ±inf, non-integers, negative, zero, huge,
empty, wrong-ndim and wrong-length arrays. The policy (CONTRIBUTING, "Bad input"):

- a *wrong* value (kinds in `STRICT`) raises ValueError or TypeError whose message names the
  argument, unless it is one of the documented `PASS_THROUGHS`;
- a *probe* (kinds in `PROBES`: zero, negative, huge, empty, other shapes, which some
  arguments accept) may be accepted or rejected the same way;
- never another exception, never a RuntimeWarning.

The counts of one run (cases tried, outcomes by kind) are printed by the last test (`-s`).
"""

from __future__ import annotations

import collections
import inspect
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainlib import (
    autodiff,
    data,
    fit,
    gradcheck,
    init,
    layers,
    losses,
    minibatch,
    optim,
    schedules,
    surfaces,
    train,
    twolayer,
)

MODULES = [losses, init, autodiff, twolayer, gradcheck, optim, schedules, surfaces, data, train,
           minibatch, fit, layers]  # fmt: skip

# Records: plain containers whose fields are checked where they are used (an optimiser's step
# checks its state, `steps_to_tolerance` its path), and the abstract base of the layers.
RECORDS = {"Optimizer", "SGDState", "AdaGradState", "RMSPropState", "AdamState", "Path",
           "LeaderboardEntry", "GDRun", "History", "Surface", "Layer"}  # fmt: skip

# The deliberate pass-throughs: (entry point, argument, kind of wrong value) → why. They mirror
# PyTorch; CONTRIBUTING.md lists the same ones ("Deliberate pass-throughs"), checked below.
PASS_THROUGHS: dict[tuple[str, str, str], str] = {
    ("optim.*.step", "grads", "nan"): "a NaN gradient flows into the params (torch.optim)",
    ("optim.*.step", "grads", "inf"): "an inf gradient flows into the params (torch.optim)",
    ("optim.*.step", "params", "nan"): "a NaN parameter stays NaN (torch.optim)",
    ("optim.*.step", "params", "inf"): "an inf parameter stays inf (torch.optim)",
    ("autodiff.Tensor", "data", "nan"): "a Tensor holds NaN/inf and computes with IEEE rules",
    ("autodiff.Tensor", "data", "inf"): "a Tensor holds NaN/inf and computes with IEEE rules",
    ("autodiff.Tensor.*", "other", "nan"): "an operand with NaN/inf: IEEE rules, as torch",
    ("autodiff.Tensor.*", "other", "inf"): "an operand with NaN/inf: IEEE rules, as torch",
    ("surfaces.Surface.value", "p", "nan"): "a surface evaluates diverged points (descend)",
    ("surfaces.Surface.value", "p", "inf"): "a surface evaluates diverged points (descend)",
    ("surfaces.Surface.grad", "p", "nan"): "a surface evaluates diverged points (descend)",
    ("surfaces.Surface.grad", "p", "inf"): "a surface evaluates diverged points (descend)",
    ("schedules.ReduceLROnPlateau.step", "metric", "nan"): "never an improvement (as torch)",
    ("schedules.ReduceLROnPlateau.step", "metric", "inf"): "never an improvement (as torch)",
}


def is_pass_through(entry: str, arg: str, kind: str) -> bool:
    return any(
        re.fullmatch(re.escape(e).replace(r"\*", r"[^.]+"), entry) and a == arg and k == kind
        for e, a, k in PASS_THROUGHS
    )


# ---------------------------------------------------------------------------------------
# Valid calls: by parameter name (the conventions), overridden where a name is not enough


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _X() -> np.ndarray:
    return rng().standard_normal((6, 3))


def _labels() -> np.ndarray:
    return np.array([0, 1, 2, 0, 1, 2])


def _net() -> Any:
    return layers.Sequential(layers.Dense(3, 4, rng=rng()), layers.ReLU(),
                             layers.Dense(4, 3, rng=rng()))  # fmt: skip


def _quad(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * np.sum(x**2, axis=-1), x


def _ls(theta, X, y):
    return minibatch.least_squares(theta, X, y)


def _tl_params() -> dict:
    return twolayer.init_params(3, 4, rng=rng())


def _path() -> Any:
    return train.descend(_quad, np.ones((2, 2)), optim.sgd(0.1), 3)


# Parameter name → a factory of a valid value (fresh each call: nothing is shared).
VALID: dict[str, Callable[[], Any]] = {
    "rng": rng, "n": lambda: 12, "d": lambda: 2, "D": lambda: 3, "H": lambda: 4,
    "fan_in": lambda: 3, "fan_out": lambda: 2, "in_features": lambda: 3,
    "out_features": lambda: 2, "num_features": lambda: 3, "normalized_shape": lambda: 3,
    "x": _X, "X": _X, "yhat": _X, "z": _X, "p": lambda: np.full((6, 3), 0.3),
    "y": lambda: rng().standard_normal((6, 3)), "lr": lambda: 0.1, "max_lr": lambda: 0.1,
    "T_max": lambda: 10, "total_steps": lambda: 20, "warmup_steps": lambda: 5,
    "step_size": lambda: 3, "gamma": lambda: 0.5, "steps": lambda: 3, "epochs": lambda: 1,
    "batch_size": lambda: 4, "val_fraction": lambda: 0.25, "tol": lambda: 1e-3,
    "max_norm": lambda: 1.0, "clip_value": lambda: 1.0, "sizes": lambda: [3, 4, 2],
    "nonlinearity": lambda: "relu", "f": lambda: _quad, "x0": lambda: np.ones((2, 2)),
    "opt": lambda: optim.sgd(0.1), "grads": lambda: {"W": np.ones((2, 2)), "b": np.ones(2)},
    "params": lambda: {"W": np.ones((2, 2)), "b": np.ones(2)}, "block": lambda: layers.Tanh(),
    "model": _net, "theta": lambda: np.zeros(3), "theta0": lambda: np.zeros(3),
    "loss_and_grad": lambda: _ls, "dout": lambda: np.ones((6, 3)), "t": lambda: 3,
    "metric": lambda: 1.0, "path": _path, "paths": lambda: {"a": _path()},
    "opts": lambda: {"sgd": optim.sgd(0.1)}, "data": _X, "a": _X, "b": _X,
    "other": lambda: rng().standard_normal((6, 3)), "layer": lambda: layers.Tanh(),
}  # fmt: skip

# Entry point → keyword arguments where the names above do not give a valid call.
OVERRIDES: dict[str, Callable[[], dict]] = {
    "losses.bce": lambda: {"p": np.full((6, 1), 0.3), "y": np.ones((6, 1))},
    "losses.bce_with_logits": lambda: {"z": _X(), "y": np.ones((6, 3))},
    "losses.cross_entropy": lambda: {"z": _X(), "y": _labels()},
    "losses.cross_entropy_naive": lambda: {"z": _X(), "y": _labels()},
    "losses.focal_loss": lambda: {"z": _X(), "y": np.ones((6, 3))},
    "losses.kl_div": lambda: {"p": np.full((6, 3), 1 / 3), "q": np.full((6, 3), 1 / 3)},
    "twolayer.forward": lambda: {"params": _tl_params(), "x": _X(), "y": np.ones(6)},
    "twolayer.loss_and_grads": lambda: {"params": _tl_params(), "x": _X(), "y": np.ones(6)},
    "twolayer.backward": lambda: {
        "params": _tl_params(), "cache": twolayer.forward(_tl_params(), _X(), np.ones(6))},
    "gradcheck.numerical_gradient": lambda: _numgrad_call(),
    "gradcheck.gradcheck": lambda: _gradcheck_call(),
    "gradcheck.check_loss": lambda: {"loss": losses.mse, "yhat": _X(), "args": (_X(),),
                                     "rng": rng()},
    "optim.effective_lr": lambda: _effective_lr_call(),
    "optim.InPlace": lambda: {"opt": optim.sgd(0.1), "params": np.ones(3)},
    "optim.steps_in_place": lambda: {"opt": optim.sgd(0.1)},
    "data.minibatches": lambda: {"X": _X(), "y": _labels(), "batch_size": 4, "rng": rng()},
    "data.train_val_split": lambda: {"X": _X(), "y": _labels(), "val_fraction": 0.5,
                                     "rng": rng()},
    "train.race": lambda: {"opts": {"sgd": optim.sgd(0.1)}, "f": _quad,
                           "x0": np.ones((2, 2)), "steps": 3},
    "minibatch.least_squares": lambda: {"theta": np.zeros(4), "X": _X(), "y": np.ones(6)},
    "minibatch.minibatch_gd": lambda: {"loss_and_grad": _ls, "theta0": np.zeros(4),
                                       "X": _X(), "y": np.ones(6), "batch_size": 3,
                                       "epochs": 1, "lr": 0.1, "rng": rng()},
    "minibatch.gd_variants": lambda: {"loss_and_grad": _ls, "theta0": np.zeros(4),
                                      "X": _X(), "y": np.ones(6), "epochs": 1, "lr": 0.1,
                                      "rng": rng()},
    "fit.fit": lambda: {"model": _net(), "loss": losses.cross_entropy, "opt": optim.sgd(0.1),
                        "X": _X(), "y": _labels(), "epochs": 1, "batch_size": 3,
                        "rng": rng()},
    "fit.clip_grad_norm": lambda: {"grads": {"W": np.ones((2, 2))}, "max_norm": 1.0},
    "fit.clip_grad_value": lambda: {"grads": {"W": np.ones((2, 2))}, "clip_value": 1.0},
    "fit.global_norm": lambda: {"grads": {"W": np.ones((2, 2))}},
    "layers.Sequential": lambda: {"layers": (layers.Dense(3, 4, rng=rng()), layers.Tanh())},
    "layers.Residual": lambda: {"block": layers.Dense(3, 3, rng=rng())},
    "layers.buffers": lambda: {"model": _net()},
    "layers.load_params": lambda: {"model": _net(), "values": _net().params},
    "schedules.one_cycle_momentum": lambda: {"total_steps": 20},
    "autodiff.graph": lambda: {"t": autodiff.Tensor(_X()).tanh().sum()},
    "schedules.ReduceLROnPlateau.step": lambda: {"metric": 1.0},
    "surfaces.Surface.grid": lambda: {"n": 5},
    "surfaces.Surface.value": lambda: {"p": np.ones((4, 2))},
    "surfaces.Surface.grad": lambda: {"p": np.ones((4, 2))},
}  # fmt: skip


def _numgrad_call() -> dict:
    x = _X()
    return {"f": lambda: x * 2.0, "x": x, "dout": np.ones((6, 3))}


def _gradcheck_call() -> dict:
    x = _X()
    return {"f": lambda: x * 2.0, "inputs": {"x": x}, "analytic": {"x": 2.0 * np.ones((6, 3))},
            "dout": np.ones((6, 3))}  # fmt: skip


def _effective_lr_call() -> dict:
    opt = optim.adam()
    p = np.ones(2)
    return {"opt": opt, "state": opt.step(p, p, opt.init(p))[1]}


# ---------------------------------------------------------------------------------------
# Discovery


class Entry:
    """One public entry point: `make()` → (callable, valid keyword arguments)."""

    def __init__(self, name: str, make: Callable[[], tuple[Callable, dict]]):
        self.name, self.make = name, make

    def __repr__(self) -> str:
        return self.name


def _valid_kwargs(name: str, fn: Callable) -> dict:
    if name in OVERRIDES:
        return OVERRIDES[name]()
    kw = {}
    for p in inspect.signature(fn).parameters.values():
        if p.name.startswith("_") or p.kind is p.VAR_KEYWORD or p.name == "self":
            continue
        if p.kind is p.VAR_POSITIONAL:
            continue
        if p.default is p.empty:
            if p.name not in VALID:
                raise LookupError(f"{name}: add a valid value for {p.name!r} to OVERRIDES")
            kw[p.name] = VALID[p.name]()
    return kw


def _call(fn: Callable, kw: dict) -> Any:
    """Call `fn` with keyword arguments, *args from the parameter of kind VAR_POSITIONAL."""
    params = inspect.signature(fn).parameters
    pos, rest = [], dict(kw)
    for p in params.values():
        if p.kind is p.VAR_POSITIONAL and p.name in rest:
            pos = [*pos, *rest.pop(p.name)]
        elif p.kind in (p.POSITIONAL_ONLY,) and p.name in rest:
            pos.append(rest.pop(p.name))
    if any(p.kind is p.VAR_POSITIONAL for p in params.values()):
        # parameters before *args must be positional too
        names = [p.name for p in params.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        pos = [rest.pop(n) for n in names if n in rest] + pos
    out = fn(*pos, **rest)
    if inspect.isgenerator(out):
        out = list(out)  # a generator checks its arguments when it runs
    return out


def _public(mod) -> list[str]:
    names = getattr(mod, "__all__", None) or [k for k in vars(mod) if not k.startswith("_")]
    return sorted(names)


def _methods(cls_name: str, make_instance: Callable[[], Any]) -> list[Entry]:
    """Public methods of an instance (forward before backward: backward needs a forward)."""
    obj = make_instance()
    out = []
    for m in sorted(dir(obj)):
        if m.startswith("_") or not inspect.ismethod(getattr(obj, m, None)):
            continue  # (a field holding a function or a layer is not a method)
        if inspect.isclass(getattr(obj, m)) or m in ("clear_cache", "held_arrays"):
            continue
        if not inspect.signature(getattr(obj, m)).parameters:
            continue  # nothing to pass wrong values to
        name = f"{cls_name}.{m}"

        def make(m=m, name=name):
            inst = make_instance()
            fn = getattr(inst, m)
            kw = _valid_kwargs(name, fn)
            if m != "forward" and isinstance(inst, layers.Layer):  # after a forward pass
                out = inst.forward(_X())
                if "dout" in kw:
                    kw["dout"] = rng().standard_normal(out.shape)
            return fn, kw

        out.append(Entry(name, make))
    return out


def _layer_instance(cls) -> Callable[[], Any]:
    def make():
        return _call(cls, _valid_kwargs(f"layers.{cls.__name__}", cls))

    return make


def discover() -> list[Entry]:
    entries: list[Entry] = []
    for mod in MODULES:
        short = mod.__name__.split(".")[-1]
        for k in _public(mod):
            obj = getattr(mod, k)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or k in RECORDS:
                continue
            if not getattr(obj, "__module__", "").startswith(mod.__name__):
                continue
            name = f"{short}.{k}"
            entries.append(Entry(name, lambda obj=obj, name=name: (obj, _valid_kwargs(name, obj))))
            if inspect.isclass(obj) and issubclass(obj, layers.Layer):
                entries += _methods(name, _layer_instance(obj))
            elif inspect.isclass(obj) and obj is schedules.ReduceLROnPlateau:
                entries += _methods(name, lambda: schedules.ReduceLROnPlateau(0.1))
    entries += _methods("surfaces.Surface", lambda: surfaces.bowl(3.0))
    entries += _methods("autodiff.Tensor", lambda: autodiff.Tensor(_X()))
    entries += [e for e in _factory_products() if e.name not in {x.name for x in entries}]
    return entries


def _factory_products() -> list[Entry]:
    """What the factories return: each optimiser's init/step/rate, each schedule(t)."""
    out = []
    for make_opt in optim.OPTIMIZERS.values():
        base = f"optim.{make_opt.__name__}"
        p = {"W": np.ones((2, 2)), "b": np.ones(2)}

        def init(make_opt=make_opt):
            return make_opt(0.1).init, {"params": {"W": np.ones((2, 2)), "b": np.ones(2)}}

        def step(make_opt=make_opt, p=p):
            opt = make_opt(0.1)
            return opt.step, {"params": p, "grads": VALID["grads"](), "state": opt.init(p)}

        def rate(make_opt=make_opt, p=p):
            opt = make_opt(0.1)
            return opt.rate, {"state": opt.step(p, VALID["grads"](), opt.init(p))[1]}

        out += [Entry(f"{base}.init", init), Entry(f"{base}.step", step),
                Entry(f"{base}.rate", rate)]  # fmt: skip
    for k in _public(schedules):
        fn = getattr(schedules, k)
        if inspect.isfunction(fn) and fn.__module__ == schedules.__name__:
            name = f"schedules.{k}.schedule"
            out.append(
                Entry(
                    name,
                    lambda fn=fn, k=k: (_call(fn, _valid_kwargs(f"schedules.{k}", fn)), {"t": 3}),
                )
            )
    return out


ENTRIES = discover()


# ---------------------------------------------------------------------------------------
# Wrong values, by kind, as hypothesis strategies

STRICT = {"none", "string", "object", "nan", "inf", "non-integer", "bool", "text-array",
          "wrong-type"}  # fmt: skip
# (a list of numbers is an array to many arguments: params, t of a schedule, gamma, …)
PROBES = {"zero", "negative", "huge", "empty", "extra-axis", "fewer-axes", "wrong-length",
          "list"}  # fmt: skip


def _with(arr: np.ndarray, value: float, i: int) -> np.ndarray:
    a = np.array(arr, dtype=np.float64, copy=True)
    a.flat[i % a.size] = value
    return a


def wrong_values(valid: Any, none_ok: bool) -> list[tuple[str, st.SearchStrategy]]:
    """(kind, strategy) pairs of wrong values for an argument whose valid value is `valid`."""
    kinds: list[tuple[str, st.SearchStrategy]] = [] if none_ok else [("none", st.none())]
    kinds.append(("object", st.builds(object)))
    if valid is None:  # an optional argument left out (a number, a name, …): an object is wrong
        return kinds
    if isinstance(valid, bool | np.bool_):
        return [*kinds, ("string", st.text(max_size=3)), ("wrong-type", st.floats(0.1, 5))]
    if isinstance(valid, str):  # a choice ("relu"), or free text when its default is ""
        text = [] if valid == "" else [("string", st.text(max_size=5).map(lambda s: "~" + s))]
        return [*kinds, *text, ("wrong-type", st.integers(-3, 3))]
    if isinstance(valid, int | float | np.integer | np.floating):
        kinds += [
            ("string", st.one_of(st.text(max_size=3), st.just(str(valid)))),
            ("bool", st.booleans()),
            ("nan", st.just(math.nan)),
            ("inf", st.sampled_from([math.inf, -math.inf])),
            ("negative", st.floats(-1e6, -1e-6)),
            ("zero", st.just(0 if isinstance(valid, int) else 0.0)),
            ("list", st.just([valid])),
        ]
        if isinstance(valid, int | np.integer):  # (no huge counts: they are slow, not wrong)
            kinds.append(("non-integer", st.floats(0.1, 50).filter(lambda v: v != int(v))))
        else:
            kinds.append(("huge", st.sampled_from([1e12, 1e300])))
        return kinds
    if isinstance(valid, np.ndarray) and valid.size:
        n = valid.size
        kinds += [
            ("string", st.text(max_size=3)),
            ("text-array", st.just(np.full(valid.shape, "a"))),
            ("nan", st.integers(0, n - 1).map(lambda i: _with(valid, math.nan, i))),
            ("inf", st.tuples(st.integers(0, n - 1), st.sampled_from([math.inf, -math.inf]))
             .map(lambda iv: _with(valid, iv[1], iv[0]))),
            ("empty", st.just(np.empty((0, *valid.shape[1:])))),
            ("extra-axis", st.just(valid[..., None])),
            ("wrong-length", st.just(np.concatenate([valid, valid[:1]]) if valid.ndim else
                                     np.ones(2))),
        ]  # fmt: skip
        if valid.ndim:
            kinds.append(
                (
                    "fewer-axes",
                    st.just(
                        valid.reshape(-1)[0]
                        if valid.ndim == 1
                        else valid.reshape(valid.shape[0], -1)[:, 0]
                    ),
                )
            )
        if valid.dtype.kind == "f":
            kinds.append(("negative", st.just(-np.abs(valid) - 1)))
        return kinds
    if isinstance(valid, dict):
        return [*kinds, ("string", st.text(max_size=3)), ("list", st.just([1.0])),
                ("empty", st.just({}))]  # fmt: skip
    if type(valid) in (list, tuple):
        return [*kinds, ("string", st.text(max_size=3)), ("wrong-type", st.just(3.5)),
                ("empty", st.just(type(valid)()))]  # fmt: skip
    # objects: a generator, a layer, an optimiser, a function, a Tensor, a state, …
    return [*kinds, ("string", st.text(max_size=3)), ("wrong-type", st.integers(-3, 3))]


# ---------------------------------------------------------------------------------------
# The policy

COUNTS: collections.Counter = collections.Counter()
CASES: collections.Counter = collections.Counter()


def classify(entry: Entry, arg: str, kind: str, value: Any) -> tuple[str, str]:
    """Run one wrong call; return (outcome, detail)."""
    fn, kw = entry.make()
    kw[arg] = value
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            _call(fn, kw)
        except RuntimeWarning as w:
            return "runtime-warning", str(w)
        except (ValueError, TypeError) as e:
            msg = str(e)
            names = {arg.split(".")[-1], "layers" if arg == "layers" else arg}
            # (case-insensitive: fit's X reaches the model as its x)
            if any(re.search(rf"(^|\W){re.escape(a)}(\W|$)", msg, re.I) for a in names):
                return "rejected", msg
            return "unnamed", f"{type(e).__name__}: {msg}"
        except Exception as e:  # noqa: BLE001 - any other exception breaks the policy
            return "other-exception", f"{type(e).__name__}: {e}"
    if kind in PROBES:
        return "probe-accepted", ""
    if is_pass_through(entry.name, arg, kind):
        return "pass-through", ""
    return "silent", ""


def _arguments(entry: Entry) -> list[tuple[str, Any, bool]]:
    """(name, valid value, whether None is valid) for each argument a caller may pass."""
    fn, kw = entry.make()
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.name.startswith("_") or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        valid = kw.get(p.name, None if p.default is p.empty else p.default)
        out.append((p.name, valid, p.default is None))
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_every_entry_point_has_a_valid_call(entry):
    fn, kw = entry.make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _call(fn, kw)  # a valid call: no exception
    assert [str(w.message) for w in caught] == []  # and no warning of any kind


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_wrong_values_are_rejected_by_name(entry):
    args = _arguments(entry)
    if not args:
        pytest.skip("no argument to pass a wrong value to")
    cases = [(a, kind, strat) for a, v, none_ok in args for kind, strat in wrong_values(v, none_ok)]
    problems: dict[tuple, str] = {}

    @settings(max_examples=max(20, 2 * len(cases)), derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.data())
    def run(data):
        i = data.draw(st.integers(0, len(cases) - 1), label="case")
        arg, kind, strat = cases[i]
        value = data.draw(strat, label=f"{arg} ({kind})")
        outcome, detail = classify(entry, arg, kind, value)
        COUNTS[outcome] += 1
        CASES[kind] += 1
        if outcome in ("unnamed", "other-exception", "runtime-warning", "silent"):
            problems.setdefault((arg, kind, outcome), f"{value!r:.40} → {detail[:160]}")

    run()
    assert not problems, "\n".join(
        f"{entry.name}({a}= {k}): {o}: {d}" for (a, k, o), d in sorted(problems.items())
    )


def _pass_through_cases() -> list[tuple[Entry, str, str]]:
    return [(e, arg, kind) for e in ENTRIES for (_, arg, kind) in PASS_THROUGHS
            if is_pass_through(e.name, arg, kind) and arg in {a for a, _, _ in _arguments(e)}
            ]  # fmt: skip


@pytest.mark.parametrize(("entry", "arg", "kind"), _pass_through_cases(), ids=str)
def test_deliberate_pass_through(entry, arg, kind):
    """Each documented pass-through is deliberate: the call goes through, without a warning."""
    valid = entry.make()[1].get(arg)
    bad = math.nan if kind == "nan" else math.inf
    if isinstance(valid, dict):  # one bad entry in the first array
        k = next(iter(valid))
        value = {**valid, k: _with(valid[k], bad, 0)}
    else:
        value = _with(valid, bad, 0) if isinstance(valid, np.ndarray) else bad
    assert classify(entry, arg, kind, value)[0] == "pass-through"


def test_every_pass_through_is_listed_in_contributing():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text()
    for entry, arg, kind in PASS_THROUGHS:
        assert f"`{entry}`" in text and f"`{arg}`" in text, (entry, arg, kind)


def test_zz_report_the_fuzz_counts():
    """Print what the fuzz test tried (run with -s to see it); it must have tried something."""
    total = sum(COUNTS.values())
    if total == 0:
        pytest.skip("the fuzz test did not run in this session")
    print(f"\nfuzz: {len(ENTRIES)} entry points, {total} wrong calls")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in COUNTS.most_common()))
    print("  kinds:    " + ", ".join(f"{k} {v}" for k, v in CASES.most_common()))
    assert COUNTS["rejected"] > 0
