"""What it costs to verify a gradient (and a Hessian-vector product).

The small tanh MLP loss (tiny: d=4, width 16, 2 hidden layers, 1 output, batch 8: 369
parameters; and a larger one of 10 497) checked by adcheck's random-probe check
(adcheck.api.probe) and by the drop-in calls ``adcheck.torch.gradcheck`` and
``adcheck.jax.check_grads`` against torch.autograd.gradcheck (slow and fast_mode),
gradgradcheck and jax.test_util.check_grads(order=2): function evaluations, passes and wall
time. The drop-in calls take the exact-reference route on the tiny MLP and probe the larger one
(their probe's miss probability is printed). Then every mutant of a hand-written backprop goes
through the probe check. ``python -m benchmarks verification_cost`` runs it.
"""

from __future__ import annotations

import math
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

SIZES = {"tiny": (4, 16, 2, 8), "larger": (32, 64, 3, 64)}  # d, width, hidden, batch
MUTANTS = ("transpose", "factor2", "sign", "zero-block", "float32")
PROBES = 4


def shapes(size):
    d, w, hidden, _ = SIZES[size]
    dims = [d] + [w] * hidden + [1]
    return [s for m, n in zip(dims[:-1], dims[1:]) for s in ((m, n), (n,))]


def unflatten(xp, theta, shp):
    out, i = [], 0
    for s in shp:
        out.append(xp.reshape(theta[i:i + math.prod(s)], s))
        i += math.prod(s)
    return out


def make_loss(size):
    """loss(xp, theta, X, Y): the MLP's mean squared error, parameters flattened."""
    shp = shapes(size)

    def loss(xp, theta, X, Y):
        ps = unflatten(xp, theta, shp)
        h = X
        for k in range(0, len(ps) - 2, 2):
            h = xp.tanh(h @ ps[k] + ps[k + 1])
        r = h @ ps[-2] + ps[-1] - Y
        return xp.mean(r * r)
    return loss


