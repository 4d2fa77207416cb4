"""Arithmetic primitives with broadcasting. Rules: the sum, product and quotient rules.

Rules call ``ops`` explicitly (not Python operators) so that on plain arrays their work is
still counted, and on boxes it is still traced.
"""

from __future__ import annotations

import mpmath
import numpy as np

from .. import jet as J
from ..core import defprim, example, ops
from ._bounds import ELEMENTARY_U, absf
from ._util import bcast, per_element, unbcast, unbcast_rule
from ._zeros import over, times

# Shapes every binary elementwise primitive is tested on beyond the defaults (scalars).
_SCALAR_CASES = (example((), (2, 3)), example((2, 3), ()))


def _sum_bound(tr, ans, vals, errs, params):
    """x ± y: the operands' errors plus one correct rounding."""
    return errs[0] + errs[1] + absf(ans)


def _affine_jet(op):
    """x ± y on jets: each part separately; a constant operand moves the value only."""
    def rule(x, y):
        if not isinstance(y, J.Jet):
            return J.jet(op(x.v, y), x.g, x.l)
        if not isinstance(x, J.Jet) and op is np.add:
            return J.jet(op(x, y.v), y.g, y.l)
        d = J.dim(x, y)
        (xv, xg, xl), (yv, yg, yl) = J.parts(x, d), J.parts(y, d)
        v = op(xv, yv)
        return J.jet(v, op(J.lead(xg, v), J.lead(yg, v)), op(xl, yl))
    return rule

defprim(
    "add", np.add,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(t, ans)),
    vjp=(unbcast_rule(0), unbcast_rule(1)),
    flops=per_element(1), linear=True,
    elementwise=True, magnitude=_sum_bound, examples=_SCALAR_CASES,
    taylor=_affine_jet(np.add),
)

defprim(
    "subtract", np.subtract,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(ops.negative(t), ans)),
    vjp=(unbcast_rule(0), lambda ct, ans, x, y: ops.negative(unbcast(ct, y))),
    flops=per_element(1), linear=True,
    elementwise=True, magnitude=_sum_bound, examples=_SCALAR_CASES,
    taylor=_affine_jet(np.subtract),
)

def _product_bound(tr, ans, vals, errs, params):
    """x·y: |y|·e_x + |x|·e_y plus one correct rounding."""
    return absf(vals[1]) * errs[0] + absf(vals[0]) * errs[1] + absf(ans)


def _product_jet(x, y):
    """Δ(xy) = x Δy + y Δx + 2⟨∇x, ∇y⟩; a constant factor is a linear map."""
    if not isinstance(x, J.Jet):
        x, y = y, x
    if not isinstance(y, J.Jet):
        v = x.v * y
        return J.jet(v, J.lead(x.g, v) * y, x.l * y)
    v = x.v * y.v
    g = J.lead(x.g, v) * y.v + x.v * J.lead(y.g, v)
    return J.jet(v, g, x.l * y.v + x.v * y.l + 2.0 * J.dot(x.g, y.g, v))


