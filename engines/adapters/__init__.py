"""Adapters: PyTorch and JAX as engines under test.

Identities' ``f(xp, ...)`` run unchanged on torch tensors or jax arrays: each adapter binds the
namespace's supported names to its library's functions (through array-api-compat where it
has them, and the library's own ``erf``, ``outer``, ``trace``, ``diag``, ``linalg.*``), then
differentiates with the library's own AD. An adapter is registered only when its library
imports; otherwise ``engines.registry.UNAVAILABLE`` says how to install it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

import numpy as np

from ..base import Cost, Engine, Result
from ..namespace import Namespace, SlogdetResult
from ..registry import mark_unavailable, register

INSTALL = {
    "torch": "pip install 'adcheck[torch]' (here: pip install torch==2.13.0)",
    "jax": "pip install 'adcheck[jax]' (here: pip install jax)",
}
ENGINE_NAMES = {"torch": ("torch", "torch-fwd-over-rev"), "jax": ("jax", "jax-fwd-over-rev")}
COMPILE_CACHE = "ADCHECK_JAX_COMPILE_CACHE"
"""Environment variable naming a folder where a run's workers share jax's compiled programs
(``adcheck.running`` sets it in each worker before the engines load)."""


class AdapterNamespace(Namespace):
    """A namespace over a foreign array library.

    The base class reads conditions and determinant signs through numpy; a foreign library's
    traced arrays cannot be read that way, so those three names go through the library.

    Args:
        engine: name for error messages.
        prims: primitive name -> the library's function (same signature as the table's).
        constant: numpy data -> the library's float64 array.
        is_array: whether an object already is the library's array.
        sign_of_det: the library's sign of a determinant (not differentiated).
    """

    def __init__(self, engine: str, prims: dict, constant: Callable, is_array: Callable,
                 sign_of_det: Callable):
        super().__init__(engine, prims, constant)
        self._is_array, self._sign_of_det = is_array, sign_of_det
        self.linalg.slogdet = self.slogdet

    def where(self, cond, x, y):
        return self._p["where"](x, y, cond=cond)

    def slogdet(self, a):
        return SlogdetResult(self._sign_of_det(a), self._p["logabsdet"](a))

    def asarray(self, obj, dtype=None):
        if self._is_array(obj):
            return obj
        if isinstance(obj, (list, tuple)) and _holds(obj, self._is_array):
            return self.stack([self.asarray(o) for o in obj])
        return self._constant(np.asarray(obj, dtype=dtype or np.float64))


def _holds(obj, is_array) -> bool:
    """True when a nested list holds an array of the library anywhere."""
    if is_array(obj):
        return True
    return isinstance(obj, (list, tuple)) and any(_holds(o, is_array) for o in obj)


class CallCounter:
    """Wraps ``f(xp, *args)``; counts its calls (a call under a transform traces once)."""

    def __init__(self, f: Callable):
        self.f, self.calls = f, 0

    def __call__(self, *a, **k):
        self.calls += 1
        return self.f(*a, **k)


class AdapterEngine(Engine):
    """Shared shape of the adapters: numpy in, numpy out, cost counted as passes/sweeps."""

    category = "adapter"

    @property
    def family(self) -> str:
        """The library: both engines of one library share its rules."""
        return self.name.split("-")[0]

    def _result(self, value, passes: int, sweeps: int = 0) -> Result:
        return Result(np.asarray(value, dtype=np.float64), Cost(passes=passes, sweeps=sweeps),
                      engine=self.name)


class LazyAdapter(Engine):
    """An adapter registered by name; its library is imported on the first derivative asked.

    Importing torch and jax costs seconds; ``import adcheck.engines`` stays fast and the engine
    list stays complete. Every derivative kind forwards to the real engine.
    """

    category = "adapter"

    def __init__(self, name: str, lib: str, description: str):
        self.name, self.lib, self.description = name, lib, description
        self.family = lib  # torch's two engines share torch's rules, jax's two jax's
        self._engine = None
        # A verification run's share (``adcheck run --full``: every example): jax compiles
        # every new shape (about 0.5 s a case), torch costs about 15 ms a case.
        self.max_examples = {"jax": 1, "torch": 10}[lib]

    @property
    def engine(self) -> Engine:
        """The real engine (imports the library once)."""
        if self._engine is None:
            module = importlib.import_module(f"{__name__}.{self.lib}_engine")
            self._engine = {e.name: e for e in module.engines()}[self.name]
        return self._engine

    def computation(self, kind, order):
        """The real engine's key (jax's two engines share their first order), else None."""
        own = getattr(self.engine, "computation", None)
        return None if own is None else own(kind, order)

    def warm(self) -> None:
        """Import the library and differentiate once (jax starts its compiler, torch its
        autograd engine), outside any case's time limit."""
        import numpy as np
        self.engine.gradient(lambda xp, x: xp.sum(xp.multiply(x, x)), (np.ones(2),), 0)

    def jvp(self, f, args, wrt, tangent):
        return self.engine.jvp(f, args, wrt, tangent)

    def vjp(self, f, args, wrt, cotangent):
        return self.engine.vjp(f, args, wrt, cotangent)

    def jacobian(self, f, args, wrt=0):
        return self.engine.jacobian(f, args, wrt)

    def gradient(self, f, args, wrt=0):
        return self.engine.gradient(f, args, wrt)

    def hessian(self, f, args, wrt=0):
        return self.engine.hessian(f, args, wrt)

    def hvp(self, f, args, wrt, v):
        return self.engine.hvp(f, args, wrt, v)

    def laplacian(self, f, args, wrt=0):
        return self.engine.laplacian(f, args, wrt)


DESCRIPTIONS = {
    "torch": "torch.autograd.grad; second order by grad of grad (create_graph=True)",
    "torch-fwd-over-rev": "torch.func: jacrev; second order by jacfwd(jacrev), jvp of grad",
    "jax": "jax.grad / jax.jacrev; second order by jax.jacrev(jax.grad)",
    "jax-fwd-over-rev": "jax.grad / jax.jacrev; second order by jax.jacfwd(jax.grad)",
}


def register_available() -> list[str]:
    """Register the adapters whose library is installed; mark the others unavailable."""
    done = []
    for lib, names in ENGINE_NAMES.items():
        needs = (lib, "array_api_compat") if lib == "torch" else (lib,)
        if any(importlib.util.find_spec(m) is None for m in needs):
            for name in names:
                mark_unavailable(name, INSTALL[lib])
            continue
        for name in names:
            register(LazyAdapter(name, lib, DESCRIPTIONS[name]))
            done.append(name)
    return done


__all__ = ["COMPILE_CACHE", "AdapterEngine", "AdapterNamespace", "CallCounter", "LazyAdapter",
           "register_available"]
