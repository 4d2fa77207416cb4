"""Residual records: a PDE/ODE residual evaluated on an engine's derivatives, with its bound.

``f(derive, xp, *args)`` asks ``derive(kind, fn, args, wrt=0, **kw)`` for each derivative it
needs. Here ``derive`` returns the engine's value, boxed with its allowance (the reverse route's
rounding bound, plus the engine's own estimate), and the residual's own arithmetic is
propagated on top by the magnitude arithmetic. The exact residual is 0.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.core import primal
from adcheck.judging import errmodel as em
from adcheck.judging.reference import input_size

_CACHE: dict = {}


class NotApplicable(Exception):
    """The engine cannot compute a derivative the residual needs."""

_CACHE_MAX = 256


def _key(kind, fn, args, wrt, kw):
    parts = [kind, id(fn), wrt]
    for a in list(args) + list(kw.values()):
        arr = np.asarray(a)
        parts.append(arr.tobytes() if arr.dtype != object else repr(a))
    return tuple(parts)


def cached_bound(kind, fn, args, wrt, **kw) -> np.ndarray:
    """The reverse route's rounding bound of one derivative (cached per input)."""
    key = _key(kind, fn, args, wrt, kw)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        try:
            _CACHE[key] = em.derivative_bound(kind, fn, args, wrt, kw.get("v")).err
        except Exception:  # noqa: BLE001  no bound: charge the value's own rounding only
            _CACHE[key] = None
    return _CACHE[key]


def _floor(kind, fn, args, wrt) -> float:
    """Finite differences' rounding floor for one derivative (see errmodel.fd_floor)."""
    key = ("floor",) + _key(kind, fn, args, wrt, {})
    if key not in _CACHE:
        try:
            mag = float(np.max(em.function_bound(fn, args).err, initial=0.0))
            _CACHE[key] = em.fd_floor(em.ORDER.get(kind, 1), mag, input_size(args[wrt]))
        except Exception:  # noqa: BLE001
            _CACHE[key] = 0.0
    return _CACHE[key]


def _magnitude(rec, args, plain) -> float:
    """The magnitude of the residual's computation: its bound replayed with each derivative
    charged its rounding only (an engine's own estimate is an allowance, not a magnitude)."""
    replay = iter(plain)
    try:
        b = em.residual_bound(rec.f, args, lambda *a, **k: next(replay))
    except Exception:  # noqa: BLE001  (a residual that asks differently the second time)
        return float(max((np.max(e, initial=0.0) for _, e in plain), default=0.0))
    return float(np.max(b.err, initial=0.0))


def residual_with_bound(rec, engine, args, Cost, Result):
    """The residual computed from ``engine``'s derivatives, as a Result whose ``error`` is the
    componentwise allowance of the residual."""
    state = {"cost": Cost(), "status": "ok", "note": "", "estimated": False}
    plain = []  # (value, rounding bound) of each derivative, for the magnitude replay

    def derive_value(kind, fn, dargs, wrt=0, **kw):
        dargs = tuple(primal(a) for a in dargs)
        kw = {k: primal(x) for k, x in kw.items()}
        r = engine.derivative(kind, fn, dargs, wrt, **kw)
        if r.status == "not-applicable" or r.value is None:
            raise NotApplicable(f"{engine.name} cannot compute the {kind} this residual needs"
                                + (f": {r.note}" if r.note else ""))
        state["cost"] = state["cost"] + r.cost
        if r.status != "ok" and state["status"] == "ok":
            state["status"], state["note"] = r.status, r.note
        value = np.asarray(r.value, dtype=float)
        bound = cached_bound(kind, fn, dargs, wrt, **kw)
        err = np.abs(value) if bound is None else np.asarray(bound)
        plain.append((value, err))
        if r.error is not None:
            from .cases import numerical
            if numerical(engine, r):  # a difference's estimate: trusted, floored
                state["estimated"] = True
                term = em.fd_term(r.error, _floor(kind, fn, dargs, wrt))
            else:  # an exact or symbolic engine's own rounding, as it is
                term = np.abs(np.asarray(r.error, dtype=float))
            err = err + em.in_route_units(term)
        return value, err

    b = em.residual_bound(rec.f, args, derive_value)
    total = em.route_rounding(b.err)
    zero = np.zeros(np.shape(b.err))
    allow = em.Allowance(total, total, zero, zero, _magnitude(rec, args, plain),
                         state["estimated"])
    return Result(b.value, state["cost"], allow, engine.name, state["status"], state["note"])
