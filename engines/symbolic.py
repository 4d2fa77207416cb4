"""The ``symbolic`` engine: sympy differentiates componentwise, then evaluates exactly.

``sym_ns`` is the namespace of numpy object arrays of sympy expressions. The engine replaces the
differentiated argument by real symbols x0, x1, ..., builds f's output as expressions, takes
derivatives entry by entry with ``sympy.diff`` and evaluates them at the float64 input converted
exactly (``sympy.Rational`` of each float) to ``dps`` digits. Other float arguments are converted
to Rationals too, so polynomial identities come out exact.

It is meant for small inputs (at most ``MAX_INPUTS`` entries); larger ones get
``status="not-applicable"`` with the reason, as does a function sympy cannot handle.
The helpers ``symbols_like``, ``jacobian_expr`` and ``hessian_expr`` serve componentwise proofs.
This module imports sympy; the engine's record (``engines.symbolic_engine``) imports it on the
first derivative, so registering the engine costs nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import mpmath
import numpy as np
import sympy

from .errors import InputError, UnsupportedOperation
from .exact import to_exact
from .namespace import Namespace, SlogdetResult

MAX_INPUTS = 16
MAX_ENTRIES = 1024  # derivative entries (output size × input size, squared for Hessians)
# sympy.diff on nested tanh networks grows fast: measured here, 1764 (operations in f x
# derivative entries) took 5 s and every case above 3600 ran past 15 s.
MAX_WORK = 2000
# Tracing f is bounded too: sympy simplifies as it builds (a Piecewise whose condition holds
# Piecewise expressions is folded on construction), and on a ReLU-like network of 4 layers one
# ``where`` of 3,500-node operands took 4 s, a whole trace minutes, before the budget above could
# decline the result. An operand of more than TRACE_WORK / (inputs) nodes ends the trace: on the
# catalogue's networks every case that fits MAX_WORK stayed under 3,100 (nodes x inputs), and
# every case past 8,000 was declined by MAX_WORK afterwards.
TRACE_WORK = 4 * MAX_WORK


def _sym(v):
    """One element as a sympy object; floats exactly as Rationals."""
    if isinstance(v, (bool, np.bool_)):
        return sympy.true if v else sympy.false
    if isinstance(v, (float, np.floating)):
        return sympy.Rational(float(v))
    if isinstance(v, (int, np.integer)):
        return sympy.Integer(int(v))
    return sympy.sympify(v)


def to_sym(x) -> np.ndarray:
    """A SymArray of sympy objects with exactly the values of ``x``."""
    out = np.frompyfunc(_sym, 1, 1)(np.asarray(x, dtype=object))
    return np.asarray(out, dtype=object).view(SymArray)


class SymArray(np.ndarray):
    """Object array of sympy expressions whose arithmetic takes Python floats exactly.

    Without it, ``0.5 * x`` would make a 15-digit sympy Float and round what follows.
    Indexing returns 0-d arrays for the same reason.
    """

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _within_budget(*inputs)
        if ufunc in _COMPARISONS:  # keep the relation symbolic, don't ask for its truth
            kwargs.setdefault("dtype", object)
        out = getattr(ufunc, method)(*(_plain(i) for i in inputs), **kwargs)
        return tuple(_wrap(o) for o in out) if isinstance(out, tuple) else _wrap(out)

    def __getitem__(self, index):
        return _wrap(super().__getitem__(index))


_COMPARISONS = (np.greater, np.greater_equal, np.less, np.less_equal)


def _plain(v):
    """An operand as a plain object array (floats exactly), for a ufunc."""
    if isinstance(v, SymArray):
        return v.view(np.ndarray)
    if isinstance(v, (float, np.floating)) or (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
        return to_sym(v).view(np.ndarray)
    return v


def _wrap(v):
    return np.asarray(v, dtype=object).view(SymArray)


def _elementwise(fn):
    """A primitive applying the sympy function ``fn`` to each element."""
    ufuncs = {}

    def run(*args):
        _within_budget(*args)
        n = len(args)
        if n not in ufuncs:
            ufuncs[n] = np.frompyfunc(lambda *a: fn(*(_sym(v) for v in a)), n, 1)
        return to_sym(ufuncs[n](*args))
    return run


def _lift(fn):
    """A function of object arrays run on sympy conversions of its arguments."""
    def run(*args, **params):
        _within_budget(*args)
        return to_sym(fn(*(to_sym(a) for a in args), **params))
    return run


# ------------------------------------------------------------------- the trace's budget

_BUDGET: ContextVar = ContextVar("symbolic_trace_budget", default=None)


@contextmanager
def trace_budget(inputs: int):
    """Within it, an operation on an operand of more than TRACE_WORK / inputs nodes raises
    ``TooLarge`` before sympy builds on it (node counts shared by the whole trace)."""
    token = _BUDGET.set((max(1, TRACE_WORK // max(1, inputs)), inputs, {}))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _nodes(expr, memo: dict) -> int:
    """The number of nodes of ``expr``'s tree (a shared subexpression counted each time it
    occurs, as sympy's operations walk it), counted once per subexpression."""
    stack = [expr]
    while stack:
        e = stack[-1]
        if e in memo:
            stack.pop()
            continue
        todo = [a for a in e.args if a not in memo]
        if todo:
            stack.extend(todo)
            continue
        memo[e] = 1 + sum(memo[a] for a in e.args)
        stack.pop()
    return memo[expr]


