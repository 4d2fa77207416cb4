"""Shape, indexing and reduction primitives: linear maps, so each VJP is the transpose map."""

from __future__ import annotations

import math

import numpy as np

from .. import jet as J
from ..core import PerIndex, defprim, example, ops
from ._bounds import absf, count, full, moved, summed
from ._util import broadcast_to_impl, no_flops, shape_of, size_of, sum_to_impl


def _linear(name, impl, forward, adjoint, flops=no_flops, **record):
    """A primitive linear in its one argument: JVP applies it, VJP applies its adjoint.

    ``record``: the other fields of its record (``examples``, ``xp``, ...); a primitive that
    only moves data (no flops) bounds its rounding error by moving the errors the same way.
    """
    if flops is no_flops:
        record.setdefault("magnitude", moved(impl))
    defprim(
        name, impl,
        jvp=(lambda t, ans, x, **p: forward(t, x, **p),),
        vjp=(lambda ct, ans, x, **p: adjoint(ct, x, **p),),
        flops=flops, linear=True, **record,
    )


_linear(
    "reshape", lambda x, *, shape: np.reshape(x, shape),
    lambda t, x, *, shape: ops.reshape(t, shape=shape),
    lambda ct, x, *, shape: ops.reshape(ct, shape=shape_of(x)),
    examples=(example((2, 6), shape=(3, 4)), example((2, 3, 4), shape=(6, 4))),
    taylor=J.linear(lambda x, *, shape: np.reshape(x, shape),
                    lambda g, *, shape: np.reshape(g, (g.shape[0],) + tuple(shape))),
)
_linear(
    "broadcast_to", broadcast_to_impl,
    lambda t, x, *, shape: ops.broadcast_to(t, shape=shape),
    lambda ct, x, *, shape: ops.sum_to(ct, shape=shape_of(x)),
    examples=(example((3, 1), shape=(2, 3, 4)), example((), shape=(2, 2))),
    taylor=lambda x, *, shape: J.jet(np.broadcast_to(x.v, shape), x.g, x.l),
)
_linear(
    "sum_to", sum_to_impl,
    lambda t, x, *, shape: ops.sum_to(t, shape=shape),
    lambda ct, x, *, shape: ops.broadcast_to(ct, shape=shape_of(x)),
    flops=lambda ans, x, **p: size_of(x),
    magnitude=summed(sum_to_impl),
    examples=(example((2, 3, 4), shape=(3, 1)), example((2, 3), shape=())),
)


def _inverse_axes(axes):
    """The permutation that undoes ``axes`` (None: reversal, its own inverse)."""
    return None if axes is None else tuple(int(i) for i in np.argsort(axes))


def _transpose_g(g, *, axes=None):
    """The permutation applied to each gradient slice (the leading axis stays first)."""
    n = g.ndim - 1
    axes = tuple(reversed(range(n))) if axes is None else axes
    return np.transpose(g, (0,) + tuple(a % n + 1 for a in axes))


_linear(
    "transpose", lambda x, *, axes=None: np.transpose(x, axes),
    lambda t, x, *, axes=None: ops.transpose(t, axes=axes),
    lambda ct, x, *, axes=None: ops.transpose(ct, axes=_inverse_axes(axes)),
    examples=(example((2, 3, 4), axes=(1, 2, 0)), example((2, 3))),
    taylor=J.linear(lambda x, *, axes=None: np.transpose(x, axes), _transpose_g),
)
def _matrix_transpose(x):
    """Swap the last two axes (a view); the ndarray method skips np.swapaxes' Python layer."""
    return x.swapaxes(-1, -2) if isinstance(x, np.ndarray) else np.swapaxes(x, -1, -2)


_linear(
    "matrix_transpose", _matrix_transpose,
    lambda t, x: ops.matrix_transpose(t),
    lambda ct, x: ops.matrix_transpose(ct),
    xp=("matrix_transpose", "linalg.matrix_transpose"),
    examples=(example((2, 3, 4)), example((3, 2))),
    taylor=J.linear(lambda x: np.swapaxes(x, -1, -2), lambda g: np.swapaxes(g, -1, -2)),
)


def _is_basic(index) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (no repeated elements)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _scatter_add_impl(x, *, index, shape):
    """Zeros of ``shape`` with ``x`` added at ``index`` (repeated indices accumulate)."""
    out = np.zeros(shape, dtype=np.result_type(x, np.float64))
    if _is_basic(index):
        out[index] = x
    else:
        np.add.at(out, index, x)
    return out


_linear(
    "getitem", lambda x, *, index: x[index],
    lambda t, x, *, index: ops.getitem(t, index=index),
    lambda ct, x, *, index: ops.scatter_add(ct, index=index, shape=shape_of(x)),
    examples=(example((4, 3), index=(slice(1, 3), 0)),
              example((5,), index=(np.array([0, 2, 2, 4]),))),
    taylor=J.linear(lambda x, *, index: x[index],
                    lambda g, *, index: g[(slice(None),) + (
                        index if isinstance(index, tuple) else (index,))]),
)
def _scatter_bound(tr, ans, vals, errs, params):
    """Each output element adds the terms scattered onto it: their errors plus Σ|terms|."""
    x = absf(vals[0])
    return _scatter_add_impl(full(errs[0], x), **params) + _scatter_add_impl(x, **params)


_linear(
    "scatter_add", _scatter_add_impl,
    lambda t, x, *, index, shape: ops.scatter_add(t, index=index, shape=shape),
    lambda ct, x, *, index, shape: ops.getitem(ct, index=index),
    flops=lambda ans, x, **p: size_of(x),
    magnitude=_scatter_bound,
    examples=(example((3,), index=(np.array([0, 2, 0]),), shape=(4,)),),
)


