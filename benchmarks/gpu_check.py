"""The torch adapter on a CUDA device, against the CPU reverse engine; GPU Laplacian timings.

On CUDA, in float64: the gradient, the grad-of-grad Hessian and the torch.func Hessian of a
tanh MLP (in its input) and of xᵀQx, each compared with the project's reverse engines on the
CPU (largest normwise relative difference); then the Laplacian benchmark's torch and jax methods
timed on the GPU and compared with the CPU forward Laplacian. Without CUDA it says so and skips.
``python -m benchmarks gpu_check`` runs it.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # share the GPU with torch

import numpy as np  # noqa: E402

from benchmarks import laplacian as L  # noqa: E402
from benchmarks.mlp import _fmt, median_time  # noqa: E402


def rel(a, b) -> float:
    """Normwise relative difference max|a - b| / max|b|."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


def mlp_x(xp, x, W1, W2, w3):
    return xp.tanh(xp.tanh(x @ W1) @ W2) @ w3


def quad(xp, x, Q):
    return x @ Q @ x


def cases(rng):
    n = 16
    W1, W2 = rng.standard_normal((n, 64)) / 4, rng.standard_normal((64, 64)) / 8
    return {"tanh MLP": (mlp_x, (rng.standard_normal(n), W1, W2, rng.standard_normal(64))),
            "x'Qx": (quad, (rng.standard_normal(n), rng.standard_normal((n, n))))}


def adapter_check(device: str) -> None:
    from adcheck.engines.ad import ADEngine
    from adcheck.engines.adapters.torch_engine import TorchEngine

    ror = ADEngine("ror", "reverse", "reverse")
    engines = [TorchEngine("torch", "autograd", device),
               TorchEngine("torch-fwd-over-rev", "func", device)]
    print(f"torch adapter on {device} vs CPU reverse engine (max normwise relative difference):")
    for name, (f, args) in cases(np.random.default_rng(0)).items():
        ref_g, ref_h = ror.gradient(f, args).value, ror.hessian(f, args).value
        for e in engines:
            g, h = e.gradient(f, args).value, e.hessian(f, args).value
            second = "grad of grad" if e.mode == "autograd" else "torch.func hessian"
            print(f"  {name:<9} {e.name:<19} gradient {rel(g, ref_g):.1e}   "
                  f"Hessian ({second}) {rel(h, ref_h):.1e}")


def dropin_check(device: str) -> None:
    """adcheck.torch.gradcheck on tensors living on ``device``: the claim is computed there."""
    import torch
    import torch.nn.functional as F

    import adcheck.torch as at

    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.log1p(torch.exp(x))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.sigmoid(x)

    gen = torch.Generator(device="cpu").manual_seed(0)
    x = torch.randn(4, 7, dtype=torch.float64, generator=gen).to(device)
    w = torch.randn(7, 3, dtype=torch.float64, generator=gen).to(device)
    cases = {"custom softplus": (Softplus.apply, (x,)),
             "log_softmax(x @ w)": (lambda x, w: F.log_softmax(x @ w, -1), (x, w)),
             "float32 layer_norm": (lambda x: F.layer_norm(x, (7,)), (x.float(),))}
    print(f"adcheck.torch.check with tensors on {device}:")
    for name, (fn, args) in cases.items():
        v = at.check(fn, args)
        print(f"  {name:<20} {v.verdict:<12} {v.dtype:<8} {v.reference.split(':')[0]}")


def laplacian_timings(device: str) -> None:
    from adcheck.engines import taylor

    print(f"Laplacian of the tanh MLP (3x{L.WIDTH}), batch {L.BATCH}, on {device} "
          f"(median of >= 7; max relative difference from the CPU forward Laplacian):")
    for d in L.DIMS:
        X, params = L.problem(d)
        ref = taylor.laplacian(L.u, X, params)
        methods = {**L.torch_methods(X, params, device)}
        try:
            methods.update(L.jax_methods(X, params, "gpu"))
        except RuntimeError as e:  # jax without a GPU backend
            print(f"  jax: no GPU backend ({str(e).splitlines()[0]})")
        for name, fn in methods.items():
            print(f"  d={d:<3} {name:<28} {_fmt(median_time(fn)):>10}   "
                  f"rel. diff {rel(fn(), ref):.1e}")


def main() -> None:
    try:
        import torch
    except ImportError:
        print("torch is not installed: skipped")
        return
    if not torch.cuda.is_available():
        print(f"CUDA is not available (torch {torch.__version__}): GPU checks skipped")
        return
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name(0)}")
    adapter_check("cuda")
    dropin_check("cuda")
    laplacian_timings("cuda")


if __name__ == "__main__":
    main()
