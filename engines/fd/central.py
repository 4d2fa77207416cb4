"""The ``central`` engine: one central difference per direction at the textbook step.

First derivatives use h = eps^(1/3)·max(1,|x|), second derivatives h = eps^(1/4)·max(1,|x|)
(rounded down to a power of two), the steps that balance truncation against rounding; near a
domain edge max(1,|x|) gives way to the distance to it, and on the edge the stencil is
one-sided (second order). The error estimate is the
rounding bound plus the truncation term of the model behind the step (derivatives of g vary on
the scale max(1,|x|), times TRUNC_MODEL); it is a model, not a measurement: use
``richardson`` for a measured error.
"""

from __future__ import annotations

import numpy as np

from ._common import EPS, KINK_NOTE, fit_step, kinked, noise, second_difference
from .base import Est, FDEngine

H1 = EPS ** (1 / 3)
H2 = EPS ** (1 / 4)
# Measured on benchmarks.accuracy's random smooth functions (seed 0): with 10 the estimate
# bounds the error in 96-97% of cases and is within 100x of it in ~89%; with 1, only ~88%.
TRUNC_MODEL = 10.0


class Central(FDEngine):
    """Central differences at the relative step; 2 evaluations per direction."""

    name = family = "central"
    description = "central differences, relative step cbrt(eps)·max(1,|x|) (eps^1/4 for 2nd)"

    def first(self, line) -> Est:
        h = line.base_step(H1)
        if not line.fits(h, 1, 1) and (line.fits(h, 0, 2) or line.fits(h, 2, 0)):
            sgn = 1.0 if line.fits(h, 0, 2) else -1.0
            g0, g1, g2 = line(0.0), line(sgn * h), line(2 * sgn * h)
            d = sgn * (-3 * g0 + 4 * g1 - g2) / (2 * h)
            return Est(d, noise(3 * g0, 4 * g1, g2) / (2 * h) + self._trunc(line, h, d),
                       note="one-sided at the domain edge")
        h = fit_step(h, min(line.room), 1)
        gp, gm = line(h), line(-h)
        d = (gp - gm) / (2 * h)
        est = Est(d, noise(gp, gm) / (2 * h) + self._trunc(line, h, d))
        return self._check_kink(line, h, est)

    def second(self, line) -> Est:
        h = line.base_step(H2)
        if not line.fits(h, 1, 1) and (line.fits(h, 0, 3) or line.fits(h, 3, 0)):
            sgn = 1.0 if line.fits(h, 0, 3) else -1.0
            g = [line(k * sgn * h) for k in range(4)]
            d = (2 * g[0] - 5 * g[1] + 4 * g[2] - g[3]) / h**2
            return Est(d, noise(2 * g[0], 5 * g[1], 4 * g[2], g[3]) / h**2
                       + self._trunc(line, h, d), note="one-sided at the domain edge")
        h = fit_step(h, min(line.room), 1)
        s = second_difference(line, h)
        d = s / h**2
        est = Est(d, noise(line(h), 2 * line(0.0), line(-h)) / h**2 + self._trunc(line, h, d))
        return self._check_kink(line, h, est)

    @staticmethod
    def _trunc(line, h, d):
        """Truncation error of a second-order stencil if g varies on the scale max(1,|x|),
        with a factor TRUNC_MODEL for functions that vary faster than that."""
        return TRUNC_MODEL * (h * line.vmax / line.scale) ** 2 * np.abs(d)

    @staticmethod
    def _check_kink(line, h, est: Est) -> Est:
        """For functions using non-analytic primitives, test the stencil for a kink (2 evals)."""
        if line.call.smooth:
            return est
        s, nz = second_difference(line, h), noise(line(h), 2 * line(0.0), line(-h))
        if not np.any(np.abs(s) > 64 * nz):  # flat at this scale: nothing to test
            return est
        if kinked(s, second_difference(line, h / 2), nz):
            return Est(est.value, est.error, "inconclusive", KINK_NOTE)
        return est
