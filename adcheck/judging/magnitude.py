"""Running rounding-error bounds: evaluate any ``f(xp, ...)`` (or its derivative) on magnitudes.

A ``MagBox`` carries a float64 value and a bound ``err`` on the rounding error it has
accumulated, in units of the unit roundoff u = 2^-53 (Wilkinson's running error analysis;
Higham 2002, *Accuracy and Stability of Numerical Algorithms*, sec. 3.3). Every primitive of
the table has one propagation rule: first-order propagation of the inputs' errors through the
primitive's derivative, plus the rounding of the primitive itself (for a reduction of k terms,
Higham's order-independent bound k·Σ|terms|, Lemma 3.1/3.5). The rules live in the primitive
records (``magnitude=``; derived from ``derivative=`` for elementwise ones). Because a
``MagBox`` is a ``Box``, the AD transforms run over it unchanged: the derivative computed by AD
carries the bound of its own chain-rule computation. Values near a breakpoint of a non-smooth
primitive (|x| within its error of a kink) are recorded, so the judge can call a mismatch there
inconclusive.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.core import Box, new_level, primal
from adcheck.engines.primitives._bounds import absf, rule_of


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

    def kink(self, what: str, dist, err) -> None:
        """Record ``what`` when a breakpoint lies within 4 error bounds of the value."""
        if np.any(absf(dist) <= 4 * np.asarray(err) * 2.0 ** -53):
            self.kinks.append(what)

    def process(self, prim, args, params):
        vals, errs = zip(*(self.split(a) for a in args)) if args else ((), ())
        ans = prim.impl(*vals, **params)
        err = rule_of(prim)(self, ans, vals, errs, params)
        err = np.broadcast_to(np.asarray(err, dtype=float), np.shape(ans)).copy()
        return MagBox(ans, err, self)


def split(out, trace: MagTrace):
    """(value, error bound in units of u) of a result that may or may not be boxed."""
    if isinstance(out, MagBox) and out.tracer is trace:
        return np.asarray(out.value, dtype=float), np.asarray(out.err, dtype=float)
    if isinstance(out, Box):  # a box of another trace: unwrap to its plain value
        out = primal(out)
    v = np.asarray(out, dtype=float)
    return v, np.zeros(v.shape)
