"""The interface every engine offers, and the result it returns.

Layout (stated once, used everywhere): Jacobians in numerator layout, ``J[i..., j...] =
d out[i...] / d x[j...]`` with shape ``out.shape + x.shape`` (so d(Ax)/dx = A); the gradient of a
scalar has the shape of its argument; a Hessian has shape ``x.shape + x.shape``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from .errors import InputError
from .kinds import KINDS
from .pytree import flatten, is_container, unflatten


@dataclass(frozen=True)
class Cost:
    """What a derivative cost, counted (never estimated).

    passes: forward passes through the function (AD passes or plain evaluations);
    evaluations: plain function evaluations (finite differences); sweeps: backward sweeps;
    primitive_calls / flops: numpy work done, all phases; forward_flops / backward_flops: the
    split for one reverse-mode gradient; tape_length: primitives recorded; visited: tape
    entries the backward sweeps processed.
    """

    passes: int = 0
    evaluations: int = 0
    sweeps: int = 0
    primitive_calls: int = 0
    flops: int = 0
    forward_flops: int = 0
    backward_flops: int = 0
    tape_length: int = 0
    visited: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                       for f in fields(self)})

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Result:
    """A derivative and what it cost; numerical engines add an error estimate.

    status: "ok"; "inconclusive" (e.g. a kink inside a finite-difference stencil) or
    "not-applicable" (e.g. complex step on a non-analytic function), with ``note`` saying why.
    """

    value: Any
    cost: Cost = field(default_factory=Cost)
    error: Any = None
    engine: str = ""
    status: str = "ok"
    note: str = ""


def as_float_args(args: Sequence, wrt: int) -> tuple:
    """Copy the arguments, making the differentiated one a float64 array; reject what can't be."""
    args = tuple(args)
    if not 0 <= wrt < len(args):
        raise InputError(f"wrt={wrt} but the function got {len(args)} argument(s)")
    x = np.asarray(args[wrt])
    if x.dtype.kind not in "fiu":
        raise InputError(
            f"argument {wrt} has dtype {x.dtype}; derivatives are taken of real float64 inputs: "
            f"pass np.asarray(x, dtype=float)"
        )
    out = list(args)
    out[wrt] = np.array(x, dtype=np.float64)  # a copy: engines never mutate inputs
    return tuple(out)


