"""Shape helpers the rules share; each is written with ``ops`` so rules stay differentiable."""

from __future__ import annotations

import numpy as np

from ..core import Box, ops


def shape_of(x) -> tuple:
    """Shape of an array, a box or a Python scalar."""
    return x.shape if isinstance(x, (np.ndarray, Box, np.generic)) else np.shape(x)


def size_of(x) -> int:
    """Number of elements of an array, a box or a Python scalar."""
    return int(np.prod(shape_of(x), dtype=np.int64))


def ndim_of(x) -> int:
    """Number of axes of an array, a box or a Python scalar."""
    return len(shape_of(x))


def bcast(t, ans):
    """Broadcast a tangent to the output's shape (a JVP of a broadcasting op)."""
    s = shape_of(ans)
    return t if shape_of(t) == s else ops.broadcast_to(t, shape=s)


def unbcast(ct, x):
    """Sum a cotangent down to the shape of the argument it belongs to (the adjoint of bcast)."""
    s = shape_of(x)
    return ct if shape_of(ct) == s else ops.sum_to(ct, shape=s)


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
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)
