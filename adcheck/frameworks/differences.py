"""The fallback reference: derivatives of the user's function from its own float64 values.

Used where the program could not be translated. Every derivative is a difference quotient
D(h) along one or two directions, evaluated on a fixed ladder of steps h_k = H0 s / 4^k down
to ~1e-7 s (s the inputs' own scale) and extrapolated twice (Richardson: h² and h⁴ cancel).
The ladder is the same for every component, whatever the conditioning: a function varying on
a scale far below s (a solve with cond(A) = 1e8 varies on ~1e-8 of |A|) is followed down to
it, and each component takes the entry of the smallest estimate. An entry's estimate is the
larger of its distances to its two neighbours on the ladder (one lucky agreement does not make
an estimate), never below the rounding noise of the values it divides (W ε max|f| / h^k).

Second derivatives are those of the forward function itself (mixed differences of f), so a
second-order check verifies the same derivative whichever route it takes: the user's backward
is judged, never trusted as the thing to differentiate.
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(float).eps)
H0 = 0.25
"""The first step, in units of the scale of the inputs moved."""
LEVELS = 18
"""Steps on the ladder: H0 s 4^-k for k < LEVELS reaches 1.5e-11 s, below the scale of a solve at
cond(A) = 1e8 (where its derivatives are large enough for the rounding ε|f|/h² not to matter)."""
RATIO = 4.0
STOP = 100.0
NOISE_W = 8.0
"""Summed absolute weights (times h^k) of the stencils, as the error model's floor charges."""
BUDGET = 6000
"""The most evaluations of the user's function a full fallback derivative may cost; above it
the fallback probes random directions (2 per check, each LEVELS quotients)."""


def ladder(scale: float) -> np.ndarray:
    """The steps, largest first."""
    return H0 * scale * RATIO ** -np.arange(LEVELS, dtype=float)


def extrapolate(values: np.ndarray, hs: np.ndarray, order: int, fmax: np.ndarray):
    """(best value, its estimate) per component from ``values[k]`` = D(hs[k]).

    ``fmax[k]``: the largest |f| the quotient at hs[k] divided; ``order``: the power of h it
    divided by (its rounding noise is NOISE_W ε fmax / h^order)."""
    steps = hs.reshape((-1,) + (1,) * (values.ndim - 1))
    cols, noises = [values], [NOISE_W * EPS * fmax / steps ** order]
    for j in (1, 2):
        f = RATIO ** (2 * j)
        prev, pn = cols[-1], noises[-1]
        cols.append((f * prev[1:] - prev[:-1]) / (f - 1))
        noises.append((f * pn[1:] + pn[:-1]) / (f - 1))
    best = np.full(values.shape[1:], np.nan)
    est = np.full(values.shape[1:], np.inf)
    for c, nz in zip(cols, noises):
        if len(c) < 3:
            continue
        d = np.abs(np.diff(c, axis=0))
        window = np.maximum(d[:-1], d[1:])  # entries 1..len-2 against both neighbours
        e = np.maximum(window, nz[1:-1])
        e = np.where(np.isfinite(e), e, np.inf)
        b, eb = _finest_minimum(c[1:-1], e)
        better = _preferred(b, eb, best, est)
        best, est = np.where(better, b, best), np.where(better, eb, est)
    return best, est


RESOLVED = 0.5
"""An entry whose estimate is at most this share of its own magnitude has resolved its value."""


def _preferred(c, e, best, est):
    """Where (c, e) beats (best, est): an entry that resolves its value beats one that does
    not, whatever their estimates; between two of a kind, the smaller estimate. Above the
    scale a function varies on (a solve at cond 1e8), the quotients grow as a power of 1/h,
    each entry's estimate some times its value and shrinking with it: the least estimate of
    all was a coarse step's, off by the whole value (0.71 +- 10.6 taken for -7.12e13)."""
    res, res_best = e <= RESOLVED * np.abs(c), est <= RESOLVED * np.abs(best)
    return (res & ~res_best) | ((res == res_best) & (e < est))


def _finest_minimum(c, e):
    """Per component, the preferred entry (``_preferred``) met scanning from the finest step
    up, stopping where the estimate has grown STOP-fold past the best: truncation error only
    grows from there, and coarser steps (beyond the scale f varies on) can look deceptively
    calm where f's differences are still small."""
    best = c[-1].copy()
    est = e[-1].copy()
    live = np.ones(est.shape, dtype=bool)
    for k in range(len(c) - 2, -1, -1):
        live &= e[k] <= STOP * est
        take = live & _preferred(c[k], e[k], best, est)
        best, est = np.where(take, c[k], best), np.where(take, e[k], est)
    return best, est


