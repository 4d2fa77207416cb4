"""adcheck.frameworks.exact_ad: adcheck's AD on 50-digit numbers, a reference that needs no
closed form."""

import mpmath
import numpy as np

from adcheck.engines import transforms as T
from adcheck.engines.namespace import ad
from adcheck.frameworks import exact_ad


def test_exact_ad_is_exact_where_float64_cancels():
    # d/dx (log1p(x) - x) * 1e16 = -1e16 x / (1 + x): float64 AD loses every digit here
    x = np.array([1e-9])
    (J,) = exact_ad.jacobian_blocks(
        lambda xp, x: xp.reshape((xp.log1p(x) - x) * 1e16, (-1,)), (x,), (0,))
    with mpmath.workdps(50):
        exact = mpmath.mpf(-1e16) * mpmath.mpf(1e-9) / (1 + mpmath.mpf(1e-9))
    assert J[0, 0] == float(exact)


def test_exact_ad_nests_for_second_derivatives_and_agrees_with_float_ad():
    def f(xp, x):
        return xp.reshape(xp.sum(xp.tanh(x) ** 3), (-1,))

    def grad(xp, x):
        return xp.reshape(T.grad(lambda xp, y: xp.sum(xp.tanh(y) ** 3))(xp, x), (-1,))
    x = np.array([0.4, -1.1, 2.3])
    (H,) = exact_ad.jacobian_blocks(grad, (x,), (0,))
    H_float = T.hessian(lambda xp, y: xp.sum(xp.tanh(y) ** 3))(ad, x)
    assert np.allclose(H, H_float, rtol=1e-14, atol=1e-15)
    with mpmath.workdps(50):
        exact = float(sum(mpmath.tanh(mpmath.mpf(v)) ** 3 for v in x))
    assert exact_ad.value(f, (x,))[0] == exact
