"""The derivatives an audit compares, computed by each library and by the exact oracle.

For an operation ``f(x_0, ..., x_k)`` and directions drawn once per batch (a cotangent ``w`` of
the output, tangents ``u``, ``v`` of the inputs), the quantities are:

=========  =====  ==========================================================================
mode       order  value
=========  =====  ==========================================================================
grad       1      the reverse pass with w = 1: the gradient of the sum of the outputs
vjp        1      the reverse pass with a random w (array operations)
jvp        1      the forward pass along v: J v
rev-rev    2      the reverse pass of <vjp_w(x), u> (grad of grad)
fwd-rev    2      the forward pass of vjp_w(x) along v (jvp of grad)
=========  =====  ==========================================================================

For an elementwise operation w = 1 and u, v are 1 on one argument, 0 on the others, so each
quantity holds, point by point, a partial derivative ∂f/∂x_j or ∂²f/∂x_i∂x_j of the
mathematical function. Every quantity comes back flat (the per-argument pieces raveled and
concatenated) with its layout, so errors can be gathered per input point.

Three implementations: ``library_quantity`` for torch and jax (their own reverse and forward
modes, as users call them), and ``own_quantity`` for adcheck's transforms, which runs both
adcheck's float64 engines (the ``adcheck`` audit) and the exact oracle (the same transforms on
50-digit numbers, ``engines.exact``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcheck.engines import transforms as T

MODES = {1: ("grad", "vjp", "jvp"), 2: ("rev-rev", "fwd-rev")}


@dataclass(frozen=True)
class Spec:
    """One quantity: its mode and, for an elementwise operation, the argument it is along."""

    mode: str
    along: int | None = None

    @property
    def order(self) -> int:
        return 1 if self.mode in MODES[1] else 2

    @property
    def label(self) -> str:
        return self.mode if self.along is None else f"{self.mode} d{self.along}"


def specs(op, order: int) -> list[Spec]:
    """The quantities of ``op`` at ``order``."""
    if op.elementwise:
        if order == 1:
            return [Spec("grad")] + [Spec("jvp", j) for j in range(op.arity)]
        return [Spec("rev-rev", i) for i in range(op.arity)] + \
            [Spec("fwd-rev", j) for j in range(op.arity)]
    return [Spec(m) for m in MODES[order]]


@dataclass
class Directions:
    """The batch's directions: ``w`` (output-shaped), ``u`` and ``v`` (one per argument)."""

    w: np.ndarray
    u: list
    v: list


def directions(op, args, out_shape, spec: Spec, rng_dirs: Directions | None) -> tuple:
    """(w, u, v) for ``spec``: ones and one-hot for elementwise operations, the batch's random
    directions (``rng_dirs``) otherwise (with w = 1 for ``grad``)."""
    dt = args[0].dtype
    ones = np.ones(out_shape, dtype=dt)
    if op.elementwise:
        onehot = [np.full(a.shape, 1.0 if k == spec.along else 0.0, dtype=dt)
                  for k, a in enumerate(args)]
        return ones, onehot, onehot
    w = ones if spec.mode == "grad" else rng_dirs.w
    return w, rng_dirs.u, rng_dirs.v


def random_directions(rng, args, out_shape) -> Directions:
    dt = args[0].dtype
    return Directions(rng.standard_normal(out_shape).astype(dt),
                      [rng.standard_normal(a.shape).astype(dt) for a in args],
                      [rng.standard_normal(a.shape).astype(dt) for a in args])


def layout(op, spec: Spec, arg_shapes, out_shape) -> list:
    """The shapes of a flat quantity's pieces, in order."""
    return [tuple(out_shape)] if spec.mode == "jvp" else [tuple(s) for s in arg_shapes]


# --------------------------------------------------------------------- adcheck's transforms

def _flat(xp, parts):
    parts = [xp.reshape(p, (-1,)) for p in parts]
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)


def _vjp_fn(F, w):
    def G(xp, *xs):
        _, pullback = T.vjp(F, xp, list(xs), argnum=tuple(range(len(xs))))
        return list(pullback(w))
    return G


def _along(G, tangents):
    """s -> G(x + s t): the forward pass of G along ``tangents`` as a one-argument jvp."""
    def H(xp, s, *xs):
        return G(xp, *[x + s * t for x, t in zip(xs, tangents)])
    return H


USES = {"grad": ("w",), "vjp": ("w",), "jvp": ("v",), "rev-rev": ("w", "u"),
        "fwd-rev": ("w", "v")}
"""The directions each mode reads (the others do not change its value)."""


def own_function(F, spec: Spec, w, u, v):
    """The quantity ``spec`` of ``F`` as a function ``Q(xp, *xs) -> flat vector``, written with
    adcheck's transforms (so that it runs on floats, on exact numbers, and under more AD)."""
    full = own_function_of_directions(F, spec, len(u))
    dirs = direction_inputs(spec, w, u, v)
    return lambda xp, *xs: full(xp, *xs, *dirs)


