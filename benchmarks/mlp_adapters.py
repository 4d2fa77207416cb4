"""The MLP table's rows for the torch and jax adapter engines.

The same tanh MLP with MSE loss and the same four sizes as ``benchmarks.mlp``, written once
against the namespace and run through each adapter's namespace (engines.adapters): forward,
and forward + gradient of every parameter by the adapter's method. Each library runs in its
own process, with its direct use (torch eager on torch functions; jax.jit) measured in the
same process for the ratio. Float64, one thread, medians of >= 7 repeats.
``python -m benchmarks mlp_adapters`` runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.mlp import SIZES, _fmt, loss, median_time, problem

LIBS = ("torch", "jax")


def _torch_rows(X, Y, params) -> dict:
    import torch
    import torch.func as tf

    from adcheck.engines.adapters.torch_engine import namespace
    torch.set_num_threads(1)
    xp = namespace()
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    ps = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params]

    def autograd_both(xp):
        value = loss(xp, Xt, Yt, *ps)
        return value, torch.autograd.grad(value, ps)

    def forward(xp):
        with torch.no_grad():
            return loss(xp, Xt, Yt, *ps)

    func_grad = tf.grad_and_value(lambda qs: loss(xp, Xt, Yt, *qs))
    plain = [p.detach() for p in ps]
    return {
        "torch eager (direct)": (lambda: forward(torch), lambda: autograd_both(torch)),
        "adapter torch": (lambda: forward(xp), lambda: autograd_both(xp)),
        "adapter torch-fwd-over-rev": (lambda: forward(xp), lambda: func_grad(plain)),
    }


def _jax_rows(X, Y, params) -> dict:
    import jax
    import jax.numpy as jnp

    from adcheck.engines.adapters.jax_engine import XP
    jax.config.update("jax_enable_x64", True)  # this child process only
    args = [jnp.asarray(a) for a in (X, Y, *params)]
    n = tuple(range(2, len(args)))

    def f(xp):
        return lambda *a: loss(xp, *a)
    jit_f, jit_both = jax.jit(f(jnp)), jax.jit(jax.value_and_grad(f(jnp), argnums=n))
    # the adapter engines compile each derivative once (jit) and reuse it
    xp_f, xp_both = jax.jit(f(XP)), jax.jit(jax.value_and_grad(f(XP), argnums=n))
    eager_both = jax.value_and_grad(f(XP), argnums=n)
    return {
        "jax.jit (direct)": (lambda: jit_f(*args).block_until_ready(),
                             lambda: jax.block_until_ready(jit_both(*args))),
        "adapter jax (jit, as the engine)": (lambda: xp_f(*args).block_until_ready(),
                                             lambda: jax.block_until_ready(xp_both(*args))),
        "adapter jax, eager": (lambda: f(XP)(*args).block_until_ready(),
                               lambda: jax.block_until_ready(eager_both(*args))),
    }


def measure(lib: str) -> dict:
    """{row: {size: [forward s, forward+gradient s]}} for one library, or {"missing": why}."""
    try:
        out = {}
        for size in SIZES:
            X, Y, params = problem(size)
            rows = (_torch_rows if lib == "torch" else _jax_rows)(X, Y, params)
            for name, (fwd, both) in rows.items():
                out.setdefault(name, {})[size] = [median_time(fwd), median_time(both)]
        return out
    except ImportError as e:
        return {"missing": f"{lib} not installed ({e.name}); `make bench` installs it"}


def _child(lib: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.mlp_adapters", "--one", lib],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        return {"missing": f"{lib} failed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    print("MLP (tanh, MSE) through the adapter engines' namespaces; forward / forward+gradient "
          "of all parameters, median of >= 7, float64, one thread")
    print(f"{'row':<32}" + "".join(f"{s:>22}" for s in SIZES))
    for lib in LIBS:
        res = _child(lib)
        if "missing" in res:
            print(f"note: {res['missing']}")
            continue
        direct = next(r for r in res if "direct" in r)
        for row, cells in res.items():
            print(f"{row:<32}" + "".join(
                f"{_fmt(cells[s][0]) + ' / ' + _fmt(cells[s][1]):>22}" for s in SIZES))
        for row in res:
            if row != direct:
                print(f"  {row} / {direct}, forward+gradient: " + ", ".join(
                    f"{s} {res[row][s][1] / res[direct][s][1]:.2f}" for s in SIZES))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
