"""The layer contract and the checks every layer shares.

A layer maps x to out in `forward(x, train=True)`, keeping in `self.cache` what its backward
needs, and `backward(dout)` turns ∂L/∂out into ∂L/∂x while filling `self.grads`. `params`
and `grads` are dicts of arrays with the same keys (empty for a layer without parameters).
`recompute`, `clear_cache`, `held_arrays` and `stored_bytes` serve gradient checkpointing
and memory accounting (see `containers.Sequential`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trainlib.validation import as_array, check_rng

__all__ = ["Layer"]


class Layer:
    """Base class: `params`/`grads` with the same keys, `forward`, `backward`, `cache`."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cache: Any = None

    def __call__(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        return self.forward(x, train=train)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Forward again for gradient checkpointing: same output and cache, no side effects.

        Dropout reuses its last mask and BatchNorm leaves its running statistics alone.
        """
        return self.forward(x, train=train)

    def clear_cache(self) -> None:
        """Drop what was kept for backprop (what `recompute` needs, e.g. a dropout mask, stays)."""
        self.cache = None

    def held_arrays(self) -> list[np.ndarray]:
        """The arrays this layer currently holds for backprop."""
        return _arrays_in(self.cache)

    def stored_bytes(self) -> int:
        """Bytes of the distinct arrays held for backprop (views count as their base)."""
        return _unique_nbytes(self.held_arrays())

    def _cached(self) -> Any:
        if self.cache is None:
            raise ValueError(
                f"dout: expected a forward pass first, got {type(self).__name__}.backward "
                "with no cache; call forward before backward (a checkpointed Sequential frees "
                "its caches during backward)"
            )
        return self.cache


# --- checks the layers share ---------------------------------------------------------------


def _check_rng(rng: Any) -> None:
    check_rng("rng", rng)


def _check_is_layer(name: str, layer: Any) -> None:
    missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
    if missing:
        raise ValueError(
            f"{name}: expected a layer (forward, backward, params, grads), got "
            f"{type(layer).__name__} without {', '.join(missing)}"
        )


def _check_dout(dout: Any, shape: tuple[int, ...]) -> np.ndarray:
    return _check_dout_shape(as_array("dout", dout), shape)


def _check_dout_shape(dout: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if dout.shape != tuple(shape):
        raise ValueError(
            f"dout: expected shape {tuple(shape)} to match the forward output, got {dout.shape}"
        )
    return dout


def _arrays_in(obj: Any) -> list[np.ndarray]:
    """Every ndarray inside a (nested) cache of tuples / lists / dicts."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, tuple | list):
        return [a for item in obj for a in _arrays_in(item)]
    if isinstance(obj, dict):
        return [a for item in obj.values() for a in _arrays_in(item)]
    return []


def _unique_nbytes(arrays: list[np.ndarray]) -> int:
    """Total bytes of the distinct memory blocks behind `arrays` (a view counts as its base)."""
    owners: dict[int, int] = {}
    for a in arrays:
        while isinstance(a.base, np.ndarray):
            a = a.base
        owners[id(a)] = a.nbytes
    return sum(owners.values())
