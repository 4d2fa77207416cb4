"""The Laplacian of a tanh MLP u: R^d -> R at a batch of 128 points.

Methods: adcheck by nested reverse (one taped gradient, d reverse sweeps), forward-over-reverse
(d forward passes over the gradient) and the forward Laplacian (one pass, engines.taylor);
torch nested autograd.grad (the appendix's recipe), torch.func vmap(hessian) trace,
jax.jit(vmap(hessian)) trace; numpy second differences. Float64, one thread, medians of >= 7
repeats, all in one process so the ratios compare like with like. ``python -m benchmarks
laplacian`` runs it.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

from benchmarks.mlp import _fmt, median_time  # noqa: E402

DIMS = (2, 8, 32)
WIDTH, DEPTH, BATCH = 64, 3, 128
AD_METHODS = ("adcheck nested reverse", "adcheck fwd-over-rev", "adcheck forward Laplacian",
              "torch nested autograd.grad", "torch.func vmap(hessian)", "jax.jit(hessian)")
GOALS = "adcheck best <= 0.5x torch nested autograd.grad at d=32, <= 2x jax.jit; AD agree ~1e-12"


def u(xp, X, params):
    """tanh MLP, each row of X (B, d) to one output (B,)."""
    h = X
    for W, b in params[:-1]:
        h = xp.tanh(h @ W + b)
    W, b = params[-1]
    return (h @ W + b)[..., 0]


def problem(d: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = [d] + [WIDTH] * DEPTH + [1]
    params = [(rng.standard_normal((m, n)) / np.sqrt(m), 0.1 * rng.standard_normal(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return rng.standard_normal((BATCH, d)), params


# ----------------------------------------------------------------------------- adcheck

def adcheck_methods(X, params) -> dict:
    from adcheck.engines import taylor
    from adcheck.engines import transforms as T
    from adcheck.engines.namespace import ad

    d = X.shape[1]
    cols = [np.zeros_like(X) for _ in range(d)]
    for i, c in enumerate(cols):
        c[:, i] = 1.0  # direction e_i at every point (rows are independent)
    grad = T.grad(lambda xp, X: xp.sum(u(xp, X, params)))

    def nested_reverse():
        _, pullback = T.vjp(grad, ad, (X,))
        return sum(pullback(c)[:, i] for i, c in enumerate(cols))

    def fwd_over_rev():
        return sum(T.jvp(grad, ad, (X,), c)[1][:, i] for i, c in enumerate(cols))

    return {"adcheck nested reverse": nested_reverse, "adcheck fwd-over-rev": fwd_over_rev,
            "adcheck forward Laplacian": lambda: taylor.laplacian(u, X, params)}


def numpy_second_differences(X, params):
    """Central second differences, step u^(1/4) scaled: 2d+1 batched evaluations."""
    h = np.finfo(float).eps ** 0.25 * np.maximum(1.0, np.abs(X))

    def run():
        u0 = u(np, X, params)
        total = 0.0
        for i in range(X.shape[1]):
            E = np.zeros_like(X)
            E[:, i] = h[:, i]
            total = total + (u(np, X + E, params) - 2 * u0 + u(np, X - E, params)) / h[:, i] ** 2
        return total
    return run


# ----------------------------------------------------------------------------- peers

def torch_methods(X, params, device: str = "cpu") -> dict:
    """torch's two methods on ``device``; each returns numpy after the device finishes."""
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(1)
    Xt = torch.from_numpy(X).to(device)
    ps = [(torch.from_numpy(W).to(device), torch.from_numpy(b).to(device)) for W, b in params]

    def nested():
        x = Xt.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(u(torch, x, ps).sum(), x, create_graph=True)
        lap = 0.0
        for i in range(x.shape[1]):
            (h,) = torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)
            lap = lap + h[:, i]
        return lap.detach().cpu().numpy()

    one = torch.func.vmap(lambda x: torch.trace(torch.func.hessian(
        lambda y: u(torch, y[None], ps)[0])(x)))
    return {"torch nested autograd.grad": nested,
            "torch.func vmap(hessian)": lambda: one(Xt).cpu().numpy()}


def jax_methods(X, params, backend: str = "cpu") -> dict:
    """jax.jit(vmap(hessian)) trace, with its arrays on ``backend`` ("cpu", "gpu")."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}
    with jax.enable_x64(True):
        dev = jax.devices(backend)[0]
        Xj = jax.device_put(X, dev)
        ps = [(jax.device_put(W, dev), jax.device_put(b, dev)) for W, b in params]
        lap = jax.jit(jax.vmap(lambda x: jnp.trace(jax.hessian(
            lambda y: u(jnp, y[None], ps)[0])(x))))
        lap(Xj).block_until_ready()  # compile once, under float64

    def run():
        with jax.enable_x64(True):
            return np.asarray(lap(Xj).block_until_ready())
    return {"jax.jit(hessian)": run}


# ----------------------------------------------------------------------------- the table

def measure(d: int) -> dict:
    """{method: (seconds, laplacians)} at dimension d."""
    X, params = problem(d)
    methods = {**adcheck_methods(X, params), **torch_methods(X, params),
               **jax_methods(X, params), "numpy second differences": numpy_second_differences(
                   X, params)}
    return {name: (median_time(fn), np.asarray(fn(), dtype=float))
            for name, fn in methods.items()}


def disagreement(results: dict, names) -> float:
    """Largest normwise relative difference of any method from adcheck nested reverse."""
    ref = results["adcheck nested reverse"][1]
    return max(float(np.max(np.abs(results[n][1] - ref)) / np.max(np.abs(ref)))
               for n in names if n in results)


def main() -> None:
    rows = {d: measure(d) for d in DIMS}
    names = list(rows[DIMS[0]])
    print(f"Laplacian of a tanh MLP (3x{WIDTH}), batch {BATCH}, float64, one thread; "
          f"median of >= 7 repeats")
    print(f"{'method':<28}" + "".join(f"{'d=' + str(d):>12}" for d in DIMS))
    for n in names:
        print(f"{n:<28}" + "".join(f"{_fmt(rows[d][n][0]):>12}" for d in DIMS))
    print(f"{'max rel. disagreement (AD)':<28}" + "".join(
        f"{disagreement(rows[d], AD_METHODS):>12.1e}" for d in DIMS))
    print(f"{'second differences error':<28}" + "".join(
        f"{disagreement(rows[d], ['numpy second differences']):>12.1e}" for d in DIMS))
    report_goals(rows[DIMS[-1]])


def report_goals(r: dict) -> None:
    """The goals at the largest d, quoted with the measured ratios."""
    ours = {n: r[n][0] for n in AD_METHODS[:3]}
    best = min(ours, key=ours.get)
    print(f"goals ({GOALS}); at d={DIMS[-1]} adcheck's best is {best}:")
    for peer, limit in (("torch nested autograd.grad", 0.5), ("jax.jit(hessian)", 2.0)):
        if peer in r:
            ratio = ours[best] / r[peer][0]
            print(f"  {best} / {peer} = {ratio:.2f} (goal <= {limit}): "
                  f"{'met' if ratio <= limit else 'NOT met'}")


if __name__ == "__main__":
    main()
