"""One sample call per differentiable name of ``xp``, on inputs from that name's domain.

The generated tests check each call's derivative with every AD engine against finite
differences and the exact oracle, and the coverage table asks each engine's namespace whether
it runs the call. Inputs are built (never filtered): positive where a log needs it, in (-1, 1)
for arcsin, symmetric positive definite (stacked) for cholesky, spread-out spectra for eigh.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _spd(rng, shape=(2, 3, 3)):
    b = rng.standard_normal(shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def _spread_sym(rng, shape=(2, 3, 3)):
    """Symmetric with eigenvalues 1, 3, 5, ... (gaps of 2) in a random orthonormal basis."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = 1.0 + 2.0 * np.arange(n) + 0.1 * rng.standard_normal(shape[:-1])
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def _distinct(rng, shape):
    """Entries at least 0.2 apart, in random order (sort, max: no ties)."""
    n = math.prod(shape)
    return rng.permutation(np.linspace(-1.5, 1.5, n) + 0.05 * rng.standard_normal(n)) \
        .reshape(shape)


INPUTS: dict[str, Callable] = {
    "vec": lambda rng: rng.standard_normal(4),
    "mat": lambda rng: rng.standard_normal((2, 3)),
    "sq": lambda rng: np.eye(3) + 0.3 * rng.standard_normal((3, 3)),
    "stack": lambda rng: np.eye(3) + 0.3 * rng.standard_normal((2, 3, 3)),
    "tall": lambda rng: rng.standard_normal((4, 3)) + np.eye(4, 3) * 2,
    "wide": lambda rng: rng.standard_normal((2, 4)) + np.eye(2, 4) * 2,
    "pos": lambda rng: rng.uniform(0.5, 2.0, (2, 3)),
    "unit": lambda rng: rng.uniform(-0.8, 0.8, (2, 3)),
    "prob": lambda rng: rng.uniform(0.1, 0.9, (2, 3)),
    "gt1": lambda rng: rng.uniform(1.2, 3.0, (2, 3)),
    "away": lambda rng: rng.choice([-1.0, 1.0], (2, 3)) * rng.uniform(0.3, 2.0, (2, 3)),
    "frac": lambda rng: rng.integers(-3, 3, (2, 3)) + rng.uniform(0.2, 0.8, (2, 3)),
    "distinct": lambda rng: _distinct(rng, (2, 3)),
    "spd": _spd,
    "sym": _spread_sym,
    "vec3": lambda rng: rng.standard_normal((2, 3)),
    "tall_stack": lambda rng: rng.standard_normal((2, 4, 3)) + np.eye(4, 3) * 2,
}


from .name_case import NameCase, _c, _rev  # noqa: E402,F401  (the sample-call record)

_UNARY = [
    ("exp", "vec"), ("log", "pos"), ("log1p", "pos"), ("expm1", "vec"), ("sqrt", "pos"),
    ("tanh", "vec"), ("sin", "vec"), ("cos", "vec"), ("sinh", "vec"), ("cosh", "vec"),
    ("tan", "unit"), ("arcsin", "unit"), ("arccos", "unit"), ("arctan", "vec"),
    ("arcsinh", "vec"), ("arccosh", "gt1"), ("arctanh", "unit"), ("asin", "unit"),
    ("acos", "unit"), ("atan", "vec"), ("asinh", "vec"), ("acosh", "gt1"), ("atanh", "unit"),
    ("erf", "vec"), ("abs", "away"), ("square", "vec"), ("negative", "vec"),
    ("positive", "vec"), ("log2", "pos"), ("log10", "pos"), ("exp2", "vec"),
    ("sinc", "away"), ("i0", "vec"), ("conj", "vec"), ("real", "vec"),
    ("special.erf", "vec"), ("special.erfc", "vec"), ("special.erfinv", "unit"),
    ("special.expit", "vec"), ("special.logit", "prob"), ("special.log_expit", "vec"),
    ("special.softplus", "vec"), ("special.gammaln", "pos"), ("special.digamma", "pos"),
    ("special.psi", "pos"), ("special.ndtr", "vec"), ("special.log_ndtr", "vec"),
    ("special.ndtri", "prob"), ("special.sinc", "away"), ("special.i0", "vec"),
    ("special.i1", "vec"),
]
_PIECEWISE = ["floor", "ceil", "round", "trunc", "sign"]

