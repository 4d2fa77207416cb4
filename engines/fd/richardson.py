"""The ``richardson`` engine: extrapolated differences that measure their own error.

Design (in the spirit of Ridders' method and FiniteDifferences.jl's ``estimate_step``, written
afresh): along a line g(t) = f(x + t v), evaluate a difference quotient D(h) at steps
h_k = h0 / 2^k, h0 = max(1,|x|)/4 (a power of two, shrunk to fit the domain), and build the
Neville tableau that cancels the error terms h^q one by one (q = 2, 4, 6, ... for central
stencils, 1, 2, 3, ... for one-sided ones). Each tableau entry gets an error estimate: its
distance to the two entries it was built from, plus the rounding noise of the function values
propagated through the same recurrence. The entry with the smallest estimate is returned;
the tableau stops growing once the newest diagonal entry departs from the best by more than
``SAFE`` times its estimate, or once the rounding noise of the next level alone exceeds the best
estimate (no finer step can do better), or after ``MAX_LEVELS`` steps.

For a function that calls a non-analytic primitive (abs, maximum, where, ...), second
differences at the two finest steps used must shrink like h²; otherwise there is a kink inside
the stencil and the result is "inconclusive".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import EPS, KINK_NOTE, fit_step, kinked, noise, second_difference
from .base import Est, FDEngine

MAX_LEVELS = 10
MIN_LEVELS = 3
SAFE = 2.0
# A function with a non-analytic primitive (abs, floor, maximum, ...) starts 16 times finer: a
# coarse stencil that straddles a breakpoint a user would call far away either reports a kink
# that is not at the point, or, for a periodic sawtooth (x mod y), samples whole periods and
# agrees exactly on a wrong slope of 0 at every coarse step. The tableau still has levels to
# spare (the smooth case stops on rounding noise well before MAX_LEVELS).
NONSMOOTH_SHRINK = 1.0 / 16.0
H0 = 0.5


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
        x + t_i v itself (≈ eps·max(1,|x|) in x), which moves g by about its slope times that.
        """
        vals = [line(o * h) for o in self.offsets]
        scale = h**self.power
        d = sum(w * v for w, v in zip(self.weights, vals)) / scale
        span = (max(self.offsets) - min(self.offsets)) * h
        slope = np.abs(vals[0] - vals[-1]) / span
        moved = slope * EPS * line.scale / line.vmax
        total = sum(abs(w) for w in self.weights)
        return d, (noise(*(abs(w) * v for w, v in zip(self.weights, vals))) + total * moved) / scale


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


def _smooth(line) -> bool:
    """Whether f called no non-analytic primitive (known once f(x) has been evaluated)."""
    call = getattr(line, "call", None)
    if call is None:
        return True
    call.f0  # noqa: B018  (evaluates f once, recording the primitives it uses)
    return call.smooth


def choose(stencils: dict, line) -> tuple[Stencil, float]:
    """Central, with h0 relative to the line's scale (which shrinks near a domain edge);
    one-sided, pointing into the domain, at a point on the edge."""
    h0 = line.base_step(H0 if _smooth(line) else H0 * NONSMOOTH_SHRINK)
    down, up = line.room
    if min(down, up) > 0:
        c = stencils["central"]
        return c, min(fit_step(h0, down, c.back), fit_step(h0, up, c.fwd))
    side = stencils["forward" if up > 0 else "backward"]
    return side, fit_step(h0, max(down, up), max(side.back, side.fwd))


