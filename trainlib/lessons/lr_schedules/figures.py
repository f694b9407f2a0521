"""Notebook 08's live figures: why the rate must decay, and a playground of schedules.

- `settle_figure` (C38, in `figures_settle.py`): mini-batch SGD on least squares with a
  constant rate against the same rate decayed; the constant run keeps bouncing at a noise
  floor set by α and the batch size, the decayed one settles.
- `schedule_playground` (C39, in `figures_playground.py`): step decay, cosine annealing,
  warm-up + cosine, one-cycle and ReduceLROnPlateau with their own sliders, the losses they
  produce on the same problem and batches, and their final losses.

Every run is `experiments` (precomputed batch gradients, one vectorised SGD loop); a
control change recomputes only the runs it affects. Shared colours and axes helpers:
`figures_common.py`.
"""

from __future__ import annotations

from trainlib.lessons.lr_schedules.figures_common import SCHEDULE_COLORS
from trainlib.lessons.lr_schedules.figures_playground import SchedulePlayground, schedule_playground
from trainlib.lessons.lr_schedules.figures_settle import SettleFigure, settle_figure

__all__ = [
    "SCHEDULE_COLORS",
    "SchedulePlayground",
    "SettleFigure",
    "schedule_playground",
    "settle_figure",
]
