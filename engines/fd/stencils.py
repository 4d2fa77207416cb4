"""Difference stencils and where the richardson tableau starts (see ``richardson``).

A stencil is D(h) = Σ w_i g(o_i h) / h^power with error terms h^q, q = q0, q0 + dq, ...; the
first step of a tableau is half the input's own scale along the line, grown where rounding
noise swamps the quotient there (``_noise_up``) or where the function is smooth on a larger
scale than the input's (``_smooth_up``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import EPS, fit_step, noise
from .batch import per_line, quotients

H0 = 0.5
STEP_UP, MAX_UP, NOISY = 16.0, 12, 2.0**-30
# Doubling a step divides the rounding noise of a k-th difference by 2^k and multiplies the
# leading truncation by 4: first derivatives gain less from it, so they need flatter quotients.
SMOOTH = {1: 2.0**-8, 2: 2.0**-4}
MAX_SMOOTH_UP, CEILING = 16, 2.0


@dataclass(frozen=True)
class Stencil:
    """D(h) = Σ w_i g(o_i h) / h^power, with error terms h^q, q = q0, q0+dq, ..."""

    offsets: tuple
    weights: tuple
    power: int
    q0: int
    dq: int

    @property
    def back(self) -> int:
        return max(0, -min(self.offsets))

    @property
    def fwd(self) -> int:
        return max(0, max(self.offsets))

    @property
    def reach(self) -> int:
        return max(self.back, self.fwd)

    def points(self, h: float) -> tuple:
        """The steps t of the stencil at h."""
        return tuple(o * h for o in self.offsets)

    def order(self, column: int) -> int:
        """Exponent of the error term that column ``column`` of the tableau still carries."""
        return self.q0 + column * self.dq

    def next_noise(self, nz):
        """Least propagated noise of any extrapolated entry at the next (halved) step."""
        c = 1.0 / (2.0**self.q0 - 1.0)
        return nz * (2.0**self.power * (1 + c) + c)

    def apply(self, line, h: float):
        """The quotient at step h and the rounding noise of the values it used.

        Noise has two sources: rounding of each value g(t_i), and rounding of the point
        x + t_i v itself (≈ eps·scale in x), which moves g by about its slope times that.
        """
        vals = [line(o * h) for o in self.offsets]
        scale = h**self.power
        with np.errstate(all="ignore"):  # a non-finite value outside f's domain is seen later
            d = sum(w * v for w, v in zip(self.weights, vals)) / scale
            span = (max(self.offsets) - min(self.offsets)) * h
            slope = np.abs(vals[0] - vals[-1]) / span
            moved = slope * EPS * line.scale / line.vmax
            total = sum(abs(w) for w in self.weights)
            nz = noise(*(abs(w) * v for w, v in zip(self.weights, vals))) + total * moved
            return d, nz / scale


FIRST = {
    "central": Stencil((1, -1), (0.5, -0.5), 1, 2, 2),
    "forward": Stencil((1, 0), (1.0, -1.0), 1, 1, 1),
    "backward": Stencil((0, -1), (1.0, -1.0), 1, 1, 1),
}
SECOND = {
    "central": Stencil((1, 0, -1), (1.0, -2.0, 1.0), 2, 2, 2),
    "forward": Stencil((0, 1, 2), (1.0, -2.0, 1.0), 2, 1, 1),
    "backward": Stencil((0, -1, -2), (1.0, -2.0, 1.0), 2, 1, 1),
}


def choose(stencils: dict, line) -> tuple[Stencil, float]:
    """Central, with h0 relative to the line's scale (which shrinks near a domain edge);
    one-sided, pointing into the domain, at a point on the edge."""
    h0 = line.base_step(H0)
    down, up = line.room
    if min(down, up) > 0:
        c = stencils["central"]
        return c, min(fit_step(h0, down, c.back), fit_step(h0, up, c.fwd))
    side = stencils["forward" if up > 0 else "backward"]
    return side, fit_step(h0, max(down, up), max(side.back, side.fwd))


def start_step(stencil: Stencil, line, h0: float) -> float:
    """The first step of the tableau: h0, grown where it is needlessly small for f."""
    return _smooth_up(stencil, line, _noise_up(stencil, line, h0))


def _noise_up(stencil: Stencil, line, h0: float) -> float:
    """h0, grown by STEP_UP while rounding noise swamps the quotient there, as long as the
    bigger stencil stays inside the domain, finite, on x's branch, and its quotient agrees
    with the noisy one within that noise (a zero slope next to a region where f is another
    function, as a price at sigma < 0, must not pull the step there)."""
    d, nz = stencil.apply(line, h0)
    for _ in range(MAX_UP):
        if not _clean(stencil, line, d, h0) or np.max(nz) <= NOISY * np.max(np.abs(d)):
            break
        up = h0 * STEP_UP
        if not line.fits(up, stencil.back, stencil.fwd):
            break
        d_up, nz_up = stencil.apply(line, up)
        if not _clean(stencil, line, d_up, up) or \
                np.any(np.abs(d_up - d) > 4 * (nz + nz_up)):
            break
        h0, d, nz = up, d_up, nz_up
    return h0


def _smooth_up(stencil: Stencil, line, h: float) -> float:
    """h, doubled while the quotients at h, h/2 and h/4 show f smooth on a larger scale than
    the component's own (as sin(pi x) at x = 0.3): their differences small (SMOOTH) and
    shrinking as the asymptotic regime has them (a chance agreement at one pair does not
    count), up to CEILING times the argument's size; the doubled step's quotient must continue
    the trend. The quotients used are the tableau's own first levels: no evaluation is wasted
    unless the doubled step is refused."""
    (d, nz), (half, nz_half), (quarter, _) = (stencil.apply(line, h / 2**k) for k in range(3))
    for _ in range(MAX_SMOOTH_UP):
        if not all(_clean(stencil, line, q, h / 2**k) for k, q in enumerate((d, half, quarter))):
            break
        step, finer = np.max(np.abs(d - half)), np.max(np.abs(half - quarter))
        flat = step <= 4 * np.max(nz + nz_half)  # equal up to rounding (a quadratic)
        if not flat and (step > SMOOTH[stencil.power] * np.max(np.abs(half))
                         or finer > step / 2):
            break
        up = 2 * h
        if up * line.vmax > CEILING * line.call.size or \
                not line.fits(up, stencil.back, stencil.fwd):
            break
        d_up, nz_up = stencil.apply(line, up)
        if not _clean(stencil, line, d_up, up) or (flat and np.max(nz_up) >= np.max(nz)):
            break
        # the doubled step must continue the same smooth trend: its difference at most
        # 2^q (= 4) times the last one, up to rounding; else f changes there (refused)
        if np.max(np.abs(d_up - d)) > 4 * step + 4 * np.max(nz_up + nz):
            break
        h, (d, nz), (half, nz_half), quarter = up, (d_up, nz_up), (d, nz), half
    return h


def _clean(stencil, line, d, h) -> bool:
    return bool(np.all(np.isfinite(d))) and not line.crosses(stencil.points(h))


# -- the same start step for many lines at once (``batch.Lines``)

def start_steps(stencil: Stencil, lines, rows, h0):
    """``start_step`` of each line in ``rows`` from its own h0, elementwise; also which lines
    met a point where f is not finite or on another branch (for the one-line scheme)."""
    with np.errstate(all="ignore"):  # lines off the common path may hold NaN; never used
        h, fell = _noise_up_many(stencil, lines, rows, h0)
        ok = np.flatnonzero(~fell)
        h[ok], fell[ok] = _smooth_up_many(stencil, lines, rows[ok], h[ok])
    return h, fell


def _quiet(d, nz):
    """``_noise_up``'s test that rounding noise no longer swamps the quotient, per line."""
    return per_line(nz, np.max) <= NOISY * per_line(np.abs(d), np.max)


