"""The exact oracle: functions evaluated far beyond float64, and errors measured against it.

``exact_ns`` is the namespace of numpy object arrays of mpmath ``mpf`` numbers; every primitive
runs in mpmath at the working precision, in the form its record gives (``exact_impl``).
``evaluate_exact(g, args, dps=50)`` converts float64 arguments exactly (a binary float is a
rational number) and evaluates ``g(xp, *args)`` with ``dps + GUARD`` digits, so the returned
values are correct to at least ``dps`` digits for well-conditioned closed forms. ``to_float``
rounds them to the nearest float64; ``rel_error`` and ``ulps`` measure an approximation against
them.

Write closed forms with ``xp.pi``/``xp.e`` and exact literals (0.5, 2.0); a Python float such
as 0.1 is taken at its binary value, as numpy would.
"""

from __future__ import annotations

import mpmath
import numpy as np

from .errors import UnsupportedOperation
from .namespace import Namespace, SlogdetResult

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


def _elementwise(fn):
    """A primitive applying the mpmath function ``fn`` to each element (real results)."""
    ufuncs = {}

    def run(*args):
        n = len(args)
        if n not in ufuncs:
            ufuncs[n] = np.frompyfunc(lambda *a: _mpf(fn(*(_mpf(v) for v in a))), n, 1)
        return np.asarray(ufuncs[n](*args), dtype=object)
    return run


def _lift(fn):
    """A function of object arrays run on exact conversions of its arguments."""
    def run(*args, **params):
        return to_exact(fn(*(to_exact(a) for a in args), **params))
    return run


def _none(name: str, engine: str, why: str):
    """The implementation of a primitive a namespace cannot run: it raises, saying why."""
    def refuse(*args, **params):
        raise UnsupportedOperation(name, engine, why=why)
    return refuse


def _from_sympy(prim):
    """An elementwise record's sympy form compiled to mpmath (``lambdify``)."""
    import sympy

    xs = sympy.symbols(f"x0:{len(prim.jvps)}", real=True)
    return sympy.lambdify(xs, prim.sym(*xs), modules="mpmath")


def exact_impl(prim):
    """The mpmath implementation of one primitive, derived from its record.

    An elementwise ``exact`` form is applied element by element; an array form gets object
    arrays of mpf; an elementwise sympy form is compiled to mpmath; with none, the numpy
    implementation runs on object arrays of mpf (exact for primitives that move, add or
    multiply numbers). A function numpy cannot run on mpf numbers raises an error naming the
    missing field.
    """
    if prim.exact is False:
        return _none(prim.name, "exact", "the record states that it has no mpmath form")
    if prim.exact is not None:
        return _elementwise(prim.exact) if prim.elementwise else _lift(prim.exact)
    if prim.sym not in (None, False) and prim.elementwise:
        return _elementwise(_from_sympy(prim))
    lifted = _lift(prim.impl)

    def run(*args, **params):
        try:
            return lifted(*args, **params)
        except TypeError as exc:
            raise UnsupportedOperation(prim.name, "exact", why=(
                f"its numpy implementation cannot run on mpmath numbers ({exc}); give the "
                f"primitive an mpmath form (exact= in defprim or define_primitive)")) from exc
    return run


class ExactNamespace(Namespace):
    """``xp`` over object arrays of mpf; constants converted exactly, pi and e at full precision."""

    pi = property(lambda self: +mpmath.pi, lambda self, value: None)
    e = property(lambda self: +mpmath.e, lambda self, value: None)

    def __init__(self):
        super().__init__("exact", exact_impl, constant=to_exact)

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
    "GUARD", "ExactNamespace", "convert_args", "evaluate_exact", "exact_impl", "exact_ns",
    "norm_rel_error", "rel_error", "to_exact", "to_float", "ulps",
]


# ----------------------------------------------------------------------------- a line's flaws

KINK = "a kink within the step: one-sided derivatives differ, so the value is inconclusive"
BRANCH = ("a branch point or singularity within the step: f is not finite (or not real) at "
          "or beside x (sqrt or log at 0, a pole), so the value is inconclusive")


def flaw(d, other, dps: int) -> str:
    """Why a line's derivative ``d`` (and its estimate ``other`` at twice the step) cannot be
    trusted: BRANCH where either is NaN or infinite, KINK where they differ past 10^(-dps/2)."""
    if not all(mpmath.isfinite(e) for e in (*d.flat, *other.flat)):
        return BRANCH
    tol = mpmath.mpf(10) ** (-dps // 2)
    return KINK if any(abs(a - b) > tol * (1 + abs(a)) for a, b in zip(d.flat, other.flat)) \
        else ""


def worst_flaw(notes) -> str:
    """The note of a derivative made of lines: BRANCH before KINK, "" when every line is sound."""
    return BRANCH if BRANCH in notes else KINK if KINK in notes else ""
