"""Elementwise functions. Each rule is the textbook derivative, written with ``ops``."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..core import defprim, ops, primal
from ._util import bcast, per_element, unbcast
from ._zeros import times


def _unary(name, impl, deriv, *, analytic=True, cite="", uses=("primals",), rule=None):
    """Define f with f'(x) = deriv(ans, x): JVP t·f'(x), VJP ct·f'(x).

    ``uses``: what ``deriv`` reads, ("ans",) when the derivative is a function of f itself.
    ``rule``: the same rule written out in full (saves a call on a hot primitive).
    """
    if rule is None:
        def rule(t, ans, x):  # times: a zero (co)tangent stays zero where f' is infinite
            return times(t, deriv(ans, x))
    defprim(
        name, impl,
        jvp=(rule,),
        vjp=(rule,),
        flops=per_element(1), analytic=analytic, cite=cite, uses=uses,
    )


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

_unary("exp", np.exp, lambda ans, x: ans, uses=("ans",))
_unary("log", np.log, lambda ans, x: ops.divide(1.0, x))
_unary("log1p", np.log1p, lambda ans, x: ops.divide(1.0, ops.add(1.0, x)))
_unary("expm1", np.expm1, lambda ans, x: ops.add(ans, 1.0), uses=("ans",))
_unary("sqrt", np.sqrt, lambda ans, x: ops.divide(0.5, ans), uses=("ans",))
_unary("tanh", np.tanh, lambda ans, x: ops.subtract(1.0, ops.multiply(ans, ans)),
       uses=("ans",),
       rule=lambda t, ans, x: ops.multiply(t, ops.subtract(1.0, ops.multiply(ans, ans))))
_unary("sin", np.sin, lambda ans, x: ops.cos(x))
_unary("cos", np.cos, lambda ans, x: ops.negative(ops.sin(x)))
_unary("sinh", np.sinh, lambda ans, x: ops.cosh(x))
_unary("cosh", np.cosh, lambda ans, x: ops.sinh(x))
_unary(
    "erf", special.erf,
    lambda ans, x: ops.multiply(_TWO_OVER_SQRT_PI, ops.exp(ops.negative(ops.multiply(x, x)))),
    cite="d erf(x)/dx = 2/sqrt(pi) exp(-x^2) (Abramowitz & Stegun 7.1.19)",
)
# Piecewise-constant: derivative zero wherever it is defined.
_unary("sign", np.sign, lambda ans, x: ops.multiply(0.0, ans), analytic=False,
       uses=("ans",))
_unary("abs", np.abs, lambda ans, x: ops.sign(x), analytic=False)


def _share(x, y):
    """Weight of the first argument of maximum: 1 where it wins, 1/2 at ties, else 0."""
    px, py = primal(x), primal(y)
    return np.where(px > py, 1.0, np.where(px == py, 0.5, 0.0))


def _minmax(name, impl, first):
    """maximum/minimum: the winner's derivative, shared equally at ties (as JAX does)."""
    wx = (lambda x, y: _share(x, y)) if first else (lambda x, y: _share(y, x))

    def wy(x, y):
        return 1.0 - wx(x, y)

    defprim(
        name, impl,
        jvp=(
            lambda t, ans, x, y: bcast(ops.multiply(t, wx(x, y)), ans),
            lambda t, ans, x, y: bcast(ops.multiply(t, wy(x, y)), ans),
        ),
        vjp=(
            lambda ct, ans, x, y: unbcast(ops.multiply(ct, wx(x, y)), x),
            lambda ct, ans, x, y: unbcast(ops.multiply(ct, wy(x, y)), y),
        ),
        flops=per_element(1), analytic=False, uses=("primals",),
    )


_minmax("maximum", np.maximum, True)
_minmax("minimum", np.minimum, False)


def _where_impl(x, y, *, cond):
    """np.where with the (non-differentiable) condition as a static parameter."""
    return np.where(cond, x, y)


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
)

def _softmax_weight(x, ans):
    """d logaddexp(x, y)/dx = exp(x - logaddexp(x, y))."""
    return ops.exp(ops.subtract(x, ans))


defprim(
    "logaddexp", np.logaddexp,
    jvp=(
        lambda t, ans, x, y: bcast(ops.multiply(t, _softmax_weight(x, ans)), ans),
        lambda t, ans, x, y: bcast(ops.multiply(t, _softmax_weight(y, ans)), ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(ops.multiply(ct, _softmax_weight(x, ans)), x),
        lambda ct, ans, x, y: unbcast(ops.multiply(ct, _softmax_weight(y, ans)), y),
    ),
    flops=per_element(3),
)
