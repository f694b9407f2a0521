"""Exercise of 05_backpropagation's memory section (C4): the bytes a forward pass keeps for
the backward pass (moved from notebook 01 with the section)."""

from trainlib.exercises import Exercise, Mistake

# ---------------------------------------------------------------------------------------------
# The memory bill of a forward pass
# ---------------------------------------------------------------------------------------------


def _forward_bytes(batch: int, sizes: tuple) -> int:
    """Bytes a float64 ReLU MLP caches for backprop: 8·N·(sizes[0] + Σ hidden widths).

    sizes = (d_in, H₁, …, H_L, d_out): the input and each hidden ReLU output are kept (each
    ReLU output is also the next Dense layer's input: one array). The output is not cached.
    """
    return 8 * batch * (sizes[0] + sum(sizes[1:-1]))


_BYTES_CASES = [
    (32, (4, 64, 64, 1)),
    (1, (10, 5, 1)),
    (16, (3, 8, 16, 8, 2)),
    (100, (2, 50, 50, 50, 10)),
]

forward_bytes_exercise = Exercise(
    "my_forward_bytes",
    reference=_forward_bytes,
    cases=_BYTES_CASES,
    mistakes=[
        Mistake(
            "you also counted the output layer's width; the network's output is not cached "
            "for backprop (nothing after it needs it) — count the input and the hidden layers.",
            example=lambda batch, sizes: 8 * batch * sum(sizes),
        ),
        Mistake(
            "you left out the input x: the first Dense layer keeps it to compute ∂L/∂W = xᵀ·dout.",
            example=lambda batch, sizes: 8 * batch * sum(sizes[1:-1]),
        ),
        Mistake(
            "you counted each hidden layer twice (pre-activation and activation); in this MLP "
            "ReLU keeps only its output, which is the next layer's input — one array per layer.",
            example=lambda batch, sizes: 8 * batch * (sizes[0] + 2 * sum(sizes[1:-1])),
        ),
        Mistake(
            "you used 4 bytes per number (float32); trainlib computes in float64: 8 bytes.",
            example=lambda batch, sizes: 4 * batch * (sizes[0] + sum(sizes[1:-1])),
        ),
        Mistake(
            "your count does not grow with the batch: every sample of the batch has its own "
            "activations, so multiply by the batch size N.",
            example=lambda batch, sizes: 8 * (sizes[0] + sum(sizes[1:-1])),
        ),
    ],
    success="Correct! Linear in the batch, in the depth and in the width — as the figure shows.",
    kind="implement",
)
