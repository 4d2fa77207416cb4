"""numpy and scipy.special names that ported numpy code reaches for, as composites.

The array API standard spells these differently (``concat`` for ``concatenate``, ``pow`` for
``power``) or leaves them out (``average``, ``median``, ``trapezoid``, ``rot90``, the gamma
family of ``scipy.special``); code written against numpy uses numpy's spelling and signature.
Each is written with this namespace's own operations, so it runs in every namespace and its
derivative follows from the primitives' rules. Methods named ``sp_<name>`` join ``xp.special``
and ``la_<name>`` join ``xp.linalg``.
"""

from __future__ import annotations

import math

import numpy as np

from .lazy import lazy
from .namespace_more import _axes, _shape, plain

_sp = lazy("scipy.special")  # imported on first call


class NumpyNames:
    """numpy spellings and numpy-only names; mixed into ``Namespace``."""

    # -- aliases: numpy's name for a standard function
    def absolute(self, x):
        return self.abs(x)

    fabs = absolute

    def power(self, x, y):
        return self.pow(x, y)

    def true_divide(self, x, y):
        return self.divide(x, y)

    def mod(self, x, y):
        return self.remainder(x, y)

    def fmax(self, x, y):
        return self.maximum(x, y)

    def fmin(self, x, y):
        return self.minimum(x, y)

    def array(self, obj, dtype=None):
        return self.asarray(obj, dtype=dtype)

    def concatenate(self, arrays, axis=0):
        if axis is None:  # numpy flattens every array first
            return self.concat([self.reshape(a, (-1,)) for a in arrays], axis=0)
        return self.concat(list(arrays), axis=axis)

    # -- elementwise
    def reciprocal(self, x):
        return self.divide(1.0, x)

    def deg2rad(self, x):
        return self.multiply(x, math.pi / 180.0)

    def rad2deg(self, x):
        return self.multiply(x, 180.0 / math.pi)

    radians, degrees = deg2rad, rad2deg

    def logaddexp2(self, x, y):
        ln2 = math.log(2.0)
        return self.divide(self.logaddexp(self.multiply(x, ln2), self.multiply(y, ln2)), ln2)

    # -- reductions
    def average(self, a, axis=None, weights=None, keepdims=False):
        a = self._listed(a)
        if weights is None:
            return self.mean(a, axis=axis, keepdims=keepdims)
        w = weights
        if axis is not None and len(_shape(w)) == 1 and len(_shape(a)) > 1:
            shape = [1] * len(_shape(a))
            shape[axis % len(_shape(a))] = _shape(w)[0]
            w = self.reshape(w, shape)
        num = self.sum(self.multiply(a, w), axis=axis, keepdims=keepdims)
        den = self.sum(self.multiply(self.ones_like(a), w), axis=axis, keepdims=keepdims)
        return self.divide(num, den)

    def ptp(self, x, axis=None, keepdims=False):
        return self.subtract(self.max(x, axis=axis, keepdims=keepdims),
                             self.min(x, axis=axis, keepdims=keepdims))

    def median(self, x, axis=None, keepdims=False):
        """The middle of the sorted values (the mean of the two middle ones for an even count)."""
        x = self._listed(x)
        nd = len(_shape(x))
        red = _axes(axis, nd)
        y, kept = self._to_last(x, red)
        n = _shape(y)[-1]
        s = self.sort(y, axis=-1)
        mid = s[..., n // 2] if n % 2 else self.multiply(
            self.add(s[..., n // 2 - 1], s[..., n // 2]), 0.5)
        return self.reshape(mid, kept) if keepdims else mid

    def trapezoid(self, y, x=None, dx=1.0, axis=-1):
        n = _shape(y)[axis]
        lo = self.take(y, np.arange(n - 1), axis=axis % len(_shape(y)))
        hi = self.take(y, np.arange(1, n), axis=axis % len(_shape(y)))
        mid = self.multiply(self.add(lo, hi), 0.5)
        step = dx if x is None else self.diff(x, axis=axis if len(_shape(x)) > 1 else -1)
        if x is not None and len(_shape(x)) == 1 and len(_shape(y)) > 1:
            shape = [1] * len(_shape(y))
            shape[axis % len(_shape(y))] = n - 1
            step = self.reshape(step, shape)
        return self.sum(self.multiply(mid, step), axis=axis)

    trapz = trapezoid

    # -- shapes
    def fliplr(self, x):
        return self.flip(x, axis=1)

    def flipud(self, x):
        return self.flip(x, axis=0)

    def rot90(self, x, k=1, axes=(0, 1)):
        k %= 4
        a0, a1 = axes
        if k == 0:
            return x
        if k == 2:
            return self.flip(self.flip(x, axis=a0), axis=a1)
        if k == 1:
            return self.swapaxes(self.flip(x, axis=a1), a0, a1)
        return self.flip(self.swapaxes(x, a0, a1), axis=a1)

    def atleast_3d(self, x):
        s = _shape(x)
        if len(s) >= 3:
            return x
        return self.reshape(x, {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])

    def dstack(self, arrays):
        return self.concat([self.atleast_3d(a) for a in arrays], axis=2)

    def rollaxis(self, x, axis, start=0):
        nd = len(_shape(x))
        axis, start = axis % nd, start % (nd + 1) if start < 0 else start
        if axis < start:
            start -= 1
        return self.moveaxis(x, axis, start)

    def array_split(self, x, sections, axis=0):
        if not isinstance(sections, int):
            return self.split(x, sections, axis=axis)
        n = _shape(x)[axis]
        sizes = [n // sections + 1] * (n % sections) + [n // sections] * (sections - n % sections)
        return self.split(x, list(np.cumsum(sizes)[:-1]), axis=axis)

    def hsplit(self, x, sections):
        return self.split(x, sections, axis=1 if len(_shape(x)) > 1 else 0)

    def vsplit(self, x, sections):
        return self.split(x, sections, axis=0)

    def dsplit(self, x, sections):
        return self.split(x, sections, axis=2)

    def rint(self, x):
        return self.round(x)

    def trace(self, x, offset=0, axis1=None, axis2=None, dtype=None):
        """The offset trace of the last two axes (of every matrix of a stack), or of the axes
        (axis1, axis2) when given as numpy's keywords."""
        if axis1 is not None or axis2 is not None:
            x = self.moveaxis(x, (0 if axis1 is None else axis1, 1 if axis2 is None else axis2),
                              (-2, -1))
        return self._p["trace"](x, offset=offset) if offset else self._p["trace"](x)

    def outer(self, a, b):
        """numpy.outer: both arguments flattened first."""
        return self._p["outer"](self.reshape(a, (-1,)), self.reshape(b, (-1,)))

    def nan_to_num(self, x, copy=True, nan=0.0, posinf=None, neginf=None):
        v = plain(x).astype(float)
        big = np.finfo(float).max
        out = self.where(np.isnan(v), nan, x)
        out = self.where(np.isposinf(v), big if posinf is None else posinf, out)
        return self.where(np.isneginf(v), -big if neginf is None else neginf, out)

    # -- linalg
    def la_multi_dot(self, arrays):
        out = arrays[0]
        for a in arrays[1:]:
            out = self.dot(out, a)
        return out

    def la_cond(self, x, p=None):
        """The 2-norm condition number s_max / s_min (the only order with a derivative here)."""
        if p not in (None, 2):
            return self.multiply(self.linalg.norm(x, ord=p),
                                 self.linalg.norm(self.linalg.inv(x), ord=p))
        s = self.linalg.svdvals(x)
        return self.divide(s[..., 0], s[..., -1])

    # -- scipy.special
    def _gamma_sign(self, x):
        return self._const(_sp.gammasgn(plain(x).astype(float)))

    def sp_gamma(self, x):
        return self.multiply(self._gamma_sign(x), self.exp(self.special.gammaln(x)))

    def sp_rgamma(self, x):
        return self.multiply(self._gamma_sign(x), self.exp(self.negative(
            self.special.gammaln(x))))

    def sp_loggamma(self, x):
        return self.special.gammaln(x)

    def sp_gammasgn(self, x):
        return self._gamma_sign(x)

    def sp_betaln(self, a, b):
        g = self.special.gammaln
        return self.subtract(self.add(g(a), g(b)), g(self.add(a, b)))

    def sp_beta(self, a, b):
        sign = self.multiply(self.multiply(self._gamma_sign(a), self._gamma_sign(b)),
                             self._gamma_sign(self.add(a, b)))
        return self.multiply(sign, self.exp(self.sp_betaln(a, b)))

    def sp_multigammaln(self, a, d):
        d = int(d)
        out = self.special.gammaln(a)
        for j in range(1, d):
            out = self.add(out, self.special.gammaln(self.subtract(a, j / 2.0)))
        return self.add(out, d * (d - 1) / 4.0 * math.log(math.pi))

    def sp_erfcinv(self, y):
        return self.special.erfinv(self.subtract(1.0, y))

    def sp_erfcx(self, x):
        return self.multiply(self.exp(self.square(x)), self.special.erfc(x))

    def sp_entr(self, x):
        return self.negative(self.special.xlogy(x, x))

    def sp_rel_entr(self, x, y):
        return self.special.xlogy(x, self.divide(x, y))

    def sp_kl_div(self, x, y):
        return self.add(self.subtract(self.sp_rel_entr(x, y), x), y)

    def sp_boxcox(self, x, lmbda):
        if lmbda == 0:
            return self.log(x)
        return self.divide(self.subtract(self.pow(x, lmbda), 1.0), lmbda)

    def sp_huber(self, delta, r):
        small = self._const(np.abs(plain(r)) <= delta)
        quad = self.multiply(self.square(r), 0.5)
        lin = self.multiply(delta, self.subtract(self.abs(r), 0.5 * delta))
        return self.where(small, quad, lin)

    def sp_i0e(self, x):
        return self.multiply(self.exp(self.negative(self.abs(x))), self.special.i0(x))

    def sp_i1e(self, x):
        return self.multiply(self.exp(self.negative(self.abs(x))), self.special.i1(x))

    def sp_exp2(self, x):
        return self.exp2(x)

    def sp_exp10(self, x):
        return self.exp(self.multiply(x, math.log(10.0)))

    def sp_expm1(self, x):
        return self.expm1(x)

    def sp_log1p(self, x):
        return self.log1p(x)

    def sp_jv(self, v, x):
        return self._q("bessel_jv")(x, v=float(v))

    def sp_yv(self, v, x):
        return self._q("bessel_yv")(x, v=float(v))

    def sp_j0(self, x):
        return self.sp_jv(0, x)

    def sp_j1(self, x):
        return self.sp_jv(1, x)

    def sp_y0(self, x):
        return self.sp_yv(0, x)

    def sp_y1(self, x):
        return self.sp_yv(1, x)

    sp_jn, sp_yn = sp_jv, sp_yv

    def _bind_numpy(self):
        """Add the ``la_``/``sp_`` methods above to ``xp.linalg`` and ``xp.special``."""
        for n in LINALG_NUMPY:
            setattr(self.linalg, n, getattr(self, "la_" + n))
        for n in SPECIAL_NUMPY:
            setattr(self.special, n, getattr(self, "sp_" + n))


NAMES: dict[str, str] = {
    "absolute": "abs", "fabs": "abs", "power": "pow", "true_divide": "divide",
    "mod": "floor+divide+multiply+subtract", "fmax": "maximum", "fmin": "minimum",
    "array": "(constant or stack)", "concatenate": "concat+reshape", "reciprocal": "divide",
    "deg2rad": "multiply", "rad2deg": "multiply", "radians": "multiply", "degrees": "multiply",
    "logaddexp2": "logaddexp+multiply+divide",
    "average": "multiply+sum+divide", "ptp": "multiply+sum+subtract",
    "median": "getitem+add+multiply", "trapezoid": "getitem+add+multiply+sum",
    "trapz": "getitem+add+multiply+sum", "fliplr": "getitem", "flipud": "getitem",
    "rot90": "getitem+transpose", "atleast_3d": "reshape", "dstack": "concat+reshape",
    "rollaxis": "transpose", "array_split": "getitem", "hsplit": "getitem",
    "vsplit": "getitem", "dsplit": "getitem", "rint": "(no derivative)",
    "nan_to_num": "where", "trace": "trace+transpose", "outer": "outer+reshape",
}
"""Top-level names added here -> what they run on."""
LINALG_NUMPY = {"multi_dot": "matmul", "cond": "eigh_packed+sqrt+divide"}
SPECIAL_NUMPY = {
    "gamma": "gammaln+exp+multiply", "rgamma": "gammaln+exp+multiply", "loggamma": "gammaln",
    "gammasgn": "(no derivative)", "betaln": "gammaln+add+subtract",
    "beta": "gammaln+exp+multiply", "multigammaln": "gammaln+add", "erfcinv": "erfinv",
    "erfcx": "exp+erfc+multiply", "entr": "multiply+log", "rel_entr": "multiply+log+divide",
    "kl_div": "multiply+log+divide", "boxcox": "pow | log", "huber": "where+multiply",
    "i0e": "exp+bessel_iv", "i1e": "exp+bessel_iv", "exp2": "exp+multiply",
    "exp10": "exp+multiply", "expm1": "expm1", "log1p": "log1p",
    **{n: "bessel_jv" for n in ("jv", "jn", "j0", "j1")},
    **{n: "bessel_yv" for n in ("yv", "yn", "y0", "y1")},
}
