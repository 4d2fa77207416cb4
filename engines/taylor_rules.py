"""The forward-Laplacian rule table: a jet (value, gradient, Laplacian) per primitive.

Read with ``engines.taylor``, which documents the method and holds the entry points.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .core import TABLE
from .errors import AdcheckEngineError
from .namespace import Namespace, SlogdetResult


class NotPropagated(AdcheckEngineError, TypeError):
    """An operation the forward Laplacian does not carry a traced argument through."""

    def __init__(self, name: str):
        super().__init__(
            f"forward-laplacian cannot propagate through '{name}' of a traced argument "
            f"(only linear maps, elementwise functions and products); use an AD engine such "
            f"as 'forward-over-reverse' for this function")


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
        setattr(Jet, f"__{op}__", lambda s, o, op=op: getattr(s.v, f"__{op}__")(_val(o)))


def _val(x):
    return x.v if isinstance(x, Jet) else x


def _jet(v, g, l) -> Jet:
    """A jet with its gradient and Laplacian broadcast to the value's full shape."""
    v = np.asarray(v)
    d = g.shape[0]
    if g.shape[1:] == v.shape and np.shape(l) == v.shape:
        return Jet(v, g, l)
    g = np.reshape(g, (d,) + (1,) * (v.ndim + 1 - g.ndim) + g.shape[1:])
    return Jet(v, np.broadcast_to(g, (d,) + v.shape), np.broadcast_to(l, v.shape))


def _sq(g):
    """Σ_i (∂_i u)²: the squared gradient norm, per element."""
    if g.flags.c_contiguous:
        flat = g.reshape(g.shape[0], -1)
        return np.einsum("ij,ij->j", flat, flat).reshape(g.shape[1:])
    return np.einsum("i...,i...->...", g, g)


# ----------------------------------------------------------------------------- rules

def _unary(f, d1, d2):
    """Elementwise f with f' = d1(v, fv) and f'' = d2(v, fv)."""
    def rule(x):
        if not isinstance(x, Jet):
            return f(x)
        fv = f(x.v)
        a, b = d1(x.v, fv), d2(x.v, fv)
        return Jet(fv, a * x.g, a * x.l + b * _sq(x.g))
    return rule


_K = 2.0 / math.sqrt(math.pi)
UNARY = {
    "exp": (np.exp, lambda v, f: f, lambda v, f: f),
    "log": (np.log, lambda v, f: 1.0 / v, lambda v, f: -1.0 / (v * v)),
    "log1p": (np.log1p, lambda v, f: 1.0 / (1.0 + v), lambda v, f: -1.0 / (1.0 + v) ** 2),
    "expm1": (np.expm1, lambda v, f: f + 1.0, lambda v, f: f + 1.0),
    "sqrt": (np.sqrt, lambda v, f: 0.5 / f, lambda v, f: -0.25 / (f * f * f)),
    "tanh": (np.tanh, lambda v, f: 1.0 - f * f, lambda v, f: -2.0 * f * (1.0 - f * f)),
    "sin": (np.sin, lambda v, f: np.cos(v), lambda v, f: -f),
    "cos": (np.cos, lambda v, f: -np.sin(v), lambda v, f: -f),
    "sinh": (np.sinh, lambda v, f: np.cosh(v), lambda v, f: f),
    "cosh": (np.cosh, lambda v, f: np.sinh(v), lambda v, f: f),
    "erf": (special.erf, lambda v, f: _K * np.exp(-v * v),
            lambda v, f: -2.0 * v * _K * np.exp(-v * v)),
    "abs": (np.abs, lambda v, f: np.sign(v), lambda v, f: 0.0 * v),
    "sign": (np.sign, lambda v, f: 0.0 * v, lambda v, f: 0.0 * v),
    "reciprocal": (lambda v: 1.0 / v, lambda v, f: -f * f, lambda v, f: 2.0 * f * f * f),
}


def _parts(x, d):
    """(value, gradient, Laplacian) of a jet or a constant (zero gradient and Laplacian)."""
    if isinstance(x, Jet):
        return x.v, x.g, x.l
    return x, np.zeros((d,) + np.shape(x)), 0.0


def _d(*xs) -> int:
    return next(x.g.shape[0] for x in xs if isinstance(x, Jet))


def _affine(op):
    """add / subtract: each part separately; a constant operand moves the value only."""
    def rule(x, y):
        if not (isinstance(x, Jet) or isinstance(y, Jet)):
            return op(x, y)
        if not isinstance(y, Jet):
            return _jet(op(x.v, y), x.g, x.l)
        if not isinstance(x, Jet) and op is np.add:
            return _jet(op(x, y.v), y.g, y.l)
        (xv, xg, xl), (yv, yg, yl) = _parts(x, _d(x, y)), _parts(y, _d(x, y))
        v = op(xv, yv)
        return _jet(v, op(_lead(xg, v), _lead(yg, v)), op(xl, yl))
    return rule