class Engine:
    """A way of computing derivatives of ``f(xp, *args)``.

    Subclasses implement ``jvp`` and ``vjp`` at least; the others have generic definitions
    that engines override with better methods. Every method returns a ``Result``.
    """

    name: str = ""
    # What kind of method it is: "ad", "finite-difference", "symbolic", "exact", "adapter",
    # "taylor" (for listings, and for judging: a finite-difference result carries an estimate
    # that is a model, an exact or symbolic one is correct to its own rounding).
    category: str = ""
    # The code it shares with other engines: engines of one family are one witness in a
    # consensus (the AD nestings share one primitive table, torch's two engines one library).
    # Left empty, the registry gives the engine a family of its own (its name).
    family: str = ""
    max_order: int = 2
    description: str = ""
    # An expensive engine (sympy; a library that compiles per shape) runs at most this many
    # of a run's examples; None: all of them. Records report how many each engine ran.
    max_examples: int | None = None
    # derivative kinds whose container outputs the engine handles itself (see derivative)
    native_containers: tuple = ()

    def warm(self) -> None:
        """Do the one-off work (imports, a first compile) before a run's first case, so that a
        case's time limit counts only the case. Nothing by default."""

    def computation(self, kind: str, order: int):
        """A key naming the code this engine runs for ``kind`` at ``order``: engines with the
        same key compute the same value on a case, so a case computes it once (None: its own)."""
        return None

    def jvp(self, f: Callable, args: Sequence, wrt: int, tangent) -> Result:
        raise NotImplementedError

    def vjp(self, f: Callable, args: Sequence, wrt: int, cotangent) -> Result:
        raise NotImplementedError

    def jacobian(self, f: Callable, args: Sequence, wrt: int = 0) -> Result:
        args = as_float_args(args, wrt)
        shape = args[wrt].shape
        cols, cost, err = [], Cost(), []
        for e in np.eye(max(1, int(np.prod(shape))))[: int(np.prod(shape))]:
            r = self.jvp(f, args, wrt, e.reshape(shape))
            cols.append(np.asarray(r.value, dtype=float))
            cost = cost + r.cost
            err.append(None if r.error is None else np.asarray(r.error))
        out_shape = cols[0].shape if cols else ()
        jac = np.stack(cols, axis=-1).reshape(out_shape + shape)
        error = None if any(e is None for e in err) or not err else \
            np.stack(err, axis=-1).reshape(out_shape + shape)
        return Result(jac, cost, error, self.name)

    def gradient(self, f: Callable, args: Sequence, wrt: int = 0) -> Result:
        r = self.jacobian(f, args, wrt)
        shape = np.shape(args[wrt])
        for jac in flatten(r.value)[0]:  # one per output leaf
            if np.shape(jac) != shape:
                raise InputError(
                    f"gradient needs a scalar-valued function; got a Jacobian of shape "
                    f"{np.shape(jac)}: ask for kind='jacobian'"
                )
        return r

    def hessian(self, f: Callable, args: Sequence, wrt: int = 0) -> Result:
        raise NotImplementedError

    def hvp(self, f: Callable, args: Sequence, wrt: int, v) -> Result:
        r = self.hessian(f, args, wrt)
        shape = np.shape(args[wrt])
        n = int(np.prod(shape))
        value = (np.reshape(r.value, (n, n)) @ np.reshape(v, n)).reshape(shape)
        return Result(value, r.cost, None, self.name)

    def nth_derivative(self, f: Callable, args: Sequence, wrt: int, order: int) -> Result:
        """All k-th partials, shape ``out.shape + x.shape * order`` (``engines.higher``)."""
        if order == 1:
            return self.jacobian(f, args, wrt)
        if order == 2:
            try:
                return self.hessian(f, args, wrt)
            except (InputError, NotImplementedError):
                pass  # not a scalar function, or no second order here
        return Result(None, engine=self.name, status="not-applicable",
                      note=f"the {self.name} engine computes no derivatives of order {order}")

    def laplacian(self, f: Callable, args: Sequence, wrt: int = 0) -> Result:
        r = self.hessian(f, args, wrt)
        n = int(np.prod(np.shape(args[wrt])))
        h = np.reshape(r.value, (n, n))
        err = None if r.error is None else float(np.sum(np.diag(np.reshape(r.error, (n, n)))))
        return Result(float(np.trace(h)), r.cost, err, self.name, r.status, r.note)

    def derivative(self, kind: str, f: Callable, args: Sequence, wrt: int = 0, **kw) -> Result:
        """Dispatch by kind name (one of ``KINDS``); ``v`` / ``tangent`` / ``cotangent`` in kw.

        A function returning a container (tuple, list, dict, namedtuple) of arrays gets the
        same container of derivatives, one per leaf (a vjp takes a container of cotangents and
        sums their pullbacks). Engines list the kinds they differentiate that way themselves
        in ``native_containers``; for the others each leaf is a function of its own.
        """
        if kind not in KINDS:
            raise InputError(f"unknown derivative kind {kind!r}; choose one of {', '.join(KINDS)}")
        split = self.per_leaf(kind, f, args, wrt, **kw)
        return split if split is not None else self._one_output(kind, f, args, wrt, **kw)

    def per_leaf(self, kind: str, f: Callable, args: Sequence, wrt: int = 0, **kw):
        """For a container output (unless ``kind`` is native): the container of per-leaf
        derivatives, each leaf differentiated by ``derivative`` as a function of its own;
        else None. Engines that override ``derivative`` call this first."""
        if kind in self.native_containers:
            return None
        treedef = output_structure(f, args)
        return None if treedef is None else self._per_leaf(kind, f, args, wrt, treedef, **kw)

    def _one_output(self, kind, f, args, wrt, **kw) -> Result:
        if kind in ("hvp",):
            return self.hvp(f, args, wrt, kw["v"])
        if kind == "jvp":
            return self.jvp(f, args, wrt, kw["tangent"])
        if kind == "vjp":
            return self.vjp(f, args, wrt, kw["cotangent"])
        if kind == "derivative":
            return self.nth_derivative(f, args, wrt, kw["order"])
        return getattr(self, kind)(f, args, wrt)

    def _per_leaf(self, kind, f, args, wrt, treedef, **kw) -> Result:
        """Differentiate each leaf of a container output as a function of its own."""
        leaves = [_leaf_function(f, k) for k in range(treedef.n_leaves)]
        if kind != "vjp":
            rs = [self.derivative(kind, g, args, wrt, **kw) for g in leaves]
            return _combined(rs, unflatten(treedef, [r.value for r in rs]), self.name,
                             treedef)
        cts, ct_def = flatten(kw["cotangent"])
        if ct_def != treedef:
            raise InputError(f"the cotangent has the structure {ct_def!r} but the function "
                             f"returns {treedef!r}: give one cotangent per output")
        kw = {k: v for k, v in kw.items() if k != "cotangent"}
        rs = [self.derivative("vjp", g, args, wrt, cotangent=c, **kw)
              for g, c in zip(leaves, cts)]
        return _combined(rs, sum(np.asarray(r.value, dtype=float) for r in rs), self.name)

    def __repr__(self) -> str:
        return f"<engine {self.name}>"


