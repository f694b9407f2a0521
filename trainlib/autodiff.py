"""A Tensor remembers how it was made, so its gradient can be computed backwards.

A tiny reverse-mode automatic differentiation engine over numpy arrays, after
karpathy/micrograd's `engine.py`. Every operation does three things: compute `out`, give
`out` a `_backward` closure that turns ∂L/∂out into ∂L/∂inputs (local × upstream), and
return `out`. The forward pass thereby builds a graph; `backward()` sorts it topologically
and calls the closures from the output back to the inputs. The result is exact up to
floating-point rounding: no symbolic algebra, no finite differences.

Broadcasting: when an input was broadcast in the forward pass (b of shape (D,) added to
x of shape (N, D)), its gradient is summed over the broadcast axes ("un-broadcast").

Calling `backward()` twice gives the same gradients, not twice them: every call first
zeroes the grads of the whole graph (unlike PyTorch, which accumulates into leaf grads).
To combine two losses, backpropagate their sum.

Bad input: an operand that is not numbers, shapes that do not broadcast (or do not fit a
matrix product), and a reduction over no elements raise a ValueError naming the op and both
shapes. Where the math itself gives inf or NaN, the engine follows IEEE arithmetic as
PyTorch does and warns about nothing: log(0) = −inf (and its gradient 1/0 = inf),
log(−1) = NaN, exp(1000) = inf, x/0 = ±inf, 0**−1 = inf, (−1)**0.5 = NaN, and NaN flows
on through every later op and gradient (a deliberate pass-through, see CONTRIBUTING).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trainlib.validation import (
    ArgumentTypeError,
    as_array,
    check_axis,
    check_bool,
    check_nonempty,
    check_same_shape,
    describe,
)

# IEEE arithmetic without RuntimeWarnings: inf and NaN are results here, as in PyTorch.
# (Use it as a decorator, which may nest; `with` a fresh np.errstate elsewhere.)
_ieee = np.errstate(all="ignore")


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    while grad.ndim > len(shape):  # axes broadcasting prepended
        grad = grad.sum(axis=0)
    for i, n in enumerate(shape):  # axes of length 1 stretched to length > 1
        if n == 1 and grad.shape[i] != 1:
            grad = grad.sum(axis=i, keepdims=True)
    return grad


def _operand(other, op: str, shape: tuple) -> Tensor:
    """The other operand of a binary op as a Tensor, checked: numbers that broadcast."""
    if not isinstance(other, Tensor):
        other = Tensor(as_array("other", other, finite=False))
    try:
        np.broadcast_shapes(shape, other.shape)
    except ValueError:
        raise ValueError(
            f"other: expected a shape that broadcasts with {shape} for {op!r}, got {other.shape}"
        ) from None
    return other


class Tensor:
    """An ndarray with a gradient and a record of the operation that produced it.

    Shapes: `data` any shape (stored as float64); `grad` has the shape of `data` and holds
    ∂L/∂data after `L.backward()`.
    """

    __array_ufunc__ = None  # make `ndarray * Tensor` call Tensor.__rmul__, not numpy's loop

    def __init__(self, data, _prev: tuple = (), _op: str = "", name: str = ""):
        if not isinstance(name, str):
            raise ArgumentTypeError(f"name: expected a str, got {describe(name)}")
        self.data = as_array("data", data, finite=False).astype(np.float64)
        self.grad = np.zeros_like(self.data)
        self._prev = tuple(_prev)  # the inputs of the op that made this tensor
        self._op = _op  # the op's symbol, for graph drawings
        self.name = name  # optional label, for graph drawings
        self._backward: Callable[[], None] = lambda: None  # leaves pass nothing on

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"Tensor({label}shape={self.shape}, op={self._op!r})"

    # ---- binary ops -------------------------------------------------------------------

    @_ieee
    def __add__(self, other):
        other = _operand(other, "+", self.shape)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():  # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad += _unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    @_ieee
    def __mul__(self, other):
        other = _operand(other, "*", self.shape)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():  # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
            self.grad += _unbroadcast(other.data * out.grad, self.shape)
            other.grad += _unbroadcast(self.data * out.grad, other.shape)

        out._backward = _backward
        return out

    @_ieee
    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            other = Tensor(as_array("other", other, finite=False))
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(
                f"other: expected 2-D @ 2-D with matching inner sizes for '@', "
                f"got {self.shape} @ {other.shape}"
            )
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():  # C = A·B: ∂L/∂A = ∂L/∂C·Bᵀ, ∂L/∂B = Aᵀ·∂L/∂C
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad

        out._backward = _backward
        return out

    @_ieee
    def __pow__(self, p: float):
        if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
            raise ValueError(f"p: expected a constant int or float exponent, got {p!r}")
        out = Tensor(self.data**p, (self,), f"**{p}")

        def _backward():  # ∂(aᵖ)/∂a = p·aᵖ⁻¹
            self.grad += p * self.data ** (p - 1) * out.grad

        out._backward = _backward
        return out

    # ---- unary ops --------------------------------------------------------------------

    @_ieee
    def exp(self):
        out = Tensor(np.exp(self.data), (self,), "exp")

        def _backward():  # ∂eᵃ/∂a = eᵃ
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    @_ieee
    def log(self):
        """log(a), elementwise: log(0) = −inf with gradient inf, log(a < 0) = NaN (IEEE)."""
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward():  # ∂log(a)/∂a = 1/a
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def relu(self):
        out = Tensor(np.maximum(self.data, 0.0), (self,), "ReLU")

        def _backward():  # ∂ReLU(a)/∂a = 1[a > 0]
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        e = np.exp(-np.abs(self.data))  # σ without overflow: e ≤ 1
        out = Tensor(np.where(self.data >= 0, 1 / (1 + e), e / (1 + e)), (self,), "σ")

        def _backward():  # ∂σ(a)/∂a = σ(a)·(1 − σ(a))
            self.grad += out.data * (1 - out.data) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        out = Tensor(np.tanh(self.data), (self,), "tanh")

        def _backward():  # ∂tanh(a)/∂a = 1 − tanh²(a)
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    # ---- reductions -------------------------------------------------------------------

    @_ieee
    def sum(self, axis: int | tuple | None = None, keepdims: bool = False):
        """Sum over `axis` (all axes for None); a sum over no elements is a ValueError."""
        self._check_reduction(axis, keepdims)
        out = Tensor(np.sum(self.data, axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():  # ∂(Σa)/∂aᵢ = 1: copy ∂L/∂out back over the summed axes
            g = out.grad
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self.grad += np.broadcast_to(g, self.shape)

        out._backward = _backward
        return out

    def mean(self, axis: int | tuple | None = None, keepdims: bool = False):
        """Mean over `axis`: the sum times 1/count, so it needs no backward of its own."""
        s = self.sum(axis=axis, keepdims=keepdims)  # checks axis, and that it is not empty
        return s * (s.data.size / self.data.size)

    def _check_reduction(self, axis, keepdims) -> None:
        check_axis("axis", axis, self.ndim)
        check_bool("keepdims", keepdims)
        check_nonempty(
            "self", self.data
        )  # Σ over nothing: the mean would be 0/0  # 1/count, count = entries per output

    # ---- derived ops (built from the ones above, so no backward of their own) ----------

    def __neg__(self):
        return self * -1.0

    @_ieee
    def __sub__(self, other):
        return self + (
            -other if isinstance(other, Tensor) else -as_array("other", other, finite=False)
        )

    @_ieee
    def __truediv__(self, other):
        if isinstance(other, Tensor):
            return self * other**-1
        return self * (1.0 / as_array("other", other, finite=False))

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return self**-1 * other

    # ---- the backward pass ------------------------------------------------------------

    def topo(self) -> list[Tensor]:
        """Every tensor this one depends on, each after all of its inputs (self last)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, iterative so deep graphs cannot hit the recursion limit
            t, inputs_done = stack.pop()
            if inputs_done:
                order.append(t)  # all of t's inputs are already in `order`
            elif id(t) not in seen:
                seen.add(id(t))
                stack.append((t, True))  # come back to t after its inputs
                stack.extend((c, False) for c in reversed(t._prev))
        return order

    def zero_grad(self) -> None:
        """Set the grad of every tensor in this one's graph to zero."""
        for t in self.topo():
            t.grad = np.zeros_like(t.data)

    def backward(self, grad=None) -> None:
        """Fill `.grad` of every tensor in the graph with ∂L/∂tensor, L being this tensor.

        Shapes: `grad` (the seed ∂L/∂self) has the shape of `self`; default ones, which for
        a scalar is dL/dL = 1. For a non-scalar output, `grad` plays the role of the
        upstream gradient: the result is ∂(Σ grad·self)/∂input.
        Grads are zeroed first, so a second call gives the same result, not twice it.
        """
        seed = np.ones_like(self.data) if grad is None else as_array("grad", grad)
        check_same_shape("grad", seed, "self.data", self.data)
        order = self.topo()
        self.zero_grad()
        self.grad = seed.astype(np.float64)
        with np.errstate(
            all="ignore"
        ):  # inf/NaN from log(0), 1/0, … are results (see the module docstring)
            for t in reversed(order):  # output first: each node's grad is complete before use
                t._backward()


def graph(t: Tensor) -> dict:
    """The graph behind `t` as plain data, for drawing: nodes in topological order and edges.

    Returns {"nodes": [{"id", "op", "name", "shape", "data", "grad"}],
             "edges": [(input_id, output_id), ...]}; ids are positions in the node list.
    A node used twice (x·x) appears once, with two edges into its consumer.
    """
    if not isinstance(t, Tensor):
        raise ArgumentTypeError(f"t: expected a Tensor, got {describe(t)}")
    order = t.topo()
    index = {id(n): i for i, n in enumerate(order)}
    nodes = [
        {"id": i, "op": n._op, "name": n.name, "shape": n.shape, "data": n.data, "grad": n.grad}
        for i, n in enumerate(order)
    ]
    edges = [(index[id(c)], index[id(n)]) for n in order for c in n._prev]
    return {"nodes": nodes, "edges": edges}