def _lead(g, v):
    """Gradient reshaped so that numpy broadcasting aligns it with a value of v's rank."""
    return np.reshape(g, (g.shape[0],) + (1,) * (np.ndim(v) + 1 - g.ndim) + g.shape[1:])


def _dot(a, b, v):
    """Σ_i ∂_i a ∂_i b, per element of a value shaped like ``v``."""
    return np.sum(_lead(a, v) * _lead(b, v), axis=0)


def _multiply(x, y):
    if not isinstance(x, Jet):
        x, y = y, x
    if not isinstance(x, Jet):
        return np.multiply(x, y)
    if not isinstance(y, Jet):  # jet times a constant: a linear map
        v = x.v * y
        return _jet(v, _lead(x.g, v) * y, x.l * y)
    v = x.v * y.v
    g = _lead(x.g, v) * y.v + x.v * _lead(y.g, v)
    return _jet(v, g, x.l * y.v + x.v * y.l + 2.0 * _dot(x.g, y.g, v))


def _divide(x, y):
    if isinstance(y, Jet):
        return _multiply(x, U["reciprocal"](y))
    return _multiply(x, 1.0 / np.asarray(y))


def _pow(x, y):
    if isinstance(y, Jet):  # x**y = exp(y log x)
        return U["exp"](_multiply(y, U["log"](x)))
    if not isinstance(x, Jet):
        return np.power(x, y)
    c = np.asarray(y, dtype=float)
    return _unary(lambda v: v ** c, lambda v, f: c * v ** (c - 1),
                  lambda v, f: c * (c - 1) * v ** (c - 2))(x)


def _matmul(a, b):
    """Matrix product: linear in a constant operand; product rule for two jets."""
    if isinstance(a, Jet) and isinstance(b, Jet):
        left, right = _matmul(a, b.v), _matmul(a.v, b)
        ga = a.g[:, None, :] if a.ndim == 1 else a.g
        gb = b.g[:, :, None] if b.ndim == 1 else b.g
        cross = np.reshape(np.sum(ga @ gb, axis=0), left.shape)  # Σ_i ∂_i a @ ∂_i b
        return Jet(left.v, left.g + right.g, left.l + right.l + 2.0 * cross)
    if isinstance(a, Jet):
        v = a.v @ b
        return _jet(v, _right(a.g, b), a.l @ b)
    if isinstance(b, Jet):
        v = a @ b.v
        g = np.moveaxis(a @ b.g.T, -1, 0) if np.ndim(b.v) == 1 else a @ b.g
        return _jet(v, g, a @ b.l)
    return np.matmul(a, b)


def _right(g, w):
    """g @ w with g's leading axes folded into one BLAS call.

    A gradient still constant along the batch axis (the seed of a batch) is multiplied once
    and broadcast back: the first layer then costs d·d·m, not d·B·d·m.
    """
    if np.ndim(w) == 2 and g.ndim == 3 and g.strides[1] == 0:
        return np.broadcast_to((g[:, :1] @ w), g.shape[:-1] + (w.shape[1],))
    if np.ndim(w) == 2 and g.ndim >= 2:
        out = np.reshape(g, (-1, g.shape[-1])) @ w
        return out.reshape(g.shape[:-1] + (w.shape[1],))
    return g @ w


def _linear(fv, fg):
    """A linear map: ``fv`` on the value and Laplacian, ``fg`` on the gradient."""
    def rule(x, **p):
        if not isinstance(x, Jet):
            return fv(np.asarray(x), **p)
        return Jet(fv(x.v, **p), fg(x.g, **p), fv(np.asarray(x.l), **p))
    return rule


