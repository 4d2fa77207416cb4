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

defprim(
    "trace", np.trace,
    jvp=(lambda t, ans, x: ops.trace(t),),
    vjp=(lambda ct, ans, x: ops.multiply(ct, np.eye(*shape_of(x))),),
    flops=lambda ans, x: min(shape_of(x)), linear=True,
)


def _diag_vjp(ct, ans, x):
    """Adjoint of diag: back to a vector, or into the diagonal of a (possibly wide) matrix."""
    if ndim_of(x) == 1:
        return ops.diag(ct)
    k = np.arange(min(shape_of(x)))
    return ops.scatter_add(ct, index=(k, k), shape=shape_of(x))


defprim(
    "diag", np.diag,
    jvp=(lambda t, ans, x: ops.diag(t),),
    vjp=(_diag_vjp,),
    flops=lambda ans, x: 0, linear=True,
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

defprim(
    "det", np.linalg.det,
    # d det A = det A · tr(A⁻¹ dA) ;  Ā = C̄ det A · A⁻ᵀ  (Giles 2008, 2.2.4)
    jvp=(lambda t, ans, a: ops.multiply(ans, ops.trace(ops.solve(a, t))),),
    vjp=(lambda ct, ans, a: ops.multiply(ops.multiply(ct, ans),
                                         ops.matrix_transpose(ops.inv(a))),),
    flops=lambda ans, a: _cube(ans, a, factor=2 / 3), cite=GILES,
)

defprim(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1],
    # d log|det A| = tr(A⁻¹ dA) ;  Ā = C̄ A⁻ᵀ  (Giles 2008, 2.2.4 divided by det A)
    jvp=(lambda t, ans, a: ops.trace(ops.solve(a, t)),),
    vjp=(lambda ct, ans, a: ops.multiply(ct, ops.matrix_transpose(ops.inv(a))),),
    flops=lambda ans, a: _cube(ans, a, factor=2 / 3), cite=GILES, uses=("primals",),
)


def _solve_vjp_a(ct, ans, a, b):
    """Ā = −A⁻ᵀ C̄ Xᵀ for X = A⁻¹B (Giles 2008, 2.3.1); B a vector gives an outer product."""
    g = ops.solve(ops.matrix_transpose(a), ct)
    return ops.negative(ops.outer(g, ans) if ndim_of(b) == 1
                        else ops.matmul(g, ops.matrix_transpose(ans)))


defprim(
    "solve", np.linalg.solve,
    # dX = A⁻¹(dB − dA X) ;  B̄ = A⁻ᵀ C̄  (Giles 2008, 2.3.1)
    jvp=(
        lambda t, ans, a, b: ops.negative(ops.solve(a, ops.matmul(t, ans))),
        lambda t, ans, a, b: ops.solve(a, t),
    ),
    vjp=(_solve_vjp_a, lambda ct, ans, a, b: ops.solve(ops.matrix_transpose(a), ct)),
    flops=lambda ans, a, b: _cube(ans, a, factor=2 / 3) + 2 * shape_of(a)[-1] * size_of(ans),
    cite=GILES,
)
