"""The ``central`` engine: one central difference per direction at the textbook step.

First derivatives use h = eps^(1/3)·s, second derivatives h = eps^(1/4)·s (rounded down to a
power of two), the steps that balance truncation against rounding, where s is the input's
scale along the line (``Line.scale``: relative to each component moved for first
derivatives, to the argument's whole size for second ones, whose noise grows like 1/h²; at
every magnitude. On the catalogue's inputs this keeps FD_TRUST times the estimate above the
true error in 99% of cases, where first derivatives relative to the whole argument's size
manage 94%: see ``benchmarks.fd_accuracy``). Near a declared domain edge s gives way to the
distance to it, and on the edge the stencil is one-sided (second order). Where f is not finite
at a stencil point (outside an undeclared domain) the step is halved until it is. The error
estimate is the rounding bound plus the truncation term of the model behind the step
(derivatives of g vary on the scale s, times TRUNC_MODEL); it is a model, not a measurement:
use ``richardson`` for a measured error. A stencil point on another branch of a non-smooth
function than x (a kink inside the stencil) makes the result inconclusive.
"""

from __future__ import annotations

import numpy as np

from ._common import (
    EPS,
    KINK_NOTE,
    fit_step,
    kink_note,
    kinked,
    noise,
    pow2_floor,
    second_difference,
)
from .base import Est, FDEngine
from .batch import Lines, Many, column, fit_step_array, per_line

H1 = EPS ** (1 / 3)
H2 = EPS ** (1 / 4)
# Measured on benchmarks.accuracy's random smooth functions (seed 0): with 10 the estimate
# bounds the error in 96-97% of cases and is within 100x of it in ~89%; with 1, only ~88%.
TRUNC_MODEL = 10.0
MAX_SHRINK = 40  # halvings of a step that meets non-finite values before giving up


