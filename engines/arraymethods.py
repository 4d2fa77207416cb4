"""The ndarray methods a traced value computes with primitives, so they are differentiated.

Each method has numpy's signature and numpy's result; the work is done by the table's
primitives (``ops``), so every method is itself differentiable to any order and nesting.
Keywords numpy offers that change storage only (``out``, ``order``, ``dtype``) are accepted when
they ask for the default and refused otherwise.
"""

from __future__ import annotations

import functools

import numpy as np

from .errors import refuse


class _Hooks:
    """What traced values' methods call, installed by the modules that define them:
    ``engines.core`` (the table's namespace ``ops`` and ``primal``) and ``engines.namespace``
    (the ``ad`` namespace, for ``__array_namespace__``). Those modules import this one, so it
    cannot import them."""

    ops = None
    primal = None
    namespace = None


HOOKS = _Hooks()


def _ops():
    return HOOKS.ops


def _defaults_only(op, out=None, order="C", dtype=None):
    """Refuse storage keywords that differ from numpy's defaults."""
    if out is not None:
        refuse(f"x.{op}(out=...)", "drop out=; assign the result (values are immutable)")
    if order not in ("C", "K", "A"):
        refuse(f"x.{op}(order={order!r})", "drop order=; traced values have no layout")
    if dtype is not None and np.dtype(dtype) != np.float64:
        refuse(f"x.{op}(dtype={np.dtype(dtype)})",
               "drop dtype=; derivatives are taken in float64")


def _shape_arg(args):
    """numpy accepts ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(args[0])
    return tuple(args)


def _axes(axis, ndim):
    """A normalised tuple of axes (all of them for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(int(a) % max(ndim, 1) for a in axes))


def _reduce_with(x, axis, keepdims, combine, op):
    """Fold the slices along ``axis`` with a binary primitive (products, maxima)."""
    shape = x.shape
    axes = _axes(axis, len(shape))
    rest = [i for i in range(len(shape)) if i not in axes]
    k = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    if k == 0:
        raise ValueError(f"x.{op}() of an empty axis: numpy raises here too (no identity)"
                         if op in ("max", "min") else f"x.{op}() of an empty array")
    moved = x.transpose(*(list(axes) + rest)) if axes else x
    flat = moved.reshape(k, *[shape[i] for i in rest])
    out = functools.reduce(combine, (flat[i] for i in range(k)))
    if keepdims:
        out = out.reshape(*[1 if i in axes else s for i, s in enumerate(shape)])
    return out


def _along_last(x, axis, fn):
    """Apply ``fn`` along ``axis`` (None: the flattened array) by moving it last and back."""
    if axis is None:
        return fn(x.reshape(-1))
    a = int(axis) % x.ndim
    moved = x.swapaxes(a, -1)
    return fn(moved).swapaxes(a, -1)


def _scan_last(combine):
    """Running ``combine`` along the last axis, in numpy's order (so the roundings match)."""
    def scan(x):
        if x.shape[-1] == 0:
            return x
        parts = [x[..., 0]]
        for i in range(1, x.shape[-1]):
            parts.append(combine(parts[-1], x[..., i]))
        return _ops().stack(*parts, axis=-1)

    return scan


