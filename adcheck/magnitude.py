"""Running rounding-error bounds: evaluate any ``f(xp, ...)`` (or its derivative) on magnitudes.

A ``MagBox`` carries a float64 value and a bound ``err`` on the rounding error it has
accumulated, in units of the unit roundoff u = 2^-53 (Wilkinson's running error analysis;
Higham 2002, *Accuracy and Stability of Numerical Algorithms*, sec. 3.3). Every primitive of
the table has one propagation rule: first-order propagation of the inputs' errors through the
primitive's derivative, plus the rounding of the primitive itself (for a reduction of k terms,
Higham's order-independent bound k·Σ|terms|, Lemma 3.1/3.5). Because a ``MagBox`` is a ``Box``,
the AD transforms run over it unchanged: the derivative computed by AD carries the bound of
its own chain-rule computation. Values near a breakpoint of a non-smooth primitive (|x| within
its error of a kink) are recorded, so the judge can call a mismatch there inconclusive.
"""

from __future__ import annotations

import numpy as np

from engines.core import TABLE, Box, new_level
from engines.primitives._util import sum_to_impl

# Correctly rounded operations err by at most 1 u (half an ulp); numpy's elementary functions
# (exp, log, tanh, sin, erf, ...) are documented by glibc/SVML to a few ulps. 4 ulps = 8 u
# covers every elementary function numpy dispatches to on supported platforms.
ELEMENTARY_U = 8.0
# LU-based inverse/solve/determinant: backward error ≤ γ_n |L||U| (Higham Thm 9.3/14.12);
# |L||U| ≤ ρ_n |A| with growth factor ρ_n small for partial pivoting on the matrices the
# catalogue builds; we charge 3n u·|A| (γ_3n: factorization plus the two triangular solves).
LU_FACTOR = 3.0


def _abs(x):
    return np.abs(np.asarray(x, dtype=float))


class MagBox(Box):
    """A float64 value and its running rounding-error bound (units of u)."""

    __slots__ = ("err",)

    def __init__(self, value, err, trace):
        self.value, self.err, self.tracer, self.level = value, err, trace, trace.level


class MagTrace:
    """Interprets primitives on (value, error bound) pairs; records near-kink evaluations."""

    def __init__(self):
        self.level = new_level()
        self.kinks: list[str] = []

    def box(self, x) -> MagBox:
        """Box an exact input (float64 inputs carry no error)."""
        v = np.asarray(x, dtype=float)
        return MagBox(v, np.zeros(v.shape), self)

    def split(self, a):
        if isinstance(a, MagBox) and a.tracer is self:
            return a.value, a.err
        return a, 0.0

    def process(self, prim, args, params):
        vals, errs = zip(*(self.split(a) for a in args)) if args else ((), ())
        ans = prim.impl(*vals, **params)
        rule = RULES.get(prim.name)
        if rule is None:  # an unknown primitive: charge one elementary rounding, no propagation
            err = ELEMENTARY_U * _abs(ans)
        else:
            err = rule(self, ans, vals, errs, params)
        err = np.broadcast_to(np.asarray(err, dtype=float), np.shape(ans)).copy()
        return MagBox(ans, err, self)


def _unary(deriv):
    def rule(tr, ans, vals, errs, params):
        with np.errstate(all="ignore"):
            slope = _abs(deriv(ans, np.asarray(vals[0], dtype=float)))
            # an exact input carries no error, even where the slope is infinite (sqrt at 0)
            carried = np.where(np.asarray(errs[0]) == 0, 0.0, slope * errs[0])
        return carried + ELEMENTARY_U * _abs(ans)
    return rule


def _count(big, small) -> float:
    """Number of terms summed into each output element."""
    return max(1.0, np.size(big) / max(1, np.size(small)))


def _sum_rule(tr, ans, vals, errs, params):
    x, e = _abs(vals[0]), np.broadcast_to(errs[0], np.shape(vals[0]))
    k = _count(x, ans)
    return (np.sum(e, **params) + k * np.sum(x, **params))


def _mean_rule(tr, ans, vals, errs, params):
    k = _count(vals[0], ans)
    return _sum_rule(tr, ans, vals, errs, params) / k + _abs(ans)


def _same(name):
    """Rule of a primitive that only moves data: move the errors the same way."""
    def rule(tr, ans, vals, errs, params):
        e = [np.broadcast_to(np.asarray(er, dtype=float), np.shape(v)) for v, er in zip(vals, errs)]
        return TABLE[name].impl(*e, **params)
    return rule


def _kink(tr, what, dist, err):
    if np.any(_abs(dist) <= 4 * np.asarray(err) * 2.0 ** -53):
        tr.kinks.append(what)


def _abs_rule(tr, ans, vals, errs, params):
    _kink(tr, "abs at 0", vals[0], errs[0])
    return errs[0]


def _sign_rule(tr, ans, vals, errs, params):
    _kink(tr, "sign at 0", vals[0], errs[0])
    return 0.0


def _minmax(tr, ans, vals, errs, params):
    a, b = (np.asarray(v, dtype=float) for v in vals)
    ea, eb = (np.broadcast_to(np.asarray(e, dtype=float), np.shape(ans)) for e in errs)
    _kink(tr, "maximum/minimum at a tie", a - b, ea + eb)
    return np.maximum(ea, eb)


def _where(tr, ans, vals, errs, params):
    return np.where(params["cond"], errs[0], errs[1])


def _matmul(tr, ans, vals, errs, params):
    a, b = _abs(vals[0]), _abs(vals[1])
    ea = np.broadcast_to(errs[0], a.shape)
    eb = np.broadcast_to(errs[1], b.shape)
    k = a.shape[-1] if a.ndim else 1
    return np.matmul(a, eb) + np.matmul(ea, b) + k * np.matmul(a, b)


