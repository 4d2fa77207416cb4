"""The checks ``engines.testing.check_primitive`` runs; each takes (prim, args, params, rng).

A check returns None when it ran, False when it does not apply to the record (complex step of
a non-analytic primitive), and raises AssertionError with the disagreement and its allowance.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy

from . import transforms as T
from .core import EPS
from .exact import exact_impl, to_float
from .namespace import ad
from .primitives._bounds import rule_of
from .symbolic import sym_impl
from .taylor import seed
from .taylor_rules import jet_function

U = EPS / 2
NESTINGS = tuple((o, i) for o in ("forward", "reverse") for i in ("forward", "reverse"))
# Magnitude check: inputs move by this much relative to their scale; the second-order
# remainder |f''|δ²/2 is then below REMAINDER times the first-order term |f'|δ wherever
# |f''/f'| < 2000 (every example domain keeps away from poles and kinks by 0.5).
PERTURBATION = 1e-9
REMAINDER = 1e-6


def richardson_check(g, exact, scale, magnitude=None) -> None:
    """Compare ``exact`` with d/ds g(s) at s=0 by a central difference, Richardson-extrapolated.

    The allowance is derived from the stencils themselves: the truncation estimate
    |D(h) - D(h/2)| (about 3x the error of D(h/2), far more than that of the extrapolation)
    plus the rounding bound eps·(|g(h)|+|g(-h)|)/h of each quotient, plus eps·|exact|.
    ``scale`` is the length over which g varies (sets h). ``magnitude(s)``: the size of the
    terms g(s) sums, when they cancel (default |g(s)|). Raises AssertionError on failure.
    """
    h = EPS ** 0.25 * scale

    def quotient(step):
        gp, gm = np.asarray(g(step), float), np.asarray(g(-step), float)
        mp, mm = (np.abs(gp), np.abs(gm)) if magnitude is None else (
            np.asarray(magnitude(step), float), np.asarray(magnitude(-step), float))
        return (gp - gm) / (2 * step), EPS * (mp + mm) / step

    d1, r1 = quotient(h)
    d2, r2 = quotient(h / 2)
    extrapolated = (4 * d2 - d1) / 3
    exact = np.asarray(exact, float)
    allowance = np.max(np.abs(d1 - d2) + r1 + r2, initial=0.0) + EPS * np.max(np.abs(exact),
                                                                             initial=0.0)
    err = np.max(np.abs(exact - extrapolated), initial=0.0)
    assert err <= allowance, f"derivative off by {err:.3g}, allowance {allowance:.3g}"


def _with(args, i, x):
    out = list(args)
    out[i] = x
    return out


def _direction(rng, x):
    v = rng.standard_normal(np.shape(x))
    return v / max(1.0, float(np.max(np.abs(v))))


def _scale(x):
    return max(1.0, float(np.max(np.abs(x), initial=0.0)))


def jvp(prim, args, params, rng):
    """Forward mode (J·v per argument) against a difference quotient of the primitive."""
    for i in range(len(args)):
        v = _direction(rng, args[i])
        _, jv = T.jvp(lambda xp, x, i=i: prim.bind(*_with(args, i, x), **params), ad,
                      (args[i],), v)
        richardson_check(lambda s, i=i, v=v: prim.impl(*_with(args, i, args[i] + s * v),
                                                       **params), jv, 0.1 * _scale(args[i]))


def adjoint(prim, args, params, rng):
    """⟨u, J v⟩ = ⟨Jᵀu, v⟩ on random directions, within the rounding bound n·eps·|u||J||v|."""
    ans = prim.impl(*args, **params)
    for i in range(len(args)):
        def f(xp, x, i=i):
            return prim.bind(*_with(args, i, x), **params)

        v = rng.standard_normal(np.shape(args[i]))
        u = rng.standard_normal(np.shape(ans))
        _, jv = T.jvp(f, ad, (args[i],), v)
        _, pullback = T.vjp(f, ad, (args[i],))
        jtu = pullback(u)
        assert np.shape(jtu) == np.shape(args[i]), "VJP result not shaped like the argument"
        jac = np.asarray(T.jacfwd(f)(ad, args[i]))
        n = np.size(ans) + np.size(args[i])
        bound = n * EPS * np.linalg.norm(u) * np.linalg.norm(jac) * np.linalg.norm(v)
        lhs, rhs = float(np.vdot(u, jv)), float(np.vdot(jtu, v))
        assert abs(lhs - rhs) <= bound, f"<u,Jv>={lhs!r} but <J^T u,v>={rhs!r} (bound {bound:.3g})"


def second_order(prim, args, params, rng, outer, inner):
    """H·v of ⟨w, prim(x)⟩ by one nesting against a difference quotient of its gradient."""
    w = rng.standard_normal(np.shape(prim.impl(*args, **params)))
    for i in range(len(args)):
        def s(xp, x, i=i):
            return xp.sum(w * prim.bind(*_with(args, i, x), **params))

        v = _direction(rng, args[i])
        hv = T.hvp(s, 0, outer=outer, inner=inner)(ad, v, args[i])
        gradient = T.grad(s)
        try:
            richardson_check(lambda t, i=i, v=v, g=gradient: g(ad, args[i] + t * v), hv,
                             0.1 * _scale(args[i]))
        except AssertionError as exc:
            raise AssertionError(f"{outer}-over-{inner}: {exc}") from None


def nestings(prim, args, params, rng):
    """Second order through each of the four nestings."""
    for outer, inner in NESTINGS:
        second_order(prim, args, params, rng, outer, inner)


class _Kinks:
    """Stands in for the magnitude trace: the rules report kinks to it."""

    def __init__(self):
        self.kinks = []

    def kink(self, what, dist, err):
        if np.any(np.abs(np.asarray(dist, dtype=float)) <= 4 * np.asarray(err) * U):
            self.kinks.append(what)


def _rounding(prim, args, params):
    """(float64 value, the record's bound on its own rounding in absolute terms)."""
    ans = prim.impl(*args, **params)
    zeros = [np.zeros(np.shape(a)) for a in args]
    return ans, np.asarray(rule_of(prim)(_Kinks(), ans, args, zeros, params), float) * U


def _against(name, ans, ref, own):
    """|ans − ref| within the record's rounding bound plus the rounding of ref to float64."""
    ref = np.asarray(ref, float)
    err = np.abs(np.asarray(ans, float) - ref)
    allowed = own + U * np.abs(ref)
    worst = np.max(err - allowed, initial=-np.inf)
    assert worst <= 0, (f"{name} form differs from impl by {np.max(err):.3g} "
                        f"(allowed {np.max(allowed):.3g})")


def exact(prim, args, params, rng):
    """The mpmath form against ``impl`` (ties the record's rounding term to the truth)."""
    if prim.exact is False:
        return False
    ans, own = _rounding(prim, args, params)
    with mpmath.workdps(60):
        ref = to_float(exact_impl(prim)(*args, **params))
    _against("mpmath", ans, ref, own)


def symbolic(prim, args, params, rng):
    """The sympy form against ``impl``, evaluated to 30 digits."""
    if prim.sym is False:
        return False
    ans, own = _rounding(prim, args, params)
    out = np.asarray(sym_impl(prim)(*args, **params), dtype=object)
    ref = np.frompyfunc(lambda e: float(sympy.N(e, 30)), 1, 1)(out)
    _against("sympy", ans, np.asarray(ref, dtype=float), own)


def magnitude(prim, args, params, rng):
    """The bound with inputs off by δ covers |impl(x + δ) − f(x)| (f exact; without an exact
    form, f(x) is impl(x) and its own rounding bound is allowed on top)."""
    moved = [a + PERTURBATION * _scale(a) * rng.uniform(-1, 1, np.shape(a)) for a in args]
    errs = [np.abs(m - a) / U for m, a in zip(moved, args)]  # m − a is exact (Sterbenz)
    ans, own = _rounding(prim, args, params)
    bound = np.asarray(rule_of(prim)(_Kinks(), ans, args, errs, params), float) * U
    if prim.exact is False:
        ref, extra = np.asarray(ans, float), own
    else:
        with mpmath.workdps(60):
            ref, extra = to_float(exact_impl(prim)(*args, **params)), 0.0
    err = np.abs(np.asarray(prim.impl(*moved, **params), float) - ref)
    allowed = bound * (1 + REMAINDER) + extra + U * np.abs(ref)
    assert np.all(err <= allowed), (f"rounding bound {np.max(bound):.3g} does not cover the "
                                    f"change {np.max(err):.3g} of the inputs' errors")


def taylor(prim, args, params, rng):
    """The forward Laplacian of each output element against a difference of forward mode.

    Δf_k = d/dt Σ_j ∂_j f_k(x + t e_j) at t = 0, each ∂_j f_k by forward mode; the terms of
    the sum may cancel, so the rounding allowance uses Σ_j |∂_j f_k|.
    """
    on_jets = jet_function(prim)
    for i in range(len(args)):
        x = args[i]
        out = on_jets(*_with(args, i, seed(x)), **params)
        ans = prim.impl(*args, **params)
        lap = np.broadcast_to(out.l, np.shape(ans)) if hasattr(out, "l") else np.zeros(
            np.shape(ans))
        f = lambda xp, y, i=i: prim.bind(*_with(args, i, y), **params)  # noqa: E731
        units = [u.reshape(np.shape(x)) for u in np.eye(np.size(x))]

        def slopes(t, x=x, f=f, units=units):
            return [np.asarray(T.jvp(f, ad, (x + t * e,), e)[1], float) for e in units]

        richardson_check(lambda t: sum(slopes(t)), lap, 0.1 * _scale(x),
                         magnitude=lambda t: sum(np.abs(s) for s in slopes(t)))


def complex(prim, args, params, rng):  # noqa: A001  (the check's name)
    """For an analytic record, Im f(x + ihv)/h against forward mode's J·v."""
    if not prim.analytic:
        return False
    for i in range(len(args)):
        v = _direction(rng, args[i])
        h = 2.0 ** -60 * _scale(args[i])
        try:
            z = prim.impl(*_with(args, i, args[i] + 1j * h * v), **params)
        except TypeError as exc:
            raise AssertionError(f"analytic, but impl does not accept complex input ({exc}); "
                                 f"give it one that does, or declare analytic=False") from None
        f = lambda xp, x, i=i: prim.bind(*_with(args, i, x), **params)  # noqa: E731
        _, jv = T.jvp(f, ad, (args[i],), v)
        jac = np.asarray(T.jacfwd(f)(ad, args[i]))
        n = np.size(jv) + np.size(args[i])
        bound = n * EPS * np.linalg.norm(jac) * np.linalg.norm(v)
        err = np.max(np.abs(np.imag(z) / h - jv), initial=0.0)
        assert err <= bound, f"complex step differs from J·v by {err:.3g} (bound {bound:.3g})"
    return None
