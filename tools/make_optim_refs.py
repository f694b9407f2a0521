"""Regenerate the PyTorch reference data that tests/test_optim.py and test_schedules.py replay.

Run from the repository root with a Python that has torch==2.13.0 (CPU) and numpy:

    python tools/make_optim_refs.py

Writes (np.savez_compressed, each well under 1 MB):

- tests/data/optim_refs.npz: for every optimiser configuration, float64 runs of
  torch.optim (single-tensor path, foreach=False) on
  (a) "field": 6 starting points, params of shape (6, 2), descending the Rosenbrock gradient, and
  (b) "mlp": a 2→3→1 tanh network fitting 16 points with mean squared error,
  recording the gradient torch saw before every step and the parameters after it.
  The tests feed the recorded gradients to trainlib and compare parameters step by step.
- trainlib/lessons/lr_schedules/torch_schedules.npz: the learning rates (and cycled momenta)
torch's schedulers
  hold after 0, 1, 2, … calls to scheduler.step(), and ReduceLROnPlateau fed fixed metrics.

Each file carries a JSON string "configs" describing what was run, so the tests build
the same trainlib objects from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

assert torch.__version__.split("+")[0] == "2.13.0", (
    f"expected torch 2.13.0, got {torch.__version__}"
)

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
STEPS = 100  # optimiser steps per run
N_POINTS = 6  # starting points on the Rosenbrock field (keeps the file < 1 MB)

TORCH_OPT = {
    "sgd": torch.optim.SGD,
    "adagrad": torch.optim.Adagrad,
    "rmsprop": torch.optim.RMSprop,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}

# name -> optimiser, its kwargs (trainlib and torch spell them alike), the rate on each task.
# Rosenbrock gradients reach ~10³, so SGD needs a small rate there; the adaptive ones do not.
OPT_CONFIGS = {
    "sgd_plain": ("sgd", {}, 2e-4, 0.1),
    "sgd_momentum": ("sgd", {"momentum": 0.9}, 5e-5, 0.1),
    "sgd_dampening": ("sgd", {"momentum": 0.8, "dampening": 0.3}, 5e-5, 0.1),
    "sgd_nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}, 5e-5, 0.1),
    "sgd_weight_decay": ("sgd", {"momentum": 0.5, "weight_decay": 0.1}, 1e-4, 0.1),
    "adagrad_defaults": ("adagrad", {}, 0.1, 0.1),
    "adagrad_lr_decay": ("adagrad", {"lr_decay": 0.05}, 0.1, 0.1),
    "adagrad_initial_acc": ("adagrad", {"initial_accumulator_value": 0.5, "eps": 1e-6}, 0.1, 0.1),
    "adagrad_weight_decay": ("adagrad", {"weight_decay": 0.1}, 0.1, 0.1),
    "rmsprop_defaults": ("rmsprop", {}, 1e-2, 1e-2),
    "rmsprop_centered": ("rmsprop", {"centered": True, "alpha": 0.9}, 1e-2, 1e-2),
    "rmsprop_momentum": ("rmsprop", {"momentum": 0.9}, 2e-3, 2e-3),
    "rmsprop_centered_momentum": (
        "rmsprop",
        {"centered": True, "momentum": 0.5, "eps": 1e-6},
        2e-3,
        2e-3,
    ),
    "rmsprop_weight_decay": ("rmsprop", {"weight_decay": 0.1}, 1e-2, 1e-2),
    "adam_defaults": ("adam", {}, 1e-2, 1e-2),
    "adam_amsgrad": ("adam", {"amsgrad": True, "betas": [0.8, 0.99]}, 1e-2, 1e-2),
    "adam_weight_decay": ("adam", {"weight_decay": 0.1}, 1e-2, 1e-2),
    "adamw_defaults": ("adamw", {}, 1e-2, 1e-2),
    "adamw_amsgrad": ("adamw", {"amsgrad": True, "weight_decay": 0.1}, 1e-2, 1e-2),
    "adamw_no_decay": ("adamw", {"weight_decay": 0.0}, 1e-2, 1e-2),
}

# Runs whose rate is a schedule: name -> (optimiser config, schedule name, trainlib kwargs).
SCHEDULED = {
    "adam_one_cycle": ("adamw_amsgrad", "one_cycle", {"max_lr": 0.02, "total_steps": STEPS}),
    "sgd_cosine": ("sgd_nesterov", "cosine", {"lr": None, "T_max": 60, "eta_min": 1e-6}),
}


def rosenbrock_grad(x: torch.Tensor) -> torch.Tensor:
    """Gradient of Σ (1 − x)² + 100·(y − x²)² over the rows of x, by autograd."""
    x = x.detach().requires_grad_(True)
    f = ((1 - x[:, 0]) ** 2 + 100 * (x[:, 1] - x[:, 0] ** 2) ** 2).sum()
    (g,) = torch.autograd.grad(f, x)
    return g


def make_scheduler(opt, name: str, kw: dict):
    S = torch.optim.lr_scheduler
    if name == "one_cycle":
        return S.OneCycleLR(opt, cycle_momentum=False, **kw)
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=kw["T_max"], eta_min=kw["eta_min"])
    raise KeyError(name)


def run_field(opt_name, kw, lr, x0, schedule=None):
    """Descend the Rosenbrock field; return (grads, params) per step, each (STEPS, N, 2)."""
    x = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = TORCH_OPT[opt_name]([x], lr=lr, foreach=False, **kw)
    sched = make_scheduler(opt, *schedule) if schedule else None
    grads, params = [], []
    for _ in range(STEPS):
        x.grad = rosenbrock_grad(x)
        grads.append(x.grad.numpy().copy())
        opt.step()
        if sched:
            sched.step()
        params.append(x.detach().numpy().copy())
    return np.array(grads), np.array(params)


def run_mlp(opt_name, kw, lr, init, data):
    """Train the 2→3→1 tanh MLP; return {key: grads}, {key: params}, each (STEPS, *shape)."""
    p = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in init.items()}
    X, y = (torch.tensor(a) for a in data)
    opt = TORCH_OPT[opt_name](list(p.values()), lr=lr, foreach=False, **kw)
    grads = {k: [] for k in p}
    params = {k: [] for k in p}
    for _ in range(STEPS):
        opt.zero_grad()
        h = torch.tanh(X @ p["W1"] + p["b1"])
        loss = ((h @ p["W2"] + p["b2"] - y) ** 2).mean()
        loss.backward()
        for k in p:
            grads[k].append(p[k].grad.numpy().copy())
        opt.step()
        for k in p:
            params[k].append(p[k].detach().numpy().copy())
    return {k: np.array(v) for k, v in grads.items()}, {k: np.array(v) for k, v in params.items()}


def optim_refs() -> dict:
    rng = np.random.default_rng(20240604)
    x0 = np.column_stack([rng.uniform(-1.5, 1.5, N_POINTS), rng.uniform(-0.5, 2.0, N_POINTS)])
    init = {
        "W1": rng.normal(0, 1, (2, 3)),
        "b1": rng.normal(0, 0.1, 3),
        "W2": rng.normal(0, 1, (3, 1)),
        "b2": np.zeros(1),
    }
    X = rng.normal(0, 1, (16, 2))
    y = np.sin(X[:, :1]) + 0.5 * X[:, 1:] ** 2
    out = {"field__x0": x0, **{f"mlp__init__{k}": v for k, v in init.items()}}
    configs = {"optimisers": {}, "scheduled": {}}
    for name, (opt_name, kw, lr_field, lr_mlp) in OPT_CONFIGS.items():
        configs["optimisers"][name] = {
            "opt": opt_name,
            "kwargs": kw,
            "lr_field": lr_field,
            "lr_mlp": lr_mlp,
        }
        g, p = run_field(opt_name, kw, lr_field, x0)
        assert np.all(np.isfinite(p)) and np.abs(p).max() < 10, name
        out[f"field__{name}__grads"], out[f"field__{name}__params"] = g, p
        g, p = run_mlp(opt_name, kw, lr_mlp, init, (X, y))
        for k in init:
            out[f"mlp__{name}__grads__{k}"], out[f"mlp__{name}__params__{k}"] = g[k], p[k]
    for name, (base, sched_name, skw) in SCHEDULED.items():
        opt_name, kw, lr_field, _ = OPT_CONFIGS[base]
        skw = {k: (lr_field if v is None else v) for k, v in skw.items()}
        configs["scheduled"][name] = {"base": base, "schedule": sched_name, "kwargs": skw}
        g, p = run_field(opt_name, kw, lr_field, x0, schedule=(sched_name, skw))
        assert np.all(np.isfinite(p)), name
        out[f"sched__{name}__grads"], out[f"sched__{name}__params"] = g, p
    out["configs"] = np.array(json.dumps(configs))
    return out


# ---------------------------------------------------------------------------------------
# Schedules: name -> (trainlib function, its kwargs, number of values to record).

SCHEDULE_CONFIGS = {
    "step_decay_a": ("step_decay", {"lr": 0.1, "step_size": 30}, 250),
    "step_decay_b": ("step_decay", {"lr": 0.5, "step_size": 7, "gamma": 0.5}, 250),
    "exponential_a": ("exponential", {"lr": 0.1, "gamma": 0.99}, 250),
    "exponential_b": ("exponential", {"lr": 1.0, "gamma": 0.9}, 250),
    "cosine_a": ("cosine", {"lr": 0.1, "T_max": 250}, 251),
    "cosine_b": ("cosine", {"lr": 0.05, "T_max": 200, "eta_min": 1e-3}, 201),
    "cosine_beyond": ("cosine", {"lr": 0.1, "T_max": 50, "eta_min": 1e-3}, 250),
    "warmup_cosine_a": ("warmup_cosine", {"lr": 0.1, "warmup_steps": 20, "total_steps": 250}, 251),
    "warmup_cosine_b": (
        "warmup_cosine",
        {"lr": 3e-4, "warmup_steps": 50, "total_steps": 300, "start_factor": 0.01, "eta_min": 3e-5},
        301,
    ),
    "one_cycle_a": ("one_cycle", {"max_lr": 0.1, "total_steps": 250}, 251),
    "one_cycle_linear": (
        "one_cycle",
        {"max_lr": 0.4, "total_steps": 300, "pct_start": 0.25, "anneal_strategy": "linear"},
        301,
    ),
    "one_cycle_three_phase": (
        "one_cycle",
        {
            "max_lr": 1.0,
            "total_steps": 240,
            "pct_start": 0.4,
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "three_phase": True,
        },
        241,
    ),
    "one_cycle_three_phase_linear": (
        "one_cycle",
        {
            "max_lr": 0.2,
            "total_steps": 200,
            "anneal_strategy": "linear",
            "three_phase": True,
        },
        201,
    ),
}

# Momentum cycling: (one_cycle_momentum kwargs, torch optimiser whose momentum/β₁ cycles).
MOMENTUM_CONFIGS = {
    "momentum_sgd": ({"total_steps": 250}, "sgd"),
    "momentum_adam_linear": (
        {
            "total_steps": 200,
            "pct_start": 0.2,
            "anneal_strategy": "linear",
            "base_momentum": 0.8,
            "max_momentum": 0.9,
        },
        "adam",
    ),
    "momentum_sgd_three_phase": ({"total_steps": 220, "three_phase": True}, "sgd"),
}

PLATEAU_CONFIGS = {
    "plateau_defaults": ({"lr": 0.1}, "falling"),
    "plateau_min_rel": ({"lr": 0.1, "patience": 3, "threshold": 1e-2}, "falling"),
    "plateau_min_abs_cooldown": (
        {"lr": 0.1, "patience": 2, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 4},
        "falling",
    ),
    "plateau_min_lr": ({"lr": 0.1, "patience": 1, "factor": 0.5, "min_lr": 4e-3}, "falling"),
    "plateau_max_rel": ({"lr": 0.2, "mode": "max", "patience": 4, "factor": 0.3}, "rising"),
    "plateau_max_abs": (
        {"lr": 0.2, "mode": "max", "patience": 2, "threshold": 0.02, "threshold_mode": "abs"},
        "rising",
    ),
    "plateau_negative_rel": ({"lr": 0.1, "patience": 2, "threshold": 0.05}, "negative"),
    "plateau_negative_max_rel": ({"lr": 0.1, "mode": "max", "patience": 3}, "negative"),
    "plateau_eps": ({"lr": 1e-6, "patience": 1, "factor": 0.5, "eps": 1e-7}, "falling"),
}


def metric_sequences(rng) -> dict:
    """Noisy loss-like curves with plateaus, 250 epochs each."""
    e = np.arange(250)
    falling = 1.0 / (1 + 0.05 * e) + 0.02 * rng.standard_normal(250)
    falling[100:160] = falling[100]  # an exact plateau
    rising = 1 - np.exp(-e / 40) + 0.01 * rng.standard_normal(250)
    negative = -falling[::-1]  # negative values: the "rel" threshold flips meaning there
    return {"falling": falling, "rising": rising, "negative": negative}


def torch_schedule(opt, name: str, kw: dict):
    S = torch.optim.lr_scheduler
    if name == "step_decay":
        return S.StepLR(opt, step_size=kw["step_size"], gamma=kw.get("gamma", 0.1))
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=kw["gamma"])
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=kw["T_max"], eta_min=kw.get("eta_min", 0.0))
    if name == "warmup_cosine":
        w, total = kw["warmup_steps"], kw["total_steps"]
        warm = S.LinearLR(opt, start_factor=kw.get("start_factor", 1 / 3), total_iters=w)
        cos = S.CosineAnnealingLR(opt, T_max=total - w, eta_min=kw.get("eta_min", 0.0))
        return S.SequentialLR(opt, [warm, cos], milestones=[w])
    if name == "one_cycle":
        kw = {k: v for k, v in kw.items()}
        return S.OneCycleLR(opt, cycle_momentum=False, **kw)
    raise KeyError(name)


def schedule_refs() -> dict:
    out = {}
    configs = {"schedules": {}, "momentum": {}, "plateau": {}}
    for name, (fn, kw, n) in SCHEDULE_CONFIGS.items():
        configs["schedules"][name] = {"fn": fn, "kwargs": kw}
        x = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        lr0 = kw.get("lr", 1.0)
        opt = torch.optim.SGD([x], lr=lr0)
        sched = torch_schedule(opt, fn, kw)
        lrs = []
        for i in range(n):
            lrs.append(opt.param_groups[0]["lr"])
            if i < n - 1:  # OneCycleLR refuses to step past total_steps
                opt.step()
                sched.step()
        out[f"schedule__{name}"] = np.array(lrs)
    for name, (kw, opt_name) in MOMENTUM_CONFIGS.items():
        configs["momentum"][name] = {"kwargs": kw}
        x = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        if opt_name == "sgd":
            opt = torch.optim.SGD([x], lr=0.1, momentum=0.9)
        else:
            opt = torch.optim.Adam([x], lr=0.1)
        total = kw["total_steps"]
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, **kw)
        moms = []
        for i in range(total + 1):
            g = opt.param_groups[0]
            moms.append(g["momentum"] if opt_name == "sgd" else g["betas"][0])
            if i < total:
                opt.step()
                sched.step()
        out[f"momentum__{name}"] = np.array(moms)
    metrics = metric_sequences(np.random.default_rng(7))
    for key, m in metrics.items():
        out[f"metrics__{key}"] = m
    for name, (kw, key) in PLATEAU_CONFIGS.items():
        configs["plateau"][name] = {"kwargs": kw, "metrics": key}
        x = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        opt = torch.optim.SGD([x], lr=kw["lr"])
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, **{k: v for k, v in kw.items() if k != "lr"}
        )
        lrs = []
        for v in metrics[key]:
            opt.step()
            sched.step(v)
            lrs.append(opt.param_groups[0]["lr"])
        out[f"plateau__{name}"] = np.array(lrs)
    out["configs"] = np.array(json.dumps(configs))
    return out


def main() -> None:
    torch.set_default_dtype(torch.float64)
    OUT.mkdir(parents=True, exist_ok=True)
    lesson = OUT.parents[1] / "trainlib" / "lessons" / "lr_schedules"
    for path, data in (
        (OUT / "optim_refs.npz", optim_refs()),
        (lesson / "torch_schedules.npz", schedule_refs()),
    ):
        np.savez_compressed(path, **data)
        print(f"{path.name}: {len(data)} arrays, {path.stat().st_size / 1e6:.3f} MB")


if __name__ == "__main__":
    main()
