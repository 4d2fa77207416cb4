"""The primitive table and the one dispatch rule every interpreter shares.

A primitive is one record (``defprim``): its numpy implementation, its derivative rules, and
all that the other interpreters need (exact and sympy forms, rounding and Taylor rules, the
namespace names, test examples), each derived from the rest where it can be. ``bind`` applies a
primitive to its arguments: with no boxed argument it runs the numpy implementation; otherwise
the box of the newest trace (the highest level) decides, and boxes of older traces are
constants at that level. This is what makes nesting safe from perturbation confusion (Siskind &
Pearlmutter 2005).

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
from .arraymethods import HOOKS
from .lazy import Deferred

TABLE: dict[str, Primitive] = {}

EPS = float(np.finfo(np.float64).eps)
"""Machine epsilon of float64 (2^-52 = 2u): the one definition the engines share."""


class Ops:
    """The table's own namespace: one function per primitive, filled by ``defprim``."""


ops = Ops()

RULE_DERIVERS: dict[str, Callable] = {}
"""How rules follow from less: ``"elementwise"`` (JVP and VJP from a derivative written in
``xp``) and ``"linear"`` (a linear primitive's JVP from its VJP). Filled by
``engines.primitives._derive``, which builds on this module and so cannot be imported by it."""


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
    """One record of the table: everything any interpreter needs to know about a primitive.

    Every interpreter's table is derived from these records; ``defprim`` documents each field.
    ``keeps_all``: the rules read both the output and the primals. ``bind`` (set on creation)
    is the fast dispatcher that ``ops``, ``xp`` and the box operators call.
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
    elementwise: bool = False
    derivative: Callable | tuple | None = None
    exact: Callable | None = None
    sym: Callable | None = None
    magnitude: Callable | None = None
    rounding: float = 8.0
    kink: Callable | None = None
    taylor: Callable | None = None
    xp: tuple = ()
    examples: tuple = ()
    domain: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "bind", _binder(self))
        object.__setattr__(self, "keeps_all", set(self.uses) >= {"ans", "primals"})
        if isinstance(self.impl, Deferred):  # read through __getattr__ until first used
            object.__setattr__(self, "_deferred_impl", self.impl)
            object.__delattr__(self, "impl")

    def __getattr__(self, name):
        # Reached only for a deferred ``impl`` never read yet: import it once and keep the
        # function itself, so every later call reads a plain attribute (no wrapper frame).
        deferred = self.__dict__.get("_deferred_impl")
        if name != "impl" or deferred is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        impl = deferred.resolve()
        object.__setattr__(self, "impl", impl)
        return impl

    def __call__(self, *args, **params):
        return self.bind(*args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


XP_NAMES: dict[str, str] = {}
"""Namespace name ("exp", "linalg.inv") -> the primitive it exposes, filled by ``defprim``."""

_FORGET: list[Callable] = []  # called with a primitive's record when ``undefprim`` removes it


def defprim(name, impl, *, jvp=None, vjp=None, derivative=None, flops=None, cite="",
            analytic=True, linear=False, uses=None, elementwise=False, exact=None, sym=None,
            magnitude=None, rounding=8.0, kink=None, taylor=None, xp=None, examples=(),
            domain=()):
    """Register one primitive: the single place that says everything about it. Returns it.

    Args:
        name: table key; ``ops.<name>`` becomes its dispatcher.
        impl: float64 numpy implementation; differentiable operands positional, static
            parameters (axis, shape) keyword-only. A ``Deferred`` (``lazy("scipy.special").erf``)
            is imported when the implementation is first read, then read like any other.
        jvp, vjp: one rule per positional argument, ``jvp[i](t, ans, *primals, **params)`` and
            ``vjp[i](ct, ans, *primals, **params)``, written with ``ops`` (or a ``PerIndex``
            for a variadic primitive). Optional when ``derivative`` is given; ``jvp`` is
            optional for a linear primitive (its JVP is the primitive applied to the tangent).
        derivative: elementwise primitives only: ``derivative(xp, *xs)`` -> the partial
            derivative (a tuple of such functions, one per argument, when there are several),
            written against the namespace ``xp`` so that it is itself differentiable. Declare
            ``uses=("ans",)`` to receive the output as keyword ``ans`` instead of recomputing
            it. The JVP/VJP (t·f', ct·f'), the magnitude rule and the Taylor rule derive from it.
        flops: ``flops(ans, *primals, **params)``; default one per output element.
        cite: where a non-obvious rule comes from.
        analytic: complex step may evaluate it (then ``impl`` must accept complex arrays).
        linear: linear in its positional arguments (rules read shapes, never values).
        uses: values the rules read, among "ans" and "primals"; default all, none if linear.
        elementwise: element by element, numpy broadcasting between arguments.
        exact: the 50-digit form: for an elementwise primitive a function of mpmath numbers
            (``mpmath.exp``), otherwise a function of object arrays of mpf; None lifts
            ``impl`` to object arrays (right for primitives that only move or add numbers);
            False: there is none (the exact oracle reports the primitive unsupported).
        sym: the sympy form, the same way (``sympy.exp``; or a function of object arrays;
            False: none).
        magnitude: ``magnitude(trace, ans, vals, errs, params)`` -> rounding-error bound of the
            output in units of u; derived for elementwise primitives (first-order propagation
            through ``derivative`` plus ``rounding``·|ans|).
        rounding: rounding error of ``impl`` itself in u (1 when correctly rounded, 0 exact).
        kink: ``kink(xp, *xs)`` -> distance to a breakpoint, for a non-smooth elementwise
            primitive (abs at 0, maximum at a tie); the magnitude interpreter reports
            evaluations within rounding of it.
        taylor: the forward-Laplacian rule on jets (``engines.taylor_rules``); derived when
            absent.
        xp: the namespace names calling it with its own signature ("exp", "linalg.inv");
            default its name for an elementwise primitive, else none.
        examples: ``example(...)`` inputs the generated tests run it on; an elementwise
            primitive gets plain, stacked and broadcast shapes by default.
        domain: one input domain per positional argument for the default examples
            ("real", "positive", "away-from-zero", "invertible", or ``f(rng, shape)``).
    """
    if name in TABLE:
        raise ValueError(f"primitive {name!r} is already defined")
    if derivative is not None:
        if not elementwise:
            raise ValueError(f"primitive {name!r}: derivative= needs elementwise=True; give "
                             f"jvp= and vjp= rules for other primitives")
        uses = ("primals",) if uses is None else uses
        if jvp is None:
            jvp, vjp = RULE_DERIVERS["elementwise"](derivative, uses)
    if linear and jvp is None and vjp is not None:
        jvp = RULE_DERIVERS["linear"](name, vjp)
    if jvp is None or vjp is None:
        raise ValueError(f"primitive {name!r}: give jvp= and vjp= rules, or derivative= for "
                         f"an elementwise primitive")
    if uses is None:
        uses = () if linear else ("ans", "primals")
    if not set(uses) <= {"ans", "primals"}:
        raise ValueError(f"primitive {name!r}: uses must name 'ans' and/or 'primals'")
    if not isinstance(jvp, PerIndex):
        jvp, vjp = tuple(jvp), tuple(vjp)
        if len(jvp) != len(vjp):
            raise ValueError(f"primitive {name!r}: {len(jvp)} JVP rules but {len(vjp)} VJP rules")
    names = (name,) if xp is None and elementwise else ((xp,) if isinstance(xp, str)
                                                         else tuple(xp or ()))
    taken = [n for n in names if n in XP_NAMES]
    if taken:
        raise ValueError(f"primitive {name!r}: namespace name(s) {taken} already expose "
                         f"{[XP_NAMES[n] for n in taken]}")
    if flops is None:
        flops = _one_per_element
    prim = Primitive(name, impl, jvp, vjp, flops, cite, analytic, linear, uses=tuple(uses),
                     elementwise=elementwise, derivative=derivative, exact=exact, sym=sym,
                     magnitude=magnitude, rounding=rounding, kink=kink, taylor=taylor,
                     xp=names, examples=tuple(examples), domain=tuple(domain))
    TABLE[name] = prim
    XP_NAMES.update((n, name) for n in names)
    setattr(ops, name, prim.bind)
    if name in _BOX_OPERATORS:  # ``box @ w`` calls the dispatcher itself: one frame, not two
        setattr(Box, _BOX_OPERATORS[name], prim.bind)
    return prim


def _one_per_element(ans, *args, **params) -> int:
    return int(np.size(ans))


@dataclass(frozen=True)
class Example:
    """Inputs for the generated tests: one (domain, shape) per positional argument, params."""

    args: tuple
    params: dict


def example(*shapes, domain=(), **params) -> Example:
    """An ``Example`` from argument shapes; ``domain`` names one domain per argument
    (default "real"); keyword parameters are passed to the primitive as they are."""
    doms = tuple(domain) + ("real",) * (len(shapes) - len(domain))
    return Example(tuple(zip(doms, (tuple(s) for s in shapes))), params)


_BOX_OPERATORS = {"add": "__add__", "subtract": "__sub__", "multiply": "__mul__",
                  "divide": "__truediv__", "matmul": "__matmul__", "pow": "__pow__",
                  "negative": "__neg__", "abs": "__abs__"}


def undefprim(name: str) -> None:
    """Remove a primitive (for tests that register a temporary one) and its namespace names."""
    prim = TABLE.pop(name)
    delattr(ops, name)
    for n in prim.xp:
        XP_NAMES.pop(n, None)
    for forget in _FORGET:
        forget(prim)


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


HOOKS.ops, HOOKS.primal = ops, primal  # what traced values' array methods call


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
