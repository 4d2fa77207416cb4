"""aten operations written with the names of adcheck's namespace ``xp``.

One function per aten operation packet, ``op(xp, *args, _shape=..., **kwargs)``: the arguments
are those of the aten schema, ``_shape`` the output shape torch recorded while tracing (views
and expansions are replayed as reshapes and broadcasts to it). Comparisons and the shift of a
stable softmax read primal values and are constants, as in torch; everything differentiable
goes through ``xp``, so any engine or oracle can run the translated program.
"""

from __future__ import annotations

import math

import numpy as np

from adcheck.engines.core import Box, primal
from adcheck.engines.exact import to_float

from .exact_ad import stop_gradient


class Untranslatable(Exception):
    """Operations of a traced program that have no counterpart in ``xp``."""

    def __init__(self, names):
        self.names = list(names)
        super().__init__("no translation into adcheck's namespace for: " + ", ".join(self.names))


def constant(t):
    """A torch tensor captured by the trace, as numpy (floats as float64)."""
    a = t.detach().cpu().numpy()
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _float(x) -> np.ndarray:
    """The primal value of ``x`` as float64 (constants: comparisons, shifts, masks)."""
    p = primal(x)
    return to_float(p) if np.asarray(p).dtype == object else np.asarray(p, dtype=float)


def _dims(x, dims) -> tuple:
    nd = len(np.shape(primal(x)))
    if dims is None or dims == []:
        return tuple(range(nd))
    dims = dims if isinstance(dims, (list, tuple)) else [dims]
    return tuple(d % max(nd, 1) for d in dims)


def _reduce(fn):
    def op(xp, x, dims=None, keepdim=False, *, _shape=None, dtype=None, **_):
        return fn(xp, x, _dims(x, dims), keepdim)
    return op


def _shift(x, axes):
    """max over ``axes`` of the primal value: a constant shift that cancels exactly."""
    m = np.max(_float(x), axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def _logsumexp(xp, x, axes, keepdim):
    m = _shift(x, axes)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdim else xp.squeeze(out, axis=axes)


def _amax(xp, x, axes, keepdim, sign=1.0):
    v = sign * _float(x)
    hit = v == np.max(v, axis=axes, keepdims=True)  # ties share the derivative, as torch does
    out = xp.sum(xp.where(hit, x, 0.0), axis=axes, keepdims=True) / hit.sum(axes, keepdims=True)
    return out if keepdim else xp.squeeze(out, axis=axes)


def _softmax(xp, x, dim, *_, _shape=None, **__):
    axes = _dims(x, dim)
    e = xp.exp(x - _shift(x, axes))
    return e / xp.sum(e, axis=axes, keepdims=True)


def _log_softmax(xp, x, dim, *_, _shape=None, **__):
    axes = _dims(x, dim)
    z = x - _shift(x, axes)
    return z - xp.log(xp.sum(xp.exp(z), axis=axes, keepdims=True))


def _layer_norm(xp, x, shape, weight=None, bias=None, eps=1e-5, *, _shape=None):
    nd = len(np.shape(primal(x)))
    axes = tuple(range(nd - len(shape), nd))
    mean = xp.mean(x, axis=axes, keepdims=True)
    d = x - mean
    rstd = 1.0 / xp.sqrt(xp.mean(d * d, axis=axes, keepdims=True) + eps)
    out = d * rstd
    out = out * weight if weight is not None else out
    return (out + bias if bias is not None else out), mean, rstd


def _batch_norm(xp, x, w, b, rmean, rvar, training, momentum, eps, *, _shape=None):
    nd = len(np.shape(primal(x)))
    axes = (0,) + tuple(range(2, nd))
    shape = [1, np.shape(primal(x))[1]] + [1] * (nd - 2)
    if training:
        mean = xp.mean(x, axis=axes, keepdims=True)
        d = x - mean
        var = xp.mean(d * d, axis=axes, keepdims=True)
    else:
        mean, var = xp.reshape(rmean, shape), xp.reshape(rvar, shape)
        d = x - mean
    rstd = 1.0 / xp.sqrt(var + eps)
    out = d * rstd
    out = out * xp.reshape(w, shape) if w is not None else out
    out = out + xp.reshape(b, shape) if b is not None else out
    return out, xp.reshape(mean, (-1,)), xp.reshape(rstd, (-1,))


def _var(xp, x, dims=None, *, correction=1, keepdim=False, _shape=None, **_):
    axes = _dims(x, dims)
    d = x - xp.mean(x, axis=axes, keepdims=True)
    n = math.prod(np.shape(primal(x))[a] for a in axes)
    out = xp.sum(d * d, axis=axes, keepdims=keepdim) / (n - (correction or 0))
    return out


def _nll(xp, x, target, weight, reduction, ignore_index, *, _shape=None):
    t = np.asarray(primal(target)).astype(int)
    w = np.ones(np.shape(primal(x))[-1]) if weight is None else _float(weight)
    keep = t != ignore_index
    ts = np.where(keep, t, 0)
    wt = np.where(keep, w[ts], 0.0)
    picked = x[np.arange(t.size), ts] if t.ndim else x[ts]
    loss = -(picked * wt)
    total = wt.sum()
    if reduction == 0:
        return loss, xp.asarray(total)
    s = xp.sum(loss)
    return (s / total if reduction == 1 else s), xp.asarray(total)


def _slice(xp, x, dim=0, start=None, end=None, step=1, *, _shape=None):
    nd = len(np.shape(primal(x)))
    return x[(slice(None),) * (dim % nd) + (slice(start, end, step),)]


def _select(xp, x, dim, index, *, _shape=None):
    nd = len(np.shape(primal(x)))
    return x[(slice(None),) * (dim % nd) + (index,)]


def _index(xp, x, indices, *, _shape=None):
    idx = tuple(slice(None) if i is None else np.asarray(primal(i)) for i in indices)
    return x[idx]


def _gather(xp, x, dim, index, *, _shape=None, sparse_grad=False):
    index = np.asarray(primal(index))
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim % index.ndim] = index
    return x[tuple(grid)]


