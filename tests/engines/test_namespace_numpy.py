"""numpy's own spellings and the numpy/scipy-only names compute numpy's and scipy's values.

The acceptance module checks their derivatives; this checks that each name is the function a
user porting numpy code means (same values, same shapes), so no check certifies the
derivative of a different function.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as sps

from adcheck.engines.namespace import numpy_ns as xp

R = np.random.default_rng(11)
X = R.standard_normal((2, 3, 4))
V = R.uniform(0.5, 2.0, 5)
M = R.standard_normal((3, 3)) + 3 * np.eye(3)

PAIRS = {
    "absolute": (lambda: xp.absolute(X), lambda: np.absolute(X)),
    "power": (lambda: xp.power(V, 1.7), lambda: np.power(V, 1.7)),
    "reciprocal": (lambda: xp.reciprocal(V), lambda: np.reciprocal(V)),
    "mod": (lambda: xp.mod(V * 3, 0.7), lambda: np.mod(V * 3, 0.7)),
    "deg2rad": (lambda: xp.deg2rad(X), lambda: np.deg2rad(X)),
    "logaddexp2": (lambda: xp.logaddexp2(X, 0.3), lambda: np.logaddexp2(X, 0.3)),
    "concatenate(None)": (lambda: xp.concatenate([X, V], axis=None),
                          lambda: np.concatenate([X, V], axis=None)),
    "average(weights)": (lambda: xp.average(X, axis=2, weights=V[:4]),
                         lambda: np.average(X, axis=2, weights=V[:4])),
    "median": (lambda: xp.median(X, axis=(0, 2)), lambda: np.median(X, axis=(0, 2))),
    "median(keepdims)": (lambda: xp.median(X, axis=1, keepdims=True),
                         lambda: np.median(X, axis=1, keepdims=True)),
    "ptp": (lambda: xp.ptp(X, axis=1), lambda: np.ptp(X, axis=1)),
    "trapezoid(x)": (lambda: xp.trapezoid(X, x=np.cumsum(V[:4]), axis=-1),
                     lambda: np.trapezoid(X, x=np.cumsum(V[:4]), axis=-1)),
    "rot90": (lambda: xp.rot90(X, 3, (1, 2)), lambda: np.rot90(X, 3, (1, 2))),
    "fliplr": (lambda: xp.fliplr(X), lambda: np.fliplr(X)),
    "dstack": (lambda: xp.dstack([M, M]), lambda: np.dstack([M, M])),
    "atleast_3d": (lambda: xp.atleast_3d(V), lambda: np.atleast_3d(V)),
    "rollaxis": (lambda: xp.rollaxis(X, 2, 1), lambda: np.rollaxis(X, 2, 1)),
    "array_split": (lambda: xp.array_split(V, 3)[1], lambda: np.array_split(V, 3)[1]),
    "trace(axis1, axis2)": (lambda: xp.trace(X, 1, 1, 2), lambda: np.trace(X, 1, 1, 2)),
    "outer(n-d)": (lambda: xp.outer(M, V), lambda: np.outer(M, V)),
    "inner(n-d)": (lambda: xp.inner(X, X[0]),
                   lambda: np.inner(X, X[0])),
    "dot(n-d)": (lambda: xp.dot(X[..., :3], M), lambda: np.dot(X[..., :3], M)),
    "dot(n-d, 3-d)": (lambda: xp.dot(X, X.transpose(0, 2, 1)),
                      lambda: np.dot(X, X.transpose(0, 2, 1))),
    "einsum(...)": (lambda: xp.einsum("...ij,jk->...ik", X, X[0].T),
                    lambda: np.einsum("...ij,jk->...ik", X, X[0].T)),
    "nan_to_num": (lambda: xp.nan_to_num(np.array([np.nan, np.inf, -1.0])),
                   lambda: np.nan_to_num(np.array([np.nan, np.inf, -1.0]))),
    "linalg.multi_dot": (lambda: xp.linalg.multi_dot([M, M, V[:3]]),
                         lambda: np.linalg.multi_dot([M, M, V[:3]])),
    "linalg.cond": (lambda: xp.linalg.cond(M), lambda: np.linalg.cond(M)),
    "special.gamma": (lambda: xp.special.gamma(np.array([-1.5, 0.5, 3.2])),
                      lambda: sps.gamma(np.array([-1.5, 0.5, 3.2]))),
    "special.beta": (lambda: xp.special.beta(V, V[::-1]), lambda: sps.beta(V, V[::-1])),
    "special.multigammaln": (lambda: xp.special.multigammaln(3.5, 3),
                             lambda: sps.multigammaln(3.5, 3)),
    "special.erfcx": (lambda: xp.special.erfcx(X), lambda: sps.erfcx(X)),
    "special.kl_div": (lambda: xp.special.kl_div(V, V[::-1]), lambda: sps.kl_div(V, V[::-1])),
    "special.boxcox": (lambda: xp.special.boxcox(V, 0.3), lambda: sps.boxcox(V, 0.3)),
    "special.huber": (lambda: xp.special.huber(0.5, X), lambda: sps.huber(0.5, X)),
    "special.i1e": (lambda: xp.special.i1e(X), lambda: sps.i1e(X)),
    "special.jv": (lambda: xp.special.jv(2.5, V), lambda: sps.jv(2.5, V)),
    "special.yn": (lambda: xp.special.yn(2, V), lambda: sps.yn(2, V)),
    "special.polygamma(array n)": (lambda: xp.special.polygamma(np.array([0, 1, 2, 1, 0]), V),
                                   lambda: sps.polygamma(np.array([0, 1, 2, 1, 0]), V)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_the_name_computes_numpys_value(name):
    ours, theirs = PAIRS[name]
    a, b = np.asarray(ours(), dtype=float), np.asarray(theirs(), dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_fortran_order_reshape_is_refused_with_the_way_out():
    with pytest.raises(ValueError, match="order='C'"):
        xp.reshape(X, (4, 6), order="F")
