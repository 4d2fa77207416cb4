"""Shape helpers the rules share; each is written with ``ops`` so rules stay differentiable."""

from __future__ import annotations

import math

import numpy as np

from ..core import ops


def shape_of(x) -> tuple:
    """Shape of an array, a box or a Python scalar."""
    try:
        return x.shape
    except AttributeError:
        return np.shape(x)


def size_of(x) -> int:
    """Number of elements of an array, a box or a Python scalar."""
    return math.prod(shape_of(x))


def ndim_of(x) -> int:
    """Number of axes of an array, a box or a Python scalar."""
    try:
        return x.ndim
    except AttributeError:
        return np.ndim(x)


def bcast(t, ans):
    """Broadcast a tangent to the output's shape (a JVP of a broadcasting op)."""
    s = shape_of(ans)
    return t if shape_of(t) == s else ops.broadcast_to(t, shape=s)


def unbcast(ct, x):
    """Sum a cotangent down to the shape of the argument it belongs to (the adjoint of bcast)."""
    try:  # arrays and boxes: compare shapes without helper calls (the common, hot case)
        s = x.shape
        if ct.shape == s:
            return ct
    except AttributeError:
        s = shape_of(x)
        if shape_of(ct) == s:
            return ct
    return ops.sum_to(ct, shape=s)


def unbcast_rule(pos: int):
    """The VJP rule ``ct -> unbcast(ct, primals[pos])`` as one function (one call per use)."""
    def rule(ct, ans, *primals):
        x = primals[pos]
        try:
            s = x.shape
            if ct.shape == s:
                return ct
        except AttributeError:
            s = shape_of(x)
            if shape_of(ct) == s:
                return ct
        return ops.sum_to(ct, shape=s)

    rule.__name__ = f"unbcast_to_argument_{pos}"
    return rule


def expand_last(x):
    """Append an axis of length one."""
    return ops.reshape(x, shape=shape_of(x) + (1,))


def per_element(n: int):
    """Flop count of an elementwise primitive costing ``n`` operations per output element."""
    return lambda ans, *args, **params: n * size_of(ans)


def no_flops(ans, *args, **params) -> int:
    """Flop count of a primitive that only moves data."""
    return 0


def sum_to_impl(x, *, shape):
    """Sum ``x`` over the axes that broadcasting added to reach it from ``shape``."""
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    xs = x.shape
    if xs == shape:
        return x
    lead = len(xs) - len(shape)
    if xs[lead:] == shape:  # only leading axes were added (a bias): no reshape needed
        return np.add.reduce(x, axis=0 if lead == 1 else tuple(range(lead)))
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and xs[i + lead] != 1
    )
    # the ufunc's reduce directly: np.sum adds a Python layer that costs more than small sums
    return np.add.reduce(x, axis=axes).reshape(shape)


def broadcast_to_impl(x, *, shape):
    """``x`` broadcast to ``shape``: a read-only view when large, a small copy otherwise.

    np.broadcast_to builds an iterator in Python and costs more than copying a few thousand
    numbers, so small results are filled instead; large ones stay views (no memory traffic).
    """
    x = np.asarray(x)
    if x.shape == shape:
        return x
    if math.prod(shape) > 1 << 14:
        return np.broadcast_to(x, shape)
    if len(x.shape) > len(shape):
        raise ValueError(f"cannot broadcast shape {x.shape} to {shape}")
    out = np.empty(shape, dtype=x.dtype if x.dtype.kind in "fcO" else np.float64)
    out[...] = x
    return out
