"""Accuracy and evaluations of finite differences against the exact oracle.

Cases: (a) gradient of xᵀQx, n=10, random symmetric Q (seed 0); (b) Black–Scholes gamma at
S=K=100, T=1, r=0.05, σ=0.2 by differentiating the price twice in S; (c) d/dx tanh at 0.7;
(d) Laplacian of sin(πx)sin(πy) at (0.3, 0.4). Schemes: our central, richardson and complex-step
engines, numdifftools and scipy.differentiate (benchmark-only dependencies; skipped with a note
when missing). Error: ‖approx − exact‖₂/‖exact‖₂ against the 50-digit oracle; evaluations:
function values computed (a vectorized call counts its points).

Then the estimate-reliability campaign: richardson on 1000 seeded random smooth functions
(first and second derivatives, 1 to 3 inputs), counting how often its error estimate bounds the
true error and how often it is at most 100× the true error (true error floored at half an ulp of
the exact value: no float64 result can be closer). ``python -m benchmarks accuracy``.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.exact import evaluate_exact, norm_rel_error, to_exact, ulps
from adcheck.engines.exact_engine import ExactEngine
from adcheck.engines.fd import Central, ComplexStep, Richardson
from adcheck.engines.namespace import numpy_ns
from adcheck.identities import pde

BS = dict(K=100.0, T=1.0, r=0.05, sigma=0.2)
GOAL_ULPS = 4
GOAL_BOUND, GOAL_WITHIN_100 = 0.99, 0.90


def bs_call(xp, S, K, T, r, sigma):
    """The catalogue's Black–Scholes call (``adcheck.identities.pde``), priced at t = 0."""
    return pde.bs_call(xp, S, 0.0, sigma, r, K, T)


def bs_gamma(xp, S, K, T, r, sigma):
    """Closed-form gamma φ(d1) / (S σ √T)."""
    d1 = (xp.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * xp.sqrt(T))
    return xp.exp(-0.5 * d1 * d1) / xp.sqrt(2.0 * xp.pi) / (S * sigma * xp.sqrt(T))


def poisson_u(xp, p):
    return xp.sin(xp.pi * p[0]) * xp.sin(xp.pi * p[1])


def cases() -> dict:
    """name -> (kind, f(xp, x, *rest), x, rest, exact value as mpf array)."""
    rng = np.random.default_rng(0)
    b = rng.standard_normal((10, 10))
    Q, x = (b + b.T) / 2, rng.standard_normal(10)
    bs_rest = tuple(BS.values())
    return {
        "(a) grad xᵀQx": ("gradient", lambda xp, x, Q: x @ Q @ x, x, (Q,),
                          evaluate_exact(lambda xp, x, Q: 2.0 * (Q @ x), (x, Q))),
        "(b) BS gamma": ("hessian", lambda xp, S, *r: bs_call(xp, S, *r), np.array(100.0),
                         bs_rest, evaluate_exact(bs_gamma, (100.0, *bs_rest))),
        "(c) tanh'(0.7)": ("gradient", lambda xp, x: xp.tanh(x), np.array(0.7), (),
                           evaluate_exact(lambda xp, x: 1.0 - xp.tanh(x) ** 2, (0.7,))),
        "(d) Laplacian": ("laplacian", poisson_u, np.array([0.3, 0.4]), (),
                          evaluate_exact(lambda xp, p: -2.0 * xp.pi**2 * poisson_u(xp, p),
                                         (np.array([0.3, 0.4]),))),
    }


def ours(engine, kind, f, x, rest):
    """(value, evaluations) from one of our engines."""
    r = getattr(engine, kind)(f, (x, *rest), 0)
    return r.value, r.cost.evaluations


