"""Products and matrix functions.

Rules for inv, det, log|det| and solve follow Giles (2008), "An extended collection of matrix
derivative results for forward and reverse mode automatic differentiation", sections 2.2-2.3.
"""

from __future__ import annotations

import numpy as np

from .. import jet as J
from ..core import defprim, example, ops
from ..lazy import lazy
from ._bounds import absf, full, lu_terms
from ._highprec import (
    mp_det,
    mp_inverse,
    mp_log_abs_det,
    mp_matrices,
    mp_solve,
    sym_matrices,
    sym_solve,
)
from ._util import expand_last, ndim_of, shape_of, size_of, unbcast

sympy = lazy("sympy")  # imported on first call

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


def _matmul_bound(tr, ans, vals, errs, params):
    """|A|·E_B + E_A·|B| + k·|A||B| for k-term inner products (Higham Lemma 3.5)."""
    a, b = absf(vals[0]), absf(vals[1])
    k = a.shape[-1] if a.ndim else 1
    return np.matmul(a, full(errs[1], b)) + np.matmul(full(errs[0], a), b) + k * np.matmul(a, b)


def _matmul_jet(a, b):
    """Linear in a constant operand; the product rule Δ(ab) = Δa b + a Δb + 2 Σ_i ∂_i a ∂_i b
    for two jets. Vectors become one-row / one-column matrices, batch axes broadcast."""
    if isinstance(a, J.Jet) and not isinstance(b, J.Jet) and a.ndim >= 2 and np.ndim(b) == 2:
        return J.jet(a.v @ b, _right(a.g, b), a.l @ b)  # the hot case (a layer): one BLAS call
    av, bv = J.val(a), J.val(b)
    v = np.matmul(av, bv)
    A = av[None, :] if np.ndim(av) == 1 else av
    B = bv[:, None] if np.ndim(bv) == 1 else bv
    V = np.matmul(A, B)
    g, l = 0.0, 0.0
    if isinstance(a, J.Jet):
        ga = J.lead(a.g[:, None, :] if a.ndim == 1 else a.g, V)
        g, l = ga @ B, np.reshape(a.l, A.shape) @ B
    if isinstance(b, J.Jet):
        gb = J.lead(b.g[:, :, None] if b.ndim == 1 else b.g, V)
        g, l = g + A @ gb, l + A @ np.reshape(b.l, B.shape)
        if isinstance(a, J.Jet):
            l = l + 2.0 * np.sum(ga @ gb, axis=0)
    d = J.dim(a, b)
    return J.jet(v, np.reshape(np.broadcast_to(g, (d,) + V.shape), (d,) + v.shape),
                 np.reshape(l, v.shape))


def _right(g, w):
    """g @ w with g's leading axes folded into one BLAS call.

    A gradient still constant along the batch axis (the seed of a batch) is multiplied once
    and broadcast back: the first layer then costs d·d·m, not d·B·d·m.
    """
    if np.ndim(w) == 2 and g.ndim == 3 and g.strides[1] == 0:
        return np.broadcast_to((g[:, :1] @ w), g.shape[:-1] + (w.shape[1],))
    if np.ndim(w) == 2 and g.ndim >= 2:
        out = np.reshape(g, (-1, g.shape[-1])) @ w
        return out.reshape(g.shape[:-1] + (w.shape[1],))
    return g @ w


defprim(
    "matmul", np.matmul,
    jvp=(lambda t, ans, a, b: ops.matmul(t, b), lambda t, ans, a, b: ops.matmul(a, t)),
    vjp=(_mm_vjp_a, _mm_vjp_b),
    flops=_matmul_flops, uses=("primals",),
    magnitude=_matmul_bound, xp=("matmul", "linalg.matmul"), taylor=_matmul_jet,
    examples=(example((3, 3), (3, 3)), example((2, 3), (3,)), example((3,), (3, 2)),
              example((2, 2, 3), (3, 2)), example((3,), (3,))),
)