def direction_inputs(spec: Spec, w, u, v) -> list:
    """The directions ``spec`` reads, in the order ``own_function_of_directions`` takes them."""
    got = {"w": [w], "u": list(u), "v": list(v)}
    return [d for name in USES[spec.mode] for d in got[name]]


def own_function_of_directions(F, spec: Spec, n: int):
    """``Q(xp, *xs, *directions)``: the quantity with its directions as arguments too (so the
    condition numbers can count their rounding: the directions are inputs of the library's
    computation like x)."""
    def split(rest):
        names = USES[spec.mode]
        got, at = {}, 0
        for name in names:
            k = 1 if name == "w" else n
            got[name] = rest[at:at + k]
            at += k
        return got

    def Q(xp, *all_):
        xs, d = all_[:n], split(all_[n:])
        w = d["w"][0] if "w" in d else None
        if spec.mode in ("grad", "vjp"):
            return _flat(xp, _vjp_fn(F, w)(xp, *xs))
        if spec.mode == "jvp":
            H = _along(lambda xp_, *ys: [F(xp_, *ys)], d["v"])
            return _flat(xp, T.jvp(lambda xp_, s: H(xp_, s, *xs), xp, (np.zeros(()),),
                                   np.ones(()))[1])
        G = _vjp_fn(F, w)
        if spec.mode == "rev-rev":
            u = d["u"]

            def inner(xp_, *ys):
                return sum(xp_.sum(g * uk) for g, uk in zip(G(xp_, *ys), u))
            return _flat(xp, _vjp_fn(inner, np.ones(()))(xp, *xs))
        H = _along(G, d["v"])
        return _flat(xp, T.jvp(lambda xp_, s: H(xp_, s, *xs), xp, (np.zeros(()),),
                               np.ones(()))[1])
    return Q


def along_function(Q, tangents):
    """``Q``'s derivative along ``tangents`` (the condition numbers' probe)."""
    def D(xp, *xs):
        H = _along(Q, tangents)
        return T.jvp(lambda xp_, s: H(xp_, s, *xs), xp, (np.zeros(()),), np.ones(()))[1]
    return D


# ------------------------------------------------------------------------ torch and jax

def torch_quantity(fn, args, spec: Spec, w, u, v) -> np.ndarray:
    """``spec`` computed by torch: autograd.grad for the reverse modes, torch.func.jvp for the
    forward ones (forward-mode rules are separate code in torch, so both are audited). A mode
    torch refuses raises; the audit says so in the row (``core._Batch.add``)."""
    import torch
    import torch.func as tf

    def t(a):
        return torch.as_tensor(np.asarray(a))
    W = t(w)
    if spec.mode in ("grad", "vjp", "rev-rev"):
        xs = [t(a).clone().requires_grad_(True) for a in args]
        out = fn(*xs)
        gs = torch.autograd.grad(out, xs, W, create_graph=spec.mode == "rev-rev",
                                 allow_unused=True)
        gs = [g if g is not None else torch.zeros_like(x) for g, x in zip(gs, xs)]
        if spec.mode == "rev-rev":
            h = sum((g * t(uk)).sum() for g, uk in zip(gs, u))
            if not h.requires_grad:
                gs = [torch.zeros_like(x) for x in xs]
            else:
                gs = torch.autograd.grad(h, xs, allow_unused=True)
                gs = [g if g is not None else torch.zeros_like(x) for g, x in zip(gs, xs)]
        parts = gs
    elif spec.mode == "jvp":
        parts = [tf.jvp(fn, tuple(t(a) for a in args), tuple(t(b) for b in v))[1]]
    else:  # fwd-rev
        def G(*ys):
            return tf.vjp(fn, *ys)[1](W)
        parts = list(tf.jvp(G, tuple(t(a) for a in args), tuple(t(b) for b in v))[1])
    return np.concatenate([p.detach().numpy().reshape(-1) for p in parts])


def jax_quantity(fn, args, spec: Spec, w, u, v) -> np.ndarray:
    """``spec`` computed by jax: jax.vjp for the reverse modes, jax.jvp for the forward ones."""
    import jax
    import jax.numpy as jnp

    xs = tuple(jnp.asarray(a) for a in args)
    W = jnp.asarray(w)
    if spec.mode in ("grad", "vjp"):
        parts = jax.vjp(fn, *xs)[1](W)
    elif spec.mode == "jvp":
        parts = [jax.jvp(fn, xs, tuple(jnp.asarray(b) for b in v))[1]]
    elif spec.mode == "rev-rev":
        def h(*ys):
            gs = jax.vjp(fn, *ys)[1](W)
            return sum(jnp.sum(g * jnp.asarray(uk)) for g, uk in zip(gs, u))
        parts = jax.grad(h, argnums=tuple(range(len(xs))))(*xs)
    else:
        def G(*ys):
            return jax.vjp(fn, *ys)[1](W)
        parts = jax.jvp(G, xs, tuple(jnp.asarray(b) for b in v))[1]
    return np.concatenate([np.asarray(p).reshape(-1) for p in parts])
