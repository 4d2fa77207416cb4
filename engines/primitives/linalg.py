"""Products and matrix functions.

Rules for inv, det, log|det| and solve follow Giles (2008), "An extended collection of matrix
derivative results for forward and reverse mode automatic differentiation", sections 2.2-2.3.
"""

from __future__ import annotations

import numpy as np

from ..core import defprim, ops
from ._util import expand_last, ndim_of, shape_of, size_of, unbcast

GILES = "Giles 2008, An extended collection of matrix derivative results, sec. 2.2-2.3"


def _matmul_flops(ans, a, b):
    """2·k multiply-adds per output element, k the contracted length."""
    return 2 * max(1, size_of(ans)) * shape_of(a)[-1]


def _mT(x):
    """Matrix transpose: a plain view of a plain array (nothing to trace), else the primitive."""
    return x.swapaxes(-1, -2) if type(x) is np.ndarray else ops.matrix_transpose(x)


def _mm_vjp_a(ct, ans, a, b):
    """Cotangent of ``a`` in a @ b for every mix of vectors, matrices and batches."""
    if type(b) is np.ndarray and b.ndim == 2 and (a.ndim if type(a) is np.ndarray
                                                   else ndim_of(a)) == 2:
        return ops.matmul(ct, b.T)  # the hot case: plain matrices, no transpose dispatch
    na, nb = ndim_of(a), ndim_of(b)
    if na == 2 and nb == 2:  # no broadcasting to undo
        return ops.matmul(ct, _mT(b))
    if nb == 1:
        if na == 1:
            return ops.multiply(ct, b)
        if na == 2:
            return ops.outer(ct, b)
        return unbcast(ops.multiply(expand_last(ct), b), a)
    if na == 1:
        return unbcast(ops.matmul(b, expand_last(ct))[..., 0], a)
    return unbcast(ops.matmul(ct, _mT(b)), a)


def _mm_vjp_b(ct, ans, a, b):
    """Cotangent of ``b`` in a @ b."""
    if type(a) is np.ndarray and a.ndim == 2 and (b.ndim if type(b) is np.ndarray
                                                   else ndim_of(b)) == 2:
        return ops.matmul(a.T, ct)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 2 and nb == 2:
        return ops.matmul(_mT(a), ct)
    if na == 1:
        if nb == 1:
            return ops.multiply(ct, a)
        if nb == 2:
            return ops.outer(a, ct)
        ct_row = ops.reshape(ct, shape=shape_of(ct)[:-1] + (1,) + shape_of(ct)[-1:])
        return unbcast(ops.multiply(expand_last(a), ct_row), b)
    if nb == 1:
        if na == 2:
            return ops.matmul(ct, a)
        return unbcast(ops.matmul(_mT(a), expand_last(ct))[..., 0], b)
    return unbcast(ops.matmul(_mT(a), ct), b)


defprim(
    "matmul", np.matmul,
    jvp=(lambda t, ans, a, b: ops.matmul(t, b), lambda t, ans, a, b: ops.matmul(a, t)),
    vjp=(_mm_vjp_a, _mm_vjp_b),
    flops=_matmul_flops, uses=("primals",),
)

defprim(
    "outer", np.outer,
    jvp=(lambda t, ans, a, b: ops.outer(t, b), lambda t, ans, a, b: ops.outer(a, t)),
    vjp=(lambda ct, ans, a, b: ops.matmul(ct, b), lambda ct, ans, a, b: ops.matmul(a, ct)),
    flops=lambda ans, a, b: size_of(ans), uses=("primals",),
)

def _trace_impl(x, *, offset=0):
    """Sum of the ``offset`` diagonal over the last two axes (stacks of matrices broadcast)."""
    return np.trace(x, offset, axis1=-2, axis2=-1)


def _trace_vjp(ct, ans, x, *, offset=0):
    """Adjoint of the trace: the cotangent spread along the ``offset`` diagonal of each matrix."""
    n, m = shape_of(x)[-2:]
    return ops.multiply(expand_last(expand_last(ct)), np.eye(n, m, k=offset))


defprim(
    "trace", _trace_impl,
    jvp=(lambda t, ans, x, *, offset=0: ops.trace(t, offset=offset),),
    vjp=(_trace_vjp,),
    flops=lambda ans, x, **p: size_of(ans) * min(shape_of(x)[-2:]), linear=True,
)


def _diag_impl(x, *, k=0):
    """np.diag for a vector (a matrix with it on diagonal ``k``); the ``k`` diagonal of the
    last two axes for a matrix or a stack of them (``linalg.diagonal``)."""
    x = np.asarray(x)
    if x.ndim == 1:
        return np.diag(x, k)
    return np.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


def _diagonal_index(shape, k):
    """Index of the ``k`` diagonal of the last two axes of ``shape``."""
    n, m = shape[-2:]
    d = max(0, min(n + min(k, 0), m - max(k, 0)))
    i = np.arange(d)
    return (Ellipsis, i + max(-k, 0), i + max(k, 0))


