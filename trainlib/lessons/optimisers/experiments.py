"""The experiments of notebook 07 (optimisers): every number it shows and its claims assert.

Each function runs the optimisers of `trainlib.optim` (never a re-implementation of them)
on a small, seeded problem and returns plain arrays that a figure or a test reads. This
module gathers them from four siblings, one per part of the notebook:

- `experiments_race.py`: six optimisers race on a classic surface (C31, C37): `run_race`,
  `race_paths`, `race_leaderboard`, `leaderboard_rows`, `log_landscape`;
- `experiments_adaptive.py`: AdaGrad's effective rate dies, RMSProp's settles (`rate_traces`,
  C32, C33); AdaGrad helps rare features (`sparse_features`, C32); Adam's bias correction
  (`adam_moments`, C34); two conventions (`momentum_steps`, `first_adam_step`);
- `experiments_momentum.py`: momentum on the valley, the √κ speed-up at critical damping
  (`valley_steps`, `critical_damping`, `momentum_rate`, C31);
- `experiments_adamw.py`: L2 in the gradient vs decoupled weight decay, with SGD + L2 as the
  baseline (`adamw_vs_l2`, `decay_per_step`, `adamw_endpoints`, C35);
- `experiments_sweep.py`: a learning-rate sweep of each optimiser on the digits
  (`lr_sweep`, `good_lr_window`, C36).

numpy only: no plotting, no widgets.
"""

from __future__ import annotations

from trainlib.lessons.optimisers.experiments_adamw import (
    ADAMW_LR,
    ADAMW_STEPS,
    L2_OPTIMISERS,
    STRETCHED_BOWL,
    WEIGHT_DECAYS,
    adamw_endpoints,
    adamw_runs,
    adamw_vs_l2,
    decay_per_step,
    decay_runs,
    ridge_optimum,
)
from trainlib.lessons.optimisers.experiments_adaptive import (
    BETA1S,
    BETA2S,
    BIAS_LR,
    BIAS_STEPS,
    RMSPROP_DECAYS,
    SHRINK_GRID,
    AdamTrace,
    RateTraces,
    SparseRun,
    adam_moments,
    bias_gradients,
    first_adam_step,
    momentum_steps,
    noisy_gradients,
    rate_column,
    rate_tables,
    rate_traces,
    sparse_features,
    trajectory,
)
from trainlib.lessons.optimisers.experiments_momentum import (
    MOMENTUM_GRID,
    MOMENTUM_LRS,
    MOMENTUM_STEPS,
    MOMENTUM_TOL,
    VALLEY,
    VALLEY_CURVATURES,
    Damping,
    contraction_per_step,
    critical_damping,
    momentum_path,
    momentum_rate,
    momentum_table,
    settle_step,
    valley_steps,
)
from trainlib.lessons.optimisers.experiments_race import (
    DEFAULT_LRS,
    LR_RANGES,
    RACE_STEPS,
    RACE_SURFACES,
    RACE_TOL,
    RACERS,
    leaderboard_rows,
    log_landscape,
    make_optimizer,
    race_leaderboard,
    race_paths,
    run_race,
)
from trainlib.lessons.optimisers.experiments_sweep import (
    GOOD_LOSS,
    SWEEP_LRS,
    SWEEP_OPTIMISERS,
    Sweep,
    good_lr_band,
    good_lr_window,
    log_loss_spread,
    lr_sweep,
)

__all__ = [
    "ADAMW_LR",
    "ADAMW_STEPS",
    "L2_OPTIMISERS",
    "MOMENTUM_GRID",
    "MOMENTUM_LRS",
    "MOMENTUM_STEPS",
    "MOMENTUM_TOL",
    "VALLEY",
    "VALLEY_CURVATURES",
    "Damping",
    "adamw_endpoints",
    "contraction_per_step",
    "critical_damping",
    "decay_per_step",
    "decay_runs",
    "momentum_path",
    "momentum_rate",
    "momentum_table",
    "settle_step",
    "valley_steps",
    "BETA1S",
    "BETA2S",
    "BIAS_LR",
    "BIAS_STEPS",
    "DEFAULT_LRS",
    "GOOD_LOSS",
    "LR_RANGES",
    "RACERS",
    "RACE_STEPS",
    "RACE_SURFACES",
    "RACE_TOL",
    "RMSPROP_DECAYS",
    "SHRINK_GRID",
    "STRETCHED_BOWL",
    "SWEEP_LRS",
    "SWEEP_OPTIMISERS",
    "WEIGHT_DECAYS",
    "AdamTrace",
    "RateTraces",
    "SparseRun",
    "Sweep",
    "adam_moments",
    "adamw_runs",
    "adamw_vs_l2",
    "bias_gradients",
    "first_adam_step",
    "good_lr_band",
    "good_lr_window",
    "leaderboard_rows",
    "log_landscape",
    "log_loss_spread",
    "lr_sweep",
    "make_optimizer",
    "momentum_steps",
    "noisy_gradients",
    "race_leaderboard",
    "race_paths",
    "rate_column",
    "rate_tables",
    "rate_traces",
    "ridge_optimum",
    "run_race",
    "sparse_features",
    "trajectory",
]
