"""Write tests/data/loss_refs.npz: PyTorch values and autograd gradients of every loss.

Run with a Python that has torch==2.13.0 (CPU is enough), from the repository root:

    python tools/make_loss_refs.py

For fixed, seeded float64 inputs it stores, per case ``name``, the inputs (``name.<arg>``),
the keyword arguments, the mean-reduced loss ``name.value`` and its gradient ``name.grad``
with respect to the prediction/logits (for KL, with respect to q). `tests/test_losses.py`
compares `trainlib.losses` against them without importing torch. torchvision is not needed:
the focal loss is written out as in torchvision.ops.sigmoid_focal_loss and differentiated
by autograd.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "loss_refs.npz"
torch.set_default_dtype(torch.float64)


def value_and_grad(fn, x: np.ndarray, *rest: np.ndarray):
    """Loss value and ∂loss/∂x by autograd, x and the other arguments as float64 tensors."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    others = [torch.tensor(r) for r in rest]
    out = fn(xt, *others)
    out.backward()
    return out.item(), xt.grad.numpy().copy()


def focal_torch(z, y, gamma, alpha):
    """torchvision.ops.sigmoid_focal_loss(z, y, alpha, gamma, reduction='mean'), alpha<0 = off."""
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * y + (1 - alpha) * (1 - y)
        loss = alpha_t * loss
    return loss.mean()


def _add(refs: dict, name: str, fn, inputs: dict[str, np.ndarray], **kwargs) -> None:
    """Store case `name`: its inputs, keyword arguments, torch's value and gradient."""
    value, grad = value_and_grad(fn, *inputs.values())
    for k, v in inputs.items():
        refs[f"{name}.{k}"] = v
    for k, v in kwargs.items():
        refs[f"{name}.kw.{k}"] = np.asarray(v)
    refs[f"{name}.value"] = np.array(value)
    refs[f"{name}.grad"] = grad


def regression_cases(rng: np.random.Generator, add) -> None:
    """MSE, MAE and Huber for three δ."""
    shape = (6, 4)
    yhat, y = rng.normal(size=shape), rng.normal(size=shape)
    add("mse", lambda a, b: F.mse_loss(a, b), {"yhat": yhat, "y": y})
    add("mae", lambda a, b: F.l1_loss(a, b), {"yhat": yhat, "y": y})
    # errors of size ~2 so that every δ below has elements on both branches
    yh2 = 2 * rng.normal(size=shape)
    for delta in (0.5, 1.0, 2.0):
        add(
            f"huber_{delta:g}".replace(".", "p"),
            lambda a, b, d=delta: F.huber_loss(a, b, delta=d),
            {"yhat": yh2, "y": y},
            delta=delta,
        )


def binary_cases(rng: np.random.Generator, add) -> tuple[np.ndarray, np.ndarray]:
    """BCE from probabilities and from logits; returns the logits and hard labels (for focal)."""
    shape = (6, 4)
    p = rng.uniform(0.02, 0.98, size=shape)
    y_hard = rng.integers(0, 2, size=shape).astype(np.float64)
    y_soft = rng.uniform(0, 1, size=shape)
    add("bce_hard", lambda a, b: F.binary_cross_entropy(a, b), {"p": p, "y": y_hard})
    add("bce_soft", lambda a, b: F.binary_cross_entropy(a, b), {"p": p, "y": y_soft})
    # probabilities of exactly 0 and 1: torch clamps each log at −100, floors p(1−p) at 1e-12
    p_edge = np.array([0.0, 0.0, 1.0, 1.0, 0.3, 1e-30])
    y_edge = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    add("bce_edge", lambda a, b: F.binary_cross_entropy(a, b), {"p": p_edge, "y": y_edge})

    z = 3 * rng.normal(size=shape)
    add("bcel_hard", lambda a, b: F.binary_cross_entropy_with_logits(a, b), {"z": z, "y": y_hard})
    add("bcel_soft", lambda a, b: F.binary_cross_entropy_with_logits(a, b), {"z": z, "y": y_soft})
    pw = rng.uniform(0.2, 5.0, size=shape[1])
    add(
        "bcel_posw",
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=torch.tensor(pw)),
        {"z": z, "y": y_hard},
        pos_weight=pw,
    )
    return z, y_hard


def cross_entropy_cases(rng: np.random.Generator, add, n: int, c: int) -> None:
    """Cross-entropy with labels and probability rows, unweighted and class-weighted."""
    zc = 3 * rng.normal(size=(n, c))
    labels = rng.integers(0, c, size=n)
    probs = rng.dirichlet(np.ones(c), size=n)
    w = rng.uniform(0.1, 3.0, size=c)
    add("ce_int", lambda a, b: F.cross_entropy(a, b), {"z": zc, "y": labels})
    add("ce_prob", lambda a, b: F.cross_entropy(a, b), {"z": zc, "y": probs})
    for tag, y in (("ce_int_w", labels), ("ce_prob_w", probs)):
        add(
            tag,
            lambda a, b: F.cross_entropy(a, b, weight=torch.tensor(w)),
            {"z": zc, "y": y},
            weight=w,
        )


def focal_cases(add, z: np.ndarray, y_hard: np.ndarray) -> None:
    """Focal loss for three γ, with and without α."""
    for gamma in (0.0, 0.5, 2.0):
        for alpha in (None, 0.25):
            tag = f"focal_g{gamma:g}_a{'none' if alpha is None else f'{alpha:g}'}".replace(".", "p")
            kw = {"gamma": gamma} if alpha is None else {"gamma": gamma, "alpha": alpha}
            add(
                tag,
                lambda a, b, g=gamma, al=alpha: focal_torch(a, b, g, -1.0 if al is None else al),
                {"z": z, "y": y_hard},
                **kw,
            )


def kl_case(rng: np.random.Generator, add, n: int, c: int) -> None:
    """KL: P with exact zeros, Q strictly positive; differentiate with respect to q."""
    pk = rng.dirichlet(np.ones(c), size=n)
    pk[rng.uniform(size=(n, c)) < 0.3] = 0.0
    pk[:, 0] += 1e-3  # no all-zero row
    pk /= pk.sum(axis=1, keepdims=True)
    qk = rng.dirichlet(np.ones(c), size=n)
    add(
        "kl",
        lambda qq, pp: F.kl_div(qq.log(), pp, reduction="batchmean"),
        {"q": qk, "p": pk},
    )


def main() -> None:
    rng = np.random.default_rng(20250101)  # the cases draw from it in this order
    refs: dict[str, np.ndarray] = {}
    add = functools.partial(_add, refs)
    regression_cases(rng, add)
    z, y_hard = binary_cases(rng, add)
    n, c = 7, 5
    cross_entropy_cases(rng, add, n, c)
    focal_cases(add, z, y_hard)
    kl_case(rng, add, n, c)

    # building blocks (values only)
    zs = 5 * rng.normal(size=(4, 6))
    refs["softmax.z"] = zs
    refs["softmax.softmax"] = torch.softmax(torch.tensor(zs), dim=-1).numpy()
    refs["softmax.log_softmax"] = torch.log_softmax(torch.tensor(zs), dim=-1).numpy()
    refs["softmax.logsumexp"] = torch.logsumexp(torch.tensor(zs), dim=-1).numpy()

    refs["torch_version"] = np.array(torch.__version__)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **refs)
    print(f"wrote {OUT.name}: {len(refs)} arrays, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
