"""Shared machinery of the scalar-function primitive modules (special, elementwise_more).

``scalar_prim`` is ``defprim`` for a unary elementwise function whose derivative is written
``deriv(ans, x)`` with ``ops``; ``param_prim`` for one with a static parameter (the order of a
polygamma or Bessel function), whose rules and exact/sympy forms take that parameter too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import defprim, ops
from ._bounds import ELEMENTARY_U


def each(fn: Callable, nargs: int = 1) -> Callable:
    """Apply a scalar function (extra keyword parameters passed on) to every element."""
    def run(*args, **params):
        ufunc = np.frompyfunc(lambda *a: fn(*a, **params), nargs, 1)
        return np.asarray(ufunc(*args), dtype=object)
    return run


def scalar_prim(name: str, impl: Callable, deriv: Callable, *, exact: Callable,
                sym: Callable | None = None, analytic: bool = True, cite: str = "",
                uses=("primals",), xp=None, domain=(), **kw):
    """Define an elementwise f with f'(x) = deriv(xp, ans, x), written against ``xp``.

    ``exact`` / ``sym`` act on one element (mpf / sympy expression). ``analytic``: the numpy
    implementation accepts complex input and is holomorphic there (what complex step needs).
    """
    if "ans" in uses:
        def derivative(xp, x, ans):
            return deriv(xp, ans, x)
    else:
        def derivative(xp, x):
            return deriv(xp, None, x)
    return defprim(name, impl, elementwise=True, derivative=derivative, uses=uses,
                   exact=exact, sym=sym, analytic=analytic, cite=cite, xp=xp, domain=domain,
                   **kw)


def param_prim(name: str, impl: Callable, deriv: Callable, *, exact: Callable,
               sym: Callable | None = None, cite: str = "", analytic: bool = False, **kw):
    """An elementwise f(x; p) with a static keyword parameter; f' = deriv(ops, ans, x, **p)
    (the rule runs on the table's own ``ops``, which reach the parametrized primitives)."""
    def rule(t, ans, x, **params):
        return ops.multiply(t, deriv(ops, ans, x, **params))

    def magnitude(tr, ans, vals, errs, params):
        """First-order propagation through f' plus f's own rounding (as derived ones do)."""
        with np.errstate(all="ignore"):
            slope = np.abs(np.asarray(deriv(ops, ans, np.asarray(vals[0], dtype=float), **params),
                                      dtype=float))
            carried = np.where(np.asarray(errs[0]) == 0, 0.0, slope * errs[0])
        return carried + ELEMENTARY_U * np.abs(np.asarray(ans, dtype=float))

    return defprim(name, impl, jvp=(rule,), vjp=(rule,), exact=each(exact),
                   sym=None if sym is None else each(sym), cite=cite, analytic=analytic,
                   uses=("primals",), magnitude=magnitude, **kw)


def zero_slope(xp, ans, x):
    """The derivative of a piecewise-constant function wherever it is defined: zero."""
    return xp.multiply(0.0, x)
