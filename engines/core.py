"""The primitive table and the one dispatch rule every interpreter shares.

A primitive is data: a numpy implementation, one JVP and one VJP rule per positional
argument, a flop count and a citation. ``bind`` applies a primitive to its arguments: with no
boxed argument it runs the numpy implementation; otherwise the box of the newest trace (the
highest level) decides, and boxes of older traces are constants at that level. This is what
makes nesting safe from perturbation confusion (Siskind & Pearlmutter 2005).

Rules are written with the operations of ``ops`` (this table's own namespace), never raw numpy,
so that the rules are themselves differentiable and any order and nesting works.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arraylike import ArrayLike

TABLE: dict[str, Primitive] = {}


class Ops:
    """The table's own namespace: one function per primitive, filled by ``defprim``."""


ops = Ops()


class PerIndex:
    """Rules of a variadic primitive: ``rules[i]`` is the rule for positional argument ``i``."""

    def __init__(self, rule: Callable):
        self.rule = rule

    def __getitem__(self, i: int) -> Callable:
        rule = self.rule
        return lambda *a, **k: rule(i, *a, **k)

    def __len__(self) -> int:  # variadic: any arity
        return -1


@dataclass(frozen=True, eq=False)
class Primitive:
    """One row of the table.

    ``linear``: the primitive is linear in its positional arguments, so its rules may use the
    primals' shapes but never their values. ``uses``: which values the rules read, among
    "ans" and "primals"; the reverse interpreter keeps only the shapes of the others on its tape
    (less memory held between the sweeps). ``bind`` (set on creation) is the fast dispatcher
    that ``ops``, the ``ad`` namespace and the box operators call.
    """

    name: str
    impl: Callable
    jvps: tuple | PerIndex
    vjps: tuple | PerIndex
    flops: Callable
    cite: str = ""
    analytic: bool = True
    linear: bool = False
    params: tuple = field(default=())
    uses: tuple = ("ans", "primals")

    def __post_init__(self):
        object.__setattr__(self, "bind", _binder(self))
        object.__setattr__(self, "keeps_all", set(self.uses) >= {"ans", "primals"})

    def __call__(self, *args, **params):
        return self.bind(*args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def defprim(name, impl, *, jvp, vjp, flops, cite="", analytic=True, linear=False, uses=None):
    """Register a primitive in the table; reject duplicates. Returns the primitive.

    ``uses`` names the values its rules read ("ans", "primals"); by default all of them, or
    none for a linear primitive (its rules need shapes only). ``ops.<name>`` becomes the
    primitive's dispatcher (a plain function, one frame per call).
    """
    if uses is None:
        uses = () if linear else ("ans", "primals")
    if not set(uses) <= {"ans", "primals"}:
        raise ValueError(f"primitive {name!r}: uses must name 'ans' and/or 'primals'")
    if name in TABLE:
        raise ValueError(f"primitive {name!r} is already defined")
    if not isinstance(jvp, PerIndex):
        jvp, vjp = tuple(jvp), tuple(vjp)
        if len(jvp) != len(vjp):
            raise ValueError(f"primitive {name!r}: {len(jvp)} JVP rules but {len(vjp)} VJP rules")
    prim = Primitive(name, impl, jvp, vjp, flops, cite, analytic, linear, uses=tuple(uses))
    TABLE[name] = prim
    setattr(ops, name, prim.bind)
    if name in _BOX_OPERATORS:  # ``box @ w`` calls the dispatcher itself: one frame, not two
        setattr(Box, _BOX_OPERATORS[name], prim.bind)
    return prim


_BOX_OPERATORS = {"add": "__add__", "subtract": "__sub__", "multiply": "__mul__",
                  "divide": "__truediv__", "matmul": "__matmul__", "pow": "__pow__",
                  "negative": "__neg__", "abs": "__abs__"}


def undefprim(name: str) -> None:
    """Remove a primitive from the table (for tests that register a temporary one)."""
    TABLE.pop(name)
    delattr(ops, name)


# ----------------------------------------------------------------------------- boxes and traces

_levels = itertools.count(1)


def new_level() -> int:
    """A fresh tag for one derivative call: newer calls get higher levels."""
    return next(_levels)


class Box(ArrayLike):
    """A value being traced at one level. Subclasses hold what their interpreter needs.

    It behaves like a numpy array: every ndarray operator and method is computed with the
    primitives, read from the primal values, or refused with the way out (``ArrayLike``).
    """

    __slots__ = ("value", "tracer", "level")
    __array_priority__ = 1000

    @property
    def shape(self):
        v = self.value
        return v.shape if isinstance(v, (np.ndarray, np.generic, Box)) else np.shape(v)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))
    dtype = property(lambda self: np.result_type(primal(self)))
    T = property(lambda self: ops.transpose(self))
    mT = property(lambda self: ops.matrix_transpose(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __add__(self, o):
        return ops.add(self, o)

    def __radd__(self, o):
        return ops.add(o, self)

    def __sub__(self, o):
        return ops.subtract(self, o)

    def __rsub__(self, o):
        return ops.subtract(o, self)

    def __mul__(self, o):
        return ops.multiply(self, o)

    def __rmul__(self, o):
        return ops.multiply(o, self)

    def __truediv__(self, o):
        return ops.divide(self, o)

    def __rtruediv__(self, o):
        return ops.divide(o, self)

    def __matmul__(self, o):
        return ops.matmul(self, o)

    def __rmatmul__(self, o):
        return ops.matmul(o, self)

    def __pow__(self, o):
        return ops.pow(self, o)

    def __rpow__(self, o):
        return ops.pow(o, self)

    def __neg__(self):
        return ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index=index)



def primal(x: Any) -> Any:
    """Strip every box: the plain numpy value underneath."""
    while isinstance(x, Box):
        x = x.value
    return x


# ----------------------------------------------------------------------------- cost counting

class Counter:
    """Counts primitive calls and flops of the numpy work done while it is active."""

    __slots__ = ("calls", "flops", "by_primitive")

    def __init__(self):
        self.calls = 0
        self.flops = 0
        self.by_primitive: dict[str, int] = {}

    def record(self, prim: Primitive, ans, args, params) -> None:
        self.calls += 1
        self.flops += int(prim.flops(ans, *args, **params))
        self.by_primitive[prim.name] = self.by_primitive.get(prim.name, 0) + 1


_COUNTERS: list[Counter] = []


class counting:
    """Context manager: ``with counting() as c:`` counts the numpy work done inside."""

    def __enter__(self) -> Counter:
        self.counter = Counter()
        _COUNTERS.append(self.counter)
        return self.counter

    def __exit__(self, *exc) -> None:
        _COUNTERS.remove(self.counter)


# ----------------------------------------------------------------------------- dispatch

def _binder(prim: Primitive) -> Callable:
    """The dispatcher of one primitive: numpy on plain values, else the newest trace decides.

    It is a closure rather than a method so that a call costs one Python frame; the loop is
    the whole dispatch rule (Siskind & Pearlmutter 2005: the highest level wins).
    """
    def apply(*args, **params):
        top = None
        level = 0
        for a in args:
            if isinstance(a, Box) and a.level > level:
                top, level = a, a.level
        if top is None:
            ans = prim.impl(*args, **params)  # looked up per call: a test may swap it
            if _COUNTERS:
                for c in _COUNTERS:
                    c.record(prim, ans, args, params)
            return ans
        return top.tracer.process(prim, args, params)

    apply.__name__ = apply.__qualname__ = prim.name
    apply.__doc__ = f"Apply the primitive {prim.name!r} (dispatching on traced arguments)."
    apply.prim = prim
    return apply


def evaluate(prim: Primitive, primals: list, params: dict, older: bool):
    """The value of ``prim`` at unboxed ``primals``: numpy, or older traces when ``older``."""
    if older:
        return prim.bind(*primals, **params)
    ans = prim.impl(*primals, **params)
    if _COUNTERS:
        for c in _COUNTERS:
            c.record(prim, ans, primals, params)
    return ans


def bind(prim, *args, **params):
    """Apply ``prim`` (a Primitive or its dispatcher) to ``args``."""
    return getattr(prim, "bind", prim)(*args, **params)
