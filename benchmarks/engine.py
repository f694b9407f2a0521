"""Speed of trainlib's optimisation engine against PyTorch doing the same work.

    python benchmarks/engine.py [--write] [--rounds 5]   (needs torch==2.13.0; CPU only)

(a) A race: 6 optimisers x 256 starting points x 1000 steps on Rosenbrock. trainlib runs
    `train.race` (one vectorised `descend` per optimiser, which also records the path and
    checks every point for divergence each step). PyTorch runs the same optimisers with
    torch.optim on a (256, 2) float64 tensor, the same analytic gradient, and records the path.
    The final points of the two must agree (printed as the worst relative difference).
(b) One MLP training step (forward, softmax cross-entropy, backward, Adam) at batch 64 with
    64→128→10 and at batch 1024 with 784→1024→10, in float64 and float32 for both libraries.
    Neither side computes the gradient with respect to the data: PyTorch does not for an
    input without requires_grad, trainlib is told so with `need_input_grad=False`.

One run of this script launches each library in its own child processes (`--only trainlib`,
`--only torch`; they print JSON), so numpy's OpenBLAS threads and PyTorch's OpenMP threads
never compete for the cores; each child keeps its library's default thread count, which the
table reports. The children run in `--rounds` rounds, alternating which goes first, and the
per-step (per-race) times of all rounds are pooled: median and 95th percentile. Ratios are
medians trainlib / PyTorch (below 1: trainlib is faster). With --write the table replaces
the part of benchmarks/README.md between the `engine` markers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

STEPS, POINTS = 1000, 256
ROOT = Path(__file__).resolve().parents[1]
# (batch, sizes, timed steps per child and round, warm-up steps, target ratio)
MLPS = [
    (64, (64, 128, 10), 700, 50, 0.5),
    (1024, (784, 1024, 10), 30, 5, 1.2),
]
DTYPES = ("float64", "float32")
RACE_REPS = 2  # races per child and round
RACE_TARGET = 0.5


def race_start() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-2, 2, POINTS), rng.uniform(-1, 3, POINTS)])


def mlp_data(n: int, sizes: tuple[int, int, int], dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, sizes[0])).astype(dtype)
    return x, rng.integers(0, sizes[2], n)


def step_times(step, steps: int, warmup: int) -> list[float]:
    """Seconds of each of `steps` calls of `step()` after `warmup` untimed ones."""
    for _ in range(warmup):
        step()
    gc.collect()
    gc.disable()
    try:
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return times


# --- the trainlib child ------------------------------------------------------------------


def run_trainlib(scale: float) -> dict:
    from trainlib import optim, surfaces, train

    settings = {
        "SGD": optim.sgd(lr=1e-4),
        "SGD+momentum": optim.sgd(lr=1e-4, momentum=0.9),
        "AdaGrad": optim.adagrad(lr=0.1),
        "RMSProp": optim.rmsprop(lr=1e-3),
        "Adam": optim.adam(lr=1e-2),
        "AdamW": optim.adamw(lr=1e-2),
    }
    x0 = race_start()
    finals: dict = {}

    def race():
        paths = train.race(settings, surfaces.rosenbrock, x0, STEPS)
        finals.update({name: path.xs[-1].tolist() for name, path in paths.items()})

    out = {"race": step_times(race, RACE_REPS, 1), "finals": finals, "mlp": {}}
    for dtype in DTYPES:
        for n, sizes, steps, warmup, _ in MLPS:
            step = trainlib_step(n, sizes, dtype)
            out["mlp"][f"{n}/{dtype}"] = step_times(step, max(1, round(steps * scale)), warmup)
    out["threads"] = blas_threads()
    out["versions"] = f"numpy {np.__version__}"
    return out


def trainlib_step(n: int, sizes: tuple[int, int, int], dtype: str):
    from trainlib import layers, losses, optim

    x, y = mlp_data(n, sizes, dtype)
    rng = np.random.default_rng(0)
    model = layers.Sequential(
        layers.Dense(sizes[0], sizes[1], rng=rng, dtype=dtype),
        layers.ReLU(),
        layers.Dense(sizes[1], sizes[2], rng=rng, dtype=dtype),
    )
    stepper = optim.InPlace(optim.adam(lr=1e-3), model.params)

    def step():
        logits = model.forward(x, train=True)
        _, dlogits = losses.cross_entropy(logits, y)
        model.backward(dlogits, need_input_grad=False)
        stepper.step(model.grads)

    return step


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return f"numpy BLAS default threads (not reported: no threadpoolctl), {os.cpu_count()} CPUs"
    pools = [f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()]
    return "numpy: " + (", ".join(pools) or "no BLAS pool found") + " threads"


# --- the PyTorch child -------------------------------------------------------------------


def run_torch(scale: float) -> dict:
    import torch

    settings = {
        "SGD": lambda p: torch.optim.SGD([p], lr=1e-4),
        "SGD+momentum": lambda p: torch.optim.SGD([p], lr=1e-4, momentum=0.9),
        "AdaGrad": lambda p: torch.optim.Adagrad([p], lr=0.1),
        "RMSProp": lambda p: torch.optim.RMSprop([p], lr=1e-3),
        "Adam": lambda p: torch.optim.Adam([p], lr=1e-2),
        "AdamW": lambda p: torch.optim.AdamW([p], lr=1e-2),
    }

    def rosenbrock_grad(p):
        x, y = p[:, 0], p[:, 1]
        gx = -2 * (1 - x) - 400 * x * (y - x * x)
        gy = 200 * (y - x * x)
        return torch.stack([gx, gy], dim=1)

    x0 = race_start()
    finals: dict = {}

    def race():
        for name, make in settings.items():
            p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
            opt = make(p)
            path = [p.detach().clone()]
            for _ in range(STEPS):
                with torch.no_grad():
                    p.grad = rosenbrock_grad(p)
                opt.step()
                path.append(p.detach().clone())
            finals[name] = path[-1].numpy().tolist()

    out = {"race": step_times(race, RACE_REPS, 1), "finals": finals, "mlp": {}}
    for dtype in DTYPES:
        for n, sizes, steps, warmup, _ in MLPS:
            step = torch_step(torch, n, sizes, dtype)
            out["mlp"][f"{n}/{dtype}"] = step_times(step, max(1, round(steps * scale)), warmup)
    out["threads"] = (
        f"torch: {torch.get_num_threads()} intra-op / {torch.get_num_interop_threads()} "
        "inter-op threads"
    )
    out["versions"] = f"torch {torch.__version__}"
    return out


def torch_step(torch, n: int, sizes: tuple[int, int, int], dtype: str):
    x, y = mlp_data(n, sizes, dtype)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]),
        torch.nn.ReLU(),
        torch.nn.Linear(sizes[1], sizes[2]),
    ).to(getattr(torch, dtype))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x), torch.tensor(y)
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        lossf(net(tx), ty).backward()
        opt.step()

    return step


# --- the parent --------------------------------------------------------------------------


def child(lib: str, scale: float) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--only", lib, "--scale", str(scale)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the {lib} child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def stats(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    return float(np.median(times)), float(np.percentile(times, 95))


def fmt(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds >= 0.1 else f"{seconds * 1e3:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record in benchmarks/README.md")
    parser.add_argument("--rounds", type=int, default=5, help="child runs per library")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply timed MLP steps")
    parser.add_argument("--only", choices=("trainlib", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:  # a child: measure one library, print JSON
        run = run_trainlib if args.only == "trainlib" else run_torch
        print(json.dumps(run(args.scale)))
        return

    load0 = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M")
    runs: dict[str, list[dict]] = {"trainlib": [], "torch": []}
    for r in range(args.rounds):
        order = ("trainlib", "torch") if r % 2 == 0 else ("torch", "trainlib")
        for lib in order:
            runs[lib].append(child(lib, args.scale))
            print(f"round {r + 1}/{args.rounds}: {lib} done", file=sys.stderr)
    load1 = os.getloadavg()[0]

    def pooled(lib: str, get) -> list[float]:
        return [t for run in runs[lib] for t in get(run)]

    ours_f, theirs_f = runs["trainlib"][-1]["finals"], runs["torch"][-1]["finals"]
    rel = np.concatenate(
        [
            (np.abs(np.subtract(ours_f[n], theirs_f[n])) / (np.abs(theirs_f[n]) + 1e-12)).ravel()
            for n in theirs_f
        ]
    )
    rows = [
        (
            f"race: 6 optimisers × {POINTS} points × {STEPS} steps, Rosenbrock (float64)",
            stats(pooled("trainlib", lambda run: run["race"])),
            stats(pooled("torch", lambda run: run["race"])),
            RACE_TARGET,
            "≥ 2× faster (ratio ≤ 0.5)",
        )
    ]
    for dtype in DTYPES:
        for n, sizes, _, _, target in MLPS:
            key = f"{n}/{dtype}"
            label = f"MLP step, batch {n}, {sizes[0]}→{sizes[1]}→{sizes[2]}, Adam ({dtype})"
            rows.append(
                (
                    label,
                    stats(pooled("trainlib", lambda run, k=key: run["mlp"][k])),
                    stats(pooled("torch", lambda run, k=key: run["mlp"][k])),
                    target,
                    f"ratio ≤ {target}",
                )
            )

    n_race = RACE_REPS * args.rounds
    lines = [
        f"Measured {started} on {os.cpu_count()} CPU(s), {platform.machine()}, "
        f"Python {platform.python_version()}, {runs['trainlib'][0]['versions']}, "
        f"{runs['torch'][0]['versions']}; 1-minute load average {load0:.2f} before, "
        f"{load1:.2f} after. Each library ran alone in its own child process, "
        f"{args.rounds} rounds alternating which went first, with its default threads "
        f"({runs['trainlib'][0]['threads']}; {runs['torch'][0]['threads']}). Times per step "
        f"(per race: {n_race} races each), median and 95th percentile over all rounds; the "
        "ratio is of the medians. Race final points, trainlib vs PyTorch, relative "
        f"difference: median {np.median(rel):.1e}, worst {rel.max():.1e} (the worst: "
        "rounding differences grown over 1000 steps at a few starting points).",
        "",
        "| work | trainlib median | trainlib p95 | PyTorch median | PyTorch p95 "
        "| ratio trainlib/PyTorch | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for label, (ours, ours95), (theirs, theirs95), target, target_text in rows:
        ratio = ours / theirs
        lines.append(
            f"| {label} | {fmt(ours)} | {fmt(ours95)} | {fmt(theirs)} | {fmt(theirs95)} "
            f"| {ratio:.2f} | {target_text} | {'yes' if ratio <= target else 'no'} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_readme(table)


def write_readme(table: str) -> None:
    """Replace only the part between the engine markers (add the section if missing)."""
    readme = Path(__file__).with_name("README.md")
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    block = f"<!-- engine:start -->\n{table}\n<!-- engine:end -->"
    if "<!-- engine:start -->" in text:
        text = re.sub(
            r"<!-- engine:start -->.*?<!-- engine:end -->", lambda _: block, text, flags=re.S
        )
    else:
        text = text.rstrip() + "\n\n## Optimisation engine vs PyTorch\n\n" + block + "\n"
    readme.write_text(text)


if __name__ == "__main__":
    main()