CASES: list[NameCase] = [
    *(_c(n, k) for n, k in _UNARY),
    *(_c(n, "frac", smooth=False) for n in _PIECEWISE),
    _c("special.polygamma", "pos", lambda g, x: g(1, x)),
    _c("special.iv", "vec", lambda g, x: g(2, x)),
    _c("floor_divide", "frac", lambda g, x: g(x, 0.5), smooth=False),
    _c("special.xlogy", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.xlog1py", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.logsumexp", "mat", lambda g, x: g(x, axis=1)),
    _c("special.softmax", "mat", lambda g, x: g(x, axis=-1)),
    _c("special.log_softmax", "mat", lambda g, x: g(x, axis=0)),
    _c("add", "mat", lambda g, x: g(x, x[0])), _c("subtract", "mat", lambda g, x: g(x[1], x)),
    _c("multiply", "mat", lambda g, x: g(x, x)), _c("divide", "pos", lambda g, x: g(x[0], x)),
    _c("pow", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("arctan2", "away", lambda g, x: g(x[0], x[1])),
    _c("atan2", "away", lambda g, x: g(x[1], x)),
    _c("hypot", "away", lambda g, x: g(x[0], x[1])),
    _c("logaddexp", "mat", lambda g, x: g(x[0], x[1])),
    _c("maximum", "distinct", lambda g, x: g(x[0], x[1])),
    _c("minimum", "distinct", lambda g, x: g(x[0], x[1])),
    _c("copysign", "away", lambda g, x: g(x[0], x[1])),
    _c("remainder", "pos", lambda g, x: g(x * 3.0, _rev(_rev(x, 0), 1)), smooth=False),
    _c("clip", "distinct", lambda g, x: g(x, -0.9, 0.9)),
    _c("where", "mat", lambda g, x: g(np.array([True, False, True]), x, -x)),
    _c("sum", "mat", lambda g, x: g(x, axis=0, keepdims=True)),
    _c("mean", "mat", lambda g, x: g(x, axis=1)),
    _c("max", "distinct", lambda g, x: g(x, axis=1)),
    _c("min", "distinct", lambda g, x: g(x, axis=0, keepdims=True)),
    _c("amax", "distinct"), _c("amin", "distinct"),
    _c("prod", "mat", lambda g, x: g(x, axis=1)),
    _c("var", "mat", lambda g, x: g(x, axis=1, correction=1)),
    _c("std", "mat", lambda g, x: g(x, axis=0, ddof=1)),
    _c("cumsum", "mat", lambda g, x: g(x, axis=1)),
    _c("cumulative_sum", "mat", lambda g, x: g(x, axis=0, include_initial=True)),
    _c("cumprod", "mat", lambda g, x: g(x, axis=1)),
    _c("sort", "distinct", lambda g, x: g(x, axis=1)),
    _c("take_along_axis", "mat", lambda g, x: g(x, np.array([[2, 0], [1, 1]]), axis=1)),
    _c("take", "mat", lambda g, x: g(x, np.array([2, 0, 2]), axis=1)),
    _c("reshape", "mat", lambda g, x: g(x, (3, 2))), _c("ravel", "mat"),
    _c("expand_dims", "mat", lambda g, x: g(x, axis=1)),
    _c("squeeze", "mat", lambda g, x: g(x[:1], axis=0)),
    _c("broadcast_to", "vec", lambda g, x: g(x, (2, 4))),
    _c("broadcast_arrays", "mat", lambda g, x: g(x, x[:1])[1]),
    _c("permute_dims", "mat", lambda g, x: g(x, (1, 0))), _c("transpose", "mat"),
    _c("matrix_transpose", "stack"), _c("moveaxis", "stack", lambda g, x: g(x, 0, -1)),
    _c("moveaxis", "stack", lambda g, x: g(x, (0, 1), (2, 0))),
    _c("swapaxes", "stack", lambda g, x: g(x, 0, 2)),
    _c("stack", "mat", lambda g, x: g([x, 2.0 * x], axis=1)),
    _c("concat", "mat", lambda g, x: g([x, x[:1]], axis=0)),
    _c("hstack", "mat", lambda g, x: g([x, x])), _c("vstack", "vec", lambda g, x: g([x, x])),
    _c("column_stack", "vec", lambda g, x: g([x, x * x])),
    _c("split", "mat", lambda g, x: g(x, [1], axis=1)[1]),
    _c("unstack", "mat", lambda g, x: g(x, axis=1)[2]),
    _c("atleast_2d", "vec"), _c("atleast_1d", "vec", lambda g, x: g(x[0]) * x),
    _c("flip", "mat", lambda g, x: g(x, axis=1)), _c("roll", "mat", lambda g, x: g(x, 1, 1)),
    _c("tile", "mat", lambda g, x: g(x, (2, 1))),
    _c("repeat", "mat", lambda g, x: g(x, [1, 3], axis=0)),
    _c("pad", "mat", lambda g, x: g(x, ((1, 0), (0, 2)), constant_values=1.5)),
    _c("tril", "stack", lambda g, x: g(x, k=-1)), _c("triu", "stack", lambda g, x: g(x, k=1)),
    _c("diff", "mat", lambda g, x: g(x, n=2, axis=1)),
    _c("einsum", "stack", lambda g, x: g("bij,bkj->bik", x, x)),
    _c("tensordot", "mat", lambda g, x: g(x, x, axes=([0], [0]))),
    _c("kron", "mat", lambda g, x: g(x, x[:, :2])),
    _c("cross", "vec3", lambda g, x: g(x[0], x[1])),
    _c("inner", "mat", lambda g, x: g(x, x)), _c("dot", "sq", lambda g, x: g(x, x)),
    _c("vdot", "mat", lambda g, x: g(x, _rev(x, 0))),
    _c("vecdot", "mat", lambda g, x: g(x, _rev(x, 0))),
    _c("matmul", "stack", lambda g, x: g(x, x)), _c("outer", "vec", lambda g, x: g(x, x)),
    _c("trace", "sq"), _c("diag", "vec"),
    _c("diagonal", "stack", lambda g, x: g(x, offset=1, axis1=1, axis2=2)),
    _c("diagonal", "tall", lambda g, x: g(x, offset=-1)),
    _c("meshgrid", "vec", lambda g, x: g(x, x[:3])[0]),
    _c("linalg.cholesky", "spd"), _c("linalg.cholesky", "spd", lambda g, x: g(x, upper=True)),
    _c("linalg.eigh", "sym", lambda g, x: g(x).eigenvectors),
    _c("linalg.eigvalsh", "sym"),
    _c("linalg.svd", "tall", lambda g, x: g(x, full_matrices=False).U),
    _c("linalg.svdvals", "wide"),
    _c("linalg.svd", "tall_stack", lambda g, x: g(x, full_matrices=False).Vh),
    _c("linalg.svdvals", "tall_stack"),
    _c("linalg.qr", "tall_stack", lambda g, x: g(x).R),
    _c("linalg.pinv", "tall_stack"),
    _c("linalg.matrix_norm", "tall_stack", lambda g, x: g(x, ord="nuc", keepdims=True)),
    _c("linalg.solve_triangular", "stack", lambda g, x: g(x, x[:, :, :1], unit_diagonal=True)),
    _c("linalg.qr", "tall", lambda g, x: g(x).Q),
    _c("linalg.solve_triangular", "sq", lambda g, x: g(x, x[:, 0], lower=True)),
    _c("linalg.inv", "stack"), _c("linalg.det", "sq"),
    _c("linalg.slogdet", "sq", lambda g, x: g(x).logabsdet),
    _c("linalg.solve", "sq", lambda g, x: g(x, x[0])),
    _c("linalg.pinv", "tall"), _c("linalg.pinv", "wide"),
    _c("linalg.matrix_power", "stack", lambda g, x: g(x, 3)),
    _c("linalg.matrix_power", "sq", lambda g, x: g(x, -2)),
    _c("linalg.matrix_norm", "tall", lambda g, x: g(x, ord="nuc")),
    _c("linalg.matrix_norm", "tall", lambda g, x: g(x, ord="fro")),
    _c("linalg.matrix_norm", "tall", lambda g, x: g(x, ord=2)),
    _c("linalg.vector_norm", "away", lambda g, x: g(x, axis=1, ord=3)),
    _c("linalg.norm", "tall", lambda g, x: g(x, ord=-2)),
    _c("linalg.expm", "stack"), _c("linalg.matmul", "stack", lambda g, x: g(x, x)),
    _c("linalg.outer", "vec", lambda g, x: g(x, x)), _c("linalg.trace", "sq"),
    _c("linalg.diagonal", "sq"), _c("linalg.matrix_transpose", "mat"),
    _c("linalg.tensordot", "mat", lambda g, x: g(x, x, axes=2)),
    _c("linalg.cross", "vec3", lambda g, x: g(x, _rev(x, 0))),
    _c("linalg.vecdot", "mat", lambda g, x: g(x, x)),
]
"""The sample calls; a name may appear more than once (different parameters)."""

from .name_cases_numpy import CASES as _NUMPY_CASES  # noqa: E402  (uses _c above)

CASES += _NUMPY_CASES
ids = [f"{c.name}[{i}]" for i, c in enumerate(CASES)]
