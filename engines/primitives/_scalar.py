"""Shared machinery of the scalar-function primitive modules (special, elementwise_more).

An elementwise primitive here is one call to ``scalar_prim``: its numpy implementation, its
derivative written with ``ops`` (so the rule is itself differentiable), and its mpmath and sympy
counterparts, kept beside the rule so that the exact oracle and the symbolic engine read the
same definition. ``EXACT`` and ``SYMPY`` collect those counterparts by primitive name.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import defprim, ops
from ._util import bcast, per_element, unbcast

EXACT: dict[str, Callable] = {}
"""Primitive name -> implementation on object arrays of mpmath numbers (keyword params kept)."""
SYMPY: dict[str, Callable] = {}
"""Primitive name -> implementation on object arrays of sympy expressions."""


def each(fn: Callable, nargs: int = 1) -> Callable:
    """Apply a scalar function (extra keyword parameters passed on) to every element."""
    def run(*args, **params):
        ufunc = np.frompyfunc(lambda *a: fn(*a, **params), nargs, 1)
        return np.asarray(ufunc(*args), dtype=object)
    return run


def scalar_prim(name: str, impl: Callable, deriv: Callable, *, exact: Callable | None,
                sympy_fn: Callable | None = None, analytic: bool = True, cite: str = "",
                uses=("primals",)):
    """Define an elementwise f with f'(x) = deriv(ans, x, **params).

    ``exact`` / ``sympy_fn`` act on one element (mpf / sympy expression) with the same keyword
    parameters as ``impl``. ``analytic``: the numpy implementation accepts complex input and
    is holomorphic there (what complex step needs).
    """
    def rule(t, ans, x, **params):
        return ops.multiply(t, deriv(ans, x, **params))

    prim = defprim(name, impl, jvp=(rule,), vjp=(rule,), flops=per_element(1),
                   analytic=analytic, cite=cite, uses=uses)
    if exact is not None:
        EXACT[name] = each(exact)
    if sympy_fn is not None:
        SYMPY[name] = each(sympy_fn)
    return prim


def binary_prim(name: str, impl: Callable, dx: Callable, dy: Callable, *, exact: Callable,
                sympy_fn: Callable | None = None, analytic: bool = False, cite: str = ""):
    """Define a broadcasting f(x, y) with partials dx(ans, x, y) and dy(ans, x, y)."""
    prim = defprim(
        name, impl,
        jvp=(lambda t, ans, x, y: bcast(ops.multiply(t, dx(ans, x, y)), ans),
             lambda t, ans, x, y: bcast(ops.multiply(t, dy(ans, x, y)), ans)),
        vjp=(lambda ct, ans, x, y: unbcast(ops.multiply(ct, dx(ans, x, y)), x),
             lambda ct, ans, x, y: unbcast(ops.multiply(ct, dy(ans, x, y)), y)),
        flops=per_element(1), analytic=analytic, cite=cite,
    )
    EXACT[name] = each(exact, 2)
    if sympy_fn is not None:
        SYMPY[name] = each(sympy_fn, 2)
    return prim


def zero_slope(ans, x, **params):
    """The derivative of a piecewise-constant function wherever it is defined: zero."""
    return ops.multiply(0.0, ans)
