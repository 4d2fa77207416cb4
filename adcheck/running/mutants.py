"""Proof of sensitivity: deliberately wrong engines the gate must catch, and blame.

Each mutant wraps a correct engine and corrupts one thing, the way real derivative bugs do.
``selftest`` runs the catalogue with the correct engines and the mutants side by side: a mutant
is killed when some identity fails on it while no correct engine fails on that identity (the
right engine is blamed, and its family named). Besides the catalogue the battery runs two
identities of its own (``battery_identities``): a layer over a batch of 3 with a broadcast bias
(un-broadcasting is exercised only at batch > 1) and a function with two outputs.
``sensitivity`` finds the smallest relative corruption of an AD result
(random direction, size eps) that the gate catches on every B.1 identity.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from adcheck import engines
from adcheck.engines.base import Engine, Result
from adcheck.engines.core import TABLE, ops, primal
from adcheck.engines.forward import ForwardTrace, JVPBox
from adcheck.engines.namespace import ad

REFERENCE_ENGINES = ("reverse", "forward", "forward-over-reverse", "reverse-over-reverse")


class Mutant(Engine):
    """A correct engine with one deliberate defect, applied to the kinds in ``kinds``."""

    def __init__(self, name, base, kinds, corrupt, what, patch=None, family=None):
        self.name, self.base, self.kinds, self.corrupt = name, engines.get(base), kinds, corrupt
        self.family, self.max_order = family or self.base.family, self.base.max_order
        self.category = self.base.category
        self.description = what
        self.patch = patch

    def derivative(self, kind, f, args, wrt=0, **kw):
        with self.patch() if self.patch else _nothing():
            r = self.base.derivative(kind, f, args, wrt, **kw)
        if kind not in self.kinds or r.value is None:
            return replace(r, engine=self.name)
        value = self.corrupt(np.array(r.value, dtype=float), np.shape(args[wrt]))
        return Result(value, r.cost, r.error, self.name, r.status, r.note)


@contextmanager
def _nothing():
    yield


# ----------------------------------------------------------------------------- corruptions

def _transpose(v, in_shape):
    n_in = int(np.prod(in_shape))
    out_shape = v.shape[: v.ndim - len(in_shape)]
    return v.reshape(-1, n_in).T.reshape(tuple(in_shape) + out_shape)


def _half(v, in_shape):
    return v / 2.0


def _flip_one(v, in_shape):
    v = v.copy()
    if v.size:
        v.flat[int(np.argmax(np.abs(v)))] *= -1
    return v


def _zero_block(v, in_shape):
    v = v.copy()
    if v.ndim:
        v[: max(1, v.shape[0] // 2)] = 0.0
    return v


def _drop_cross(v, in_shape):
    n = int(np.prod(in_shape))
    if v.size != n * n:
        return v
    return (v.reshape(n, n) * np.eye(n)).reshape(v.shape)


def _float32(v, in_shape):
    return v.astype(np.float32).astype(np.float64)


@contextmanager
def _tanh_rule(rule):
    """Tanh's JVP and VJP rules replaced by ``rule`` for the block (then restored)."""
    prim = TABLE["tanh"]
    old = prim.jvps, prim.vjps
    object.__setattr__(prim, "jvps", (rule,))
    object.__setattr__(prim, "vjps", (rule,))
    try:
        yield
    finally:
        object.__setattr__(prim, "jvps", old[0])
        object.__setattr__(prim, "vjps", old[1])


def wrong_tanh_rule():
    """Tanh's rules with a non-differentiable derivative: tanh' right, tanh'' = 0 (restored)."""
    return _tanh_rule(lambda t, ans, x: t * (1.0 - primal(ans) ** 2))


def nan_tanh_rule():
    """Tanh's rule times a guarded factor that still propagates 0·inf = NaN (restored)."""
    return _tanh_rule(lambda t, ans, x: ops.multiply(
        ops.multiply(t, ops.subtract(1.0, ops.multiply(ans, ans))), 0.0 * np.inf))


