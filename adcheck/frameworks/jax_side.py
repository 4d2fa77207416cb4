"""The JAX side of the drop-in check: inputs, claims through the user's rules, the jaxpr.

Imported only when jax is (``adcheck.jax`` imports it lazily).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from adcheck.frameworks import translate_jax as TJ
from adcheck.frameworks.check import Problem
from adcheck.frameworks.refs import flat, second_order, second_order_fwd, unflatten


class Setup:
    """The float leaves of ``args`` and ``run(*leaves)``: the float outputs as a list."""

    def __init__(self, f, args):
        flat_args, self.tree = jax.tree_util.tree_flatten_with_path(tuple(args))
        self.treedef = jax.tree_util.tree_structure(tuple(args))
        self.values = [v for _, v in flat_args]
        self.chosen = [i for i, v in enumerate(self.values)
                       if jnp.issubdtype(jnp.asarray(v).dtype, jnp.inexact)]
        if not self.chosen:
            raise ValueError("nothing to differentiate: pass floating-point arrays in `args`")
        self.names = [f"args{jax.tree_util.keystr(flat_args[i][0])}" for i in self.chosen]
        self.leaves = [jnp.asarray(self.values[i]) for i in self.chosen]
        self.f = f
        worst = min((x.dtype for x in self.leaves), key=lambda d: jnp.finfo(d).bits)
        self.dtype = str(worst)

    def run(self, *xs):
        vals = list(self.values)
        for i, x in zip(self.chosen, xs):
            vals[i] = x
        out = self.f(*jax.tree_util.tree_unflatten(self.treedef, vals))
        return [o for o in jax.tree_util.tree_leaves(out)
                if jnp.issubdtype(jnp.asarray(o).dtype, jnp.inexact)]


def _np(x) -> np.ndarray:
    return np.asarray(x).astype(np.float64)


def _split(vec, like) -> list:
    out, k = [], 0
    for t in like:
        n = int(np.size(t))
        out.append(jnp.asarray(np.asarray(vec[k:k + n]).reshape(np.shape(t)), dtype=t.dtype))
        k += n
    return out


def _flat(ts) -> np.ndarray:
    return np.concatenate([_np(t).ravel() for t in ts]) if ts else np.zeros(0)


def program(s: Setup):
    """(F(xp, *xs) or None, why not, a description of the trace, rules(i))."""
    try:
        closed = jax.make_jaxpr(lambda *xs: tuple(s.run(*xs)))(*s.leaves)
    except Exception as exc:  # noqa: BLE001  jax could not trace it: say so, fall back
        return None, f"jax could not trace the function ({type(exc).__name__}: {exc})", "", \
            (lambda i: [])
    s.dtypes = TJ.float_dtypes(closed.jaxpr)
    rules = TJ.rules(closed.jaxpr, len(s.leaves))
    gone = TJ.missing(closed.jaxpr)
    if gone:
        return None, f"no translation into adcheck's namespace for: {', '.join(sorted(gone))}", \
            "", rules

    def prog(xp, *xs):
        return TJ.run(xp, closed.jaxpr, closed.consts, xs)
    n = len(closed.jaxpr.eqns)
    return flat(prog), "", f" (jaxpr of {n} equation(s))", rules


def _float64(fn):
    """``fn`` at float64 on flat values, compiled once even where the check runs op by op
    (``adcheck.jax`` disables jit): the difference reference evaluates it a dozen times per
    input, and eagerly each call re-traces jax's vjp (~35 ms against ~0.1 ms compiled). A
    function jax cannot compile (Python control flow on values) runs eagerly."""
    state = {"jit": jax.jit(lambda *xs: fn(*xs)), "eager": False}

    def call(vals):
        with jax.enable_x64(True), jax.disable_jit(False):
            xs = [jnp.asarray(np.asarray(v), dtype=jnp.float64) for v in vals]
            if not state["eager"]:
                try:
                    return _flat(state["jit"](*xs))
                except jax.errors.JAXTypeError:  # a concretization: not compilable
                    state["eager"] = True
            return _flat(fn(*xs))

    def many(Z):  # every row of Z (the inputs flattened and concatenated) in one vmapped call
        if "vmap" not in state:
            state["vmap"] = jax.jit(jax.vmap(lambda z: _concat(fn(*_unflat(z, state["like"])))))
        with jax.enable_x64(True), jax.disable_jit(False):
            return np.asarray(state["vmap"](jnp.asarray(Z, dtype=jnp.float64)))

    def shaped(vals):
        state.setdefault("like", [np.shape(v) for v in vals])
        return call(vals)
    shaped.many = many
    shaped.shapes = lambda shapes: state.setdefault("like", shapes)
    return shaped


def _concat(outs):
    return jnp.concatenate([jnp.ravel(o).astype(jnp.float64) for o in outs])


def _unflat(z, shapes) -> list:
    out, at = [], 0
    for shp in shapes:
        n = int(np.prod(shp, dtype=np.int64))
        out.append(z[at:at + n].reshape(shp))
        at += n
    return out


def problem(s: Setup, order: int, mode: str, seed: int, trace: bool = True) -> Problem:
    """The claim in ``mode`` ("rev": vjp, "fwd": jvp columns) and (``trace``) the reference
    program; a probed check skips the traces, which would cost more than its passes."""
    F, why, traced, rules = program(s) if trace else (None, "not traced", "", lambda i: [])
    outs = s.run(*s.leaves)
    m = sum(int(np.size(o)) for o in outs)
    x64 = [_np(x) for x in s.leaves]
    rng = np.random.default_rng(seed)
    if order == 1:
        fn, g, ref = s.run, s.run, F
        size = m
    elif mode == "rev":
        ct1 = _split(rng.standard_normal(m), outs)

        def g(*xs):  # at the leaves' dtype (the claim) or at float64 (the reference)
            out, back = jax.vjp(lambda *y: s.run(*y), *xs)
            return list(back([jnp.asarray(c, dtype=o.dtype) for c, o in zip(ct1, out)]))
        fn, size = g, sum(int(np.size(x)) for x in s.leaves)
        ref = second_order(F, np.concatenate([_np(c).ravel() for c in ct1])) if F else None
    else:
        t1 = [rng.standard_normal(np.shape(x)) for x in s.leaves]

        def g(*xs):
            return list(jax.jvp(lambda *y: s.run(*y), tuple(xs),
                                tuple(jnp.asarray(t, dtype=jnp.asarray(x).dtype)
                                      for t, x in zip(t1, xs)))[1])
        fn, size = g, m
        ref = second_order_fwd(F, t1) if F else None
    claim = _claim(g, s.leaves, mode)
    P, untraced, dts = _claim_program(g, s.leaves, mode) if trace else (None, "", [])
    if order == 2:  # the rules that differentiate the first derivative, then those it calls
        inner = _rules_of(g, s.leaves)
        outer = rules

        def rules(i):
            return inner(i) + [r for r in outer(i) if r not in inner(i)]
    dtype = _narrowest([s.dtype, *getattr(s, "dtypes", ()), *dts])
    second = () if order == 1 else ("rev", np.concatenate([_np(c).ravel() for c in ct1])) \
        if mode == "rev" else ("fwd", t1)
    if not hasattr(s, "f64"):
        s.f64 = _float64(s.run)  # one compiled forward for every order and mode
    return Problem(s.names, x64, dtype, size, claim, s.f64 if fn is s.run else _float64(fn),
                   ref, why, rules, order, _label(order, mode), traced, P, untraced,
                   forward=s.f64 if order == 2 else None, second=second,
                   claim64=_wide(g, s.leaves, mode))


def _wide(g, leaves, mode):
    """The claim with the user's rules run on float64 copies of the inputs: what the claim
    is without its own rounding. Built on first use."""
    memo: dict = {}

    def claim(ct):
        with jax.enable_x64(True):
            if not memo:
                memo["c"] = _claim(g, [jnp.asarray(_np(x), dtype=jnp.float64) for x in leaves],
                                   mode)
            return memo["c"](ct)
    return claim


def _claim_program(g, leaves, mode):
    """The claim's own route (the user's vjp rule included), traced and translated."""
    if mode != "rev":
        return None, "forward-mode claims are assembled from columns, not traced", []
    k = len(leaves)
    like = g(*leaves)
    try:
        closed = jax.make_jaxpr(lambda *a: tuple(jax.vjp(lambda *y: g(*y), *a[:k])[1](
            list(a[k:]))))(*leaves, *[jnp.zeros_like(t) for t in like])
    except Exception as exc:  # noqa: BLE001  untraceable: say why
        return None, f"{type(exc).__name__}: {exc}", []
    gone = TJ.missing(closed.jaxpr)
    if gone:
        return None, f"no translation for {', '.join(sorted(gone))}", []
    shapes = [np.shape(t) for t in like]

    def P(xp, *args):
        *xs, ct = args
        parts = unflatten(ct, shapes)
        return TJ.run(xp, closed.jaxpr, closed.consts, list(xs) + parts)
    return P, "", sorted(TJ.float_dtypes(closed.jaxpr))


def _narrowest(names) -> str:
    """The least precise float dtype among ``names``."""
    bits = {"float64": 64, "float32": 32, "bfloat16": 16, "float16": 16}
    return min((d for d in names if d in bits), key=lambda d: (bits[d], d != "bfloat16"))


def _rules_of(g, leaves):
    try:
        closed = jax.make_jaxpr(lambda *xs: tuple(g(*xs)))(*leaves)
    except Exception:  # noqa: BLE001  no trace of the derivative: the primal's rules only
        return lambda i: []
    return TJ.rules(closed.jaxpr, len(leaves))


def _label(order, mode) -> str:
    how = "reverse mode (vjp)" if mode == "rev" else "forward mode (jvp)"
    return f"{'first' if order == 1 else 'second'} derivatives by {how} through the user's rules"


def _claim(g, leaves, mode):
    """claim(ct) = Jᵀct of ``g`` at ``leaves``: one vjp, or the jvp columns formed once."""
    outs = g(*leaves)
    if mode == "rev":
        _, pullback = jax.vjp(lambda *y: g(*y), *leaves)
        return lambda ct: [_np(c) for c in pullback(_split(ct, outs))]
    cols = []
    for i, x in enumerate(leaves):
        for k in range(int(np.size(x))):
            t = [jnp.zeros_like(y) for y in leaves]
            t[i] = t[i].reshape(-1).at[k].set(1).reshape(np.shape(x))
            cols.append(_flat(jax.jvp(lambda *y: g(*y), tuple(leaves), tuple(t))[1]))
    J = np.stack(cols, axis=1) if cols else np.zeros((0, 0))

    def claim(ct):
        flat_g = np.asarray(ct) @ J
        out, k = [], 0
        for x in leaves:
            n = int(np.size(x))
            out.append(flat_g[k:k + n].reshape(np.shape(x)))
            k += n
        return out
    return claim


__all__ = ["Setup", "problem", "program"]
