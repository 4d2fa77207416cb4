"""Finite differences on the catalogue's own inputs: how often each scheme is accurate, and
whether its own error estimate bounds its true error.

For every catalogue identity with a closed form (and every PDE residual), ``examples`` inputs are
drawn exactly as ``adcheck run`` draws them (``adcheck.running.draws.draw_cases``, seed 0); each
finite-difference engine computes the record's derivative and is compared with the closed form
evaluated by the 50-digit oracle. The error of a case is ‖value − exact‖∞ / ‖exact‖∞ (for a
residual, |Σ terms| / Σ |terms|: the exact residual is 0). Printed per identity and engine: the
fraction of cases within the goal (1e-8 relative for first derivatives, 1e-6 for second), the
median and 99th-percentile error, and the fractions of cases whose error estimate bounds the true
error, alone and times FD_TRUST (the judge's allowance for it; residuals: n/a).
``python -m benchmarks fd_accuracy``.
"""

from __future__ import annotations

import time

import numpy as np

from adcheck.engines.core import primal
from adcheck.engines.fd import Central, ComplexStep, Richardson
from adcheck.engines.namespace import numpy_ns
from adcheck.identities.catalogue import builtin
from adcheck.judging.errmodel import FD_TRUST, ORDER
from adcheck.judging.reference import derivative_kw, exact
from adcheck.running.runner import draw_cases

GOAL = {1: 1e-8, 2: 1e-6}
MEASURED = ("jacobian", "gradient", "hessian", "hvp", "laplacian", "residual")  # the kinds measured
EXAMPLES = 50


def records() -> list:
    """The catalogue records a finite-difference engine can be measured on."""
    return [r for r in builtin()
            if r.kind in MEASURED and (r.closed_form is not None or r.terms is not None)]


def _rel(value, ref) -> float:
    value, ref = np.asarray(value, dtype=float), np.asarray(ref, dtype=float)
    scale = float(np.max(np.abs(ref), initial=0.0)) or 1.0
    return float(np.max(np.abs(value - ref), initial=0.0)) / scale


def measure_case(rec, engine, args) -> tuple[float, bool | None] | None:
    """(relative error, whether the estimate bounds it (None for a residual)), or None when
    not applicable."""
    if rec.kind == "residual":
        return _residual_case(rec, engine, args)
    r = engine.derivative(rec.kind, rec.f, args, rec.wrt, **derivative_kw(rec, args))
    if r.status != "ok" or r.value is None:
        return None
    ref = exact(rec.closed_form, args)
    err = np.abs(np.asarray(r.value, dtype=float) - ref)
    est = np.asarray(r.error, dtype=float)
    return _rel(r.value, ref), (bool(np.all(est >= err)), bool(np.all(FD_TRUST * est >= err)))


def _residual_case(rec, engine, args):
    estimates = []

    def derive(kind, fn, dargs, wrt=0, **kw):
        dargs = tuple(primal(a) for a in dargs)
        r = engine.derivative(kind, fn, dargs, wrt, **{k: primal(v) for k, v in kw.items()})
        if r.status != "ok" or r.value is None:
            raise LookupError(r.note)
        estimates.append(r)
        return np.asarray(r.value, dtype=float)

    try:
        terms = [np.asarray(t, dtype=float) for t in rec.terms(derive, numpy_ns, *args)]
    except LookupError:
        return None
    size = float(np.max(sum(np.abs(t) for t in terms)))
    return float(np.max(np.abs(sum(terms)))) / (size or 1.0), None


def measure(rec, engine, examples: int = EXAMPLES, seed: int = 0) -> dict | None:
    """Figures of one (identity, engine) pair over the drawn cases (None: not applicable)."""
    if not rec.analytic and engine.name == "complex-step":
        return None
    out = [measure_case(rec, engine, args) for args in draw_cases(rec, examples, seed)]
    out = [o for o in out if o is not None]
    if not out:
        return None
    errs = np.array([e for e, _ in out])
    goal = GOAL[ORDER[rec.kind]]
    bounds = [b for _, b in out if b is not None]
    nan = float("nan")
    return {"cases": len(errs), "within": float(np.mean(errs <= goal)),
            "median": float(np.median(errs)), "p99": float(np.quantile(errs, 0.99)),
            "max": float(np.max(errs)),
            "bounded": float(np.mean([b[0] for b in bounds])) if bounds else nan,
            "covered": float(np.mean([b[1] for b in bounds])) if bounds else nan}


def table(examples: int = EXAMPLES, seed: int = 0) -> dict:
    """{(identity, engine): figures}, printed as it goes."""
    engines = (Central(), Richardson(), ComplexStep())
    rows = {}
    print(f"{'identity':34} {'engine':13} {'n':>3} {'within':>7} {'median':>8} {'p99':>8} "
          f"{'max':>8} {'bounds':>7} {'x100':>7} {'s':>5}")
    for rec in records():
        for engine in engines:
            t0 = time.process_time()
            m = measure(rec, engine, examples, seed)
            if m is None:
                continue
            rows[rec.id, engine.name] = m
            print(f"{rec.id:34} {engine.name:13} {m['cases']:3d} {m['within']:7.1%} "
                  f"{m['median']:8.1e} {m['p99']:8.1e} {m['max']:8.1e} {m['bounded']:7.1%} "
                  f"{m['covered']:7.1%} "
                  f"{time.process_time() - t0:5.1f}", flush=True)
    return rows


def summary(rows: dict) -> None:
    """Overall within-goal and bounding rates per engine."""
    for name in ("central", "richardson", "complex-step"):
        mine = [m for (_, e), m in rows.items() if e == name]
        cases = sum(m["cases"] for m in mine)
        within = sum(m["within"] * m["cases"] for m in mine) / max(cases, 1)
        judged = [m for m in mine if not np.isnan(m["bounded"])]
        n_judged = max(sum(m["cases"] for m in judged), 1)
        bounded = sum(m["bounded"] * m["cases"] for m in judged) / n_judged
        covered = sum(m["covered"] * m["cases"] for m in judged) / n_judged
        print(f"{name}: {cases} cases, {within:.1%} within goal (1e-8 first, 1e-6 second), "
              f"estimate bounds the error in {bounded:.1%}, FD_TRUST x estimate in "
              f"{covered:.1%}")


def main() -> None:
    summary(table())


if __name__ == "__main__":
    main()
