"""Shape, indexing, products, linalg and special-function cases (see ``numpy_cases``)."""

from __future__ import annotations

import numpy as np

from .numpy_cases import (
    RNG,
    add,
    add_raw,
    away,
    distinct,
    inside,
    normal,
    positive,
    spd,
    spread_sym,
    tall,
    wellcond,
)

# ---------------------------------------------------------------- shapes and indexing
_X = normal(2, 3, 4)
_SHAPE = {
    "reshape": lambda xp, x: xp.reshape(x, (4, 6)),
    "reshape[-1]": lambda xp, x: xp.reshape(x, (-1, 4)),
    "method.reshape": lambda xp, x: x.reshape(6, 4),
    "transpose": lambda xp, x: xp.transpose(x),
    "transpose[axes]": lambda xp, x: xp.transpose(x, (1, 2, 0)),
    "permute_dims": lambda xp, x: xp.permute_dims(x, (2, 0, 1)),
    "swapaxes": lambda xp, x: xp.swapaxes(x, 0, 2),
    "moveaxis": lambda xp, x: xp.moveaxis(x, 0, -1),
    "matrix_transpose": lambda xp, x: xp.matrix_transpose(x),
    "method.T": lambda xp, x: x.T,
    "expand_dims": lambda xp, x: xp.expand_dims(x, axis=1),
    "squeeze": lambda xp, x: xp.squeeze(xp.expand_dims(x, axis=0), axis=0),
    "ravel": lambda xp, x: xp.ravel(x),
    "flip": lambda xp, x: xp.flip(x),
    "flip[axis=1]": lambda xp, x: xp.flip(x, axis=1),
    "roll": lambda xp, x: xp.roll(x, 2),
    "roll[axis=-1]": lambda xp, x: xp.roll(x, -1, axis=-1),
    "tile": lambda xp, x: xp.tile(x, (2, 1, 1)),
    "repeat": lambda xp, x: xp.repeat(x, 2, axis=1),
    "repeat[flat]": lambda xp, x: xp.repeat(x, 2),
    "broadcast_to": lambda xp, x: xp.broadcast_to(x, (5, 2, 3, 4)),
    "index[int]": lambda xp, x: x[1],
    "index[slices]": lambda xp, x: x[:, 1:, ::2],
    "index[ellipsis]": lambda xp, x: x[..., -1],
    "index[newaxis]": lambda xp, x: x[None, 0, :, None],
    "index[fancy]": lambda xp, x: x[:, [0, 2, 2]],
    "index[mask]": lambda xp, x: x[x > 0],
    "index[negative step]": lambda xp, x: x[::-1, :, 1:3],
    "take": lambda xp, x: xp.take(x, np.array([3, 0, 0]), axis=2),
    "take_along_axis": lambda xp, x: xp.take_along_axis(x, np.argsort(x, axis=-1), axis=-1),
    "sort": lambda xp, x: xp.sort(x),
    "sort[axis=0]": lambda xp, x: xp.sort(x, axis=0),
    "split": lambda xp, x: xp.split(x, 2, axis=2)[1],
    "split[indices]": lambda xp, x: xp.split(x, [1], axis=1)[1],
    "unstack": lambda xp, x: xp.unstack(x, axis=1)[2],
    "pad": lambda xp, x: xp.pad(x, ((0, 0), (1, 2), (0, 1))),
    "pad[constant_values]": lambda xp, x: xp.pad(x, 1, constant_values=2.0),
    "atleast_2d": lambda xp, x: xp.atleast_2d(x[0, 0]),
}
for _name, _g in _SHAPE.items():
    _draw = distinct if "sort" in _name or "take_along" in _name else (lambda *s: _X)
    if "mask" in _name:  # |x| >= 1: no finite-difference step reaches the mask's edge
        def _draw(*s):
            return RNG.uniform(1.0, 2.0, s) * RNG.choice([-1.0, 1.0], s)
    add(_name, _g, _draw(2, 3, 4))