def _outer_bound(tr, ans, vals, errs, params):
    """One correctly rounded product per element."""
    a, b = absf(vals[0]).ravel(), absf(vals[1]).ravel()
    ea, eb = full(errs[0], vals[0]).ravel(), full(errs[1], vals[1]).ravel()
    return np.outer(a, eb) + np.outer(ea, b) + absf(ans)


defprim(
    "outer", np.outer,
    jvp=(lambda t, ans, a, b: ops.outer(t, b), lambda t, ans, a, b: ops.outer(a, t)),
    vjp=(lambda ct, ans, a, b: ops.matmul(ct, b), lambda ct, ans, a, b: ops.matmul(a, ct)),
    flops=lambda ans, a, b: size_of(ans), uses=("primals",),
    magnitude=_outer_bound, xp=("outer", "linalg.outer"),
    taylor=lambda a, b: J.P["multiply"](J.P["reshape"](a, shape=(-1, 1)),
                                        J.P["reshape"](b, shape=(1, -1))),
    examples=(example((3,), (4,)),),
)

def _trace_impl(x, *, offset=0):
    """Sum of the ``offset`` diagonal over the last two axes (stacks of matrices broadcast)."""
    return np.trace(x, offset, axis1=-2, axis2=-1)


def _trace_vjp(ct, ans, x, *, offset=0):
    """Adjoint of the trace: the cotangent spread along the ``offset`` diagonal of each matrix."""
    n, m = shape_of(x)[-2:]
    return ops.multiply(expand_last(expand_last(ct)), np.eye(n, m, k=offset))


def _trace_bound(tr, ans, vals, errs, params):
    x = absf(vals[0])
    offset = params.get("offset", 0)
    return (_trace_impl(full(errs[0], x), offset=offset)
            + min(x.shape[-2:]) * _trace_impl(x, offset=offset))


defprim(
    "trace", _trace_impl,
    jvp=(lambda t, ans, x, *, offset=0: ops.trace(t, offset=offset),),
    vjp=(_trace_vjp,),
    flops=lambda ans, x, **p: size_of(ans) * min(shape_of(x)[-2:]), linear=True,
    magnitude=_trace_bound, xp=("trace", "linalg.trace"),
    taylor=J.linear(_trace_impl, lambda g, offset=0: np.trace(g, offset, axis1=-2, axis2=-1)),
    examples=(example((3, 3)), example((2, 4)), example((2, 3, 3)), example((3, 4), offset=1),
              example((2, 3, 4), offset=-1)),
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
    magnitude=lambda tr, ans, vals, errs, params: _diag_impl(full(errs[0], vals[0]), **params),
    xp=("diag", "linalg.diagonal"),
    examples=(example((3,)), example((3, 4)), example((2, 3, 4)), example((3,), k=-2),
              example((3, 4), k=1), example((2, 3, 4), k=-1)),
)


def _cube(ans, a, *rest, factor):
    """factor·n³ flops for an n×n factorization."""
    return int(factor * shape_of(a)[-1] ** 3)


def _inv_bound(tr, ans, vals, errs, params):
    """|A⁻¹|·(E_A + 3n u|A|)·|A⁻¹|: first-order perturbation of the inverse."""
    ainv, da = lu_terms(vals[0], errs[0])
    return np.matmul(np.matmul(ainv, da), ainv)


# single matrices and stacks of them (leading batch axes), so the rules are tested per matrix
_SQUARE = (example((3, 3), domain=("invertible",)), example((2, 3, 3), domain=("invertible",)),
           example((4, 3, 3), domain=("invertible",)),
           example((2, 2, 3, 3), domain=("invertible",)))

