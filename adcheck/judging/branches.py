"""Does a finite-difference stencil straddle a kink? Compare the branch pattern around x.

The non-smooth primitives (abs, sign, maximum, minimum, where) choose a branch from their
arguments. Evaluating ``f`` in a namespace that records those choices at x and at points
along each coordinate out to the widest step a difference engine uses tells whether a
stencil may cross a breakpoint, where no finite difference is meaningful.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.fd.branches import pattern  # the engines' own record of branch choices

__all__ = ["kink_near", "pattern"]

# A coarse reach: the difference engines now take steps relative to each component (richardson
# from |x_i|/2, grown where f is smooth on a larger scale) and report a kink inside their own
# stencils as inconclusive; half of max(1, |x|) still covers their usual first steps.
REACH = 0.5
FRACTIONS = (1.0, 0.5, 0.25, 0.125, 1.0 / 64)


def kink_near(f, args, wrt: int) -> bool:
    """True if the branch pattern changes within REACH·max(1, |x|) along some coordinate."""
    x = np.asarray(args[wrt], dtype=float)
    base = pattern(f, args)
    if not base:
        return False
    reach = REACH * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    for j in range(x.size):
        for frac in FRACTIONS:
            for sgn in (1.0, -1.0):
                y = x.copy()
                y.flat[j] += sgn * frac * reach
                moved = list(args)
                moved[wrt] = y
                try:
                    if pattern(f, tuple(moved)) != base:
                        return True
                except Exception:  # noqa: BLE001  outside the domain counts as an edge
                    return True
    return False