def _within_budget(*operands) -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    limit, inputs, memo = budget
    for op in operands:
        if isinstance(op, sympy.Basic):
            elements = (op,)
        elif isinstance(op, np.ndarray) and op.dtype == object:
            elements = op.flat
        else:
            continue
        for e in elements:
            if isinstance(e, sympy.Basic) and _nodes(e, memo) > limit:
                raise TooLarge(
                    f"f's expression grew past {limit} nodes an entry while sympy traced it "
                    f"({_nodes(e, memo)} nodes x {inputs} inputs, beyond the trace budget of "
                    f"{TRACE_WORK}); sympy would take minutes here, and the other engines judge "
                    f"this case")


def _function_of(prim):
    """A sympy function for an elementwise unary record with a derivative but no sympy form.

    sympy differentiates it through ``fdiff``, which evaluates the record's own derivative in
    this namespace (so derivatives of any order stay symbolic), and evaluates it numerically
    through the record's mpmath form (``lambdify`` reads ``_imp_``).
    """
    d = prim.derivative

    def fdiff(self, argindex=1):
        x = to_sym(self.args[0])
        out = d(sym_ns, x, ans=to_sym(self)) if "ans" in prim.uses else d(sym_ns, x)
        return to_sym(out).item()

    return type(prim.name, (sympy.Function,), {
        "fdiff": fdiff, "_imp_": staticmethod(prim.exact),
        "_eval_evalf": lambda self, prec: sympy.Float(
            prim.exact(mpmath.mpf(self.args[0].evalf(prec))), prec) if self.args[0].is_number
        else None,
    })


def sym_impl(prim):
    """The sympy implementation of one primitive, derived from its record.

    An elementwise ``sym`` form is applied element by element; an array form gets object
    arrays of sympy expressions; an elementwise unary record with a derivative and an mpmath
    form but no sympy form becomes a sympy function (``_function_of``); otherwise the numpy
    implementation runs on object arrays (right for primitives that move, add or multiply).
    """
    if prim.sym is False:
        def refuse(*args, **params):
            raise UnsupportedOperation(prim.name, "symbolic",
                                       why="the record states that it has no sympy form")
        return refuse
    if prim.sym is not None:
        return _elementwise(prim.sym) if prim.elementwise else _lift(prim.sym)
    if prim.elementwise and prim.derivative is not None and prim.exact not in (None, False) \
            and not isinstance(prim.derivative, tuple):
        return _elementwise(_function_of(prim))
    lifted = _lift(prim.impl)

    def run(*args, **params):
        try:
            return lifted(*args, **params)
        except TypeError as exc:
            raise UnsupportedOperation(prim.name, "symbolic", why=(
                f"its numpy implementation cannot run on sympy expressions ({exc}); give the "
                f"primitive a sympy form (sym=) or an mpmath one (exact=)")) from exc
    return run