_M = normal(4, 4)
for _k in (0, 1, -2):
    add(f"tril[k={_k}]", lambda xp, x, k=_k: xp.tril(x, k=k), _M)
    add(f"triu[k={_k}]", lambda xp, x, k=_k: xp.triu(x, k=k), _M)
    add(f"trace[offset={_k}]", lambda xp, x, k=_k: xp.trace(x, offset=k), _M)
    add(f"diagonal[offset={_k}]", lambda xp, x, k=_k: xp.diagonal(x, offset=k), _M)
    add(f"diag[k={_k}]", lambda xp, x, k=_k: xp.diag(x, k=k), _M)
add("diag[vector]", lambda xp, x: xp.diag(x), normal(3))
add("trace[stacked,linalg]", lambda xp, x: xp.linalg.trace(x), normal(2, 3, 3))
add("linalg.diagonal[stacked]", lambda xp, x: xp.linalg.diagonal(x, offset=1), normal(2, 3, 3))
add("diagonal[axis1=1,axis2=2]", lambda xp, x: xp.diagonal(x, 0, 1, 2), normal(2, 3, 3))

for _name, _g in {
    "concat": lambda xp, a, b: xp.concat([a, b, a]),
    "concat[axis=1]": lambda xp, a, b: xp.concat([a, b], axis=1),
    "stack": lambda xp, a, b: xp.stack([a, b]),
    "stack[axis=-1]": lambda xp, a, b: xp.stack([a, b], axis=-1),
    "hstack": lambda xp, a, b: xp.hstack([a, b]),
    "vstack": lambda xp, a, b: xp.vstack([a, b]),
    "column_stack": lambda xp, a, b: xp.column_stack([a, b]),
    "asarray[list of traced]": lambda xp, a, b: xp.asarray([a[0], b[1], a[2]]),
    "meshgrid": lambda xp, a, b: xp.meshgrid(a[0], b[1])[0] * xp.meshgrid(a[0], b[1])[1],
    "broadcast_arrays": lambda xp, a, b: xp.broadcast_arrays(a, b[0])[1] * a,
}.items():
    add(_name, _g, normal(3, 2), normal(3, 2), wrt=(0, 1))

# ---------------------------------------------------------------- products
_PRODUCTS = {
    "matmul": (lambda xp, a, b: xp.matmul(a, b), (3, 4), (4, 2)),
    "matmul[stacked]": (lambda xp, a, b: a @ b, (2, 3, 4), (2, 4, 2)),
    "matmul[broadcast batch]": (lambda xp, a, b: a @ b, (2, 1, 3, 4), (3, 4, 2)),
    "matmul[vec@mat]": (lambda xp, a, b: a @ b, (4,), (4, 3)),
    "dot": (lambda xp, a, b: xp.dot(a, b), (3, 4), (4,)),
    "dot[vec]": (lambda xp, a, b: xp.dot(a, b), (4,), (4,)),
    "inner": (lambda xp, a, b: xp.inner(a, b), (2, 4), (3, 4)),
    "outer": (lambda xp, a, b: xp.outer(a, b), (3,), (4,)),
    "vdot": (lambda xp, a, b: xp.vdot(a, b), (2, 3), (2, 3)),
    "vecdot": (lambda xp, a, b: xp.vecdot(a, b), (3, 4), (4,)),
    "kron": (lambda xp, a, b: xp.kron(a, b), (2, 2), (2, 3)),
    "cross": (lambda xp, a, b: xp.cross(a, b), (4, 3), (3,)),
    "linalg.cross": (lambda xp, a, b: xp.linalg.cross(a, b), (2, 3), (2, 3)),
    "tensordot[axes=1]": (lambda xp, a, b: xp.tensordot(a, b, axes=1), (2, 3), (3, 4)),
    "tensordot[axes=2]": (lambda xp, a, b: xp.tensordot(a, b), (2, 3, 4), (3, 4)),
    "tensordot[pairs]": (lambda xp, a, b: xp.tensordot(a, b, axes=([0, 2], [1, 0])),
                         (2, 3, 4), (4, 2)),
    "linalg.tensordot": (lambda xp, a, b: xp.linalg.tensordot(a, b, axes=1), (3,), (3, 2)),
    "einsum[ij,jk->ik]": (lambda xp, a, b: xp.einsum("ij,jk->ik", a, b), (3, 4), (4, 2)),
    "einsum[implicit]": (lambda xp, a, b: xp.einsum("ij,jk", a, b), (3, 4), (4, 2)),
    "einsum[bij,bjk->bik]": (lambda xp, a, b: xp.einsum("bij,bjk->bik", a, b), (2, 3, 4),
                             (2, 4, 3)),
    "einsum[i,i->]": (lambda xp, a, b: xp.einsum("i,i->", a, b), (4,), (4,)),
    "einsum[ij,ij->i]": (lambda xp, a, b: xp.einsum("ij,ij->i", a, b), (3, 4), (3, 4)),
    "einsum[ellipsis]": (lambda xp, a, b: xp.einsum("...ij,...jk->...ik", a, b), (2, 3, 4),
                         (4, 2)),
    "einsum[ij,kl->ijkl]": (lambda xp, a, b: xp.einsum("ij,kl->ijkl", a, b), (2, 2), (3, 2)),
}
for _name, (_g, _sa, _sb) in _PRODUCTS.items():
    add(_name, _g, normal(*_sa), normal(*_sb), wrt=(0, 1))
