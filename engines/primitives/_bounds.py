"""Pieces of the rounding-error rules that primitive records share (Higham 2002).

A magnitude rule ``rule(trace, ans, vals, errs, params)`` returns the bound on the output's
rounding error in units of u = 2^-53, from the input values, their bounds and the rounding of
the primitive itself (running error analysis, Higham sec. 3.3). The magnitude interpreter
(``adcheck.judging.magnitude``) calls them; elementwise records get theirs derived from the
derivative.
"""

from __future__ import annotations

import numpy as np

from ._derive import partials

# Correctly rounded operations err by at most 1 u (half an ulp); numpy's elementary functions
# (exp, log, tanh, sin, erf, ...) are documented by glibc/SVML to a few ulps. 4 ulps = 8 u
# covers every elementary function numpy dispatches to on supported platforms.
ELEMENTARY_U = 8.0
# LU-based inverse/solve/determinant: backward error ≤ γ_n |L||U| (Higham Thm 9.3/14.12);
# |L||U| ≤ ρ_n |A| with growth factor ρ_n small for partial pivoting on the matrices the
# catalogue builds; we charge 3n u·|A| (γ_3n: factorization plus the two triangular solves).
LU_FACTOR = 3.0


def absf(x):
    """|x| as a float array."""
    return np.abs(np.asarray(x, dtype=float))


def full(err, like):
    """An error bound broadcast to the shape of the value it belongs to."""
    return np.broadcast_to(np.asarray(err, dtype=float), np.shape(like))


def count(big, small) -> float:
    """Number of terms summed into each output element."""
    return max(1.0, np.size(big) / max(1, np.size(small)))


def moved(impl):
    """Rule of a primitive that only moves data: move the errors the same way."""
    def rule(tr, ans, vals, errs, params):
        return impl(*[full(e, v) for v, e in zip(vals, errs)], **params)
    return rule


def summed(impl):
    """Rule of a sum-like linear map: the errors carried plus k·Σ|terms| (Higham Lemma 3.1)."""
    def rule(tr, ans, vals, errs, params):
        x = absf(vals[0])
        return impl(full(errs[0], x), **params) + count(x, ans) * impl(x, **params)
    return rule


def lu_terms(a, ea):
    """|A⁻¹| and the perturbation E_A + LU_FACTOR·n·|A| of a square (batch of) matrix."""
    a = np.asarray(a, dtype=float)
    inv = np.linalg.inv(a)
    return absf(inv), full(ea, a) + LU_FACTOR * a.shape[-1] * absf(a)


_DERIVED: dict = {}


def rule_of(prim):
    """The record's magnitude rule; derived from the derivative for an elementwise record.

    A record with neither is charged one elementary rounding and no propagation: its
    inputs' errors are not carried, so the bound is not one (the generated test flags it).
    """
    if prim.magnitude is not None:
        return prim.magnitude
    if prim.derivative is None:
        return uncarried
    rule = _DERIVED.get(prim.name)
    if rule is None or rule.prim is not prim:
        rule = _DERIVED[prim.name] = _propagated(prim)
    return rule


def uncarried(tr, ans, vals, errs, params):
    """The charge of a record without a rule: one elementary rounding, nothing carried."""
    return ELEMENTARY_U * absf(ans)


def _propagated(prim):
    """Σ_i |∂_i f|·e_i (first-order propagation) + rounding·|f|, and the kink check."""
    from ..namespace import numpy_ns  # the records load before the namespaces exist

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
    rule.prim = prim
    return rule