def _diag_vjp(ct, ans, x, *, k=0):
    """Adjoint of diag: back to a vector, or into the ``k`` diagonal of each matrix."""
    if ndim_of(x) == 1:
        return ops.diag(ct, k=k)
    return ops.scatter_add(ct, index=_diagonal_index(shape_of(x), k), shape=shape_of(x))


defprim(
    "diag", _diag_impl,
    jvp=(lambda t, ans, x, *, k=0: ops.diag(t, k=k),),
    vjp=(_diag_vjp,),
    flops=lambda ans, x, **p: 0, linear=True,
)


def _cube(ans, a, *rest, factor):
    """factor·n³ flops for an n×n factorization."""
    return int(factor * shape_of(a)[-1] ** 3)


defprim(
    "inv", np.linalg.inv,
    # d(A⁻¹) = −A⁻¹ dA A⁻¹ ;  Ā = −A⁻ᵀ C̄ A⁻ᵀ  (Giles 2008, 2.2.3)
    jvp=(lambda t, ans, a: ops.negative(ops.matmul(ops.matmul(ans, t), ans)),),
    vjp=(lambda ct, ans, a: ops.negative(ops.matmul(ops.matmul(ops.matrix_transpose(ans), ct),
                                                    ops.matrix_transpose(ans))),),
    flops=lambda ans, a: _cube(ans, a, factor=2), cite=GILES, uses=("ans",),
)

def _per_matrix(v):
    """A value per matrix of a stack, shaped to broadcast against the stack: (..., 1, 1)."""
    return expand_last(expand_last(v))


defprim(
    "det", np.linalg.det,
    # d det A = det A · tr(A⁻¹ dA) ;  Ā = C̄ det A · A⁻ᵀ  (Giles 2008, 2.2.4), per matrix
    jvp=(lambda t, ans, a: ops.multiply(ans, ops.trace(ops.solve(a, t))),),
    vjp=(lambda ct, ans, a: ops.multiply(_per_matrix(ops.multiply(ct, ans)),
                                         ops.matrix_transpose(ops.inv(a))),),
    flops=lambda ans, a: _cube(ans, a, factor=2 / 3), cite=GILES,
)

defprim(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1],
    # d log|det A| = tr(A⁻¹ dA) ;  Ā = C̄ A⁻ᵀ  (Giles 2008, 2.2.4 divided by det A), per matrix
    jvp=(lambda t, ans, a: ops.trace(ops.solve(a, t)),),
    vjp=(lambda ct, ans, a: ops.multiply(_per_matrix(ct), ops.matrix_transpose(ops.inv(a))),),
    flops=lambda ans, a: _cube(ans, a, factor=2 / 3), cite=GILES, uses=("primals",),
)


def _solve_vec(a, b):
    """A⁻¹b for b a vector or a stack of vectors (numpy reads a 2-D b as a matrix)."""
    return ops.solve(a, expand_last(b))[..., 0]


def _solve_jvp_a(t, ans, a, b):
    """dX = −A⁻¹ dA X (Giles 2008, 2.3.1); X a vector when b is one."""
    if ndim_of(b) == 1:
        return ops.negative(_solve_vec(a, ops.matmul(t, expand_last(ans))[..., 0]))
    return ops.negative(ops.solve(a, ops.matmul(t, ans)))


def _solve_jvp_b(t, ans, a, b):
    """dX = A⁻¹ dB."""
    return _solve_vec(a, t) if ndim_of(b) == 1 else ops.solve(a, t)


def _solve_vjp_a(ct, ans, a, b):
    """Ā = −A⁻ᵀ C̄ Xᵀ for X = A⁻¹B (Giles 2008, 2.3.1), summed over broadcast batch axes."""
    if ndim_of(b) == 1:
        g = _solve_vec(ops.matrix_transpose(a), ct)
        x_row = ops.reshape(ans, shape=shape_of(ans)[:-1] + (1,) + shape_of(ans)[-1:])
        return unbcast(ops.negative(ops.multiply(expand_last(g), x_row)), a)
    g = ops.solve(ops.matrix_transpose(a), ct)
    return unbcast(ops.negative(ops.matmul(g, ops.matrix_transpose(ans))), a)


def _solve_vjp_b(ct, ans, a, b):
    """B̄ = A⁻ᵀ C̄, summed over broadcast batch axes."""
    at = ops.matrix_transpose(a)
    return unbcast(_solve_vec(at, ct) if ndim_of(b) == 1 else ops.solve(at, ct), b)


defprim(
    "solve", np.linalg.solve,
    # dX = A⁻¹(dB − dA X) ;  B̄ = A⁻ᵀ C̄  (Giles 2008, 2.3.1)
    jvp=(_solve_jvp_a, _solve_jvp_b),
    vjp=(_solve_vjp_a, _solve_vjp_b),
    flops=lambda ans, a, b: _cube(ans, a, factor=2 / 3) + 2 * shape_of(a)[-1] * size_of(ans),
    cite=GILES,
)