add("einsum[ii->]", lambda xp, a: xp.einsum("ii->", a), normal(3, 3))
add("einsum[ii->i]", lambda xp, a: xp.einsum("ii->i", a), normal(3, 3))
add("einsum[ij->ji]", lambda xp, a: xp.einsum("ij->ji", a), normal(3, 2))
add("einsum[ijk->]", lambda xp, a: xp.einsum("ijk->", a), normal(2, 3, 2))
add("einsum[three operands]", lambda xp, a, b, c: xp.einsum("i,ij,j->", a, b, c), normal(3),
    normal(3, 4), normal(4), wrt=(0, 1, 2))
add("matmul[hessian]", lambda xp, a: a @ a @ a, normal(3, 3), kind="hessian")

# ---------------------------------------------------------------- linalg
for _tag, _shape in {"": (3, 3), "[stacked]": (2, 3, 3)}.items():
    add("linalg.inv" + _tag, lambda xp, a: xp.linalg.inv(a), wellcond(*_shape))
    add("linalg.det" + _tag, lambda xp, a: xp.linalg.det(a), wellcond(*_shape))
    add("linalg.slogdet" + _tag, lambda xp, a: xp.linalg.slogdet(a)[1], wellcond(*_shape))
    add("linalg.slogdet.logabsdet" + _tag, lambda xp, a: xp.linalg.slogdet(a).logabsdet,
        wellcond(*_shape))
    add("linalg.cholesky" + _tag, lambda xp, a: xp.linalg.cholesky(a), spd(*_shape))
    add("linalg.cholesky[upper]" + _tag, lambda xp, a: xp.linalg.cholesky(a, upper=True),
        spd(*_shape))
    add("linalg.eigh.eigenvalues" + _tag, lambda xp, a: xp.linalg.eigh(a)[0],
        spread_sym(*_shape))
    add("linalg.eigh.eigenvectors" + _tag, lambda xp, a: xp.linalg.eigh(a)[1] ** 2,
        spread_sym(*_shape))
    add("linalg.eigvalsh" + _tag, lambda xp, a: xp.linalg.eigvalsh(a), spread_sym(*_shape))
    add("linalg.matrix_power[3]" + _tag, lambda xp, a: xp.linalg.matrix_power(a, 3),
        normal(*_shape))
    add("linalg.matrix_power[-2]" + _tag, lambda xp, a: xp.linalg.matrix_power(a, -2),
        wellcond(*_shape))
    add("linalg.expm" + _tag, lambda xp, a: xp.linalg.expm(a), 0.5 * normal(*_shape))
add("linalg.solve[vector b]", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(3, 3),
    normal(3), wrt=(0, 1))
add("linalg.solve[matrix b]", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(3, 3),
    normal(3, 2), wrt=(0, 1))
add("linalg.solve[stacked]", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(2, 3, 3),
    normal(2, 3, 2), wrt=(0, 1))
add("linalg.solve[broadcast a]", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(3, 3),
    normal(4, 3, 2), wrt=(0, 1))
