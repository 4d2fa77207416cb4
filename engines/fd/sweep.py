"""Data for the report's plots: error versus step for each scheme, and Taylor-remainder slopes.

``step_sweep`` shows the classic V: truncation error falling with h at the scheme's order until
rounding error (∝ eps/h^k) takes over; complex step has no cancellation and stays flat.
``taylor_remainder`` checks a gradient (and Hessian) with no step choice at all:
|f(x+hv) − f(x) − h⟨g,v⟩| shrinks like h² when g is right (like h if wrong), and like h³ once the
term h²/2 vᵀHv is subtracted with the right H.
"""

from __future__ import annotations

import numpy as np

from ..namespace import numpy_ns
from ._common import EPS
from .complex_step import ComplexCall

DEFAULT_HS = np.logspace(-1, -14, 27)


def _at(f, args, wrt, x):
    """f with args[wrt] replaced by x (evaluated in plain numpy; inputs untouched)."""
    a = list(args)
    a[wrt] = x
    return np.asarray(f(numpy_ns, *a), dtype=float)


def _rel(approx, exact) -> float:
    """Relative error in the 2-norm (absolute where the exact value is zero)."""
    exact = np.asarray(exact, dtype=float)
    scale = float(np.linalg.norm(exact)) or 1.0
    return float(np.linalg.norm(np.asarray(approx, dtype=float) - exact)) / scale


def step_sweep(f, args, wrt, direction, exact, hs=DEFAULT_HS) -> dict:
    """Error of each scheme's directional derivative J·v against ``exact`` at each step h.

    Args:
        f, args, wrt: the function ``f(xp, *args)`` and the argument differentiated.
        direction: v, shaped like ``args[wrt]``.
        exact: the true J·v (float or array; e.g. from ``engines.exact``).
        hs: the steps (default 27 steps from 1e-1 to 1e-14).
    Returns:
        {"h", "forward", "central", "richardson", "complex-step"}: lists of relative errors;
        "richardson" is one extrapolation (4 D(h/2) − D(h)) / 3; "complex-step" is None for a
        non-analytic function.
    """
    args = tuple(np.array(a, dtype=float) if i == wrt else a for i, a in enumerate(args))
    x, v = args[wrt], np.asarray(direction, dtype=float).reshape(np.shape(args[wrt]))
    g = lambda t: _at(f, args, wrt, x + t * v)  # noqa: E731
    g0 = g(0.0)
    central = lambda h: (g(h) - g(-h)) / (2 * h)  # noqa: E731
    out = {"h": [float(h) for h in hs], "forward": [], "central": [], "richardson": []}
    for h in hs:
        out["forward"].append(_rel((g(h) - g0) / h, exact))
        out["central"].append(_rel(central(h), exact))
        out["richardson"].append(_rel((4 * central(h / 2) - central(h)) / 3, exact))
    out["complex-step"] = _complex_sweep(f, args, wrt, v, exact, hs)
    return out


def _complex_sweep(f, args, wrt, v, exact, hs):
    """Complex-step errors at each h, or None when the function is not analytic."""
    from ..errors import NotAnalytic

    call = ComplexCall(f, args, wrt)
    try:
        return [_rel(np.imag(call.complex_at(call.x + 1j * h * v)) / h, exact) for h in hs]
    except NotAnalytic:
        return None


def fitted_slope(hs, errs, floor: float = 0.0) -> float:
    """Least-squares slope of log(err) against log(h) over the points with err > floor."""
    hs, errs = np.asarray(hs, dtype=float), np.asarray(errs, dtype=float)
    keep = errs > floor
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(hs[keep]), np.log(errs[keep]), 1)[0])


def taylor_remainder(f, args, wrt, grad, hess=None, direction=None,
                     hs=np.logspace(-1, -4, 7), rng=None) -> dict:
    """Taylor remainders of a scalar f along v, and their fitted slopes.

    Args:
        grad: the claimed gradient at args (shaped like ``args[wrt]``).
        hess: optional claimed Hessian (x.shape + x.shape) for the second remainder.
        direction: v (default: a random unit direction from ``rng``).
        hs: the steps; keep them where truncation, not rounding, dominates.
        rng: a numpy Generator (needed only when direction is None).
    Returns:
        {"h", "first", "second" (or None), "slope_first", "slope_second" (or None),
        "floor"}: slopes ≈ 2 and ≈ 3 when grad and hess are right. Remainders below ``floor``
        (rounding of f) are left out of the fits.
    """
    args = tuple(np.array(a, dtype=float) if i == wrt else a for i, a in enumerate(args))
    x = args[wrt]
    if direction is None:
        v = (rng or np.random.default_rng(0)).standard_normal(x.shape)
        v /= np.linalg.norm(v)
    else:
        v = np.asarray(direction, dtype=float).reshape(x.shape)
    f0 = float(_at(f, args, wrt, x))
    slope = float(np.sum(np.asarray(grad, dtype=float) * v))
    curv = None if hess is None else float(
        v.ravel() @ np.reshape(hess, (x.size, x.size)) @ v.ravel())
    first, second = [], []
    for h in hs:
        r = float(_at(f, args, wrt, x + h * v)) - f0 - h * slope
        first.append(abs(r))
        if curv is not None:
            second.append(abs(r - 0.5 * h * h * curv))
    floor = 64 * EPS * max(abs(f0), 1e-300)
    return {
        "h": [float(h) for h in hs], "first": first, "second": second if curv is not None else None,
        "slope_first": fitted_slope(hs, first, floor),
        "slope_second": fitted_slope(hs, second, floor) if curv is not None else None,
        "floor": floor,
    }


__all__ = ["DEFAULT_HS", "fitted_slope", "step_sweep", "taylor_remainder"]