def _choose(c, x, y):
    """where for one element: a decided condition picks, an undecided one is a Piecewise."""
    if c is sympy.true or c is True:
        return x
    if c is sympy.false or c is False:
        return y
    return sympy.Piecewise((x, c), (y, True))


class SymbolicNamespace(Namespace):
    """``xp`` over object arrays of sympy expressions."""

    pi = property(lambda self: sympy.pi, lambda self, value: None)
    e = property(lambda self: sympy.E, lambda self, value: None)

    def __init__(self):
        super().__init__("symbolic", sym_impl, constant=to_sym)

    def where(self, cond, x, y):
        _within_budget(cond, x, y)
        c, x, y = np.broadcast_arrays(to_sym(cond), to_sym(x), to_sym(y))
        return np.asarray(np.frompyfunc(_choose, 3, 1)(c, x, y), dtype=object)

    def asarray(self, obj, dtype=None):
        if isinstance(obj, (list, tuple)) and any(
                isinstance(o, (np.ndarray, list, tuple)) for o in obj):
            # numpy keeps 0-d SymArrays in a list as opaque objects; stack their entries
            return self.stack([self.asarray(o) for o in obj])
        return to_sym(np.asarray(obj, dtype=object))

    def full(self, shape, fill_value, dtype=None):
        return to_sym(np.full(shape, _sym(fill_value), dtype=object))

    def slogdet(self, a):
        d = self._p["det"](a)
        return SlogdetResult(np.frompyfunc(sympy.sign, 1, 1)(d), self._p["logabsdet"](a))


sym_ns = SymbolicNamespace()


def symbols_like(name: str, shape) -> np.ndarray:
    """An object array of real symbols name0, name1, ... of ``shape``."""
    n = int(np.prod(shape))
    return _wrap(np.array(sympy.symbols(f"{name}0:{n}", real=True) if n else [],
                          dtype=object).reshape(shape))


def jacobian_expr(out, xs) -> np.ndarray:
    """d out / d xs entrywise, numerator layout: shape out.shape + xs.shape."""
    out, xs = to_sym(out), np.asarray(xs, dtype=object)
    flat = [[sympy.diff(o, x) for x in xs.flat] for o in out.flat]
    return np.array(flat, dtype=object).reshape(out.shape + xs.shape)


def hessian_expr(out, xs) -> np.ndarray:
    """Second derivatives of a scalar expression: shape xs.shape + xs.shape."""
    o = to_sym(out).item()
    xs = np.asarray(xs, dtype=object)
    flat = list(xs.flat)
    # The gradient once, then each of its entries differentiated again, each pair once (the
    # Hessian is symmetric): sympy.diff(o, a, b) redid the first derivative for every pair,
    # and diff(o, a, a) takes sympy's n-th derivative route (a multinomial expansion through
    # factor_terms): 7.5x the time on the catalogue's tanh networks, the same values.
    grad = [sympy.diff(o, a) for a in flat]
    rows = [[None] * len(flat) for _ in flat]
    for i, g in enumerate(grad):
        for j in range(i, len(flat)):
            rows[i][j] = rows[j][i] = sympy.diff(g, flat[j])
    return np.array(rows, dtype=object).reshape(xs.shape + xs.shape)


def _exact_floats(a, dps: int):
    """Float arguments as sympy Floats holding exactly their binary value; others unchanged."""
    if not isinstance(a, (float, np.ndarray, np.floating)) or np.asarray(a).dtype.kind != "f":
        return a
    out = np.frompyfunc(lambda v: sympy.Float(float(v), dps), 1, 1)(np.asarray(a, dtype=object))
    return np.asarray(out, dtype=object).view(SymArray)


