"""A user's JAX program, as jax itself traces it (its jaxpr), replayed in adcheck's ``xp``.

The primal of a ``custom_vjp`` / ``custom_jvp`` function is inside its jaxpr equation
(``call_jaxpr``), so the replayed program is exactly what the user wrote, and the user's rule
is what gets judged. ``rules`` names the custom rules each input flows through.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np

from .aten_more import OPS as ATEN
from .aten_ops import Untranslatable, _amax, _float
from .exact_ad import stop_gradient
from .jax_more import MORE, REPLAYING

_CALLS = ("custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "pjit", "jit",
          "closed_call", "core_call", "remat", "checkpoint")


def _inner(eqn):
    p = eqn.params
    j = p.get("call_jaxpr", p.get("jaxpr", p.get("fun_jaxpr")))
    return (j.jaxpr, list(j.consts)) if hasattr(j, "consts") else (j, [])


def _dot_general(xp, a, b, *, dimension_numbers, **_):
    (lc, rc), (lb, rb) = dimension_numbers
    sa, sb = np.shape(_float(a)), np.shape(_float(b))
    lf = [d for d in range(len(sa)) if d not in lc and d not in lb]
    rf = [d for d in range(len(sb)) if d not in rc and d not in rb]
    bshape = [sa[d] for d in lb]
    a2 = xp.reshape(xp.permute_dims(a, list(lb) + lf + list(lc)),
                    bshape + [math.prod(sa[d] for d in lf), math.prod(sa[d] for d in lc)])
    b2 = xp.reshape(xp.permute_dims(b, list(rb) + list(rc) + rf),
                    bshape + [math.prod(sb[d] for d in rc), math.prod(sb[d] for d in rf)])
    return xp.reshape(a2 @ b2, bshape + [sa[d] for d in lf] + [sb[d] for d in rf])


def _bcast(xp, x, *, shape, broadcast_dimensions, **_):
    inter = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        inter[d] = np.shape(_float(x))[i]
    return xp.broadcast_to(xp.reshape(x, inter), tuple(shape))


def _select(xp, pred, *cases, **_):
    p = np.asarray(_float(pred))
    if len(cases) == 2:
        return xp.where(p.astype(bool), cases[1], cases[0])
    out = cases[0]
    for k, c in enumerate(cases[1:], 1):
        out = xp.where(p == k, c, out)
    return out


def _conv(xp, x, w, *, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
          feature_group_count=1, batch_group_count=1, **_):
    spec = tuple(dimension_numbers.lhs_spec), tuple(dimension_numbers.rhs_spec)
    if len(window_strides) != 1 or set(lhs_dilation) != {1} or feature_group_count != 1 \
            or batch_group_count != 1 or spec != ((0, 1, 2), (0, 1, 2)):
        raise Untranslatable(["conv_general_dilated (only plain 1-d NCH/OIH convolutions)"])
    (lo, hi), = padding
    n, c, _ = np.shape(_float(x))
    if lo or hi:
        x = xp.concat([np.zeros((n, c, lo)), x, np.zeros((n, c, hi))], axis=2)
    length = np.shape(_float(x))[2]
    k = np.shape(_float(w))[2]
    out_len = (length - rhs_dilation[0] * (k - 1) - 1) // window_strides[0] + 1
    return ATEN["convolution"](xp, x, w, None, window_strides, [0], rhs_dilation, False, [0], 1,
                               _shape=(n, np.shape(_float(w))[0], out_len))


def _gather(xp, x, indices, *, dimension_numbers, slice_sizes, **_):
    """A gather that indexes whole dimensions (``x[i, j]``, ``take_along_axis`` after a
    broadcast): each indexed dimension collapsed with slice size 1, the others kept whole."""
    dn = dimension_numbers
    shape = np.shape(_float(x))
    starts, collapsed = tuple(dn.start_index_map), set(dn.collapsed_slice_dims)
    kept = [d for d in range(len(shape)) if d not in collapsed]
    plain = (not dn.operand_batching_dims and collapsed == set(starts)
             and all(slice_sizes[d] == 1 for d in starts)
             and all(slice_sizes[d] == shape[d] for d in kept))
    if not plain:
        raise Untranslatable(["gather (beyond whole-dimension indexing)"])
    idx = np.asarray(_float(indices)).astype(int)
    moved = xp.permute_dims(x, list(starts) + kept)
    out = moved[tuple(idx[..., k] for k in range(len(starts)))]  # batch dims, then kept
    nb = idx.ndim - 1
    offsets = list(dn.offset_dims)
    batch = iter(range(nb))
    perm = [nb + offsets.index(p) if p in offsets else next(batch)
            for p in range(nb + len(kept))]
    return xp.permute_dims(out, perm) if perm != list(range(len(perm))) else out


def _unary(name):
    return lambda xp, x, **_: getattr(xp, name)(x)


def _cmp(fn):
    return lambda xp, a, b, **_: fn(_float(a), _float(b))


def _slice(xp, x, *, start_indices, limit_indices, strides=None, **_):
    strides = strides or (1,) * len(start_indices)
    return x[tuple(slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


PRIMS = {
    **{n: _unary(n) for n in "exp log log1p expm1 sqrt tanh sin cos sinh cosh abs sign "
       "erf".split()},
    "neg": _unary("negative"), "logistic": lambda xp, x, **_: 0.5 * xp.tanh(0.5 * x) + 0.5,
    "rsqrt": lambda xp, x, **_: 1.0 / xp.sqrt(x), "square": lambda xp, x, **_: x * x,
    "integer_pow": lambda xp, x, *, y, **_: x ** float(y),
    "pow": lambda xp, a, b, **_: a ** b,
    "add": lambda xp, a, b, **_: a + b, "sub": lambda xp, a, b, **_: a - b,
    "mul": lambda xp, a, b, **_: a * b, "div": lambda xp, a, b, **_: a / b,
    "max": lambda xp, a, b, **_: xp.maximum(a, b), "min": lambda xp, a, b, **_: xp.minimum(a, b),
    "dot_general": _dot_general, "broadcast_in_dim": _bcast,
    "reshape": lambda xp, x, *, new_sizes, **_: xp.reshape(x, tuple(new_sizes)),
    "squeeze": lambda xp, x, *, dimensions, **_: xp.squeeze(x, axis=tuple(dimensions)),
    "expand_dims": lambda xp, x, *, dimensions, **_: xp.reshape(
        x, _expanded(np.shape(_float(x)), dimensions)),
    "transpose": lambda xp, x, *, permutation, **_: xp.permute_dims(x, list(permutation)),
    "reduce_sum": lambda xp, x, *, axes, **_: xp.sum(x, axis=tuple(axes)),
    "reduce_max": lambda xp, x, *, axes, **_: _amax(xp, x, tuple(axes), False),
    "reduce_min": lambda xp, x, *, axes, **_: _amax(xp, x, tuple(axes), False, -1.0),
    "select_n": _select, "stop_gradient": lambda xp, x, **_: stop_gradient(x),
    "convert_element_type": lambda xp, x, *, new_dtype, **_: x if np.dtype(new_dtype).kind == "f"
    else np.asarray(_float(x)).astype(new_dtype),
    "copy": lambda xp, x, **_: x, "copy_p": lambda xp, x, **_: x,
    "reduce_precision": lambda xp, x, **_: x, "add_any": lambda xp, a, b, **_: a + b,
    "is_finite": lambda xp, x, **_: np.isfinite(_float(x)),
    "not": lambda xp, x, **_: ~np.asarray(_float(x)).astype(bool),
    **{n: _cmp(getattr(np, f)) for n, f in {"gt": "greater", "lt": "less", "ge": "greater_equal",
                                            "le": "less_equal", "eq": "equal",
                                            "ne": "not_equal"}.items()},
    "concatenate": lambda xp, *xs, dimension, **_: xp.concat(list(xs), axis=dimension),
    "slice": _slice, "conv_general_dilated": _conv, "gather": _gather,
    "rev": lambda xp, x, *, dimensions, **_: x[tuple(
        slice(None, None, -1) if d in dimensions else slice(None)
        for d in range(len(np.shape(_float(x)))))],
    "clamp": lambda xp, lo, x, hi, **_: xp.minimum(xp.maximum(x, lo), hi),
    "iota": lambda xp, *, dtype, shape, dimension, **_: np.broadcast_to(np.arange(
        shape[dimension]).reshape([-1 if d == dimension else 1 for d in range(len(shape))]),
        shape).astype(dtype),
}
PRIMS.update(MORE)
"""jax primitive name -> its program in ``xp``."""


def _expanded(shape, dims):
    out = list(shape)
    for d in sorted(dims):
        out.insert(d, 1)
    return out


def _subjaxprs(eqn) -> list:
    """The jaxprs inside an equation's parameters (a scan's body, a cond's branches, ...)."""
    out = []
    for v in eqn.params.values():
        for j in (v if isinstance(v, (tuple, list)) else [v]):
            j = getattr(j, "jaxpr", j)
            if hasattr(j, "eqns"):
                out.append(j)
    return out