def _mul(tr, ans, vals, errs, params):
    a, b = _abs(vals[0]), _abs(vals[1])
    return b * errs[0] + a * errs[1] + _abs(ans)


def _div(tr, ans, vals, errs, params):
    b = _abs(vals[1])
    return (errs[0] + _abs(ans) * errs[1]) / b + _abs(ans)


def _addsub(tr, ans, vals, errs, params):
    return errs[0] + errs[1] + _abs(ans)


def _pow(tr, ans, vals, errs, params):
    a, b = np.asarray(vals[0], dtype=float), np.asarray(vals[1], dtype=float)
    with np.errstate(all="ignore"):
        da = np.where(b == 0, 0.0, _abs(b * a ** (b - 1)))
        db = np.where(errs[1] == 0, 0.0, _abs(ans * np.log(_abs(a))))
    return da * errs[0] + db * errs[1] + ELEMENTARY_U * _abs(ans)


def _outer(tr, ans, vals, errs, params):
    a, b = _abs(vals[0]).ravel(), _abs(vals[1]).ravel()
    ea = np.broadcast_to(errs[0], np.shape(vals[0])).ravel()
    eb = np.broadcast_to(errs[1], np.shape(vals[1])).ravel()
    return np.outer(a, eb) + np.outer(ea, b) + _abs(ans)


def _trace(tr, ans, vals, errs, params):
    x = _abs(vals[0])
    e = np.broadcast_to(errs[0], x.shape)
    return np.trace(e) + min(x.shape) * np.trace(x)


def _sum_to(tr, ans, vals, errs, params):
    x = _abs(vals[0])
    e = np.broadcast_to(errs[0], x.shape)
    return sum_to_impl(e, **params) + _count(x, ans) * sum_to_impl(x, **params)


def _scatter(tr, ans, vals, errs, params):
    x = _abs(vals[0])
    e = np.broadcast_to(errs[0], x.shape)
    impl = TABLE["scatter_add"].impl
    return impl(e, **params) + impl(x, **params)


def _lu_terms(a, ea):
    """|A⁻¹| and the perturbation E_A + LU_FACTOR·n·|A| of a square (batch of) matrix."""
    a = np.asarray(a, dtype=float)
    n = a.shape[-1]
    inv = np.linalg.inv(a)
    return _abs(inv), np.broadcast_to(ea, a.shape) + LU_FACTOR * n * _abs(a)


def _inv(tr, ans, vals, errs, params):
    ainv, da = _lu_terms(vals[0], errs[0])
    return np.matmul(np.matmul(ainv, da), ainv)


def _solve(tr, ans, vals, errs, params):
    ainv, da = _lu_terms(vals[0], errs[0])
    x = _abs(ans)
    eb = np.broadcast_to(errs[1], np.shape(vals[1]))
    return np.matmul(ainv, eb + np.matmul(da, x))


def _logabsdet(tr, ans, vals, errs, params):
    ainv, da = _lu_terms(vals[0], errs[0])
    return np.sum(np.swapaxes(ainv, -1, -2) * da, axis=(-2, -1)) + _abs(ans)


def _det(tr, ans, vals, errs, params):
    return _abs(ans) * _logabsdet(tr, ans, vals, errs, params)


def _logaddexp(tr, ans, vals, errs, params):
    a, b = (np.asarray(v, dtype=float) for v in vals)
    return np.exp(a - ans) * errs[0] + np.exp(b - ans) * errs[1] + ELEMENTARY_U * _abs(ans)


_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)

RULES = {
    "add": _addsub, "subtract": _addsub, "multiply": _mul, "divide": _div,
    "negative": lambda tr, ans, vals, errs, params: errs[0], "pow": _pow, "matmul": _matmul,
    "exp": _unary(lambda ans, x: ans), "log": _unary(lambda ans, x: 1.0 / x),
    "log1p": _unary(lambda ans, x: 1.0 / (1.0 + x)), "expm1": _unary(lambda ans, x: ans + 1.0),
    "sqrt": _unary(lambda ans, x: 0.5 / ans), "tanh": _unary(lambda ans, x: 1.0 - ans * ans),
    "sin": _unary(lambda ans, x: np.cos(x)), "cos": _unary(lambda ans, x: np.sin(x)),
    "sinh": _unary(lambda ans, x: np.cosh(x)), "cosh": _unary(lambda ans, x: np.sinh(x)),
    "erf": _unary(lambda ans, x: _TWO_OVER_SQRT_PI * np.exp(-x * x)),
    "abs": _abs_rule, "sign": _sign_rule, "maximum": _minmax, "minimum": _minmax,
    "where": _where, "logaddexp": _logaddexp, "outer": _outer, "trace": _trace,
    "diag": _same("diag"), "broadcast_to": _same("broadcast_to"), "sum_to": _sum_to,
    "matrix_transpose": _same("matrix_transpose"), "transpose": _same("transpose"),
    "reshape": _same("reshape"), "getitem": _same("getitem"), "scatter_add": _scatter,
    "stack": _same("stack"), "concat": _same("concat"), "sum": _sum_rule,
    "mean": _mean_rule, "inv": _inv, "det": _det, "logabsdet": _logabsdet, "solve": _solve,
}


def split(out, trace: MagTrace):
    """(value, error bound in units of u) of a result that may or may not be boxed."""
    if isinstance(out, MagBox) and out.tracer is trace:
        return np.asarray(out.value, dtype=float), np.asarray(out.err, dtype=float)
    if isinstance(out, Box):  # a box of another trace: unwrap to its plain value
        from engines.core import primal
        out = primal(out)
    v = np.asarray(out, dtype=float)
    return v, np.zeros(v.shape)
