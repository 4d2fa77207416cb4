"""Inverse trigonometric and hyperbolic functions, tan, atan2, and the rounding functions.

Each derivative is the textbook one (Abramowitz & Stegun 4.4.52-4.4.54, 4.6.39-4.6.41); the
rounding functions are piecewise constant, so their derivative is zero wherever it exists
(numpy's, torch's and JAX's convention), and they are not analytic.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy

from ..core import ops
from ._scalar import binary_prim, scalar_prim, zero_slope

AS = "Abramowitz & Stegun 4.4 and 4.6 (derivatives of inverse circular/hyperbolic functions)"


def _one_minus_sq(x):
    return ops.subtract(1.0, ops.multiply(x, x))


def _one_plus_sq(x):
    return ops.add(1.0, ops.multiply(x, x))


scalar_prim("tan", np.tan, lambda ans, x: _one_plus_sq(ans), exact=mpmath.tan,
            sympy_fn=sympy.tan, uses=("ans",))
scalar_prim("arcsin", np.arcsin, lambda ans, x: ops.divide(1.0, ops.sqrt(_one_minus_sq(x))),
            exact=mpmath.asin, sympy_fn=sympy.asin, cite=AS)
scalar_prim("arccos", np.arccos,
            lambda ans, x: ops.negative(ops.divide(1.0, ops.sqrt(_one_minus_sq(x)))),
            exact=mpmath.acos, sympy_fn=sympy.acos, cite=AS)
scalar_prim("arctan", np.arctan, lambda ans, x: ops.divide(1.0, _one_plus_sq(x)),
            exact=mpmath.atan, sympy_fn=sympy.atan, cite=AS)
scalar_prim("arcsinh", np.arcsinh, lambda ans, x: ops.divide(1.0, ops.sqrt(_one_plus_sq(x))),
            exact=mpmath.asinh, sympy_fn=sympy.asinh, cite=AS)
scalar_prim("arccosh", np.arccosh,
            lambda ans, x: ops.divide(1.0, ops.sqrt(ops.subtract(ops.multiply(x, x), 1.0))),
            exact=mpmath.acosh, sympy_fn=sympy.acosh, cite=AS)
scalar_prim("arctanh", np.arctanh, lambda ans, x: ops.divide(1.0, _one_minus_sq(x)),
            exact=mpmath.atanh, sympy_fn=sympy.atanh, cite=AS)


def _atan2_den(y, x):
    return ops.add(ops.multiply(x, x), ops.multiply(y, y))


binary_prim(
    "arctan2", np.arctan2,
    lambda ans, y, x: ops.divide(x, _atan2_den(y, x)),
    lambda ans, y, x: ops.negative(ops.divide(y, _atan2_den(y, x))),
    exact=mpmath.atan2, sympy_fn=sympy.atan2, cite="d atan2(y, x) = (x dy - y dx)/(x^2 + y^2)",
)


def _trunc(x):
    return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)


for _name, _impl, _exact, _sym in (
        ("floor", np.floor, mpmath.floor, sympy.floor),
        ("ceil", np.ceil, mpmath.ceil, sympy.ceiling),
        ("round", np.round, mpmath.nint, None),  # both round half to even
        ("trunc", np.trunc, _trunc, None)):
    scalar_prim(_name, _impl, zero_slope, exact=_exact, sympy_fn=_sym, analytic=False,
                uses=("ans",))
