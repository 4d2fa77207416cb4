"""Comparing an engine's result with the reference: verdict, worst error, and diagnosis.

``compare`` applies the error model componentwise; ``diagnose`` names the common mistake a
failure matches (transpose, factor 2 or 1/2, sign, zero block, batch scaling, a float32 step,
dropped cross terms, the first wrong network layer, a non-finite result). Blame (which engine
is the outlier) is settled once per case, by families, in ``adcheck.judging.pipeline``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errmodel import ESTIMATE_GROSS, FD_TRUST, Allowance

FLOAT32_EPS = float(np.finfo(np.float32).eps)


@dataclass
class Comparison:
    """The verdict of one engine on one input, with its worst component."""

    outcome: str  # "pass" | "fail" | "inconclusive"
    worst: dict | None = None
    index: tuple = ()
    note: str = ""
    ratios: np.ndarray | None = field(default=None, repr=False)


def _ulps(err: float, ref: float) -> float:
    with np.errstate(all="ignore"):
        return float(err / np.spacing(max(abs(ref), np.finfo(float).tiny)))


NOTHING_TO_JUDGE = ("the derivative has no components (an input or output with no entries): "
                    "there is nothing to judge")


def compare(value, ref, allow: Allowance, kinks=(), located=None) -> Comparison:
    """Judge ``value`` against ``ref``: pass iff |value - ref| <= allowance componentwise.

    A result of the wrong shape fails; an empty one is inconclusive (nothing judged is never a
    pass); a non-finite reference is inconclusive (the reference is unreliable); a NaN or inf
    where the reference is finite fails ("non-finite result"); a non-finite allowance (an
    engine's estimate that is not finite) is inconclusive; a mismatch where the computation
    passed within rounding of a kink is inconclusive, unless
    ``located`` (a boolean mask of the components a kink may reach, or a function computing
    it; None: all of them) leaves a mismatching component off every kink: that one fails.
    """
    ref = np.asarray(ref, dtype=float)
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return Comparison("fail", note=f"the engine returned {type(value).__name__}, not numbers")
    if v.shape != ref.shape:
        inf = float("inf")
        worst = {"rel_error": inf, "ulps": inf, "abs_error": inf, "allowance": 0.0, "ratio": inf}
        return Comparison("fail", worst, note=f"shape {v.shape} where {ref.shape} was expected")
    total = np.asarray(allow.total, dtype=float)
    if not np.all(np.isfinite(ref)):
        return Comparison("inconclusive", note="the reference is not finite (overflow or NaN): "
                                               "it is unreliable here")
    if not np.all(np.isfinite(v)):
        return _non_finite(v, ref, total)
    if not np.all(np.isfinite(total)):
        return Comparison("inconclusive", note="the engine's own error estimate is not finite: "
                                               "it cannot say how accurate its result is here")
    with np.errstate(all="ignore"):
        obs = np.abs(v - ref)
        obs = np.where(np.isfinite(v), obs, np.inf)
        ratios = np.where(obs == 0, 0.0, obs / np.where(total > 0, total, np.nan))
        ratios = np.where(np.isnan(ratios), np.inf, ratios)
    if ratios.size == 0:  # nothing judged is never a pass
        return Comparison("inconclusive", note=NOTHING_TO_JUDGE)
    idx = np.unravel_index(int(np.argmax(ratios)), ratios.shape)
    worst = _worst(obs, ref, total, ratios, idx)
    if worst["ratio"] <= 1.0:
        return Comparison("pass", worst, idx, ratios=ratios)
    if allow.estimated and np.max(obs) <= ESTIMATE_GROSS * allow.scale:
        return Comparison("inconclusive", worst, idx, ratios=ratios,
                          note=f"the engine's error exceeds {FD_TRUST:g}x its own estimate but "
                               f"stays within {ESTIMATE_GROSS:.1e} of the magnitudes: its "
                               f"estimate is unreliable here")
    if kinks:
        return _on_kink(obs, ref, total, ratios, kinks, located) or Comparison(
            "inconclusive", worst, idx, ratios=ratios,
            note=f"the point is on a kink ({kinks[0]}): the derivative is not unique there")
    return Comparison("fail", worst, idx, ratios=ratios)


def _on_kink(obs, ref, total, ratios, kinks, located) -> Comparison | None:
    """The failure of a component no kink reaches (its derivative is unique), else None."""
    mask = located() if callable(located) else located
    if mask is None:
        return None
    off = np.where(mask, 0.0, ratios)
    if np.max(off, initial=0.0) <= 1.0:
        return None
    idx = np.unravel_index(int(np.argmax(off)), off.shape)
    return Comparison("fail", _worst(obs, ref, total, ratios, idx), idx, ratios=ratios,
                      note=f"the point is on a kink ({kinks[0]}) along other components "
                           f"only: the derivative at {tuple(map(int, idx))} is unique, and "
                           f"wrong")


NON_FINITE = "non-finite result"


def _non_finite(v, ref, total) -> Comparison:
    """A NaN or inf where the reference is finite: a wrong result, not an unreliable one."""
    bad = ~np.isfinite(v)
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if v.ndim else ()
    inf = float("inf")
    worst = {"rel_error": inf, "ulps": inf, "abs_error": inf,
             "allowance": float(total[idx]) if np.all(np.isfinite(total)) else inf,
             "ratio": inf}
    return Comparison("fail", worst, idx,
                      note=f"{NON_FINITE}: {int(bad.sum())} component(s) are NaN or inf "
                           f"(first at {idx}, value {v[idx]!r}) where the reference "
                           f"{float(ref[idx])!r} is finite")


def _worst(obs, ref, total, ratios, idx) -> dict:
    if not obs.size:
        return {"rel_error": 0.0, "ulps": 0.0, "abs_error": 0.0, "allowance": 0.0, "ratio": 0.0}
    scale = float(np.max(np.abs(ref)))
    abs_err = float(obs[idx])
    rel = float(np.max(obs) / scale) if scale > 0 else float(np.max(obs))
    return {"rel_error": rel, "ulps": _ulps(abs_err, float(ref[idx])), "abs_error": abs_err,
            "allowance": float(total[idx]), "ratio": float(ratios[idx])}


# ----------------------------------------------------------------------------- diagnosis

def _close(a, b, tol) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol))


def diagnose(value, ref, tol, *, in_shape=None, args=(), blocks=None,
             order=None) -> str | None:
    """Name the common mistake that explains a failure, or None.

    Args:
        value, ref: the engine's and the reference's arrays.
        tol: the allowance (componentwise or scalar).
        in_shape: shape of the differentiated argument (for layout and cross-term checks).
        args: the input arguments (batch sizes are read from their leading dimensions).
        blocks: ``[(label, start, stop)]`` flat slices naming network layers.
        order: the derivative's order; the cross-term diagnosis (mixed partials) is a second
            order one (a first-order Jacobian of the same square shape is not a Hessian).
    """
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    r = np.asarray(ref, dtype=float)
    if np.all(np.isfinite(r)) and not np.all(np.isfinite(v)):
        return (f"{NON_FINITE}: the engine returned NaN or inf where the derivative is finite "
                f"(a 0·inf inside a rule, or a branch not taken that still propagates)")
    tol = np.broadcast_to(np.asarray(tol, dtype=float), r.shape)
    loose = 2 * tol + 1e3 * np.spacing(np.abs(r) + np.abs(v) if v.shape == r.shape else 1.0)
    for check in (_layout, _scale, _signs, _cross_terms, _zero_block, _float32, _layer):
        msg = check(v, r, loose, in_shape=in_shape, args=args, blocks=blocks, order=order)
        if msg:
            return msg
    return None


def _layout(v, r, tol, in_shape=None, **_):
    if in_shape is None or v.size != r.size or max(v.ndim, r.ndim) < 2:
        return None
    if v.shape == r.shape and _close(v, r, tol):
        return None
    k = len(in_shape)
    # Either side may be the transposed one: the engine's value or a user's expected array.
    for a, b, t in ((v, r, tol), (r, v, None)):
        if b.ndim < k or tuple(b.shape[b.ndim - k:]) != tuple(in_shape):
            continue
        n_in = int(np.prod(in_shape))
        n_out = b.size // max(n_in, 1)
        t = np.max(tol, initial=0.0) if t is None else t.reshape(n_out, n_in).T
        if _close(a.reshape(n_in, n_out), b.reshape(n_out, n_in).T, t):
            return ("transpose: matches the reference after a transpose (denominator layout); "
                    "numerator layout is out.shape + x.shape")
    return None


def _scale(v, r, tol, args=(), **_):
    if v.shape != r.shape or not np.any(r):
        return None
    for factor, text in ((2.0, "off by a factor 2 (x2)"), (0.5, "off by a factor 1/2 (x0.5): a "
                         "missing factor 2, e.g. Qx where the gradient of x^T Q x is 2Qx")):
        if _close(v, factor * r, tol * max(factor, 1)):
            return text
    if _close(v, -r, tol):
        return "sign flipped: the result is the negative of the reference"
    c = float(np.vdot(v, r) / np.vdot(r, r))
    if c and abs(c - 1) > 1e-6 and _close(v, c * r, tol * max(1.0, abs(c))):
        for b in sorted({np.shape(a)[0] for a in args if np.ndim(a) >= 1 and np.shape(a)[0] > 1}):
            if abs(c - b) < 1e-9 * b or abs(c * b - 1) < 1e-9:
                how = "multiplied" if c > 1 else "divided"
                return f"scaled by the batch size: {how} by {b} (sum versus mean)"
        return f"off by a constant factor {c:.6g}"
    return None


def _signs(v, r, tol, **_):
    if v.shape != r.shape:
        return None
    bad = np.abs(v - r) > tol
    flipped = bad & (np.abs(v + r) <= tol)
    if bad.any() and np.array_equal(bad, flipped) and bad.sum() < bad.size:
        where = [tuple(int(i) for i in ix) for ix in np.argwhere(flipped)[:5]]
        return f"sign flipped in {int(bad.sum())} component(s), at {where}"
    return None


def _zero_block(v, r, tol, **_):
    if v.shape != r.shape:
        return None
    bad = np.abs(v - r) > tol
    zeros = bad & (v == 0)
    if bad.any() and np.array_equal(bad, zeros):
        ix = np.argwhere(zeros)
        lo, hi = ix.min(axis=0), ix.max(axis=0) + 1
        box = ", ".join(f"{a}:{b}" for a, b in zip(lo, hi))
        return (f"zero block: {int(zeros.sum())} component(s) are 0 where the reference is not, "
                f"within [{box}]")
    return None


def _cross_terms(v, r, tol, in_shape=None, order=None, **_):
    if order == 1 or in_shape is None or v.shape != r.shape or r.shape != tuple(in_shape) * 2:
        return None
    n = int(np.prod(in_shape))
    bad = (np.abs(v - r) > tol).reshape(n, n)
    if bad.any() and not np.diag(bad).any():
        return ("diagonal correct, off-diagonal (cross) terms wrong: mixed partial derivatives "
                "d2f/dxi dxj are dropped or wrong")
    return None


def _float32(v, r, tol, **_):
    if v.shape != r.shape or not np.any(r):
        return None
    rel = float(np.max(np.abs(v - r)) / np.max(np.abs(r)))
    if FLOAT32_EPS / 64 <= rel <= 4 * FLOAT32_EPS:
        return (f"error of single-precision size (relative {rel:.1e}, float32 eps "
                f"{FLOAT32_EPS:.1e}): a float32 step leaks into the computation")
    return None


def _layer(v, r, tol, blocks=None, **_):
    if not blocks or v.shape != r.shape:
        return None
    bad = (np.abs(v - r) > tol).reshape(-1)
    for label, start, stop in blocks:
        if bad[start:stop].any():
            return f"first wrong layer: {label} (components {start}:{stop} of the flat result)"
    return None

