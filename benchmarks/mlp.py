"""Issue-2 benchmark: forward and forward+gradient time of a tanh MLP with MSE loss.

Frameworks: the reverse engine, a hand-written numpy backprop (the floor for any numpy-based
engine), torch eager, jax.jit(value_and_grad) and HIPS autograd. Each framework runs in its own
process (so one library's import or thread pool cannot slow another), float64, one thread.
Times are medians of at least 7 repeats; a repeat loops the call enough to last ~20 ms.
Missing peers are skipped with a note. ``python -m benchmarks mlp`` runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

SIZES = {  # name: (input and output width d, hidden width, hidden layers, batch)
    "tiny": (4, 16, 2, 8),
    "small": (32, 64, 3, 64),
    "medium": (128, 256, 4, 256),
    "large": (512, 1024, 4, 512),
}
GOALS = {  # size: (framework the engine is compared with, largest ratio allowed)
    "tiny": ("torch", 0.40), "small": ("torch", 0.75),
    "medium": ("numpy", 1.10), "large": ("numpy", 1.10),
}
FRAMEWORKS = ("engine", "numpy", "torch", "jax", "autograd")
REPEATS = 7
MIN_REPEAT_S = 0.02


def problem(size: str, seed: int = 0) -> tuple:
    """Inputs X, targets Y and parameters W1, b1, ..., W_out, b_out of one size."""
    d, width, hidden, batch = SIZES[size]
    rng = np.random.default_rng(seed)
    dims = [d] + [width] * hidden + [d]
    params = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        params += [rng.standard_normal((n_in, n_out)) / np.sqrt(n_in),
                   0.1 * rng.standard_normal(n_out)]
    return rng.standard_normal((batch, d)), rng.standard_normal((batch, d)), params


def loss(xp, X, Y, *params):
    """Mean squared error of a tanh MLP; ``xp`` is any namespace with tanh and mean."""
    h = X
    for k in range(0, len(params) - 2, 2):
        h = xp.tanh(h @ params[k] + params[k + 1])
    r = h @ params[-2] + params[-1] - Y
    return xp.mean(r * r)


def hand_value_and_grad(X, Y, *params):
    """The loss and its parameter gradients by hand-written backprop (the numpy floor)."""
    hs = [X]
    for k in range(0, len(params) - 2, 2):
        hs.append(np.tanh(hs[-1] @ params[k] + params[k + 1]))
    r = hs[-1] @ params[-2] + params[-1] - Y
    g = r * (2.0 / r.size)
    grads = [None] * len(params)
    for k in range(len(params) - 2, -1, -2):
        h = hs[k // 2]
        grads[k], grads[k + 1] = h.T @ g, g.sum(axis=0)
        if k:
            g = (g @ params[k].T) * (1.0 - h * h)
    return np.mean(r * r), grads


# ----------------------------------------------------------------------------- one framework each

def _setup_engine(X, Y, params):
    from engines.namespace import ad
    from engines.transforms import value_and_grad

    both = value_and_grad(loss, tuple(range(2, 2 + len(params))))
    return (lambda: loss(ad, X, Y, *params)), (lambda: both(ad, X, Y, *params))


def _setup_numpy(X, Y, params):
    return (lambda: loss(np, X, Y, *params)), (lambda: hand_value_and_grad(X, Y, *params))


def _setup_torch(X, Y, params):
    import torch

    torch.set_num_threads(1)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    ps = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params]

    def forward():
        with torch.no_grad():
            return loss(torch, Xt, Yt, *ps)

    def both():
        value = loss(torch, Xt, Yt, *ps)
        return value, torch.autograd.grad(value, ps)

    return forward, both


def _setup_jax(X, Y, params):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(X, Y, *ps):
        return loss(jnp, X, Y, *ps)

    fwd = jax.jit(f)
    both = jax.jit(jax.value_and_grad(f, argnums=tuple(range(2, 2 + len(params)))))
    args = [jnp.asarray(a) for a in (X, Y, *params)]
    return ((lambda: fwd(*args).block_until_ready()),
            (lambda: jax.block_until_ready(both(*args))))


def _setup_autograd(X, Y, params):
    import autograd
    import autograd.numpy as anp

    def f(ps, X, Y):
        return loss(anp, X, Y, *ps)

    both = autograd.value_and_grad(f)
    return (lambda: f(params, X, Y)), (lambda: both(list(params), X, Y))


SETUP = {"engine": _setup_engine, "numpy": _setup_numpy, "torch": _setup_torch,
         "jax": _setup_jax, "autograd": _setup_autograd}


def median_time(fn) -> float:
    """Median seconds per call over ``REPEATS`` repeats, each looping ``fn`` >= MIN_REPEAT_S."""
    fn()  # warm up (and compile, for jax)
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(MIN_REPEAT_S / once))
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return float(np.median(times))


def measure(framework: str) -> dict:
    """{size: {"forward": s, "grad": s}} for one framework, or {"missing": why}."""
    try:
        results = {}
        for size in SIZES:
            X, Y, params = problem(size)
            forward, both = SETUP[framework](X, Y, params)
            results[size] = {"forward": median_time(forward), "grad": median_time(both)}
        return results
    except ImportError as e:
        return {"missing": f"{framework} not installed ({e.name}); `make bench` installs it"}


def counted_flops(size: str) -> tuple[int, int]:
    """Counted (forward, backward) flops of one engine gradient of every parameter."""
    from engines.core import counting
    from engines.namespace import ad
    from engines.transforms import vjp

    X, Y, params = problem(size)
    with counting() as fwd:
        _, pullback = vjp(loss, ad, (X, Y, *params), tuple(range(2, 2 + len(params))))
    with counting() as bwd:
        pullback(1.0)
    return fwd.flops, bwd.flops


# ----------------------------------------------------------------------------- the table

def _run_child(framework: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.mlp", "--one", framework],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        return {"missing": f"{framework} failed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def table(results: dict) -> list[str]:
    """Lines of the printed table: times, ratios against the goals, counted flop ratios."""
    have = [f for f in FRAMEWORKS if "missing" not in results[f]]
    lines = [f"times (median of {REPEATS}, forward / forward+gradient):",
             f"{'size':8}" + "".join(f"{f:>24}" for f in have)]
    for size in SIZES:
        cells = [f"{_fmt(results[f][size]['forward'])} / {_fmt(results[f][size]['grad'])}"
                 for f in have]
        lines.append(f"{size:8}" + "".join(f"{c:>24}" for c in cells))
    lines.append("ratios of forward+gradient time, and counted backward/forward flops:")
    for size in SIZES:
        eng = results["engine"][size]["grad"]
        parts = []
        for peer in ("numpy", "torch"):
            if peer in have:
                ratio = eng / results[peer][size]["grad"]
                goal_peer, goal = GOALS[size]
                mark = ""
                if peer == goal_peer:
                    mark = f" (goal <= {goal}: {'met' if ratio <= goal else 'NOT met'})"
                parts.append(f"engine/{peer} {ratio:.2f}{mark}")
        fwd, bwd = counted_flops(size)
        n_params = sum(p.size for p in problem(size)[2])
        parts.append(f"bwd/fwd flops {bwd / fwd:.2f} ({n_params} params)")
        lines.append(f"  {size:8}" + "; ".join(parts))
    for f in FRAMEWORKS:
        if "missing" in results[f]:
            lines.append(f"note: {results[f]['missing']}")
    return lines


def main() -> None:
    """Measure every framework in its own process and print the table."""
    results = {f: _run_child(f) for f in FRAMEWORKS}
    if "missing" in results["engine"] or "missing" in results["numpy"]:
        raise SystemExit(f"the engine or numpy run failed: {results}")
    print("\n".join(table(results)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
