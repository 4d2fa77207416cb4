"""Section "extra": derivatives of matrix factorizations and spectral functions.

Each closed form is the textbook result, evaluated by the exact oracle (mpmath's eigsy,
cholesky, expm at 50+ digits) and compared with every engine's derivative of the function.
Inputs are constructed where the derivative exists: symmetric matrices with eigenvalues about
2 apart (eigh), SPD matrices (cholesky), matrices with well-separated singular values (svd).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .record import define
from .strategies import build_matrix

SECTION = "extra"
COOKBOOK = "Petersen & Pedersen, The Matrix Cookbook (2012)"
MAGNUS = "Magnus & Neudecker, Matrix Differential Calculus (1999), ch. 8 thm 7"
MURRAY = "Murray 2016, Differentiation of the Cholesky decomposition, eq. 10"
MAX_DIM = 4

_n = sp.symbols("n", integer=True, positive=True)
_X = sp.MatrixSymbol("X", _n, _n)


def _statement(lhs, rhs):
    return sp.Eq(lhs, rhs, evaluate=False)


def _spread_symmetric(d):
    """Q diag(1, 3, 5, ...) Qᵀ with a little noise on the spectrum: gaps near 2."""
    n = d.integer(2, MAX_DIM)
    q = build_matrix(d, n, n, kind="orthogonal")
    w = 1.0 + 2.0 * np.arange(n) + 0.2 * d.reals((n,))
    return ((q * w) @ q.T,)


def _spd(d):
    n = d.integer(1, MAX_DIM)
    return (build_matrix(d, n, n, kind="spd") / n,)


def _separated(d):
    """U diag(s) Vᵀ with singular values about 1 apart (distinct and nonzero)."""
    m = d.integer(2, MAX_DIM)
    n = d.integer(2, m)
    u = build_matrix(d, m, m, kind="orthogonal")[:, :n]
    v = build_matrix(d, n, n, kind="orthogonal")
    s = 1.0 + np.arange(n)[::-1] + 0.2 * d.reals((n,))
    return ((u * s) @ v.T,)


def _with_weights(args):
    """The matrix and a weight matrix of its shape: ⟨W, L⟩ reads every entry of L."""
    x = args[0]
    return x, np.cos(np.arange(x.size, dtype=float)).reshape(x.shape)


def _invertible(d, max_dim=MAX_DIM):
    n = d.integer(1, max_dim)
    return (np.eye(n) * 2.0 + 0.5 * d.reals((n, n)),)


def _top_vector(xp, x):
    v = xp.linalg.eigh(x).eigenvectors
    return v[:, -1]


def _log_det_chol(xp, x):
    return 2.0 * xp.sum(xp.log(xp.linalg.diagonal(xp.linalg.cholesky(x))))


define(
    id="EX.logdet-cholesky", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="d log det X = tr(X⁻¹ dX), log det X = 2 Σ log diag(chol X)", citation=COOKBOOK
    + ", eq. 57", f=_log_det_chol, closed_form=lambda xp, x: xp.linalg.inv(x),
    inputs=_spd, statement=_statement(sp.Derivative(sp.log(sp.Determinant(_X)), _X),
                                      _X.inverse().T),
    analytic=False, tags=("cholesky",),
)
define(
    id="EX.logdet-slogdet", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="d log|det X| = tr(X⁻¹ dX) for a general invertible X", citation=COOKBOOK + ", eq. 57",
    f=lambda xp, x: xp.linalg.slogdet(x).logabsdet,
    closed_form=lambda xp, x: xp.matrix_transpose(xp.linalg.inv(x)), inputs=_invertible,
    statement=_statement(sp.Derivative(sp.log(sp.Determinant(_X)), _X), _X.inverse().T),
    tags=("det",),
)
define(
    id="EX.eigenvalue-gradient", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="dλ_max = v_maxᵀ dX v_max (symmetric X, distinct eigenvalues)", citation=MAGNUS,
    f=lambda xp, x: xp.linalg.eigvalsh(x)[-1],
    closed_form=lambda xp, x: xp.outer(_top_vector(xp, x), _top_vector(xp, x)),
    inputs=_spread_symmetric, analytic=False, tags=("eigh",),
)
define(
    id="EX.eigenvalue-sum", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="d Σλ_i = tr(dX): the gradient of the eigenvalue sum is I", citation=MAGNUS,
    f=lambda xp, x: xp.sum(xp.linalg.eigvalsh(x)),
    closed_form=lambda xp, x: xp.eye(x.shape[0]), inputs=_spread_symmetric, analytic=False,
    tags=("eigh",),
)
define(
    id="EX.eigenvector-jacobian", section=SECTION, kind="jacobian", wrt=0, arg_names=("X",),
    title="dv_i = Σ_{j≠i} v_j (v_jᵀ dX v_i)/(λ_i − λ_j) (symmetric perturbations)",
    citation=MAGNUS, f=_top_vector, closed_form=lambda xp, x: _eigvec_jacobian(xp, x),
    inputs=_spread_symmetric, analytic=False, tags=("eigh",),
)


def _eigvec_jacobian(xp, x):
    """J[a, b, c] = ∂v_max[a]/∂X[b, c] for the symmetrized input (X + Xᵀ)/2."""
    w, v = xp.linalg.eigh(x)
    n = x.shape[0]
    top = v[:, n - 1]
    total = None
    for j in range(n - 1):
        vj = v[:, j]
        coef = 1.0 / (w[n - 1] - w[j])
        sym = 0.5 * (xp.outer(vj, top) + xp.outer(top, vj))  # d(vⱼᵀ X v_top)/dX, symmetrized
        term = coef * xp.reshape(vj, (n, 1, 1)) * xp.reshape(sym, (1, n, n))
        total = term if total is None else total + term
    return total


define(
    id="EX.singular-value-gradient", section=SECTION, kind="gradient", wrt=0,
    arg_names=("X",), title="dσ_max = u_maxᵀ dX v_max (distinct singular values)",
    citation=COOKBOOK + ", sec. 2.8 (derivatives of singular values)",
    f=lambda xp, x: xp.linalg.svdvals(x)[0],
    closed_form=lambda xp, x: _top_singular_pair(xp, x), inputs=_separated, analytic=False,
    tags=("svd",),
)


def _top_singular_pair(xp, x):
    u, s, vh = xp.linalg.svd(x, full_matrices=False)
    return xp.outer(u[:, 0], vh[0, :])


define(
    id="EX.nuclear-norm-gradient", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="d‖X‖_* = tr(U Vᵀ ᵀ dX): the gradient of the nuclear norm is U Vᵀ (full rank)",
    citation=COOKBOOK + ", sec. 2.8", f=lambda xp, x: xp.linalg.matrix_norm(x, ord="nuc"),
    closed_form=lambda xp, x: _polar(xp, x), inputs=_separated, analytic=False,
    tags=("svd",),
)


def _polar(xp, x):
    u, s, vh = xp.linalg.svd(x, full_matrices=False)
    return u @ vh


define(
    id="EX.cholesky-adjoint", section=SECTION, kind="gradient", wrt=0, arg_names=("X", "W"),
    title="⟨W, dL⟩ = ⟨sym(L⁻ᵀ Φ(Lᵀ W) L⁻¹), dX⟩ for L = chol(X)", citation=MURRAY,
    f=lambda xp, x, w: xp.sum(w * xp.linalg.cholesky(x)),
    closed_form=lambda xp, x, w: _chol_adjoint(xp, x, w),
    inputs=lambda d: _with_weights(_spd(d)), analytic=False, tags=("cholesky",),
)


def _chol_adjoint(xp, x, w):
    n = x.shape[0]
    lo = xp.linalg.cholesky(x)
    li = xp.linalg.inv(lo)
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    inner = (xp.matrix_transpose(lo) @ w) * xp.asarray(phi)
    g = xp.matrix_transpose(li) @ inner @ li
    return 0.5 * (g + xp.matrix_transpose(g))


define(
    id="EX.expm-trace", section=SECTION, kind="gradient", wrt=0, arg_names=("X",),
    title="d tr(exp X) = tr(exp(X) dX): the gradient is exp(X)ᵀ",
    citation="Najfeld & Havel 1995; Higham, Functions of Matrices (2008), thm 3.6",
    f=lambda xp, x: xp.trace(xp.linalg.expm(x)),
    closed_form=lambda xp, x: xp.matrix_transpose(xp.linalg.expm(x)),
    inputs=lambda d: _invertible(d, 3),  # 3x3 at most: every expm call is a Padé of 2n x 2n
    analytic=False, tags=("expm",),
)