# ``times``/``over``: a zero (co)tangent gives zero even against an infinite factor
defprim(
    "multiply", np.multiply,
    jvp=(
        lambda t, ans, x, y: bcast(times(t, y), ans),
        lambda t, ans, x, y: bcast(times(t, x), ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(times(ct, y), x),
        lambda ct, ans, x, y: unbcast(times(ct, x), y),
    ),
    flops=per_element(1), uses=("primals",),
    elementwise=True, magnitude=_product_bound, examples=_SCALAR_CASES, taylor=_product_jet,
)


def _quotient_dy(g, ans, y):
    """g · d(x/y)/dy = −g · (x/y) / y."""
    return ops.negative(over(times(g, ans), y))


def _quotient_bound(tr, ans, vals, errs, params):
    """x/y: (e_x + |x/y|·e_y)/|y| plus one correct rounding."""
    return (errs[0] + absf(ans) * errs[1]) / absf(vals[1]) + absf(ans)


def _power_jet(x, c):
    """x**c for a constant c: f' = c x^(c-1), f'' = c (c-1) x^(c-2)."""
    c = np.asarray(c, dtype=float)
    v = x.v ** c
    a, b = c * x.v ** (c - 1), c * (c - 1) * x.v ** (c - 2)
    return J.jet(v, a * x.g, a * x.l + b * J.sq(x.g))


def _quotient_jet(x, y):
    """x/y = x·y⁻¹."""
    if isinstance(y, J.Jet):
        return _product_jet(x, _power_jet(y, -1.0))
    return _product_jet(x, 1.0 / np.asarray(y))


defprim(
    "divide", np.divide,
    jvp=(
        lambda t, ans, x, y: bcast(over(t, y), ans),
        lambda t, ans, x, y: bcast(_quotient_dy(t, ans, y), ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(over(ct, y), x),
        lambda ct, ans, x, y: unbcast(_quotient_dy(ct, ans, y), y),
    ),
    flops=per_element(1),
    elementwise=True, magnitude=_quotient_bound, examples=_SCALAR_CASES,
    domain=("real", "positive"), taylor=_quotient_jet,
)

defprim(
    "negative", np.negative,
    jvp=(lambda t, ans, x: ops.negative(t),),
    vjp=(lambda ct, ans, x: ops.negative(ct),),
    flops=per_element(1), linear=True,
    elementwise=True, magnitude=lambda tr, ans, vals, errs, params: errs[0],
    taylor=J.linear(np.negative, np.negative),
)


def _pow_dx(x, y):
    """d(x**y)/dx = y x**(y-1); 0 for the exponent 0 even at x = 0, where x**(y-1) is inf."""
    return times(y, ops.pow(x, ops.subtract(y, 1.0)))


def _pow_dy(ans, x):
    """d(x**y)/dy = x**y log x, defined for x > 0 (zero where x**y is 0)."""
    return ops.multiply(ans, ops.log(ops.where(x, 1.0, cond=np.asarray(x > 0))))


def _pow_bound(tr, ans, vals, errs, params):
    """x**y: first-order propagation through both partials plus an elementary rounding."""
    a, b = np.asarray(vals[0], dtype=float), np.asarray(vals[1], dtype=float)
    with np.errstate(all="ignore"):
        da = np.where(b == 0, 0.0, absf(b * a ** (b - 1)))
        # x**y log x -> 0 as x -> 0 (y > 0): an exponent's error cannot move 0**y
        db = np.where((errs[1] == 0) | (ans == 0), 0.0, absf(ans * np.log(absf(a))))
    return da * errs[0] + db * errs[1] + ELEMENTARY_U * absf(ans)


_HUGE_EXPONENT = mpmath.mpf(2) ** 24


def _pow_exact(x, y):
    """x**y in mpmath. A huge integral exponent (float64 numbers above 2^53 all are) would
    take mpmath through one squaring per bit of y at full size, 0.4 ms a call; for a positive
    base it goes through exp(y log x) instead, with the working precision raised by the
    bits of y log x that the exponential magnifies."""
    if x > 0 and abs(y) > _HUGE_EXPONENT:
        extra = int(mpmath.log(abs(y) * abs(mpmath.log(x)) + 1, 2)) + 10
        with mpmath.extraprec(extra):
            return +mpmath.exp(y * mpmath.log(x))
    return mpmath.power(x, y)


def _pow_jet(x, y):
    """A constant exponent is a unary function; a traced one goes through exp(y log x)."""
    if isinstance(y, J.Jet):
        return J.P["exp"](_product_jet(y, J.P["log"](x)))
    return _power_jet(x, y)


defprim(
    "pow", np.power,
    jvp=(
        lambda t, ans, x, y: bcast(times(t, _pow_dx(x, y)), ans),
        lambda t, ans, x, y: bcast(times(t, _pow_dy(ans, x)), ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(times(ct, _pow_dx(x, y)), x),
        lambda ct, ans, x, y: unbcast(times(ct, _pow_dy(ans, x)), y),
    ),
    flops=per_element(1),
    elementwise=True, magnitude=_pow_bound, exact=_pow_exact, sym=lambda x, y: x**y,
    taylor=_pow_jet,
    examples=(example((2, 3), (), domain=("positive",)),), domain=("positive", "real"),
)
