"""Regenerate tests/data/layer_refs.npz: torch references for trainlib.layers (needs torch).

Run from the repository root with a Python that has torch:  python tools/make_layer_refs.py

Contents
- bn_*: torch.nn.BatchNorm1d in float64 (momentum 0.1, eps 1e-5), a few train steps with
  random gamma/beta and a random upstream gradient, then one eval step. Per train step t:
  bn_x[t], bn_dout[t] → bn_out[t], bn_dx[t], bn_dgamma[t], bn_dbeta[t], and the running
  statistics after the step, bn_running_mean[t], bn_running_var[t].
- init_*: for torch.nn.init on a Linear weight of shape (fan_out, fan_in) (torch's layout,
  the transpose of ours), the empirical std and max |w| of a large draw, per initialiser,
  and gain_<nonlinearity> = torch.nn.init.calculate_gain (leaky_relu with slope 0.2).
  The tests compare these with trainlib.init's formulas, so a swapped fan or a wrong
  constant is caught against torch itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "layer_refs.npz"
N, C, STEPS = 8, 4, 3
FAN_IN, FAN_OUT = 300, 3000  # 900,000 draws per initialiser; asymmetric so fan swaps show
GAINS = [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", 0.2)]


def batchnorm_refs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    bn = torch.nn.BatchNorm1d(C, momentum=0.1, eps=1e-5).double()
    gamma = rng.uniform(0.5, 1.5, C)
    beta = rng.standard_normal(C)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    ref: dict[str, list] = {
        k: [] for k in ("x", "dout", "out", "dx", "dgamma", "dbeta", "running_mean", "running_var")
    }
    bn.train()
    for _ in range(STEPS):
        # shifted, scaled inputs so the running statistics move visibly away from (0, 1)
        x = rng.standard_normal((N, C)) * rng.uniform(0.5, 3.0, C) + rng.uniform(-2, 2, C)
        dout = rng.standard_normal((N, C))
        xt = torch.from_numpy(x).requires_grad_(True)
        bn.weight.grad = bn.bias.grad = None
        out = bn(xt)
        out.backward(torch.from_numpy(dout))
        for k, v in (
            ("x", x),
            ("dout", dout),
            ("out", out.detach().numpy()),
            ("dx", xt.grad.numpy()),
            ("dgamma", bn.weight.grad.numpy()),
            ("dbeta", bn.bias.grad.numpy()),
            ("running_mean", bn.running_mean.numpy()),
            ("running_var", bn.running_var.numpy()),
        ):
            ref[k].append(np.array(v, dtype=np.float64))
    bn.eval()
    x = rng.standard_normal((N, C)) * 2.0 + 1.0
    dout = rng.standard_normal((N, C))
    xt = torch.from_numpy(x).requires_grad_(True)
    out = bn(xt)
    out.backward(torch.from_numpy(dout))
    result = {f"bn_{k}": np.stack(v) for k, v in ref.items()}
    result.update(
        bn_gamma=gamma,
        bn_beta=beta,
        bn_eval_x=x,
        bn_eval_dout=dout,
        bn_eval_out=out.detach().numpy().copy(),
        bn_eval_dx=xt.grad.numpy().copy(),
    )
    return result


def init_refs() -> dict[str, np.ndarray]:
    torch.manual_seed(0)
    inits = {
        "glorot_uniform": lambda w: torch.nn.init.xavier_uniform_(w),
        "glorot_normal": lambda w: torch.nn.init.xavier_normal_(w),
        "he_uniform": lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
        "he_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
    }
    result: dict[str, np.ndarray] = {"init_fans": np.array([FAN_IN, FAN_OUT])}
    for name, fn in inits.items():
        w = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)  # torch Linear layout (out, in)
        fn(w)
        result[f"init_{name}_std"] = np.array(w.std().item())
        result[f"init_{name}_maxabs"] = np.array(w.abs().max().item())
    for nl, param in GAINS:
        result[f"gain_{nl}"] = np.array(torch.nn.init.calculate_gain(nl, param))
    return result


def main() -> None:
    rng = np.random.default_rng(20240611)
    refs = {**batchnorm_refs(rng), **init_refs(), "torch_version": np.array(torch.__version__)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **refs)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
