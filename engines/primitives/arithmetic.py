"""Arithmetic primitives with broadcasting. Rules: the sum, product and quotient rules.

Rules call ``ops`` explicitly (not Python operators) so that on plain arrays their work is
still counted, and on boxes it is still traced.
"""

from __future__ import annotations

import numpy as np

from ..core import defprim, ops
from ._util import bcast, per_element, unbcast, unbcast_rule
from ._zeros import over, times

defprim(
    "add", np.add,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(t, ans)),
    vjp=(unbcast_rule(0), unbcast_rule(1)),
    flops=per_element(1), linear=True,
)

defprim(
    "subtract", np.subtract,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(ops.negative(t), ans)),
    vjp=(unbcast_rule(0), lambda ct, ans, x, y: ops.negative(unbcast(ct, y))),
    flops=per_element(1), linear=True,
)

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
)


def _quotient_dy(g, ans, y):
    """g · d(x/y)/dy = −g · (x/y) / y."""
    return ops.negative(over(times(g, ans), y))


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
)

defprim(
    "negative", np.negative,
    jvp=(lambda t, ans, x: ops.negative(t),),
    vjp=(lambda ct, ans, x: ops.negative(ct),),
    flops=per_element(1), linear=True,
)


def _pow_dx(x, y):
    """d(x**y)/dx = y x**(y-1); 0 for the exponent 0 even at x = 0, where x**(y-1) is inf."""
    return times(y, ops.pow(x, ops.subtract(y, 1.0)))


def _pow_dy(ans, x):
    """d(x**y)/dy = x**y log x, defined for x > 0 (zero where x**y is 0)."""
    return ops.multiply(ans, ops.log(ops.where(x, 1.0, cond=np.asarray(x > 0))))


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
)
