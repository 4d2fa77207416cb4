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


def mp_solve(a, b):
    """A⁻¹b by LU in mpmath, for a vector or a matrix b (one column at a time)."""
    b = np.asarray(b, dtype=object)
    if b.ndim == 1:
        return np.array(list(mpmath.lu_solve(a, mpmath.matrix(b.tolist()))), dtype=object)
    return np.stack([mp_solve(a, b[:, j]) for j in range(b.shape[1])], axis=1)


def sym_solve(a, b):
    """A⁻¹b by LU in sympy, shaped like b."""
    b = np.asarray(b, dtype=object)
    sol = a.LUsolve(sympy.Matrix(b.tolist()))
    return np.array(sol.tolist(), dtype=object).reshape(b.shape)
