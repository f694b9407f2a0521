"""Plumbing that runs an optimiser's elementwise rule fast; the math lives in `trainlib.optim`.

    params, m, v = apply_rule(update, params, grads, state.m, state.v, inplace=False)

An optimiser writes its rule as `update(p, g, *s)`: its docstring's equations on one block
of the parameters p, the gradient g and the state arrays s (m, v, …), writing into p and s
(`v[...] = alpha * v + …`, `m *= beta1`, `p -= …`) and only reading g. This module does the
rest, and no math:

- what the rule updates: `inplace=False` hands it new float copies, so the arrays passed in
  stay untouched and the copies are the result (a pure step); `inplace=True` hands it the
  arrays themselves (what `optim.InPlace` and `train.descend` use: no copies at all);
- dicts of arrays (a network): the rule runs on every entry, one array at a time;
- cache-sized blocks: an array above `BLOCK_BYTES` goes through block by block, so the
  rule's temporaries stay in the CPU cache instead of each being a trip to main memory
  (every rule is elementwise, so the numbers are the same bit for bit);
- quiet overflow: a diverging run produces inf/NaN, which the training loops detect and
  report, so the rule runs under `np.errstate(all="ignore")` (no RuntimeWarnings).

The other walks over a dict of arrays the optimisers need are here too: `zeros_like` and
`tree_map`, and the input checks `check_params`, `check_grads` (run by `apply_rule`),
`check_state` and `check_float`. The checks a step runs look at types and shapes only (a
few attribute reads per array), never at every element: a NaN in params, grads or state
passes through a step, as in PyTorch (the training loops report it as divergence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from trainlib.validation import ArgumentTypeError, as_array, check_int, describe

Tree = np.ndarray | dict[str, np.ndarray]

# Bytes per block (8192 float64, 16384 float32): a rule's temporaries stay in the CPU cache,
# and below malloc's threshold for fresh memory from the system (128 KiB by default).
BLOCK_BYTES = 65536


def apply_rule(
    update: Callable[..., None],
    params: Tree,
    grads: Tree,
    *states: Tree | None,
    inplace: bool = False,
) -> tuple:
    """Run the elementwise rule `update(p, g, *s)` on one array or on every entry of a dict.

    Shapes: params, grads and every state alike (None: a state the rule does not use).

    Returns (params, *states), trees like the inputs: new ones (inplace=False) or the very
    trees given, updated (inplace=True).
    """
    check_grads(grads, params)
    with np.errstate(all="ignore"):
        if not isinstance(params, Mapping):
            return _apply_array(update, params, grads, states, inplace)
        out = [
            _apply_array(
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


def check_params(params: Any) -> Tree:
    """Check `params`: a real array, or a non-empty dict of real arrays."""
    if isinstance(params, Mapping):
        if not params:
            raise ValueError("params: expected an array or a non-empty dict of arrays, got {}")
        return {k: as_array(f"params[{k!r}]", v) for k, v in params.items()}
    return as_array("params", params)


def check_grads(grads: Any, params: Any) -> None:
    """Raise unless `params` are real arrays and `grads` has their structure (keys, shapes)."""
    check_like("grads", grads, params)


def check_like(name: str, tree: Any, params: Any, *, arrays: bool = False) -> None:
    """Raise unless `tree` has the structure of `params` (dict keys, shapes), both real-valued.

    Types and shapes only (no pass over the elements); `arrays=True` also asks for numpy
    arrays (optimiser state), not lists or scalars.
    """
    if isinstance(params, Mapping):
        if not params:
            raise ValueError("params: expected an array or a non-empty dict of arrays, got {}")
        if not isinstance(tree, Mapping) or tree.keys() != params.keys():
            given = sorted(tree) if isinstance(tree, Mapping) else describe(tree)
            raise ValueError(f"{name}: expected a dict with keys {sorted(params)}, got {given}")
        for k, p in params.items():
            a = tree[k]
            if _fits(a, p):
                continue  # the common case, in a few attribute reads
            _check_leaf(f"params[{k!r}]", p)
            _check_leaf(f"{name}[{k!r}]", a, arrays)
            if np.shape(a) != np.shape(p):
                raise ValueError(
                    f"{name}[{k!r}]: expected shape {np.shape(p)} to match "
                    f"params[{k!r}], got {np.shape(tree[k])}"
                )
        return
    if _fits(tree, params):
        return
    _check_leaf("params", params)
    if isinstance(tree, Mapping) or np.shape(tree) != np.shape(params):
        given = "a dict" if isinstance(tree, Mapping) else f"shape {np.shape(tree)}"
        raise ValueError(f"{name}: expected shape {np.shape(params)} to match params, got {given}")
    _check_leaf(name, tree, arrays)


def _fits(a: Any, p: Any) -> bool:
    """Whether a and p are real numpy arrays of one shape (the fast path of `check_like`)."""
    return (
        type(a) is np.ndarray
        and type(p) is np.ndarray
        and a.shape == p.shape
        and a.dtype.kind in "biuf"
        and p.dtype.kind in "biuf"
    )


def _check_leaf(name: str, a: Any, array: bool = False) -> None:
    """Raise unless `a` is a real-valued array (or, unless `array`, a number or list of them)."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind in "biuf":
            return
    elif not array and not isinstance(a, str | bytes | Mapping):
        try:
            kind = np.asarray(a).dtype.kind
        except (TypeError, ValueError):  # ragged nested lists
            kind = "O"
        if kind in "biuf":
            return
    raise ArgumentTypeError(f"{name}: expected a real-valued numpy array, got {describe(a)}")


