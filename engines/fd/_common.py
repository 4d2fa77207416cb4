"""What the finite-difference engines share: domains, the line g(t) = f(x + t v), step rules.

Every finite-difference scheme here works on one line through the input: ``g(t) = f(x + t v)``
for a direction ``v``; a first directional derivative is g'(0) = J v and a second is
g''(0) = vᵀ H v. Mixed second derivatives come from polarization,
H_ij = (D²_{e_i+e_j} − D²_{e_i−e_j}) / 4.

Domains: a ``Domain(lower, upper)`` (scalars or arrays broadcast to the argument's shape;
``Domain(lower=0)`` means x > 0) limits how far the line may go each way (``Line.room``). Every
stencil point other than x itself lies strictly inside. Near an edge the distance d to it is the
scale on which the function may change (log, sqrt, 1/σ are singular there), so steps are taken
relative to min(s, d), s the input's own scale along the line (``Line.scale``), and stay
central; at a point on the edge (d = 0, allowed when f is defined there) the stencil is
one-sided, pointing into the domain.

Without a declared domain f may still be undefined somewhere (NaN or inf from log or sqrt of a
negative): the schemes see the non-finite values and take smaller steps. Evaluations also
record f's branch pattern (``branches``), so a stencil that straddles a kink is known exactly.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base import as_float_args
from ..core import EPS
from ..errors import InputError
from .branches import Log, recording_namespace


@dataclass(frozen=True)
class Domain:
    """Open box ``lower < x < upper`` for the differentiated argument (None: unbounded)."""

    lower: Any = None
    upper: Any = None

    def bounds(self, shape) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds as float arrays of ``shape``."""
        lo = -np.inf if self.lower is None else self.lower
        hi = np.inf if self.upper is None else self.upper
        return (np.broadcast_to(np.asarray(lo, dtype=float), shape),
                np.broadcast_to(np.asarray(hi, dtype=float), shape))


def as_domain(domain) -> Domain:
    """Accept None, a Domain, a (lower, upper) pair or a {'lower':, 'upper':} dict."""
    if domain is None:
        return Domain()
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, dict):
        unknown = set(domain) - {"lower", "upper"}
        if unknown:
            raise InputError(f"domain keys must be 'lower'/'upper', got {sorted(unknown)}")
        return Domain(domain.get("lower"), domain.get("upper"))
    if isinstance(domain, (tuple, list)) and len(domain) == 2:
        return Domain(*domain)
    raise InputError(
        f"domain must be a Domain, a (lower, upper) pair or a dict, not {type(domain).__name__}"
    )


class EmptyOutput(Exception):
    """f has no entries (``repeat(x, 0)``): its derivative is empty, and no step is needed;
    raised by the first evaluation that shows it, caught where a derivative is assembled."""

    def __init__(self, shape: tuple):
        super().__init__(f"f has shape {shape}, no entries")
        self.shape = shape


