"""Schedules: values equal torch.optim.lr_scheduler's step by step (claim C39), bad input.

trainlib/lessons/lr_schedules/torch_schedules.npz (from tools/make_optim_refs.py, torch 2.13) holds
the rate each
torch scheduler gives after 0, 1, 2, … calls to scheduler.step(), the momentum/β₁ that
OneCycleLR cycles, and ReduceLROnPlateau's rates for fixed metric sequences.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from trainlib import optim, schedules
from trainlib.lessons.lr_schedules.experiments import torch_schedules
from trainlib.schedules import ReduceLROnPlateau

REFS = torch_schedules()
CONFIGS = json.loads(str(REFS["configs"]))

# torch updates most rates recursively (lr ← lr·γ, cosine ratios, LinearLR increments)
# while trainlib uses the closed form; the two differ by ~1 rounding per step, i.e.
# ≤ ~300·1.1e-16 ≈ 3e-14 relative after 300 steps (measured: ≤ 2e-15). 1e-12 still fails
# for any wrong phase boundary or off-by-one step, which changes rates by ≥ 1e-5.
RTOL = 1e-12


def max_rel(got: np.ndarray, want: np.ndarray) -> float:
    """Largest |got − want| / |want| (every reference rate here is > 0 or exactly 0)."""
    err = np.abs(got - want)
    return float(np.max(np.where(want == 0, err, err / np.where(want == 0, 1, np.abs(want)))))


@pytest.mark.parametrize("name", list(CONFIGS["schedules"]))
def test_C39_schedule_equals_torch_step_by_step(name):
    cfg = CONFIGS["schedules"][name]
    want = REFS[f"schedule__{name}"]
    assert len(want) >= 200
    lr = getattr(schedules, cfg["fn"])(**cfg["kwargs"])
    got = lr(np.arange(len(want)))
    assert got.shape == want.shape
    assert max_rel(got, want) < RTOL
    # scalar steps give the same floats as the vectorised call
    assert [lr(t) for t in range(len(want))] == list(got)
    assert isinstance(lr(3), float)


def test_reference_settings_cover_the_variants():
    kinds = [(c["fn"], c["kwargs"]) for c in CONFIGS["schedules"].values()]
    fns = {f for f, _ in kinds}
    assert fns == {"step_decay", "exponential", "cosine", "warmup_cosine", "one_cycle"}
    one = [k for f, k in kinds if f == "one_cycle"]
    assert any(k.get("three_phase") for k in one)
    assert any(k.get("anneal_strategy") == "linear" for k in one)
    plateau = [c["kwargs"] for c in CONFIGS["plateau"].values()]
    for key, value in [("mode", "max"), ("threshold_mode", "abs")]:
        assert any(k.get(key) == value for k in plateau)
    assert any("cooldown" in k for k in plateau) and any("min_lr" in k for k in plateau)


@pytest.mark.parametrize("name", list(CONFIGS["momentum"]))
def test_one_cycle_momentum_equals_torch(name):
    want = REFS[f"momentum__{name}"]
    got = schedules.one_cycle_momentum(**CONFIGS["momentum"][name]["kwargs"])(np.arange(len(want)))
    assert max_rel(got, want) < RTOL  # same closed form as torch: measured bitwise equal


@pytest.mark.parametrize("name", list(CONFIGS["plateau"]))
def test_reduce_on_plateau_equals_torch(name):
    cfg = CONFIGS["plateau"][name]
    plateau = ReduceLROnPlateau(**cfg["kwargs"])
    got = np.array([plateau.step(m) for m in REFS[f"metrics__{cfg['metrics']}"]])
    want = REFS[f"plateau__{name}"]
    assert len(np.unique(want)) > 1  # the sequence does trigger reductions
    # the same comparisons and one multiplication per cut as torch: exactly equal
    assert np.array_equal(got, want)


def test_warmup_cosine_reaches_lr_at_the_end_of_warmup_and_eta_min_at_the_end():
    lr = schedules.warmup_cosine(
        0.1, warmup_steps=10, total_steps=110, start_factor=0.1, eta_min=0.001
    )
    assert lr(0) == pytest.approx(0.01, rel=1e-15)
    assert lr(10) == 0.1 and lr(110) == pytest.approx(0.001, rel=1e-14)
    assert np.all(np.diff(lr(np.arange(11))) > 0) and np.all(np.diff(lr(np.arange(10, 111))) < 0)


def test_one_cycle_peaks_at_max_lr_and_ends_far_below_the_start():
    lr = schedules.one_cycle(1.0, total_steps=100)
    t = np.arange(101)
    assert lr(t).max() == 1.0 and int(np.argmax(lr(t))) == 29  # pct_start·total − 1
    # torch's cosine anneal computes end + (start − end)/2·2 at pct 0: start up to rounding
    assert lr(0) == pytest.approx(1.0 / 25, rel=1e-14)
    assert lr(99) == pytest.approx(1.0 / 25 / 1e4, rel=1e-12)


def test_schedules_accept_int_arrays_of_any_shape():
    lr = schedules.cosine(0.1, T_max=10)
    grid = np.arange(12).reshape(3, 4)
    assert lr(grid).shape == (3, 4)
    assert lr(np.int32(5)) == lr(5)
    assert schedules.constant(0.3)(np.arange(4)).tolist() == [0.3] * 4


def test_plateau_serves_as_an_optimiser_rate():
    plateau = ReduceLROnPlateau(0.5, patience=0)
    runner = optim.InPlace(optim.sgd(lr=plateau), np.zeros(2))
    assert runner.lr == 0.5 and plateau(np.arange(3)).tolist() == [0.5] * 3
    plateau.step(1.0)
    plateau.step(2.0)  # worse, patience 0: cut
    assert runner.lr == pytest.approx(0.05, rel=1e-15)
    runner.step(np.ones(2))
    assert np.allclose(runner.params, -0.05)
    assert "lr=0.05" in repr(plateau)


def test_schedule_dict_holds_constructors():
    assert schedules.SCHEDULES["cosine"] is schedules.cosine
    assert callable(schedules.SCHEDULES["one-cycle"](0.1, 50))


# ---------------------------------------------------------------------------------------
# Bad input

BAD = [
    (schedules.constant, {"lr": -1.0}, "lr"),
    (schedules.step_decay, {"lr": 0.1, "step_size": 0}, "step_size"),
    (schedules.step_decay, {"lr": 0.1, "step_size": 2.5}, "step_size"),
    (schedules.step_decay, {"lr": 0.1, "step_size": 5, "gamma": 0.0}, "gamma"),
    (schedules.step_decay, {"lr": -0.1, "step_size": 5}, "lr"),
    (schedules.exponential, {"lr": 0.1, "gamma": -0.5}, "gamma"),
    (schedules.exponential, {"lr": float("inf"), "gamma": 0.5}, "lr"),
    (schedules.cosine, {"lr": 0.1, "T_max": 0}, "T_max"),
    (schedules.cosine, {"lr": 0.1, "T_max": 10.0}, "T_max"),
    (schedules.cosine, {"lr": 0.1, "T_max": 10, "eta_min": -1e-3}, "eta_min"),
    (schedules.warmup_cosine, {"lr": 0.1, "warmup_steps": 0, "total_steps": 10}, "warmup_steps"),
    (schedules.warmup_cosine, {"lr": 0.1, "warmup_steps": 10, "total_steps": 10}, "total_steps"),
    (
        schedules.warmup_cosine,
        {"lr": 0.1, "warmup_steps": 5, "total_steps": 10, "start_factor": 0.0},
        "start_factor",
    ),
    (
        schedules.warmup_cosine,
        {"lr": 0.1, "warmup_steps": 5, "total_steps": 10, "start_factor": 1.5},
        "start_factor",
    ),
    (
        schedules.warmup_cosine,
        {"lr": 0.1, "warmup_steps": 5, "total_steps": 10, "eta_min": -1.0},
        "eta_min",
    ),
    (schedules.one_cycle, {"max_lr": -0.1, "total_steps": 100}, "max_lr"),
    (schedules.one_cycle, {"max_lr": 0.1, "total_steps": 0}, "total_steps"),
    (schedules.one_cycle, {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.0}, "pct_start"),
    (schedules.one_cycle, {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.0}, "pct_start"),
    (schedules.one_cycle, {"max_lr": 0.1, "total_steps": 5, "pct_start": 0.2}, "pct_start"),
    (
        schedules.one_cycle,
        {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.5, "three_phase": True},
        "pct_start",
    ),
    (
        schedules.one_cycle,
        {"max_lr": 0.1, "total_steps": 100, "anneal_strategy": "exp"},
        "anneal_strategy",
    ),
    (schedules.one_cycle, {"max_lr": 0.1, "total_steps": 100, "div_factor": 0.0}, "div_factor"),
    (
        schedules.one_cycle,
        {"max_lr": 0.1, "total_steps": 100, "final_div_factor": -1.0},
        "final_div_factor",
    ),
    (schedules.one_cycle_momentum, {"total_steps": 100, "base_momentum": -0.1}, "base_momentum"),
    (schedules.one_cycle_momentum, {"total_steps": 100, "max_momentum": -0.1}, "max_momentum"),
    (schedules.one_cycle_momentum, {"total_steps": 100, "pct_start": 1.2}, "pct_start"),
    (ReduceLROnPlateau, {"lr": -0.1}, "lr"),
    (ReduceLROnPlateau, {"lr": 0.1, "mode": "lowest"}, "mode"),
    (ReduceLROnPlateau, {"lr": 0.1, "factor": 1.0}, "factor"),
    (ReduceLROnPlateau, {"lr": 0.1, "factor": 0.0}, "factor"),
    (ReduceLROnPlateau, {"lr": 0.1, "patience": -1}, "patience"),
    (ReduceLROnPlateau, {"lr": 0.1, "threshold": -1e-4}, "threshold"),
    (ReduceLROnPlateau, {"lr": 0.1, "threshold_mode": "relative"}, "threshold_mode"),
    (ReduceLROnPlateau, {"lr": 0.1, "cooldown": -2}, "cooldown"),
    (ReduceLROnPlateau, {"lr": 0.1, "min_lr": -1e-6}, "min_lr"),
    (ReduceLROnPlateau, {"lr": 0.1, "eps": -1e-8}, "eps"),
]


@pytest.mark.parametrize(
    ("make", "kwargs", "arg"),
    BAD,
    ids=[f"{m.__name__}-{a}-{i}" for i, (m, _, a) in enumerate(BAD)],
)
def test_invalid_arguments_raise(make, kwargs, arg):
    with pytest.raises(ValueError, match="^" + re.escape(arg) + ": expected"):
        make(**kwargs)


@pytest.mark.parametrize(
    ("t", "match"),
    [
        (-1, "t: expected steps >= 0, got -1"),
        (np.array([0, 3, -2]), "t: expected steps >= 0, got -2"),
        (1.5, "t: expected an integer step"),
        (np.linspace(0, 1, 3), "t: expected an integer step"),
        (True, "t: expected an integer step"),
    ],
)
def test_bad_steps_raise(t, match):
    with pytest.raises(ValueError, match=match):
        schedules.exponential(0.1, 0.9)(t)


def test_one_cycle_refuses_steps_past_total_steps_like_torch():
    lr = schedules.one_cycle(0.1, total_steps=50)
    lr(50)  # torch allows exactly total_steps scheduler steps
    with pytest.raises(ValueError, match="t: expected steps <= total_steps=50, got 51"):
        lr(np.arange(52))
