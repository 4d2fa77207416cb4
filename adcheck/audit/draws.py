"""Where an audit looks: points spread over an operation's whole domain, then near the worst.

The libm accuracy tables (Gladman, Innocente, Mather and Zimmermann, "Accuracy of Mathematical
Functions in Single, Double, Double Extended, and Quadruple Precision", 2024) search each
function's domain for its worst inputs: random draws over magnitudes and signs, special points,
then a local search around the worst found. The audit draws derivatives' inputs the same way:

- ``spread``: random points, a third log-uniform over every binade the dtype has (subnormals to
  the overflow edge), a third log-uniform over [2^-20, 2^20], a third uniform in [-8, 8]; each
  mapped into the domain (``DOMAINS``) and rounded to the dtype;
- ``special``: 0, ±1, ±1/2, ±2, the smallest subnormal and normal numbers, the largest finite
  number, each domain edge and the points one and a few ulps inside it, and points beside the
  poles of the domain (the non-positive integers for ``notpole``);
- ``edges``: between neighbouring points where the library's result turns from finite to
  infinite or NaN, a bisection to the last representable point before the turn (the overflow
  edge of exp, cosh, ...);
- ``neighbours``: around a point, the points 1, 2, 3, 4, 8, ..., 2^16 ulps away and relative
  steps of 2^-10, 2^-20, 2^-30 (the local search).
Array operations draw a batch of small arrays of each kind in ``ARRAYS`` at scales from 2^-8 to
2^8, and their neighbours by relative perturbations.
"""

from __future__ import annotations

import numpy as np

INFO = {np.dtype("float64"): np.finfo(np.float64), np.dtype("float32"): np.finfo(np.float32)}


def _info(dtype):
    return INFO[np.dtype(dtype)]


# domain -> (lower, upper, lower open?, upper open?, poles)
DOMAINS = {
    "real": (-np.inf, np.inf),
    "pos": (0.0, np.inf),
    "nonzero": (-np.inf, np.inf),
    "unit": (-1.0, 1.0),
    "prob": (0.0, 1.0),
    "gt1": (1.0, np.inf),
    "gtm1": (-1.0, np.inf),
    "notpole": (-256.0, np.inf),
}
"""Open intervals (every domain excludes its finite edges: derivatives are infinite or
undefined there); ``nonzero`` also excludes 0 and ``notpole`` the non-positive integers.
``notpole`` (the gamma family) stops at −256: mpmath's polygamma of order ≥ 1 at a negative
argument costs time linear in its magnitude (1.5 ms at −256, 0.3 s at −65,000, minutes near
−10^7), too much for thousands of points."""


def inside(domain: str, x: np.ndarray) -> np.ndarray:
    """Which points of ``x`` lie in ``domain`` (finite, within the open interval, not a pole)."""
    lo, hi = DOMAINS[domain]
    ok = np.isfinite(x) & (x > lo) & (x < hi)
    if domain == "nonzero":
        ok &= x != 0
    if domain == "notpole":
        ok &= ~((x <= 0) & (x == np.round(x)))
    return ok


def _log_uniform(rng, n, lo_exp, hi_exp):
    return np.exp2(rng.uniform(lo_exp, hi_exp, n))


def spread(rng, domain: str, n: int, dtype) -> np.ndarray:
    """``n`` random points of ``domain`` at every scale, rounded to ``dtype``."""
    info = _info(dtype)
    lo_e, hi_e = float(np.log2(info.smallest_subnormal)), float(np.log2(info.max))
    k = n // 3
    mags = np.concatenate([_log_uniform(rng, k, lo_e, hi_e), _log_uniform(rng, k, -20, 20),
                           np.abs(rng.uniform(-8, 8, n - 2 * k))])
    signs = rng.choice([-1.0, 1.0], n)
    lo, hi = DOMAINS[domain]
    if np.isfinite(lo) and np.isfinite(hi):  # a bounded interval: edges approached by binade
        width = hi - lo
        near = np.minimum(mags / (1 + mags), 1.0) * width  # (0, width)
        x = np.where(signs > 0, lo + near, hi - near)
        x = np.where(rng.random(n) < 0.25, rng.uniform(lo, hi, n), x)
    elif np.isfinite(lo) and domain != "notpole":  # (lo, inf): offsets above lo, positives
        x = np.where(rng.random(n) < 0.5, lo + mags, mags)
    else:
        x = signs * mags
        if domain == "notpole":  # beside the poles too
            poles = -np.floor(np.abs(rng.uniform(0, 30, n)))
            beside = poles + signs * np.exp2(rng.uniform(-50, -1, n))
            x = np.where(rng.random(n) < 0.2, beside, x)
    return _cast(x, dtype, domain)


def _cast(x, dtype, domain) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = np.asarray(x, dtype=np.float64).astype(dtype)
    return x[inside(domain, x.astype(np.float64))]


