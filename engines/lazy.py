"""Heavy libraries by name: sympy, scipy.special and scipy.linalg load when a name is called.

A primitive record names its scipy implementation and its sympy form in its one block, yet
``import adcheck.engines`` must not pay for those libraries (sympy alone takes a quarter of a
second) when a run never calls them. ``lazy("sympy")`` stands in for the module: its
attribute ``sympy.exp`` is a ``Deferred`` callable, so a record's ``sym=sympy.exp`` or a rule's
``sympy.log(1 + x)`` reads as before, and the library is imported on the first call only.
After that a call costs one attribute load and one extra call frame: no import, no lookup.
"""

from __future__ import annotations

import importlib


class Deferred:
    """The callable at a dotted path ("scipy.special.erf"), imported on its first call."""

    __slots__ = ("path", "_fn")

    def __init__(self, path: str):
        self.path = path
        self._fn = None

    def __call__(self, *args, **kwargs):
        fn = self._fn
        if fn is None:
            fn = self.resolve()
        return fn(*args, **kwargs)

    def resolve(self):
        """Import the module and return (and keep) the named callable."""
        module, _, name = self.path.rpartition(".")
        self._fn = getattr(importlib.import_module(module), name)
        return self._fn

    def __repr__(self) -> str:
        return f"<deferred {self.path}>"

    def __reduce__(self):  # pickles by name, as a module-level function would
        return Deferred, (self.path,)


class LazyModule:
    """A module's callables by attribute, each a ``Deferred`` (one per name, made once)."""

    def __init__(self, name: str):
        self._name = name
        self._names: dict[str, Deferred] = {}

    def __getattr__(self, attr: str) -> Deferred:
        if attr.startswith("__"):  # protocols (copy, pickle, inspect) probe dunders: not ours
            raise AttributeError(attr)
        got = self._names.get(attr)
        if got is None:
            got = self._names[attr] = Deferred(f"{self._name}.{attr}")
        return got

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def lazy(module: str) -> LazyModule:
    """A stand-in for ``module`` whose callables import it on their first call."""
    return LazyModule(module)
