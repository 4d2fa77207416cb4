"""The array namespace ``xp``: the one list of names a differentiable function may use.

Every function in the project is written once as ``f(xp, *args)``. ``SUPPORTED`` maps each name
to the primitive it runs on; a namespace is that list bound to one set of primitive
implementations (the AD dispatcher, plain numpy, exact mpmath, sympy, ...). A name outside the
list raises ``UnsupportedOperation`` naming it and the engine.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable, Mapping

import numpy as np

from . import primitives  # noqa: F401  (fills the table)
from .core import TABLE, Box, primal
from .errors import UnknownName, UnsupportedOperation
from .namespace_linalg import LINALG, SPECIAL, SPECIAL_DIRECT, LinalgNames
from .namespace_more import _ALIASES, DIRECT_MORE, MoreNames
from .namespace_more import NAMES as _MORE
from .namespace_shape import NAMES as _SHAPE
from .namespace_shape import ShapeNames

# name -> primitive it maps to (composites name the primitive doing the work)
_DIRECT = (
    "add subtract multiply divide negative pow matmul exp log log1p expm1 sqrt tanh sin cos "
    "sinh cosh erf abs sign maximum minimum logaddexp outer trace diag "
    "matrix_transpose"
).split()
_COMPOSITE = {
    "square": "multiply", "broadcast_to": "broadcast_to", "reshape": "reshape",
    "expand_dims": "reshape", "squeeze": "reshape",
    "permute_dims": "transpose", "transpose": "transpose", "stack": "stack", "concat": "concat",
    "sum": "sum", "mean": "mean", "where": "where", "vecdot": "multiply+sum", "take": "getitem",
    "asarray": "(constant or stack)", "eye": "(constant)", "zeros": "(constant)",
    "ones": "(constant)", "zeros_like": "(constant)", "ones_like": "(constant)",
    "full": "(constant)", "arange": "(constant)", "linspace": "(constant)",
}
_LINALG = {
    "inv": "inv", "det": "det", "slogdet": "logabsdet", "solve": "solve", "matmul": "matmul",
    "outer": "outer", "trace": "trace", "diagonal": "diag", "vector_norm": "sqrt+sum",
    "matrix_transpose": "matrix_transpose", **LINALG,
}
_NUMPY_TOP = {"sinc": "sin+divide+where", "i0": "bessel_iv", "tensordot": "einsum",
              "cross": "getitem+multiply+stack", "empty": "(constant)",
              "empty_like": "(constant)", "full_like": "(constant)", "meshgrid": "broadcast_to"}
_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
              "float64": np.float64, "newaxis": None}

SUPPORTED: dict[str, str] = {
    **{n: n for n in _DIRECT}, **_COMPOSITE,
    **{f"linalg.{n}": p for n, p in _LINALG.items()},
    **{n: "(constant)" for n in _CONSTANTS},
    **_MORE, **_SHAPE, **_NUMPY_TOP, **{f"special.{n}": p for n, p in SPECIAL.items()},
}
"""Every supported name and the primitive it maps to."""

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _shape(x):
    try:
        return x.shape
    except AttributeError:
        return np.shape(x)


def zeros_like_any(x):
    """Float zeros with the shape of ``x`` (array, box or scalar)."""
    return np.zeros(_shape(x))


def _closest(name: str) -> list:
    """Up to three supported names that look like ``name`` (a typo, another library's name)."""
    import difflib
    tail = name.rpartition(".")[2]
    pool = {n.rpartition(".")[2]: n for n in SUPPORTED}
    near = difflib.get_close_matches(tail, list(pool), n=3, cutoff=0.6)
    return [pool[n] for n in near]


def _missing(name: str, engine: str):
    """What a name one namespace lacks does when called: raise naming it and the engine."""
    def refuse(*args, **params):
        raise UnsupportedOperation(name, engine)
    refuse.__name__ = name
    return refuse


class _Sub:
    """A sub-namespace (``xp.linalg``) with the same error for unsupported names."""

    def __init__(self, engine: str, prefix: str, funcs: Mapping[str, Callable]):
        self._engine, self._prefix = engine, prefix
        self.__dict__.update(funcs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{self._prefix}.{name}"
        raise UnknownName(full, self._engine, _closest(full))


class Namespace(MoreNames, ShapeNames, LinalgNames):
    """The supported names bound to one implementation of the primitives.

    Args:
        engine: name used in error messages.
        prims: primitive name -> function taking the primitive's positional arguments and
            keyword parameters (the AD namespace passes ``bind``; numpy its implementations).
        constant: function turning Python/numpy data into this namespace's constant arrays.
    """

    def __init__(self, engine: str, prims: Mapping[str, Callable],
                 constant: Callable = np.asarray):
        self.engine = engine
        self._p = dict(prims)
        self._constant = constant
        for name in _DIRECT:
            setattr(self, name, self._p[name])
        for name, value in _CONSTANTS.items():
            setattr(self, name, value)
        self.linalg = _Sub(engine, "linalg", {
            "inv": self._p["inv"], "det": self._p["det"], "slogdet": self.slogdet,
            "solve": self._p["solve"], "matmul": self._p["matmul"], "outer": self._p["outer"],
            "trace": self._p["trace"], "diagonal": self._p["diag"],
            "vector_norm": self.vector_norm, "matrix_transpose": self._p["matrix_transpose"],
            **{n: getattr(self, "la_" + n, None) or getattr(self, n) for n in LINALG},
        })
        self._bind_more(engine)

    def _bind_more(self, engine):
        """The names added over the newer primitives; a namespace may lack some of them."""
        for name in DIRECT_MORE:
            setattr(self, name, self._p.get(name) or _missing(name, engine))
        for alias, name in _ALIASES.items():
            setattr(self, alias, getattr(self, name))
        special = {n: self._p.get(p) or _missing(p, engine) for n, p in SPECIAL_DIRECT.items()}
        special.update({n: getattr(self, "sp_" + n) for n in SPECIAL if n not in special
                        and hasattr(self, "sp_" + n)})
        special.update({"psi": special["digamma"], "sinc": self.sinc})
        self.special = _Sub(engine, "special", special)
        self.i0 = special["i0"]

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnknownName(name, self.engine, _closest(name))

    def __repr__(self) -> str:
        return f"<adcheck namespace {self.engine!r}>"

    # -- composites over the primitives
    def broadcast_to(self, x, shape):
        return self._p["broadcast_to"](x, shape=tuple(shape))

    def square(self, x):
        return self._p["multiply"](x, x)

    def reshape(self, x, shape):
        return self._p["reshape"](x, shape=tuple(shape))

    def expand_dims(self, x, axis=0):
        s = list(_shape(x))
        s.insert(axis if axis >= 0 else len(s) + axis + 1, 1)
        return self.reshape(x, s)

    def squeeze(self, x, axis=None):
        s = _shape(x)
        axes = range(len(s)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        drop = {a % len(s) for a in axes if s[a] == 1}
        return self.reshape(x, [d for i, d in enumerate(s) if i not in drop])

    def permute_dims(self, x, axes):
        return self._p["transpose"](x, axes=tuple(axes))

    def transpose(self, x, axes=None):
        return self._p["transpose"](x, axes=None if axes is None else tuple(axes))

    def stack(self, arrays, axis=0):
        return self._p["stack"](*arrays, axis=axis)

    def concat(self, arrays, axis=0):
        return self._p["concat"](*arrays, axis=axis)

    def sum(self, x, axis=None, keepdims=False):
        return self._p["sum"](x, axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self._p["mean"](x, axis=axis, keepdims=keepdims)

    def where(self, cond, x, y):
        return self._p["where"](x, y, cond=np.asarray(primal(cond), dtype=bool))

    def vecdot(self, a, b, axis=-1):
        return self.sum(self._p["multiply"](a, b), axis=axis)

    def take(self, x, indices, axis=0):
        index = (slice(None),) * (axis % len(_shape(x))) + (np.asarray(indices),)
        return self._p["getitem"](x, index=index)

    def slogdet(self, a):
        sign = np.sign(np.linalg.det(np.asarray(primal(a), dtype=float)))
        return SlogdetResult(sign, self._p["logabsdet"](a))

    # -- constants: not differentiable, built in this namespace's array type
    def asarray(self, obj, dtype=None):
        if isinstance(obj, (list, tuple)) and any(_holds_box(o) for o in obj):
            return self.stack([self.asarray(o) for o in obj])
        if isinstance(obj, Box):
            return obj
        return self._constant(np.asarray(obj, dtype=dtype or np.float64))

    def eye(self, n, m=None, k=0, dtype=None):
        return self._constant(np.eye(n, m, k))

    def zeros(self, shape, dtype=None):
        return self._constant(np.zeros(shape))

    def ones(self, shape, dtype=None):
        return self._constant(np.ones(shape))

    def full(self, shape, fill_value, dtype=None):
        return self._constant(np.full(shape, float(fill_value)))

    def zeros_like(self, x, dtype=None):
        return self.zeros(_shape(x))

    def ones_like(self, x, dtype=None):
        return self.ones(_shape(x))

    def arange(self, *args, dtype=None):
        return self._constant(np.arange(*args, dtype=float))

    def linspace(self, start, stop, num, endpoint=True, dtype=None):
        return self._constant(np.linspace(start, stop, num, endpoint=endpoint))

    def empty(self, shape, dtype=None):
        return self.zeros(shape)

    def empty_like(self, x, dtype=None):
        return self.zeros_like(x)

    def full_like(self, x, fill_value, dtype=None):
        return self.full(_shape(x), fill_value)

    def meshgrid(self, *arrays, indexing="xy"):
        n = len(arrays)
        sizes = [_shape(a)[0] for a in arrays]
        if indexing == "xy" and n > 1:
            sizes[0], sizes[1] = sizes[1], sizes[0]
        out = []
        for i, a in enumerate(arrays):
            pos = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
            shape = [1] * n
            shape[pos] = sizes[pos]
            out.append(self.broadcast_to(self.reshape(a, shape), sizes))
        return out


def _holds_box(obj) -> bool:
    if isinstance(obj, Box):
        return True
    return isinstance(obj, (list, tuple)) and any(_holds_box(o) for o in obj)


ad = Namespace("ad", {name: p.bind for name, p in TABLE.items()})
"""The namespace of the AD engines: every name is its primitive's dispatcher (one frame)."""

numpy_ns = Namespace("numpy", {name: p.impl for name, p in TABLE.items()})
"""Plain float64 numpy: the primitives' own implementations, no tracing."""