class Central(FDEngine):
    """Central differences at the relative step; 2 evaluations per direction."""

    name = family = "central"
    description = "central differences, relative step cbrt(eps)·max(1,|x|) (eps^1/4 for 2nd)"

    def first(self, line) -> Est:
        h = line.base_step(H1)
        if not line.fits(h, 1, 1) and (line.fits(h, 0, 2) or line.fits(h, 2, 0)):
            return self._one_sided_first(line, h, 1.0 if line.fits(h, 0, 2) else -1.0)
        h = _finite_step(line, fit_step(h, min(line.room), 1), (1, -1))
        if h is None:
            return _forced_one_sided(self._one_sided_first, line, line.base_step(H1), 2)
        gp, gm = line(h), line(-h)
        d = (gp - gm) / (2 * h)
        est = Est(d, noise(gp, gm) / (2 * h) + self._trunc(line, h, d))
        return self._check_kink(line, h, est)

    def second(self, line) -> Est:
        # A second difference's noise grows like 1/h², so a component far below the rest
        # would make it useless: second differences take the argument's whole size as the
        # scale (still relative at every magnitude, and still bounded by a domain edge).
        line = line.widened(line.call.size)
        h = line.base_step(H2)
        if not line.fits(h, 1, 1) and (line.fits(h, 0, 3) or line.fits(h, 3, 0)):
            return self._one_sided_second(line, h, 1.0 if line.fits(h, 0, 3) else -1.0)
        h = _finite_step(line, fit_step(h, min(line.room), 1), (1, -1))
        if h is None:
            return _forced_one_sided(self._one_sided_second, line, line.base_step(H2), 3)
        s = second_difference(line, h)
        d = s / h**2
        est = Est(d, noise(line(h), 2 * line(0.0), line(-h)) / h**2 + self._trunc(line, h, d))
        return self._check_kink(line, h, est)

    def first_many(self, lines: Lines) -> Many:
        """``first`` along every line of ``lines`` at once (see ``batch``); a line on a domain
        edge or meeting a non-finite value or another branch goes through ``first`` on its
        evaluated points, as do all of them for a function with unrecorded branches."""
        rows, many = np.arange(lines.m), Many(lines)
        h = lines.base_step(rows, H1)
        side = ~lines.fits(rows, h, 1, 1) & (lines.fits(rows, h, 0, 2) | lines.fits(rows, h, 2, 0))
        h = fit_step_array(h, np.minimum(lines.down, lines.up), 1)
        on = rows[~side & (h > 0)]
        # +h first, -h only where +h was finite (``_finite_step``'s order of evaluation)
        gp, on = _clean_at(lines, on, h)
        gm, on_m = _clean_at(lines, on, -h)
        if lines.call.unknown or not on_m.size:  # ``_check_kink``'s numerical test: per line
            return many.finish(self.first)
        gp, on = gp[np.isin(on, on_m)], on_m
        nd = gp.ndim - 1
        hb = column(h[on], nd)
        d = (gp - gm) / (2 * hb)
        # squared as ``_trunc`` squares a float (libm's pow, not always x·x to the last bit)
        ratio = column([r**2 for r in (h[on] * lines.vmax[on] / lines.scale[on]).tolist()], nd)
        many.put(on, d, noise(gp, gm) / (2 * hb) + TRUNC_MODEL * ratio * np.abs(d))
        return many.finish(self.first)

    def _one_sided_first(self, line, h, sgn) -> Est:
        g0, g1, g2 = line(0.0), line(sgn * h), line(2 * sgn * h)
        d = sgn * (-3 * g0 + 4 * g1 - g2) / (2 * h)
        return Est(d, noise(3 * g0, 4 * g1, g2) / (2 * h) + self._trunc(line, h, d),
                   note="one-sided at the domain edge")

    def _one_sided_second(self, line, h, sgn) -> Est:
        g = [line(k * sgn * h) for k in range(4)]
        d = (2 * g[0] - 5 * g[1] + 4 * g[2] - g[3]) / h**2
        return Est(d, noise(2 * g[0], 5 * g[1], 4 * g[2], g[3]) / h**2
                   + self._trunc(line, h, d), note="one-sided at the domain edge")

    @staticmethod
    def _trunc(line, h, d):
        """Truncation error of a second-order stencil if g varies on the scale max(1,|x|),
        with a factor TRUNC_MODEL for functions that vary faster than that."""
        return TRUNC_MODEL * (h * line.vmax / line.scale) ** 2 * np.abs(d)

    @staticmethod
    def _check_kink(line, h, est: Est) -> Est:
        """Inconclusive when a stencil point lies on another branch than x (the recorded
        branch patterns; exact), or, for non-analytic primitives with no recorded branches,
        when second differences at h and h/2 do not shrink like h² (2 more evaluations)."""
        kink = line.crosses((h, -h))
        if kink:
            return Est(est.value, np.full(np.shape(est.error), np.inf), "inconclusive",
                       kink_note(kink, h * line.vmax))
        if not line.call.unknown:
            return est
        s, nz = second_difference(line, h), noise(line(h), 2 * line(0.0), line(-h))
        if not np.any(np.abs(s) > 64 * nz):  # flat at this scale: nothing to test
            return est
        if kinked(s, second_difference(line, h / 2), nz):
            return Est(est.value, est.error, "inconclusive", KINK_NOTE)
        return est


def _clean_at(lines, on, t):
    """g_i(t_i) on the lines ``on`` and those of them where it is finite and on x's branch."""
    if not on.size:
        return None, on
    g, crossed = lines.at(on, t[on])
    ok = per_line(np.isfinite(g), np.all) & ~crossed
    return g[ok], on[ok]


def _finite_step(line, h, offsets) -> float | None:
    """The largest h/2^k (k < MAX_SHRINK) at which f is finite at every t = o·h; None if none."""
    for _ in range(MAX_SHRINK):
        if all(np.all(np.isfinite(line(o * h))) for o in offsets):
            return h
        h = pow2_floor(h / 2)
    return None


def _forced_one_sided(scheme, line, h, reach) -> Est:
    """x on an edge of f's undeclared domain: the one-sided stencil into the finite side."""
    for sgn in (1.0, -1.0):
        if not line.fits(h, *((0, reach) if sgn > 0 else (reach, 0))):
            continue
        step = _finite_step(line, h, tuple(sgn * k for k in range(1, reach + 1)))
        if step is not None:
            return scheme(line, step, sgn)
    nan = np.full(np.shape(line(0.0)), np.nan)
    return Est(nan, np.full(np.shape(nan), np.inf), "inconclusive",
               "f is not finite at any step along this direction")
