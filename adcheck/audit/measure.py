"""Errors in ulps, and the statistics of one audit row.

The error of a computed value c against the exact value e (held to 50 digits, never rounded
first) is |c − e| / ulp(e) in the result's dtype, where ulp(e) is the spacing of the dtype's
numbers at e: 2^(⌊log2|e|⌋ − p + 1), and the smallest subnormal spacing below the smallest
normal number (so a correctly rounded result errs by at most 0.5). A non-finite result counts 0
when it is what the exact value rounds to (an overflow to ±inf), and infinitely many ulps
otherwise.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

PRECISION = {"float64": (53, -1022, float(np.finfo(np.float64).max)),
             "float32": (24, -126, float(np.finfo(np.float32).max))}


def _rounded(e, dtype: str) -> float:
    """e rounded to ``dtype`` (±inf past the largest finite number)."""
    f = float(e)
    if dtype == "float32":
        with np.errstate(over="ignore"):
            f = float(np.float32(f))
    return f


def ulp(e, dtype: str):
    """The dtype's spacing at the exact value ``e`` (an mpf)."""
    p, emin, _ = PRECISION[dtype]
    if e == 0:
        return mpmath.ldexp(1, emin - p + 1)
    _, E = mpmath.frexp(e)  # |e| in [2^(E-1), 2^E)
    return mpmath.ldexp(1, max(int(E) - 1, emin) - p + 1)


def ulps(computed, exact, dtype: str) -> np.ndarray:
    """Per component, the error of ``computed`` (floats) in ulps of ``exact`` (mpf)."""
    out = np.empty(len(computed))
    with mpmath.workdps(60):
        for i, (c, e) in enumerate(zip(computed, exact)):
            c = float(c)
            if not mpmath.isfinite(e):
                out[i] = 0.0 if (math.isnan(c) and mpmath.isnan(e)) or c == e else math.inf
                continue
            r = _rounded(e, dtype)
            if not math.isfinite(c) or not math.isfinite(r):
                out[i] = 0.0 if c == r else math.inf
                continue
            out[i] = float(abs(mpmath.mpf(c) - e) / ulp(e, dtype))
    return out


def per_point(values: np.ndarray, shapes: list, n: int, reduce=np.max) -> np.ndarray:
    """Reduce a flat per-component array to one value per input point (leading axis ``n``)."""
    cols, at = [], 0
    for shp in shapes:
        size = int(np.prod(shp, dtype=np.int64))
        cols.append(reduce(values[at:at + size].reshape(n, -1), axis=1) if size else
                    np.zeros(n))
        at += size
    return reduce(np.stack(cols), axis=0)


def components(shapes: list, n: int, points) -> np.ndarray:
    """Flat indices, in a batch of ``n`` points laid out as ``shapes``, of the components of
    ``points``, in the order of the flat vector of those points alone."""
    points = np.asarray(points)
    out, at = [], 0
    for shp in shapes:
        per = int(np.prod(shp, dtype=np.int64)) // n if n else 0
        out.append((at + points[:, None] * per + np.arange(per)).reshape(-1))
        at += per * n
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def summary(err: np.ndarray) -> dict:
    """Median and the shares within 1, 4 and 16 ulps of per-point errors."""
    if len(err) == 0:
        return {"median": None, "within_1": None, "within_4": None, "within_16": None}
    return {"median": float(np.median(err)),
            **{f"within_{k}": float(np.mean(err <= k)) for k in (1, 4, 16)}}
