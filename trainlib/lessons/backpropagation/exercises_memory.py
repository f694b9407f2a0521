"""Exercise of 05_backpropagation's memory sections: a checkpoint spacing that fits a memory
budget with the least recomputation (C5, tune)."""

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.backpropagation import memory

# ---------------------------------------------------------------------------------------------
# (tune) a checkpoint spacing k that fits a memory budget with the least recomputation
# ---------------------------------------------------------------------------------------------

#: The network (8 hidden layers, m = 17 layers: one the notebook does not print, the student
#: reads it off the checkpoint figure) and the memory budget in bytes.
TUNE_DEPTH, TUNE_BUDGET = 8, 40_000


def _checkpoint_k() -> int:
    """The k whose peak fits TUNE_BUDGET with the fewest layer forwards (read off the figure)."""
    return 9


def _checkpoint_goal(k: int) -> str | None:
    """Run the sweep with checkpoint_every = k; None if it fits and no fitting k is cheaper."""
    s = memory.checkpoint_sweep(TUNE_DEPTH)
    m = s.n_layers
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= m:
        return f"k must be a whole number of layers from 1 to {m}, got {k!r}."
    peak, evals = int(s.peak_bytes[k - 1]), int(s.forward_evals[k - 1])
    fits = s.peak_bytes <= TUNE_BUDGET
    least = int(s.forward_evals[fits].min())
    if peak > TUNE_BUDGET:
        return (f"k = {k} peaks at {peak:,} B, over the {TUNE_BUDGET:,} B budget "
                f"({peak / s.plain_peak:.2f} of the plain run's {s.plain_peak:,} B).")  # fmt: skip
    if evals > least:
        return (
            f"k = {k} fits ({peak:,} B) but runs {evals} layer forwards; another k that "
            f"fits needs only {least}. Look at the forwards row, not only the peak row."
        )
    return None


tune_checkpoint_k_exercise = Exercise(
    "tune_checkpoint_k",
    reference=_checkpoint_k,
    cases=[()],
    mistakes=[
        Mistake(
            "k = 4 ≈ √m = √17 = 4.12 is the rule of thumb, but on this shallow network it "
            "peaks at 43,008 B, over the 40,000 B budget: whole segments make the curve coarse. "
            "Read the peak off the figure for each k.",
            example=lambda: 4,
        ),
        Mistake(
            "k = 5 is the first k that fits (34,816 B), but it runs 32 layer forwards; other k "
            "have the same peak and recompute fewer layers — read the forwards too.",
            example=lambda: 5,
        ),
    ],
    success="Goal reached: k = 9 splits the 17 layers into a segment of 9 and a last one of 8, "
    "which is never recomputed; the peak (34,816 B) fits the budget and only 9 layer forwards "
    "are recomputed (26 in all vs 17 without checkpointing).",
    kind="tune",
    goal=_checkpoint_goal,
)