def check_state(state: Any, kind: type, params: Any, **needed: bool) -> None:
    """Raise unless `state` is this optimiser's state for `params`.

    Checks: its type is `kind` (the NamedTuple its `init` returns), `t` is an integer ≥ 0, and
    each field named in `needed` holds arrays shaped like `params` where `needed[field]` is
    True (e.g. v_max with amsgrad). `params=None` checks only the type and `t`.
    """
    if type(state) is not kind:
        raise ArgumentTypeError(
            f"state: expected a {kind.__name__} from this optimiser's init, got "
            f"{type(state).__name__}"
        )
    t = state.t
    if type(t) is not int or t < 0:
        check_int("state.t", t)
    if params is None:
        return
    for field, need in needed.items():
        tree = getattr(state, field)
        if tree is None:
            if need:
                raise ValueError(
                    f"state.{field}: expected arrays shaped like params (init with these "
                    "settings makes them), got None"
                )
            continue
        check_like(f"state.{field}", tree, params, arrays=True)


def check_float(p: Any, note: str = "") -> None:
    """Raise unless `p` is a float numpy array, which an update can be written into."""
    if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
        raise ValueError(
            f"params: expected float numpy arrays to update in place{note}, got "
            f"{type(p).__name__} with dtype {getattr(p, 'dtype', None)}"
        )


def float_copy(a: Any) -> np.ndarray | None:
    """A new C-ordered float copy of `a` (integers become float64), for a rule to update."""
    if a is None:
        return None
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.copy()  # (C order)
    a = np.asarray(a)
    return np.array(a, dtype=np.result_type(a.dtype, np.float32), order="C", copy=True)


def zeros_like(params: Tree, fill: float = 0.0) -> Tree:
    """A tree shaped like `params`, filled with `fill`."""
    if isinstance(params, Mapping):
        return {k: np.full_like(v, fill) for k, v in params.items()}
    return np.full_like(params, fill)


def tree_map(fn: Callable, *trees: Tree | None) -> Tree:
    """Apply `fn` leafwise to trees of the same structure."""
    if isinstance(trees[0], Mapping):
        return {k: fn(*(t[k] for t in trees)) for k in trees[0]}
    return fn(*trees)


def _apply_array(update: Callable, p: Any, g: Any, states: tuple, inplace: bool) -> tuple:
    """`apply_rule` for one array and its states."""
    if inplace:
        check_float(p, " (inplace=True)")
    own = (p, *states) if inplace else tuple(float_copy(a) for a in (p, *states))
    _run_blocks(update, own, np.asarray(g))
    return own


def _run_blocks(update: Callable, own: tuple, g: np.ndarray) -> None:
    """Call `update(p, g, *s)` on `own` = (p, *s): whole, or block by block if p is big."""
    p = own[0]
    if p.nbytes <= BLOCK_BYTES or not all(a is None or a.flags.c_contiguous for a in own):
        update(p, g, *own[1:])  # (a strided view is updated whole: no flat views of it)
        return
    size = BLOCK_BYTES // p.itemsize
    flat = [None if a is None else a.reshape(-1) for a in own]  # views: updates land in own
    g = g.reshape(-1)
    for start in range(0, p.size, size):
        block = slice(start, start + size)
        update(flat[0][block], g[block], *(None if a is None else a[block] for a in flat[1:]))
