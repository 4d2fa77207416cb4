"""More jax primitives in ``xp``: linear algebra, control flow, scans, windows, scatters.

``PRIMS`` here is the whole table the jaxpr replay uses: ``translate_jax.BASE`` and these.
Control flow is replayed as the program ran at the point: ``cond`` takes the branch the
primal index picks, ``while`` runs while the primal condition holds (a fixed trip count at
that point, the derivative of the iterations as written), ``scan`` unrolls. Where an index map
is data-dependent in a way ``xp`` has no name for (a gather or scatter beyond whole
dimensions), jax itself computes the map on integer ids and the replay applies it as indexing.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.core import primal

from .aten_more import OPS as ATEN
from .aten_more import Withheld
from .aten_ops import Untranslatable, _float

MAX_TRIPS = 100_000
"""A ``while`` loop replayed for more iterations than this is not translated."""


def _closed(j):
    return (j.jaxpr, list(j.consts)) if hasattr(j, "consts") else (j, [])


def _call(xp, closed, args, replay):
    """A sub-program run by the replay that called its rule (``translate_jax.run``, handed to
    the rules in ``REPLAYING``: no import back into the module that imports this one)."""
    jx, consts = _closed(closed)
    return list(replay(xp, jx, consts, list(args)))


def _scan(xp, *ins, jaxpr, num_consts, num_carry, length, replay, reverse=False, **_):
    consts, carry, xs = ins[:num_consts], list(ins[num_consts:num_consts + num_carry]), \
        ins[num_consts + num_carry:]
    ys = []
    steps = range(length - 1, -1, -1) if reverse else range(length)
    for i in steps:
        out = _call(xp, jaxpr, list(consts) + carry + [x[i] for x in xs], replay)
        carry, y = out[:num_carry], out[num_carry:]
        ys.append(y)
    if reverse:
        ys.reverse()
    n_ys = len(_closed(jaxpr)[0].outvars) - num_carry
    stacked = [xp.stack([y[k] for y in ys], axis=0) if ys else None for k in range(n_ys)]
    return carry + stacked


def _while(xp, *ins, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, replay, **_):
    cc, bc = ins[:cond_nconsts], ins[cond_nconsts:cond_nconsts + body_nconsts]
    state = list(ins[cond_nconsts + body_nconsts:])
    for _trip in range(MAX_TRIPS):
        go = _call(xp, cond_jaxpr, list(cc) + state, replay)[0]
        if not bool(np.asarray(_float(go))):
            return state
        state = _call(xp, body_jaxpr, list(bc) + state, replay)
    raise Untranslatable([f"while (more than {MAX_TRIPS} iterations at this point)"])


def _cond(xp, index, *ops, branches, replay, **_):
    k = int(np.clip(np.asarray(_float(index)), 0, len(branches) - 1))
    return _call(xp, branches[k], ops, replay)


def _platform_index(xp, *, platforms, **_):
    for k, group in enumerate(platforms):
        if group is not None and "cpu" in group:
            return np.int32(k)
    return np.int32(next((k for k, g in enumerate(platforms) if g is None), 0))


def _linear_solve(xp, *ins, const_lengths, jaxprs, replay, **_):
    """x with matvec(x) = b: the matrix of matvec (applied to the basis) solved exactly,
    which is the function jax's custom_linear_solve defines (its solve is only a method)."""
    n_mv = const_lengths.matvec
    total = sum(const_lengths)
    consts, bs = ins[:total], ins[total:]
    if len(bs) != 1:
        raise Untranslatable(["custom_linear_solve (of a pytree right-hand side)"])
    b = bs[0]
    shape = np.shape(_float(b))
    n = int(np.prod(shape, dtype=np.int64))
    eye = np.eye(n)
    cols = [xp.reshape(_call(xp, jaxprs.matvec, list(consts[:n_mv]) + [eye[k].reshape(shape)],
                             replay)[0], (n,)) for k in range(n)]
    M = xp.stack(cols, axis=1)
    return [xp.reshape(xp.linalg.solve(M, xp.reshape(b, (n,))), shape)]