def _conv(xp, x, w, b, stride, padding, dilation, transposed, out_pad, groups, *, _shape=None):
    if transposed or groups != 1 or len(stride) != 1:
        raise Untranslatable([f"convolution (transposed={transposed}, groups={groups}, "
                              f"{len(stride)}-d)"])
    n, c, length = np.shape(primal(x))
    o, _, k = np.shape(primal(w))
    if padding[0]:
        pad = np.zeros((n, c, padding[0]))
        x = xp.concat([pad, x, pad], axis=2)
    out_len = _shape[-1]
    span = stride[0] * (out_len - 1) + 1
    cols = [x[:, :, j * dilation[0]: j * dilation[0] + span: stride[0]] for j in range(k)]
    cols = xp.permute_dims(xp.stack(cols, axis=3), (0, 2, 1, 3))  # (n, out_len, c, k)
    out = xp.reshape(cols, (n, out_len, c * k)) @ xp.matrix_transpose(xp.reshape(w, (o, c * k)))
    out = xp.permute_dims(out, (0, 2, 1))
    return out if b is None else out + xp.reshape(b, (1, o, 1))


def _scatter(xp, x, dim, index, value, *, _shape=None, reduce=None):
    if not isinstance(value, (int, float)) or reduce is not None:
        raise Untranslatable(["scatter (of a tensor, or with a reduction)"])
    index = np.asarray(primal(index))
    mask = np.zeros(np.shape(primal(x)), dtype=bool)
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim % index.ndim] = index
    mask[tuple(grid)] = True
    return xp.where(mask, float(value), x)


def _integral(x) -> bool:
    return not isinstance(x, Box) and np.asarray(x).dtype.kind in "iub"


def _where(xp, cond, a, b, *, _shape=None):
    c = np.asarray(primal(cond), dtype=bool)
    if _integral(a) and _integral(b):  # index arithmetic stays integer and constant
        return np.where(c, a, b)
    return xp.where(c, a, b)


def _cmp(fn):
    return lambda xp, a, b, *, _shape=None: fn(_float(a), _float(b))


def _const(fill):
    def op(xp, *args, _shape=None, dtype=None, **kw):
        value = fill(args) if callable(fill) else fill
        integral = dtype is not None and not dtype.is_floating_point
        return np.full(_shape, value if integral else float(value))
    return op


def _same(xp, x, *args, _shape=None, **kw):
    return x


def _view(xp, x, *args, _shape=None, **kw):
    return xp.reshape(x, _shape)


def _sigmoid(xp, x):
    return 0.5 * xp.tanh(0.5 * x) + 0.5  # no overflow for large |x|


def _softplus(xp, x, beta=1.0, threshold=20.0, *, _shape=None):
    smooth = xp.logaddexp(xp.zeros_like(x), beta * x) / beta
    return xp.where(_float(x) * beta > threshold, x, smooth)


def _unary(name):
    return lambda xp, x, *, _shape=None: getattr(xp, name)(x)


def _binop(fn):
    def op(xp, a, b, *, alpha=1, _shape=None, **_):
        return fn(a, b * alpha if alpha != 1 else b)
    return op


