"""Inverse trigonometric and hyperbolic functions, tan, atan2, and the rounding functions.

Each derivative is the textbook one (Abramowitz & Stegun 4.4.52-4.4.54, 4.6.39-4.6.41); the
rounding functions are piecewise constant, so their derivative is zero wherever it exists
(numpy's, torch's and JAX's convention), and they are not analytic.
"""

from __future__ import annotations

import mpmath
import numpy as np

from ..core import defprim, example
from ..lazy import lazy
from ._scalar import scalar_prim, zero_slope

sympy = lazy("sympy")  # imported on first call


def _between_integers(rng, shape):
    """Away from the jumps of the rounding functions (and from round's half-way points)."""
    return rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.4, shape)


def _inside_unit(rng, shape):
    return rng.uniform(-0.8, 0.8, shape)


def _above_one(rng, shape):
    return rng.uniform(1.2, 3.0, shape)


AS = "Abramowitz & Stegun 4.4 and 4.6 (derivatives of inverse circular/hyperbolic functions)"


def _one_minus_sq(xp, x):
    return xp.subtract(1.0, xp.multiply(x, x))


def _one_plus_sq(xp, x):
    return xp.add(1.0, xp.multiply(x, x))


scalar_prim("tan", np.tan, lambda xp, ans, x: _one_plus_sq(xp, ans), domain=(_inside_unit,),
            exact=mpmath.tan, sym=sympy.tan, uses=("ans",))
scalar_prim("arcsin", np.arcsin, lambda xp, ans, x: xp.divide(1.0, xp.sqrt(_one_minus_sq(xp, x))),
            xp=("arcsin", "asin"), domain=(_inside_unit,), exact=mpmath.asin,
            sym=sympy.asin, cite=AS)
scalar_prim("arccos", np.arccos,
            lambda xp, ans, x: xp.negative(xp.divide(1.0, xp.sqrt(_one_minus_sq(xp, x)))),
            xp=("arccos", "acos"), domain=(_inside_unit,), exact=mpmath.acos,
            sym=sympy.acos, cite=AS)
scalar_prim("arctan", np.arctan, lambda xp, ans, x: xp.divide(1.0, _one_plus_sq(xp, x)),
            xp=("arctan", "atan"), exact=mpmath.atan, sym=sympy.atan, cite=AS)
scalar_prim("arcsinh", np.arcsinh, lambda xp, ans, x: xp.divide(1.0, xp.sqrt(_one_plus_sq(xp, x))),
            xp=("arcsinh", "asinh"), exact=mpmath.asinh, sym=sympy.asinh, cite=AS)
scalar_prim("arccosh", np.arccosh,
            lambda xp, ans, x: xp.divide(1.0, xp.sqrt(xp.subtract(xp.multiply(x, x), 1.0))),
            xp=("arccosh", "acosh"), domain=(_above_one,), exact=mpmath.acosh,
            sym=sympy.acosh, cite=AS)
scalar_prim("arctanh", np.arctanh, lambda xp, ans, x: xp.divide(1.0, _one_minus_sq(xp, x)),
            xp=("arctanh", "atanh"), domain=(_inside_unit,), exact=mpmath.atanh,
            sym=sympy.atanh, cite=AS)


def _atan2_den(xp, y, x):
    return xp.add(xp.multiply(x, x), xp.multiply(y, y))


defprim(
    "arctan2", np.arctan2, elementwise=True, xp=("arctan2", "atan2"),
    derivative=(lambda xp, y, x: xp.divide(x, _atan2_den(xp, y, x)),
                lambda xp, y, x: xp.negative(xp.divide(y, _atan2_den(xp, y, x)))),
    exact=mpmath.atan2, sym=sympy.atan2, analytic=False,
    examples=(example((2, 3), (2, 3), domain=("away-from-zero", "away-from-zero")),
              example((3,), (2, 1), domain=("away-from-zero", "away-from-zero"))),
    cite="d atan2(y, x) = (x dy - y dx)/(x^2 + y^2)",
)


def _trunc(x):
    return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)


for _name, _impl, _exact, _sym in (
        ("floor", np.floor, mpmath.floor, sympy.floor),
        ("ceil", np.ceil, mpmath.ceil, sympy.ceiling),
        ("round", np.round, mpmath.nint, None),  # both round half to even
        ("trunc", np.trunc, _trunc, None)):
    scalar_prim(_name, _impl, zero_slope, exact=_exact, sym=_sym, analytic=False,
                domain=(_between_integers,))