class Flat:
    """The user's float64 function on one flat vector z of every input concatenated.

    ``fn(parts)`` gives the flat output at one point; ``fn.many(Z)``, where the framework can
    batch it (jax's vmap), the outputs at every row of Z in one call."""

    def __init__(self, fn, xs):
        self.fn, self.shapes = fn, [np.shape(x) for x in xs]
        self.z = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in xs])
        self.cuts = np.cumsum([int(np.prod(s, dtype=np.int64)) for s in self.shapes])[:-1]
        top = float(np.max(np.abs(self.z), initial=0.0))
        self.scale = top if top > 0 else 1.0
        self.evals = 0
        self.batch = getattr(fn, "many", None)
        if self.batch is not None:
            fn.shapes(self.shapes)
        self.m = np.asarray(fn(self._parts(self.z)) if self.batch is None else
                            self.batch(self.z[None]), dtype=float).size  # f(x) must run

    def _parts(self, z) -> list:
        return [p.reshape(s) for p, s in zip(np.split(z, self.cuts), self.shapes)]

    def many(self, Z) -> np.ndarray:
        """f at every row of Z, (rows, m); NaN where f fails off x (a step out of its domain:
        a Cholesky of a matrix no longer positive definite), so that step is not used."""
        self.evals += len(Z)
        if self.batch is not None:
            try:
                out = np.asarray(self.batch(Z), dtype=float).reshape(len(Z), self.m)
                return out
            except Exception:  # noqa: BLE001  not batchable (control flow on values): loop
                self.batch = None
        out = np.full((len(Z), self.m), np.nan)
        for k, z in enumerate(Z):
            try:
                out[k] = np.asarray(self.fn(self._parts(z)), dtype=float).ravel()
            except Exception:  # noqa: BLE001  outside f's domain: this step is unusable
                pass
        return out

    def blocks(self, rows) -> list:
        """Rows over the flat inputs, split per input: [(n_rows,) + shape_i]."""
        rows = np.asarray(rows)
        return [b.reshape((len(rows),) + s) for b, s in
                zip(np.split(rows, self.cuts, axis=1), self.shapes)]


FIRST = ((1.0, 0.0), (-1.0, 0.0))
MIXED = ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0))


def _quotients(F: Flat, pairs, weight, stencil):
    """For each direction pair (a, b): D(h) at every step, and the |f| it divided.

    One batch of evaluations for every pair and step: z + h (sa a + sb b) per stencil sign."""
    hs = [ladder(F.scale) / max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
          for a, b in pairs]
    Z = np.array([F.z + h * (sa * a + sb * b) for (a, b), hk in zip(pairs, hs) for h in hk
                  for sa, sb in stencil])
    vals = F.many(Z).reshape(len(pairs), LEVELS, len(stencil), F.m)
    big = np.max(np.abs(vals), axis=2)
    if weight is not None:
        vals, big = vals @ weight, big @ np.abs(weight)
        vals, big = vals[..., None], big[..., None]
    if len(stencil) == 2:
        q = (vals[:, :, 0] - vals[:, :, 1]) / (2 * np.array(hs)[:, :, None])
    else:
        q = (vals[:, :, 0] - vals[:, :, 1] - vals[:, :, 2] + vals[:, :, 3]) / (
            4 * np.array(hs)[:, :, None] ** 2)
    return q, big, hs


def first(F: Flat, v, weight=None):
    """D f[v] (or D (weight·f)[v]) extrapolated: (value, estimate), vectors over outputs."""
    return _many(F, [(v, np.zeros_like(v))], weight, FIRST, 1)[0]


def second(F: Flat, a, b, weight=None):
    """D² f[a, b] (or of weight·f) by the mixed central difference, extrapolated."""
    return _many(F, [(a, b)], weight, MIXED, 2)[0]


def _many(F: Flat, pairs, weight, stencil, order):
    q, big, hs = _quotients(F, pairs, weight, stencil)
    return [extrapolate(q[k], hs[k], order, big[k]) for k in range(len(pairs))]


def cost(n: int, m: int, order: int, mode: str = "rev") -> int:
    """Evaluations a full fallback derivative takes (n inputs, m outputs)."""
    if order == 1:
        return 2 * LEVELS * n
    pairs = n * (n + 1) // 2 if mode == "rev" else n
    return 4 * LEVELS * pairs


def jacobian(F: Flat):
    """Rows of J (numerator layout) per input, with their estimates."""
    eye = np.eye(F.z.size)
    cols = _many(F, [(e, 0 * e) for e in eye], None, FIRST, 1)
    return (F.blocks(np.stack([c[0] for c in cols], axis=1)),
            F.blocks(np.stack([c[1] for c in cols], axis=1)))


def hessian(F: Flat, weight):
    """The Hessian of weight·f (the Jacobian of Jᵀweight), per input block, with estimates."""
    n = F.z.size
    eye = np.eye(n)
    at = [(k, j) for k in range(n) for j in range(k, n)]
    got = _many(F, [(eye[k], eye[j]) for k, j in at], weight, MIXED, 2)
    H, E = np.zeros((n, n)), np.zeros((n, n))
    for (k, j), (val, est) in zip(at, got):
        H[k, j] = H[j, k] = val[0]
        E[k, j] = E[j, k] = est[0]
    return F.blocks(H), F.blocks(E)


def along(F: Flat, t):
    """The Jacobian of J t (rows over outputs): D² f[t, e_j] for every input component j."""
    cols = _many(F, [(t, e) for e in np.eye(F.z.size)], None, MIXED, 2)
    return (F.blocks(np.stack([c[0] for c in cols], axis=1)),
            F.blocks(np.stack([c[1] for c in cols], axis=1)))


__all__ = ["BUDGET", "Flat", "along", "cost", "extrapolate", "first", "hessian", "jacobian",
           "ladder", "second"]
