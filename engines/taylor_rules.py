"""The forward-Laplacian interpreter's rules, each taken or derived from the primitive's record.

Read with ``engines.taylor``, which documents the method and holds the entry points. A record's
own ``taylor=`` rule is used when it has one (the fast rules of the arithmetic, products and
shape primitives). Otherwise the rule is derived:

- elementwise with one argument: Δf(u) = f'(u) Δu + f''(u) Σ_i (∂_i u)², with f' the record's
  ``derivative`` and f'' that derivative differentiated by forward mode;
- linear: the primitive applied to the value, to each gradient slice and to the Laplacian;
- anything else: along each input direction t_i, forward-over-forward mode gives the first and
  second directional derivatives, so ∇f = (Df·t_i)_i and Δf = Df·Δu + Σ_i D²f[t_i, t_i].
"""

from __future__ import annotations

import numpy as np

from . import jet as _jet_module
from . import transforms as T
from .core import TABLE
from .jet import Jet, dim, jet, sq, times, val
from .namespace import Namespace, SlogdetResult, ad, numpy_ns

__all__ = ["XP", "Jet", "P", "derived_rule", "jet_function", "rule_of"]


def rule_of(prim, own: bool = True):
    """The jet rule of one primitive: the record's own (if ``own``), else derived from it."""
    if own and prim.taylor is not None:
        return prim.taylor
    if prim.elementwise and prim.derivative is not None \
            and not isinstance(prim.derivative, tuple):
        return _unary(prim)
    if prim.linear:
        return _linear(prim)
    return _nested(prim)


_DERIVED: dict = {}


def derived_rule(name: str):
    """The derived jet rule of the primitive ``name`` (even when its record has its own)."""
    if name not in _DERIVED:
        _DERIVED[name] = rule_of(TABLE[name], own=False)
    return _DERIVED[name]


def jet_function(prim):
    """``prim`` on jets: its jet rule when an argument is a jet, else plain numpy."""
    rule, impl = rule_of(prim), prim.impl

    def run(*args, **params):
        for a in args:
            if isinstance(a, Jet):
                return rule(*args, **params)
        return impl(*args, **params)
    run.__name__ = prim.name
    return run


def _unary(prim):
    """f' from the record's derivative, f'' from forward mode over that derivative."""
    d, with_ans = prim.derivative, "ans" in prim.uses

    def slope(xp, x, ans=None):
        if with_ans:
            return d(xp, x, ans=prim.bind(x) if ans is None else ans)
        return d(xp, x)

    def rule(x):
        fv = prim.impl(x.v)
        a = slope(numpy_ns, x.v, fv)
        b = T.jvp(slope, ad, (x.v,), np.ones(np.shape(x.v)))[1]
        # sqrt at 0: an infinite slope meets a zero gradient (std of one value)
        return Jet(fv, times(a, x.g), times(a, x.l) + times(b, sq(x.g)))
    return rule


def _linear(prim):
    """A linear map of its positional arguments together: value, gradient slices, Laplacian.

    Constant arguments enter the value only (their gradient and Laplacian are zero).
    """
    impl = prim.impl

    def rule(*xs, **p):
        v = impl(*(val(x) for x in xs), **p)
        traced = [k for k, x in enumerate(xs) if isinstance(x, Jet)]

        def apply(part):
            args = [np.zeros(np.shape(val(x))) for x in xs]
            for k in traced:
                args[k] = np.broadcast_to(part(xs[k]), np.shape(xs[k].v))
            return impl(*args, **p)

        g = np.stack([apply(lambda x, i=i: x.g[i]) for i in range(dim(*xs))])
        return jet(v, g, apply(lambda x: x.l))
    return rule


def _nested(prim):
    """First and second directional derivatives along each direction by nested forward mode."""
    def rule(*args, **params):
        vals = [val(a) for a in args]
        traced = [k for k, a in enumerate(args) if isinstance(a, Jet)]

        def line(part):
            """s -> prim(x + s·part(x)) for the traced arguments."""
            steps = {k: np.broadcast_to(part(args[k]), np.shape(vals[k])) for k in traced}

            def h(xp, s):
                xs = list(vals)
                for k in traced:
                    xs[k] = vals[k] + s * steps[k]
                return prim.bind(*xs, **params)
            return h

        def slope(h):
            return lambda xp, s: T.jvp(h, xp, (s,), 1.0)[1]

        v = prim.impl(*vals, **params)
        grads, lap = [], T.jvp(line(lambda a: a.l), ad, (0.0,), 1.0)[1]
        for i in range(dim(*args)):
            first, second = T.jvp(slope(line(lambda a, i=i: a.g[i])), ad, (0.0,), 1.0)
            grads.append(np.broadcast_to(first, np.shape(v)))
            lap = lap + second
        return jet(v, np.stack(grads), lap)
    return rule


class _JetNamespace(Namespace):
    """The namespace over jets; lists of jets stack."""

    def asarray(self, obj, dtype=None):
        if isinstance(obj, Jet):
            return obj
        if isinstance(obj, (list, tuple)) and any(isinstance(o, Jet) for o in obj):
            return self.stack([self.asarray(o) for o in obj])
        return np.asarray(obj, dtype=dtype or np.float64)

    def slogdet(self, a):
        return SlogdetResult(np.sign(np.linalg.det(val(a))), self._p["logabsdet"](a))


XP = _JetNamespace("forward-laplacian", jet_function)
"""The namespace whose operations carry (value, gradient, Laplacian)."""

P = XP._p
"""Primitive name -> its function on jets (numpy on constants), built from the records."""
_jet_module.P = P
