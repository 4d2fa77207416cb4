"""The ``richardson`` engine: extrapolated differences that measure their own error.

Design (in the spirit of Ridders' method and FiniteDifferences.jl's ``estimate_step``, written
afresh): along a line g(t) = f(x + t v), evaluate a difference quotient D(h) at steps
h_k = h0 / 2^k and build the Neville tableau that cancels the error terms h^q one by one (q = 2,
4, 6, ... for central stencils, 1, 2, 3, ... for one-sided ones), at most ``WINDOW`` of them.
Each entry gets an error estimate: its distance to the two entries it was built from, plus the
rounding noise of the function values propagated through the same recurrence. The entry with
the smallest estimate among those built in the asymptotic regime is returned.

The steps follow the function, not a fixed scale (the start step is chosen in ``stencils``):
- h0 is half the input's own scale along the line (``Line.scale``: relative steps at every
  magnitude). Where rounding noise already swamps D(h0) (a tiny component of a larger input, a
  function varying slowly on that scale), h0 grows by ``STEP_UP`` until it does not; where
  D(h0) and D(h0/2) agree within ``SMOOTH`` (f varies on a larger scale than the input's own),
  h0 doubles while that holds, up to ``CEILING`` times the argument's size.
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

from ._common import EPS, KINK_NOTE, kink_note, kinked, noise, second_difference
from .base import Est, FDEngine
from .batch import Lines, Many, column, fit_step_array, per_line, quotients
from .stencils import FIRST, H0, SECOND, Stencil, choose, start_step, start_steps

MAX_LEVELS = 40
MIN_LEVELS = 3
WINDOW = 6
PATIENCE = 3
QUIET = 0.5  # stop once the next level's noise alone reaches this part of the best estimate
SCATTER = 2.0  # noise amplification from column 2 to the chosen entry, with a margin
KINK_ZONE = 2.0**-10


@dataclass
class Run:
    """What one tableau gives: the value, its error, the finest level used, and a status."""

    value: np.ndarray
    error: np.ndarray
    level: int = 0
    status: str = "ok"
    note: str = ""


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
        elif t.add(np.asarray(d)[None], np.asarray(nz)[None])[0]:  # a batch of one line
            break
        h /= 2
        t.level += 1
    if not t.rows:
        why = "f is not finite" if not finite else "no step was usable"
        return Run(d, np.full(np.shape(d), np.inf), t.level, "inconclusive",
                   f"{why} at any step along this direction")
    value, error, level = t.result()
    return Run(value[0, ...], error[0, ...], int(level[0]))


def tableaus(stencil: Stencil, lines, rows, h0):
    """``tableau`` on each line in ``rows`` (a ``batch.Lines``) from its own h0, the lines in
    lockstep, each leaving when its own tableau stops. Returns value, error and finest level
    per line, and which lines met a step where f is not finite or takes another branch (where
    ``tableau`` restarts or gives up: for the one-line scheme)."""
    n, shape = len(rows), lines.out_shape
    value, error = np.zeros((n,) + shape), np.zeros((n,) + shape)
    level, fell = np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    act, h, t = np.arange(n), np.array(h0, dtype=float), _Tableau(stencil)
    for _ in range(MAX_LEVELS):
        d, nz, clean = quotients(stencil, lines, rows[act], h[act])
        if not np.all(clean):
            fell[act[~clean]] = True
            t, act, d, nz = t.take(clean), act[clean], d[clean], nz[clean]
        done = t.add(d, nz) if act.size else np.zeros(0, dtype=bool)
        if np.any(done):
            v, e, k = t.result()
            value[act[done]], error[act[done]], level[act[done]] = v[done], e[done], k[done]
            t, act = t.take(~done), act[~done]
        if not act.size:
            return value, error, level, fell
        h /= 2
        t.level += 1
    value[act], error[act], level[act] = t.result()
    return value, error, level, fell


class _Tableau:
    """The Neville tableaus of a batch of lines in lockstep (one run of steps, restarted after
    a non-finite or kinked step). Entries are arrays with one leading axis over the lines."""

    def __init__(self, stencil: Stencil, level: int = 0):
        self.stencil, self.level = stencil, level
        self.rows: list = []
        self.noises: list = []
        self.levels: list = []
        self.best = _Best()

    def take(self, keep) -> _Tableau:
        """The tableaus of the lines where ``keep`` is True."""
        t = _Tableau(self.stencil, self.level)
        t.rows = [[a[keep] for a in row] for row in self.rows]
        t.noises = [[a[keep] for a in row] for row in self.noises]
        t.levels, t.best = list(self.levels), self.best.take(keep)
        return t

    def add(self, d, nz) -> np.ndarray:
        """Add the quotients at the next step; True for each line where finer steps cannot
        help any more."""
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
            return np.zeros(len(d), dtype=bool)
        last = self.best.improved
        stale = (last >= 0) & (self.level - last >= PATIENCE)  # no better entry lately
        # finer steps: more noise; or nothing but noise left at this step
        noisy = per_line(st.next_noise(nz) >= QUIET * self.best.err, np.all)
        swamped = per_line(nz >= np.abs(d), np.all)
        return stale | noisy | swamped

    def result(self):
        """Value, error and finest level used, per line."""
        value, err, level = self.best.result(self.rows[-1][-1], self.level)
        return value, np.maximum(err, self.scatter(value, level)), level

    def scatter(self, value, level):
        """The rounding noise at ``level`` as the finer levels show it.

        The noise model (eps of each value) misses the rounding of a function whose value is
        the small difference of large terms (a deep out-of-the-money price: S·N(d1) − K·N(d2)
        with N = (1 + erf)/2). Past the chosen step, lightly extrapolated entries (column 2:
        truncation O(h^6)) differ from the value by noise alone, which grows like h^-power;
        scaled back to the chosen step, that difference is the noise the value carries.
        """
        out, nd = np.zeros(np.shape(value)), np.ndim(value) - 1
        for m, row in zip(self.levels, self.rows):
            if len(row) > 1:
                later = column(m > level, nd)
                shrink = column(2.0 ** (-self.stencil.power * (m - level)), nd)
                with np.errstate(over="ignore", invalid="ignore"):
                    wider = np.maximum(
                        out, SCATTER * np.abs(row[min(2, len(row) - 1)] - value) * shrink)
                out = np.where(later, wider, out)
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
    regular = (ratio >= expected / 2) & (ratio <= expected * 2)
    if k - 3 < p:
        return quiet | regular
    # Faster than h^q (an exponentially small remainder, as a deep in-the-money price
    # turning linear) counts once the differences were already shrinking at least as fast.
    with np.errstate(divide="ignore", invalid="ignore"):
        before = d0 / np.abs(rows[k - 2][p] - rows[k - 3][p])
    return quiet | regular | ((ratio < expected / 2) & (before <= expected * 2))


class _Best:
    """The entry with the smallest error estimate, elementwise, among trusted ones (and a
    fallback among all, used only where nothing was trusted); arrays over a batch of lines."""

    def __init__(self):
        self.value = self.err = self.k = None
        self.improved = None  # per line, the level of the last better trusted entry (or -1)
        self.any_value = self.any_err = None

    def take(self, keep) -> _Best:
        """The entries of the lines where ``keep`` is True."""
        b = _Best()
        for name in ("value", "err", "k", "improved", "any_value", "any_err"):
            a = getattr(self, name)
            setattr(b, name, None if a is None else a[keep])
        return b

    def offer(self, value, err, k, trusted) -> None:
        if self.value is None:
            shape = np.shape(err)
            self.value, self.err = np.zeros(shape), np.full(shape, np.inf)
            self.k = np.zeros(shape, dtype=int)
            self.improved = np.full(shape[0], -1)
            self.any_value, self.any_err = value, err
        take = trusted & (err < self.err)
        self.improved = np.where(per_line(take, np.any), k, self.improved)
        self.value = np.where(take, value, self.value)
        self.err = np.where(take, err, self.err)
        self.k = np.where(take, k, self.k)
        anyb = err < self.any_err
        self.any_value = np.where(anyb, value, self.any_value)
        self.any_err = np.where(anyb, err, self.any_err)

    def result(self, last, last_k: int):
        """(value, error, finest level used) per line; untrusted fallbacks are charged their
        distance to the last, finest extrapolation."""
        none = ~np.isfinite(self.err)
        value = np.where(none, self.any_value, self.value)
        err = np.where(none, np.maximum(self.any_err, np.abs(self.any_value - last)), self.err)
        return value, err, np.where(per_line(none, np.any), last_k, per_line(self.k, np.max))


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

    def first_many(self, lines: Lines) -> Many:
        """``first`` along every line of ``lines`` at once (see ``batch``): the central
        stencil's start steps and tableaus as arrays; a line on a domain edge, or meeting a
        non-finite value or another branch, goes through ``first`` on its evaluated points."""
        c, rows, many = FIRST["central"], np.arange(lines.m), Many(lines)
        h0 = lines.base_step(rows, H0)
        h0 = np.minimum(fit_step_array(h0, lines.down, c.back),
                        fit_step_array(h0, lines.up, c.fwd))  # ``choose``
        on = rows[np.minimum(lines.down, lines.up) > 0]
        start, fell = start_steps(c, lines, on, h0[on])
        on, start = on[~fell], start[~fell]
        value, error, level, fell = tableaus(c, lines, on, start)
        on, level = on[~fell], level[~fell]
        many.put(on, value[~fell], error[~fell])
        if lines.call.unknown:  # branches not recorded: ``_run``'s numerical kink test
            for i, k in zip(on.tolist(), level.tolist()):
                est = Est(many.value[i], many.error[i])
                est = est if k == 0 else _numerical_kink_test(lines.line(i), h0[i] / 2**k, est)
                if est.status != "ok":
                    many.put_est(i, est)
        return many.finish(self.first)


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


__all__ = ["EPS", "FIRST", "H0", "Richardson", "SECOND", "Stencil", "choose", "start_step",
           "tableau"]
