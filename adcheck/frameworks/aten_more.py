"""More aten operations in ``xp``: linear algebra, losses, activations, N-d convolution.

``OPS`` here is the whole table the translator uses: ``aten_ops.OPS`` and these. Each entry
follows the aten schema (``op(xp, *args, _shape=..., **kwargs)``); the error-checking
companions torch emits beside a factorization (``_linalg_check_errors``) translate to nothing,
and an info/pivots output nobody differentiates is a constant.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from adcheck.engines.core import primal

from . import aten_ops as A
from .aten_ops import Untranslatable, _dims, _float


def _reduce(xp, x, reduction):
    """aten's reduction codes: 0 none, 1 mean, 2 sum."""
    if reduction == 0:
        return x
    return xp.mean(x) if reduction == 1 else xp.sum(x)


def _clamp(xp, x, lo=None, hi=None, *, _shape=None, min=None, max=None):
    lo, hi = (min if lo is None else lo), (max if hi is None else hi)
    out = x if lo is None else xp.maximum(x, lo)
    return out if hi is None else xp.minimum(out, hi)


def _vector_norm(xp, x, ord=2, dim=None, keepdim=False, *, dtype=None, _shape=None):
    axes = _dims(x, dim)
    return xp.linalg.vector_norm(x, axis=axes, keepdims=keepdim, ord=float(ord))


def _solve_ex(xp, a, b, *, left=True, check_errors=False, _shape=None):
    if not left:
        raise Untranslatable(["_linalg_solve_ex (left=False)"])
    vec = len(np.shape(primal(b))) == 1 or (
        len(np.shape(primal(b))) == len(np.shape(primal(a))) - 1)
    x = xp.linalg.solve(a, b[..., None])[..., 0] if vec and np.ndim(primal(b)) > 1 \
        else xp.linalg.solve(a, b)
    return x, None, None, None


def _solve_triangular(xp, a, b, *, upper, left=True, unitriangular=False, _shape=None):
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ
        xt = xp.linalg.solve_triangular(xp.matrix_transpose(a), xp.matrix_transpose(b),
                                        lower=upper, unit_diagonal=unitriangular)
        return xp.matrix_transpose(xt)
    return xp.linalg.solve_triangular(a, b, lower=not upper, unit_diagonal=unitriangular)


def _cholesky_ex(xp, a, *, upper=False, check_errors=False, _shape=None):
    L = xp.linalg.cholesky(a)
    return (xp.matrix_transpose(L) if upper else L), None


def _slogdet(xp, a, *, _shape=None):
    sign, logabs = xp.linalg.slogdet(a)
    return sign, logabs, None, None


def _bce(xp, p, t, weight=None, reduction=1, *, _shape=None):
    # torch clamps each log at -100 (so a probability of 0 or 1 costs 100, not inf)
    lp = xp.maximum(xp.log(p), -100.0)
    lq = xp.maximum(xp.log1p(-p), -100.0)
    loss = -(t * lp + (1.0 - t) * lq)
    return _reduce(xp, loss if weight is None else loss * weight, reduction)


def _bce_logits(xp, x, t, weight=None, pos_weight=None, reduction=1, *, _shape=None):
    log_sig_neg = -xp.logaddexp(xp.zeros_like(x), x)  # log(1 - sigmoid(x))
    log_sig = -xp.logaddexp(xp.zeros_like(x), -x)
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * t * log_sig + (1.0 - t) * log_sig_neg)
    return _reduce(xp, loss if weight is None else loss * weight, reduction)


