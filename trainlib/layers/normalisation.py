"""Batch and layer normalisation: standardise each feature over the batch (BatchNorm) or each
example over its features (LayerNorm), then scale and shift."""

from __future__ import annotations

import numpy as np

from trainlib.layers.base import Layer, _check_dout
from trainlib.validation import as_array, check_bool, check_int, check_positive, check_range

__all__ = ["BatchNorm", "LayerNorm"]


class BatchNorm(Layer):
    """Batch normalisation over the batch axis, as torch.nn.BatchNorm1d.

    Shapes: x: (N, C) → y: (N, C); gamma, beta, running_mean, running_var: (C,).
    Train: μ, σ² = mean and biased variance of the batch, x̂ = (x − μ)/√(σ² + eps),
    y = gamma·x̂ + beta, and the running statistics move towards the batch ones:
    running_mean ← (1 − momentum)·running_mean + momentum·μ,
    running_var ← (1 − momentum)·running_var + momentum·σ²·N/(N − 1)  (unbiased).
    Eval: x̂ uses running_mean and running_var instead.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0, hi_closed=True)
        self.eps = check_positive("eps", eps)
        c = self.num_features
        self.params = {"gamma": np.ones(c), "beta": np.zeros(c)}
        self.grads = {"gamma": np.zeros(c), "beta": np.zeros(c)}
        self.running_mean = np.zeros(c)
        self.running_var = np.ones(c)

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, momentum={self.momentum}, eps={self.eps})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(x, train, update_running=True)

    def recompute(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        return self._forward(x, train, update_running=False)

    def _forward(self, x: np.ndarray, train: bool, update_running: bool) -> np.ndarray:
        x = as_array("x", x, ndim=2)
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}), got {x.shape}")
        if train:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"x: expected at least 2 rows in train mode, got shape {x.shape}")
            mu = x.mean(axis=0)
            xc = x - mu
            var = (xc * xc).mean(axis=0)
            inv_std = 1.0 / np.sqrt(var + self.eps)
            xhat = xc * inv_std
            if update_running:
                m = self.momentum
                self.running_mean[...] = (1 - m) * self.running_mean + m * mu
                self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            xhat = (x - self.running_mean) * inv_std
        self.cache = (xhat, inv_std, bool(train))
        return self.params["gamma"] * xhat + self.params["beta"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        xhat, inv_std, train = self._cached()
        dout = _check_dout(dout, xhat.shape)
        self.grads["gamma"][...] = (dout * xhat).sum(axis=0)
        self.grads["beta"][...] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        if not train:
            return dxhat * inv_std
        # μ and σ² depend on every row: dx = (1/N)·inv_std·(N·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))
        n = xhat.shape[0]
        return (inv_std / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))


class LayerNorm(Layer):
    """Layer normalisation over the feature axis, as torch.nn.LayerNorm(C).

    Shapes: x: (N, C) → y: (N, C); gamma, beta: (C,).
    Each row (one example) is standardised over its own C features:
    μ, σ² = mean and biased variance of the row, x̂ = (x − μ)/√(σ² + eps), y = gamma·x̂ + beta.
    No batch statistics and no running averages: train and eval compute the same thing, and
    a batch of one example works.
    """

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.eps = check_positive("eps", eps)
        c = self.num_features
        self.params = {"gamma": np.ones(c), "beta": np.zeros(c)}
        self.grads = {"gamma": np.zeros(c), "beta": np.zeros(c)}

    def __repr__(self) -> str:
        return f"LayerNorm({self.num_features}, eps={self.eps})"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_bool("train", train)
        x = as_array("x", x, ndim=2)
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}), got {x.shape}")
        xc = x - x.mean(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt((xc * xc).mean(axis=1, keepdims=True) + self.eps)
        xhat = xc * inv_std
        self.cache = (xhat, inv_std)
        return self.params["gamma"] * xhat + self.params["beta"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        xhat, inv_std = self._cached()
        dout = _check_dout(dout, xhat.shape)
        self.grads["gamma"][...] = (dout * xhat).sum(axis=0)
        self.grads["beta"][...] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        # BatchNorm's formula with rows and columns swapped: μ and σ² depend on every feature.
        c = xhat.shape[1]
        return (inv_std / c) * (
            c * dxhat
            - dxhat.sum(axis=1, keepdims=True)
            - xhat * (dxhat * xhat).sum(axis=1, keepdims=True)
        )
