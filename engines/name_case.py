"""The record of one name's sample call (``engines.name_cases`` and its numpy-spelling
supplement build their tables of these)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _rev(x, axis):
    """x reversed along ``axis`` by an index list (torch tensors refuse negative steps)."""
    n = x.shape[axis]
    return x[(slice(None),) * axis + (list(range(n - 1, -1, -1)),)]


@dataclass(frozen=True)
class NameCase:
    """A name, the input kind its sample call takes, and the call ``call(fn, x)``."""

    name: str
    inputs: str
    call: Callable
    smooth: bool = True  # False: piecewise (zero derivative, no second-order check)

    def resolve(self, xp):
        """The function the name denotes in ``xp``."""
        owner = xp
        for part in self.name.split("."):
            owner = getattr(owner, part)
        return owner

    def f(self, xp, x):
        """The sample call in ``xp`` (a plain array or a tuple of them)."""
        return self.call(self.resolve(xp), x)


def _c(name, inputs="vec", call=lambda g, x: g(x), smooth=True):
    return NameCase(name, inputs, call, smooth)
