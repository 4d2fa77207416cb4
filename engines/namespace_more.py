"""Names of the array API standard and numpy built as composites over the primitive table.

Each method is written with this namespace's own operations (``self``), so it runs unchanged in
every namespace (AD boxes, numpy, exact mpmath, sympy, complex step) and its derivative follows
from the primitives' rules. Values that only choose (which element is largest, a sort order, a
mask) are computed from the primal values and enter as constants: the derivative of the choice
itself is zero wherever it is defined. ``NAMES`` maps each name to the primitives it runs on.
"""

from __future__ import annotations

import math

import numpy as np

from .arraylike import note_ties
from .core import primal
from .errors import UnsupportedOperation

SINC_SERIES = 0.05  # |x| below which sinc's float64 value comes from its Taylor series


def _shape(x):
    try:
        return tuple(x.shape)
    except AttributeError:
        return np.shape(x)


def plain(x):
    """The primal value as a plain array (real part of a complex-step value; a torch tensor's
    data without its graph)."""
    x = _concrete(primal(x))
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    v = np.asarray(x)
    return v.real if v.dtype.kind == "c" else v


def _concrete(x):
    """The concrete value under a jax tracer of eager differentiation (grad, jvp, linearize
    keep it as ``primal``); a tracer without one (jit, vmap) is left for np.asarray to refuse."""
    if not type(x).__module__.startswith("jax"):
        return x
    inner = x
    for _ in range(64):  # one level per nesting of jax transformations
        nxt = getattr(inner, "primal", None)
        if nxt is None:
            break
        inner = nxt
    return inner if np.shape(inner) == np.shape(x) else x


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,))))