for _lower in (True, False):
    add(f"linalg.solve_triangular[lower={_lower}]",
        lambda xp, a, b, lo=_lower: xp.linalg.solve_triangular(a, b, lower=lo),
        wellcond(3, 3), normal(3, 2), wrt=(0, 1))
for _tag, _shape in {"[square]": (3, 3), "[tall]": (4, 3), "[wide]": (3, 4),
                     "[stacked]": (2, 4, 3)}.items():
    _a = tall(*_shape) if _shape[-2] >= _shape[-1] else np.swapaxes(tall(3, 4, 3)[0], 0, 1)
    add("linalg.svd.S" + _tag, lambda xp, a: xp.linalg.svd(a, full_matrices=False)[1], _a)
    add("linalg.svdvals" + _tag, lambda xp, a: xp.linalg.svdvals(a), _a)
    add("linalg.svd.U*Vh" + _tag,
        lambda xp, a: xp.linalg.svd(a, full_matrices=False)[0][..., :, :1]
        * xp.linalg.svd(a, full_matrices=False)[2][..., :1, :], _a)
    if _shape[-2] >= _shape[-1]:  # reduced QR of full column rank
        add("linalg.qr.R" + _tag, lambda xp, a: xp.linalg.qr(a)[1], _a)
        add("linalg.qr.Q" + _tag, lambda xp, a: xp.linalg.qr(a).Q, _a)
    add("linalg.pinv" + _tag, lambda xp, a: xp.linalg.pinv(a), _a)
add("linalg.inv[hessian]", lambda xp, a: xp.linalg.inv(a), wellcond(3, 3), kind="hessian")
add("linalg.det[hessian]", lambda xp, a: xp.linalg.det(a), wellcond(3, 3), kind="hessian")
add("linalg.slogdet[hessian]", lambda xp, a: xp.linalg.slogdet(a)[1], wellcond(3, 3),
    kind="hessian")
add("linalg.cholesky[hessian]", lambda xp, a: xp.linalg.cholesky(a), spd(3, 3),
    kind="hessian")
add("linalg.eigh[hessian]", lambda xp, a: xp.linalg.eigh(a)[0], spread_sym(3, 3),
    kind="hessian")
add("logdet via cholesky", lambda xp, a: 2 * xp.sum(xp.log(xp.diagonal(xp.linalg.cholesky(a)))),
    spd(4, 4))
add("quadratic form solve", lambda xp, a, x: x @ xp.linalg.solve(a, x), spd(3, 3), normal(3),
    wrt=(0, 1))

# ---------------------------------------------------------------- scipy.special
_SPECIAL = {
    "erf": normal, "erfc": normal, "erfinv": inside, "expit": normal,
    "logit": lambda *s: positive(*s, lo=0.1, hi=0.9), "log_expit": normal,
    "softplus": normal, "gammaln": lambda *s: positive(*s, lo=0.5, hi=4.0),
    "digamma": lambda *s: positive(*s, lo=0.5, hi=4.0), "psi": positive, "ndtr": normal,
    "log_ndtr": lambda *s: 3 * normal(*s), "ndtri": lambda *s: positive(*s, lo=0.1, hi=0.9),
    "sinc": away, "i0": normal, "i1": normal,
}
for _name, _draw in _SPECIAL.items():
    add(f"special.{_name}", lambda xp, x, n=_name: getattr(xp.special, n)(x), _draw(3, 2))
for _n in (0, 1, 2):
    add(f"special.polygamma[n={_n}]", lambda xp, x, n=_n: xp.special.polygamma(n, x),
        positive(4, lo=0.5, hi=3.0))
add("special.iv[v=2]", lambda xp, x: xp.special.iv(2.0, x), positive(4))
add("special.log_ndtr[tail]", lambda xp, x: xp.special.log_ndtr(x), np.array([-12.0, -6.0, 5.0]))
add("special.expit[far]", lambda xp, x: xp.special.expit(x), np.array([-30.0, 25.0]))
add("erf (top level)", lambda xp, x: xp.erf(x), normal(4))
add("i0 (top level)", lambda xp, x: xp.i0(x), normal(4))
for _name in ("erf", "expit", "gammaln", "ndtr", "log_ndtr"):
    add(f"special.{_name}[hessian]", lambda xp, x, n=_name: getattr(xp.special, n)(x),
        positive(3), kind="hessian")

