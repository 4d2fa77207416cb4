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

from engines.core import Box, new_level, primal
from engines.namespace import numpy_ns
from engines.primitives._bounds import ELEMENTARY_U, absf, full
from engines.primitives._derive import partials


class MagBox(Box):
    """A float64 value and its running rounding-error bound (units of u)."""

    __slots__ = ("err",)

    def __init__(self, value, err, trace):
        self.value, self.err, self.trace, self.level = value, err, trace, trace.level


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
        if isinstance(a, MagBox) and a.trace is self:
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


_DERIVED: dict = {}


def rule_of(prim):
    """The record's magnitude rule; derived from the derivative for an elementwise record.

    A record with neither is charged one elementary rounding and no propagation: its
    inputs' errors are not carried, so the bound is not one (the generated test flags it).
    """
    if prim.magnitude is not None:
        return prim.magnitude
    if prim.derivative is None:
        return _uncarried
    rule = _DERIVED.get(prim)
    if rule is None:
        rule = _DERIVED[prim] = _propagated(prim)
    return rule


def _uncarried(tr, ans, vals, errs, params):
    return ELEMENTARY_U * absf(ans)


def _propagated(prim):
    """Σ_i |∂_i f|·e_i (first-order propagation) + rounding·|f|, and the kink check."""
    ds = partials(prim.derivative)
    with_ans = "ans" in prim.uses

    def rule(tr, ans, vals, errs, params):
        xs = [np.asarray(v, dtype=float) for v in vals]
        total = prim.rounding * absf(ans)
        with np.errstate(all="ignore"):
            for d, e in zip(ds, errs):
                slope = absf(d(numpy_ns, *xs, ans=ans) if with_ans else d(numpy_ns, *xs))
                # an exact input carries no error, even where the slope is infinite (sqrt at 0)
                total = total + np.where(np.asarray(e) == 0, 0.0, slope * e)
        if prim.kink is not None:
            tr.kink(f"{prim.name} at a kink", prim.kink(numpy_ns, *xs),
                    sum(full(e, ans) for e in errs))
        return total
    return rule


def split(out, trace: MagTrace):
    """(value, error bound in units of u) of a result that may or may not be boxed."""
    if isinstance(out, MagBox) and out.trace is trace:
        return np.asarray(out.value, dtype=float), np.asarray(out.err, dtype=float)
    if isinstance(out, Box):  # a box of another trace: unwrap to its plain value
        out = primal(out)
    v = np.asarray(out, dtype=float)
    return v, np.zeros(v.shape)
