"""Many lines through one point at once: the coordinate directions of a Jacobian.

The schemes in ``central``, ``stencils`` and ``richardson`` are written for one ``Line``; a
Jacobian asks them once per input, and their per-line Python bookkeeping (a tableau of small
arrays, a step search of scalar tests) cost several times f itself. ``Lines`` holds a ``Line``'s
quantities (scale, room, vmax) as arrays over the lines, evaluates f at one point per line and
step (a loop over points, as every finite difference must), and the batched forms of the
schemes (``quotients``, ``start_steps``, ``tableaus``, ``Central.first_many``) run the same
arithmetic elementwise across lines, so each line gets bit for bit what its one-line scheme
gives, from the same evaluations.

A line that leaves the common path — a point where f is not finite or takes another branch
than at x, a point on a domain edge, a numerical kink test — is handed to the one-line scheme
(``fallback``) as a ``Line`` that already holds the points evaluated: it replays the same steps
from its cache and goes on where the batched form stopped, with no evaluation repeated.
"""

from __future__ import annotations

import numpy as np

from ._common import EPS, Call, Line, noise, unit


class Many:
    """One derivative per line of a ``Lines``: values and errors stacked on a leading axis,
    and the ``Est`` of every line the one-line scheme handled (their statuses and notes; the
    batched lines are all "ok" with no note)."""

    def __init__(self, lines: Lines):
        self.lines = lines
        self.value = self.error = None
        self.done = np.zeros(lines.m, dtype=bool)
        self.ests: list = []

    def put(self, rows, value, error) -> None:
        """The batched results of the lines ``rows``."""
        if self.value is None:
            self.value = np.zeros((self.lines.m,) + np.shape(value)[1:])
            self.error = np.zeros_like(self.value)
        self.value[rows], self.error[rows] = value, error
        self.done[rows] = True

    def put_est(self, i: int, est) -> None:
        """The one-line scheme's result for line i."""
        self.put([i], np.asarray(est.value, dtype=float)[None], np.asarray(est.error)[None])
        self.ests.append(est)

    def finish(self, scheme) -> Many:
        """Every line not yet done through the one-line ``scheme``, on its evaluated points."""
        for i in np.flatnonzero(~self.done).tolist():
            self.put_est(i, scheme(self.lines.line(i)))
        return self


