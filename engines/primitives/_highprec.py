"""Helpers for the mpmath (50-digit) and sympy forms of matrix primitives.

A record's ``exact``/``sym`` function of arrays receives numpy object arrays (of mpf, or of
sympy expressions) and may return any array-like of them; the interpreters convert both ways.
"""

from __future__ import annotations

import mpmath
import numpy as np

from ..lazy import lazy

sympy = lazy("sympy")  # imported on first call


def _batched(to_matrix, fn):
    """Apply ``fn`` to square matrices over the leading batch axes of its arguments.

    The first argument is a stack of matrices; a further argument of two or more axes is a
    stack of matrices too, and the batch axes of all broadcast (numpy's rule, so a single
    matrix meets a stack of right-hand sides); a vector goes to every matrix unchanged.
    """
    def run(a, *rest):
        a = np.asarray(a, dtype=object)
        rest = [np.asarray(r, dtype=object) for r in rest]
        stacks = [r for r in rest if r.ndim >= 2]
        batch = np.broadcast_shapes(a.shape[:-2], *(r.shape[:-2] for r in stacks))
        if not batch:
            return np.asarray(fn(to_matrix(a.tolist()), *rest), dtype=object)
        a = np.broadcast_to(a, batch + a.shape[-2:])
        rest = [np.broadcast_to(r, batch + r.shape[-2:]) if r.ndim >= 2 else r for r in rest]
        return np.stack([run(a[i], *(r[i] if r.ndim >= 2 else r for r in rest))
                         for i in range(batch[0])])
    return run


def mp_matrices(fn):
    """``fn`` taking an ``mpmath.matrix`` (and further object arrays), batched."""
    return _batched(mpmath.matrix, fn)


def sym_matrices(fn):
    """``fn`` taking a ``sympy.Matrix`` (and further object arrays), batched."""
    return _batched(sympy.Matrix, fn)


def mp_array(m) -> np.ndarray:
    """An mpmath matrix as an object array."""
    return np.array(m.tolist(), dtype=object)


# ----------------------------------------------------------------------------- FLINT's balls
# Dense linear algebra at 50+ digits through python-flint's arb_mat (FLINT's ball arithmetic):
# every entry comes back as a ball that encloses the exact value of the operation on the given
# binary numbers. Its midpoint is used when the ball is narrower than the working precision;
# otherwise (a cancellation the precision cannot resolve, a singular matrix) or without FLINT,
# the mpmath algorithm runs as before. mpmath's matrices index through a dict per entry: its LU
# was half of an audit's time on solve (47,000 factorizations, 100 s of 209).

class _Wide(Exception):
    """A ball wider than the working precision (or not finite): use mpmath instead."""


def balls(with_flint, with_mpmath):
    """``with_flint(flint, *args)`` at the working precision plus 30 bits, else
    ``with_mpmath(*args)``."""
    def run(*args):
        try:
            import flint
        except ImportError:
            return with_mpmath(*args)
        old, flint.ctx.prec = flint.ctx.prec, mpmath.mp.prec + 30
        try:
            return with_flint(flint, *args)
        except (_Wide, ZeroDivisionError, ValueError, ArithmeticError):
            pass  # singular, or not resolved at this precision: mpmath says what it can
        finally:
            flint.ctx.prec = old
        return with_mpmath(*args)
    return run


def to_arb(flint, x):
    """An mpf (or a number) as a ball of radius 0: the same binary number."""
    x = mpmath.mpf(x)
    if not mpmath.isfinite(x):
        raise _Wide
    sign, man, exp, _ = x._mpf_
    if not man:
        return flint.arb(0)
    return flint.arb(flint.arf((flint.fmpz(-int(man) if sign else int(man)),
                                flint.fmpz(int(exp)))))


def from_arb(flint, ball):
    """The ball's midpoint as an mpf, if the ball is narrower than the working precision."""
    if not ball.is_finite():
        raise _Wide
    mid = ball.mid()
    if ball.rad() > abs(mid) * flint.arb(2) ** -mpmath.mp.prec:
        raise _Wide
    man, exp = mid.man_exp()
    return mpmath.mpf((int(man), int(exp)))


def to_arb_mat(flint, m):
    rows = m.tolist() if hasattr(m, "tolist") else m
    return flint.arb_mat([[to_arb(flint, v) for v in row] for row in rows])


def from_arb_mat(flint, m) -> np.ndarray:
    out = np.empty((m.nrows(), m.ncols()), dtype=object)
    for i in range(m.nrows()):
        for j in range(m.ncols()):
            out[i, j] = from_arb(flint, m[i, j])
    return out


def _lu_solve(a, b):
    """A⁻¹b by LU in mpmath, for a vector or a matrix b (one column at a time)."""
    b = np.asarray(b, dtype=object)
    if b.ndim == 1:
        return np.array(list(mpmath.lu_solve(a, mpmath.matrix(b.tolist()))), dtype=object)
    return np.stack([_lu_solve(a, b[:, j]) for j in range(b.shape[1])], axis=1)


def _arb_solve(flint, a, b):
    b = np.asarray(b, dtype=object)
    x = from_arb_mat(flint, to_arb_mat(flint, a).solve(
        to_arb_mat(flint, b.reshape(b.shape[0], -1).tolist())))
    return x.reshape(b.shape)


mp_solve = balls(_arb_solve, _lu_solve)
"""A⁻¹b for a vector or a matrix b."""

mp_inverse = balls(lambda flint, a: from_arb_mat(flint, to_arb_mat(flint, a).inv()),
                   lambda a: mp_array(mpmath.inverse(a)))
"""A⁻¹ as an object array."""

mp_det = balls(lambda flint, a: from_arb(flint, to_arb_mat(flint, a).det()), mpmath.det)
"""det A."""

mp_log_abs_det = balls(lambda flint, a: from_arb(flint, abs(to_arb_mat(flint, a).det()).log()),
                       lambda a: mpmath.log(abs(mpmath.det(a))))
"""log |det A|."""

mp_expm = balls(lambda flint, a: from_arb_mat(flint, to_arb_mat(flint, a).exp()),
                lambda a: mp_array(mpmath.expm(a)))
"""The matrix exponential as an object array."""


def sym_solve(a, b):
    """A⁻¹b by LU in sympy, shaped like b."""
    b = np.asarray(b, dtype=object)
    sol = a.LUsolve(sympy.Matrix(b.tolist()))
    return np.array(sol.tolist(), dtype=object).reshape(b.shape)
