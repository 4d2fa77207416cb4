"""Small identities and engines for the judge's tests (registered on demand, then removed)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

from adcheck.engines import registry
from adcheck.engines.base import Engine, Result

__all__ = ["Engine", "Hanging", "Raising", "Result", "Scaled", "quadratic", "temporary"]
from adcheck.identities import IDENTITIES, Identity


def _vec_args(d):
    n = d.integer(1, 4)
    return (d.reals((n,)), d.reals((n, n)))


def quadratic(id_="T.quadratic", closed_form=None, **kw) -> Identity:
    """grad x^T Q x = (Q + Q^T) x, with a replaceable closed form."""
    return Identity(
        id=id_, section="T", title="test quadratic", citation="test", kind="gradient",
        f=lambda xp, x, q: x @ (q @ x),
        closed_form=closed_form or (lambda xp, x, q: (q + q.T) @ x),
        arg_names=("x", "Q"), inputs=_vec_args, **kw)


@contextmanager
def temporary(*, identities=(), engines=()):
    """Register identities and engines for one test."""
    for rec in identities:
        IDENTITIES[rec.id] = rec
    for e in engines:
        registry.register(e, replace=True)
    try:
        yield
    finally:
        for rec in identities:
            IDENTITIES.pop(rec.id, None)
        for e in engines:
            registry.ENGINES.pop(e.name, None)


class Raising(Engine):
    """An engine that raises on every case."""

    name, category, max_order = "t-raising", "ad", 2

    def derivative(self, kind, f, args, wrt=0, **kw):
        raise RuntimeError("boom")


class Hanging(Engine):
    """An engine that sleeps past any per-case limit on its first case only."""

    name, category, max_order = "t-hanging", "ad", 2

    def __init__(self):
        self.calls = 0

    def derivative(self, kind, f, args, wrt=0, **kw):
        self.calls += 1
        if self.calls == 1:
            time.sleep(30)
        return registry.get("reverse").derivative(kind, f, args, wrt, **kw)


class Scaled(Engine):
    """A correct engine times a constant (for outlier and sensitivity tests)."""

    category, max_order = "ad", 2

    def __init__(self, factor, name="t-scaled"):
        self.factor, self.name = factor, name

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = registry.get("reverse").derivative(kind, f, args, wrt, **kw)
        return Result(np.asarray(r.value) * self.factor, r.cost, None, self.name)
