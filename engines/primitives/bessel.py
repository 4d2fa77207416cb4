"""Bessel functions of the first and second kind (scipy.special's jv and yv, integer or real
order), for the j0/j1/jn/y0/y1/yn names users differentiate.

Derivatives: DLMF 10.6.1, C_v' = (C_{v-1} − C_{v+1})/2 for C = J, Y; so any order follows by
nesting. Y_v is defined for x > 0 only. Both are analytic, but scipy's complex Bessel routines
(AMOS) lose the 1e-20 imaginary part of a complex step, so complex step is not offered.
"""

from __future__ import annotations

import mpmath

from ..core import example
from ..lazy import lazy
from ._scalar import param_prim

sympy, sp = lazy("sympy"), lazy("scipy.special")  # imported on first call


def _jv_impl(x, *, v):
    return sp.jv(v, x)


def _yv_impl(x, *, v):
    return sp.yv(v, x)


param_prim(
    "bessel_jv", _jv_impl,
    lambda xp, ans, x, *, v: xp.multiply(0.5, xp.subtract(xp.bessel_jv(x, v=v - 1),
                                                          xp.bessel_jv(x, v=v + 1))),
    exact=lambda x, *, v: mpmath.besselj(v, x), sym=lambda x, *, v: sympy.besselj(v, x),
    analytic=False, examples=(example((2, 3), v=0), example((3,), v=1)),
    cite="DLMF 10.6.1",
)
param_prim(
    "bessel_yv", _yv_impl,
    lambda xp, ans, x, *, v: xp.multiply(0.5, xp.subtract(xp.bessel_yv(x, v=v - 1),
                                                          xp.bessel_yv(x, v=v + 1))),
    exact=lambda x, *, v: mpmath.bessely(v, x), sym=lambda x, *, v: sympy.bessely(v, x),
    analytic=False, domain=("positive",),
    examples=(example((2, 3), domain=("positive",), v=0),
              example((3,), domain=("positive",), v=1)),
    cite="DLMF 10.6.1",
)
