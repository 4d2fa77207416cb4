"""The finite-difference engine skeleton: every kind of derivative from two line schemes.

A scheme supplies ``first(line)`` (g'(0)) and ``second(line)`` (g''(0)); this class builds the
JVP, Jacobian, gradient, VJP, Hessian (by polarization), HVP and Laplacian from them, adds the
errors, counts the evaluations and carries "inconclusive" statuses through.

Every method takes an optional keyword ``domain`` (see ``engines.fd._common.Domain``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import Cost, Engine, Result
from ..errors import InputError
from ._common import Call, EmptyOutput, unit
from .batch import Lines


@dataclass
class Est:
    """One line derivative: value, error estimate, and a status with its reason."""

    value: np.ndarray
    error: np.ndarray
    status: str = "ok"
    note: str = ""


class FDEngine(Engine):
    """Base of the finite-difference engines; subclasses define ``first`` and ``second``."""

    category = "finite-difference"
    # Every result already says "inconclusive" (with the primitive and the distance) when a
    # stencil point it used lies on another branch of abs/sign/maximum/minimum/where than x;
    # a judge may rely on that instead of a coarser test of its own.
    checks_kinks = True
    # Witnesses beside the AD nestings: a verification run gives them 10 of its examples an
    # identity (``adcheck run --full``: all).
    max_examples = 10

    def first(self, line) -> Est:
        raise NotImplementedError

    def second(self, line) -> Est:
        raise NotImplementedError

    # steps scale with each component moved, but not below this fraction of the argument's size
    floor = 2.0**-10

    def _call(self, f, args, wrt, domain) -> Call:
        return Call(f, args, wrt, domain, self.floor)

    # -- assembling
    def _result(self, call: Call, value, error, ests) -> Result:
        bad = [e for e in ests if e.status != "ok"]
        status = bad[0].status if bad else "ok"
        notes = sorted({e.note for e in (bad or ests) if e.note})
        note = "; ".join(notes[:3]) + (f" (and {len(notes) - 3} more)" if len(notes) > 3 else "")
        cost = Cost(passes=call.evaluations, evaluations=call.evaluations)
        return Result(value, cost, error, self.name, status, note)

    def _coordinate(self, call: Call, order: int) -> tuple[np.ndarray, np.ndarray, list]:
        """The order-th derivative along every coordinate line: values and errors stacked on
        a leading axis, and the ``Est`` of each line that is not plainly "ok" (a scheme with a
        batched form, ``first_many``, runs every line at once: see ``batch``)."""
        try:
            return self._lines(call, order)
        except EmptyOutput as empty:  # f has no entries: neither has its derivative
            zero = np.zeros((call.x.size,) + empty.shape)
            return zero, zero, []

    def _lines(self, call: Call, order: int) -> tuple[np.ndarray, np.ndarray, list]:
        """``_coordinate`` for an output with entries."""
        many = getattr(self, "first_many" if order == 1 else "second_many", None)
        if many is not None and call.x.size:
            got = many(Lines(call))
            return got.value, got.error, got.ests
        scheme = self.first if order == 1 else self.second
        ests = [scheme(call.line(unit(call.x.shape, i))) for i in range(call.x.size)]
        if not ests:  # an empty argument
            empty = np.zeros((0,) + np.shape(call.f0))
            return empty, empty, ests
        return (np.stack([np.asarray(e.value, dtype=float) for e in ests]),
                np.stack([np.asarray(e.error, dtype=float) for e in ests]), ests)

    def jvp(self, f, args, wrt, tangent, *, domain=None) -> Result:
        call = self._call(f, args, wrt, domain)
        try:
            est = self.first(call.line(tangent))
        except EmptyOutput as empty:  # f has no entries: neither has its derivative
            return self._result(call, np.zeros(empty.shape), np.zeros(empty.shape), [])
        return self._result(call, est.value, est.error, [est])

    def jacobian(self, f, args, wrt=0, *, domain=None) -> Result:
        call = self._call(f, args, wrt, domain)
        value, error, ests = self._coordinate(call, 1)

        def assemble(per_line):  # numerator layout: the output's axes, then the input's
            return np.moveaxis(per_line, 0, -1).reshape(per_line.shape[1:] + call.x.shape)

        return self._result(call, assemble(value), assemble(error), ests)

    def gradient(self, f, args, wrt=0, *, domain=None) -> Result:
        r = self.jacobian(f, args, wrt, domain=domain)
        if r.status == "not-applicable":
            return r  # e.g. complex step on a non-analytic function: the reason travels on
        if np.shape(r.value) != np.shape(args[wrt]):
            raise InputError(
                f"gradient needs a scalar-valued function; got a Jacobian of shape "
                f"{np.shape(r.value)}: ask for kind='jacobian'")
        return r

    def vjp(self, f, args, wrt, cotangent, *, domain=None) -> Result:
        r = self.jacobian(f, args, wrt, domain=domain)
        ct = np.asarray(cotangent, dtype=float)
        value = np.tensordot(ct, r.value, axes=ct.ndim)
        error = np.tensordot(np.abs(ct), r.error, axes=ct.ndim)
        return Result(value, r.cost, error, self.name, r.status, r.note)

    def _scalar(self, call: Call) -> None:
        if call.f0.shape != ():  # a shape-(1,) output has a (1, n, n) derivative, not (n, n)
            raise InputError(
                f"second derivatives here need a scalar-valued function; f has shape "
                f"{call.f0.shape}")

    def hessian(self, f, args, wrt=0, *, domain=None) -> Result:
        call = self._call(f, args, wrt, domain)
        self._scalar(call)
        n, shape = call.x.size, call.x.shape
        value, error, ests = np.zeros((n, n)), np.zeros((n, n)), []
        for i in range(n):
            e = self.second(call.line(unit(shape, i)))
            value[i, i], error[i, i] = _one(e.value), _one(e.error)
            ests.append(e)
        for i in range(n):
            for j in range(i + 1, n):
                ei, ej = unit(shape, i), unit(shape, j)
                p, m = self.second(call.line(ei + ej)), self.second(call.line(ei - ej))
                value[i, j] = value[j, i] = (_one(p.value) - _one(m.value)) / 4
                error[i, j] = error[j, i] = (_one(p.error) + _one(m.error)) / 4
                ests += [p, m]
        full = call.f0.shape + shape + shape  # numerator layout: the one-entry output's axes first
        return self._result(call, value.reshape(full), error.reshape(full), ests)

    def hvp(self, f, args, wrt, v, *, domain=None) -> Result:
        call = self._call(f, args, wrt, domain)
        self._scalar(call)
        v = np.asarray(v, dtype=float).reshape(call.x.shape)
        value, error, ests = np.zeros(call.x.size), np.zeros(call.x.size), []
        for i in range(call.x.size):
            e = unit(call.x.shape, i)
            p, m = self.second(call.line(e + v)), self.second(call.line(e - v))
            value[i] = (_one(p.value) - _one(m.value)) / 4
            error[i] = (_one(p.error) + _one(m.error)) / 4
            ests += [p, m]
        return self._result(call, value.reshape(call.x.shape), error.reshape(call.x.shape), ests)

    def laplacian(self, f, args, wrt=0, *, domain=None) -> Result:
        call = self._call(f, args, wrt, domain)
        self._scalar(call)
        value, error, ests = self._coordinate(call, 2)
        return self._result(call, float(sum(_one(v) for v in value)),
                            float(sum(_one(e) for e in error)), ests)

    def derivative(self, kind, f, args, wrt=0, *, domain=None, **kw) -> Result:
        """As ``Engine.derivative``, with the optional ``domain`` passed through."""
        split = self.per_leaf(kind, f, args, wrt, domain=domain, **kw)
        if split is not None:  # a container output: one derivative per leaf
            return split
        if kind == "hvp":
            return self.hvp(f, args, wrt, kw["v"], domain=domain)
        if kind == "jvp":
            return self.jvp(f, args, wrt, kw["tangent"], domain=domain)
        if kind == "vjp":
            return self.vjp(f, args, wrt, kw["cotangent"], domain=domain)
        if kind in ("jacobian", "gradient", "hessian", "laplacian"):
            return getattr(self, kind)(f, args, wrt, domain=domain)
        return super().derivative(kind, f, args, wrt, **kw)


def _one(x) -> float:
    """The single entry of a scalar or one-entry array (float() refuses the latter)."""
    return float(np.asarray(x, dtype=float).reshape(-1)[0])