def _noise_up_many(stencil, lines, rows, h0):
    """``_noise_up`` elementwise: each round, every line still growing takes the same tests
    (a quotient it accepts is clean, so only the first needs that test)."""
    d, nz, clean = quotients(stencil, lines, rows, h0)
    h, fell = h0.copy(), ~clean
    going = clean & ~_quiet(d, nz)
    for _ in range(MAX_UP):
        idx = np.flatnonzero(going)
        if not idx.size:
            break
        up = h[idx] * STEP_UP
        fit = lines.fits(rows[idx], up, stencil.back, stencil.fwd)
        going[idx[~fit]] = False
        idx, up = idx[fit], up[fit]
        d_up, nz_up, ok = quotients(stencil, lines, rows[idx], up)
        ok &= ~per_line(np.abs(d_up - d[idx]) > 4 * (nz[idx] + nz_up), np.any)
        going[idx[~ok]] = False
        took = idx[ok]
        h[took], d[took], nz[took] = up[ok], d_up[ok], nz_up[ok]
        going[took] = ~_quiet(d[took], nz[took])
    return h, fell


def _smooth_up_many(stencil, lines, rows, h):
    """``_smooth_up`` elementwise (every quotient it accepts is clean, so only the first
    three need that test)."""
    (d, nz, c0), (half, nz_half, c1), (quarter, _, c2) = (
        quotients(stencil, lines, rows, h / 2**k) for k in range(3))
    h, fell = h.copy(), ~(c0 & c1 & c2)
    going = ~fell
    for _ in range(MAX_SMOOTH_UP):
        idx = np.flatnonzero(going)
        if not idx.size:
            break
        step = per_line(np.abs(d[idx] - half[idx]), np.max)
        finer = per_line(np.abs(half[idx] - quarter[idx]), np.max)
        flat = step <= 4 * per_line(nz[idx] + nz_half[idx], np.max)
        up = 2 * h[idx]
        stop = ~flat & ((step > SMOOTH[stencil.power] * per_line(np.abs(half[idx]), np.max))
                        | (finer > step / 2))
        stop |= (up * lines.vmax[rows[idx]] > CEILING * lines.call.size) | \
            ~lines.fits(rows[idx], up, stencil.back, stencil.fwd)
        going[idx[stop]] = False
        idx, up, step, flat = idx[~stop], up[~stop], step[~stop], flat[~stop]
        d_up, nz_up, ok = quotients(stencil, lines, rows[idx], up)
        ok &= ~(flat & (per_line(nz_up, np.max) >= per_line(nz[idx], np.max)))
        # the doubled step must continue the same smooth trend (see ``_smooth_up``)
        ok &= ~(per_line(np.abs(d_up - d[idx]), np.max)
                > 4 * step + 4 * per_line(nz_up + nz[idx], np.max))
        going[idx[~ok]] = False
        a = idx[ok]
        h[a], quarter[a] = up[ok], half[a]
        half[a], nz_half[a] = d[a], nz[a]
        d[a], nz[a] = d_up[ok], nz_up[ok]
    return h, fell
