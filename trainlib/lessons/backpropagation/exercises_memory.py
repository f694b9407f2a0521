"""Exercise of 05_backpropagation's memory sections: a checkpoint spacing that fits a memory
budget with the least recomputation (C5, tune)."""

import numpy as np

from trainlib.exercises import Exercise, Mistake
from trainlib.lessons.backpropagation import memory

# ---------------------------------------------------------------------------------------------
# (tune) a checkpoint spacing k that fits a memory budget with the least recomputation
# ---------------------------------------------------------------------------------------------

#: The network of the sweep (16 hidden layers, L = 33 layers) and the memory budget in bytes.
TUNE_DEPTH, TUNE_BUDGET = 16, 60_000


def _checkpoint_k() -> int:
    """The k whose peak fits TUNE_BUDGET with the fewest layer forwards (read off the sweep)."""
    return 11


def _checkpoint_goal(k: int) -> str | None:
    """Run the sweep with checkpoint_every = k; None if it fits and no fitting k is cheaper."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= 33:
        return f"k must be a whole number of layers from 1 to 33, got {k!r}."
    s = memory.checkpoint_sweep(TUNE_DEPTH)
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
            "k = 9 has the lowest peak, but the goal is the least recomputation among the k "
            "that fit the budget: other k fit too, and some recompute fewer layers.",
            example=lambda: 9,
        ),
        Mistake(
            "k = 6 ≈ √L = 5.74 is the rule of thumb; it fits, but it is not the cheapest k that "
            "fits — the rule ignores how L = 33 splits into whole segments.",
            example=lambda: 6,
        ),
    ],
    success="Goal reached: k = 11 splits the 33 layers into three whole segments; the peak "
    "fits the budget and only 22 layer forwards are recomputed (55 in all vs 33 without "
    "checkpointing).",
    kind="tune",
    goal=_checkpoint_goal,
)
