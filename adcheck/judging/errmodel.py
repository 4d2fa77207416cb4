"""The error model: for every comparison, the observed error, the allowed error, and why.

For each component i of a derivative computed by an engine (value ``v``) and a reference
(value ``r``, exact to its own error ``ref_err``)::

    observed_i  = |v_i - r_i|
    allowance_i = ROUTE_FACTOR · u · max(E_ad,i, E_cf,i)     (a) rounding of the computation
                + u · |r_i|                                  (   rounding of the result itself)
                + ref_err_i                                  (b) the reference's own error
                + max(FD_TRUST · est_i, W·u·E_f / h^k)       (c) a numerical engine's estimate

with u = 2^-53 the unit roundoff. ``E_ad`` is the running rounding-error bound (in units of u)
of the derivative computed by reverse-mode AD of ``f`` itself (forward-over-reverse for second
order), evaluated in the magnitude arithmetic of ``adcheck.judging.magnitude``: each primitive
propagates its inputs' bounds through its derivative and adds its own rounding (k·Σ|terms|
for a k-term reduction, a few ulps for an elementary function, an LU backward-error term for
inv/solve/det). This is how the bound of 2AᵀAx grows with |A|ᵀ|A||x| and with n, with no
per-identity literal. ``E_cf`` is the same bound for the closed form ``g``, when there is one
(an engine may follow either route). The operation depth enters through the running bound:
every primitive on the path adds its rounding and amplifies what came before it.
``ref_err`` is 0 for the exact oracle (50 digits). For finite differences, ``est`` is the
engine's own estimate, floored by the rounding of the function values it divides by h^k
(``E_f`` the running bound of f, h the textbook step, W = FD_STENCIL).

Exact and symbolic engines report their own rounding (their value is the exact derivative
rounded to float64) and are charged that, not a finite-difference floor or trust factor.

Verdict: pass when observed_i ≤ allowance_i for every component and the precision this
certifies, ``verified_to`` = max_i allowance_i / (magnitude of the computation), is within
CEILING of the derivative's order; a would-be pass above it is inconclusive. A non-finite
result where the reference is finite fails. Otherwise fail, except inconclusive when the point
is on a kink, when the reference is not finite, or when only a numerical engine's estimate was
exceeded and the error stays below ESTIMATE_GROSS × the magnitudes of the computation. Where
the reverse route's bound is not finite (0·inf inside it) but the reference is, the bound is
taken from another route (the closed form's), or else from the magnitude of the computation
elsewhere (see ``allowance``). Every constant is named below with its justification and is the
same for every identity.

This module is the one place the formula is composed: ``rounding_allowance`` (term (a)),
``route_rounding``, ``two_sided_rounding``, ``directional_allowance``, ``difference_allowance``
and ``probe_allowance`` take the unit roundoff u of the dtype at hand, and ``miss_probability``
/ ``detectable`` state what random probes can miss; every other module calls them. The
derivative kinds and their orders are one table, ``adcheck.engines.kinds`` (in the lowest layer,
so that the engines and the catalogue read it too), re-exported here as ``KIND_TABLE``,
``KINDS``, ``RECORD_KINDS`` and ``ORDER``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from adcheck.engines import transforms as T
from adcheck.engines.kinds import (  # noqa: F401  (re-exported: the error model's kinds)
    KIND_TABLE,
    KINDS,
    ORDER,
    RECORD_KINDS,
)
from adcheck.engines.namespace import ad

from .magnitude import MagTrace, split

U = 2.0 ** -53
"""Unit roundoff of IEEE binary64."""

# An engine evaluates the chain rule in its own order and nesting (forward vs reverse, a
# different association of products, an extra intermediate rounding per level); the bound of
# any other association of the same primitives differs from the reverse route's by the number
# of extra roundings per term, at most one per nesting level plus the final accumulation.
# Second-order engines have two levels: 2 + 2 = 4.
ROUTE_FACTOR = 4.0

# Finite-difference engines report an estimate of their own error (truncation + rounding). An
# estimate is not a bound: richardson's is meant to bound its true error in >= 99% of cases,
# and central's is a model that assumes the function varies on the scale of the step. Measured
# on the catalogue (10 examples x every record), the estimates of central, richardson and
# complex-step were exceeded by at most 5x; a factor of 100 keeps that margin with room for
# the tails of long campaigns. What a pass may certify is capped by CEILING below, so no
# estimate, however large, buys a pass.
FD_TRUST = 100.0

# Beyond FD_TRUST times its estimate a finite-difference result is still only "inconclusive"
# unless its error exceeds u^(1/4) (~1e-4) relative to the magnitudes of the computation: a
# second difference at the step h ~ u^(1/4) used for second derivatives errs by O(u^(1/2)) at
# best, but by (h/l)^2 where the function varies on a scale l < 1, so an error up to u^(1/4)
# is consistent with a correct difference and an unreliable estimate; a larger one is not
# (a wrong function, a wrong formula, a wrong sign).
ESTIMATE_GROSS = U ** 0.25

# A finite difference cannot beat the rounding of the function values it divides by h^k: with
# the textbook steps h = eps^(1/3)·s (first order) and eps^(1/4)·s (second order), s = max|x|
# (the engines' steps are relative at every magnitude: a floor taken at s = max(1, |x|) was
# 1e200 times too small at |x| ~ 1e-200), that error is ~ W·u·E_f / h^k, where E_f is the
# running bound of f and W = 8 bounds the summed absolute weights (times h^k) of the stencils
# in use (2 for a first difference, 4 for a second, up to 8 for a mixed one by polarization).
# The floor is a bound, not a model: FD_TRUST times an estimate below it (one that forgot the
# rounding term) is raised to it, not the floor multiplied.
FD_STENCIL = 8.0
EPS = 2.0 * U

# A pass certifies a precision: the allowance relative to the magnitude of the computation
# must not exceed the ceiling of the derivative's order. Rounding alone gives ~ROUTE_FACTOR·u
# ≈ 1e-15; a finite difference earns its pass only if FD_TRUST times its estimate stays below
# the ceiling. First order: the textbook central step leaves ~u^(2/3) ≈ 4e-11 of truncation
# and rounding error, x FD_TRUST = 4e-9, and richardson does better; 1e-6 keeps two decades of
# margin for an honest difference while every allowance that could hide a wrong factor as
# small as 1 + 1e-5 (or a transpose, a sign, a missing term) is refused. Second order: a second
# difference at h ~ u^(1/4) errs by ~u^(1/2) ≈ 1e-8, x FD_TRUST = 1e-6; 1e-4 keeps the same
# two decades. Above the ceiling the outcome is "inconclusive", never "pass".
CEILING = {1: 1e-6, 2: 1e-4}



@dataclass
class Bound:
    """A float64 route to a quantity and its running rounding-error bound (units of u)."""

    value: np.ndarray
    err: np.ndarray
    kinks: list = field(default_factory=list)
    f_err: np.ndarray | None = None  # f's own bound, when the route evaluated f itself

    @property
    def finite(self) -> bool:
        return bool(np.all(np.isfinite(self.value)) and np.all(np.isfinite(self.err)))


def _box_args(trace: MagTrace, args) -> tuple:
    """Box every float array argument (exact inputs: zero error); leave the rest alone."""
    out = []
    for a in args:
        arr = np.asarray(a) if isinstance(a, (np.ndarray, float, np.floating)) else None
        out.append(trace.box(arr) if arr is not None and arr.dtype.kind == "f" else a)
    return tuple(out)


def derivative_bound(kind: str, f, args, wrt: int = 0, v=None, order=None, tangent=None,
                     cotangent=None) -> Bound:
    """Reverse-mode derivative of ``f`` in magnitude arithmetic: its value and bound."""
    trace = MagTrace()
    margs = _box_args(trace, args)
    f_out = None
    # Seeds and directions are boxed too: a derivative that does not depend on x (a linear f's
    # gradient, a quadratic's Hessian-vector product) is computed from them alone, and its sums
    # (un-broadcasting, reductions) would otherwise escape the bound.
    if kind == "derivative":  # the nesting the default engines use: forward over reverse
        from adcheck.engines.higher import nested
        out = nested(f, wrt, order, "forward", "reverse")(ad, *margs)
    elif kind == "jvp" and tangent is not None:
        f_out, out = T.jvp(f, ad, margs, trace.box(tangent), wrt)
    elif kind == "vjp" and cotangent is not None:
        f_out, pullback = T.vjp(f, ad, margs, wrt)
        out = pullback(trace.box(cotangent))
    elif kind == "gradient":
        f_out, pullback = T.vjp(f, ad, margs, wrt)
        out = pullback(trace.box(1.0))
    elif kind in ("jacobian", "jvp", "vjp"):
        out = T.jacrev(f, wrt)(ad, *margs)
    elif kind == "hessian":
        out = _hessian_columns(f, wrt, trace, args, margs)
    elif kind == "hvp":
        out = T.hvp(f, wrt, outer="forward", inner="reverse")(ad, trace.box(v), *margs)
    elif kind == "laplacian":
        h = _hessian_columns(f, wrt, trace, args, margs)
        n = int(np.prod(np.shape(args[wrt])))
        out = ad.trace(ad.reshape(h, (n, n)))
    else:
        raise ValueError(f"no magnitude route for kind {kind!r}")
    value, err = split(out, trace)
    # a first-order route evaluates f on the same magnitudes as ``function_bound`` does: its
    # bound comes free with the derivative's, and the judge needs no second evaluation of f
    f_err = split(f_out, trace)[1] if f_out is not None else None
    return Bound(value, err, trace.kinks, f_err)


def _hessian_columns(f, wrt, trace, args, margs):
    """The Hessian as Hessian-vector products with boxed unit directions, one per column: a
    quadratic's Hessian is made of its seeds alone, and their sums must be charged too."""
    shape = np.shape(args[wrt])
    n = int(np.prod(shape))
    hvp = T.hvp(f, wrt, outer="forward", inner="reverse")
    cols = [ad.reshape(hvp(ad, trace.box(np.eye(n)[j].reshape(shape)), *margs), (n,))
            for j in range(n)]
    return ad.reshape(ad.stack(cols, axis=1), shape + shape)


