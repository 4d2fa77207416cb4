"""Engines: how derivatives are computed.

Importing this package fills the primitive table and registers the built-in engines. The
side-effect imports are listed here, explicitly. This package imports neither ``identities``
nor ``adcheck``.
"""

from . import (
    primitives,  # noqa: F401  (fills engines.core.TABLE)
    registry,
)
from .ad import ad_engines
from .base import KINDS, Cost, Engine, Result
from .core import TABLE, counting, defprim, ops
from .namespace import SUPPORTED, Namespace, ad, numpy_ns
from .registry import ENGINES, UNAVAILABLE, get, register

for _engine in ad_engines():
    register(_engine)

from .exact_engine import ExactEngine  # noqa: E402
from .fd import fd_engines  # noqa: E402
from .symbolic_engine import SymbolicEngine  # noqa: E402

for _engine in (*fd_engines(), SymbolicEngine(), ExactEngine()):
    register(_engine)

from . import adapters, taylor  # noqa: E402

register(taylor.ForwardLaplacianEngine())
adapters.register_available()  # torch / jax engines when installed, else marked unavailable

__all__ = [
    "ENGINES", "KINDS", "SUPPORTED", "TABLE", "UNAVAILABLE", "Cost", "Engine", "Namespace",
    "Result", "ad", "counting", "defprim", "get", "numpy_ns", "ops", "register", "registry",
]