def _exact_subs(syms, values) -> dict:
    """Symbol -> the exact Rational value of each float64 entry."""
    return {s: sympy.Rational(float(v)) for s, v in zip(np.asarray(syms).flat,
                                                          np.asarray(values, dtype=float).flat)}


class Undefined(InputError):
    """The derivative has no value at the point (a kink, a branch point): the engine abstains
    as "inconclusive" with this reason, as a difference engine does at a kink."""


def _dirac(x, *order):
    """DiracDelta at a point: 0 off its support; at it the derivative does not exist."""
    if x != 0:
        return mpmath.mpf(0)
    raise Undefined("the symbolic derivative holds a DiracDelta at its support here: the "
                    "function has a kink or a jump at this point (a sign, abs or |det| at 0), "
                    "so no derivative exists there; judge it at another point")


def _heaviside(x, at_zero=0.5):
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(at_zero)


# sympy names that mpmath lacks, as functions of a point (lambdify's module table)
_POINT_FUNCTIONS = {"DiracDelta": _dirac, "Heaviside": _heaviside}


def _lambdify(syms, exprs):
    return sympy.lambdify(syms, exprs, modules=[_POINT_FUNCTIONS, "mpmath"])


def _at(syms, values, expr):
    """One expression at the point as an mpf; None where it divides by zero."""
    try:
        v = _lambdify(syms, [expr])(*values)[0]
    except ArithmeticError:
        return None
    return v if isinstance(v, mpmath.mpf) else mpmath.mpf(v)


# Lines through the point along which an undefined entry's limit is taken, from both sides:
# a removable singularity (sinc's derivatives at 0) has one limit, a kink (a norm at 0) not.
_LIMIT_LINES = (lambda k: 1, lambda k: k + 1)


def _limit(expr, subs: dict, dps: int):
    """The limit of ``expr`` at the point ``subs`` as an mpf, or None where it has none: the
    same finite value along every line of _LIMIT_LINES, approached from either side."""
    t = sympy.Symbol("t", real=True)
    found = []
    for line in _LIMIT_LINES:
        along = expr.subs({s: v + line(k) * t for k, (s, v) in enumerate(subs.items())})
        for side in "+-":
            lim = sympy.limit(along, t, 0, side)
            if not lim.is_finite:
                return None
            found.append(mpmath.mpf(sympy.N(lim, dps + 10)))
    tol = mpmath.mpf(10) ** -dps * (1 + abs(found[0]))
    return found[0] if all(abs(v - found[0]) <= tol for v in found) else None


def evaluate(exprs, subs: dict, dps: int = 50) -> np.ndarray:
    """Object array of mpf: each expression at the exact point ``subs``, to ``dps`` digits.

    The expressions are compiled once (``lambdify`` to mpmath) and evaluated at the exact
    binary values with dps + 10 working digits: far faster than ``evalf`` with substitution
    on a network's derivatives, and accurate far beyond float64. An entry that divides by zero
    or is not finite at the point is its limit there when it has one (a removable singularity:
    sinc's derivatives at 0); otherwise ``Undefined`` names the entry (sqrt or a norm at 0).
    """
    exprs = np.asarray(exprs, dtype=object)
    syms = list(subs)
    with mpmath.workdps(dps + 10):
        values = [mpmath.mpf(v.p) / v.q for v in subs.values()]
        try:
            flat = [mpmath.mpf(v) for v in _lambdify(syms, list(exprs.flat))(*values)]
        except ArithmeticError:
            flat = [_at(syms, values, e) for e in exprs.flat]
        for k, e in enumerate(exprs.flat):
            if flat[k] is None or not mpmath.isfinite(flat[k]):
                flat[k] = _limit(e, subs, dps)
            if flat[k] is None:
                raise Undefined(f"the symbolic derivative is undefined at this point (entry "
                                f"{k}, {e}, has no limit there): the function is not "
                                f"differentiable here (e.g. sqrt or a norm at 0), so the "
                                f"value is inconclusive")
    return to_exact(np.array(flat, dtype=object).reshape(exprs.shape))


