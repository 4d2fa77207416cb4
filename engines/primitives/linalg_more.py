"""Matrix factorizations and the matrix exponential, on stacks of matrices.

cholesky and eigh read the symmetric part (A + Aᵀ)/2 of their argument, so their derivative is
defined for every perturbation (numpy reads one triangle only, which no other engine can mirror).
Rules: Murray 2016, "Differentiation of the Cholesky decomposition", eqs. 8 and 10 (dL = L Φ(L⁻¹
dA L⁻ᵀ)); Magnus & Neudecker 1999, ch. 8 thm 7 (dλ_i = v_iᵀ dA v_i, dv_i = Σ_{j≠i} v_j v_jᵀ dA
v_i / (λ_i − λ_j)); Najfeld & Havel 1995 (the Fréchet derivative of expm is a block of the
exponential of [[A, E], [0, A]]). Every rule is written with ``ops``, so each order and nesting
differentiates the rule itself.
"""

from __future__ import annotations

import mpmath
import numpy as np

from ..core import defprim, example, ops, primal
from ..errors import NearlyDegenerate
from ..lazy import lazy
from ._bounds import LU_FACTOR, full
from ._highprec import mp_expm
from ._util import shape_of

sympy, scipy_linalg = lazy("sympy"), lazy("scipy.linalg")  # imported on first call

MURRAY = "Murray 2016, Differentiation of the Cholesky decomposition, eqs. 8-10"
MAGNUS = "Magnus & Neudecker 1999, Matrix Differential Calculus, ch. 8 thm 7"
NAJFELD = "Najfeld & Havel 1995, Derivatives of the matrix exponential (block formula)"
GAP = 1e-6  # relative eigenvalue gap under which the eigenvector derivative is not trusted


def _mT(x):
    return ops.matrix_transpose(x)


def _sym(x):
    return ops.multiply(0.5, ops.add(x, _mT(x)))


def _sym_impl(a):
    a = np.asarray(a)
    return (a + np.swapaxes(a, -1, -2)) / 2


# ----------------------------------------------------------------------------- cholesky