class Call:
    """One derivative request: the function, a safe copy of its arguments, the domain, and
    what is shared by every line of the request (evaluation count, g(0), branches seen)."""

    def __init__(self, f, args, wrt, domain=None, floor: float = 2.0**-10):
        self.f, self.args, self.wrt = f, as_float_args(args, wrt), wrt
        self.x = self.args[wrt]
        self.domain = as_domain(domain)
        self.evaluations = 0
        self.used: set = set()  # non-analytic primitives called
        self.unknown: set = set()  # ... of them, those whose branches are not recorded
        self._log = Log()
        self.xp = recording_namespace(lambda: self._log)
        self._f0 = None
        # the input's own scale, below which no step scale falls (``floor`` of it); an input
        # that is all zeros has no scale of its own, and 1 stands in
        self.size = float(np.max(np.abs(self.x), initial=0.0)) or 1.0
        self.floor = floor

    def at(self, x) -> np.ndarray:
        """f with the differentiated argument replaced by ``x`` (counted)."""
        return self.evaluate(x)[0]

    def evaluate(self, x) -> tuple[np.ndarray, tuple]:
        """f at ``x`` and its branch pattern. Outside f's (undeclared) domain numpy gives NaN
        or inf quietly; the schemes see it and step back inside."""
        if self.quiet:
            return self._evaluate(x)
        with np.errstate(all="ignore"):
            return self._evaluate(x)

    # True while a caller holds numpy's errors off for many evaluations (``Lines.at``): one
    # error-state context per batch of points instead of one per point
    quiet = False

    def _evaluate(self, x) -> tuple[np.ndarray, tuple]:
        args = list(self.args)
        args[self.wrt] = x
        self.evaluations += 1
        self._log = log = Log()
        value = np.asarray(self.f(self.xp, *args), dtype=float)
        if log.used:
            self.used |= log.used
            self.unknown |= log.unknown
        return value, log.pattern()

    @property
    def f0(self) -> np.ndarray:
        """f(x), evaluated once per request."""
        if self._f0 is None:
            self._f0, self.pattern0 = self.evaluate(self.x.copy())
        return self._f0

    def base_pattern(self) -> tuple:
        """The branch pattern of f at x (evaluating f(x) if not yet done)."""
        self.f0  # noqa: B018
        return self.pattern0

    def point(self, v, t: float, seen: dict, crossed: dict, moved=None) -> np.ndarray:
        """f at x + t v, once per t of a line whose evaluated points are ``seen`` and whose
        points on another branch than x are ``crossed`` (t -> the primitive that changed);
        ``moved``, when given, builds x + t v itself (``Lines``: without a dense v)."""
        if t == 0.0:
            if not self.f0.size:
                raise EmptyOutput(self.f0.shape)
            return self.f0
        if t not in seen:
            y = self.x + t * v if moved is None else moved(t)  # new array
            try:
                value, pat = self.evaluate(y)
            except (ValueError, IndexError, ArithmeticError, np.linalg.LinAlgError) as exc:
                # f is not defined there (a factorization that fails, a mask that changes the
                # shapes f combines): outside its domain, like a NaN, and a kink between
                crossed[t] = f"f itself ({type(exc).__name__} at this step)"
                value, pat = np.full(self._shape(seen), np.nan), ()
            if value.shape != self._shape(seen, value):  # x[x > 0]: the output changes shape
                crossed[t] = "the output's shape"
                value = np.full(self._shape(seen), np.nan)
            if not value.size:
                raise EmptyOutput(value.shape)
            seen[t] = value
            # a smooth f logs no choices; only a non-smooth one needs g(0)'s pattern
            if pat and pat != self.base_pattern():
                crossed[t] = _first_change(self.pattern0, pat)
        return seen[t]

    def _shape(self, seen: dict, first=None) -> tuple:
        """The output's shape: f(x)'s when known, else the first point's (a smooth first
        difference never evaluates f at x, and must not start now)."""
        if self._f0 is not None:
            return self._f0.shape
        known = next(iter(seen.values()), first)
        return np.shape(known) if known is not None else self.f0.shape

    def line(self, v) -> Line:
        """The line through x along ``v``."""
        return Line(self, v)

    def room(self, v) -> tuple[float, float]:
        """How far t may go below and above 0 along ``v`` (``_room``). With no declared bound
        and a finite x that is (inf, inf) along every direction: known without the arithmetic
        (a Hessian asks along n² directions)."""
        if self.domain.lower is None and self.domain.upper is None and self._finite_x:
            return np.inf, np.inf
        return _room(self.x, v, *self.domain.bounds(self.x.shape))

    @functools.cached_property
    def _finite_x(self) -> bool:
        return bool(np.all(np.isfinite(self.x)))

    @property
    def smooth(self) -> bool:
        """False once the function has called a non-analytic primitive (abs, maximum, ...)."""
        return not self.used


