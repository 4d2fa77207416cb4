"""adcheck's own AD run on exact numbers: a reference that needs no closed form.

``ExactBox`` carries an object array of mpmath numbers; its trace evaluates every primitive of
the table with the exact oracle's implementation of its record (``engines.exact.exact_impl``).
It is the lowest level of a nesting, so the forward and reverse interpreters run on top of it
unchanged and their rules, written with the namespace's operations, are themselves evaluated
at 50+ digits. The Jacobian (or second derivative) of any ``f(xp, ...)`` then comes out
correct to far below float64 rounding, for a user's translated program as for a catalogue
record.
"""

from __future__ import annotations

import mpmath
import numpy as np

from adcheck.engines import transforms as T
from adcheck.engines.core import Box, new_level, primal
from adcheck.engines.exact import GUARD, exact_impl, to_exact, to_float
from adcheck.engines.namespace import ad

DPS = 50
"""Digits of the exact evaluation (plus the oracle's guard digits)."""
EXACT_WORK = 2_000_000
"""The most element operations at DPS digits (about 2 µs each on the development machine) an
exact Jacobian may cost: the elements of one pass of the program (counted by a float64 pass,
``elements``) times (1 + 2 x the sweeps). Past it a drop-in check probes random directions
instead (a 1,622-parameter conv net: 167.7 s exact, 0.06-0.08 s probed)."""


class TooCostly(Exception):
    """The exact Jacobian would cost more than its budget; the message says how much."""


class ExactBox(Box):
    """A value held exactly (object array of mpf) at the lowest level of a nesting."""

    __slots__ = ()

    def __init__(self, value, trace):
        self.value, self.tracer, self.level = value, trace, trace.level


class ExactTrace:
    """Evaluates each primitive in mpmath; the interpreters above it see ordinary boxes."""

    def __init__(self):
        self.level = new_level()
        self.prims: dict = {}

    def box(self, x) -> ExactBox:
        """An exact copy of a float input (a binary float is a rational number)."""
        return ExactBox(to_exact(np.asarray(x, dtype=float)), self)

    def process(self, prim, args, params):
        vals = [a.value if isinstance(a, ExactBox) and a.tracer is self else a for a in args]
        impl = self.prims.get(prim.name)
        if impl is None:  # derived from the record once per trace (define_primitive adds some)
            impl = self.prims[prim.name] = exact_impl(prim)
        return ExactBox(impl(*vals, **params), self)


class _CountTrace(ExactTrace):
    """Evaluates each primitive in float64 and counts the elements: the exact pass's cost
    without paying for it."""

    def __init__(self):
        super().__init__()
        self.elements = 0

    def box(self, x) -> ExactBox:
        return ExactBox(np.asarray(x, dtype=float), self)

    def process(self, prim, args, params):
        vals = [a.value if isinstance(a, ExactBox) and a.tracer is self else a for a in args]
        with np.errstate(all="ignore"):
            out = prim.impl(*vals, **params)
        self.elements += int(np.size(out))
        return ExactBox(out, self)


def elements(F, args) -> int:
    """How many values one taped pass of ``F(xp, *args)`` computes (a float64 pass)."""
    tr = _CountTrace()
    F(ad, *[tr.box(a) if _is_float(a) else a for a in args])
    return tr.elements


def is_value_box(x) -> bool:
    """True for the boxes that hold values (exact or magnitude), not derivative levels."""
    from adcheck.judging.magnitude import MagBox
    return isinstance(x, (ExactBox, MagBox))


def stop_gradient(x):
    """``x`` with the derivative levels stripped; an exact or magnitude value stays boxed."""
    while isinstance(x, Box) and not is_value_box(x):
        x = x.value
    return x


def _floats(x) -> np.ndarray:
    return to_float(primal(x)) if isinstance(x, Box) or np.asarray(x).dtype == object \
        else np.asarray(x, dtype=float)


def _is_float(a) -> bool:
    return isinstance(a, (float, np.floating)) or (
        isinstance(a, np.ndarray) and a.dtype.kind == "f")


def jacobian_blocks(F, args, argnums, cotangents=None, budget=None) -> list:
    """Exact Jacobian rows of the vector-valued ``F(xp, *args)`` w.r.t. ``args[argnums]``.

    One taped pass of ``F`` on exact boxes, one reverse sweep per output component (or per
    given cotangent). Returns ``[rows_i for i in argnums]``, each an array of shape
    ``(n_rows,) + args[i].shape``, rounded to float64 from 50 digits.
    """
    if budget is not None and cotangents is not None:
        try:
            n = elements(F, args)
        except Exception:  # noqa: BLE001  a float64 pass that fails: the exact pass decides
            n = 0
        work = n * (1 + 2 * len(cotangents))
        if work > budget:
            raise TooCostly(f"the exact Jacobian would cost about {work:.2g} operations at "
                            f"{DPS} digits ({n:,} in the taped pass, {len(cotangents)} "
                            f"sweeps), past the budget of {budget:.2g}")
    with mpmath.workdps(DPS + GUARD):
        tr = ExactTrace()
        boxed = [tr.box(a) if _is_float(a) else a for a in args]
        out, pullback = T.vjp(F, ad, boxed, argnum=tuple(argnums))
        n_out = int(np.prod(np.shape(out), dtype=np.int64))
        if cotangents is None:
            eye = np.eye(n_out)
            cotangents = [eye[k].reshape(np.shape(out)) for k in range(n_out)]
        rows = [pullback(ct) for ct in cotangents]
        return [np.stack([_floats(r[j]) for r in rows]) if rows else
                np.zeros((0,) + np.shape(args[i])) for j, i in enumerate(argnums)]


def value(F, args) -> np.ndarray:
    """``F(xp, *args)`` evaluated exactly, rounded to float64."""
    with mpmath.workdps(DPS + GUARD):
        tr = ExactTrace()
        return _floats(F(ad, *[tr.box(a) if _is_float(a) else a for a in args]))


__all__ = ["DPS", "ExactBox", "ExactTrace", "jacobian_blocks", "stop_gradient", "value"]
