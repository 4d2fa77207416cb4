"""Arithmetic primitives with broadcasting. Rules: the sum, product and quotient rules."""

from __future__ import annotations

import numpy as np

from ..core import defprim, ops
from ._util import bcast, per_element, unbcast

defprim(
    "add", np.add,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(t, ans)),
    vjp=(lambda ct, ans, x, y: unbcast(ct, x), lambda ct, ans, x, y: unbcast(ct, y)),
    flops=per_element(1), linear=True,
)

defprim(
    "subtract", np.subtract,
    jvp=(lambda t, ans, x, y: bcast(t, ans), lambda t, ans, x, y: bcast(-t, ans)),
    vjp=(lambda ct, ans, x, y: unbcast(ct, x), lambda ct, ans, x, y: unbcast(-ct, y)),
    flops=per_element(1), linear=True,
)

defprim(
    "multiply", np.multiply,
    jvp=(lambda t, ans, x, y: bcast(t * y, ans), lambda t, ans, x, y: bcast(x * t, ans)),
    vjp=(lambda ct, ans, x, y: unbcast(ct * y, x), lambda ct, ans, x, y: unbcast(x * ct, y)),
    flops=per_element(1),
)

defprim(
    "divide", np.divide,
    jvp=(
        lambda t, ans, x, y: bcast(t / y, ans),
        lambda t, ans, x, y: bcast(-t * ans / y, ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(ct / y, x),
        lambda ct, ans, x, y: unbcast(-ct * ans / y, y),
    ),
    flops=per_element(1),
)

defprim(
    "negative", np.negative,
    jvp=(lambda t, ans, x: -t,),
    vjp=(lambda ct, ans, x: -ct,),
    flops=per_element(1), linear=True,
)


def _pow_dx(x, y):
    """d(x**y)/dx = y x**(y-1)."""
    return y * x ** (y - 1)


def _pow_dy(ans, x):
    """d(x**y)/dy = x**y log x, defined for x > 0 (zero where x**y is 0)."""
    return ans * ops.log(ops.where(x, 1.0, cond=np.asarray(x > 0)))


defprim(
    "pow", np.power,
    jvp=(
        lambda t, ans, x, y: bcast(t * _pow_dx(x, y), ans),
        lambda t, ans, x, y: bcast(t * _pow_dy(ans, x), ans),
    ),
    vjp=(
        lambda ct, ans, x, y: unbcast(ct * _pow_dx(x, y), x),
        lambda ct, ans, x, y: unbcast(ct * _pow_dy(ans, x), y),
    ),
    flops=per_element(1),
)