OPS = {
    **{n: _unary(n) for n in "exp log log1p expm1 sqrt tanh sin cos sinh cosh abs sign erf "
       "negative".split()},
    "neg": _unary("negative"),
    "rsqrt": lambda xp, x, *, _shape=None: 1.0 / xp.sqrt(x),
    "reciprocal": lambda xp, x, *, _shape=None: 1.0 / x,
    "sigmoid": lambda xp, x, *, _shape=None: _sigmoid(xp, x),
    "silu": lambda xp, x, *, _shape=None: x * _sigmoid(xp, x),
    "gelu": lambda xp, x, approximate="none", *, _shape=None: 0.5 * x * (
        1.0 + xp.erf(x / math.sqrt(2.0))),
    "relu": lambda xp, x, *, _shape=None: xp.maximum(x, 0.0),
    "softplus": _softplus,
    "add": _binop(lambda a, b: a + b), "sub": _binop(lambda a, b: a - b),
    "rsub": _binop(lambda a, b: b - a),
    "mul": lambda xp, a, b, *, _shape=None: a * b,
    "div": lambda xp, a, b, *, rounding_mode=None, _shape=None: a / b,
    "pow": lambda xp, a, b, *, _shape=None: a ** b,
    "maximum": lambda xp, a, b, *, _shape=None: xp.maximum(a, b),
    "minimum": lambda xp, a, b, *, _shape=None: xp.minimum(a, b),
    "clamp_min": lambda xp, a, b, *, _shape=None: xp.maximum(a, float(b)),
    "clamp_max": lambda xp, a, b, *, _shape=None: xp.minimum(a, float(b)),
    "mm": lambda xp, a, b, *, _shape=None: a @ b,
    "bmm": lambda xp, a, b, *, _shape=None: a @ b,
    "matmul": lambda xp, a, b, *, _shape=None: a @ b,
    "mv": lambda xp, a, b, *, _shape=None: a @ b,
    "dot": lambda xp, a, b, *, _shape=None: a @ b,
    "addmm": lambda xp, c, a, b, *, beta=1, alpha=1, _shape=None: beta * c + alpha * (a @ b),
    "t": lambda xp, x, *, _shape=None: xp.reshape(xp.transpose(x), _shape),
    "transpose": lambda xp, x, d0, d1, *, _shape=None: xp.permute_dims(
        x, _swap(len(_shape), d0, d1)),
    "permute": lambda xp, x, dims, *, _shape=None: xp.permute_dims(
        x, [d % len(_shape) for d in dims]),
    "expand": lambda xp, x, size, *, implicit=False, _shape=None: xp.broadcast_to(x, _shape),
    **{n: _view for n in "view _unsafe_view reshape unsqueeze squeeze flatten view_as".split()},
    **{n: _same for n in "clone contiguous alias lift_fresh_copy _to_copy to type_as".split()},
    "detach": lambda xp, x, *, _shape=None: stop_gradient(x),
    "copy": lambda xp, dst, src, non_blocking=False, *, _shape=None: xp.broadcast_to(
        src, _shape),
    "sum": _reduce(lambda xp, x, a, k: xp.sum(x, axis=a, keepdims=k)),
    "mean": _reduce(lambda xp, x, a, k: xp.mean(x, axis=a, keepdims=k)),
    "amax": _reduce(lambda xp, x, a, k: _amax(xp, x, a, k)),
    "amin": _reduce(lambda xp, x, a, k: _amax(xp, x, a, k, -1.0)),
    "logsumexp": _reduce(_logsumexp),
    "max": lambda xp, x, dim=None, keepdim=False, *, _shape=None: (
        _amax(xp, x, _dims(x, dim), keepdim),
        np.argmax(_float(x), axis=dim % len(np.shape(primal(x))))) if dim is not None
    else _amax(xp, x, _dims(x, None), False),
    "_softmax": _softmax, "_safe_softmax": _softmax, "_log_softmax": _log_softmax,
    "native_layer_norm": _layer_norm, "native_batch_norm": _batch_norm,
    "_native_batch_norm_legit_no_training": lambda xp, x, w, b, rm, rv, momentum, eps, **k:
    _batch_norm(xp, x, w, b, rm, rv, False, momentum, eps),
    "empty": _const(0.0), "var": _var, "nll_loss_forward": _nll,
    "slice": _slice, "select": _select, "index": _index, "gather": _gather,
    "convolution": _conv, "where": _where, "scatter": _scatter,
    "cat": lambda xp, xs, dim=0, *, _shape=None: xp.concat(list(xs), axis=dim),
    "stack": lambda xp, xs, dim=0, *, _shape=None: xp.stack(list(xs), axis=dim),
    **{n: _cmp(getattr(np, f)) for n, f in {"gt": "greater", "lt": "less", "ge": "greater_equal",
                                            "le": "less_equal", "eq": "equal",
                                            "ne": "not_equal"}.items()},
    "zeros": _const(0.0), "ones": _const(1.0), "zeros_like": _const(0.0),
    "ones_like": _const(1.0), "full": _const(lambda a: a[1]),
    "full_like": _const(lambda a: a[1]), "scalar_tensor": _const(lambda a: a[0]),
}
"""aten operation packet name -> its program in ``xp``."""


def _swap(nd, d0, d1) -> list:
    axes = list(range(nd))
    axes[d0 % nd], axes[d1 % nd] = axes[d1 % nd], axes[d0 % nd]
    return axes


__all__ = ["OPS", "Untranslatable", "constant"]