def _shift(axis, ndim):
    """An axis of the value, as an axis of the gradient (one leading axis more)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a + 1 if a >= 0 else a for a in axes)


def _mean_g(g, *, axis=None, keepdims=False):
    return np.mean(g, axis=_shift(axis, g.ndim - 1), keepdims=keepdims)


def _sum_g(g, *, axis=None, keepdims=False):
    return np.sum(g, axis=_shift(axis, g.ndim - 1), keepdims=keepdims)


def _transpose_g(g, *, axes=None):
    n = g.ndim - 1
    axes = tuple(reversed(range(n))) if axes is None else axes
    return np.transpose(g, (0,) + tuple(a % n + 1 for a in axes))


def _diag(x):
    if not isinstance(x, Jet):
        return np.diag(x)
    if x.ndim == 1:
        return Jet(np.diag(x.v), x.g[:, :, None] * np.eye(x.shape[0]), np.diag(x.l))
    return Jet(np.diag(x.v), np.diagonal(x.g, axis1=-2, axis2=-1), np.diag(x.l))


def _join(np_fn):
    """stack / concat: constants become jets with zero gradient and Laplacian."""
    def rule(*xs, axis=0):
        if not any(isinstance(x, Jet) for x in xs):
            return np_fn(xs, axis=axis)
        d = _d(*xs)
        parts = [_parts(x, d) for x in xs]
        ls = [np.broadcast_to(p[2], np.shape(p[0])) for p in parts]
        return Jet(np_fn([p[0] for p in parts], axis=axis),
                   np_fn([p[1] for p in parts], axis=axis + 1 if axis >= 0 else axis),
                   np_fn(ls, axis=axis))
    return rule


def _where(x, y, *, cond):
    """Select each part by ``cond`` (never mixing the branches, so a NaN branch stays out)."""
    if not (isinstance(x, Jet) or isinstance(y, Jet)):
        return np.where(cond, x, y)
    d = _d(x, y)
    (xv, xg, xl), (yv, yg, yl) = _parts(x, d), _parts(y, d)
    v = np.where(cond, xv, yv)
    return _jet(v, np.where(cond, _lead(xg, v), _lead(yg, v)), np.where(cond, xl, yl))


def _logaddexp(x, y):
    """log(e^x + e^y): f_x = p, f_y = q, f_xx = f_yy = pq = −f_xy."""
    if not (isinstance(x, Jet) or isinstance(y, Jet)):
        return np.logaddexp(x, y)
    d = _d(x, y)
    (xv, xg, xl), (yv, yg, yl) = _parts(x, d), _parts(y, d)
    v = np.logaddexp(xv, yv)
    p, q = np.exp(xv - v), np.exp(yv - v)
    dg = _lead(xg, v) - _lead(yg, v)
    return _jet(v, p * _lead(xg, v) + q * _lead(yg, v),
                p * xl + q * yl + p * q * np.sum(dg * dg, axis=0))


def _constant_only(name):
    def rule(*xs, **p):
        if any(isinstance(x, Jet) for x in xs):
            raise NotPropagated(name)
        return TABLE[name].impl(*xs, **p)
    return rule


def _solve(a, b):
    if isinstance(a, Jet):
        raise NotPropagated("linalg.solve (traced matrix)")
    if not isinstance(b, Jet):
        return np.linalg.solve(a, b)
    g = np.linalg.solve(a, b.g.T).T if b.ndim == 1 else np.linalg.solve(a, b.g)
    return Jet(np.linalg.solve(a, b.v), g, np.linalg.solve(a, b.l))


U = {name: _unary(*fs) for name, fs in UNARY.items()}
P = {
    **{k: v for k, v in U.items() if k != "reciprocal"},
    "add": _affine(np.add), "subtract": _affine(np.subtract),
    "negative": _linear(np.negative, np.negative),
    "multiply": _multiply, "divide": _divide, "pow": _pow, "matmul": _matmul,
    "outer": lambda a, b: _multiply(P["reshape"](a, shape=(-1, 1)),
                                    P["reshape"](b, shape=(1, -1))),
    "trace": _linear(np.trace, lambda g: np.trace(g, axis1=-2, axis2=-1)),
    "diag": _diag,
    "broadcast_to": lambda x, shape: _affine(np.add)(x, np.zeros(shape)),
    "matrix_transpose": _linear(lambda x: np.swapaxes(x, -1, -2),
                                lambda g: np.swapaxes(g, -1, -2)),
    "transpose": _linear(lambda x, *, axes=None: np.transpose(x, axes), _transpose_g),
    "reshape": _linear(lambda x, *, shape: np.reshape(x, shape),
                       lambda g, *, shape: np.reshape(g, (g.shape[0],) + tuple(shape))),
    "getitem": _linear(lambda x, *, index: x[index],
                       lambda g, *, index: g[(slice(None),) + (
                           index if isinstance(index, tuple) else (index,))]),
    "stack": _join(np.stack), "concat": _join(np.concatenate),
    "sum": _linear(np.sum, _sum_g), "mean": _linear(np.mean, _mean_g),
    "where": _where,
    "maximum": lambda x, y: _where(x, y, cond=np.asarray(_val(x) >= _val(y))),
    "minimum": lambda x, y: _where(x, y, cond=np.asarray(_val(x) <= _val(y))),
    "logaddexp": _logaddexp, "solve": _solve,
    **{n: _constant_only(n) for n in ("inv", "det", "logabsdet", "sum_to", "scatter_add")},
}
"""Primitive name -> its rule on jets (numpy on constants)."""


class _JetNamespace(Namespace):
    """The namespace over jets; lists of jets stack, and slogdet is not propagated."""

    def asarray(self, obj, dtype=None):
        if isinstance(obj, Jet):
            return obj
        if isinstance(obj, (list, tuple)) and any(isinstance(o, Jet) for o in obj):
            return self.stack([self.asarray(o) for o in obj])
        return np.asarray(obj, dtype=dtype or np.float64)

    def slogdet(self, a):
        if isinstance(a, Jet):
            raise NotPropagated("linalg.slogdet")
        return SlogdetResult(*np.linalg.slogdet(a))


_operators()
XP = _JetNamespace("forward-laplacian", P)
"""The namespace whose operations carry (value, gradient, Laplacian)."""
