"""The ``richardson`` engine: extrapolated differences that measure their own error.

Design (in the spirit of Ridders' method and FiniteDifferences.jl's ``estimate_step``, written
afresh): along a line g(t) = f(x + t v), evaluate a difference quotient D(h) at steps
h_k = h0 / 2^k and build the Neville tableau that cancels the error terms h^q one by one (q = 2,
4, 6, ... for central stencils, 1, 2, 3, ... for one-sided ones), at most ``WINDOW`` of them.
Each entry gets an error estimate: its distance to the two entries it was built from, plus the
rounding noise of the function values propagated through the same recurrence. The entry with
the smallest estimate among those built in the asymptotic regime is returned.

The steps follow the function, not a fixed scale:
- h0 is half the input's own scale along the line (``Line.scale``: relative steps at every
  magnitude). Where rounding noise already swamps D(h0) (a tiny component of a larger input, a
  function varying slowly on that scale), h0 grows by ``STEP_UP`` until it does not.
- The tableau then halves the step as long as that helps, up to ``MAX_LEVELS`` times: a
  function varying on a scale far below the input's (Black-Scholes near expiry) is followed down
  to it. It stops once ``PATIENCE`` levels have passed without a better entry, or once the
  rounding noise of the next level alone exceeds the best estimate (no finer step can do
  better).
- A step at which f is not finite (outside an undeclared domain: log of a negative, sqrt of a
  negative time to expiry) or at which f takes another branch than at x (a kink, located
  exactly by ``Line.crosses``) starts the tableau again below it. A kink closer to x than
  ``KINK_ZONE`` of the line's scale makes the result inconclusive, whatever its estimate.
  Where the central stencil finds no finite step at all, x lies on an edge of f's domain and
  the one-sided stencil into the finite side is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import EPS, KINK_NOTE, fit_step, kink_note, kinked, noise, second_difference
from .base import Est, FDEngine

MAX_LEVELS = 40
MIN_LEVELS = 3
WINDOW = 6
PATIENCE = 3
SCATTER = 2.0  # noise amplification from column 2 to the chosen entry, with a margin
H0 = 0.5
KINK_ZONE = 2.0**-10
STEP_UP, MAX_UP, NOISY = 16.0, 12, 2.0**-30


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


@dataclass
class Run:
    """What one tableau gives: the value, its error, the finest level used, and a status."""

    value: np.ndarray
    error: np.ndarray
    level: int = 0
    status: str = "ok"
    note: str = ""


def start_step(stencil: Stencil, line, h0: float) -> float:
    """h0, grown by STEP_UP while rounding noise swamps the quotient there (and the bigger
    stencil stays inside the domain, finite and on x's branch)."""
    d, nz = stencil.apply(line, h0)
    for _ in range(MAX_UP):
        if not _clean(stencil, line, d, h0) or np.max(nz) <= NOISY * np.max(np.abs(d)):
            break
        up = h0 * STEP_UP
        if not line.fits(up, stencil.back, stencil.fwd):
            break
        d_up, nz_up = stencil.apply(line, up)
        if not _clean(stencil, line, d_up, up):
            break
        h0, d, nz = up, d_up, nz_up
    return h0


def _clean(stencil, line, d, h) -> bool:
    return bool(np.all(np.isfinite(d))) and not line.crosses(stencil.points(h))


def tableau(stencil: Stencil, line, h0: float) -> Run:
    """Run the extrapolation from step h0 down (see the module docstring)."""
    t = _Tableau(stencil)
    h, finite = h0, False
    for _ in range(MAX_LEVELS):
        d, nz = stencil.apply(line, h)
        finite = finite or bool(np.all(np.isfinite(d)))
        kink = line.crosses(stencil.points(h))
        if kink:
            reach = stencil.reach * h * line.vmax
            if reach <= KINK_ZONE * line.scale:
                return Run(d, np.full(np.shape(d), np.inf), t.level, "inconclusive",
                           kink_note(kink, reach))
            t = _Tableau(stencil, t.level)  # the steps so far straddle a kink
        elif not np.all(np.isfinite(d)):
            t = _Tableau(stencil, t.level)  # a point outside f's domain: only finer steps
        elif t.add(d, nz):
            break
        h /= 2
        t.level += 1
    if not t.rows:
        why = "f is not finite" if not finite else "no step was usable"
        return Run(d, np.full(np.shape(d), np.inf), t.level, "inconclusive",
                   f"{why} at any step along this direction")
    return t.result()


class _Tableau:
    """The Neville tableau of one run of steps (restarted after a non-finite or kinked step)."""

    def __init__(self, stencil: Stencil, level: int = 0):
        self.stencil, self.level = stencil, level
        self.rows: list = []
        self.noises: list = []
        self.levels: list = []
        self.best = _Best()

    def add(self, d, nz) -> bool:
        """Add the quotient at the next step; True when finer steps cannot help any more."""
        st, rows, noises = self.stencil, self.rows, self.noises
        k = len(rows)
        self.levels.append(self.level)
        row, nrow = [d], [nz]
        for j in range(1, min(k, WINDOW) + 1):
            c = 1.0 / (2.0 ** st.order(j - 1) - 1.0)
            row.append(row[j - 1] + c * (row[j - 1] - rows[k - 1][j - 1]))
            nrow.append(nrow[j - 1] * (1 + c) + c * noises[k - 1][j - 1])
        rows.append(row)
        noises.append(nrow)
        for j in range(1, len(row)):
            err = np.maximum(np.abs(row[j] - row[j - 1]),
                             np.abs(row[j] - rows[k - 1][j - 1])) + nrow[j]
            self.best.offer(row[j], err, self.level, _trusted(st, rows, noises, k, j))
        if k < MIN_LEVELS - 1:
            return False
        last = self.best.improved
        stale = last is not None and self.level - last >= PATIENCE  # no better entry lately
        noisy = np.all(st.next_noise(nz) >= self.best.err)  # finer steps: more noise
        swamped = np.all(nz >= np.abs(d))  # nothing but noise left at this step
        return bool(stale or noisy or swamped)

    def result(self) -> Run:
        value, err, level = self.best.result(self.rows[-1][-1], self.level)
        return Run(value, np.maximum(err, self.scatter(value, level)), level)

    def scatter(self, value, level):
        """The rounding noise at ``level`` as the finer levels show it.

        The noise model (eps of each value) misses the rounding of a function whose value is
        the small difference of large terms (a deep out-of-the-money price: S·N(d1) − K·N(d2)
        with N = (1 + erf)/2). Past the chosen step, lightly extrapolated entries (column 2:
        truncation O(h^6)) differ from the value by noise alone, which grows like h^-power;
        scaled back to the chosen step, that difference is the noise the value carries.
        """
        out = np.zeros(np.shape(value))
        for m, row in zip(self.levels, self.rows):
            if m > level and len(row) > 1:
                shrink = 2.0 ** (-self.stencil.power * (m - level))
                out = np.maximum(out, SCATTER * np.abs(row[min(2, len(row) - 1)] - value) * shrink)
        return out


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
        self.improved = None  # level of the last better trusted entry
        self.any_value = self.any_err = None

    def offer(self, value, err, k, trusted) -> None:
        if self.value is None:
            shape = np.shape(err)
            self.value, self.err = np.zeros(shape), np.full(shape, np.inf)
            self.k = np.zeros(shape, dtype=int)
            self.any_value, self.any_err = value, err
        take = trusted & (err < self.err)
        if np.any(take):
            self.improved = k
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

    name = family = "richardson"
    description = "extrapolated differences (Neville tableau, halving steps) with error estimate"

    def first(self, line) -> Est:
        return self._run(FIRST, line)

    def second(self, line) -> Est:
        return self._run(SECOND, line)

    def _run(self, stencils, line) -> Est:
        stencil, h0 = choose(stencils, line)
        run = tableau(stencil, line, start_step(stencil, line, h0))
        if run.note.startswith("f is not finite") and stencil is stencils["central"]:
            stencil, run = _one_sided(stencils, line, h0) or (stencil, run)
        note = "" if stencil is stencils["central"] else "one-sided at the domain edge"
        if run.status != "ok":
            return Est(run.value, run.error, run.status, run.note)
        est = Est(run.value, run.error, note=note)
        if not line.call.unknown or stencil is not stencils["central"] or run.level == 0:
            return est
        return _numerical_kink_test(line, h0 / 2**run.level, est)


def _one_sided(stencils, line, h0):
    """(stencil, run) one-sided into the side where f is finite, when one is."""
    for name, sign in (("forward", 1.0), ("backward", -1.0)):
        if not line.fits(h0, *((0, 2) if sign > 0 else (2, 0))):
            continue
        if np.all(np.isfinite(line(sign * h0 / 2**MAX_LEVELS))):
            stencil = stencils[name]
            return stencil, tableau(stencil, line, start_step(stencil, line, h0))
    return None


def _numerical_kink_test(line, fine, est: Est) -> Est:
    """For non-analytic primitives whose branches are not recorded: second differences at the
    two finest steps used must shrink like h²."""
    s_c = second_difference(line, 2 * fine)
    nz = noise(line(2 * fine), 2 * line(0.0), line(-2 * fine))
    if kinked(s_c, second_difference(line, fine), nz):
        return Est(est.value, est.error, "inconclusive", KINK_NOTE)
    return est


__all__ = ["EPS", "Richardson", "Stencil", "tableau"]
