"""The experiments of notebook 09 (regularisation): every number it shows and its claims assert.

Overfit a small problem on purpose, then rein it in (claims C40–C44). This module gathers
the numbers from three siblings:

- `experiments_overfit.py`: the overfitting problem (40 noisy two-moons points, a wide MLP),
  weight decay (`overfit_run`, `weight_decay_runs`, C40) and early stopping
  (`early_stopping_point`, `early_stopping_run`, C44);
- `experiments_layers.py`: dropout (`dropout_samples`, C41) and batch normalisation
  (`preactivations`, `batch_dependence`, C42);
- `experiments_batchnorm.py`: batch norm at work (C42): train vs eval mode
  (`train_mode_accuracy`), running statistics (`running_mean_trace`) and the effect on
  validation and test data (`bn_moons_run`);
- `experiments_augmentation.py`: shifted, noisy digits (`augment_digits`, `digits_run`, C43).

Training runs are cached and read-only, so a notebook and its live figures share them.
numpy only: no plotting, no widgets.
"""

from __future__ import annotations

from trainlib.lessons.regularisation.experiments_augmentation import (
    AUG_NOISE,
    DIGITS_BATCH,
    DIGITS_EPOCHS,
    DIGITS_HIDDEN,
    DIGITS_LR,
    SHIFTS,
    DigitsRun,
    augment_digits,
    augmentation_examples,
    digits_problem,
    digits_run,
    shift_images,
    train_digits,
)
from trainlib.lessons.regularisation.experiments_batchnorm import (
    BN_BATCH,
    BN_SEEDS,
    BnRun,
    bn_moons_model,
    bn_moons_run,
    running_mean_trace,
    train_mode_accuracy,
)
from trainlib.lessons.regularisation.experiments_layers import (
    BN_DEPTH,
    DROPOUT_SAMPLES,
    DROPOUT_UNITS,
    HIST_EDGES,
    HIST_LIMIT,
    batch_dependence,
    clipped_histogram,
    dropout_average,
    dropout_samples,
    preactivations,
    spread_by_layer,
)
from trainlib.lessons.regularisation.experiments_overfit import (
    CHUNK,
    EPOCHS,
    GRID_X,
    GRID_Y,
    HIDDEN,
    LR,
    PATIENCES,
    WEIGHT_DECAYS,
    EarlyStopRun,
    RegRun,
    StopPoint,
    early_stopping_point,
    early_stopping_run,
    freeze,
    grid_points,
    moons_problem,
    moons_test,
    overfit_model,
    overfit_run,
    predict,
    weight_decay_runs,
    weight_norm,
)

__all__ = [
    "AUG_NOISE",
    "BN_BATCH",
    "BN_SEEDS",
    "BN_DEPTH",
    "CHUNK",
    "DIGITS_BATCH",
    "DIGITS_EPOCHS",
    "DIGITS_HIDDEN",
    "DIGITS_LR",
    "DROPOUT_SAMPLES",
    "DROPOUT_UNITS",
    "EPOCHS",
    "GRID_X",
    "GRID_Y",
    "HIDDEN",
    "HIST_EDGES",
    "HIST_LIMIT",
    "LR",
    "PATIENCES",
    "SHIFTS",
    "WEIGHT_DECAYS",
    "BnRun",
    "DigitsRun",
    "EarlyStopRun",
    "RegRun",
    "StopPoint",
    "augment_digits",
    "augmentation_examples",
    "batch_dependence",
    "bn_moons_model",
    "bn_moons_run",
    "clipped_histogram",
    "digits_problem",
    "digits_run",
    "dropout_average",
    "dropout_samples",
    "early_stopping_point",
    "early_stopping_run",
    "freeze",
    "grid_points",
    "moons_problem",
    "moons_test",
    "overfit_model",
    "overfit_run",
    "preactivations",
    "running_mean_trace",
    "predict",
    "shift_images",
    "spread_by_layer",
    "train_digits",
    "train_mode_accuracy",
    "weight_decay_runs",
    "weight_norm",
]
