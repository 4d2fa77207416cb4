"""``xp.linalg`` beyond inv/det/solve, and ``xp.special`` (scipy.special names).

Factorizations run on three primitives (cholesky, eigh, expm); the rest are composites:
svd through the eigen-decomposition of AᵀA (distinct, nonzero singular values: the derivative
exists only there), qr through Cholesky-QR (full column rank, R with a positive diagonal, the
unique choice), pinv for full rank, solve_triangular as solve on the triangle. Composites
square the condition number in their values; their derivatives are those of the same
functions. Methods are ``la_<name>`` / ``sp_<name>``, bound into the sub-namespaces.
"""

from __future__ import annotations

import math
from collections import namedtuple

import mpmath
import numpy as np

from .errors import InputError
from .namespace_more import _shape

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


class LinalgNames:
    """Linear algebra and special functions; mixed into ``Namespace``."""

    def _mT(self, x):
        return self.matrix_transpose(x)

    def la_cholesky(self, x, upper=False):
        lower = self._q("cholesky")(x)
        return self._mT(lower) if upper else lower

    def la_eigh(self, x, UPLO="L"):  # noqa: N803  (numpy's parameter name)
        x = self._from_triangle(x, UPLO)
        packed = self._q("eigh_packed")(x)
        return EighResult(packed[..., 0, :], packed[..., 1:, :])

    def _from_triangle(self, x, uplo):
        """numpy's eigh reads one triangle (``UPLO``); the primitive reads the symmetric part
        (A + Aᵀ)/2, the same matrix for the symmetric inputs eigh is meant for, so ``UPLO``
        is accepted for numpy's signature and changes nothing."""
        return x

    def la_eigvalsh(self, x, UPLO="L"):  # noqa: N803
        return self.la_eigvalsh_full(self._from_triangle(x, UPLO))

    def la_eigvalsh_full(self, x):
        return self._q("eigh_packed")(x)[..., 0, :]

    def la_svd(self, x, full_matrices=True, compute_uv=True, hermitian=False):
        if not compute_uv:  # numpy's spelling of svdvals
            return self.la_svdvals(x)
        m, n = _shape(x)[-2:]
        if full_matrices and m != n:
            raise InputError("linalg.svd(full_matrices=True) of a non-square matrix has no "
                             "unique derivative (the completed basis is arbitrary); pass "
                             "full_matrices=False")
        if m < n:
            u, s, vh = self.la_svd(self._mT(x), full_matrices=False)
            return SVDResult(self._mT(vh), s, self._mT(u))
        w, v = self.la_eigh(self.matmul(self._mT(x), x))
        v, s = self.flip(v, axis=-1), self.flip(self.sqrt(w), axis=-1)  # descending
        u = self.divide(self.matmul(x, v), self.expand_dims(s, axis=-2))
        return SVDResult(u, s, self._mT(v))

    def la_svdvals(self, x):
        m, n = _shape(x)[-2:]
        gram = self.matmul(self._mT(x), x) if m >= n else self.matmul(x, self._mT(x))
        return self.flip(self.sqrt(self.la_eigvalsh(gram)), axis=-1)

    def la_qr(self, x, mode="reduced"):
        if mode == "r":  # numpy: R alone
            return self.la_qr(x).R
        m, n = _shape(x)[-2:]
        if m < n or (mode == "complete" and m != n):
            raise InputError("linalg.qr is differentiable here for full column rank (m >= n) "
                             "in mode='reduced'")
        r = self._mT(self.la_cholesky(self.matmul(self._mT(x), x)))
        q = self._mT(self._p["solve"](self._mT(r), self._mT(x)))
        return QRResult(q, r)

    def la_solve_triangular(self, a, b, lower=False, unit_diagonal=False, trans=0):
        tri = self.tril(a) if lower else self.triu(a)
        if unit_diagonal:
            n = _shape(a)[-1]
            tri = self.add(self.where(~np.eye(n, dtype=bool), tri, 0.0), self.eye(n))
        if trans in (1, "T"):
            tri = self._mT(tri)
        return self._p["solve"](tri, b)

    def la_pinv(self, x, rtol=None, rcond=None, hermitian=False):
        m, n = _shape(x)[-2:]
        if m >= n:
            return self._p["solve"](self.matmul(self._mT(x), x), self._mT(x))
        return self._mT(self._p["solve"](self.matmul(x, self._mT(x)), x))

    def la_matrix_power(self, x, n):
        n = int(n)
        if n < 0:
            x, n = self._p["inv"](x), -n
        if n == 0:
            return self.broadcast_to(self.eye(_shape(x)[-1]), _shape(x))
        out, base = None, x
        while n:
            if n & 1:
                out = base if out is None else self.matmul(out, base)
            n >>= 1
            if n:
                base = self.matmul(base, base)
        return out

    def la_matrix_norm(self, x, keepdims=False, ord="fro"):  # noqa: A002
        if ord == "fro":
            out = self.sqrt(self.sum(self.square(x), axis=(-2, -1)))
        elif ord == "nuc":
            out = self.sum(self.la_svdvals(x), axis=-1)
        elif ord in (2, -2):
            s = self.la_svdvals(x)
            out = s[..., 0] if ord == 2 else s[..., -1]
        elif ord in (1, -1, math.inf, -math.inf):
            axis = -2 if ord in (1, -1) else -1
            sums = self.sum(self.abs(x), axis=axis)
            out = self.max(sums, axis=-1) if ord > 0 else self.min(sums, axis=-1)
        else:
            raise InputError(f"matrix_norm: ord={ord!r} is not one of 'fro', 'nuc', 1, -1, 2, "
                             f"-2, inf, -inf")
        return self.reshape(out, _shape(out) + (1, 1)) if keepdims else out

    def vector_norm(self, x, axis=None, keepdims=False, ord=2):  # noqa: A002
        if ord == 2:  # gradient 0 at x = 0: the convention of the sqrt block
            return self.sqrt(self.sum(self.square(x), axis=axis, keepdims=keepdims))
        if ord == math.inf:
            return self.max(self.abs(x), axis=axis, keepdims=keepdims)
        if ord == -math.inf:
            return self.min(self.abs(x), axis=axis, keepdims=keepdims)
        if ord == 0:
            return self.count_nonzero(x, axis=axis, keepdims=keepdims).astype(float)
        if ord == 1:
            return self.sum(self.abs(x), axis=axis, keepdims=keepdims)
        p = float(ord)
        total = self.sum(self.pow(self.abs(x), p), axis=axis, keepdims=keepdims)
        return self.pow(total, 1.0 / p)

    def la_norm(self, x, ord=None, axis=None, keepdims=False):  # noqa: A002
        """numpy.linalg.norm: a vector norm, or a matrix norm over two axes."""
        nd = len(_shape(x))
        if axis is None and (nd == 1 or ord is None):
            return self.vector_norm(x, axis=None, keepdims=keepdims, ord=2 if ord is None
                                    else ord)
        if isinstance(axis, int) or (axis is None and nd == 1):
            return self.vector_norm(x, axis=axis, keepdims=keepdims, ord=2 if ord is None
                                    else ord)
        a, b = axis if axis is not None else (-2, -1)
        moved = self.moveaxis(x, (a, b), (-2, -1))
        return self.la_matrix_norm(moved, keepdims=False, ord="fro" if ord is None else ord)

    def la_matrix_rank(self, x, rtol=None):
        from .namespace_more import plain
        return np.linalg.matrix_rank(np.asarray(plain(x), dtype=float))

    def la_expm(self, x):
        return self._q("expm")(x)

    # -- special functions (scipy.special)
    def sp_ndtr(self, x):
        return self.multiply(0.5, self._q("erfc")(
            self.divide(self.negative(x), self.sqrt(self.asarray(2.0)))))

    def sp_logit(self, p):
        return self.log(self.divide(p, self.subtract(1.0, p)))

    def sp_log_expit(self, x):
        return self.negative(self.logaddexp(0.0, self.negative(x)))

    def sp_softplus(self, x):
        return self.logaddexp(0.0, x)

    def sp_logsumexp(self, a, axis=None, keepdims=False, b=None, return_sign=False):
        if return_sign:  # a positive sum for positive b: sign 1 (a constant)
            out = self.sp_logsumexp(a, axis=axis, keepdims=keepdims, b=b)
            return out, np.ones(_shape(out))
        shift = self._shift(a, axis)
        terms = self.exp(self.subtract(a, shift))
        if b is not None:
            terms = self.multiply(terms, b)
        out = self.add(self.log(self.sum(terms, axis=axis, keepdims=True)), shift)
        if keepdims:
            return out
        return self.squeeze(out, axis=axis) if axis is not None else self.reshape(out, ())

    def _shift(self, a, axis):
        """The maximum as a constant (the derivative of logsumexp does not depend on it);
        0 where values cannot be compared (sympy expressions, jets): no overflow to avoid."""
        try:
            v = np.asarray(self._choose(lambda v: v, a, "logsumexp"))
            if v.dtype.kind != "f" and not all(isinstance(e, mpmath.mpf) for e in v.flat):
                return 0.0
            m = np.max(v, axis=axis, keepdims=True)
        except Exception:  # noqa: BLE001  no comparable values: no shift
            return 0.0
        if m.dtype.kind == "f":
            m = np.where(np.isfinite(m), m, 0.0)
        return self._constant(m)

    def sp_softmax(self, x, axis=None):
        return self.exp(self.sp_log_softmax(x, axis=axis))

    def sp_log_softmax(self, x, axis=None):
        return self.subtract(x, self.sp_logsumexp(x, axis=axis, keepdims=True))

    def sp_digamma(self, x):
        return self._q("polygamma")(x, n=0)

    def sp_polygamma(self, n, x):
        orders = np.asarray(n)
        if orders.ndim == 0:
            return self._q("polygamma")(x, n=int(orders))
        # an array of orders: each order's function, chosen elementwise (orders broadcast)
        x = self.broadcast_to(x, np.broadcast_shapes(_shape(x), orders.shape))
        out = self.zeros_like(x)
        for k in np.unique(orders):
            out = self.where(np.broadcast_to(orders == k, _shape(x)),
                             self._q("polygamma")(x, n=int(k)), out)
        return out

    def sp_xlogy(self, x, y):
        # the convention 0·log 0 = 0 applies only where the log is infinite: at x = 0 and
        # y > 0 the value is 0 but the derivative in x is log y (a constant 0 would lose it)
        zero = self._choose(lambda v: v == 0, x, "xlogy") & \
            self._choose(lambda v: v == 0, y, "xlogy")
        if not np.any(zero):
            return self.multiply(x, self.log(y))
        return self.where(zero, 0.0, self.multiply(x, self.log(self.where(zero, 1.0, y))))

    def sp_xlog1py(self, x, y):
        zero = self._choose(lambda v: v == 0, x, "xlog1py") & \
            self._choose(lambda v: v == -1, y, "xlog1py")
        if not np.any(zero):
            return self.multiply(x, self.log1p(y))
        return self.where(zero, 0.0, self.multiply(x, self.log1p(self.where(zero, 0.0, y))))

    def sp_i0(self, x):
        return self._q("bessel_iv")(x, v=0)

    def sp_i1(self, x):
        return self._q("bessel_iv")(x, v=1)

    def sp_iv(self, v, x):
        return self._q("bessel_iv")(x, v=v)

    def i0(self, x):
        return self.sp_i0(x)

    def _bind_more(self, sub):
        """Add the linalg composites to ``xp.linalg`` and make ``xp.special``."""
        for n in LINALG:
            if n not in self.linalg.__dict__:
                setattr(self.linalg, n, getattr(self, "la_" + n, None) or getattr(self, n))
        self.special = sub(self, "special", self._special_names())

    def _special_names(self) -> dict:
        """The composite members of ``xp.special`` (records add theirs by name)."""
        names = {n: getattr(self, "sp_" + n) for n in SPECIAL if hasattr(self, "sp_" + n)}
        names.update(erf=lambda x: self.erf(x), psi=self.sp_digamma, sinc=self.sinc)
        return names


