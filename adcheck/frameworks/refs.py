"""References for a framework's derivative: exact, bounded, probed, or by independent families.

Given a vector function ``F(xp, *xs)`` (a user's program translated into ``xp``), ``exact``
returns its Jacobian rows from adcheck's AD on 50-digit numbers together with the running
rounding bound of the same derivative in magnitude arithmetic (``adcheck.magnitude``); ``probe``
does the same along random directions at O(1) passes. ``second_order`` turns a vector function
into the vector-Jacobian product whose derivative a second-order check compares. When no
program is available, ``differences`` differentiates the framework's own float64 function.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines import transforms as T
from adcheck.engines.namespace import ad
from adcheck.frameworks import exact_ad
from adcheck.judging.errmodel import directional_allowance
from adcheck.judging.magnitude import MagTrace, split


def unflatten(vector, shapes) -> list:
    """The pieces of a flat cotangent ``vector``, one per shape, in order (inverse of ``flat``)."""
    parts, at = [], 0
    for shp in shapes:
        n = int(np.prod(shp, dtype=np.int64))
        parts.append(np.asarray(vector[at:at + n]).reshape(shp))
        at += n
    return parts


def flat(program, pick=None):
    """``F(xp, *xs)``: the program's float outputs (``pick`` their positions), raveled and
    concatenated into one vector."""
    def F(xp, *xs):
        outs = program(xp, *xs)
        outs = [outs[i] for i in pick] if pick is not None else list(outs)
        parts = [xp.reshape(o, (-1,)) for o in outs]
        return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
    return F


def second_order(F, ct):
    """``G(xp, *xs) = J_F(xs)ᵀ ct`` raveled: its Jacobian holds F's second derivatives."""
    n = None

    def G(xp, *xs):
        nonlocal n
        _, pullback = T.vjp(F, xp, list(xs), argnum=tuple(range(len(xs))))
        parts = [xp.reshape(g, (-1,)) for g in pullback(ct)]
        return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
    return G


def second_order_fwd(F, tangents):
    """``G(xp, *xs) = J_F(xs) t`` (forward mode, along ``tangents``): its Jacobian holds F's
    second derivatives contracted with t."""
    def G(xp, *xs):
        def along(xp, s):
            return F(xp, *[x + s * t for x, t in zip(xs, tangents)])
        return T.jvp(along, xp, (np.zeros(()),), np.ones(()))[1]
    return G


def _basis(m: int) -> list:
    eye = np.eye(m)
    return [eye[k] for k in range(m)]


class _Underflowing(MagTrace):
    """Magnitude arithmetic where every operation may also lose ``floor`` (units of u) to
    underflow: Higham's model fl(x op y) = (x op y)(1 + δ) + η, |η| ≤ the smallest normal
    number (values below it may flush to zero); later operations propagate it like rounding."""

    def __init__(self, floor: float):
        super().__init__()
        self.floor = floor

    def process(self, prim, args, params):
        out = super().process(prim, args, params)
        if self.floor:
            out.err = out.err + self.floor
        return out


def magnitude_rows(F, xs, cts, floor: float = 0.0):
    """Running rounding bounds (units of u) of the rows Jᵀct, per input; and the kinks seen."""
    trace = _Underflowing(floor)
    boxed = [trace.box(x) for x in xs]
    _, pullback = T.vjp(F, ad, boxed, argnum=tuple(range(len(xs))))
    rows = [[split(g, trace)[1] for g in pullback(ct)] for ct in cts]
    errs = [np.stack([np.broadcast_to(r[i], np.shape(xs[i])) for r in rows])
            for i in range(len(xs))]
    return errs, trace.kinks


def function_rows(P, xs, cts, floor: float = 0.0):
    """Running rounding bounds (units of u) of ``P(xp, *xs, ct)`` per input, one row per ct:
    the claimed rule's own computation, traced, evaluated in magnitude arithmetic."""
    rows = []
    for ct in cts:
        trace = _Underflowing(floor)
        outs = P(ad, *[trace.box(x) for x in xs], ct)
        rows.append([np.broadcast_to(split(o, trace)[1], np.shape(x)) for o, x in zip(outs, xs)])
    return [np.stack([r[i] for r in rows]) for i in range(len(xs))]


def exact(F, xs, m: int, floor: float = 0.0, budget=None):
    """(reference rows per input, their rounding bounds per input, kinks) of F's Jacobian;
    ``floor``: what each operation may lose to underflow, in units of u; ``budget``: raise
    ``exact_ad.TooCostly`` past that many exact operations (``exact_ad.EXACT_WORK``)."""
    cts = _basis(m)
    ref = exact_ad.jacobian_blocks(F, xs, tuple(range(len(xs))), cts, budget=budget)
    err, kinks = magnitude_rows(F, xs, cts, floor)
    return ref, err, kinks


def probe(F, xs, u_vec, vs, uround: float):
    """Directional derivatives ⟨u, J v⟩ (float64 forward mode) and their allowances."""
    def H(xp, s, v):
        args = [x + s * vi for x, vi in zip(xs, v)]
        return xp.sum(F(xp, *args) * u_vec)

    refs = [float(T.jvp(lambda xp, s, v=v: H(xp, s, v), ad, (np.zeros(()),),
                        np.ones(()))[1]) for v in vs]
    trace = MagTrace()
    boxed = [trace.box(x) for x in xs]
    grads = T.grad(lambda xp, *b: xp.sum(F(xp, *b) * u_vec),
                   tuple(range(len(xs))))(ad, *boxed)
    errs = [split(g, trace)[1] for g in grads]
    bound = [directional_allowance(errs, v, uround) for v in vs]
    return refs, bound, trace.kinks


__all__ = ["exact", "flat", "function_rows", "magnitude_rows", "probe", "second_order",
           "second_order_fwd"]