class ArrayMethods:
    """ndarray's computing methods, written with the primitives."""

    __slots__ = ()

    def reshape(self, *shape, order="C", copy=None):
        _defaults_only("reshape", order=order)
        return _ops().reshape(self, shape=_shape_arg(shape))

    def ravel(self, order="C"):
        _defaults_only("ravel", order=order)
        return _ops().reshape(self, shape=(-1,))

    def flatten(self, order="C"):
        _defaults_only("flatten", order=order)
        return _ops().reshape(self, shape=(-1,))

    def squeeze(self, axis=None):
        shape = self.shape
        drop = _axes(axis, len(shape)) if axis is not None else \
            tuple(i for i, s in enumerate(shape) if s == 1)
        if any(shape[i] != 1 for i in drop):
            raise ValueError("cannot select an axis to squeeze out which has size not equal "
                             "to one")
        return _ops().reshape(self, shape=tuple(s for i, s in enumerate(shape) if i not in drop))

    def transpose(self, *axes):
        axes = None if not axes or axes == (None,) else _shape_arg(axes)
        return _ops().transpose(self, axes=axes)

    def swapaxes(self, axis1, axis2):
        perm = list(range(self.ndim))
        a, b = int(axis1) % self.ndim, int(axis2) % self.ndim
        perm[a], perm[b] = perm[b], perm[a]
        return _ops().transpose(self, axes=tuple(perm))

    def copy(self, order="C"):
        _defaults_only("copy", order=order)
        return self  # never mutated, so the value itself is its copy

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        kind = np.dtype(dtype).kind
        if kind in "biu":  # integers and booleans: no derivative, as for plain arrays
            return np.asarray(HOOKS.primal(self)).astype(dtype)
        if np.dtype(dtype) != np.float64:
            refuse(f"x.astype({np.dtype(dtype)})",
                   "derivatives are taken in float64; drop the cast inside the function")
        return self

    def conj(self):
        return self

    conjugate = conj
    real = property(lambda self: self)
    imag = property(lambda self: np.zeros(self.shape))

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        _defaults_only("sum", dtype=dtype, out=out)
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        _defaults_only("mean", dtype=dtype, out=out)
        return _ops().mean(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        _defaults_only("var", dtype=dtype, out=out)
        dev = self - self.mean(axis=axis, keepdims=True)
        n = int(np.prod([self.shape[i] for i in _axes(axis, self.ndim)], dtype=np.int64))
        return (dev * dev).sum(axis=axis, keepdims=keepdims) / float(n - ddof)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _ops().sqrt(self.var(axis=axis, dtype=dtype, out=out, ddof=ddof,
                                    keepdims=keepdims))

    def prod(self, axis=None, dtype=None, out=None, keepdims=False):
        _defaults_only("prod", dtype=dtype, out=out)
        if self.size == 0:
            return np.ones(np.prod(np.zeros(self.shape), axis=axis, keepdims=keepdims).shape)
        return _reduce_with(self, axis, keepdims, _ops().multiply, "prod")

    def max(self, axis=None, out=None, keepdims=False):
        _defaults_only("max", out=out)
        return _reduce_with(self, axis, keepdims, _ops().maximum, "max")

    def min(self, axis=None, out=None, keepdims=False):
        _defaults_only("min", out=out)
        return _reduce_with(self, axis, keepdims, _ops().minimum, "min")

    def cumsum(self, axis=None, dtype=None, out=None):
        _defaults_only("cumsum", dtype=dtype, out=out)
        return _along_last(self, axis, _scan_last(_ops().add))

    def cumprod(self, axis=None, dtype=None, out=None):
        _defaults_only("cumprod", dtype=dtype, out=out)
        return _along_last(self, axis, _scan_last(_ops().multiply))

    def clip(self, min=None, max=None, out=None, **kwargs):
        _defaults_only("clip", out=out)
        if min is None and max is None:
            raise ValueError("One of max or min must be given")
        x = self if max is None else _ops().minimum(self, max)
        return x if min is None else _ops().maximum(x, min)

    def dot(self, b, out=None):
        _defaults_only("dot", out=out)
        if self.ndim == 0 or np.ndim(b) == 0:
            return _ops().multiply(self, b)
        if self.ndim > 2 or np.ndim(b) > 2:
            refuse("x.dot(b) with more than two axes",
                   "use x @ b (matmul broadcasts stacks) or xp.vecdot")
        return _ops().matmul(self, b)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        if self.ndim < 2:
            raise ValueError("diag requires an array of at least two dimensions")
        moved = self if (int(axis1) % self.ndim, int(axis2) % self.ndim) == \
            (self.ndim - 2, self.ndim - 1) else _to_last_two(self, axis1, axis2)
        return _ops().diag(moved, k=int(offset))

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        _defaults_only("trace", dtype=dtype, out=out)
        return _ops().sum(self.diagonal(offset, axis1, axis2), axis=-1)

    def take(self, indices, axis=None, out=None, mode="raise"):
        _defaults_only("take", out=out)
        if axis is None:
            return self.reshape(-1)[np.asarray(indices)]
        return self[(slice(None),) * (int(axis) % self.ndim) + (np.asarray(indices),)]

    def repeat(self, repeats, axis=None):
        x = self.reshape(-1) if axis is None else self
        ax = 0 if axis is None else int(axis) % x.ndim
        index = np.repeat(np.arange(x.shape[ax]), repeats)
        return x[(slice(None),) * ax + (index,)]

    def compress(self, condition, axis=None, out=None):
        _defaults_only("compress", out=out)
        return self.take(np.nonzero(np.asarray(condition))[0], axis=axis)


def _to_last_two(x, axis1, axis2):
    """Move ``axis1`` and ``axis2`` to the end, in that order (ndarray.diagonal's layout)."""
    a, b = int(axis1) % x.ndim, int(axis2) % x.ndim
    rest = [i for i in range(x.ndim) if i not in (a, b)]
    return _ops().transpose(x, axes=tuple(rest + [a, b]))
