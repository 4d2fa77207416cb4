"""The array namespace ``xp``: the one list of names a differentiable function may use.

Every function in the project is written once as ``f(xp, *args)``. ``SUPPORTED`` maps each name
to the primitive it runs on; a namespace is that list bound to one set of primitive
implementations (the AD dispatcher, plain numpy, exact mpmath, sympy, ...). A name outside the
list raises ``UnsupportedOperation`` naming it and the engine.
"""

from __future__ import annotations

import difflib
import math
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping

import numpy as np

from . import primitives  # noqa: F401  (fills the table)
from .arraymethods import HOOKS
from .core import _FORGET, TABLE, XP_NAMES, Box, primal
from .errors import UnknownName, UnsupportedOperation
from .namespace_build import NAMES as _BUILD
from .namespace_build import BuildNames
from .namespace_linalg import LINALG, SPECIAL, LinalgNames
from .namespace_more import NAMES as _MORE
from .namespace_more import MoreNames
from .namespace_numpy import LINALG_NUMPY, SPECIAL_NUMPY, NumpyNames
from .namespace_numpy import NAMES as _NUMPY
from .namespace_shape import NAMES as _SHAPE
from .namespace_shape import ShapeNames
from .primitives import _derive
from .primitives._util import shape_of as _shape
from .signatures import guard

# Composites: names built from the primitives in the methods below (not primitives themselves).
_COMPOSITE = {
    "square": "multiply", "broadcast_to": "broadcast_to", "reshape": "reshape",
    "expand_dims": "reshape", "squeeze": "reshape",
    "permute_dims": "transpose", "transpose": "transpose", "stack": "stack", "concat": "concat",
    "sum": "sum", "mean": "mean", "where": "where", "vecdot": "multiply+sum", "take": "getitem",
    "asarray": "(constant or stack)", "eye": "(constant)", "zeros": "(constant)",
    "ones": "(constant)", "zeros_like": "(constant)", "ones_like": "(constant)",
    "full": "(constant)", "arange": "(constant)",
    "linalg.slogdet": "logabsdet", "linalg.vector_norm": "sqrt+sum | pow | max",
    "empty": "(constant)", "empty_like": "(constant)", "full_like": "(constant)",
    "meshgrid": "broadcast_to", "sinc": "sin+divide+where", "i0": "bessel_iv",
    **_MORE, **_SHAPE, **_BUILD, **{f"linalg.{n}": p for n, p in LINALG.items()},
    **{f"special.{n}": p for n, p in SPECIAL.items()},
    **_NUMPY, **{f"linalg.{n}": p for n, p in LINALG_NUMPY.items()},
    **{f"special.{n}": p for n, p in SPECIAL_NUMPY.items()},
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
              "float64": np.float64, "newaxis": None}


class _Supported(Mapping):
    """Every supported name and the primitive it maps to, read live from the table."""

    def _all(self) -> dict:
        return {**XP_NAMES, **_COMPOSITE, **{n: "(constant)" for n in _CONSTANTS}}

    def __getitem__(self, name):
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


SUPPORTED: Mapping[str, str] = _Supported()
"""Every supported name and the primitive it maps to (primitives' ``xp`` names included)."""

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def zeros_like_any(x):
    """Float zeros with the shape of ``x`` (array, box or scalar)."""
    return np.zeros(_shape(x))


class _Prims(dict):
    """Primitive name -> this namespace's function for it, built from the record on first use.

    ``make`` is either a mapping (a fixed set, as a foreign library's adapter has) or a
    function of the record, so a primitive defined later is found all the same.
    """

    def __init__(self, engine: str, make):
        super().__init__()
        self.engine, self.make = engine, make

    def __missing__(self, name):
        if isinstance(self.make, Mapping):
            if name not in self.make:
                raise UnsupportedOperation(name, self.engine)
            fn = self.make[name]
        elif name in TABLE:
            fn = self.make(TABLE[name])
        else:
            raise UnsupportedOperation(name, self.engine)
        self[name] = fn
        return fn


def closest(name: str) -> list:
    """Up to three supported names that look like ``name`` (a typo, another library's name)."""
    tail = name.rpartition(".")[2]
    pool: dict[str, list] = {}
    for n in SUPPORTED:
        pool.setdefault(n.rpartition(".")[2], []).append(n)
    near = difflib.get_close_matches(tail, list(pool), n=3, cutoff=0.6)
    return [full for n in near for full in sorted(pool[n], key=len)][:3]