def special(domain: str, dtype) -> np.ndarray:
    """Special points of ``domain`` in ``dtype``."""
    info = _info(dtype)
    d = np.dtype(dtype).type
    base = [0.0, 1.0, 0.5, 2.0, float(info.smallest_subnormal), float(info.tiny),
            float(info.max), 3.0, 10.0, 100.0, 1e4]
    pts = base + [-b for b in base]
    lo, hi = DOMAINS[domain]
    for edge, toward in ((lo, np.inf), (hi, -np.inf)):
        if np.isfinite(edge):
            e = d(edge)
            for _ in range(4):
                e = np.nextafter(e, d(toward))
                pts.append(float(e))
            pts += [edge + (1 if toward > 0 else -1) * 2.0 ** -k for k in (4, 12, 26, 40)]
    if domain == "notpole":
        for p in (0, 1, 2, 3, 10):
            e = d(-p)
            for step in (1, 2):
                for s in (np.inf, -np.inf):
                    q = e
                    for _ in range(step):
                        q = np.nextafter(q, d(s))
                    pts.append(float(q))
            pts += [-p + 0.5, -p - 0.5, -p + 1e-8, -p - 1e-8]
    return np.unique(_cast(np.array(pts), dtype, domain))


def neighbours(x: float, domain: str, dtype) -> np.ndarray:
    """Points near ``x``: 1, 2, 3, 4, 8, ... 65536 ulps either side, and relative steps."""
    d = np.dtype(dtype)
    ints = {np.dtype("float64"): np.int64, np.dtype("float32"): np.int32}[d]
    xi = np.array([x], dtype=d).view(ints)[0]
    steps = np.array([1, 2, 3, 4, 8, 16, 64, 256, 4096, 65536], dtype=np.int64)
    moved = np.concatenate([xi + steps, xi - steps]).astype(ints)
    pts = list(moved.view(d).astype(np.float64))
    pts += [x * (1 + s * 2.0 ** -k) for k in (10, 20, 30) for s in (1, -1)]
    out = _cast(np.array(pts), d, domain)
    return out[np.isfinite(out)]


def bisect_edge(good: float, bad: float, is_bad, dtype, steps: int = 70) -> tuple:
    """The adjacent pair (last good, first bad) between ``good`` and ``bad`` (same sign), by
    bisection on the dtype's ordered integer encoding; ``is_bad(x)`` decides a point."""
    d = np.dtype(dtype)
    ints = {np.dtype("float64"): np.int64, np.dtype("float32"): np.int32}[d]
    gi, bi = (int(np.array([v], dtype=d).view(ints)[0]) for v in (good, bad))
    for _ in range(steps):
        if abs(bi - gi) <= 1:
            break
        mi = (gi + bi) // 2
        m = float(np.array([mi], dtype=ints).view(d)[0])
        if is_bad(m):
            bi = mi
        else:
            gi = mi
    as_float = [float(np.array([v], dtype=ints).view(d)[0]) for v in (gi, bi)]
    return as_float[0], as_float[1]


# ------------------------------------------------------------------------- array operations

def _sym(rng, shape):
    b = rng.standard_normal(shape)
    return (b + np.swapaxes(b, -1, -2)) / 2


ARRAYS = {
    "gauss": lambda rng, shape: rng.standard_normal(shape),
    "square": lambda rng, shape: rng.standard_normal(shape) + 2 * np.eye(shape[-1]),
    "tall": lambda rng, shape: rng.standard_normal(shape) + 2 * np.eye(*shape[-2:]),
    "spd": lambda rng, shape: (lambda b: b @ np.swapaxes(b, -1, -2) + 0.5 * np.eye(shape[-1]))(
        rng.standard_normal(shape)),
    "sym": _sym,
    "small": lambda rng, shape: 0.5 * rng.standard_normal(shape),
}
"""How each kind of array argument is drawn (before its scale)."""

SCALE_FREE = {"square", "tall", "spd", "small"}
"""Kinds whose draws keep their structure only at scale 1 (a scaled identity shift would
change what is drawn): they are drawn at scale 1, with relative perturbations only."""


def array_batch(rng, kinds, shapes, n: int, dtype) -> list:
    """``n`` draws of each argument (a leading batch axis of length ``n``)."""
    out = []
    scale = np.exp2(rng.uniform(-8, 8, n))
    for kind, shape in zip(kinds, shapes):
        a = ARRAYS[kind](rng, (n,) + tuple(shape))
        if kind not in SCALE_FREE:
            a = a * scale.reshape((n,) + (1,) * len(shape))
        out.append(a.astype(dtype))
    return out


def array_neighbours(rng, args, k: int, dtype, count: int = 16) -> list:
    """``count`` relative perturbations (2^-10 to 2^-40) of draw ``k`` of each argument."""
    out = []
    rel = np.exp2(-rng.uniform(10, 40, count))
    for a in args:
        base = np.repeat(a[k:k + 1].astype(np.float64), count, axis=0)
        noise = rng.standard_normal(base.shape) * rel.reshape((count,) + (1,) * (a.ndim - 1))
        out.append((base * (1 + noise)).astype(dtype))
    return out