def _lu(xp, a, **_):
    """LU with the pivots LAPACK picks at the primal value (read as constants), then the
    unpivoted Doolittle elimination of the permuted rows in ``xp``."""
    import scipy.linalg
    arr = np.asarray(_float(a))
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise Untranslatable(["lu (batched or rectangular)"])
    n = arr.shape[0]
    _, piv = scipy.linalg.lu_factor(arr)
    perm = np.arange(n)
    for k, p in enumerate(piv):
        perm[k], perm[p] = perm[p], perm[k]
    rows = [a[int(perm[i])] for i in range(n)]
    L = [[None] * n for _ in range(n)]
    U = [None] * n
    for k in range(n):
        U[k] = rows[k]
        for i in range(k + 1, n):
            L[i][k] = rows[i][k] / U[k][k]
            rows[i] = rows[i] - L[i][k] * U[k]
    mask_l = np.tril(np.ones((n, n)), -1)
    Lm = xp.stack([xp.stack([L[i][k] if k < i else xp.zeros_like(U[0][0]) for k in range(n)])
                   for i in range(n)])
    Um = xp.stack(U)
    lu = Lm * mask_l + xp.triu(Um)
    return [lu, piv.astype(np.int32), perm.astype(np.int32)]


def _triangular_solve(xp, a, b, *, left_side, lower, transpose_a, conjugate_a=False,
                      unit_diagonal=False, **_):
    if left_side:
        return xp.linalg.solve_triangular(a, b, lower=lower, unit_diagonal=unit_diagonal,
                                          trans=1 if transpose_a else 0)
    # x op(a) = b  <=>  op(a)ᵀ xᵀ = bᵀ
    xt = xp.linalg.solve_triangular(a, xp.matrix_transpose(b), lower=lower,
                                    unit_diagonal=unit_diagonal,
                                    trans=0 if transpose_a else 1)
    return xp.matrix_transpose(xt)


def _cumulative(name):
    def op(xp, x, *, axis, reverse=False, **_):
        sl = [slice(None)] * len(np.shape(_float(x)))
        sl[axis] = slice(None, None, -1)
        y = x[tuple(sl)] if reverse else x
        out = getattr(xp, name)(y, axis=axis)
        return out[tuple(sl)] if reverse else out
    return op


def _sort(xp, *ops, dimension, num_keys=1, **_):
    keys = [np.asarray(_float(o)) for o in ops[:num_keys]]
    order = np.lexsort([np.moveaxis(k, dimension, -1) for k in reversed(keys)], axis=-1) \
        if num_keys > 1 else np.argsort(keys[0], axis=dimension, kind="stable")
    if num_keys > 1:
        order = np.moveaxis(order, -1, dimension)
    return [xp.take_along_axis(o, order, axis=dimension) if _differentiable(o)
            else np.take_along_axis(np.asarray(o), order, axis=dimension) for o in ops]


def _differentiable(o) -> bool:
    p = primal(o)
    return o is not p or np.asarray(p).dtype.kind in "fO"


def _ids(bind, shape):
    """jax's own index map: ``bind`` applied to integer ids 1..N of an operand of ``shape``."""
    import jax
    import jax.numpy as jnp
    with jax.enable_x64(True):
        ids = jnp.arange(1, int(np.prod(shape, dtype=np.int64)) + 1, dtype=jnp.float64)
        return np.asarray(bind(ids.reshape(shape))).astype(np.int64)


def _gather(xp, x, indices, **params):
    import jax
    shape = np.shape(_float(x))
    idx = np.asarray(_float(indices)).astype(np.asarray(primal(indices)).dtype)
    fill = params.get("fill_value")
    p = dict(params, fill_value=0)
    ids = _ids(lambda ops: jax.lax.gather_p.bind(ops, idx, **p), shape)
    flat = xp.reshape(x, (-1,))
    got = flat[np.maximum(ids - 1, 0)]
    if np.any(ids == 0):  # out of bounds in a filling mode: the fill value
        got = xp.where(ids == 0, np.nan if fill is None else float(fill), got)
    return got


