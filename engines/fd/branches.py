"""Which branches a function takes at a point: the pattern of its non-smooth choices.

The non-analytic primitives choose a smooth piece from their arguments: ``abs`` and ``sign`` by
the sign of the argument, ``maximum``/``minimum`` by the sign of a − b, ``where`` by its
condition. Evaluating ``f`` in a namespace that logs those choices gives its *branch pattern*;
two points with the same pattern lie on the same smooth piece (for one kink crossed), and a
difference stencil whose points differ in pattern from x straddles a kink, where no finite
difference means anything. Comparing patterns is exact and does not depend on any estimate.

A non-analytic primitive without a branch rule here is logged by name only (``unknown``): its
kinks cannot be located this way, and the engines fall back to a numerical test.
"""

from __future__ import annotations

import numpy as np

from ..namespace import Namespace


def _sign(*args, **params):
    return np.sign(np.asarray(args[0], dtype=float))


def _order(a, b, **params):
    return np.sign(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))


def _condition(*args, cond, **params):
    return np.asarray(cond, dtype=bool)


BRANCH = {"abs": _sign, "sign": _sign, "maximum": _order, "minimum": _order,
          "where": _condition}
"""Primitive name -> the array that says which smooth piece it takes at its arguments."""


class Log:
    """What one evaluation chose: its pattern, and the non-analytic primitives it called."""

    def __init__(self):
        self.choices: list = []
        self.used: set = set()
        self.unknown: set = set()

    def pattern(self) -> tuple:
        return tuple(self.choices)


def recording_namespace(current) -> Namespace:
    """Plain numpy primitives that write their branch choices into ``current()``, a Log."""
    def wrap(name, prim):
        if prim.analytic:
            return prim.impl
        rule = BRANCH.get(name)

        def impl(*args, **params):
            log = current()
            log.used.add(name)
            if rule is None:
                log.unknown.add(name)
            else:
                log.choices.append((name, rule(*args, **params).tobytes()))
            return prim.impl(*args, **params)
        return impl

    # a function of the record: each name is wrapped on its first use, not the whole table
    # per evaluation request (nor a deferred scipy implementation imported before it is used)
    return Namespace("numpy", lambda prim: wrap(prim.name, prim))


def pattern(f, args) -> tuple:
    """The sequence of branch choices ``f(xp, *args)`` makes (empty for a smooth f)."""
    log = Log()
    f(recording_namespace(lambda: log), *args)
    return log.pattern()


__all__ = ["BRANCH", "Log", "pattern", "recording_namespace"]