def hand_gradient(size, theta, X, Y, bug=None):
    """Hand-written backprop of the loss; ``bug`` switches on one common mistake."""
    dt = np.float32 if bug == "float32" else np.float64
    ps = [p.astype(dt) for p in unflatten(np, theta, shapes(size))]
    hs = [X.astype(dt)]
    for k in range(0, len(ps) - 2, 2):
        hs.append(np.tanh(hs[-1] @ ps[k] + ps[k + 1]))
    r = hs[-1] @ ps[-2] + ps[-1] - Y.astype(dt)
    g = (1 if bug == "factor2" else 2) * r / r.size
    grads = [None] * len(ps)
    for k in range(len(ps) - 2, -1, -2):
        h = hs[k // 2]
        grads[k], grads[k + 1] = h.T @ g, g.sum(axis=0)
        if k:
            g = (g @ ps[k].T) * (1.0 - h * h)
    if bug == "transpose":
        grads[2] = grads[2].T  # a square hidden-to-hidden weight
    if bug == "sign":
        grads[-1] = -grads[-1]  # the output bias: one component
    if bug == "zero-block":
        grads[1] = 0 * grads[1]
    return np.concatenate([np.ravel(x) for x in grads]).astype(np.float64)


def problem(size, seed=0):
    d, _, _, batch = SIZES[size]
    rng = np.random.default_rng(seed)
    n = sum(math.prod(s) for s in shapes(size))
    return rng.standard_normal(n) / 4, rng.standard_normal((batch, d)), \
        rng.standard_normal((batch, 1))


class Counted:
    """Counts calls of a function (evaluations a checker asked for)."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *a):
        self.calls += 1
        return self.fn(*a)


def timed(fn, *args, **kw):
    """(fn(*args, **kw), wall seconds of that one call)."""
    start = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start


# ----------------------------------------------------------------------------- the checkers

def adcheck_rows(size):
    from adcheck.api.probe import check_gradient, check_hvp
    from adcheck.engines.ad import ADEngine

    theta, X, Y = problem(size)
    loss = make_loss(size)
    g = hand_gradient(size, theta, X, Y)
    H = None
    rows = {}
    for ref in ("jvp", "richardson"):
        r, t = timed(lambda ref=ref: check_gradient(loss, (theta, X, Y), g,
                                                    np.random.default_rng(1), probes=PROBES,
                                                    reference=ref))
        rows[f"adcheck probe gradient ({ref})"] = (r.passes, t, r.passed, r)
    if size == "tiny":
        H = ADEngine("r", "reverse", "reverse").hessian(loss, (theta, X, Y)).value
        r, t = timed(lambda: check_hvp(loss, (theta, X, Y), lambda v: H @ v,
                                       np.random.default_rng(2), probes=PROBES))
        rows["adcheck probe HVP (jvp)"] = (r.passes, t, r.passed, r)
    return rows


def torch_rows(size):
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(1)
    theta, X, Y = problem(size)
    loss = make_loss(size)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    rows = {}
    checks = [("torch gradcheck (slow)", torch.autograd.gradcheck, {}),
              ("torch gradcheck (fast_mode)", torch.autograd.gradcheck, {"fast_mode": True})]
    if size == "tiny":
        checks.append(("torch gradgradcheck (slow)", torch.autograd.gradgradcheck, {}))
    for name, check, kw in checks:
        fn = Counted(lambda t: loss(torch, t, Xt, Yt))
        t0 = torch.from_numpy(theta.copy()).requires_grad_(True)
        ok, t = timed(check, fn, (t0,), **kw)
        rows[name] = (fn.calls, t, ok, None)
    rows.update(dropin_torch_rows(size, loss, theta, Xt, Yt))
    return rows


def _quiet(fn, *args, **kw):
    """Run a drop-in check; return (its result, wall seconds, what it printed)."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        out, t = timed(fn, *args, **kw)
    return out, t, buf.getvalue()


def _warm_up_torch() -> None:
    """The first traced check of a process imports torch's tracer (seconds): not measured."""
    import torch

    import adcheck.torch as at
    at.gradcheck(lambda x: torch.tanh(x).sum(), (torch.ones(3, dtype=torch.float64),))


def dropin_torch_rows(size, loss, theta, Xt, Yt):
    import torch

    import adcheck.torch as at
    _warm_up_torch()
    fn = Counted(lambda t: loss(torch, t, Xt, Yt))
    t0 = torch.from_numpy(theta.copy()).requires_grad_(True)
    ok, t, said = _quiet(at.gradcheck, fn, (t0,))
    how = "probe" if "probes" in said else "exact ref."
    return {f"adcheck.torch.gradcheck ({how})": (fn.calls, t, ok, said.strip() or None)}


def jax_rows(size):
    try:
        import jax
        import jax.numpy as jnp
        from jax.test_util import check_grads
    except ImportError:
        return {}
    theta, X, Y = problem(size)
    loss = make_loss(size)
    def check(fn, theta):
        try:
            check_grads(fn, (theta,), order=2)
            return True
        except AssertionError:  # its fixed step and size-scaled tolerance: a false alarm
            return False

    with jax.enable_x64(True), jax.default_device(jax.devices("cpu")[0]):
        fn = Counted(lambda t: loss(jnp, t, jnp.asarray(X), jnp.asarray(Y)))
        ok, t = timed(check, jax.jit(fn), jnp.asarray(theta))
        rows = {"jax check_grads(order=2), jit": (fn.calls, t, ok, None)}
        rows.update(dropin_jax_rows(loss, theta, X, Y))
    return rows


def dropin_jax_rows(loss, theta, X, Y):
    import jax.numpy as jnp

    import adcheck.jax as aj

    def check(fn, theta):
        try:
            aj.check_grads(fn, (theta,), 1, modes=("rev",))
            return True
        except AssertionError:
            return False
    check(lambda t: jnp.sum(jnp.tanh(t)), jnp.ones(3))  # warm-up: not measured
    fn = Counted(lambda t: loss(jnp, t, jnp.asarray(X), jnp.asarray(Y)))
    ok, t, said = _quiet(check, fn, jnp.asarray(theta))
    how = "probe" if "probes" in said else "exact ref."
    return {f"adcheck.jax.check_grads (order=1, {how})": (fn.calls, t, ok, said.strip() or None)}


# ----------------------------------------------------------------------------- check() CPU

def cpu_median(fn, repeats: int = 5) -> float:
    """Median CPU seconds of ``fn()`` over ``repeats`` warm calls (one warm-up first)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return sorted(times)[len(times) // 2]


def check_cost() -> None:
    """Warm ``adcheck.check`` CPU against torch.autograd.gradcheck (default mode, float64) on
    the same gradients, measured in this run: the cost budget is 2x torch's gradcheck for
    gradients up to 1,000 inputs, and 1 s for a Hessian of 110 inputs."""
    import adcheck
    print("-- warm check() CPU (median of 5) against torch.autograd.gradcheck, float64")
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    functions = {"mean": (lambda xp, a: xp.mean(a), lambda t: t.mean()),
                 "sum(tanh(x)^2)": (lambda xp, a: xp.sum(xp.tanh(a) ** 2),
                                    lambda t: (torch.tanh(t) ** 2).sum())}
    for shape in ((10, 11), (25, 40)):
        x = rng.standard_normal(shape)
        for name, (f, f_torch) in functions.items():
            mine = cpu_median(lambda x=x, f=f: adcheck.check(f, (x,)))
            line = (f"  gradient of {name} over {shape[0]}x{shape[1]}: check "
                    f"{mine * 1e3:.1f} ms CPU")
            if torch is not None:
                xt = torch.from_numpy(x).requires_grad_(True)
                theirs = cpu_median(
                    lambda xt=xt, g=f_torch: torch.autograd.gradcheck(g, (xt,)))
                line += f", torch gradcheck {theirs * 1e3:.1f} ms: ratio {mine / theirs:.2g}x"
            print(line)
    x = rng.standard_normal((10, 11))
    engines = ["forward-over-reverse", "reverse-over-reverse", "central"]
    hess = cpu_median(lambda: adcheck.check(lambda xp, a: xp.sum(xp.tanh(a) ** 2), (x,),
                                            kind="hessian", engines=engines), repeats=3)
    print(f"  Hessian of sum(tanh(x)^2), 110 inputs, {', '.join(engines)}: "
          f"{hess:.2f} s CPU (budget 1 s)")


# ----------------------------------------------------------------------------- the table

def main() -> None:
    print("Verifying the gradient of a tanh-MLP MSE loss; float64, one thread, wall time of "
          "one check (f-calls: evaluations of f the checker asked for; for adcheck, AD passes "
          "or evaluations; jax counts traces)")
    for size in SIZES:
        n = sum(math.prod(s) for s in shapes(size))
        rows = {**adcheck_rows(size), **torch_rows(size), **jax_rows(size)}
        print(f"-- {size}: {n} parameters")
        print(f"{'checker':<34}{'f-calls':>9}{'wall':>11}{'verdict':>9}")
        for name, (calls, t, ok, _) in rows.items():
            print(f"{name:<34}{calls:>9}{t * 1e3:>9.1f}ms{'pass' if ok else 'FAIL':>9}")
        r = rows["adcheck probe gradient (jvp)"][3]
        print("  " + r.message(relative=1e-10))
        for name, (_, _, _, said) in rows.items():
            if name.startswith("adcheck.") and isinstance(said, str):
                print(f"  {name}: " + said.splitlines()[-1].strip())
        ratios(rows)
        if not rows.get("jax check_grads(order=2), jit", (0, 0, True))[2]:
            print("  jax check_grads FAIL is a false alarm: the gradient is right (adcheck and "
                  "torch agree); its fixed step 1e-4 with rtol 1e-5 is too tight here")
        for rel in (1e-6, 1e-8, 1e-10):
            print(f"  P(an error of relative size {rel:g} escapes {r.probes} probes) = "
                  f"{r.miss_probability(rel):.3g}")
        mutants(size)
    check_cost()


def ratios(rows) -> None:
    """The drop-in torch check's wall time against torch's fast and slow modes."""
    mine = [v[1] for k, v in rows.items() if k.startswith("adcheck.torch.gradcheck")]
    fast = rows.get("torch gradcheck (fast_mode)")
    slow = rows.get("torch gradcheck (slow)")
    if mine and fast and slow:
        print(f"  adcheck.torch.gradcheck / torch fast_mode = {mine[0] / fast[1]:.2g}x; "
              f"/ torch slow = {mine[0] / slow[1]:.2g}x")


def mutants(size: str) -> None:
    """Each mutant of the hand-written backprop through the probe check."""
    from adcheck.api.probe import check_gradient

    theta, X, Y = problem(size)
    loss = make_loss(size)
    print(f"  mutants of the hand-written backprop ({size}), probe check, jvp / richardson:")
    for bug in MUTANTS:
        verdicts = []
        for ref in ("jvp", "richardson"):
            r = check_gradient(loss, (theta, X, Y), hand_gradient(size, theta, X, Y, bug),
                               np.random.default_rng(3), probes=PROBES, reference=ref)
            verdicts.append(f"{'caught' if not r.passed else 'MISSED'} "
                            f"(worst ratio {r.worst_ratio:.2g})")
        print(f"    {bug:<11} " + " / ".join(verdicts))


if __name__ == "__main__":
    main()