def missing(jaxpr) -> set:
    """Primitive names in ``jaxpr`` (nested calls and bodies included) with no counterpart in
    ``xp``."""
    out = set()
    for e in jaxpr.eqns:
        if e.primitive.name in _CALLS:
            out |= missing(_inner(e)[0])
            continue
        if e.primitive.name not in PRIMS:
            out.add(e.primitive.name)
        if e.primitive.name != "custom_linear_solve":  # its solve is a method, not replayed
            for j in _subjaxprs(e):
                out |= missing(j)
    return out


def float_dtypes(jaxpr) -> set:
    """The float dtypes the equations of ``jaxpr`` (nested calls included) compute in."""
    out = set()
    for e in jaxpr.eqns:
        if e.primitive.name in _CALLS:
            out |= float_dtypes(_inner(e)[0])
        for j in _subjaxprs(e) if e.primitive.name not in _CALLS else ():
            out |= float_dtypes(j)
        for v in e.outvars:
            dt = getattr(getattr(v, "aval", None), "dtype", None)
            if dt is not None and np.dtype(dt).kind == "f":
                out.add(str(dt))
    return out


def run(xp, jaxpr, consts, args):
    """Evaluate ``jaxpr`` with ``xp``; the outputs as a tuple."""
    env = {}

    def read(v):
        return _lit(v.val) if type(v).__name__ == "Literal" else env[v]
    for v, c in zip(jaxpr.constvars, consts):
        env[v] = _lit(c)
    for v, a in zip(jaxpr.invars, args):
        env[v] = a
    for e in jaxpr.eqns:
        ins = [read(v) for v in e.invars]
        if e.primitive.name in _CALLS:
            inner, cs = _inner(e)
            n = e.params.get("num_consts", 0)
            outs = run(xp, inner, cs, ins[n:] if "custom" in e.primitive.name and n and
                       len(inner.invars) == len(ins) - n else ins)
        else:
            extra = {"replay": run} if e.primitive.name in REPLAYING else {}
            outs = PRIMS[e.primitive.name](xp, *ins, **extra, **e.params)
            outs = outs if e.primitive.multiple_results else [outs]
        for v, o in zip(e.outvars, outs):
            env[v] = o
    return tuple(read(v) for v in jaxpr.outvars)