class Counted:
    """A plain-numpy function of x that counts the points it is evaluated at."""

    def __init__(self, f, rest, point_shape):
        self.f, self.rest, self.shape, self.points = f, rest, point_shape, 0

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        self.points += max(1, x.size // max(1, int(np.prod(self.shape))))
        return self.f(numpy_ns, x, *self.rest)


def numdifftools_run(kind, f, x, rest):
    import numdifftools as nd

    c = Counted(f, rest, x.shape)
    if kind == "gradient" and x.ndim == 0:
        return nd.Derivative(c)(float(x)), c.points
    if kind == "gradient":
        return nd.Gradient(c)(x), c.points
    if kind == "hessian":
        return nd.Derivative(c, n=2)(float(x)), c.points
    return float(np.sum(nd.Hessdiag(c)(x))), c.points


def scipy_run(kind, f, x, rest):
    from scipy import differentiate as sd

    n = x.size
    c = Counted(lambda xp, z, *r: f(xp, z, *r), rest, ())
    if kind == "gradient" and x.ndim == 0:
        return sd.derivative(c, float(x)).df, c.points
    if kind == "gradient":
        g = Counted(lambda xp, z, *r: _batched(f, z, r), rest, (n,))
        return sd.jacobian(g, x).df, g.points
    g = Counted(lambda xp, z, *r: _batched(f, z, r, scalar_in=x.ndim == 0), rest, (n,))
    h = sd.hessian(g, np.atleast_1d(x)).ddf
    return (float(h.ravel()[0]) if kind == "hessian" else float(np.trace(h))), g.points


def _batched(f, z, rest, scalar_in=False):
    """Evaluate f(x) for each column x = z[:, k...] (scipy.differentiate's calling form)."""
    z = np.asarray(z, dtype=float)
    cols = z.reshape(z.shape[0], -1).T
    vals = [f(numpy_ns, (c[0] if scalar_in else c), *rest) for c in cols]
    return np.asarray(vals, dtype=float).reshape(z.shape[1:])


def accuracy_table() -> dict:
    """{case: {scheme: (relative error, evaluations, ulps or None)}} and prints the table."""
    schemes = {"central": Central(), "richardson": Richardson(), "complex-step": ComplexStep()}
    peers = {"numdifftools": numdifftools_run, "scipy.differentiate": scipy_run}
    table = {}
    print(f"{'case':16} {'scheme':20} {'rel. error':>11} {'evals':>6} {'ulps':>8}")
    for name, (kind, f, x, rest, exact) in cases().items():
        row = {}
        runs = {k: (ours, (e, kind, f, x, rest)) for k, e in schemes.items()}
        runs.update({k: (p, (kind, f, x, rest)) for k, p in peers.items()})
        for scheme, (run, run_args) in runs.items():
            try:
                value, evals = run(*run_args)
            except ImportError as exc:
                print(f"{name:16} {scheme:20} skipped: {exc}")
                continue
            err = norm_rel_error(np.asarray(value, dtype=float), exact)
            u = float(np.max(ulps(np.asarray(value, dtype=float), exact)))
            row[scheme] = (err, evals, u)
            print(f"{name:16} {scheme:20} {err:11.1e} {evals:6d} {u:8.1f}")
        table[name] = row
    return table


def goals(table) -> None:
    """Print each accuracy goal with the measured figures."""
    for name, row in table.items():
        if "numdifftools" not in row:
            continue
        (re, ne, _), (rn, nn, _) = row["richardson"], row["numdifftools"]
        ok = re <= rn and ne <= nn / 2
        print(f"goal richardson ≤ numdifftools error, ≤ ½ evals on {name}: "
              f"{re:.1e} vs {rn:.1e}, {ne} vs {nn} -> {'met' if ok else 'MISSED'}")
    for name in ("(a) grad xᵀQx", "(c) tanh'(0.7)"):
        u = table[name]["complex-step"][2]
        print(f"goal complex step within {GOAL_ULPS} ulps on {name}: {u:.1f} ulps -> "
              f"{'met' if u <= GOAL_ULPS else 'MISSED'}")


# ----------------------------------------------------------------------------- campaign

UNARY = (
    lambda xp, u: xp.sin(u), lambda xp, u: xp.cos(u), lambda xp, u: xp.tanh(u),
    lambda xp, u: xp.exp(0.5 * u), lambda xp, u: xp.erf(u), lambda xp, u: xp.log1p(u * u),
    lambda xp, u: xp.sqrt(1.0 + u * u), lambda xp, u: u * u * u,
)


def random_smooth(rng, n: int, depth: int = 3):
    """A random smooth f(xp, x) of x ∈ R^n: sums, products and smooth unary maps of affine
    leaves a·x_i + b (a, b short decimals), nested up to ``depth``."""
    if depth == 0 or rng.random() < 0.25:
        i, a, b = int(rng.integers(n)), round(rng.uniform(-2, 2), 2), round(rng.uniform(-1, 1), 2)
        return lambda xp, x: a * x[i] + b
    pick = rng.random()
    if pick < 0.5:
        g, u = UNARY[int(rng.integers(len(UNARY)))], random_smooth(rng, n, depth - 1)
        return lambda xp, x: g(xp, u(xp, x))
    left, right = random_smooth(rng, n, depth - 1), random_smooth(rng, n, depth - 1)
    if pick < 0.75:
        return lambda xp, x: left(xp, x) + right(xp, x)
    return lambda xp, x: left(xp, x) * right(xp, x)


def campaign(count: int = 1000, seed: int = 0, engine=None) -> dict:
    """Rates at which an engine's estimate (richardson by default) bounds / is within 100× of
    its true error.

    Cases alternate between a directional first derivative (jvp along a random direction) and
    a Laplacian; cases whose exact derivative is exactly 0 are counted apart (no relative
    scale). The true error is floored at half an ulp of the exact value.
    """
    rng = np.random.default_rng(seed)
    rich, oracle = engine or Richardson(), ExactEngine(dps=30)
    bounded = within = done = zero = 0
    for k in range(count):
        n = int(rng.integers(1, 4))
        f, x = random_smooth(rng, n), np.round(rng.uniform(-1.5, 1.5, n), 3)
        v = rng.standard_normal(n)
        kind, kw = ("jvp", {"tangent": v}) if k % 2 == 0 else ("laplacian", {})
        r = getattr(rich, kind)(f, (x,), 0, *kw.values())
        exact, status, _, _ = oracle.exact(kind, f, (x,), 0, **kw)
        if r.status != "ok" or status != "ok" or float(exact) == 0:
            zero += 1
            continue
        true = abs(_minus(float(r.value), exact))
        floor = 0.5 * float(np.spacing(abs(float(exact))))
        bounded += bool(r.error >= true)
        within += bool(r.error <= 100 * max(true, floor))
        done += 1
    return {"cases": done, "skipped": zero, "bound_rate": bounded / done,
            "within_100_rate": within / done}


def _minus(value: float, exact) -> float:
    """value − exact, computed exactly and rounded."""
    import mpmath

    with mpmath.workdps(40):
        return float(mpmath.mpf(value) - to_exact(exact)[()])


def main() -> None:
    table = accuracy_table()
    goals(table)
    for engine in (Richardson(), Central(), ComplexStep()):
        c = campaign(engine=engine)
        goal = engine.name == "richardson"
        print(f"{engine.name} estimate over {c['cases']} random smooth cases ({c['skipped']} "
              f"with a zero exact derivative left out): bounds the true error in "
              f"{c['bound_rate']:.1%}{f' (goal ≥ {GOAL_BOUND:.0%})' if goal else ''}, "
              f"within 100× in {c['within_100_rate']:.1%}"
              f"{f' (goal ≥ {GOAL_WITHIN_100:.0%})' if goal else ''}")


if __name__ == "__main__":
    main()