def _scatter(kind):
    def op(xp, x, indices, updates, **params):
        import jax
        import jax.numpy as jnp
        prim = {"add": jax.lax.scatter_add_p, "set": jax.lax.scatter_p}[kind]
        shape, ushape = np.shape(_float(x)), np.shape(_float(updates))
        idx = np.asarray(primal(indices))
        nu = int(np.prod(ushape, dtype=np.int64))
        with jax.enable_x64(True):
            basis = jnp.eye(nu, dtype=jnp.float64).reshape((nu,) + ushape)
            zero = jnp.zeros(shape, jnp.float64)
            M = np.asarray(jax.vmap(lambda u: prim.bind(zero, idx, u, **params))(basis))
        M = M.reshape(nu, -1).T  # (operand entries, update entries)
        placed = xp.reshape(M @ xp.reshape(updates, (nu,)), shape)
        if kind == "add":
            return x + placed
        hit = (M.sum(axis=1) > 0).reshape(shape)
        return xp.where(hit, placed, x)
    return op


def _dynamic_slice(xp, x, *starts, slice_sizes, **_):
    shape = np.shape(_float(x))
    at = [int(np.clip(np.asarray(_float(s)), 0, n - k)) for s, n, k in
          zip(starts, shape, slice_sizes)]
    return x[tuple(slice(a, a + k) for a, k in zip(at, slice_sizes))]


def _dynamic_update_slice(xp, x, update, *starts, **_):
    shape, ushape = np.shape(_float(x)), np.shape(_float(update))
    at = [int(np.clip(np.asarray(_float(s)), 0, n - k)) for s, n, k in zip(starts, shape, ushape)]
    width = [(a, n - a - k) for a, n, k in zip(at, shape, ushape)]
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(a, a + k) for a, k in zip(at, ushape))] = True
    return xp.where(mask, xp.pad(update, width, mode="constant", constant_values=0.0), x)


def _pad(xp, x, value, *, padding_config, **_):
    if any(i != 0 or lo < 0 or hi < 0 for lo, hi, i in padding_config):
        raise Untranslatable(["pad (interior or negative padding)"])
    return xp.pad(x, [(lo, hi) for lo, hi, _ in padding_config], mode="constant",
                  constant_values=float(np.asarray(_float(value))))


def _reduce_window(kind):
    def op(xp, x, *, window_dimensions, window_strides, padding, base_dilation=None,
           window_dilation=None, **_):
        if any(d != 1 for d in (base_dilation or ())) or any(
                d != 1 for d in (window_dilation or ())):
            raise Untranslatable([f"reduce_window_{kind} (dilated)"])
        if any(lo or hi for lo, hi in padding):
            fill = -np.inf if kind == "max" else (np.inf if kind == "min" else 0.0)
            x = xp.pad(x, list(padding), mode="constant", constant_values=fill)
        shape = np.shape(_float(x))
        out = [(n - k) // s + 1 for n, k, s in zip(shape, window_dimensions, window_strides)]
        wins = [x[tuple(slice(o, o + s * (n - 1) + 1, s) for o, s, n in
                        zip(off, window_strides, out))]
                for off in np.ndindex(*window_dimensions)]
        if kind == "sum":
            total = wins[0]
            for w in wins[1:]:
                total = total + w
            return total
        stacked = xp.stack(wins, axis=-1)
        vals = _float(stacked)
        pick = (np.argmax(vals, axis=-1) if kind == "max" else np.argmin(vals, axis=-1))
        return xp.take_along_axis(stacked, pick[..., None], axis=-1)[..., 0]
    return op


def _conv(xp, x, w, *, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
          feature_group_count=1, batch_group_count=1, **_):
    if set(lhs_dilation) != {1} or batch_group_count != 1:
        raise Untranslatable(["conv_general_dilated (transposed or batch-grouped)"])
    lhs, rhs, out = (tuple(s) for s in dimension_numbers)
    x = xp.permute_dims(x, list(lhs))  # to N, C, spatial...
    w = xp.permute_dims(w, list(rhs))  # to O, I, spatial...
    if any(lo or hi for lo, hi in padding):
        x = xp.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in padding], mode="constant",
                   constant_values=0.0)
    xs, ws = np.shape(_float(x)), np.shape(_float(w))
    sp = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in
          zip(xs[2:], ws[2:], window_strides, rhs_dilation)]
    nd = len(window_strides)
    y = ATEN["convolution"](xp, x, w, None, list(window_strides), [0] * nd, list(rhs_dilation),
                            False, [0] * nd, feature_group_count,
                            _shape=(xs[0], ws[0], *sp))
    return xp.permute_dims(y, list(np.argsort(out)))