# ---------------------------------------------------------------- domains users combine
add("black-scholes call", lambda xp, s, k, t, v: s * xp.special.ndtr(
    (xp.log(s / k) + 0.5 * v * v * t) / (v * xp.sqrt(t))) - k * xp.special.ndtr(
    (xp.log(s / k) - 0.5 * v * v * t) / (v * xp.sqrt(t))), positive(3, lo=80, hi=120),
    np.asarray(100.0), positive(3, lo=0.2, hi=2.0), positive(3, lo=0.1, hi=0.5),
    wrt=(0, 2, 3))
add("cross-entropy", lambda xp, z, y: -xp.sum(y * xp.special.log_softmax(z, axis=-1), axis=-1),
    normal(4, 3), np.eye(3)[[0, 2, 1, 1]])
add("mlp", lambda xp, w, x: xp.tanh(x @ w[:, :2]) @ w[:2, :], normal(3, 3), normal(5, 3))
add("gaussian logpdf", lambda xp, x, c: -0.5 * x @ xp.linalg.solve(c, x)
    - 0.5 * xp.linalg.slogdet(c)[1], normal(3), spd(3, 3), wrt=(0, 1))
for _name in ("erf", "expit", "gammaln", "ndtr", "log_ndtr", "erfc", "log_expit", "softplus"):
    add(f"special.{_name}[order 3]", lambda xp, x, n=_name: getattr(xp.special, n)(x),
        np.asarray(1.3), kind="derivative", order=3)
add("linalg.det[order 3]", lambda xp, a: xp.linalg.det(a), wellcond(2, 2), kind="derivative",
    order=3)
add("linalg.inv[order 3]", lambda xp, a: xp.linalg.inv(a)[0, 1], wellcond(2, 2),
    kind="derivative", order=3)
add("linalg.solve[hessian]", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(3, 3), normal(3),
    kind="hessian", wrt=(0, 1))
add("linalg.svdvals[hessian]", lambda xp, a: xp.linalg.svdvals(a), tall(3, 2), kind="hessian")
add("linalg.qr.R[hessian]", lambda xp, a: xp.linalg.qr(a)[1], tall(3, 2), kind="hessian")
add("linalg.expm[hessian]", lambda xp, a: xp.linalg.expm(a), 0.5 * normal(2, 2), kind="hessian")
add("einsum[hessian]", lambda xp, a: xp.einsum("ij,jk,ki->", a, a, a), normal(3, 3),
    kind="hessian")
add("special.polygamma[hessian]", lambda xp, x: xp.special.polygamma(1, x), positive(3),
    kind="hessian")

# ---------------------------------------------------------------- Jacobians of array outputs
add_raw("jacobian: sin", lambda xp, x: xp.sin(x), normal(2, 3))
add_raw("jacobian: matmul", lambda xp, a, b: a @ b, normal(2, 3), normal(3, 2), wrt=1)
add_raw("jacobian: softmax", lambda xp, x: xp.special.softmax(x, axis=-1), normal(2, 3))
add_raw("jacobian: cholesky", lambda xp, a: xp.linalg.cholesky(a), spd(3, 3))
add_raw("jacobian: solve", lambda xp, a, b: xp.linalg.solve(a, b), wellcond(3, 3), normal(3))
add_raw("jacobian: eigvalsh", lambda xp, a: xp.linalg.eigvalsh(a), spread_sym(3, 3))
add_raw("jacobian: cumsum", lambda xp, x: xp.cumsum(x, axis=0), normal(3, 2))
add_raw("jacobian: tuple output", lambda xp, x: (xp.sin(x), xp.sum(x * x)), normal(3))
add_raw("jacobian: slogdet whole", lambda xp, a: xp.linalg.slogdet(a), wellcond(3, 3))
add_raw("jacobian: dict output", lambda xp, x: {"s": xp.exp(x), "m": xp.max(x)}, distinct(3))
