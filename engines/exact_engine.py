"""The ``exact`` engine: derivatives to 50 digits, the oracle when no closed form exists."""

from __future__ import annotations

import mpmath
import numpy as np

from .base import Cost, KindDispatch, Result, as_float_args
from .core import EPS
from .errors import InputError
from .exact import GUARD, convert_args, exact_ns, flaw, to_exact, to_float, worst_flaw
from .kinds import KINDS


class ExactEngine(KindDispatch):
    """Derivatives to ``dps`` digits: differences in ``exact_ns`` at h = 10^-dps·max(1,|x|).

    At (order + 2)·dps working digits both the truncation (h²) and the rounding (10^-work/h^k)
    errors are about 10^(-2·dps), so the value is right to ``dps`` digits for smooth functions.
    A kink within h (one-sided estimates that differ by more than 10^(-dps/2)) or a branch point
    (a NaN or infinite estimate: sqrt or log at 0) makes the result "inconclusive", never a
    NaN handed to the judge as a value. Public methods return float64 (correctly rounded)
    values; ``exact(kind, ...)`` returns the mpf arrays themselves.
    """

    name = "exact"
    category = family = "exact"
    description = "high-precision differences in the mpmath namespace (the derivative oracle)"
    max_order = 4  # k-th differences at (k + 2)·dps digits (engines.higher)
    # 2n + 1 evaluations of f at 150 digits for a gradient of n entries (about 25 ms a case):
    # a verification run gives it 10 of its examples an identity (``--full``: all); the
    # closed form's exact oracle judges every case.
    max_examples = 10

    def __init__(self, dps: int = 50):
        self.dps = dps

    def _line(self, f, args, wrt, v, order, at_x=None):
        """(g^(order)(0) as mpf array, flaw note or "", evaluations) for g(t) = f(x + t v).

        ``at_x`` (a dict) keeps f(x) at each working precision between the lines of one
        derivative: every direction shares the centre of its stencil.
        """
        at_x = {} if at_x is None else at_x
        with mpmath.workdps(self.dps * (order + 2) + GUARD):
            args = list(convert_args(as_float_args(args, wrt)))
            x, vv = args[wrt], to_exact(np.asarray(v, dtype=float))
            h = mpmath.mpf(10) ** (-self.dps) * max([mpmath.mpf(1)] + [abs(e) for e in x.flat])

            shape = []

            def g(t):
                # Arrays on the left, and 1-d: an mpf meeting an array on its right (numpy
                # turns 0-d results into scalars) asks mpmath to convert the whole array, which
                # fails only after formatting it for the message: a third of the engine's time
                # on the acceptance cases.
                args[wrt] = x + vv * t
                out = np.asarray(to_exact(f(exact_ns, *args)), dtype=object)
                shape[:] = [out.shape]
                return out.reshape(-1)

            fresh = order not in at_x
            if fresh:
                at_x[order] = g(0)
            gp, g0, gm = g(h), at_x[order], g(-h)
            if order == 1:
                d, other = (gp - gm) / (2 * h), (gp - g0) / h
            else:
                d = (gp - 2 * g0 + gm) / h**2
                other = (g(2 * h) - 2 * g0 + g(-2 * h)) / (4 * h**2)
            d, other = to_exact(d.reshape(shape[0])), to_exact(other.reshape(shape[0]))
            return d, flaw(d, other, self.dps), (2 if order == 1 else 4) + fresh

    def exact(self, kind: str, f, args, wrt: int = 0, **kw):
        """(object array of mpf, status, note, evaluations) for one derivative kind."""
        x = np.asarray(args[wrt], dtype=float)
        n, shape = x.size, x.shape
        units = [u.reshape(shape) for u in np.eye(n)]
        parts, evals, at_x = [], 0, {}

        def line(v, order):
            nonlocal evals
            d, why, k = self._line(f, args, wrt, v, order, at_x)
            evals += k
            parts.append(why)
            return d

        # the lines combine (Laplacian sums, polarized differences) at their own precision:
        # at mpmath's default 15 digits a Laplacian that cancels to 0 comes out 1e-17
        with mpmath.workdps(self.dps * 4 + GUARD):
            if kind == "jvp":
                value = line(kw["tangent"], 1)
            elif kind in ("jacobian", "gradient", "vjp"):
                cols = [line(u, 1) for u in units]
                value = np.stack(cols, axis=-1).reshape(cols[0].shape + shape)
                if kind == "vjp":
                    ct = to_exact(np.asarray(kw["cotangent"], dtype=float))
                    value = to_exact(np.tensordot(ct, value, axes=ct.ndim))
            elif kind == "laplacian":
                value = to_exact(sum(line(u, 2) for u in units))
            elif kind == "hvp":
                v = np.asarray(kw["v"], dtype=float)
                value = to_exact(np.stack([to_exact((line(u + v, 2) - line(u - v, 2)) / 4)
                                           for u in units]).reshape(shape))
            elif kind == "hessian":
                value = np.empty((n, n), dtype=object)
                for i in range(n):
                    for j in range(i, n):
                        entry = line(units[i], 2) if i == j else (
                            line(units[i] + units[j], 2) - line(units[i] - units[j], 2)) / 4
                        value[i, j] = value[j, i] = to_exact(entry)[()]
                value = value.reshape(shape + shape)
            else:
                raise InputError(f"unknown derivative kind {kind!r}; choose one of {KINDS}")
        why = worst_flaw(parts)
        return value, ("inconclusive" if why else "ok"), why, evals

    def nth_derivative(self, f, args, wrt, order):
        from .higher import exact_derivative
        value, why, evals = exact_derivative(f, args, wrt, order, self.dps)
        rounded = to_float(value)
        # the rounding to float64, plus dps digits of the largest entry: an entry that is 0
        # (an odd function's third derivative at 0) is known to that absolute accuracy only
        return Result(rounded, Cost(passes=evals, evaluations=evals),
                      np.abs(rounded) * EPS / 2 + self._floor(rounded), self.name,
                      "inconclusive" if why else "ok", why)

    def _result(self, kind, f, args, wrt, **kw) -> Result:
        value, status, note, evals = self.exact(kind, f, args, wrt, **kw)
        rounded = to_float(value)
        return Result(rounded, Cost(passes=evals, evaluations=evals),
                      np.abs(rounded) * EPS / 2 + self._floor(rounded), self.name, status, note)

    def _floor(self, rounded) -> float:
        """dps digits of the largest entry: an entry that is 0 (a linear function's second
        derivative) is known to that absolute accuracy only, not to half an ulp of itself."""
        return 10.0 ** -self.dps * max(1.0, float(np.max(np.abs(rounded), initial=0.0)))