class Lines:
    """The coordinate lines ``g_i(t) = f(x + t e_i)`` of one Call, i = 0 .. x.size − 1."""

    def __init__(self, call: Call):
        self.call, x = call, call.x
        self.m = x.size
        self._flat = x.reshape(-1)
        self._plus, self._xs = self._flat + 0.0, self._flat.tolist()
        self._seen: list[dict] = [{} for _ in range(self.m)]
        self._crossed: list[dict] = [{} for _ in range(self.m)]
        self._out = None
        if call.domain.lower is None and call.domain.upper is None and call._finite_x:
            self.vmax = np.ones(self.m)
            self.down = self.up = np.full(self.m, np.inf)
            # Line.scale: |x_i|, at least floor·size; no edge to stop at
            self.scale = np.maximum(np.abs(self._flat), call.floor * call.size)
        else:  # a declared domain: each line's own arithmetic (rare; n small Line objects)
            lines = [call.line(unit(x.shape, i)) for i in range(self.m)]
            self.vmax = np.array([ln.vmax for ln in lines], dtype=float)
            self.down = np.array([ln.room[0] for ln in lines], dtype=float)
            self.up = np.array([ln.room[1] for ln in lines], dtype=float)
            self.scale = np.array([ln.scale for ln in lines], dtype=float)

    # -- evaluating
    def at(self, rows, ts) -> tuple[np.ndarray, np.ndarray]:
        """g_i(t_i) for each i in ``rows`` (values stacked on axis 0), and whether each point
        lies on another branch than x (``Line.crosses``)."""
        pairs = list(zip(np.asarray(rows).tolist(), np.asarray(ts).tolist()))
        call, quiet = self.call, self.call.quiet
        with np.errstate(all="ignore"):
            call.quiet = True
            try:
                out = [self._point(i, t) for i, t in pairs]
            finally:
                call.quiet = quiet
        crossed = np.array([t in self._crossed[i] for i, t in pairs], dtype=bool)
        if not out:
            return np.zeros((0,) + self.out_shape), crossed
        self._out = out[0].shape
        return np.stack(out), crossed

    def _point(self, i: int, t: float) -> np.ndarray:
        seen = self._seen[i]
        if t in seen:
            return seen[t]
        return self.call.point(None, t, seen, self._crossed[i],
                               moved=lambda t: self._moved(i, t))

    def _moved(self, i: int, t: float) -> np.ndarray:
        """x + t e_i as ``Line`` computes it, x + t·v, without the dense v: the other entries
        gain t·0, that is +0.0 for t > 0 (which turns a −0.0 into +0.0) and −0.0 otherwise;
        a 0-d x gives a numpy scalar, as 0-d arithmetic does."""
        y = (self._plus if t > 0 else self._flat).copy()
        y[i] = self._xs[i] + t
        return y.reshape(self.call.x.shape)[()]

    @property
    def out_shape(self) -> tuple:
        """f's shape, known without evaluating f(x) once a point is (``Line._shape``)."""
        if self.call._f0 is None and self._out is not None:
            return self._out
        return self.call.f0.shape

    def line(self, i: int) -> Line:
        """Line i as a ``Line`` holding the points already evaluated on it (for the one-line
        schemes)."""
        ln = self.call.line(unit(self.call.x.shape, i))
        ln._seen, ln._crossed = self._seen[i], self._crossed[i]
        return ln

    # -- the Line rules, elementwise
    def base_step(self, rows, factor: float) -> np.ndarray:
        """``Line.base_step`` of each line in ``rows``."""
        return pow2_floor_array(factor * self.scale[rows] / self.vmax[rows])

    def fits(self, rows, h, back: int, fwd: int) -> np.ndarray:
        """``Line.fits`` of each line in ``rows`` at its step h."""
        ok_back = (back * h < self.down[rows]) if back else np.ones(len(rows), dtype=bool)
        ok_fwd = (fwd * h < self.up[rows]) if fwd else np.ones(len(rows), dtype=bool)
        return ok_back & ok_fwd


def pow2_floor_array(h) -> np.ndarray:
    """``pow2_floor`` elementwise."""
    return 2.0 ** np.floor(np.log2(h))


def fit_step_array(h, room, reach: int) -> np.ndarray:
    """``fit_step`` elementwise (reach > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(room > 0, pow2_floor_array(np.where(room > 0, room, 1.0) / reach) / 2,
                         0.0)
    return np.where(reach * h < room, h, inner)


def column(a, out_ndim: int) -> np.ndarray:
    """A per-line array shaped to broadcast against per-line outputs."""
    return np.reshape(a, np.shape(a) + (1,) * out_ndim)


def per_line(a, fn) -> np.ndarray:
    """``fn`` (np.max, np.any, np.all) over each line's output entries."""
    a = np.asarray(a)
    return fn(a.reshape(a.shape[0], int(np.prod(a.shape[1:]))), axis=1) if a.ndim > 1 else a


def quotients(stencil, lines: Lines, rows, h):
    """``Stencil.apply`` on each line in ``rows`` at its own step h, with whether each
    quotient is clean (finite, and every point on x's branch: ``stencils._clean``)."""
    got = [lines.at(rows, o * h) for o in stencil.offsets]
    vals = [v for v, _ in got]
    crossed = np.any([c for _, c in got], axis=0)
    nd = len(lines.out_shape)
    hb = column(h, nd)
    scale = hb**stencil.power
    with np.errstate(all="ignore"):
        d = sum(w * v for w, v in zip(stencil.weights, vals)) / scale
        span = (max(stencil.offsets) - min(stencil.offsets)) * hb
        slope = np.abs(vals[0] - vals[-1]) / span
        moved = slope * EPS * column(lines.scale[rows], nd) / column(lines.vmax[rows], nd)
        total = sum(abs(w) for w in stencil.weights)
        nz = noise(*(abs(w) * v for w, v in zip(stencil.weights, vals))) + total * moved
        clean = per_line(np.isfinite(d), np.all) & ~crossed
        return d, nz / scale, clean


__all__ = ["Lines", "Many", "column", "fit_step_array", "per_line", "pow2_floor_array",
           "quotients"]
