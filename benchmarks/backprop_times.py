"""What notebook 05 says about time, measured: backward vs forward pass, reverse vs forward mode,
and how much of `twolayer.loss_and_grads` is input checking.

    python benchmarks/backprop_times.py [--write] [--rounds 5]

Timings are CPU time of this process (`time.process_time`), so other programs on a busy
machine do not count; each number is the median over `--rounds` rounds. The notebook prints
only what no load can flip (forward mode is more than 10× slower than reverse mode: the count
says 564×); the tests assert the counts, never a time. With --write the table replaces the part
of benchmarks/README.md between the `backprop` markers.
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from trainlib import twolayer
from trainlib.lessons.backpropagation import cost
from trainlib.lessons.backpropagation.experiments import example_problem

README = Path(__file__).resolve().parent / "README.md"


def _bare(params: dict, x: np.ndarray, y: np.ndarray):
    """`loss_and_grads`'s forward and backward in bare numpy: no input checks, no cache dict."""
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=float) for k in twolayer.PARAM_KEYS)
    X, Y = np.asarray(x, dtype=float), np.asarray(y, dtype=float).reshape(-1, 1)

    def run():
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0)
        yhat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
        dz2 = (yhat - Y) / len(X)
        dz1 = dz2 @ W2.T * (z1 > 0)
        return X.T @ dz1, dz1.sum(0), a1.T @ dz2, dz2.sum(0)

    return run


def _median_cpu(f, n: int = 301) -> float:
    times = []
    for _ in range(n):
        t0 = time.process_time()
        f()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def measure(rounds: int) -> list[tuple[str, float, str]]:
    """Rows (what, median over rounds, what the count or the notebook says)."""
    params, x, y = example_problem(rng=np.random.default_rng(0), N=64, D=20, H=50)
    bare = _bare(params, x, y)
    _, grads = twolayer.loss_and_grads(params, x, y)
    dW1, db1, dW2, db2 = bare()
    assert np.allclose(dW1, grads["W1"]) and np.allclose(dW2, grads["W2"])  # same work
    bwd_fwd, modes, checks = [], [], []
    for _ in range(rounds):
        f, b = cost.time_forward_backward((256,) * 9, 128)
        bwd_fwd.append(b / f)
        t_fwd, t_rev = cost.time_modes(params, x, y)
        modes.append(t_fwd / t_rev)
        t_lib = _median_cpu(lambda: twolayer.loss_and_grads(params, x, y))
        checks.append(_median_cpu(bare) / t_lib)
    return [
        ("backward ÷ forward pass, 8 × (256 → 256) layers, batch 128", float(np.median(bwd_fwd)),
         "count: 1.875"),
        ("forward mode ÷ reverse mode (loss_and_grads), 20 → 50 → 1, batch 64",
         float(np.median(modes)), "count: 564; notebook: > 10"),
        ("bare-numpy forward + backward ÷ loss_and_grads (same gradients)",
         float(np.median(checks)),
         "the rest: input checks (most of it), the loss value and the intermediates "
         "`backward` keeps for teaching"),
    ]  # fmt: skip


def table(rows: list[tuple[str, float, str]], rounds: int) -> str:
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"Measured {when} on {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; CPU time, median of {rounds} rounds.",
        "",
        "| measured | ratio | what the count or the text says |",
        "|---|---:|---|",
    ]
    lines += [f"| {what} | {value:.2f} | {says} |" for what, value, says in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    text = table(measure(args.rounds), args.rounds)
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        block = f"<!-- backprop:start -->\n{text}\n<!-- backprop:end -->"
        pattern = re.compile(r"<!-- backprop:start -->.*?<!-- backprop:end -->", re.S)
        if pattern.search(readme):
            readme = pattern.sub(lambda _: block, readme)
        else:
            readme += (
                "\n## Notebook 05: what a backward pass costs, in time\n\n"
                "`python benchmarks/backprop_times.py --write`. The tests assert the counts "
                "(multiply-adds); times depend on the machine and its load, so they live here.\n\n"
                f"{block}\n"
            )
        README.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
