"""The exact side of an audit: each quantity at 50 digits, its certified digits, its condition.

The quantities are adcheck's transforms run on exact numbers (``frameworks.exact_ad``): every
primitive evaluated by mpmath at the working precision, at the exact binary value of each
floating-point input. Each quantity is computed twice, at ``HIGH`` and ``LOW`` digits; the
digits on which the two agree are the digits the audit claims for the oracle (a cancellation
inside a derivative rule shows as fewer), and a point certified to fewer than ``MIN_DIGITS`` is
counted as uncertain and left out of the statistics.

The condition number of a quantity q at x, κ = Σ_j |∂q/∂x_j| |x_j| / |q|, says how many ulps
of error the rounding of the input alone explains: a library that computes q at the nearest
floating-point neighbour of x errs by about κ ulps through no fault of its derivative. For an
elementwise operation κ is exact (one forward pass per argument along |x|); for an array
operation it takes one forward pass per input component of a draw, the directions ``w``, ``u``,
``v`` counted as inputs too (they enter the library's computation like x, and a dot product
of them can cancel).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from adcheck.engines.core import primal
from adcheck.engines.exact import GUARD
from adcheck.engines.namespace import ad
from adcheck.frameworks.exact_ad import ExactTrace

from .quantities import along_function, direction_inputs, own_function, own_function_of_directions

HIGH, LOW = 50, 36
KAPPA_DIGITS = 20
"""A condition number needs a digit or two; 20 keep it clear of cancellation."""
MIN_DIGITS = 24
"""Below this many certified digits a point's error could be the oracle's (a float64 ulp is
about 16 digits, so 24 leave eight digits of margin)."""


INVISIBLE = mpmath.mpf(2) ** -1100
"""Values this small are zero to every dtype (the smallest float64 spacing is 2^-1074): two
evaluations below it agree for the audit's purpose, whatever their digits (an exact zero
computed as rounding noise, 10^-411 at 400 digits)."""

ESCALATE = ((120, 100), (400, 360))
"""Precisions (high, low) tried in turn at points whose digits did not certify: a derivative
rule that cancels (softmax's y(w − Σ w y) where y is 1 − 10^-200) needs that many."""


def _values(Q, args, dps):
    with mpmath.workdps(dps + GUARD):
        tr = ExactTrace()
        return np.asarray(primal(Q(ad, *[tr.box(a) for a in args])), dtype=object).reshape(-1)


def _kappa(Q, args, q, elementwise: bool, sizes: list, on=None):
    """Per component, Σ_j |∂q/∂x_j| |x_j| / |q|, from one forward pass per argument for an
    elementwise operation (its Jacobian is diagonal) or per input component of a draw for an
    array operation (the draws of a batch go together).

    The passes run in float64 (a condition number needs a digit or two); the points where
    that gives no finite, non-zero answer (an overflow, an underflow: the audit's points span
    the whole float range) are redone on exact numbers at 20 digits; where even that fails
    (a singularity) κ is NaN, which blames the error (κ taken as 1). ``sizes``: the per-point
    sizes of the quantity's pieces (``_sizes``); ``on(points)``: Q for a subset of the points
    (its directions sliced too), when they are not among ``args``."""
    on = on or (lambda pts: Q)
    with np.errstate(all="ignore"):
        total = _abs_jvps(Q, args, args, elementwise)
    qf = np.array([float(v) for v in q])
    with np.errstate(all="ignore"):
        kap = total / np.abs(qf)
    redo = np.nonzero(~(np.isfinite(kap) & (total > 0) & np.isfinite(qf) & (qf != 0)))[0]
    if not (len(redo) and len(q)):
        return kap
    n = len(args[0])
    where = [_locate(int(c), sizes, n) for c in redo]
    pts = np.unique([p for p, _, _ in where])
    groups = [pts]
    try:
        totals = [_exact_total(on(pts), args, pts, elementwise)]
    except Exception:  # noqa: BLE001  a singular point among them: one point at a time
        groups, totals = [], []
        for p in pts:
            try:
                totals.append(_exact_total(on(np.array([p])), args, np.array([p]),
                                           elementwise))
                groups.append(np.array([p]))
            except Exception:  # noqa: BLE001  κ unknown at this point: NaN
                pass
    kap[redo] = np.nan
    for grp, exact_total in zip(groups, totals):
        rank = {int(p): k for k, p in enumerate(grp)}
        m = len(grp)
        for c, (p, j, within) in zip(redo, where):
            if p in rank:
                at = sum(s * m for s in sizes[:j])
                kap[c] = _ratio(exact_total[at + rank[p] * sizes[j] + within], abs(q[c]))
    return kap


def _exact_total(Q, args, pts, elementwise):
    sub = [a[pts] for a in args]
    with mpmath.workdps(KAPPA_DIGITS):
        tr = ExactTrace()
        return _abs_jvps(Q, sub, [tr.box(a) for a in sub], elementwise, exact=True)


def _locate(c: int, sizes: list, n: int) -> tuple:
    """(point, piece, index within the piece's per-point block) of flat component ``c``."""
    at = 0
    for j, s in enumerate(sizes):
        if c < at + s * n:
            return (c - at) // s, j, (c - at) % s
        at += s * n
    raise IndexError(c)


def _abs_jvps(Q, args, inputs, elementwise, exact=False):
    """Σ over forward passes of |∂q · (|x| on one argument or component)|, per component."""
    total = None
    for k, a in enumerate(args):
        per = 1 if elementwise else int(np.prod(a.shape[1:], dtype=np.int64))
        for c in range(per):
            t = [np.zeros_like(b) for b in args]
            if elementwise:
                t[k] = np.abs(a)
            else:
                flat = t[k].reshape(len(a), -1)
                flat[:, c] = np.abs(a.reshape(len(a), -1)[:, c])
            d = np.asarray(primal(along_function(Q, t)(ad, *inputs))).reshape(-1)
            d = np.array([abs(v) for v in d], dtype=object) if exact else \
                np.abs(np.asarray(d, dtype=np.float64))
            total = d if total is None else total + d
    return total


def _ratio(num, den) -> float:
    """num / den as a float (in mpmath: both may lie beyond the float range)."""
    if not (mpmath.isfinite(num) and mpmath.isfinite(den)):
        return math.inf
    if den == 0:
        return 0.0 if num == 0 else math.inf
    return float(num / den)


def digits(hi, lo) -> np.ndarray:
    """Digits on which two evaluations agree, per component (capped at ``LOW``: the digits a
    float comparison can use; the less precise of the two has at least that many right)."""
    out = np.empty(len(hi))
    for i, (a, b) in enumerate(zip(hi, lo)):
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            out[i] = LOW if a == b else 0.0
            continue
        diff, mag = abs(a - b), max(abs(a), abs(b))
        if diff == 0 or mag < INVISIBLE:
            out[i] = LOW
        else:
            out[i] = min(LOW, float(-mpmath.log10(diff / mag)))
    return out


def _dirs(w, u, v):
    return (np.asarray(w, dtype=np.float64), [np.asarray(d, dtype=np.float64) for d in u],
            [np.asarray(d, dtype=np.float64) for d in v])


def exact(F, args, spec, w, u, v, condition=True, certify=True,
          split=True, elementwise=True, known=None, digits_at=(HIGH, LOW)) -> dict:
    """The quantity ``spec`` of the namespace program ``F`` at float ``args``.

    Returns ``{"value": object array (HIGH digits), "digits": ..., "kappa": ...}``; without
    ``certify`` only the value (``certified`` adds the rest for the points that need it).
    """
    args64 = [np.asarray(a, dtype=np.float64) for a in args]
    dirs = _dirs(w, u, v)
    Q = own_function(F, spec, *dirs)
    try:
        high, low = digits_at
        hi = _values(Q, args64, high) if known is None else known
        out = {"value": hi}
        if certify:
            out["digits"] = digits(hi, _values(Q, args64, low))
    except Exception:  # noqa: BLE001  some point the oracle cannot evaluate: find which
        if not split:
            raise
        return _pointwise(F, args64, spec, dirs, condition, certify, elementwise)
    if certify and condition:
        sizes = _sizes(spec, args64, len(hi), len(args64[0]))
        if elementwise:  # directions of ones and zeros: exact, and read exactly
            w0, u0, v0 = dirs
            out["kappa"] = _kappa(Q, args64, hi, True, sizes, on=lambda pts: own_function(
                F, spec, w0[pts] if np.ndim(w0) else w0, [d[pts] for d in u0],
                [d[pts] for d in v0]))
        else:
            full = own_function_of_directions(F, spec, len(args64))
            out["kappa"] = _kappa(full, args64 + direction_inputs(spec, *dirs), hi, False,
                                  sizes)
    return out


def _pointwise(F, args, spec, dirs, condition, certify=True, elementwise=True) -> dict:
    """``exact`` on halves of the batch (its leading axis), down to single points where the
    oracle raises (a singularity: atan2 at the origin); such a point gets NaN and 0 certified
    digits, the others their values, at a cost of a few batches per failing point."""
    n = len(args[0])
    w, u, v = dirs
    parts: list = [None] * n

    def run(idx):
        try:
            got = exact(F, [a[idx] for a in args], spec, w[idx] if w.ndim else w,
                        [d[idx] for d in u], [d[idx] for d in v], condition, certify,
                        split=False, elementwise=elementwise)
        except Exception:  # noqa: BLE001  an undefined point in here: halve
            if len(idx) > 1:
                run(idx[:len(idx) // 2])
                run(idx[len(idx) // 2:])
            return
        per = _split_points(got, len(idx), spec, [a[idx] for a in args])
        for k, p in zip(idx, per):
            parts[k] = p
    run(np.arange(n))
    size = next((len(p["value"]) for p in parts if p is not None), None)
    if size is None:  # no point evaluates: the size of one point's result, from floats
        with np.errstate(all="ignore"):
            flat = own_function(F, spec, *[_first(d) for d in dirs])(
                ad, *[a[:1] for a in args])
        size = int(np.size(primal(flat)))
    nan = mpmath.mpf("nan")
    out = {"value": [], "digits": [], "kappa": []} if certify else {"value": []}
    for p in parts:
        out["value"].append(p["value"] if p else np.full(size, nan, dtype=object))
        if certify:
            out["digits"].append(p["digits"] if p else np.zeros(size))
            out["kappa"].append(p.get("kappa", np.zeros(size)) if p else np.zeros(size))
    # the flat layout is piece-major (per argument or output), point-minor within a piece
    sizes = [size] if spec.mode == "jvp" else [int(np.prod(a.shape[1:], dtype=np.int64))
                                               for a in args]
    return {k: _interleave(v, sizes) if k == "value" else
            _interleave(v, sizes).astype(np.float64) for k, v in out.items()}


def _first(d):
    """The first point's slice of a direction (or of each of a list of them)."""
    if isinstance(d, list):
        return [x[:1] for x in d]
    return d[:1] if np.ndim(d) else d


def _sizes(spec, args, total: int, n: int) -> list:
    """Per-point sizes of a quantity's pieces (the output for jvp, else each argument)."""
    if spec.mode == "jvp":
        return [total // n]
    return [int(np.prod(a.shape[1:], dtype=np.int64)) for a in args]


def _split_points(got: dict, n: int, spec, args) -> list:
    """A batch's flat results -> one dict per point (each its pieces concatenated)."""
    sizes = _sizes(spec, args, len(got["value"]), n)
    out = [{} for _ in range(n)]
    for key, flat in got.items():
        at, pieces = 0, []
        for s in sizes:
            pieces.append(np.asarray(flat[at:at + s * n]).reshape(n, s))
            at += s * n
        for k in range(n):
            out[k][key] = np.concatenate([p[k] for p in pieces])
    return out


def _interleave(parts, sizes):
    """Per-point flat vectors (each the concatenation of its pieces, of ``sizes``) -> the
    batch's flat vector (each piece with every point's components together)."""
    stacked = np.stack([np.asarray(p, dtype=object) for p in parts])  # (n, size)
    out, at = [], 0
    for s in sizes:
        out.append(stacked[:, at:at + s].reshape(-1))
        at += s
    return np.concatenate(out)


def value(F, args) -> np.ndarray:
    """``F`` itself at HIGH digits (for the check that a spelling denotes the same function)."""
    return _values(lambda xp, *xs: xp.reshape(F(xp, *xs), (-1,)),
                   [np.asarray(a, dtype=np.float64) for a in args], HIGH)