class MoreNames:
    """Elementwise, reduction and shape names; mixed into ``Namespace``."""

    def _q(self, name):
        """The primitive ``name`` in this namespace, or the unsupported-name error."""
        return self._p[name]

    def _const(self, value):
        return self._constant(np.asarray(value, dtype=float))

    def _listed(self, x):
        """A Python list or tuple (of traced scalars, say) as one array, as numpy reads it."""
        return self.asarray(x) if isinstance(x, (list, tuple)) else x

    def _choose(self, fn, x, name):
        """A choice computed on primal values; symbolic values cannot be compared."""
        try:
            return fn(plain(x))
        except (TypeError, RuntimeError):  # a traced value without data (jit, torch.func)
            raise UnsupportedOperation(name, self.engine) from None

    # -- elementwise
    def positive(self, x):
        return x

    def conj(self, x):
        return x

    real = conj

    def imag(self, x):
        return self.zeros_like(x)

    def log2(self, x):
        return self.divide(self.log(x), self.log(self.asarray(2.0)))

    def log10(self, x):
        return self.divide(self.log(x), self.log(self.asarray(10.0)))

    def exp2(self, x):
        return self.exp(self.multiply(x, self.log(self.asarray(2.0))))

    def hypot(self, x, y):
        return self.sqrt(self.add(self.square(x), self.square(y)))

    def copysign(self, x, y):
        neg = self._choose(lambda v: np.signbit(np.asarray(v, dtype=float)), y, "copysign")
        return self.multiply(self.abs(x), self._const(np.where(neg, -1.0, 1.0)))

    def floor_divide(self, x, y):
        return self._q("floor")(self.divide(x, y))

    def remainder(self, x, y):
        return self.subtract(x, self.multiply(self.floor_divide(x, y), y))

    def clip(self, x, a_min=None, a_max=None, *, min=None, max=None):  # noqa: A002
        """numpy's clip: bounds as ``a_min``/``a_max`` (numpy's names, positional too) or as
        ``min``/``max`` (the array API standard's and numpy 2's keywords)."""
        if (a_min is not None and min is not None) or (a_max is not None and max is not None):
            raise ValueError("clip: give each bound once (a_min or min, a_max or max)")
        low = a_min if min is None else min
        high = a_max if max is None else max
        if low is not None:
            x = self.maximum(x, low)
        if high is not None:
            x = self.minimum(x, high)
        return x

    def sinc(self, x):
        """sin(πx)/(πx), 1 at 0 (numpy's normalized sinc).

        In float64, |x| < SINC_SERIES takes the Taylor series Σ (−1)^k (πx)^2k/(2k+1)! to
        (πx)^12: the quotient's derivatives cancel there (and are 0/0 at 0), the series' are
        exact to rounding up to the fourth order (the first omitted term is below 1e-23).
        Exact values (mpmath) take the quotient, guarded only at 0.
        """
        v = self._choose(lambda v: v, x, "sinc")
        exact = v.dtype == object
        small = (v == 0) if exact else (np.abs(v) < SINC_SERIES)
        safe = self.where(small, 1.0, x)
        px = self.multiply(self.pi, safe)
        direct = self.divide(self.sin(px), px)
        if not np.any(small):
            return direct
        if exact:
            return self.where(small, 1.0, direct)
        z = self.square(self.multiply(self.pi, self.where(small, x, 0.0)))
        series = 1.0 / math.factorial(13)  # the k = 6 coefficient, (−1)^6/13!
        for k in range(5, -1, -1):  # Horner in z = (πx)²
            series = self.add((-1.0) ** k / math.factorial(2 * k + 1),
                              self.multiply(z, series))
        return self.where(small, series, direct)

    # -- reductions
    def _mask_pick(self, x, axis, keepdims, pick, name):
        """x reduced to the entries ``pick`` selects, ties sharing equally (as JAX does)."""
        def weights(v):
            best = pick(v, axis=axis, keepdims=True)
            hit = (v == best).astype(float)
            return hit / hit.sum(axis=axis, keepdims=True)
        x = self._listed(x)
        w = self._choose(weights, x, name)
        return self.sum(self.multiply(x, self._const(w)), axis=axis, keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False, initial=None):
        out = self._mask_pick(x, axis, keepdims, np.max, "max")
        return out if initial is None else self.maximum(out, initial)

    def min(self, x, axis=None, keepdims=False, initial=None):
        out = self._mask_pick(x, axis, keepdims, np.min, "min")
        return out if initial is None else self.minimum(out, initial)

    amax, amin = max, min

    def _to_last(self, x, axis):
        """x with the reduced axes moved last and merged: (moved, kept shape)."""
        nd = len(_shape(x))
        red = _axes(axis, nd)
        keep = [a for a in range(nd) if a not in red]
        y = self.permute_dims(x, keep + list(red))
        lead = tuple(_shape(x)[a] for a in keep)
        kept = tuple(1 if a in red else _shape(x)[a] for a in range(nd))
        return self.reshape(y, lead + (math.prod(_shape(x)[a] for a in red),)), kept

    def prod(self, x, axis=None, keepdims=False):
        y, kept = self._to_last(self._listed(x), axis)
        n = _shape(y)[-1]
        out = self.ones(_shape(y)[:-1]) if n == 0 else y[..., 0]
        for i in range(1, n):
            out = self.multiply(out, y[..., i])
        return self.reshape(out, kept) if keepdims else out

    def var(self, x, axis=None, keepdims=False, correction=0.0, ddof=None):
        c = float(ddof if ddof is not None else correction)
        x = self._listed(x)
        n = math.prod(_shape(x)[a] for a in _axes(axis, len(_shape(x))))
        dev = self.subtract(x, self.mean(x, axis=axis, keepdims=True))
        return self.divide(self.sum(self.square(dev), axis=axis, keepdims=keepdims),
                           self.asarray(float(n) - c))

    def std(self, x, axis=None, keepdims=False, correction=0.0, ddof=None):
        # of one value: identically 0, derivatives 0 (the sqrt block's zero-slope convention)
        return self.sqrt(self.var(x, axis, keepdims, correction, ddof))

    def _along_last(self, x, axis, fn):
        """Apply ``fn`` to x with ``axis`` moved last, then move it back."""
        nd = len(_shape(x))
        a = axis % nd
        perm = [i for i in range(nd) if i != a] + [a]
        back = [int(i) for i in np.argsort(perm)]
        return self.permute_dims(fn(self.permute_dims(x, perm)), back)

    def cumsum(self, x, axis=None):
        if axis is None:
            x, axis = self.reshape(x, (-1,)), 0
        n = _shape(x)[axis]
        upper = self._const(np.triu(np.ones((n, n))))
        return self._along_last(x, axis, lambda y: self.matmul(y, upper))

    def cumulative_sum(self, x, axis=None, include_initial=False):
        if axis is None and len(_shape(x)) > 1:
            raise TypeError("cumulative_sum of an array with more than one axis needs axis=")
        out = self.cumsum(x, axis=axis)
        if not include_initial:
            return out
        a = 0 if axis is None else axis % len(_shape(x))
        zero_shape = list(_shape(out))
        zero_shape[a] = 1
        return self.concat([self.zeros(zero_shape), out], axis=a)

    def cumprod(self, x, axis=None):
        if axis is None:
            x, axis = self.reshape(x, (-1,)), 0

        def running(y):
            parts = [y[..., 0]]
            for i in range(1, _shape(y)[-1]):
                parts.append(self.multiply(parts[-1], y[..., i]))
            return self.stack(parts, axis=-1)
        return self._along_last(x, axis, running)

    # -- choices on primal values (no derivative; integer or boolean results)
    def argmax(self, x, axis=None, keepdims=False):
        return self._choose(lambda v: np.argmax(v, axis=axis, keepdims=keepdims), x, "argmax")

    def argmin(self, x, axis=None, keepdims=False):
        return self._choose(lambda v: np.argmin(v, axis=axis, keepdims=keepdims), x, "argmin")

    def argsort(self, x, axis=-1, descending=False, stable=True):
        def order(v):
            idx = np.argsort(-v if descending else v, axis=axis, kind="stable")
            return idx
        return self._choose(order, x, "argsort")

    def sort(self, x, axis=-1, descending=False, stable=True, kind=None):
        if axis is None:  # numpy: the flattened array
            x, axis = self.reshape(x, (-1,)), -1
        idx = self.argsort(x, axis=axis, descending=descending)
        out = self.take_along_axis(x, idx, axis=axis)
        note_ties(out, axis, "sort (tied values)")
        return out

    def take_along_axis(self, x, indices, axis=-1):
        nd = len(_shape(x))
        a = axis % nd
        grids = np.ogrid[tuple(slice(0, s) for s in np.shape(indices))]
        index = tuple(np.asarray(indices) if i == a else grids[i] for i in range(nd))
        return self._p["getitem"](x, index=index)

    def nonzero(self, x):
        return self._choose(np.nonzero, x, "nonzero")

    def count_nonzero(self, x, axis=None, keepdims=False):
        return self._choose(lambda v: np.count_nonzero(v != 0, axis=axis, keepdims=keepdims),
                            x, "count_nonzero")

    def searchsorted(self, x1, x2, side="left", sorter=None):
        return np.searchsorted(plain(x1), plain(x2), side=side, sorter=sorter)

    def all(self, x, axis=None, keepdims=False):
        return self._choose(lambda v: np.all(v != 0, axis=axis, keepdims=keepdims), x, "all")

    def any(self, x, axis=None, keepdims=False):
        return self._choose(lambda v: np.any(v != 0, axis=axis, keepdims=keepdims), x, "any")