def function_bound(g, args) -> Bound:
    """Evaluate ``g(xp, *args)`` (a closed form, or a residual) in magnitude arithmetic."""
    trace = MagTrace()
    value, err = split(g(ad, *_box_args(trace, args)), trace)
    return Bound(value, err, trace.kinks)


def residual_bound(f, args, derive_value) -> Bound:
    """Bound of a residual ``f(derive, xp, *args)``.

    ``derive_value(kind, fn, args, wrt, **kw) -> (value, err_units_of_u)`` supplies each
    derivative the residual needs, with its own bound; the residual's arithmetic on top of
    them is propagated here.
    """
    trace = MagTrace()

    def derive(kind, fn, dargs, wrt=0, **kw):
        value, err = derive_value(kind, fn, tuple(dargs), wrt, **kw)
        return _boxed(trace, value, err)

    value, err = split(f(derive, ad, *_box_args(trace, args)), trace)
    return Bound(value, err, trace.kinks)


def _boxed(trace, value, err):
    from .magnitude import MagBox
    v = np.asarray(value, dtype=float)
    return MagBox(v, np.broadcast_to(np.asarray(err, dtype=float), v.shape).copy(), trace)


def order_of(rec) -> int:
    """The order of derivative a record claims (``kind="derivative"`` carries its own)."""
    if rec.kind == "derivative":
        return int(rec.extra.get("order") or 1)
    return ORDER.get(rec.kind, 1)