class TooLarge(InputError):
    """The symbolic engine declines inputs beyond its size limits."""


def _trace(f, args, wrt, dps):
    """(output expressions, symbols, substitution) for f with args[wrt] symbolic."""
    x = np.asarray(args[wrt], dtype=float)
    if x.size > MAX_INPUTS:
        raise TooLarge(f"{x.size} inputs exceed the symbolic engine's limit of {MAX_INPUTS}")
    xs = symbols_like("x", x.shape)
    # Other float arguments enter as binary-exact sympy Floats at dps + 10 digits, not
    # Rationals: sqrt or log of a 53-bit Rational makes sympy factor it (minutes on
    # Black-Scholes), while a Float evaluates at once and stays exact to far beyond dps.
    sargs = [_exact_floats(a, dps + 10) if i != wrt else a for i, a in enumerate(args)]
    sargs[wrt] = xs
    with trace_budget(x.size):
        out = to_sym(f(sym_ns, *sargs))
    subs = _exact_subs(xs, x)
    return out, xs, subs


def exact_derivative(kind: str, f, args, wrt: int = 0, dps: int = 50, **kw) -> np.ndarray:
    """The ``kind`` derivative of ``f`` by ``sympy.diff``, as an object array of mpf (``dps``
    digits); raises ``TooLarge`` past the engine's limits.

    The limits are judged on f's expression at this input, as always; the value comes from the
    derivative compiled once for the function's shapes (``_Compiled``) where there is one."""
    out, xs, subs = _trace(f, args, wrt, dps)
    second = kind in ("hessian", "hvp", "laplacian")
    entries = out.size * xs.size * (xs.size if second else 1)
    if entries > MAX_ENTRIES:
        raise TooLarge(f"{entries} derivative entries exceed the limit of {MAX_ENTRIES}")
    work = sympy.count_ops(list(out.flat)) * entries
    if work > MAX_WORK:
        raise TooLarge(f"the expression ({work} operations x entries) exceeds the symbolic "
                       f"engine's budget of {MAX_WORK}; sympy would take minutes here, and "
                       f"the other engines judge this case")
    if second and out.size != 1:
        raise InputError(f"{kind} needs a scalar function; f has shape {out.shape}")
    value = COMPILED.value(kind, f, args, wrt, dps) if kind in _COMPILED_KINDS else None
    if value is not None:
        return value
    return evaluate(_derivative_exprs(kind, out, xs, **kw), subs, dps)


def _derivative_exprs(kind: str, out, xs, **kw) -> np.ndarray:
    """The ``kind`` derivative of the expressions ``out`` in the symbols ``xs``."""
    if kind == "laplacian":
        o = out.item()  # each second derivative as the derivative of the first (see hessian_expr)
        return to_sym(sum(sympy.diff(sympy.diff(o, x), x) for x in xs.flat))
    if kind in ("hessian", "hvp"):
        exprs = hessian_expr(out, xs)
        if kind == "hvp":
            v = to_sym(np.asarray(kw["v"], dtype=float)).reshape(xs.size)
            exprs = (exprs.reshape(xs.size, xs.size) @ v).reshape(xs.shape)
        return exprs
    exprs = jacobian_expr(out, xs)
    if kind == "jvp":
        t = to_sym(np.asarray(kw["tangent"], dtype=float))
        exprs = np.tensordot(exprs, t, axes=t.ndim)
    elif kind == "vjp":
        ct = to_sym(np.asarray(kw["cotangent"], dtype=float))
        exprs = np.tensordot(ct, exprs, axes=ct.ndim)
    return exprs


# ------------------------------------------------------ derivatives compiled once per shape

_COMPILED_KINDS = ("jacobian", "hessian", "laplacian")  # no direction vector among the inputs