def _compare(np_fn, name):
    def method(self, x, y=None):
        args = (x,) if y is None else (x, y)
        vals = [plain(a) for a in args]
        try:
            return np_fn(*vals)
        except TypeError:  # mpmath numbers: isnan, signbit, ... read their float values
            try:
                return np_fn(*(np.asarray(v, dtype=float) for v in vals))
            except TypeError:
                raise UnsupportedOperation(name, self.engine) from None
    method.__name__ = name
    method.__doc__ = f"numpy's {name} on primal values: a boolean array, no derivative."
    return method


_PREDICATES = {
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
    "isfinite": np.isfinite, "isinf": np.isinf, "isnan": np.isnan, "signbit": np.signbit,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor, "logical_not": np.logical_not,
}
for _n, _f in _PREDICATES.items():
    setattr(MoreNames, _n, _compare(_f, _n))


NAMES: dict[str, str] = {
    "positive": "(identity)", "conj": "(identity)", "real": "(identity)", "imag": "(constant)",
    "log2": "log+divide", "log10": "log+divide", "exp2": "exp+multiply",
    "hypot": "sqrt+add+multiply", "copysign": "abs+multiply", "floor_divide": "floor+divide",
    "remainder": "floor+divide+multiply+subtract", "clip": "maximum+minimum",
    "sinc": "sin+divide+where", "max": "multiply+sum (mask)", "min": "multiply+sum (mask)",
    "amax": "multiply+sum (mask)", "amin": "multiply+sum (mask)", "prod": "multiply",
    "var": "mean+subtract+multiply+sum+divide", "std": "sqrt+var",
    "cumsum": "matmul (triangular constant)", "cumulative_sum": "matmul+concat",
    "cumprod": "multiply+stack", "sort": "getitem (argsort)", "take_along_axis": "getitem",
    **{n: "(no derivative)" for n in ("argmax", "argmin", "argsort", "nonzero",
                                       "count_nonzero", "searchsorted", "all", "any")},
    **{n: "(no derivative)" for n in _PREDICATES},
}