def ceiling(order: int) -> float:
    """The largest relative allowance a pass of a derivative of this order may certify."""
    return CEILING[max(1, min(order, 2))]


def vacuous(allowance: float, sizes, share: float) -> bool:
    """Whether an allowance certifies nothing: past ``share`` of the largest of ``sizes`` (the
    values the problem shows: the derivative's largest entry, |x|, |f(x)|). A running rounding
    bound can grow without limit through an iteration (1e36 units of u for Newton's method
    unrolled 60 times) while staying small relative to the magnitudes it was derived from."""
    largest = max(sizes, default=0.0)
    return largest > 0 and allowance > share * largest


def fd_term(estimate, floor):
    """A finite difference's allowance term: FD_TRUST × its own estimate (a model of its
    error, hence the margin), never below ``floor``, the rounding bound of its differences
    (a bound, charged as it is)."""
    return np.maximum(FD_TRUST * np.abs(np.asarray(estimate, dtype=float)), floor)


def natural_scale(order: int, f_magnitude: float, x_scale: float) -> float:
    """The size of an order-k derivative at the function's own scale, |f| / max(1, |x|)^k:
    a derivative that vanishes (a linear function's Hessian) or is tiny beside it is judged
    to an absolute accuracy of that size rather than as a relative precision of nothing."""
    return f_magnitude / max(1.0, x_scale) ** max(1, order)


