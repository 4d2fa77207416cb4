"""numpy's array constructions, for traced values: append, linspace, gradient, diagflat, r_, c_.

numpy builds these by writing into a fresh array (``y[-1] = stop``, ``out[1:-1] = ...``), which
drops a derivative; here each is written with this namespace's own operations (concat,
multiply, getitem), so it runs in every namespace and its derivative follows from the
primitives' rules. Values made only of plain numbers stay plain numpy constants.
"""

from __future__ import annotations

import numpy as np

from .errors import UnsupportedSpelling
from .namespace_more import _shape


def _plain_number(v) -> bool:
    """A Python or numpy real number, or a real numpy array: nothing being differentiated."""
    return isinstance(v, (int, float, np.integer, np.floating)) or (
        type(v) is np.ndarray and v.dtype.kind in "iuf")


class BuildNames:
    """numpy's constructions; mixed into ``Namespace``."""

    def append(self, arr, values, axis=None):
        """numpy.append: both flattened and joined, or joined along ``axis``."""
        arr, values = self.asarray(arr), self.asarray(values)
        if axis is None:
            return self.concat([self.reshape(arr, (-1,)), self.reshape(values, (-1,))], axis=0)
        return self.concat([arr, values], axis=axis)

    def linspace(self, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        """numpy.linspace; endpoints that are traced (or arrays) give start + k·(stop − start)/div,
        numpy's own formula, with the last point ``stop`` itself when ``endpoint``."""
        if _plain_number(start) and _plain_number(stop):
            out = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, axis=axis)
            return (self._const(out[0]), out[1]) if retstep else self._const(out)
        num = int(num)
        div = num - 1 if endpoint else num
        start, stop = self.asarray(start), self.asarray(stop)
        delta = self.subtract(stop, start)
        k = np.arange(num, dtype=float).reshape((-1,) + (1,) * len(_shape(delta)))
        step = self.divide(delta, float(div)) if div > 0 else float("nan")
        y = self.add(self.multiply(self._const(k), step if div > 0 else delta), start)
        if endpoint and num > 1:
            last = self.broadcast_to(stop, _shape(y)[1:])
            y = self.concat([y[:-1], self.reshape(last, (1,) + _shape(y)[1:])], axis=0)
        if axis != 0:
            y = self.moveaxis(y, 0, axis)
        return (y, step) if retstep else y

    def gradient(self, f, *varargs, axis=None, edge_order=1):
        """numpy.gradient: second-order central differences inside, one-sided ones of
        ``edge_order`` (1 or 2) at the ends; spacing per axis as a number or as coordinates.
        One array for one axis, else a list (one per axis)."""
        f = self.asarray(f)
        nd = len(_shape(f))
        axes = list(range(nd)) if axis is None else [
            a % nd for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
        if edge_order not in (1, 2):
            raise ValueError("gradient: edge_order is 1 or 2")
        if not varargs:
            spacing = [1.0] * len(axes)
        elif len(varargs) == 1 and not len(_shape(varargs[0])):
            spacing = list(varargs) * len(axes)
        elif len(varargs) == len(axes):
            spacing = list(varargs)
        else:
            raise TypeError(f"gradient: {len(varargs)} spacings for {len(axes)} axes")
        out = [self._along_last(f, a, lambda y, h=h: self._gradient_last(y, h, edge_order))
               for a, h in zip(axes, spacing)]
        return out[0] if len(out) == 1 else out

    def _gradient_last(self, y, h, edge_order):
        """numpy.gradient along the last axis of ``y`` with spacing ``h``."""
        n = _shape(y)[-1]
        if n < edge_order + 1:
            raise ValueError(f"gradient: {n} points along an axis; at least {edge_order + 1} "
                             f"are needed for edge_order={edge_order}")
        if len(_shape(h)):  # coordinates
            if not (_plain_number(h) and np.all(np.diff(h) == np.diff(h)[0])):
                return self._gradient_uneven(y, self.diff(self.asarray(h)), edge_order)
            h = float(np.diff(h)[0])  # evenly spaced: numpy's formula for a uniform step
        p = [y[..., i] for i in range(3)] if edge_order == 2 else [y[..., 0], y[..., 1]]
        q = [y[..., -3], y[..., -2], y[..., -1]] if edge_order == 2 else [y[..., -2], y[..., -1]]
        if edge_order == 1:
            first = self.divide(self.subtract(p[1], p[0]), h)
            last = self.divide(self.subtract(q[1], q[0]), h)
        else:
            first = self.divide(self._comb((-1.5, 2.0, -0.5), p), h)
            last = self.divide(self._comb((0.5, -2.0, 1.5), q), h)
        inner = self.divide(self.subtract(y[..., 2:], y[..., :-2]), self.multiply(2.0, h))
        return self._ends(first, inner, last)

    def _gradient_uneven(self, y, dx, edge_order):
        """numpy.gradient's formulas for unevenly spaced coordinates (steps ``dx``)."""
        inner = self._comb(self._uneven_weights(dx[:-1], dx[1:], "inner"),
                           (y[..., :-2], y[..., 1:-1], y[..., 2:]))
        if edge_order == 1:
            first = self.divide(self.subtract(y[..., 1], y[..., 0]), dx[0])
            last = self.divide(self.subtract(y[..., -1], y[..., -2]), dx[-1])
            return self._ends(first, inner, last)
        first = self._comb(self._uneven_weights(dx[0], dx[1], "first"),
                           (y[..., 0], y[..., 1], y[..., 2]))
        last = self._comb(self._uneven_weights(dx[-2], dx[-1], "last"),
                          (y[..., -3], y[..., -2], y[..., -1]))
        return self._ends(first, inner, last)

    def _uneven_weights(self, h1, h2, where):
        """The three weights of a second-order difference over steps h1, h2 (numpy's):
        centred for the inner points, one-sided at the first or last point."""
        mul, div, add, neg = self.multiply, self.divide, self.add, self.negative
        both = add(h1, h2)
        if where == "inner":
            return (neg(div(h2, mul(h1, both))), div(self.subtract(h2, h1), mul(h1, h2)),
                    div(h1, mul(h2, both)))
        if where == "first":
            return (neg(div(add(mul(2.0, h1), h2), mul(h1, both))), div(both, mul(h1, h2)),
                    neg(div(h1, mul(h2, both))))
        return (div(h2, mul(h1, both)), neg(div(both, mul(h1, h2))),
                div(add(mul(2.0, h2), h1), mul(h2, both)))

    def _comb(self, weights, terms):
        """Σ w_i t_i."""
        out = None
        for w, t in zip(weights, terms):
            term = self.multiply(w, t)
            out = term if out is None else self.add(out, term)
        return out

    def _ends(self, first, inner, last):
        """[first, inner..., last] along the last axis."""
        parts = [self.expand_dims(first, -1)]
        if _shape(inner)[-1]:
            parts.append(inner)
        return self.concat(parts + [self.expand_dims(last, -1)], axis=-1)

    def diagflat(self, v, k=0):
        """numpy.diagflat: ``v`` flattened onto the ``k`` diagonal of a square matrix."""
        flat = self.reshape(self.asarray(v), (-1,))
        return self._p["diag"](flat, k=k) if k else self._p["diag"](flat)

    @property
    def r_(self):
        """numpy.r_: ``xp.r_[a, b, 0:3]`` joins arrays, numbers and ranges along axis 0."""
        return IndexJoin(self, "r_", axis=0, ndmin=1, trans1d=-1)

    @property
    def c_(self):
        """numpy.c_: ``xp.c_[a, b]`` joins vectors as columns (along the last axis)."""
        return IndexJoin(self, "c_", axis=-1, ndmin=2, trans1d=0)


class IndexJoin:
    """numpy's ``r_``/``c_`` index trick in one namespace: each item of ``[...]`` becomes an
    array of at least ``ndmin`` axes (a 1-d one placed at ``trans1d``), then all are joined
    along ``axis``; a leading string "axis[,ndmin[,trans1d]]" overrides the three."""

    def __init__(self, ns, name: str, axis: int, ndmin: int, trans1d: int):
        self.ns, self.name = ns, name
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if key and isinstance(key[0], str):
            axis, ndmin, trans1d = self._directive(key[0], ndmin, trans1d)
            key = key[1:]
        return self.ns.concat([self._item(i, ndmin, trans1d) for i in key], axis=axis)

    def _directive(self, text: str, ndmin: int, trans1d: int):
        if text in ("r", "c"):  # numpy's matrix output
            raise UnsupportedSpelling(f"{self.name}['{text}', ...]", self.ns.engine,
                                      "numpy.matrix results are not supported")
        try:
            parts = [int(p) for p in text.split(",")]
        except ValueError:
            raise ValueError(f"{self.name}: unknown directive {text!r}") from None
        return parts[0], (parts[1] if len(parts) > 1 else ndmin), \
            (parts[2] if len(parts) > 2 else trans1d)

    def _item(self, item, ndmin: int, trans1d: int):
        xp = self.ns
        if isinstance(item, str):
            raise ValueError(f"{self.name}: a directive string comes first")
        if isinstance(item, slice):  # a range of constants, as numpy makes it
            start = 0 if item.start is None else item.start
            step = 1 if item.step is None else item.step
            rng = np.linspace(start, item.stop, int(abs(step))) if isinstance(step, complex) \
                else np.arange(start, item.stop, step)
            rng = np.array(rng, dtype=float, ndmin=ndmin)
            return xp._const(np.swapaxes(rng, -1, trans1d) if ndmin > 1 and trans1d != -1
                             else rng)
        obj = xp.asarray(item)
        nd = len(_shape(obj))
        if nd >= ndmin:
            return obj
        obj = xp.reshape(obj, (1,) * (ndmin - nd) + _shape(obj))
        if trans1d == -1 or _plain_number(item) and np.ndim(item) == 0:
            return obj
        k1, k2 = trans1d, ndmin - nd
        k1 += k2 + 1 if k1 < 0 else 0
        order = list(range(ndmin))
        return xp.permute_dims(obj, order[:k1] + order[k2:] + order[k1:k2])


NAMES: dict[str, str] = {
    "append": "concat+reshape", "linspace": "multiply+add+concat (a constant for plain endpoints)",
    "gradient": "getitem+subtract+multiply+divide+concat", "diagflat": "diag+reshape",
    "r_": "concat (index trick)", "c_": "concat (index trick)",
}
"""Top-level names added here -> what they run on."""
