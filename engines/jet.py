"""Jets of the forward Laplacian: a value, its gradient and its Laplacian, and their helpers.

A ``Jet`` holds ``v``, ``g`` (shape (d,) + v.shape: one slice per input direction) and ``l``
(v's shape). Primitive records may carry a fast jet rule (``taylor=``) built from the helpers
below; ``engines.taylor_rules`` derives a rule for every other primitive. Python's operators on
jets go through the table ``P`` that ``engines.taylor_rules`` installs here.
"""

from __future__ import annotations

import numpy as np

P: dict = {}
"""Primitive name -> its jet function; filled by ``engines.taylor_rules`` on import."""


class Jet:
    """Value ``v``, gradient ``g`` (shape (d,) + v.shape) and Laplacian ``l`` (v's shape)."""

    __slots__ = ("v", "g", "l")
    __array_ufunc__ = None  # numpy defers to the reflected operators below
    __array_priority__ = 1000

    def __init__(self, v, g, l):
        self.v, self.g, self.l = v, g, l

    shape = property(lambda self: np.shape(self.v))
    ndim = property(lambda self: np.ndim(self.v))
    size = property(lambda self: np.size(self.v))
    dtype = property(lambda self: np.result_type(self.v))
    T = property(lambda self: P["transpose"](self))
    mT = property(lambda self: P["matrix_transpose"](self))

    def __len__(self):
        return len(self.v)

    __hash__ = object.__hash__


def _operators():
    """Python's operators on jets, each through the rule of its primitive."""
    for op, prim in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("matmul", "matmul"), ("pow", "pow")):
        setattr(Jet, f"__{op}__", lambda s, o, p=prim: P[p](s, o))
        setattr(Jet, f"__r{op}__", lambda s, o, p=prim: P[p](o, s))
    Jet.__neg__ = lambda s: P["negative"](s)
    Jet.__abs__ = lambda s: P["abs"](s)
    Jet.__getitem__ = lambda s, i: P["getitem"](s, index=i)
    # comparisons are not differentiable: they compare values
    for op in ("lt", "le", "gt", "ge"):
        setattr(Jet, f"__{op}__", lambda s, o, op=op: getattr(s.v, f"__{op}__")(val(o)))


_operators()


def val(x):
    """The value of a jet, or the constant itself."""
    return x.v if isinstance(x, Jet) else x


def jet(v, g, l) -> Jet:
    """A jet with its gradient and Laplacian broadcast to the value's full shape."""
    v = np.asarray(v)
    d = g.shape[0]
    if g.shape[1:] == v.shape and np.shape(l) == v.shape:
        return Jet(v, g, l)
    g = np.reshape(g, (d,) + (1,) * (v.ndim + 1 - g.ndim) + g.shape[1:])
    return Jet(v, np.broadcast_to(g, (d,) + v.shape), np.broadcast_to(l, v.shape))


def sq(g):
    """Σ_i (∂_i u)²: the squared gradient norm, per element."""
    if g.flags.c_contiguous:
        flat = g.reshape(g.shape[0], -1)
        return np.einsum("ij,ij->j", flat, flat).reshape(g.shape[1:])
    return np.einsum("i...,i...->...", g, g)


def times(a, b):
    """a·b, zero wherever a factor is exactly zero, even against an infinite one: a zero
    gradient or Laplacian is structural, as a zero tangent is (engines.primitives._zeros)."""
    out = a * b
    if np.isfinite(np.add.reduce(out, None)):
        return out
    return np.where((np.asarray(a) == 0) | (np.asarray(b) == 0), 0.0, out)


def parts(x, d):
    """(value, gradient, Laplacian) of a jet or a constant (zero gradient and Laplacian)."""
    if isinstance(x, Jet):
        return x.v, x.g, x.l
    return x, np.zeros((d,) + np.shape(x)), 0.0


def dim(*xs) -> int:
    """The number of input directions d of the jets among ``xs``."""
    return next(x.g.shape[0] for x in xs if isinstance(x, Jet))


def lead(g, v):
    """Gradient reshaped so that numpy broadcasting aligns it with a value of v's rank."""
    return np.reshape(g, (g.shape[0],) + (1,) * (np.ndim(v) + 1 - g.ndim) + g.shape[1:])


def dot(a, b, v):
    """Σ_i ∂_i a ∂_i b, per element of a value shaped like ``v``."""
    return np.sum(lead(a, v) * lead(b, v), axis=0)


def linear(fv, fg):
    """Rule of a linear map: ``fv`` on the value and Laplacian, ``fg`` on the gradient."""
    def rule(x, **p):
        return Jet(fv(x.v, **p), fg(x.g, **p), fv(np.asarray(x.l), **p))
    return rule


def shift(axis, ndim):
    """An axis of the value, as an axis of the gradient (one leading axis more)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a + 1 if a >= 0 else a for a in axes)