def output_structure(f: Callable, args: Sequence):
    """The TreeDef of ``f``'s output when it is a container of arrays, else None.

    Found by one plain float64 evaluation; a function that fails there is left to the
    engine, which reports its own error.
    """
    from .namespace import numpy_ns

    try:
        with np.errstate(all="ignore"):
            out = f(numpy_ns, *args)
    except Exception:  # the engine's own evaluation reports what went wrong
        return None
    return flatten(out)[1] if is_container(out) else None


def _leaf_function(f: Callable, k: int) -> Callable:
    """The function returning the ``k``-th leaf of ``f``'s container output."""
    def leaf(xp, *args):
        return flatten(f(xp, *args))[0][k]

    leaf.__name__ = f"{getattr(f, '__name__', 'f')}[leaf {k}]"
    return leaf


def _combined(rs: list, value, engine: str, treedef=None) -> Result:
    """One Result from per-leaf results: costs added, the first status that is not ok."""
    cost = rs[0].cost if rs else Cost()
    for r in rs[1:]:
        cost = cost + r.cost
    errors = [r.error for r in rs]
    error = None
    if rs and all(e is not None for e in errors):
        error = unflatten(treedef, errors) if treedef is not None else \
            sum(np.asarray(e, dtype=float) for e in errors)
    bad = [(k, r) for k, r in enumerate(rs) if r.status != "ok"]
    status = bad[0][1].status if bad else "ok"
    note = "; ".join(f"output {k}: {r.note}" for k, r in bad if r.note)
    return Result(value, cost, error, engine, status, note)


class KindDispatch(Engine):
    """An engine that computes every kind in one method, ``_result(kind, f, args, wrt, **kw)``
    (the exact and symbolic engines): each interface method forwards to it."""

    def _result(self, kind: str, f: Callable, args: Sequence, wrt: int, **kw) -> Result:
        raise NotImplementedError

    def jvp(self, f, args, wrt, tangent):
        return self._result("jvp", f, args, wrt, tangent=tangent)

    def vjp(self, f, args, wrt, cotangent):
        return self._result("vjp", f, args, wrt, cotangent=cotangent)

    def jacobian(self, f, args, wrt=0):
        return self._result("jacobian", f, args, wrt)

    def hessian(self, f, args, wrt=0):
        return self._result("hessian", f, args, wrt)

    def hvp(self, f, args, wrt, v):
        return self._result("hvp", f, args, wrt, v=v)

    def laplacian(self, f, args, wrt=0):
        return self._result("laplacian", f, args, wrt)
