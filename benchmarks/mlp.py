"""Forward and forward+gradient time of a tanh MLP with MSE loss.

Frameworks: the reverse engine, a hand-written numpy backprop (the floor for any numpy-based
engine), torch eager, jax.jit(value_and_grad) and HIPS autograd. Each framework runs in its own
process (so one library's import or thread pool cannot slow another), float64, one thread.
The processes are driven in turns, one repeat each, so that a change in the machine's load
falls on every framework alike; a repeat loops the call for at least ~20 ms. Times are wall
clock (what a user waits for: torch, for one, hands work between threads and waits, which CPU
time would not count); BENCH_CLOCK=cpu switches to the process's CPU time, steadier on a busy
machine. Medians of the repeats (at least 7).
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
    from adcheck.engines.namespace import ad
    from adcheck.engines.transforms import value_and_grad

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


def _table_clock():
    return time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


class Timer:
    """Times one call: calibrates a loop count once, then returns seconds per call per repeat.

    ``clock``: time.perf_counter (wall, the default) or time.process_time (see the module
    docstring).
    """

    def __init__(self, fn, clock=time.perf_counter):
        fn()  # warm up (and compile, for jax)
        start = clock()
        fn()
        self.fn, self.clock = fn, clock
        self.number = max(1, int(MIN_REPEAT_S / max(clock() - start, 1e-7)))

    def repeat(self) -> float:
        fn, clock = self.fn, self.clock
        start = clock()
        for _ in range(self.number):
            fn()
        return (clock() - start) / self.number


def median_time(fn, repeats: int = REPEATS) -> float:
    """Median wall-clock seconds per call of ``fn`` over ``repeats`` repeats."""
    timer = Timer(fn, time.perf_counter)
    return float(np.median([timer.repeat() for _ in range(repeats)]))


def serve(framework: str) -> None:
    """Worker process: answer "size kind" lines on stdin with one repeat's time as JSON.

    The worker is pinned to one core: libraries that ignore the thread settings (XLA's own
    pools) then still compute on one core, like the others.
    """
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    try:
        calls = {}
        for size in SIZES:
            forward, both = SETUP[framework](*problem(size))
            calls[size, "forward"], calls[size, "grad"] = forward, both
    except ImportError as e:
        print(json.dumps({"missing": f"{framework} not installed ({e.name}); "
                                     f"`make bench` installs it"}), flush=True)
        return
    print(json.dumps({"ready": framework}), flush=True)
    timers = {}
    for line in sys.stdin:
        key = tuple(line.split())
        if key not in timers:
            timers[key] = Timer(calls[key], _table_clock())
        print(json.dumps({"t": timers[key].repeat()}), flush=True)


def measure(frameworks=FRAMEWORKS, repeats: int = REPEATS) -> dict:
    """{framework: {size: {"forward": s, "grad": s}} or {"missing": why}}, measured in turns."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
               JAX_PLATFORMS="cpu")  # every peer on the CPU, even where a GPU is present
    workers, results = {}, {}
    for f in frameworks:
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.mlp", "--serve", f],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = proc.stdout.readline()
        first = json.loads(line) if line else {"missing": f"{f} failed to start (see above)"}
        if "missing" in first:
            results[f] = first
            proc.wait()
        else:
            workers[f] = proc
    times = {f: {(s, k): [] for s in SIZES for k in ("forward", "grad")} for f in workers}
    for size in SIZES:
        for kind in ("forward", "grad"):
            for _ in range(repeats):
                for f, proc in workers.items():
                    proc.stdin.write(f"{size} {kind}\n")
                    proc.stdin.flush()
                    reply = proc.stdout.readline()
                    if not reply:
                        raise RuntimeError(f"the {f} worker stopped while timing {size} {kind}")
                    times[f][size, kind].append(json.loads(reply)["t"])
    for f, proc in workers.items():
        proc.stdin.close()
        proc.wait()
        results[f] = {s: {k: float(np.median(times[f][s, k])) for k in ("forward", "grad")}
                      for s in SIZES}
    return results


def counted_flops(size: str) -> tuple[int, int]:
    """Counted (forward, backward) flops of one engine gradient of every parameter."""
    from adcheck.engines.core import counting
    from adcheck.engines.namespace import ad
    from adcheck.engines.transforms import vjp

    X, Y, params = problem(size)
    with counting() as fwd:
        _, pullback = vjp(loss, ad, (X, Y, *params), tuple(range(2, 2 + len(params))))
    with counting() as bwd:
        pullback(1.0)
    return fwd.flops, bwd.flops


# ----------------------------------------------------------------------------- the table

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
    clock = "CPU" if os.environ.get("BENCH_CLOCK") == "cpu" else "wall-clock"
    lines = [f"{clock} time per call (median of {REPEATS} interleaved repeats), "
             f"forward / forward+gradient:",
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
                parts.append(f"engine/{peer} {ratio:.3f}{mark}")
        fwd, bwd = counted_flops(size)
        n_params = sum(p.size for p in problem(size)[2])
        parts.append(f"bwd/fwd flops {bwd / fwd:.2f} ({n_params} params)")
        lines.append(f"  {size:8}" + "; ".join(parts))
    for f in FRAMEWORKS:
        if "missing" in results[f]:
            lines.append(f"note: {results[f]['missing']}")
    return lines


def main() -> None:
    """Measure every framework in its own process, in turns, and print the table."""
    results = measure()
    if "missing" in results["engine"] or "missing" in results["numpy"]:
        raise SystemExit(f"the engine or numpy run failed: {results}")
    print("\n".join(table(results)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        main()