def _smooth_l1(xp, a, b, reduction=1, beta=1.0, *, _shape=None):
    d = xp.abs(a - b)
    if beta == 0:
        return _reduce(xp, d, reduction)
    small = _float(d) < beta
    return _reduce(xp, xp.where(small, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _huber(xp, a, b, reduction=1, delta=1.0, *, _shape=None):
    d = xp.abs(a - b)
    small = _float(d) < delta
    return _reduce(xp, xp.where(small, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _xlogy(xp, x, y, *, _shape=None):
    zero = _float(x) == 0
    return xp.where(zero, 0.0, x * xp.log(xp.where(zero, 1.0, y)))


def _diag_embed(xp, x, offset=0, dim1=-2, dim2=-1, *, _shape=None):
    if offset != 0 or (dim1 % len(_shape), dim2 % len(_shape)) != (len(_shape) - 2,
                                                                   len(_shape) - 1):
        raise Untranslatable(["diag_embed (an offset, or other dimensions)"])
    return x[..., None] * np.eye(np.shape(primal(x))[-1])


def _diagonal(xp, x, offset=0, dim1=0, dim2=1, *, _shape=None):
    return xp.diagonal(x, offset=offset, axis1=dim1, axis2=dim2)


def _pad(xp, x, pad, value=0.0, *, _shape=None):
    nd = len(np.shape(primal(x)))
    width = [(0, 0)] * nd
    for k in range(len(pad) // 2):
        width[nd - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if any(a < 0 or b < 0 for a, b in width):
        raise Untranslatable(["constant_pad_nd (negative padding)"])
    return xp.pad(x, width, mode="constant", constant_values=float(value))


def _sorted(xp, x, dim=-1, descending=False, *, stable=None, _shape=None):
    order = np.argsort(_float(x), axis=dim, kind="stable")
    order = np.flip(order, axis=dim) if descending else order
    return xp.take_along_axis(x, order, axis=dim), order


def _topk(xp, x, k, dim=-1, largest=True, sorted=True, *, _shape=None):
    vals, order = _sorted(xp, x, dim, largest)
    sl = [slice(None)] * len(np.shape(primal(x)))
    sl[dim] = slice(0, k)
    return vals[tuple(sl)], order[tuple(sl)]


def _std(xp, x, dims=None, *, correction=1, keepdim=False, _shape=None, **_):
    return xp.sqrt(A._var(xp, x, dims, correction=correction, keepdim=keepdim))


def _group_norm(xp, x, w, b, n, c, hw, group, eps, *, _shape=None):
    shape = np.shape(primal(x))
    g = xp.reshape(x, (n, group, -1))
    mean = xp.mean(g, axis=2, keepdims=True)
    d = g - mean
    rstd = 1.0 / xp.sqrt(xp.mean(d * d, axis=2, keepdims=True) + eps)
    out = xp.reshape(d * rstd, shape)
    bshape = [1, c] + [1] * (len(shape) - 2)
    out = out * xp.reshape(w, bshape) if w is not None else out
    out = out + xp.reshape(b, bshape) if b is not None else out
    return out, xp.reshape(mean, (n, group)), xp.reshape(rstd, (n, group))


def _cdist(xp, a, b, p=2.0, mode=None, *, _shape=None):
    d = a[..., :, None, :] - b[..., None, :, :]
    return xp.linalg.vector_norm(d, axis=-1, ord=float(p))


def _conv(xp, x, w, b, stride, padding, dilation, transposed, out_pad, groups, *,
          _shape=None):
    """N-d convolution (cross-correlation) as a sum over kernel offsets of strided slices
    times the kernel's slice: any N, stride, padding, dilation and groups (not transposed)."""
    if transposed:
        raise Untranslatable(["convolution (transposed)"])
    nd = len(stride)
    pad = [(0, 0), (0, 0)] + [(p, p) for p in padding]
    if any(padding):
        x = xp.pad(x, pad, mode="constant", constant_values=0.0)
    ksize = np.shape(primal(w))[2:]
    out_sp = _shape[2:]
    o, cg = np.shape(primal(w))[:2]
    parts = []
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        wg = w[g * (o // groups):(g + 1) * (o // groups)]
        total = 0.0
        for off in np.ndindex(*ksize):
            sl = tuple(slice(k * d, k * d + s * (n - 1) + 1, s)
                       for k, d, s, n in zip(off, dilation, stride, out_sp))
            patch = xg[(slice(None), slice(None)) + sl]  # (N, cg, *out)
            kern = wg[(slice(None), slice(None)) + tuple(off)]  # (o_g, cg)
            moved = xp.moveaxis(patch, 1, -1)  # (N, *out, cg)
            total = total + xp.moveaxis(moved @ xp.matrix_transpose(kern), -1, 1)
        parts.append(total)
    out = parts[0] if groups == 1 else xp.concat(parts, axis=1)
    return out if b is None else out + xp.reshape(b, (1, o) + (1,) * nd)


def _windows(x, kernel, stride):
    """The output's spatial sizes of a pooling without padding, and the leading slices."""
    shape = np.shape(primal(x))
    sp = shape[-len(kernel):]
    return ([(n - k) // s + 1 for n, k, s in zip(sp, kernel, stride)],
            (slice(None),) * (len(shape) - len(kernel)))


def _avg_pool(xp, x, kernel, stride=None, padding=0, ceil_mode=False,
              count_include_pad=True, divisor_override=None, *, _shape=None):
    stride = stride or kernel
    padding = [padding] * len(kernel) if isinstance(padding, int) else list(padding)
    if any(padding) or ceil_mode or divisor_override:
        raise Untranslatable(["avg_pool (padding, ceil_mode or a divisor)"])
    out_sp, lead = _windows(x, kernel, stride)
    total = 0.0
    for off in np.ndindex(*kernel):
        total = total + x[lead + tuple(slice(k, k + s * (n - 1) + 1, s)
                                       for k, s, n in zip(off, stride, out_sp))]
    return total / math.prod(kernel)


def _max_pool(xp, x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, *,
              _shape=None):
    stride = stride or kernel
    if (padding if isinstance(padding, int) else any(padding)) or ceil_mode or (
            dilation if isinstance(dilation, int) else max(dilation)) != 1:
        raise Untranslatable(["max_pool (padding, dilation or ceil_mode)"])
    out_sp, lead = _windows(x, kernel, stride)
    wins = [x[lead + tuple(slice(k, k + s * (n - 1) + 1, s)
                           for k, s, n in zip(off, stride, out_sp))]
            for off in np.ndindex(*kernel)]
    stacked = xp.stack(wins, axis=-1)
    pick = np.argmax(_float(stacked), axis=-1)[..., None]
    return xp.take_along_axis(stacked, pick, axis=-1)[..., 0], pick[..., 0]


class Withheld:
    """An output that is not replayed (eigenvectors, singular vectors: their signs are
    LAPACK's choice, and a replay could pick others and judge a right rule wrong); an
    operation reading it fails, and the check falls back, saying so."""

    def __init__(self, what):
        self.what = what

    def __array__(self, *a, **k):
        raise Untranslatable([self.what])

    def __getattr__(self, name):
        raise Untranslatable([self.what])


def _eigh(xp, a, UPLO="L", compute_v=True, *, _shape=None):
    return xp.linalg.eigvalsh(a), Withheld("_linalg_eigh's eigenvectors (signs are LAPACK's)")


def _svd(xp, a, full_matrices=True, compute_uv=True, *, driver=None, _shape=None):
    why = "_linalg_svd's singular vectors (signs are LAPACK's)"
    return Withheld(why), xp.linalg.svdvals(a), Withheld(why)


def _act(fn):
    return lambda xp, x, *args, _shape=None, **kw: fn(xp, x, *args, **kw)


def _qr(xp, a, mode="reduced", *, _shape=None):
    """linalg.qr: xp's QR (R with a positive diagonal, the unique one) times the signs that
    LAPACK's Householder QR gives, read from numpy's geqrf on the primal values (the routine
    torch runs). The signs are constant near a full-rank input: the derivatives are those of
    the unique QR with those signs."""
    if mode != "reduced":
        raise Untranslatable([f"linalg_qr (mode={mode!r})"])
    q, r = xp.linalg.qr(a)
    d = np.sign(np.diagonal(np.linalg.qr(np.asarray(_float(a)))[1], axis1=-2, axis2=-1))
    d = np.where(d == 0, 1.0, d)
    return q * d[..., None, :], r * d[..., :, None]


def _trilinear(xp, i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim=1, *,
               _shape=None):
    """aten._trilinear (F.bilinear): the three inputs, each given size-1 axes at its expand
    dims, multiplied with broadcasting and summed over ``sumdim``."""
    parts = []
    for x, dims in ((i1, expand1), (i2, expand2), (i3, expand3)):
        for d in sorted(dims):
            x = xp.expand_dims(x, axis=d)
        parts.append(x)
    prod = parts[0] * parts[1] * parts[2]
    return xp.sum(prod, axis=tuple(sumdim)) if len(sumdim) else prod


def _source_index(out_size, in_size, align_corners, scale, dtype):
    """torch's source coordinate of each output position of a linear upsampling
    (area_pixel_compute_source_index), in the tensor's precision as torch computes it."""
    if align_corners:
        ratio = dtype(in_size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0.0)
        return ratio * np.arange(out_size, dtype=dtype)
    ratio = dtype(1.0 / scale) if scale else dtype(in_size) / dtype(out_size)
    # ratio * (i + 0.5) - 0.5 as one fused multiply-add, rounded once (torch's CPU kernels
    # are built with FMA; the plain product and difference differ in the last bit of some
    # weights, which the exact reference sees). The exact value fits a double (ratio has at
    # most 53 bits, i + 0.5 a few), so one rounding to the dtype is one rounding.
    return np.array([max(dtype(float(Fraction(float(ratio)) * Fraction(k + 0.5)
                                     - Fraction(1, 2))), dtype(0.0))
                     for k in range(out_size)], dtype=dtype)


def _upsample_linear1d(xp, x, output_size, align_corners, scales=None, *, _shape=None,
                       _dtype="float64"):
    """F.interpolate(mode="linear"): each output a fixed combination of two inputs, with the
    weights torch computes (in the tensor's precision)."""
    dtype = np.float32 if _dtype == "float32" else np.float64
    n_in, n_out = np.shape(primal(x))[-1], int(output_size[0])
    src = _source_index(n_out, n_in, align_corners, scales, dtype)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = np.minimum(np.maximum(src - lo.astype(dtype), dtype(0.0)), dtype(1.0))
    w_lo, w_hi = (dtype(1.0) - lam).astype(float), lam.astype(float)
    return xp.take(x, lo, axis=-1) * w_lo + xp.take(x, hi, axis=-1) * w_hi


_upsample_linear1d.takes_dtype = True


def _elu(xp, x, alpha=1.0, scale=1.0, input_scale=1.0):
    neg = alpha * xp.expm1(xp.minimum(x, 0.0) * input_scale)
    return scale * xp.where(_float(x) > 0, x, neg)


def _hardtanh(xp, x, lo=-1.0, hi=1.0):
    return xp.minimum(xp.maximum(x, lo), hi)


def _softplus1(xp, x):
    return xp.logaddexp(xp.zeros_like(x), x)


def _glu(xp, x, dim=-1):
    n = np.shape(primal(x))[dim] // 2
    a = xp.take(x, np.arange(n), axis=dim)
    b = xp.take(x, np.arange(n, 2 * n), axis=dim)
    return a * A._sigmoid(xp, b)


MORE = {
    "clamp": _clamp, "clip": _clamp,
    "cumsum": lambda xp, x, dim, *, dtype=None, _shape=None: xp.cumsum(x, axis=dim),
    "cumprod": lambda xp, x, dim, *, dtype=None, _shape=None: xp.cumprod(x, axis=dim),
    "prod": lambda xp, x, dim=None, keepdim=False, *, dtype=None, _shape=None: xp.prod(
        x, axis=dim, keepdims=keepdim),
    "linalg_vector_norm": _vector_norm,
    "_linalg_check_errors": lambda xp, *a, _shape=None, **k: None,
    "_linalg_solve_ex": _solve_ex,
    "linalg_solve": lambda xp, a, b, *, left=True, _shape=None: _solve_ex(xp, a, b, left=left)[0],
    "linalg_inv_ex": lambda xp, a, *, check_errors=False, _shape=None: (xp.linalg.inv(a), None),
    "linalg_inv": lambda xp, a, *, _shape=None: xp.linalg.inv(a),
    "linalg_cholesky_ex": _cholesky_ex,
    "cholesky": lambda xp, a, upper=False, *, _shape=None: _cholesky_ex(xp, a, upper=upper)[0],
    "_linalg_det": lambda xp, a, *, _shape=None: (xp.linalg.det(a), None, None),
    "_linalg_slogdet": _slogdet,
    "linalg_solve_triangular": _solve_triangular,
    "linalg_pinv": lambda xp, a, *args, _shape=None, **k: xp.linalg.pinv(a),
    "linalg_matrix_exp": lambda xp, a, *, _shape=None: xp.linalg.expm(a),
    "linalg_cross": lambda xp, a, b, *, dim=-1, _shape=None: xp.linalg.cross(a, b, axis=dim),
    "_linalg_eigh": _eigh, "_linalg_svd": _svd,
    "vdot": lambda xp, a, b, *, _shape=None: xp.vdot(a, b),
    "norm": lambda xp, x, p=2, dim=None, keepdim=False, *, dtype=None, _shape=None:
    _vector_norm(xp, x, 2 if p is None else p, dim, keepdim),
    "soft_margin_loss": lambda xp, a, t, reduction=1, *, _shape=None: _reduce(
        xp, xp.logaddexp(xp.zeros_like(a), -t * a), reduction),
    "linalg_lstsq": lambda xp, a, b, rcond=None, *, driver=None, _shape=None: (
        xp.linalg.pinv(a) @ b, Withheld("lstsq's residuals"), Withheld("lstsq's rank"),
        Withheld("lstsq's singular values")),
    "mse_loss": lambda xp, a, b, reduction=1, *, _shape=None: _reduce(
        xp, (a - b) * (a - b), reduction),
    "smooth_l1_loss": _smooth_l1, "huber_loss": _huber,
    "binary_cross_entropy": _bce, "binary_cross_entropy_with_logits": _bce_logits,
    "log_sigmoid_forward": lambda xp, x, *, _shape=None: (-_softplus1(xp, -x), None),
    "xlogy": _xlogy,
    "triu": lambda xp, x, diagonal=0, *, _shape=None: xp.triu(x, k=diagonal),
    "tril": lambda xp, x, diagonal=0, *, _shape=None: xp.tril(x, k=diagonal),
    "diagonal": _diagonal, "diag_embed": _diag_embed,
    "atan2": lambda xp, a, b, *, _shape=None: xp.arctan2(a, b),
    "erfinv": lambda xp, x, *, _shape=None: xp.special.erfinv(x),
    "lgamma": lambda xp, x, *, _shape=None: xp.special.gammaln(x),
    "digamma": lambda xp, x, *, _shape=None: xp.special.digamma(x),
    "flip": lambda xp, x, dims, *, _shape=None: xp.flip(x, axis=tuple(dims)),
    "roll": lambda xp, x, shifts, dims=(), *, _shape=None: xp.roll(
        x, tuple(shifts), axis=tuple(dims) if dims else None),
    "constant_pad_nd": _pad, "embedding": lambda xp, w, idx, *a, _shape=None, **k: w[
        np.asarray(primal(idx)).astype(int)],
    "std": _std, "sort": _sorted, "topk": _topk,
    "native_group_norm": _group_norm, "_cdist_forward": _cdist,
    "convolution": _conv, "avg_pool2d": _avg_pool, "avg_pool1d": _avg_pool,
    "avg_pool3d": _avg_pool, "max_pool2d_with_indices": _max_pool,
    "max_pool3d_with_indices": _max_pool,
    "elu": _act(_elu), "leaky_relu": _act(lambda xp, x, slope=0.01: xp.where(
        _float(x) > 0, x, slope * x)),
    "hardtanh": _act(_hardtanh), "mish": _act(lambda xp, x: x * xp.tanh(_softplus1(xp, x))),
    "glu": _act(_glu), "hardswish": _act(lambda xp, x: x * _hardtanh(xp, x + 3.0, 0.0, 6.0)
                                          / 6.0),
    "hardsigmoid": _act(lambda xp, x: _hardtanh(xp, x + 3.0, 0.0, 6.0) / 6.0),
    "celu": _act(lambda xp, x, alpha=1.0: xp.maximum(x, 0.0) + xp.minimum(
        0.0, alpha * xp.expm1(x / alpha))),
    "selu": _act(lambda xp, x: 1.0507009873554805 * _elu(xp, x, 1.6732632423543772)),
    "logit": _act(lambda xp, x, eps=None: xp.log(x / (1.0 - x))),
    "square": _act(lambda xp, x: x * x), "exp2": _act(lambda xp, x: xp.exp2(x)),
    "log2": _act(lambda xp, x: xp.log2(x)), "log10": _act(lambda xp, x: xp.log10(x)),
    **{n: _act(lambda xp, x, n=n: getattr(xp, n)(x)) for n in
       "tan asin acos atan asinh acosh atanh".split()},
    "frac": _act(lambda xp, x: x - np.trunc(_float(x))),
    "hypot": lambda xp, a, b, *, _shape=None: xp.hypot(a, b),
    "logaddexp": lambda xp, a, b, *, _shape=None: xp.logaddexp(a, b),
    "special_erfcx": _act(lambda xp, x: xp.special.erfcx(x)),
    "special_log_ndtr": _act(lambda xp, x: xp.special.log_ndtr(x)),
    "linalg_qr": _qr, "_trilinear": _trilinear, "upsample_linear1d": _upsample_linear1d,
    "special_i0e": _act(lambda xp, x: xp.special.i0e(x)),
    "special_i1": _act(lambda xp, x: xp.special.i1(x)),
    "special_i1e": _act(lambda xp, x: xp.special.i1e(x)),
    "i0": _act(lambda xp, x: xp.special.i0(x)),
    "erfc": _act(lambda xp, x: xp.special.erfc(x)),
    "sinc": _act(lambda xp, x: xp.sinc(x)),
    "polygamma": lambda xp, n, x, *, _shape=None: xp.special.polygamma(n, x),
    "mvlgamma": lambda xp, x, p, *, _shape=None: xp.special.multigammaln(x, p),
    "index_select": lambda xp, x, dim, idx, *, _shape=None: xp.take(
        x, np.asarray(primal(idx)).astype(int), axis=dim),
    "masked_fill": lambda xp, x, mask, value, *, _shape=None: xp.where(
        np.asarray(primal(mask), dtype=bool), float(_float(value)), x),
    "trace": lambda xp, x, *, _shape=None: xp.trace(x),
    "outer": lambda xp, a, b, *, _shape=None: xp.outer(a, b),
    "fmax": lambda xp, a, b, *, _shape=None: xp.fmax(a, b),
    "fmin": lambda xp, a, b, *, _shape=None: xp.fmin(a, b),
    "alias_copy": A._same, "view_copy": A._view, "split_with_sizes": lambda xp, x, sizes,
    dim=0, *, _shape=None: xp.split(x, list(np.cumsum(sizes)[:-1]), axis=dim),
    "split": lambda xp, x, size, dim=0, *, _shape=None: xp.split(
        x, list(range(size, np.shape(primal(x))[dim], size)), axis=dim),
    "unbind": lambda xp, x, dim=0, *, _shape=None: xp.unstack(x, axis=dim),
}

OPS = {**A.OPS, **MORE}
"""aten operation packet name -> its program in ``xp`` (the whole table)."""

__all__ = ["MORE", "OPS", "Untranslatable"]