def _qr(xp, a, *, pivoting=False, full_matrices=False, **_):
    """jnp.linalg.qr: LAPACK's Householder QR, as torch's (``aten_more._qr``)."""
    m, n = np.shape(primal(a))[-2:]
    if pivoting or (full_matrices and m != n):
        raise Untranslatable(["qr (pivoting, or complete of a rectangular matrix)"])
    return list(ATEN["linalg_qr"](xp, a))


def _eigh(xp, a, **_):
    return [Withheld("eigh's eigenvectors (their signs are LAPACK's choice)"),
            xp.linalg.eigvalsh(a)]


def _const(fn):
    return lambda xp, *ins, **params: fn(*[np.asarray(_float(i)) if _differentiable(i)
                                           else np.asarray(i) for i in ins], **params)


def _unary(name, space=None):
    def op(xp, x, **_):
        ns = getattr(xp, space) if space else xp
        return getattr(ns, name)(x)
    return op


REPLAYING = frozenset({"scan", "while", "cond", "custom_linear_solve"})
"""The rules that run sub-programs: the replay hands them itself as ``replay``."""

MORE = {
    "scan": _scan, "while": _while, "cond": _cond, "platform_index": _platform_index,
    "custom_linear_solve": _linear_solve, "lu": _lu, "triangular_solve": _triangular_solve,
    "cholesky": lambda xp, a, **_: xp.linalg.cholesky(a), "eigh": _eigh, "qr": _qr,
    "cumsum": _cumulative("cumsum"), "cumprod": _cumulative("cumprod"),
    "cumlogsumexp": lambda xp, x, *, axis, reverse=False, **_: xp.log(
        _cumulative("cumsum")(xp, xp.exp(x), axis=axis, reverse=reverse)),
    "sort": _sort, "reduce_prod": lambda xp, x, *, axes, **_: xp.prod(x, axis=tuple(axes)),
    "atan2": lambda xp, a, b, **_: xp.arctan2(a, b),
    **{n: _unary(m) for n, m in {"tan": "tan", "asin": "arcsin", "acos": "arccos",
                                 "atan": "arctan", "asinh": "arcsinh", "acosh": "arccosh",
                                 "atanh": "arctanh", "exp2": "exp2",
                                 "log2": "log2"}.items()},
    **{n: _unary(m, "special") for n, m in {"erf_inv": "erfinv", "lgamma": "gammaln",
                                            "digamma": "digamma", "erfc": "erfc",
                                            "bessel_i0e": "i0e", "bessel_i1e": "i1e"}.items()},
    "cbrt": lambda xp, x, **_: xp.sign(x) * xp.abs(x) ** (1.0 / 3.0),
    "rem": lambda xp, a, b, **_: a - np.trunc(_float(a) / _float(b)) * b,
    "floor": _const(np.floor), "ceil": _const(np.ceil),
    "round": _const(lambda x, **k: np.round(x)), "and": _const(lambda a, b, **k: a & b),
    "or": _const(lambda a, b, **k: a | b), "xor": _const(lambda a, b, **k: a ^ b),
    "reduce_or": _const(lambda x, *, axes, **k: np.any(x, axis=tuple(axes))),
    "reduce_and": _const(lambda x, *, axes, **k: np.all(x, axis=tuple(axes))),
    "argmax": _const(lambda x, *, axes, index_dtype, **k: np.argmax(x, axis=axes[0]).astype(
        index_dtype)),
    "argmin": _const(lambda x, *, axes, index_dtype, **k: np.argmin(x, axis=axes[0]).astype(
        index_dtype)),
    "split": lambda xp, x, *, sizes, axis, **_: xp.split(x, list(np.cumsum(sizes)[:-1]),
                                                        axis=axis),
    "pad": _pad, "dynamic_slice": _dynamic_slice, "dynamic_update_slice": _dynamic_update_slice,
    "gather": _gather, "scatter-add": _scatter("add"), "scatter_add": _scatter("add"),
    "scatter": _scatter("set"),
    "reduce_window_sum": _reduce_window("sum"), "reduce_window_max": _reduce_window("max"),
    "reduce_window_min": _reduce_window("min"),
    "conv_general_dilated": _conv,
}

__all__ = ["MAX_TRIPS", "MORE"]
