"""Derivatives of order k (up to MAX_ORDER): the tensor of all k-th partials, mixed ones included.

Layout: ``out.shape + x.shape * k``, entry [i..., j1..., ..., jk...] = ∂^k out[i...] /
∂x[j1...] ... ∂x[jk...] (numerator layout, as the Jacobian and the Hessian).

The AD engines nest their transforms: the inner mode gives the Jacobian, the outer mode is
applied k − 1 times over it (each level differentiates the rules of the level below, which is
why the rules are written with ``ops``). The exact engine takes k-th differences along lines at
(k + 2)·dps digits, where truncation and rounding are both near 10^(−2·dps), and recovers each
mixed partial by polarization (Thomas 2014, "A polarization identity for multilinear maps"):
F(v1, ..., vk) = 1/(k! 2^k) Σ_ε ε1⋯εk F(w_ε, ..., w_ε), w_ε = Σ εi vi, with F(w, ..., w) the
k-th derivative along w.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np

from . import transforms as T
from .base import Cost, Result, as_float_args
from .errors import InputError

MAX_ORDER = 4


def check_order(order) -> int:
    """The order as an int in 1..MAX_ORDER, or a clear error."""
    if not isinstance(order, (int, np.integer)) or not 1 <= order <= MAX_ORDER:
        raise InputError(f"order={order!r}: kind='derivative' takes an integer order from 1 "
                         f"to {MAX_ORDER}")
    return int(order)


def nested(f, wrt: int, order: int, outer: str, inner: str):
    """The k-th derivative transform: inner-mode Jacobian, then outer mode k − 1 times."""
    g = (T.jacrev if inner == "reverse" else T.jacfwd)(f, wrt)
    for _ in range(order - 1):
        g = (T.jacfwd if outer == "forward" else T.jacrev)(g, wrt)
    return g


def ad_derivative(engine, f, args, wrt: int, order: int) -> Result:
    """The order-k tensor by an AD engine's nesting (``engine.outer`` over ``engine.inner``)."""
    from .core import counting
    from .namespace import ad
    args = as_float_args(args, wrt)
    g = nested(f, wrt, check_order(order), engine.outer, engine.inner)
    with counting() as c:
        value = np.asarray(g(ad, *args), dtype=float)
    return Result(value, Cost(passes=args[wrt].size ** order, primitive_calls=c.calls,
                              flops=c.flops), engine=engine.name)


# ----------------------------------------------------------------------------- exact

def _line(f, args, wrt, v, order, dps):
    """(g^(k)(0), flaw note or "") for g(t) = f(x + t v), at (k + 2)·dps + guard digits."""
    from .exact import GUARD, convert_args, exact_ns, flaw, to_exact
    with mpmath.workdps(dps * (order + 2) + GUARD):
        args = list(convert_args(args))
        x, vv = args[wrt], to_exact(np.asarray(v, dtype=float))
        h = mpmath.mpf(10) ** (-dps) * max([mpmath.mpf(1)] + [abs(e) for e in x.flat])

        def g(t):
            args[wrt] = x + t * vv
            return to_exact(f(exact_ns, *args))

        def kth(step):  # central k-th difference (half steps for odd k): error O(step²)
            terms = [(-1) ** i * math.comb(order, i) * g((mpmath.mpf(order) / 2 - i) * step)
                     for i in range(order + 1)]
            return to_exact(sum(terms[1:], terms[0]) / step ** order)

        d = kth(h)
        return d, flaw(d, kth(2 * h), dps)


def exact_derivative(f, args, wrt: int, order: int, dps: int = 50):
    """(object array of mpf in the order-k layout, flaw note or "", line evaluations)."""
    from .exact import GUARD, to_exact, worst_flaw
    order = check_order(order)
    args = as_float_args(args, wrt)
    shape = args[wrt].shape
    n = args[wrt].size
    units = np.eye(n)
    entries, notes, lines = {}, [], 0
    # the 2^(k-1) polarized terms are O(|f^(k)|) and cancel (to an exact 0 off the diagonal
    # of a separable f): summed at the lines' own precision, not mpmath's default 15 digits
    with mpmath.workdps(dps * (order + 2) + GUARD):
        scale = mpmath.mpf(1) / (math.factorial(order) * 2 ** (order - 1))
        for idx in itertools.combinations_with_replacement(range(n), order):
            total = None
            for signs in itertools.product((1, -1), repeat=order - 1):
                eps = (1,) + signs
                w = sum(e * units[i] for e, i in zip(eps, idx)).reshape(shape)
                d, why = _line(f, args, wrt, w, order, dps)
                lines += 1
                notes.append(why)
                term = d * int(np.prod(eps))
                total = term if total is None else total + term
            entries[idx] = to_exact(total * scale)
    out_shape = next(iter(entries.values())).shape
    value = np.empty(out_shape + (n,) * order, dtype=object)
    for idx in itertools.product(range(n), repeat=order):
        value[(Ellipsis,) + idx] = entries[tuple(sorted(idx))]
    return value.reshape(out_shape + shape * order), worst_flaw(notes), lines * (order + 1) * 2
