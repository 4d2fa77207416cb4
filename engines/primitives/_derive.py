"""Rules derived from a primitive's record, so each fact about a primitive is written once.

An elementwise primitive states its partial derivatives as ``derivative(xp, *xs)`` written
against the namespace; its JVP is t·∂f and its VJP ct·∂f (summed down to the argument's shape
where broadcasting widened it). Because the derivative is written with ``xp``, the derived rules
are themselves differentiable, to any order and nesting. The product is ``times``: a zero
(co)tangent stays zero where ∂f is infinite (a branch ``where`` did not take, sqrt or log at 0).
"""

from __future__ import annotations

import numpy as np

from ..core import RULE_DERIVERS, TABLE, PerIndex
from ._util import bcast, shape_of, unbcast
from ._zeros import times

XP = None
"""The AD namespace the derivatives are evaluated in; set by ``engines.namespace`` on import."""


def partials(derivative) -> tuple:
    """The per-argument derivative functions of an elementwise record."""
    return derivative if isinstance(derivative, tuple) else (derivative,)


def call_partial(d, uses, ans, xs):
    """``d(XP, *xs)``, with the output as keyword ``ans`` when the record reads it."""
    if "ans" in uses:
        return d(XP, *xs, ans=ans)
    return d(XP, *xs)


def elementwise_rules(derivative, uses) -> tuple[tuple, tuple]:
    """(JVP rules, VJP rules) of an elementwise primitive from its partial derivatives."""
    ds = partials(derivative)
    if len(ds) == 1:
        rule = _unary_rule(ds[0], "ans" in uses)
        return (rule,), (rule,)
    return (tuple(_jvp(i, d, uses) for i, d in enumerate(ds)),
            tuple(_vjp(i, d, uses) for i, d in enumerate(ds)))


def _unary_rule(d, with_ans):
    """t·f'(x): the same rule serves forward (tangent) and reverse (cotangent)."""
    if with_ans:
        def rule(t, ans, x):
            return times(t, d(XP, x, ans=ans))
    else:
        def rule(t, ans, x):
            return times(t, d(XP, x))
    return rule


def _jvp(i, d, uses):
    def rule(t, ans, *xs):
        return bcast(times(t, call_partial(d, uses, ans, xs)), ans)
    rule.__name__ = f"jvp_{i}"
    return rule


def _vjp(i, d, uses):
    def rule(ct, ans, *xs):
        return unbcast(times(ct, call_partial(d, uses, ans, xs)), xs[i])
    rule.__name__ = f"vjp_{i}"
    return rule


def linear_jvps(name, vjps):
    """JVP rules of a primitive linear in its positional arguments together: the primitive
    itself, applied to the tangent in argument i and zeros in the others."""
    def rule(i, t, ans, *xs, **params):
        if len(xs) == 1:
            return TABLE[name].bind(t, **params)
        args = [np.zeros(shape_of(x)) if j != i else t for j, x in enumerate(xs)]
        return TABLE[name].bind(*args, **params)

    if isinstance(vjps, PerIndex):
        return PerIndex(rule)
    return tuple(PerIndex(rule)[i] for i in range(len(vjps)))


RULE_DERIVERS.update(elementwise=elementwise_rules, linear=linear_jvps)