SPECIAL = {
    "erf": "erf", "psi": "polygamma", "ndtr": "erfc", "logit": "log+divide",
    "log_expit": "logaddexp", "softplus": "logaddexp", "logsumexp": "exp+sum+log",
    "softmax": "exp+logsumexp", "log_softmax": "logsumexp+subtract", "digamma": "polygamma",
    "polygamma": "polygamma", "xlogy": "multiply+log+where", "xlog1py": "multiply+log1p+where",
    "sinc": "sin+divide+where", "i0": "bessel_iv", "i1": "bessel_iv", "iv": "bessel_iv",
}
"""xp.special names -> the primitives they run on."""
LINALG = {
    "cholesky": "cholesky", "eigh": "eigh_packed", "eigvalsh": "eigh_packed",
    "svd": "eigh_packed+matmul+divide", "svdvals": "eigh_packed+sqrt", "qr": "cholesky+solve",
    "solve_triangular": "where+solve", "pinv": "solve+matmul", "matrix_power": "matmul (inv)",
    "matrix_norm": "sqrt+sum | svdvals | max", "norm": "vector_norm | matrix_norm",
    "matrix_rank": "(no derivative)", "expm": "expm", "tensordot": "einsum", "cross":
    "getitem+multiply+stack", "vecdot": "multiply+sum", "vector_norm": "sqrt+sum | pow | max",
}
"""xp.linalg names added here -> the primitives they run on."""