def fd_floor(order: int, f_magnitude: float, x_size: float) -> float:
    """The rounding floor of a finite difference of ``order`` (see FD_STENCIL); ``x_size`` is
    the input's own size (max |x_i|; 1 for an all-zero input), the unit of the steps."""
    order = max(1, min(order, 2))
    h = EPS ** (1.0 / (order + 2)) * (x_size or 1.0)
    return FD_STENCIL * U * f_magnitude / h ** order


# ------------------------------------------------------------------ the allowance's rounding
# Every comparison in the project composes its rounding allowance here, whatever unit roundoff
# ``u`` it computes in (float64's U, or the dtype a framework's user computes in).

def route_rounding(err, u: float = U):
    """ROUTE_FACTOR · u · E: the rounding of a computation whose running bound is ``err`` (E,
    in units of u) when it may take any route (a float64 closed form used as the reference;
    with E = 1, float64 AD's own relative rounding)."""
    return ROUTE_FACTOR * u * err


def in_route_units(term, u: float = U):
    """An absolute error ``term`` in the units of E that ``route_rounding`` charges: an
    engine's own error carried through a bound (a residual's derivatives)."""
    return term / (ROUTE_FACTOR * u)


def rounding_allowance(err, ref, u: float = U):
    """Term (a) of the module formula: ROUTE_FACTOR · u · E + u · |r|, componentwise, the
    rounding of the computation on any route plus the rounding of the result itself."""
    return route_rounding(err, u) + u * np.abs(ref)


def difference_allowance(estimate, ref, u: float = U):
    """A finite difference judged without a bound of its computation: u · |r| + FD_TRUST × its
    own estimate."""
    return u * np.abs(ref) + FD_TRUST * estimate


def two_sided_rounding(err, u: float = U):
    """2 · ROUTE_FACTOR · u · E: the rounding of a projection on a direction computed twice
    (the claim and the reference, each on any route), componentwise."""
    return 2 * ROUTE_FACTOR * u * err


def directional_allowance(errs, directions, u: float = U) -> float:
    """2 · ROUTE_FACTOR · u · Σ E|v|: ``two_sided_rounding`` of a gradient projected on a
    direction ``v``; ``errs`` (the gradient's E) and ``directions`` are sequences of leaves,
    one pair per differentiated input."""
    return two_sided_rounding(sum(float(np.sum(e * np.abs(v))) for e, v in
                                  zip(errs, directions)), u)


def dot_rounding(a, b, u: float = U) -> float:
    """γ_n Σ|a_i b_i|: the rounding bound of a dot product of length n."""
    n = max(1, np.size(a))
    return n * u / (1 - n * u) * float(np.sum(np.abs(a) * np.abs(b)))


def probe_allowance(term, claims, directions, ref, u: float = U):
    """A random probe's allowance: ``term`` (the reference's, e.g. ``directional_allowance``
    or FD_TRUST × a difference's estimate) + the rounding of the claim's dot products with the
    direction (one per leaf of ``claims`` and ``directions``) + u · |r| for the reference r."""
    return term + sum(dot_rounding(c, v, u) for c, v in zip(claims, directions)) + u * abs(ref)


def miss_probability(allowances, norm: float) -> float:
    """Probability that every probe misses an error of norm ``norm``: with v ~ N(0, I), an
    error e projects to ⟨e, v⟩ ~ N(0, ‖e‖²), and one probe misses it only when |⟨e, v⟩| ≤ a,
    its allowance: P = erf(a / (‖e‖ √2)); independent probes multiply."""
    if norm <= 0:
        return 1.0
    return float(np.prod([math.erf(a / (norm * math.sqrt(2.0))) for a in allowances]))


def detectable(allowances, norm: float, p: float = 1e-6) -> float:
    """Smallest error size, relative to ``norm``, whose miss probability is at most ``p``
    (bisection on its log10; inf when none is)."""
    lo, hi = -30.0, 10.0  # log10 of the relative size; miss_probability falls with it
    if norm <= 0 or miss_probability(allowances, 10.0 ** hi * norm) > p:
        return math.inf
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if miss_probability(allowances, 10.0 ** mid * norm) > p else (lo, mid)
    return 10.0 ** hi