@contextmanager
def first_row_unbroadcast():
    """Un-broadcasting that reads the batch axis wrongly: the first row counted B times
    instead of the sum over the batch (right at batch 1, wrong at batch > 1; restored)."""
    prim = TABLE["sum_to"]
    old = prim.impl

    def impl(x, *, shape):
        x = np.asarray(x)
        if x.ndim > len(shape) and x.shape[0] > 1:
            x = np.broadcast_to(x[:1] * x.shape[0], x.shape)
        return old(x, shape=shape)
    object.__setattr__(prim, "impl", impl)
    try:
        yield
    finally:
        object.__setattr__(prim, "impl", old)


class TupleZeros(Engine):
    """A correct engine, except that a function with several outputs gets zeros for each."""

    name, description = "mutant-tuple-zeros", "returns all-zero derivatives for tuple outputs"

    def __init__(self, base="reverse"):
        self.base = engines.get(base)
        self.family, self.category, self.max_order = (self.base.family, self.base.category,
                                                      self.base.max_order)

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = self.base.derivative(kind, f, args, wrt, **kw)
        v = r.value
        if isinstance(v, (tuple, list)):
            v = type(v)(np.zeros(np.shape(x)) for x in v)
        elif isinstance(v, dict):
            v = {k: np.zeros(np.shape(x)) for k, x in v.items()}
        return Result(v, r.cost, r.error, self.name, r.status, r.note)


class ConfusedForwardOverForward(Engine):
    """Second derivatives by nested forward mode with ONE shared perturbation for both levels.

    H_ij = d/dt d/ds f(x + t e_j + s e_i): with untagged perturbations the inner s and the outer
    t are the same infinitesimal, so the inner derivative absorbs the outer one
    (Siskind & Pearlmutter 2005) and the second-order term is lost.
    """

    name, family, category, max_order = "mutant-confused-fwd-fwd", "adcheck-ad", "ad", 2
    description = "forward-over-forward whose inner level leaks into the outer (one shared tag)"

    def derivative(self, kind, f, args, wrt=0, **kw):
        if kind not in ("hessian", "hvp", "laplacian"):
            r = engines.get("forward").derivative(kind, f, args, wrt, **kw)
            return replace(r, engine=self.name)
        h = self._hessian(f, args, wrt)
        n = int(np.prod(np.shape(args[wrt])))
        if kind == "hessian":
            return Result(h, engine=self.name)
        if kind == "hvp":
            v = np.reshape(kw["v"], n)
            return Result((h.reshape(n, n) @ v).reshape(np.shape(args[wrt])), engine=self.name)
        return Result(float(np.trace(h.reshape(n, n))), engine=self.name)

    @staticmethod
    def _hessian(f, args, wrt):
        x0 = np.asarray(args[wrt], dtype=float)
        n, trace = x0.size, ForwardTrace()  # one trace: the defect
        eye = np.eye(n)
        h = np.zeros((n, n))
        for j in range(n):
            t = JVPBox(np.zeros(x0.shape), eye[j].reshape(x0.shape), trace)
            for i in range(n):
                s = JVPBox(np.zeros(x0.shape), eye[i].reshape(x0.shape), trace)
                a = list(args)
                a[wrt] = (x0 + t) + s
                out = f(ad, *a)
                inner = out.tangent if isinstance(out, JVPBox) else 0.0
                h[i, j] = float(np.sum(inner.tangent)) if isinstance(inner, JVPBox) else 0.0
        return h.reshape(x0.shape + x0.shape)