defprim(
    "inv", np.linalg.inv,
    # d(A⁻¹) = −A⁻¹ dA A⁻¹ ;  Ā = −A⁻ᵀ C̄ A⁻ᵀ  (Giles 2008, 2.2.3)
    jvp=(lambda t, ans, a: ops.negative(ops.matmul(ops.matmul(ans, t), ans)),),
    vjp=(lambda ct, ans, a: ops.negative(ops.matmul(ops.matmul(ops.matrix_transpose(ans), ct),
                                                    ops.matrix_transpose(ans))),),
    flops=lambda ans, a: _cube(ans, a, factor=2), cite=GILES, uses=("ans",),
    magnitude=_inv_bound, exact=mp_matrices(mp_inverse),
    sym=sym_matrices(lambda a: np.array(a.inv().tolist(), dtype=object)),
    xp="linalg.inv", examples=_SQUARE,
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
    magnitude=lambda tr, ans, vals, errs, params: absf(ans) * _logdet_bound(ans, vals, errs),
    exact=mp_matrices(mp_det), sym=sym_matrices(lambda a: a.det()),
    xp="linalg.det", examples=_SQUARE,
)


def _logdet_bound(ans, vals, errs):
    """tr(|A⁻ᵀ|·(E_A + 3n u|A|)) plus the rounding of the logarithm."""
    ainv, da = lu_terms(vals[0], errs[0])
    return np.sum(np.swapaxes(ainv, -1, -2) * da, axis=(-2, -1)) + absf(ans)


def _logabsdet(a):
    """log|det A|; for complex A (complex step) its analytic continuation log(det A), on the
    branch that is real at real A."""
    sign, logabs = np.linalg.slogdet(a)
    if not np.iscomplexobj(a):
        return logabs
    return logabs + 1j * np.angle(sign * np.sign(np.real(np.linalg.det(a))))


defprim(
    "logabsdet", _logabsdet,
    # d log|det A| = tr(A⁻¹ dA) ;  Ā = C̄ A⁻ᵀ  (Giles 2008, 2.2.4 divided by det A), per matrix
    jvp=(lambda t, ans, a: ops.trace(ops.solve(a, t)),),
    vjp=(lambda ct, ans, a: ops.multiply(_per_matrix(ct), ops.matrix_transpose(ops.inv(a))),),
    flops=lambda ans, a: _cube(ans, a, factor=2 / 3), cite=GILES, uses=("primals",),
    magnitude=lambda tr, ans, vals, errs, params: _logdet_bound(ans, vals, errs),
    exact=mp_matrices(mp_log_abs_det),
    sym=sym_matrices(lambda a: sympy.log(sympy.Abs(a.det()))), examples=_SQUARE,
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


def _solve_bound(tr, ans, vals, errs, params):
    """|A⁻¹|·(E_B + (E_A + 3n u|A|)·|X|)."""
    ainv, da = lu_terms(vals[0], errs[0])
    return np.matmul(ainv, full(errs[1], vals[1]) + np.matmul(da, absf(ans)))


def _solve_jet(a, b):
    """A constant matrix makes solve linear in b; a traced one takes the derived rule."""
    if isinstance(a, J.Jet):
        from ..taylor_rules import derived_rule  # the jet interpreter, built over the table
        return derived_rule("solve")(a, b)
    g = np.linalg.solve(a, b.g.T).T if b.ndim == 1 else np.linalg.solve(a, b.g)
    return J.Jet(np.linalg.solve(a, b.v), g, np.linalg.solve(a, b.l))


defprim(
    "solve", np.linalg.solve,
    # dX = A⁻¹(dB − dA X) ;  B̄ = A⁻ᵀ C̄  (Giles 2008, 2.3.1)
    jvp=(_solve_jvp_a, _solve_jvp_b),
    vjp=(_solve_vjp_a, _solve_vjp_b),
    flops=lambda ans, a, b: _cube(ans, a, factor=2 / 3) + 2 * shape_of(a)[-1] * size_of(ans),
    cite=GILES, magnitude=_solve_bound, xp="linalg.solve", taylor=_solve_jet,
    exact=mp_matrices(mp_solve), sym=sym_matrices(sym_solve),
    examples=(example((3, 3), (3, 2), domain=("invertible",)),
              example((3, 3), (3,), domain=("invertible",)),
              example((2, 3, 3), (2, 3, 2), domain=("invertible",))),
)