class Line:
    """``g(t) = f(x + t v)`` inside one Call; ``room`` is how far t may go each way.

    ``scale`` is the input's size along the line, the unit of its steps: the largest |x_i| of
    the components v moves (relative steps, so every magnitude from 1e-150 to 1e150 is treated
    alike), at least ``call.floor`` times the argument's own size (a component near 0 has no
    scale of its own), and the distance to a declared domain edge where that is smaller.
    """

    def __init__(self, call: Call, v):
        self.call = call
        x = call.x
        self.v = np.asarray(v, dtype=float).reshape(x.shape)
        self.room = call.room(self.v)
        nz = self.v != 0
        self.vmax = float(np.max(np.abs(self.v), initial=0.0))
        size = max(float(np.max(np.abs(x[nz]), initial=0.0)), call.floor * call.size)
        near = min(self.room) * self.vmax  # distance to the nearest edge, in x units
        far = max(self.room) * self.vmax
        self.edge = near if near > 0 else far  # how far x may move along v (in x units)
        self.scale = min(size, self.edge)
        self._seen: dict[float, np.ndarray] = {}
        self._crossed: dict[float, str] = {}

    def __call__(self, t: float) -> np.ndarray:
        """g(t); each t is evaluated once (stencils at h and 2h share points)."""
        return self.call.point(self.v, t, self._seen, self._crossed)

    def widened(self, size: float) -> Line:
        """This line with its scale raised to ``size`` (never past a domain edge); the points
        already evaluated are shared."""
        wide = copy.copy(self)
        wide.scale = min(max(self.scale, size), self.edge)
        return wide

    def crosses(self, ts) -> str:
        """The primitive that takes another branch at some point g(t), t in ``ts`` (already
        evaluated), than at x: a kink lies between them. "" when none does."""
        return next((self._crossed[t] for t in ts if t in self._crossed), "")

    def base_step(self, factor: float) -> float:
        """Step ``factor·scale`` along v, rounded down to a power of two.

        A power of two keeps x + t v exact in most cases, so the step taken is the step used.
        """
        if self.vmax == 0:
            raise InputError("direction is zero")
        return pow2_floor(factor * self.scale / self.vmax)

    def fits(self, h: float, back: int, fwd: int) -> bool:
        """True when points t = −back·h ... fwd·h lie strictly inside the domain."""
        return (back == 0 or back * h < self.room[0]) and (fwd == 0 or fwd * h < self.room[1])


def _first_change(base: tuple, other: tuple) -> str:
    """Name of the first primitive whose branch differs between two patterns."""
    for (name, a), (_, b) in zip(base, other):
        if a != b:
            return name
    return (base[len(other)] if len(base) > len(other) else other[len(base)])[0] \
        if len(base) != len(other) else "a non-smooth primitive"


def pow2_floor(h: float) -> float:
    """Largest power of two not above h."""
    return float(2.0 ** np.floor(np.log2(h)))


def fit_step(h: float, room: float, reach: int) -> float:
    """Largest power of two ≤ h with reach·step strictly inside ``room`` (0 if no room)."""
    if reach * h < room:
        return h
    return pow2_floor(room / reach) / 2 if room > 0 and reach > 0 else 0.0


def _room(x, v, lo, hi) -> tuple[float, float]:
    """How far t may go below and above 0 with x + t v strictly inside (lo, hi)."""
    if np.any(x < lo) or np.any(x > hi):
        raise InputError("the point lies outside the declared domain")
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(v > 0, (hi - x) / v, np.where(v < 0, (lo - x) / v, np.inf))
        down = np.where(v > 0, (x - lo) / v, np.where(v < 0, (x - hi) / v, np.inf))
    return float(np.min(down, initial=np.inf)), float(np.min(up, initial=np.inf))


def unit(shape, i) -> np.ndarray:
    """The i-th coordinate direction (flat index) shaped like the argument."""
    e = np.zeros(int(np.prod(shape)))
    e[i] = 1.0
    return e.reshape(shape)


def kink_note(name: str, distance: float) -> str:
    """Why a result at a kink is inconclusive, located by the branch patterns."""
    return (f"a kink within {distance:.2g} of x ({name} changes branch there): no finite "
            f"difference resolves the derivative at this point, so it is inconclusive")


KINK_NOTE = ("a kink inside the stencil: left and right one-sided estimates disagree beyond their "
             "error, so the derivative is inconclusive at this point")


def second_difference(line, h: float) -> np.ndarray:
    """g(h) − 2 g(0) + g(−h): ≈ h² g''(0) where g is smooth, ∝ h at a kink."""
    return line(h) - 2 * line(0.0) + line(-h)


def kinked(s_coarse, s_fine, noise) -> bool:
    """True when second differences at h and h/2 do not shrink like h² (ratio 1/4).

    Smooth g gives s(h/2)/s(h) = 1/4 + O(h²); a kink at x gives 1/2, a kink between h/2
    and h gives 0. Differences at the rounding level carry no information and are skipped.
    """
    s_coarse, s_fine = np.asarray(s_coarse), np.asarray(s_fine)
    big = np.abs(s_coarse) > 64 * np.asarray(noise)
    if not np.any(big):
        return False
    ratio = s_fine[big] / s_coarse[big]
    return bool(np.any(np.abs(ratio - 0.25) > 0.1))


def noise(*values) -> np.ndarray:
    """Rounding noise of a sum of function values: one eps of each (elementwise)."""
    return EPS * sum(np.abs(v) for v in values)