class _Sub:
    """A sub-namespace (``xp.linalg``) with the same error for unsupported names."""

    def __init__(self, owner: Namespace, prefix: str, funcs: Mapping[str, Callable]):
        self._owner, self._prefix = owner, prefix
        self.__dict__.update(funcs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._owner._lookup(f"{self._prefix}.{name}", self, name)


class Namespace(MoreNames, ShapeNames, LinalgNames, NumpyNames, BuildNames):
    """The supported names bound to one implementation of the primitives.

    Each primitive's ``xp`` names are looked up in the table on first use and cached, so a
    primitive defined after the namespace was built is found as well.

    Args:
        engine: name used in error messages.
        prims: primitive record -> function taking the primitive's positional arguments and
            keyword parameters (the AD namespace passes ``bind``; numpy its implementations);
            or a mapping primitive name -> such a function.
        constant: function turning Python/numpy data into this namespace's constant arrays.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        guard(cls, own_only=True)  # an override reports numpy's spellings it lacks, too

    def __init__(self, engine: str, prims: Mapping[str, Callable] | Callable,
                 constant: Callable = np.asarray):
        self.engine = engine
        self._p = _Prims(engine, prims)
        self._constant = constant
        for name, value in _CONSTANTS.items():
            setattr(self, name, value)
        self.linalg = _Sub(self, "linalg", {"slogdet": self.slogdet,
                                            "vector_norm": self.vector_norm,
                                            "diagonal": self._linalg_diagonal})
        _LIVE.add(self)
        self._bind_more(_Sub)
        self._bind_numpy()

    def _lookup(self, name: str, holder, attr: str):
        """The function of the primitive exposed as ``name``, cached on ``holder``."""
        if name not in XP_NAMES:
            if name in SUPPORTED:  # a composite this namespace does not define
                raise UnsupportedOperation(name, self.engine)
            raise UnknownName(name, self.engine, lambda: closest(name))
        fn = self._p[XP_NAMES[name]]
        setattr(holder, attr, fn)
        return fn

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._lookup(name, self, name)

    def __repr__(self) -> str:
        return f"<adcheck namespace {self.engine!r}>"

    # -- composites over the primitives
    def broadcast_to(self, x, shape):
        return self._p["broadcast_to"](x, shape=tuple(shape))

    def square(self, x):
        return self._p["multiply"](x, x)

    def reshape(self, x, shape, order="C"):
        if order != "C":
            raise ValueError(f"reshape(order={order!r}): only order='C' (numpy's default) is "
                             f"supported; transpose first for Fortran order")
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return self._p["reshape"](x, shape=shape)

    def expand_dims(self, x, axis=0):
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        n = len(_shape(x)) + len(axes)
        new = {a % n for a in axes}
        rest = iter(_shape(x))
        return self.reshape(x, [1 if i in new else next(rest) for i in range(n)])

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
        if axis is None:  # the standard's (and numpy's) flattening form
            arrays, axis = [self.reshape(a, (-1,)) for a in arrays], 0
        return self._p["concat"](*arrays, axis=axis)

    def sum(self, x, axis=None, keepdims=False, dtype=None):
        return self._p["sum"](self._listed(x), axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False, dtype=None):
        return self._p["mean"](self._listed(x), axis=axis, keepdims=keepdims)

    def where(self, cond, x=None, y=None):
        if x is None and y is None:  # numpy's one-argument form: the indices where cond holds
            return np.nonzero(np.asarray(primal(cond), dtype=bool))
        return self._p["where"](x, y, cond=np.asarray(primal(cond), dtype=bool))

    def vecdot(self, a, b, axis=-1):
        return self.sum(self._p["multiply"](a, b), axis=axis)

    def take(self, x, indices, axis=None):
        if axis is None:  # numpy's default: the flattened array
            x, axis = self.reshape(x, (-1,)), 0
        index = (slice(None),) * (axis % len(_shape(x))) + (np.asarray(indices),)
        return self._p["getitem"](x, index=index)

    def _linalg_diagonal(self, x, offset=0):
        """``linalg.diagonal``: the ``offset`` diagonal of the last two axes."""
        return self._p["diag"](x, k=offset) if offset else self._p["diag"](x)

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


guard(Namespace)  # a call in a form a method lacks raises UnsupportedSpelling, naming it


def _holds_box(obj) -> bool:
    if isinstance(obj, Box):
        return True
    return isinstance(obj, (list, tuple)) and any(_holds_box(o) for o in obj)


_LIVE: weakref.WeakSet = weakref.WeakSet()


def _forget(prim) -> None:
    """Drop a removed primitive from every namespace's caches."""
    for ns in list(_LIVE):
        ns._p.pop(prim.name, None)
        for name in prim.xp:
            holder = ns.linalg if name.startswith("linalg.") else ns
            holder.__dict__.pop(name.rpartition(".")[2], None)


_FORGET.append(_forget)

ad = Namespace("ad", lambda p: p.bind)
HOOKS.namespace = ad  # what a traced value's __array_namespace__ returns
"""The namespace of the AD engines: every name is its primitive's dispatcher (one frame)."""

numpy_ns = Namespace("numpy", lambda p: p.impl)
"""Plain float64 numpy: the primitives' own implementations, no tracing."""

_derive.XP = ad