def _axis(axis: int, ndim: int) -> int:
    return axis + ndim if axis < 0 else axis


def _stack_slot(i, ans, axis):
    """Index of the i-th stacked operand inside the stacked result."""
    return (slice(None),) * _axis(axis, len(shape_of(ans))) + (i,)


def _concat_slot(i, ans, xs, axis):
    """Index of the i-th concatenated operand inside the result."""
    ax = _axis(axis, len(shape_of(ans)))
    start = sum(shape_of(x)[ax] for x in xs[:i])
    return (slice(None),) * ax + (slice(start, start + shape_of(xs[i])[ax]),)


def _join_jet(np_fn):
    """stack / concat on jets: constants join with zero gradient and Laplacian."""
    def rule(*xs, axis=0):
        d = J.dim(*xs)
        parts = [J.parts(x, d) for x in xs]
        ls = [np.broadcast_to(p[2], np.shape(p[0])) for p in parts]
        return J.Jet(np_fn([p[0] for p in parts], axis=axis),
                     np_fn([p[1] for p in parts], axis=axis + 1 if axis >= 0 else axis),
                     np_fn(ls, axis=axis))
    return rule


defprim(
    "stack", lambda *xs, axis=0: np.stack(xs, axis=axis),
    jvp=PerIndex(lambda i, t, ans, *xs, axis=0: ops.scatter_add(
        t, index=_stack_slot(i, ans, axis), shape=shape_of(ans))),
    vjp=PerIndex(lambda i, ct, ans, *xs, axis=0: ops.getitem(
        ct, index=_stack_slot(i, ans, axis))),
    flops=no_flops, linear=True,
    magnitude=moved(lambda *xs, axis=0: np.stack(xs, axis=axis)),
    examples=(example((2, 3), (2, 3), (2, 3), axis=1), example((), ())),
    taylor=_join_jet(np.stack),
)
defprim(
    "concat", lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    jvp=PerIndex(lambda i, t, ans, *xs, axis=0: ops.scatter_add(
        t, index=_concat_slot(i, ans, xs, axis), shape=shape_of(ans))),
    vjp=PerIndex(lambda i, ct, ans, *xs, axis=0: ops.getitem(
        ct, index=_concat_slot(i, ans, xs, axis))),
    flops=no_flops, linear=True,
    magnitude=moved(lambda *xs, axis=0: np.concatenate(xs, axis=axis)),
    examples=(example((2, 3), (1, 3), (3, 3), axis=0), example((2, 2), (2, 1), axis=-1)),
    taylor=_join_jet(np.concatenate),
)


def _kept_shape(x, axis):
    """Shape of sum(x, axis, keepdims=True)."""
    shape = shape_of(x)
    if axis is None:
        return (1,) * len(shape)
    axes = {_axis(a, len(shape)) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _count(x, axis):
    """Number of elements summed into each output element."""
    return size_of(x) // max(1, math.prod(_kept_shape(x, axis)))


def _spread(ct, x, axis):
    """Adjoint of summing over ``axis``: copy each cotangent over the summed elements."""
    if axis is not None:  # a full sum's cotangent is a scalar and broadcasts as it is
        ct = ops.reshape(ct, shape=_kept_shape(x, axis))
    return ops.broadcast_to(ct, shape=shape_of(x))


def _sum_impl(x, axis, keepdims):
    """np.sum without its Python layer (the same pairwise ufunc reduction)."""
    return np.add.reduce(np.asarray(x), axis=axis, keepdims=keepdims)


def _mean_impl(x, axis, keepdims):
    """np.mean's own arithmetic (pairwise sum, then one true division) without its layers."""
    x = np.asarray(x)
    s = np.add.reduce(x, axis=axis, keepdims=keepdims)
    return s / (x.size // max(1, np.size(s))) if x.size else np.mean(x, axis, keepdims=keepdims)


_linear(
    "sum", lambda x, *, axis=None, keepdims=False: _sum_impl(x, axis, keepdims),
    lambda t, x, *, axis=None, keepdims=False: ops.sum(t, axis=axis, keepdims=keepdims),
    lambda ct, x, *, axis=None, keepdims=False: _spread(ct, x, axis),
    flops=lambda ans, x, **p: size_of(x),
    magnitude=summed(lambda x, *, axis=None, keepdims=False: _sum_impl(x, axis, keepdims)),
    examples=(example((2, 3, 4)), example((2, 3, 4), axis=(0, 2), keepdims=True),
              example((2, 3), axis=-1)),
    taylor=J.linear(np.sum, lambda g, *, axis=None, keepdims=False: np.sum(
        g, axis=J.shift(axis, g.ndim - 1), keepdims=keepdims)),
)
def _mean_bound(tr, ans, vals, errs, params):
    """The sum's bound divided by the count, plus the rounding of the division."""
    total = summed(lambda x, **p: _sum_impl(x, p.get("axis"), p.get("keepdims", False)))
    return total(tr, ans, vals, errs, params) / count(vals[0], ans) + absf(ans)


_linear(
    "mean", lambda x, *, axis=None, keepdims=False: _mean_impl(x, axis, keepdims),
    lambda t, x, *, axis=None, keepdims=False: ops.mean(t, axis=axis, keepdims=keepdims),
    # divide the (small) cotangent before spreading it: one division per output element
    lambda ct, x, *, axis=None, keepdims=False: _spread(
        ops.divide(ct, float(_count(x, axis))), x, axis),
    flops=lambda ans, x, **p: size_of(x) + size_of(ans),
    magnitude=_mean_bound,
    examples=(example((2, 3, 4), axis=1), example((3,))),
    taylor=J.linear(np.mean, lambda g, *, axis=None, keepdims=False: np.mean(
        g, axis=J.shift(axis, g.ndim - 1), keepdims=keepdims)),
)