def _phi(n):
    """The mask Φ: the lower triangle with the diagonal halved."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _chol_jvp(t, ans, a):
    li = ops.inv(ans)
    p = ops.matmul(ops.matmul(li, _sym(t)), _mT(li))
    return ops.matmul(ans, ops.multiply(p, _phi(shape_of(a)[-1])))


def _chol_vjp(ct, ans, a):
    li = ops.inv(ans)
    inner = ops.multiply(ops.matmul(_mT(ans), ct), _phi(shape_of(a)[-1]))
    return _sym(ops.matmul(ops.matmul(_mT(li), inner), li))


def _spd(rng, shape):
    b = rng.standard_normal(shape)
    return b @ np.swapaxes(b, -1, -2) / shape[-1] + 2.0 * np.eye(shape[-1])


def _spread_spectrum(rng, shape):
    """Symmetric, eigenvalues about 2 apart: far from the degenerate points."""
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = 1.0 + 2.0 * np.arange(shape[-1]) + 0.1 * rng.standard_normal(shape[:-1])
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


defprim("cholesky", lambda a: np.linalg.cholesky(_sym_impl(a)), jvp=(_chol_jvp,),
        vjp=(_chol_vjp,), flops=lambda ans, a: shape_of(a)[-1] ** 3 // 3, cite=MURRAY,
        uses=("ans",), xp=(), exact=lambda a: _exact_cholesky(a),
        analytic=False,  # numpy reads complex input as Hermitian: no complex step
        magnitude=lambda *a: _chol_bound(*a),
        sym=lambda a: _sympy_cholesky(a),
        examples=(example((3, 3), domain=(_spd,)), example((2, 3, 3), domain=(_spd,))))

# ----------------------------------------------------------------------------- eigh

def _signed(v):
    """Eigen/singular vectors with their largest-magnitude entry positive (a unique choice)."""
    idx = np.argmax(np.abs(v), axis=-2)[..., None, :]
    s = np.sign(np.take_along_axis(v, idx, axis=-2))
    return v * np.where(s == 0, 1, s)


def _eigh_impl(a):
    """Eigenvalues (row 0, ascending) above the eigenvectors (columns): shape (..., n+1, n)."""
    w, v = np.linalg.eigh(_sym_impl(a))
    return np.concatenate([w[..., None, :], _signed(v)], axis=-2)


def _gaps(ans):
    """F with F_ij = 1/(λ_j − λ_i) off the diagonal, 0 on it; refuses a near-degenerate one."""
    w = ops.getitem(ans, index=(Ellipsis, 0, slice(None)))
    n = shape_of(w)[-1]
    lead = shape_of(w)[:-1]
    d = ops.subtract(ops.reshape(w, shape=lead + (1, n)), ops.reshape(w, shape=lead + (n, 1)))
    dv = np.asarray(primal(d), dtype=float)
    off = ~np.eye(n, dtype=bool)
    scale = max(1.0, float(np.max(np.abs(np.asarray(primal(w), dtype=float)), initial=0)))
    gap = float(np.min(np.abs(dv[..., off]), initial=np.inf)) / scale
    if gap < GAP:
        raise NearlyDegenerate("eigh", gap, GAP)
    return ops.divide(1.0 - np.eye(n), ops.add(d, np.eye(n)))


def _eigh_parts(ans):
    return ops.getitem(ans, index=(Ellipsis, slice(1, None), slice(None)))


def _eigh_jvp(t, ans, a):
    v = _eigh_parts(ans)
    p = ops.matmul(ops.matmul(_mT(v), _sym(t)), v)
    n = shape_of(a)[-1]
    dw = ops.sum(ops.multiply(p, np.eye(n)), axis=-1, keepdims=True)
    dv = ops.matmul(v, ops.multiply(_gaps(ans), p))
    return ops.concat(ops.matrix_transpose(dw), dv, axis=-2)


def _eigh_vjp(ct, ans, a):
    v = _eigh_parts(ans)
    n = shape_of(a)[-1]
    cw = ops.getitem(ct, index=(Ellipsis, slice(0, 1), slice(None)))
    cv = ops.getitem(ct, index=(Ellipsis, slice(1, None), slice(None)))
    inner = ops.add(ops.multiply(cw, np.eye(n)),
                    ops.multiply(_gaps(ans), ops.matmul(_mT(v), cv)))
    return _sym(ops.matmul(ops.matmul(v, inner), _mT(v)))


defprim("eigh_packed", _eigh_impl, jvp=(_eigh_jvp,), vjp=(_eigh_vjp,),
        flops=lambda ans, a: 9 * shape_of(a)[-1] ** 3, cite=MAGNUS, uses=("ans",),
        analytic=False,  # numpy's eigh reads complex input as Hermitian, not symmetric
        sym=False,  # sympy has no eigenvectors of a symbolic matrix in closed form here
        exact=lambda a: _per_matrix(_exact_eigh)(a), magnitude=lambda *a: _eigh_bound(*a),
        examples=(example((3, 3), domain=(_spread_spectrum,)),
                  example((2, 3, 3), domain=(_spread_spectrum,))))

# ----------------------------------------------------------------------------- expm

def _expm_impl(a):
    a = np.asarray(a)  # complex input stays complex: expm is analytic (complex step)
    if a.ndim == 2:
        return scipy_linalg.expm(a)
    return np.stack([_expm_impl(m) for m in a]) if len(a) else np.zeros(a.shape)


def _frechet(a, e):
    """L(A, E) = the upper-right block of expm([[A, E], [0, A]])."""
    n = shape_of(a)[-1]
    zero = np.zeros(shape_of(a))
    top = ops.concat(a, e, axis=-1)
    bottom = ops.concat(zero, a, axis=-1)
    big = ops.expm(ops.concat(top, bottom, axis=-2))
    return ops.getitem(big, index=(Ellipsis, slice(0, n), slice(n, 2 * n)))


defprim("expm", _expm_impl,
        jvp=(lambda t, ans, a: _frechet(a, t),),
        vjp=(lambda ct, ans, a: _frechet(_mT(a), ct),),
        flops=lambda ans, a: 30 * shape_of(a)[-1] ** 3, cite=NAJFELD, uses=("primals",),
        exact=lambda a: _per_matrix(mp_expm)(a),  # FLINT's balls where installed
        magnitude=lambda *a: _expm_bound(*a),
        examples=(example((3, 3), domain=("invertible",)),
                  example((2, 2, 2), domain=("invertible",))))

# ----------------------------------------------------------------------------- exact, sympy

def _per_matrix(fn):
    """Apply ``fn`` (mpmath.matrix -> object array) over the leading batch axes."""
    def run(a):
        a = np.asarray(a, dtype=object)
        if a.ndim == 2:
            return fn(mpmath.matrix(a.tolist()))
        return np.stack([run(m) for m in a])
    return run


def _obj(m) -> np.ndarray:
    return np.array(m.tolist(), dtype=object)


def _exact_sym(m):
    return (m + m.T) / 2


def _exact_eigh(m):
    w, q = mpmath.eigsy(_exact_sym(m))
    order = sorted(range(len(w)), key=lambda i: w[i])
    w = np.array([w[i] for i in order], dtype=object)
    q = _obj(q)[:, order]
    return np.concatenate([w[None, :], _signed_exact(q)], axis=0)


def _signed_exact(q):
    out = q.copy()
    for j in range(q.shape[1]):
        col = list(q[:, j])
        big = max(range(len(col)), key=lambda i: abs(col[i]))
        if col[big] < 0:
            out[:, j] = -q[:, j]
    return out


def _exact_cholesky(a):
    return _per_matrix(lambda m: _obj(mpmath.cholesky(_exact_sym(m))))(a)


def _sympy_cholesky(a):
    a = np.asarray(a, dtype=object)
    if a.ndim > 2:
        return np.stack([_sympy_cholesky(m) for m in a])
    m = sympy.Matrix(a.tolist())
    return np.array(((m + m.T) / 2).cholesky(hermitian=False).tolist(), dtype=object)



# ----------------------------------------------------------------------------- rounding bounds
# Backward-stable factorizations (Higham 2002, thms 10.3 and 10.5 for Cholesky; Golub & Van
# Loan 2013, sec. 8.3.4 for the symmetric QR algorithm): the computed result is exact for
# A + ΔA with |ΔA| ≲ c·n·u·|A|; we charge c = 3 as for LU (the _bounds convention), then
# carry input and backward errors to the output through the first-order perturbation bound.

def _fro(x):
    return np.sqrt(np.sum(np.square(np.asarray(x, dtype=float)), axis=(-2, -1)))


def _chol_bound(tr, ans, vals, errs, params):
    a = np.asarray(vals[0], dtype=float)
    n = a.shape[-1]
    lo = np.abs(np.asarray(ans, dtype=float))
    li = np.abs(np.linalg.inv(np.asarray(ans, dtype=float)))
    e = full(errs[0], a)
    e = (e + np.swapaxes(e, -1, -2)) / 2 + LU_FACTOR * (n + 1) * lo @ np.swapaxes(lo, -1, -2)
    # Φ's halved diagonal is dropped: the bound stays first-order valid with margin for the
    # second-order terms of a perturbation as large as the errors themselves
    return lo @ (np.tril(np.ones((n, n))) * (li @ e @ np.swapaxes(li, -1, -2)))


def _eigh_bound(tr, ans, vals, errs, params):
    a = np.asarray(vals[0], dtype=float)
    n = a.shape[-1]
    size = _fro(full(errs[0], a)) + LU_FACTOR * n * _fro(a)  # ‖ΔA‖ ≥ ‖sym ΔA‖, in u
    w = np.asarray(ans, dtype=float)[..., 0, :]
    gap = np.abs(w[..., :, None] - w[..., None, :]) + np.diag(np.full(n, np.inf))
    per_vector = size[..., None] / np.min(gap, axis=-2)  # Davis–Kahan: ‖dv_i‖ ≤ ‖ΔA‖/gap_i
    rows = np.broadcast_to(per_vector[..., None, :], a.shape)
    return np.concatenate([np.broadcast_to(size[..., None, None], w[..., None, :].shape),
                           rows], axis=-2)


def _expm_bound(tr, ans, vals, errs, params):
    """‖L(A, ΔA)‖ ≤ e^‖A‖ ‖ΔA‖ (Higham 2008, thm 3.6 and eq. 3.5), ΔA: carried + backward.

    The rounding part is charged once per matrix operation of the scaling-and-squaring method:
    the [13/13] Padé approximant takes 6 matrix products and one solve (Higham 2005, section 2),
    and the result is squared s = ⌈log2(‖A‖₁/θ₁₃)⌉ times (θ₁₃ ≈ 5.37, Al-Mohy & Higham 2009),
    each step adding an n·u·‖·‖ rounding term of its own."""
    a = np.asarray(vals[0], dtype=float)
    n = a.shape[-1]
    norm1 = np.max(np.sum(np.abs(a), axis=-2), axis=-1)
    squarings = np.maximum(0.0, np.ceil(np.log2(np.maximum(norm1, 1e-300) / 5.37)))
    size = np.exp(_fro(a)) * (_fro(full(errs[0], a))
                              + (7.0 + squarings) * LU_FACTOR * n * (_fro(a) + 1.0))
    return np.broadcast_to(size[..., None, None], a.shape)

