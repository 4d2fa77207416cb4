"""Products and quotients in rules where a zero stays zero: no 0·inf, no 0/0.

A tangent or cotangent that is exactly zero is structural: the branch ``where`` did not take,
an exponent of 0, an output that ignores an input. The derivative factor it meets there may be
infinite (sqrt, log and x**(y-1) at 0), and IEEE arithmetic would turn the product into NaN
where the true derivative is finite. ``times`` and ``over`` compute the plain product first and,
only when it is not finite, replace the factor at those zeros by a finite one with
``where`` -- an operation with rules of its own, so the result stays differentiable to any
order (the replaced factor receives a zero cotangent through ``where``, never 0·inf).

A partial derivative that is exactly zero is structural in the same way, in reverse mode: the
cotangent it meets may be infinite (it passed sqrt at 0), and the path carries nothing. This
is forward mode's answer read backwards -- there the zero slope of x² at 0 makes the tangent
zero before it meets sqrt's infinite slope -- so both modes give ‖x‖ at 0 the minimum-norm
subgradient 0 and the standard deviation of one value its true derivative 0 (the sqrt block).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Box, ops, primal


def _structural(t, out):
    """Where ``t`` is zero and the result ``out`` is not finite (a boolean array), or None.

    The common case, a finite result, costs one reduction: a sum is finite only when every
    element is (an overflowing sum falls through to the elementwise test).
    """
    p = out
    while isinstance(p, Box):
        p = p.value
    if type(p) is np.ndarray:
        if math.isfinite(np.add.reduce(p, None)):
            return None
    elif math.isfinite(p):
        return None
    bad = (np.asarray(primal(t)) == 0) & ~_isfinite(p)
    return bad if bad.any() else None


def _floats(p) -> np.ndarray:
    """``p`` as floats, also an object array of exact numbers (one past the float range reads
    as infinite, which only ever zeroes a product with an exact zero)."""
    a = np.asarray(p)
    if a.dtype == object:
        a = np.array([float(v) for v in a.reshape(-1)]).reshape(a.shape)
    return a


def _isfinite(p) -> np.ndarray:
    return np.isfinite(_floats(p))


def times(t, d):
    """t·d, zero wherever t is zero (even where d is inf or NaN) or d is zero and t is inf."""
    out = ops.multiply(t, d)
    bad = _structural(t, out)
    if bad is not None:
        d = ops.where(0.0, d, cond=bad)
        out = ops.multiply(t, d)
    bad = _structural(d, out)
    if bad is not None:
        # a NaN (co)tangent is news, not a structural zero's
        bad = bad & np.isinf(_floats(primal(t)))
        if bad.any():
            out = ops.multiply(ops.where(0.0, t, cond=bad), d)
    return out


def over(t, y):
    """t/y, zero wherever t is zero, even where y is 0 or not finite."""
    out = ops.divide(t, y)
    bad = _structural(t, out)
    return out if bad is None else ops.divide(t, ops.where(1.0, y, cond=bad))