@dataclass
class Allowance:
    """The allowed error, componentwise, and the terms it is made of (for the explanation)."""

    total: np.ndarray
    rounding: np.ndarray
    reference: np.ndarray
    engine: np.ndarray
    scale: float = 0.0  # magnitude of the computation: max(|ref|, running bounds)
    estimated: bool = False  # an engine's own estimate contributed (finite differences)
    trust: float = FD_TRUST  # the factor the engine's estimate was multiplied by
    fallback: bool = False  # some component's bound came from the magnitude of the rest

    @property
    def verified_to(self) -> float:
        """The precision a pass certifies: the allowance relative to the magnitude.

        Where the reference and every running bound are exactly zero (a derivative that
        vanishes identically at the point) there is no magnitude to be relative to, and the
        allowance is what is certified, in absolute terms."""
        top = float(np.max(self.total, initial=0.0))
        if top == 0.0:
            return 0.0
        return top / self.scale if self.scale > 0 else top

    def why(self, i) -> str:
        """One line: what the allowance at component ``i`` is made of."""
        parts = [f"rounding {float(self.rounding.flat[i]):.2e}"]
        if float(self.reference.flat[i]):
            parts.append(f"reference {float(self.reference.flat[i]):.2e}")
        if float(self.engine.flat[i]) and self.estimated:
            parts.append(f"engine estimate x{FD_TRUST:g} (at least the rounding floor) "
                         f"{float(self.engine.flat[i]):.2e}")
        elif float(self.engine.flat[i]):
            parts.append(f"engine's own rounding {float(self.engine.flat[i]):.2e}")
        tail = " (rounding bound from the magnitude of the computation: the reverse route's " \
               "is not finite here)" if self.fallback else ""
        return " + ".join(parts) + tail


def allowance(ref, bounds, ref_err=None, estimate=None, trust=FD_TRUST,
              estimated=None) -> Allowance:
    """The allowed error of each component of an engine's result (see the module formula).

    Args:
        ref: the reference value (float64 array of the exact value).
        bounds: ``Bound`` objects of the routes an engine may take (E_ad, E_cf).
        ref_err: the reference's own error (absolute, componentwise or scalar); None = exact.
        estimate: the engine's own error estimate, or None.
        trust: what the estimate is multiplied by: FD_TRUST for a finite difference's model
            of its error, 1 for an exact or symbolic engine's own rounding, or for a term
            already made by ``fd_term``.
        estimated: whether the term is a numerical engine's model of its error (default:
            an estimate multiplied by more than 1).
    """
    r = np.abs(np.asarray(ref, dtype=float))
    e, lost = _route_bound(r, bounds)
    rounding = rounding_allowance(e, r)
    reference = _as(ref_err, r.shape)
    engine = trust * _as(estimate, r.shape)
    finite_r = r[np.isfinite(r)]
    scale = float(max(np.max(finite_r, initial=0.0), np.max(e[np.isfinite(e)], initial=0.0)))
    if estimated is None:
        estimated = estimate is not None and trust > 1
    return Allowance(rounding + reference + engine, rounding, reference, engine, scale,
                     bool(estimated and estimate is not None), trust, lost)


def _route_bound(r, bounds):
    """Componentwise largest finite route bound (E_ad, E_cf); (bound, any component filled).

    A component no route bounds finitely (0·inf inside the reverse rule, at a point where the
    derivative itself is finite) is charged the magnitude of the computation elsewhere: the
    largest finite bound of any component and the largest |reference|. The rounding of one
    component cannot exceed what the whole computation carries, unless an intermediate
    overflows, and then the reference itself is not finite and nothing is judged.
    """
    e, have, seen = np.zeros(r.shape), np.zeros(r.shape, bool), False
    for b in bounds:
        if b is None or np.shape(b.err) != r.shape:
            continue
        err = np.asarray(b.err, dtype=float)
        ok = np.isfinite(err)
        e = np.where(ok, np.maximum(e, np.where(ok, err, 0.0)), e)
        have |= ok
        seen = True
    missing = ~have if seen else np.zeros(r.shape, bool)
    if not missing.any():
        return e, False
    finite_r = r[np.isfinite(r)]
    fill = max(np.max(e[have], initial=0.0), np.max(finite_r, initial=0.0))
    return np.where(missing, fill, e), True


def _as(x, shape) -> np.ndarray:
    if x is None:
        return np.zeros(shape)
    try:
        return np.broadcast_to(np.abs(np.asarray(x, dtype=float)), shape).copy()
    except (ValueError, TypeError):
        return np.full(shape, float(np.max(np.abs(np.asarray(x, dtype=float)))))
