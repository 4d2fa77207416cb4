"""Elementwise functions: one ``defprim`` block each, the derivative written against ``xp``.

From ``derivative`` the table derives the JVP and VJP (t·f', ct·f'), the rounding-bound rule
and the forward-Laplacian rule; ``exact`` and ``sym`` are the function's mpmath and sympy forms.
A derivative that reads the output declares ``uses=("ans",)`` and takes it as keyword ``ans``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from .. import jet as J
from ..core import defprim, example, ops, primal
from ..lazy import lazy
from ._util import bcast, per_element, unbcast

sympy, special = lazy("sympy"), lazy("scipy.special")  # imported on first call

defprim(
    "exp", np.exp, elementwise=True,
    derivative=lambda xp, x, ans: ans, uses=("ans",),
    exact=mpmath.exp, sym=sympy.exp,
)
defprim(
    "log", np.log, elementwise=True, domain=("positive",),
    derivative=lambda xp, x: xp.divide(1.0, x),
    exact=mpmath.log, sym=sympy.log,
)
defprim(
    "log1p", np.log1p, elementwise=True, domain=("positive",),
    derivative=lambda xp, x: xp.divide(1.0, xp.add(1.0, x)),
    exact=mpmath.log1p, sym=lambda x: sympy.log(1 + x),
)
defprim(
    "expm1", np.expm1, elementwise=True,
    derivative=lambda xp, x, ans: xp.add(ans, 1.0), uses=("ans",),
    exact=mpmath.expm1, sym=lambda x: sympy.exp(x) - 1,
)
# sqrt's slope is infinite at 0. Where it meets an exactly zero slope inside -- ‖x‖ =
# sqrt(Σx²) at x = 0, the standard deviation of one value -- every own engine drops the path
# (``_zeros.times``, ``jet.times``): the gradient of ‖x‖ at 0 is its minimum-norm subgradient
# 0, as in torch and jax, and std's is its true 0. Higher derivatives at a cone's tip have no
# value; the engines give finite numbers or inf there, never NaN.
defprim(
    "sqrt", np.sqrt, elementwise=True, domain=("positive",),
    derivative=lambda xp, x, ans: xp.divide(0.5, ans), uses=("ans",),
    exact=mpmath.sqrt, sym=sympy.sqrt, rounding=1.0,  # IEEE 754 rounds sqrt correctly
)
defprim(
    "tanh", np.tanh, elementwise=True,
    derivative=lambda xp, x, ans: xp.subtract(1.0, xp.multiply(ans, ans)), uses=("ans",),
    exact=mpmath.tanh, sym=sympy.tanh,
)
defprim(
    "sin", np.sin, elementwise=True,
    derivative=lambda xp, x: xp.cos(x),
    exact=mpmath.sin, sym=sympy.sin,
)
defprim(
    "cos", np.cos, elementwise=True,
    derivative=lambda xp, x: xp.negative(xp.sin(x)),
    exact=mpmath.cos, sym=sympy.cos,
)
defprim(
    "sinh", np.sinh, elementwise=True,
    derivative=lambda xp, x: xp.cosh(x),
    exact=mpmath.sinh, sym=sympy.sinh,
)
defprim(
    "cosh", np.cosh, elementwise=True,
    derivative=lambda xp, x: xp.sinh(x),
    exact=mpmath.cosh, sym=sympy.cosh,
)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

defprim(
    "erf", special.erf, elementwise=True,
    derivative=lambda xp, x: xp.multiply(_TWO_OVER_SQRT_PI,
                                         xp.exp(xp.negative(xp.multiply(x, x)))),
    exact=mpmath.erf, sym=sympy.erf,
    cite="d erf(x)/dx = 2/sqrt(pi) exp(-x^2) (Abramowitz & Stegun 7.1.19)",
)
# Piecewise-constant: derivative zero wherever it is defined; the kink is at 0.
defprim(
    "sign", np.sign, elementwise=True, analytic=False, domain=("away-from-zero",),
    derivative=lambda xp, x, ans: xp.multiply(0.0, ans), uses=("ans",),
    exact=mpmath.sign, sym=sympy.sign, rounding=0.0, kink=lambda xp, x: x,
)
defprim(
    "abs", np.abs, elementwise=True, analytic=False, domain=("away-from-zero",),
    derivative=lambda xp, x: xp.sign(x),
    exact=mpmath.fabs, sym=sympy.Abs, rounding=0.0, kink=lambda xp, x: x,
)


def _share(x, y):
    """Weight of the first argument of maximum: 1 where it wins, 1/2 at ties, else 0."""
    px, py = primal(x), primal(y)
    return np.where(px > py, 1.0, np.where(px == py, 0.5, 0.0))


def _where_jet(x, y, *, cond):
    """Select each part by ``cond`` (never mixing the branches, so a NaN branch stays out)."""
    d = J.dim(x, y)
    (xv, xg, xl), (yv, yg, yl) = J.parts(x, d), J.parts(y, d)
    v = np.where(cond, xv, yv)
    return J.jet(v, np.where(cond, J.lead(xg, v), J.lead(yg, v)), np.where(cond, xl, yl))


# maximum/minimum: the winner's derivative, shared equally at ties (as JAX does).
defprim(
    "maximum", np.maximum, elementwise=True, analytic=False,
    derivative=(lambda xp, x, y: _share(x, y), lambda xp, x, y: _share(y, x)),
    exact=max, sym=sympy.Max, rounding=0.0, kink=lambda xp, x, y: xp.subtract(x, y),
    domain=(lambda rng, shape: rng.standard_normal(shape) + 3.0, "real"),
    taylor=lambda x, y: _where_jet(x, y, cond=np.asarray(J.val(x) >= J.val(y))),
)
defprim(
    "minimum", np.minimum, elementwise=True, analytic=False,
    derivative=(lambda xp, x, y: _share(y, x), lambda xp, x, y: _share(x, y)),
    exact=min, sym=sympy.Min, rounding=0.0, kink=lambda xp, x, y: xp.subtract(x, y),
    domain=("real", lambda rng, shape: rng.standard_normal(shape) + 3.0),
    taylor=lambda x, y: _where_jet(x, y, cond=np.asarray(J.val(x) <= J.val(y))),
)


def _softmax_weight(xp, x, ans):
    """d logaddexp(x, y)/dx = exp(x - logaddexp(x, y))."""
    return xp.exp(xp.subtract(x, ans))


def _logaddexp_impl(x, y):
    """np.logaddexp, continued analytically to complex arguments (for complex step)."""
    if np.iscomplexobj(x) or np.iscomplexobj(y):
        m = np.maximum(np.real(x), np.real(y))
        return m + np.log(np.exp(x - m) + np.exp(y - m))
    return np.logaddexp(x, y)


def _logaddexp_exact(x, y):
    m = max(x, y)
    return m + mpmath.log(mpmath.exp(x - m) + mpmath.exp(y - m))


defprim(
    "logaddexp", _logaddexp_impl, elementwise=True, uses=("ans", "primals"),
    derivative=(lambda xp, x, y, ans: _softmax_weight(xp, x, ans),
                lambda xp, x, y, ans: _softmax_weight(xp, y, ans)),
    exact=_logaddexp_exact, sym=lambda x, y: sympy.log(sympy.exp(x) + sympy.exp(y)),
    flops=lambda ans, x, y: 3 * np.size(ans),
)


def _where_impl(x, y, *, cond):
    """np.where with the (non-differentiable) condition as a static parameter."""
    return np.where(cond, x, y)


def _where_bound(tr, ans, vals, errs, params):
    """The error of the chosen branch."""
    return np.where(params["cond"], errs[0], errs[1])


_M = np.array([True, False, True, False, True, True])

defprim(
    "where", _where_impl,
    jvp=(
        lambda t, ans, x, y, *, cond: bcast(ops.where(t, 0.0, cond=cond), ans),
        lambda t, ans, x, y, *, cond: bcast(ops.where(0.0, t, cond=cond), ans),
    ),
    vjp=(
        lambda ct, ans, x, y, *, cond: unbcast(ops.where(ct, 0.0, cond=cond), x),
        lambda ct, ans, x, y, *, cond: unbcast(ops.where(0.0, ct, cond=cond), y),
    ),
    flops=per_element(1), analytic=False, uses=(),  # the rules read the condition only
    magnitude=_where_bound, rounding=0.0, taylor=_where_jet,
    examples=(example((6,), (6,), cond=_M), example((6,), (), cond=_M),
              example((2, 6), (6,), cond=_M)),
)