def mutants() -> list[Engine]:
    """The battery, in a fixed order."""
    return [
        Mutant("mutant-transposed-jacobian", "reverse", ("jacobian",), _transpose,
               "returns the Jacobian transposed (denominator layout)"),
        Mutant("mutant-missing-factor-2", "reverse", ("gradient",), _half,
               "drops the factor 2 of the quadratic-form gradient (returns Qx for x^T Q x)"),
        Mutant("mutant-sign-flip", "forward", ("gradient", "jacobian", "hessian"), _flip_one,
               "flips the sign of one component"),
        Mutant("mutant-zero-block", "forward-over-reverse", ("jacobian", "hessian"),
               _zero_block, "zeroes the first block of rows"),
        Mutant("mutant-dropped-cross-term", "reverse-over-reverse", ("hessian",), _drop_cross,
               "drops the cross terms d2f/dxi dxj (i != j) of the Hessian"),
        Mutant("mutant-float32-leak", "reverse", ("gradient", "jacobian", "hessian"), _float32,
               "rounds its result through float32"),
        Mutant("mutant-wrong-tanh-second-derivative", "forward-over-reverse",
               ("hessian", "hvp", "laplacian"), lambda v, s: v,
               "tanh rule written with a non-differentiable derivative: tanh'' = 0",
               patch=wrong_tanh_rule),
        ConfusedForwardOverForward(),
        Mutant("mutant-unbroadcast-batch", "reverse", (), lambda v, s: v,
               "un-broadcasts a batched cotangent from its first row (x[0]·B, not the sum over "
               "the batch): right at batch 1, wrong at batch > 1", patch=first_row_unbroadcast),
        Mutant("mutant-nan-rule", "reverse", (), lambda v, s: v,
               "tanh's rule carries a guarded factor that still propagates 0·inf = NaN",
               patch=nan_tanh_rule),
        TupleZeros(),
        *correlated_pair(),
    ]


PAIR_FAMILY = "mutant-library"


def correlated_pair() -> list[Engine]:
    """Two engines sharing one (wrong) rule, as a library's two modes share its rules."""
    what = "shares a wrong rule with its sibling (result x (1 + 1e-3)): one family, one witness"
    return [Mutant(f"mutant-pair-{mode}", base, ("gradient", "jacobian", "hessian", "hvp",
                                                  "laplacian"),
                   lambda v, s: v * (1.0 + 1e-3), what, family=PAIR_FAMILY)
            for mode, base in (("rev", "reverse"), ("fwd", "forward"))]


def battery_identities() -> list:
    """The battery's own identities: a batch of 3 through a layer with a broadcast bias, and a
    function with two outputs (cited to the layer formula and the product rule)."""
    from adcheck.identities import Identity

    def layer(d):
        n, m = d.integer(1, 3), d.integer(1, 3)
        return (d.reals((m,)), d.reals((3, n)), d.reals((n, m)))
    return [
        Identity(id="selftest.batched-bias-gradient", section="selftest",
                 title="d/db sum tanh(XW + b) = sum over the batch of 1 - tanh^2",
                 citation="Appendix B.1 backprop, delta summed over the batch", kind="gradient",
                 f=lambda xp, b, x, w: xp.sum(xp.tanh(x @ w + b)),
                 closed_form=lambda xp, b, x, w: xp.sum(1.0 - xp.tanh(x @ w + b) ** 2, axis=0),
                 arg_names=("b", "X", "W"), inputs=layer),
        Identity(id="selftest.tuple-outputs", section="selftest",
                 title="d(sin a, a*a)/da = (diag cos a, diag 2a)", citation="elementwise rules",
                 kind="jacobian", f=lambda xp, a: (xp.sin(a), a * a),
                 closed_form=lambda xp, a: (xp.diag(xp.cos(a)), xp.diag(2.0 * a)),
                 arg_names=("a",), inputs=lambda d: (d.reals((d.integer(1, 3),)),)),
    ]


class Corrupted(Engine):
    """A correct engine whose result is moved by a relative ``eps`` in a random direction."""

    def __init__(self, base: str, eps: float, seed: int = 0):
        self.base, self.eps = engines.get(base), eps
        self.rng = np.random.default_rng(seed)
        self.name, self.max_order = f"corrupted-{eps:.0e}", 2
        self.family, self.category = self.base.family, self.base.category

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = self.base.derivative(kind, f, args, wrt, **kw)
        v = np.array(r.value, dtype=float)
        d = self.rng.standard_normal(v.shape)
        norm = np.linalg.norm(d)
        if norm:
            v = v + self.eps * np.linalg.norm(v) * d / norm
        return Result(v, r.cost, r.error, self.name)