def _is_float(a) -> bool:
    return isinstance(a, (float, np.floating)) or (
        isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _shape_key(f, args, wrt, kind):
    """What a compiled derivative depends on: the function, the kind, the float arguments'
    shapes and every other argument's value (None when one cannot be a key)."""
    parts = []
    for i, a in enumerate(args):
        if i == wrt or _is_float(a):
            parts.append(("float", np.shape(a)))
        elif isinstance(a, np.ndarray):
            parts.append(("ndarray", a.dtype.str, a.shape, a.tobytes()))
        else:
            parts.append(a)
    key = (kind, f, wrt, tuple(parts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _parameters(args, wrt) -> int:
    """How many float entries besides the differentiated argument would become symbols."""
    return sum(int(np.size(a)) for i, a in enumerate(args) if i != wrt and _is_float(a))


class _Compiled:
    """The derivative of a function for its argument shapes, differentiated and compiled once
    (sympy.diff, lambdify), every float argument a symbol; evaluated per case at the exact
    input.

    sympy.diff and lambdify are most of the engine's time on a case, and a catalogue identity
    meets the same shapes case after case (a Black-Scholes greek always has 4 inputs). A key
    is compiled the second time it is seen (a network's shapes rarely repeat: its cases never
    pay for a compilation they would not use), and only with at most MAX_INPUTS float entries
    besides the differentiated argument: a network's weights as symbols made its Hessian
    slower to compile than its cases were to compute (grad-of-grad, 40 cases: 31 s against
    27 s). Where the parametric form cannot be had (f
    branches in Python on a float argument, sympy raises) or cannot be evaluated at a point
    (a division by zero, a value that is not finite or real, a DiracDelta), the case goes the
    per-case way, as every case did before: the limits of a removable singularity and the
    inconclusive verdicts of a kink come from there.
    """

    SIZE = 64

    def __init__(self):
        self._entries: dict = {}

    def value(self, kind, f, args, wrt, dps):
        """The derivative as an object array of mpf, or None (then the caller computes it)."""
        key = _shape_key(f, args, wrt, kind)
        if key is None:
            return None
        if key not in self._entries:
            self._remember(key, "seen" if _parameters(args, wrt) <= MAX_INPUTS else None)
            return None
        entry = self._entries[key]
        if entry == "seen":
            entry = self._compile(kind, f, args, wrt, dps)
            self._entries[key] = entry
        return None if entry is None else self._at(entry, args, wrt, dps)

    def _remember(self, key, entry) -> None:
        if len(self._entries) >= self.SIZE:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = entry

    @staticmethod
    def _compile(kind, f, args, wrt, dps):
        """(lambdified derivative, symbols per argument, output shape), or None."""
        syms = {i: symbols_like(f"a{i}_", np.shape(a)) for i, a in enumerate(args)
                if i == wrt or _is_float(a)}
        sargs = [syms.get(i, a) for i, a in enumerate(args)]
        try:
            with np.errstate(all="ignore"):
                out = to_sym(f(sym_ns, *sargs))
                exprs = _derivative_exprs(kind, out, syms[wrt])
                flat = [s for i in sorted(syms) for s in np.asarray(syms[i]).flat]
                fn = _lambdify(flat, list(np.asarray(exprs).flat))
        except Exception:  # noqa: BLE001  any failure: the per-case way for this key
            return None
        return fn, sorted(syms), np.shape(exprs)

    @staticmethod
    def _at(entry, args, wrt, dps):
        fn, which, shape = entry
        try:
            with mpmath.workdps(dps + 10):
                # each float64 exactly, as ``evaluate`` takes them (a binary fraction)
                values = [mpmath.mpf(float(v)) for i in which
                          for v in np.asarray(args[i], dtype=float).flat]
                flat = [mpmath.mpf(v) for v in fn(*values)]
        except Exception:  # noqa: BLE001  (ArithmeticError, complex, Undefined): per case
            return None
        if not all(mpmath.isfinite(v) for v in flat):
            return None
        return to_exact(np.array(flat, dtype=object).reshape(shape))


COMPILED = _Compiled()
