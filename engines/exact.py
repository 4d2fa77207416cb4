"""The exact oracle: functions evaluated far beyond float64, and errors measured against it.

``exact_ns`` is the namespace of numpy object arrays of mpmath ``mpf`` numbers; every primitive
of ``engines.core.TABLE`` runs in mpmath at the working precision (erf, inv, det, logabsdet and
solve through ``mpmath.matrix``). ``evaluate_exact(g, args, dps=50)`` converts float64 arguments
exactly (a binary float is a rational number) and evaluates ``g(xp, *args)`` with
``dps + GUARD`` digits, so the returned values are correct to at least ``dps`` digits for
well-conditioned closed forms. ``to_float`` rounds them to the nearest float64; ``rel_error`` and
``ulps`` measure an approximation against them.

Write closed forms with ``xp.pi``/``xp.e`` and exact literals (0.5, 2.0); a Python float such as
0.1 is taken at its binary value, as numpy would.
"""

from __future__ import annotations

import mpmath
import numpy as np

from .core import TABLE
from .namespace import Namespace, SlogdetResult
from .primitives._scalar import EXACT

GUARD = 10
_NAN = mpmath.mpf("nan")


def _mpf(v):
    """One element as an mpf: floats and ints exactly; complex results of real functions NaN."""
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, mpmath.mpc):
        return v.real if v.imag == 0 else _NAN
    if isinstance(v, (bool, np.bool_)):
        return v
    return mpmath.mpf(v)


_to_mpf = np.frompyfunc(_mpf, 1, 1)


def to_exact(x):
    """An object array of mpf holding exactly the values of ``x`` (a float64 array or number)."""
    return np.asarray(_to_mpf(np.asarray(x, dtype=object)), dtype=object)


def _elementwise(fn, nargs=1):
    """A primitive applying the mpmath function ``fn`` to each element (real results)."""
    ufunc = np.frompyfunc(lambda *a: _mpf(fn(*(_mpf(v) for v in a))), nargs, 1)
    return lambda *args: np.asarray(ufunc(*args), dtype=object)


def _matrices(fn):
    """Apply ``fn`` (mpmath.matrix arguments) over the leading batch axes of square matrices."""
    def run(a, *rest):
        a = to_exact(a)
        rest = [to_exact(r) for r in rest]
        if a.ndim == 2:
            return fn(mpmath.matrix(a.tolist()), *rest)
        return np.stack([run(a[i], *(r[i] for r in rest)) for i in range(a.shape[0])])
    return run


def _as_array(m: mpmath.matrix) -> np.ndarray:
    return np.array(m.tolist(), dtype=object)


def _solve(a, b):
    if b.ndim == 1:
        return np.array(list(mpmath.lu_solve(a, mpmath.matrix(b.tolist()))), dtype=object)
    return _as_array(mpmath.lu_solve(a, mpmath.matrix(b.tolist())))


def _logaddexp(x, y):
    m = max(x, y)
    return m + mpmath.log(mpmath.exp(x - m) + mpmath.exp(y - m))


def _pow(x, y):
    return mpmath.power(x, y)


def _lift(impl):
    """A table implementation run on object arrays of mpf (structural and arithmetic ones)."""
    def run(*args, **params):
        out = impl(*(to_exact(a) for a in args), **params)
        return to_exact(out)
    return run


_ELEMENTWISE = {
    "exp": mpmath.exp, "log": mpmath.log, "log1p": mpmath.log1p, "expm1": mpmath.expm1,
    "sqrt": mpmath.sqrt, "tanh": mpmath.tanh, "sin": mpmath.sin, "cos": mpmath.cos,
    "sinh": mpmath.sinh, "cosh": mpmath.cosh, "erf": mpmath.erf, "abs": mpmath.fabs,
    "sign": mpmath.sign,
}
_BINARY = {"pow": _pow, "maximum": max, "minimum": min, "logaddexp": _logaddexp}
_LINALG = {
    "inv": _matrices(lambda a: _as_array(mpmath.inverse(a))),
    "det": _matrices(lambda a: _mpf(mpmath.det(a))),
    "logabsdet": _matrices(lambda a: mpmath.log(abs(mpmath.det(a)))),
    "solve": _matrices(_solve),
}


def _lift_exact(fn):
    """An mpmath counterpart kept beside its primitive, on exact arguments and results."""
    return lambda *args, **params: to_exact(fn(*(to_exact(a) for a in args), **params))