def tableau(stencil: Stencil, line, h0: float):
    """Run the extrapolation; return (value, error, step level of the chosen entry)."""
    rows, noises = [], []
    best = _Best()
    for k in range(MAX_LEVELS):
        d, nz = stencil.apply(line, h0 / 2**k)
        row, nrow = [d], [nz]
        for j in range(1, k + 1):
            c = 1.0 / (2.0 ** stencil.order(j - 1) - 1.0)
            row.append(row[j - 1] + c * (row[j - 1] - rows[k - 1][j - 1]))
            nrow.append(nrow[j - 1] * (1 + c) + c * noises[k - 1][j - 1])
        rows.append(row)
        noises.append(nrow)
        for j in range(1, k + 1):
            err = np.maximum(np.abs(row[j] - row[j - 1]),
                             np.abs(row[j] - rows[k - 1][j - 1])) + nrow[j]
            best.offer(row[j], err, k, _trusted(stencil, rows, noises, k, j))
        if k >= MIN_LEVELS - 1 and (
                np.all(np.abs(row[k] - rows[k - 1][k - 1]) >= SAFE * best.err)
                or np.all(stencil.next_noise(nz) >= best.err)):  # finer steps: more noise
            break
    return best.result(rows[-1][-1], len(rows) - 1)


def _trusted(stencil, rows, noises, k, j):
    """Whether entry (k, j) extrapolates from the asymptotic regime (elementwise).

    Its parents in column p = j − 1 must either differ only by rounding noise, or have
    successive differences shrinking by 2^-q (within a factor of 2), q that column's order;
    a plateau of accidental agreement at coarse steps fails this test.
    """
    p = j - 1
    d1 = np.abs(rows[k][p] - rows[k - 1][p])
    quiet = d1 <= 4 * (noises[k][p] + noises[k - 1][p])
    if k - 2 < p:
        return quiet
    d0 = np.abs(rows[k - 1][p] - rows[k - 2][p])
    expected = 2.0 ** -stencil.order(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d1 / d0
    return quiet | ((ratio >= expected / 2) & (ratio <= expected * 2))


class _Best:
    """The entry with the smallest error estimate, elementwise, among trusted ones (and a
    fallback among all, used only where nothing was trusted)."""

    def __init__(self):
        self.value = self.err = self.k = None
        self.any_value = self.any_err = None

    def offer(self, value, err, k, trusted) -> None:
        if self.value is None:
            shape = np.shape(err)
            self.value, self.err = np.zeros(shape), np.full(shape, np.inf)
            self.k = np.zeros(shape, dtype=int)
            self.any_value, self.any_err = value, err
        take = trusted & (err < self.err)
        self.value = np.where(take, value, self.value)
        self.err = np.where(take, err, self.err)
        self.k = np.where(take, k, self.k)
        anyb = err < self.any_err
        self.any_value = np.where(anyb, value, self.any_value)
        self.any_err = np.where(anyb, err, self.any_err)

    def result(self, last, last_k: int):
        """(value, error, finest level used); untrusted fallbacks are charged their distance
        to the last, finest extrapolation."""
        none = ~np.isfinite(self.err)
        value = np.where(none, self.any_value, self.value)
        err = np.where(none, np.maximum(self.any_err, np.abs(self.any_value - last)), self.err)
        return value, err, last_k if np.any(none) else int(np.max(self.k))


class Richardson(FDEngine):
    """Richardson-extrapolated differences with an error estimate for every value."""

    name = "richardson"
    description = "extrapolated differences (Neville tableau, halving steps) with error estimate"

    def first(self, line) -> Est:
        return self._run(FIRST, line)

    def second(self, line) -> Est:
        return self._run(SECOND, line)

    def _run(self, stencils, line) -> Est:
        stencil, h0 = choose(stencils, line)
        value, err, k = tableau(stencil, line, h0)
        note = "" if stencil is stencils["central"] else "one-sided at the domain edge"
        est = Est(value, err, note=note)
        if line.call.smooth or stencil is not stencils["central"] or k == 0:
            return est
        fine, coarse = h0 / 2**k, h0 / 2 ** (k - 1)
        s_c = second_difference(line, coarse)
        nz = noise(line(coarse), 2 * line(0.0), line(-coarse))
        if kinked(s_c, second_difference(line, fine), nz):
            return Est(value, err, "inconclusive", KINK_NOTE)
        return est


__all__ = ["EPS", "Richardson", "Stencil", "tableau"]
