"""The six named AD engines: forward, reverse, and the four second-order nestings."""

from __future__ import annotations

import numpy as np

from . import transforms as T
from .base import Cost, Engine, Result, as_float_args
from .core import counting
from .namespace import ad
from .pytree import flatten, tree_map

MODES = ("forward", "reverse")


class ADEngine(Engine):
    """Derivatives by the project's own interpreters: ``outer`` mode over ``inner`` mode.

    First-order requests use the inner mode; second-order ones apply the outer mode to the
    inner gradient. Costs are counted by the interpreters.
    """

    category, family = "ad", "adcheck-ad"
    max_order = 10
    # kinds whose container outputs the interpreters differentiate leaf by leaf themselves;
    # the others are split per leaf by Engine.derivative
    native_containers = ("jacobian", "jvp", "vjp", "gradient")

    def __init__(self, name: str, outer: str, inner: str):
        self.name, self.outer, self.inner = name, outer, inner
        self.description = (f"first order by {inner} mode; second order by {outer} mode "
                            f"over {inner} mode")

    def computation(self, kind, order):
        """At first order a nesting runs its inner mode; past it, outer over inner. ``forward``
        is forward over forward at every order, ``reverse`` reverse over reverse."""
        if type(self) is not ADEngine:  # a subclass may change a rule: its own computation
            return None
        if order <= 1 and kind in ("jvp", "vjp", "jacobian", "gradient"):
            return ("adcheck-ad", self.inner)
        return ("adcheck-ad", self.outer, self.inner)

    # ------------------------------------------------------------------ first order
    def jvp(self, f, args, wrt, tangent):
        args = as_float_args(args, wrt)
        if self.inner == "forward":
            with counting() as c:
                _, t = T.jvp(f, ad, args, np.asarray(tangent, dtype=float), wrt)
            return Result(tree_map(np.asarray, t),
                          Cost(passes=1, primitive_calls=c.calls, flops=c.flops),
                          engine=self.name)
        r = self.jacobian(f, args, wrt)
        n, k = args[wrt].size, args[wrt].ndim

        def contract(jac):
            return (np.reshape(jac, (-1, n)) @ np.reshape(tangent, n)).reshape(
                np.shape(jac)[: np.ndim(jac) - k])
        return Result(tree_map(contract, r.value), r.cost, engine=self.name)

    def vjp(self, f, args, wrt, cotangent):
        args = as_float_args(args, wrt)
        if self.inner == "reverse":
            ct = tree_map(lambda c: np.asarray(c, dtype=float), cotangent)
            return self._reverse(f, args, wrt, lambda pb: pb(ct))
        r = self.jacobian(f, args, wrt)
        x_shape, n = args[wrt].shape, args[wrt].size
        parts = flatten(tree_map(lambda c, jac: np.reshape(c, -1) @ np.reshape(jac, (-1, n)),
                                 cotangent, r.value))[0]
        return Result(np.sum(parts, axis=0).reshape(x_shape), r.cost, engine=self.name)

    def _reverse(self, f, args, wrt, sweep):
        """One taped forward pass, then ``sweep(pullback)``; forward/backward flops split."""
        with counting() as fwd:
            _, pb = T.vjp(f, ad, args, wrt)
        with counting() as bwd:
            value = sweep(pb)
        cost = Cost(passes=1, sweeps=pb.sweeps, primitive_calls=fwd.calls + bwd.calls,
                    flops=fwd.flops + bwd.flops, forward_flops=fwd.flops,
                    backward_flops=bwd.flops, tape_length=pb.trace.length,
                    visited=pb.trace.visited)
        return Result(value, cost, engine=self.name)

    def jacobian(self, f, args, wrt=0):
        args = as_float_args(args, wrt)
        if self.inner == "reverse":
            def sweep_all(pb):
                return tree_map(np.asarray, T.jacobian_rows(np, pb, args[wrt].shape))
            return self._reverse(f, args, wrt, sweep_all)
        with counting() as c:
            value = T.jacfwd(f, wrt)(ad, *args)
        return Result(tree_map(np.asarray, value),
                      Cost(passes=args[wrt].size, primitive_calls=c.calls, flops=c.flops),
                      engine=self.name)

    # ------------------------------------------------------------------ second order
    def _counted(self, fn, passes):
        with counting() as c:
            value = fn()
        return Result(np.asarray(value), Cost(passes=passes, primitive_calls=c.calls,
                                              flops=c.flops), engine=self.name)

    def hessian(self, f, args, wrt=0):
        args = as_float_args(args, wrt)
        h = T.hessian(f, wrt, outer=self.outer, inner=self.inner)
        return self._counted(lambda: h(ad, *args), passes=args[wrt].size)

    def hvp(self, f, args, wrt, v):
        args = as_float_args(args, wrt)
        p = T.hvp(f, wrt, outer=self.outer, inner=self.inner)
        return self._counted(lambda: p(ad, np.asarray(v, dtype=float), *args), passes=1)

    def nth_derivative(self, f, args, wrt, order):
        from .higher import ad_derivative
        return ad_derivative(self, f, args, wrt, order)

    def laplacian(self, f, args, wrt=0):
        args = as_float_args(args, wrt)
        p = T.hvp(f, wrt, outer=self.outer, inner=self.inner)

        def trace():
            return sum(float(np.vdot(e, p(ad, e, *args))) for e in T._basis(args[wrt].shape))
        r = self._counted(trace, passes=args[wrt].size)
        return Result(float(r.value), r.cost, engine=self.name)


def ad_engines() -> list[ADEngine]:
    """The six AD engines, in a fixed order."""
    nested = [ADEngine(f"{o}-over-{i}", o, i) for o in MODES for i in MODES]
    return [ADEngine("forward", "forward", "forward"),
            ADEngine("reverse", "reverse", "reverse")] + nested