def reductions(convert):
    """sum and mean over object arrays (the table's own versions assume float arrays)."""
    def total(x, *, axis=None, keepdims=False):
        return convert(np.sum(convert(x), axis=axis, keepdims=keepdims))

    def mean(x, *, axis=None, keepdims=False):
        x = convert(x)
        s = np.asarray(np.sum(x, axis=axis, keepdims=keepdims), dtype=object)
        return convert(s / (x.size // max(1, s.size)))

    return {"sum": total, "mean": mean}


def exact_prims() -> dict:
    """The primitive name -> mpmath implementation map covering every name in TABLE."""
    prims = {name: _lift(p.impl) for name, p in TABLE.items()}
    prims.update(reductions(to_exact))
    prims.update({n: _elementwise(fn) for n, fn in _ELEMENTWISE.items()})
    prims.update({n: _elementwise(fn, 2) for n, fn in _BINARY.items()})
    prims.update(_LINALG)
    prims.update({n: _lift_exact(fn) for n, fn in EXACT.items()})
    return prims


class ExactNamespace(Namespace):
    """``xp`` over object arrays of mpf; constants converted exactly, pi and e at full precision."""

    pi = property(lambda self: +mpmath.pi, lambda self, value: None)
    e = property(lambda self: +mpmath.e, lambda self, value: None)

    def __init__(self):
        super().__init__("exact", exact_prims(), constant=to_exact)

    def asarray(self, obj, dtype=None):
        return to_exact(np.asarray(obj, dtype=object))

    def full(self, shape, fill_value, dtype=None):
        return to_exact(np.full(shape, _mpf(fill_value), dtype=object))

    def slogdet(self, a):
        d = self._p["det"](a)
        sign = np.vectorize(lambda v: mpmath.sign(v), otypes=[object])(d)
        return SlogdetResult(sign, self._p["logabsdet"](a))


exact_ns = ExactNamespace()


def convert_args(args) -> tuple:
    """Float arrays and Python/numpy floats become exact mpf arrays; other arguments pass."""
    out = []
    for a in args:
        if isinstance(a, (float, np.floating)) or (
                isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            out.append(to_exact(a))
        else:
            out.append(a)
    return tuple(out)


def evaluate_exact(g, args, dps: int = 50) -> np.ndarray:
    """``g(exact_ns, *args)`` with float arguments converted exactly, at ``dps`` (+guard) digits.

    Returns an object array of mpf (0-d for a scalar); a tuple result (e.g. slogdet) comes
    back as the same kind of tuple of such arrays.
    """
    with mpmath.workdps(dps + GUARD):
        out = g(exact_ns, *convert_args(args))
        if isinstance(out, tuple):
            return type(out)(*(to_exact(o) for o in out)) if hasattr(out, "_fields") \
                else tuple(to_exact(o) for o in out)
        return to_exact(out)


def to_float(a) -> np.ndarray:
    """Round exact values to the nearest float64."""
    return np.asarray(np.frompyfunc(float, 1, 1)(np.asarray(a, dtype=object)), dtype=float)


def rel_error(approx, exact) -> np.ndarray:
    """Elementwise |approx − exact| / |exact| (absolute error where exact is 0), as floats."""
    with mpmath.workdps(60):
        a, e = to_exact(approx), to_exact(exact)
        diff = np.frompyfunc(lambda x, y: abs(x - y) / (abs(y) if y != 0 else 1), 2, 1)(a, e)
        return to_float(diff)


def norm_rel_error(approx, exact) -> float:
    """‖approx − exact‖₂ / ‖exact‖₂ (absolute where exact is 0), computed exactly."""
    with mpmath.workdps(60):
        a, e = to_exact(approx).ravel(), to_exact(exact).ravel()
        num = mpmath.sqrt(mpmath.fsum((x - y) ** 2 for x, y in zip(a, e)))
        den = mpmath.sqrt(mpmath.fsum(y**2 for y in e))
        return float(num / den) if den != 0 else float(num)


def ulps(approx, exact) -> np.ndarray:
    """Elementwise |approx − exact| in units of the last place of exact's float64 rounding."""
    with mpmath.workdps(60):
        a, e = to_exact(approx), to_exact(exact)
        diff = to_float(np.frompyfunc(lambda x, y: abs(x - y), 2, 1)(a, e))
    unit = np.spacing(np.abs(to_float(e)))
    return diff / np.where(unit > 0, unit, np.spacing(0.0))


__all__ = [
    "GUARD", "ExactNamespace", "convert_args", "evaluate_exact", "exact_ns", "exact_prims",
    "norm_rel_error", "rel_error", "to_exact", "to_float", "ulps",
]