def _lit(x):
    """A literal or constant of the jaxpr as numpy (floats as float64)."""
    a = np.asarray(x)
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _jax_own(src: str) -> bool:
    """Whether a rule's source ('name at path:line') lies inside jax itself (logaddexp, relu:
    jax's rules, not the user's to blame)."""
    import jax
    path = src.rpartition(" at ")[2]
    return bool(path) and path.startswith(os.path.dirname(jax.__file__) + os.sep)


def rule_name(eqn) -> str:
    """'f (custom_vjp rule)': the function whose rule an equation calls."""
    info = getattr(_inner(eqn)[0], "debug_info", None)
    src = getattr(info, "func_src_info", "") or "a function without source information"
    kind = "custom_vjp" if "vjp" in eqn.primitive.name else "custom_jvp"
    rule = re.search(r"Core: (\S+)", str(eqn.params.get("bwd", "")))
    extra = f", bwd {rule.group(1)}" if rule and not rule.group(1).startswith("<") else ""
    return f"{src.split(' at ')[0]} ({kind} rule{extra})"


def rules(jaxpr, n_inputs: int):
    """``rules(i)``: the custom rules whose arguments depend on input ``i`` (jax's own rules,
    as ``jax.nn.relu``'s, are not the user's and are left out)."""
    found: dict = {}

    def walk(jx, deps_in):
        deps = dict(zip(jx.invars, deps_in))
        for e in jx.eqns:
            d = set().union(*[deps.get(v, set()) for v in e.invars
                              if type(v).__name__ != "Literal"])
            if e.primitive.name.startswith("custom_") and not _jax_own(
                    getattr(getattr(_inner(e)[0], "debug_info", None), "func_src_info", "")
                    or ""):
                found.setdefault(rule_name(e), set()).update(d)
            if e.primitive.name in _CALLS:
                inner = _inner(e)[0]
                walk(inner, [deps.get(v, set()) if type(v).__name__ != "Literal" else set()
                             for v in e.invars][-len(inner.invars):])
            for v in e.outvars:
                deps[v] = d
    walk(jaxpr, [{i} for i in range(n_inputs)])
    return lambda i: sorted(n for n, hit in found.items() if i in hit)


__all__ = ["PRIMS", "Untranslatable", "float_dtypes", "missing", "rule_name", "rules", "run"]
