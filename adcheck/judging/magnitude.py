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

Underflow is charged too (Higham 2002, sec. 2.1: fl(x op y) = (x op y)(1 + δ) + η with
|η| ≤ u·λ, λ = 2^-1022 the smallest normal number): a rounded result below λ in magnitude has
lost absolute, not relative, precision, so it carries λ more units of u: a subnormal result,
and a 0 made of inputs none of which is 0 (1e-200·1e-200). Sums and differences are exact
there (Hauser 1996), as are the primitives that only select or move values, and 0·y or 0/y is
an exact 0. Without it, f = Σ x_i² at |x| ~ 1e-200 (every square underflows to 0) had a zero
bound, and a finite difference of those zeros was failed for disagreeing with the correct
gradient instead of being found unable to resolve it.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.core import Box, new_level, primal
from adcheck.engines.primitives._bounds import absf, rule_of

TINY = 2.0 ** -1022
"""λ, the smallest normal float64: a result below it may carry an absolute error u·λ."""


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
        self.near: list[tuple] = []  # (what, flat indices on the kink) of every test, in order

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
        on = absf(dist) <= 4 * np.asarray(err) * 2.0 ** -53
        if np.any(on):
            self.kinks.append(what)
            self.near.append((what, tuple(np.flatnonzero(on).tolist())))

    def process(self, prim, args, params):
        vals, errs = zip(*(self.split(a) for a in args)) if args else ((), ())
        ans = prim.impl(*vals, **params)
        err = rule_of(prim)(self, ans, vals, errs, params)
        err = np.broadcast_to(np.asarray(err, dtype=float), np.shape(ans)).copy()
        return MagBox(ans, err + _underflow(prim, ans, vals), self)


def split(out, trace: MagTrace):
    """(value, error bound in units of u) of a result that may or may not be boxed."""
    if isinstance(out, MagBox) and out.tracer is trace:
        return np.asarray(out.value, dtype=float), np.asarray(out.err, dtype=float)
    if isinstance(out, Box):  # a box of another trace: unwrap to its plain value
        out = primal(out)
    v = np.asarray(out, dtype=float)
    return v, np.zeros(v.shape)


def _underflow(prim, ans, vals):
    """λ (units of u) where a rounded result may have underflowed, else 0: its possible
    absolute error from gradual underflow."""
    if prim.rounding == 0 or (prim.linear and prim.name != "mean"):  # exact below λ
        return 0.0
    a = np.abs(np.asarray(primal(ans), dtype=float))
    if not np.any(a < TINY):
        return 0.0
    lost = ((a > 0) & (a < TINY)) | ((a == 0) & _no_zero_in(prim, vals, a.shape))
    return np.where(lost, TINY, 0.0)


def _no_zero_in(prim, vals, shape):
    """Where no input is 0 (elementwise where the primitive is, else all or nothing): a 0
    result there was rounded to 0."""
    arrays = [np.asarray(primal(v), dtype=float) for v in vals
              if isinstance(v, (np.ndarray, float, int, np.number))]
    if prim.elementwise:
        try:
            return np.logical_and.reduce([np.broadcast_to(v != 0, shape) for v in arrays]
                                         + [np.ones(shape, bool)])
        except ValueError:
            pass
    return np.full(shape, all(np.all(v != 0) for v in arrays))
