"""A composite name called in a form it lacks is reported as unsupported, naming the form.

numpy spells many calls in ways a namespace method may not take (``clip(x, a_min=0)``,
``cross(a, b, axisc=0)``, an ``out=`` argument). Python's own answer is a bare TypeError inside
every engine, and a check whose engines all raised reads as a failure of the user's code. Each
public method of a namespace class is therefore wrapped once: a call that binds runs as it is
(the wrapper looks only at a TypeError that already happened), and one that does not bind to
the method's signature raises ``UnsupportedSpelling`` with the name, what did not bind and the
signature adcheck has.
"""

from __future__ import annotations

import functools
import inspect
from types import FunctionType

from .errors import UnsupportedSpelling

_SUBSPACES = {"la_": "linalg.", "sp_": "special."}  # methods that join xp.linalg, xp.special


def public_name(attr: str) -> str:
    """The name a method is reached by in ``xp`` (``la_cond`` is ``linalg.cond``)."""
    for prefix, sub in _SUBSPACES.items():
        if attr.startswith(prefix):
            return sub + attr[len(prefix):]
    return attr


def _shown(sig: inspect.Signature) -> str:
    """The signature without ``self``."""
    return str(sig.replace(parameters=list(sig.parameters.values())[1:]))


def _guarded(attr: str, fn: FunctionType):
    name = public_name(attr)

    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except TypeError as exc:
            sig = inspect.signature(fn)
            try:
                sig.bind(self, *args, **kwargs)
            except TypeError as why:
                raise UnsupportedSpelling(name, self.engine, str(why), _shown(sig)) from exc
            raise  # the call bound: a TypeError of the computation itself

    call.guarded = True
    return call


def guard(cls: type, own_only: bool = False) -> type:
    """Wrap the public methods of ``cls`` (those it defines itself when ``own_only``, else
    those of its bases too, set on ``cls`` so the bases stay as they are). Returns ``cls``."""
    names = set(vars(cls)) if own_only else {n for k in cls.__mro__ for n in vars(k)}
    for attr in sorted(names):
        if attr.startswith("_"):
            continue
        fn = inspect.getattr_static(cls, attr)
        if isinstance(fn, FunctionType) and not getattr(fn, "guarded", False):
            setattr(cls, attr, _guarded(attr, fn))
    return cls
