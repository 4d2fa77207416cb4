"""Test any primitive from its record: ``check_primitive(name)``, the test_frule/test_rrule of
adcheck.

Every check derives its inputs from the record (its ``examples``, or for an elementwise
primitive plain, stacked and broadcast shapes in its ``domain``) and its allowance from the
computation itself, never from a per-primitive literal:

- ``jvp``: forward mode against a Richardson-extrapolated central difference of ``impl``;
- ``adjoint``: reverse mode as the adjoint of forward mode, ⟨u, J v⟩ = ⟨Jᵀu, v⟩;
- ``nestings``: H·v of ⟨w, f⟩ by each of the four nestings against a difference of its gradient;
- ``exact`` / ``symbolic``: the mpmath and sympy forms against ``impl``, within the record's
  own rounding bound (so the magnitude rule's rounding term is tested too);
- ``magnitude``: the bound at perturbed inputs covers the change of ``impl`` (first order);
- ``taylor``: the forward Laplacian against a difference of the AD gradient;
- ``complex``: for an analytic record, complex step against forward mode.

Each raises ``AssertionError`` saying what disagreed, by how much, against what allowance.
"""

from __future__ import annotations

import numpy as np

from .core import TABLE, Primitive, example

CHECKS = ("jvp", "adjoint", "nestings", "exact", "symbolic", "magnitude", "taylor", "complex")

DOMAINS = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),  # log, sqrt, ...: away from 0
    "away-from-zero": lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),  # arcsin, atanh, ...: inside (-1, 1)
    # I + small noise: condition number near 1, batched over leading axes
    "invertible": lambda rng, s: np.eye(s[-1]) + 0.2 * rng.standard_normal(s),
}


def examples(prim: Primitive) -> tuple:
    """The record's examples, or plain, stacked and broadcast shapes for an elementwise one."""
    if prim.examples or not prim.elementwise:
        return prim.examples
    n = len(prim.jvps)
    dom = prim.domain
    cases = [example(*[(2, 3)] * n, domain=dom), example(*[(2, 2, 3)] * n, domain=dom)]
    if n == 1:
        cases.append(example((), domain=dom))
    else:
        cases.append(example((3, 1), (4,), *[(1, 4)] * (n - 2), domain=dom))
    return tuple(cases)


def inputs(ex, rng) -> list:
    """Arguments of one example, each drawn from its domain."""
    out = []
    for dom, shape in ex.args:
        make = dom if callable(dom) else DOMAINS.get(dom)
        if make is None:
            raise ValueError(f"unknown domain {dom!r}; use one of {sorted(DOMAINS)} or a "
                             f"function (rng, shape) -> array")
        out.append(np.asarray(make(rng, shape), dtype=float))
    return out


def check_primitive(prim, *, checks=CHECKS, seed: int = 0) -> int:
    """Run ``checks`` on every example of ``prim`` (a name or a record); returns how many
    (example, check) pairs ran. Raises AssertionError naming the first that fails."""
    from . import _checks

    prim = TABLE[prim] if isinstance(prim, str) else prim
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; choose from {CHECKS}")
    cases = examples(prim)
    if not cases:
        raise ValueError(f"primitive {prim.name!r} has no examples: give examples= in its "
                         f"defprim block")
    ran = 0
    for k, ex in enumerate(cases):
        for check in checks:
            rng = np.random.default_rng([seed, k, CHECKS.index(check)])
            args = inputs(ex, rng)
            try:
                done = getattr(_checks, check)(prim, args, ex.params, rng)
            except AssertionError as exc:
                shapes = ", ".join(str(np.shape(a)) for a in args)
                raise AssertionError(f"{prim.name} {check} at shapes ({shapes}) "
                                     f"{ex.params or ''}: {exc}") from None
            ran += bool(done is not False)
    return ran


__all__ = ["CHECKS", "DOMAINS", "check_primitive", "examples", "inputs"]
