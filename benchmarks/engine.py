"""Speed of trainlib's optimisation engine against PyTorch doing the same work, in one run.

    python benchmarks/engine.py            (needs torch==2.13.0 next to trainlib; CPU only)

(a) A race: 6 optimisers x 256 starting points x 1000 steps on Rosenbrock. trainlib runs
    `train.race` (one vectorised `descend` per optimiser, which also records the path and
    checks every point for divergence each step). PyTorch runs the same optimisers with
    torch.optim on a (256, 2) float64 tensor, the same analytic gradient, and records the path.
(b) One MLP training step (forward, backward, Adam) at batch 64 with 64→128→10 and at batch
    1024 with 784→1024→10, softmax cross-entropy, in float64 and float32 for both libraries.

Prints time ratios trainlib / PyTorch (below 1 means trainlib is faster) and, with
--write, records them in benchmarks/README.md between the `engine` markers.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from trainlib import layers, losses, optim, surfaces, train

STEPS, POINTS = 1000, 256


def race_settings():
    """(name, trainlib optimiser, torch constructor) with rates that do not diverge."""
    return [
        ("SGD", optim.sgd(lr=1e-4), lambda p: torch.optim.SGD([p], lr=1e-4)),
        (
            "SGD+momentum",
            optim.sgd(lr=1e-4, momentum=0.9),
            lambda p: torch.optim.SGD([p], lr=1e-4, momentum=0.9),
        ),
        ("AdaGrad", optim.adagrad(lr=0.1), lambda p: torch.optim.Adagrad([p], lr=0.1)),
        ("RMSProp", optim.rmsprop(lr=1e-3), lambda p: torch.optim.RMSprop([p], lr=1e-3)),
        ("Adam", optim.adam(lr=1e-2), lambda p: torch.optim.Adam([p], lr=1e-2)),
        ("AdamW", optim.adamw(lr=1e-2), lambda p: torch.optim.AdamW([p], lr=1e-2)),
    ]


def torch_rosenbrock_grad(p: torch.Tensor) -> torch.Tensor:
    x, y = p[:, 0], p[:, 1]
    gx = -2 * (1 - x) - 400 * x * (y - x * x)
    gy = 200 * (y - x * x)
    return torch.stack([gx, gy], dim=1)


def time_race(x0: np.ndarray) -> tuple[float, float, float]:
    settings = race_settings()
    f = surfaces.rosenbrock
    t0 = time.perf_counter()
    paths = train.race({n: o for n, o, _ in settings}, f, x0, STEPS)
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    finals = {}
    for name, _, make in settings:
        p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        opt = make(p)
        path = [p.detach().clone()]
        for _ in range(STEPS):
            with torch.no_grad():
                p.grad = torch_rosenbrock_grad(p)
            opt.step()
            path.append(p.detach().clone())
        finals[name] = path[-1].numpy()
    t_torch = time.perf_counter() - t0
    # The same work must give the same answer: compare final points.
    worst = max(
        float(np.max(np.abs(paths[n].xs[-1] - finals[n]) / (np.abs(finals[n]) + 1e-12)))
        for n in finals
    )
    return t_ours, t_torch, worst


def median_time(fn, reps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_mlp_step(n: int, sizes: tuple[int, int, int], dtype, reps: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    np_dtype = np.float32 if dtype == "float32" else np.float64
    x = rng.standard_normal((n, sizes[0])).astype(np_dtype)
    y = rng.integers(0, sizes[2], n)

    model = layers.Sequential(
        layers.Dense(sizes[0], sizes[1], rng=rng, dtype=np_dtype),
        layers.ReLU(),
        layers.Dense(sizes[1], sizes[2], rng=rng, dtype=np_dtype),
    )
    stepper = optim.InPlace(optim.adam(lr=1e-3), model.params)

    def ours():
        logits = model.forward(x, train=True)
        _, dlogits = losses.cross_entropy(logits, y)
        model.backward(dlogits.astype(np_dtype, copy=False))
        stepper.step(model.grads)

    tdtype = torch.float32 if dtype == "float32" else torch.float64
    net = torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(), torch.nn.Linear(sizes[1], sizes[2])
    ).to(tdtype)
    topt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x), torch.tensor(y)
    lossf = torch.nn.CrossEntropyLoss()

    def theirs():
        topt.zero_grad()
        lossf(net(tx), ty).backward()
        topt.step()

    return median_time(ours, reps), median_time(theirs, reps)


def write_readme(table: str) -> None:
    readme = Path(__file__).with_name("README.md")
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    block = f"<!-- engine:start -->\n{table}\n<!-- engine:end -->"
    if "<!-- engine:start -->" in text:
        text = re.sub(r"<!-- engine:start -->.*<!-- engine:end -->", block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n## Optimisation engine vs PyTorch\n\n" + block + "\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record in benchmarks/README.md")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x0 = np.column_stack([rng.uniform(-2, 2, POINTS), rng.uniform(-1, 3, POINTS)])
    rows = []
    t_ours, t_torch, worst = time_race(x0)
    rows.append(
        (
            f"race: 6 optimisers × {POINTS} points × {STEPS} steps, Rosenbrock (float64)",
            t_ours,
            t_torch,
            "≥ 2× faster (ratio ≤ 0.5)",
            t_ours / t_torch <= 0.5,
        )  # fmt: skip
    )
    print(f"race: trainlib {t_ours:.3f} s, torch {t_torch:.3f} s, final-point rel diff {worst:.1e}")
    for dtype in ("float64", "float32"):
        for n, sizes, reps, target in (
            (64, (64, 128, 10), 300, 0.5),
            (1024, (784, 1024, 10), 30, 1.2),
        ):
            ours, theirs = time_mlp_step(n, sizes, dtype, reps)
            label = f"MLP step batch {n}, {sizes[0]}→{sizes[1]}→{sizes[2]}, Adam ({dtype})"
            rows.append((label, ours, theirs, f"ratio ≤ {target}", ours / theirs <= target))
            print(f"{label}: trainlib {ours * 1e3:.3f} ms, torch {theirs * 1e3:.3f} ms")

    lines = [
        f"Measured on {platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"numpy {np.__version__}, torch {torch.__version__}, Python {platform.python_version()}.",
        "",
        "| work | trainlib | PyTorch | ratio trainlib/PyTorch | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for label, ours, theirs, target, met in rows:
        unit, scale = ("s", 1) if ours > 0.1 else ("ms", 1e3)
        lines.append(
            f"| {label} | {ours * scale:.3f} {unit} | {theirs * scale:.3f} {unit} | "
            f"{ours / theirs:.2f} | {target} | {'yes' if met else 'no'} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_readme(table)


if __name__ == "__main__":
    main()
