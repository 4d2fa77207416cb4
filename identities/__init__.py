"""Identities: what must hold. The Appendix B catalogue as cited records in a registry.

The registry holds the built-in catalogue (``identities.catalogue``) from its first use:
reading ``IDENTITIES``, ``get`` or ``catalogue`` here, or calling ``define``, imports it, and
it registers every record. The record type ``Identity`` needs none of it, so a user's
``check()`` builds its record without paying for the catalogue's sympy statements and
hypothesis strategies (DESIGN: nothing heavy at import).
"""

from importlib import import_module

from . import record as _record
from .record import RECORD_KINDS, Identity

_REGISTRY = ("IDENTITIES", "get", "catalogue")  # names that need the built-in records


def _catalogue():
    return import_module(".catalogue", __name__)  # registers the built-in records, once


def define(identity=None, /, **fields_) -> Identity:
    """Register an identity after the built-in ones (ids are public and unique); returns it.
    See ``identities.record.define``."""
    _catalogue()
    return _record.define(identity, **fields_)


def __getattr__(name: str):
    if name not in _REGISTRY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    catalogue = _catalogue()
    value = catalogue if name == "catalogue" else getattr(_record, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = ["IDENTITIES", "RECORD_KINDS", "Identity", "catalogue", "define", "get"]
