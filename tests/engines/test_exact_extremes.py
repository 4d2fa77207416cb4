"""The exact oracle at the edges of the float range (found by `adcheck audit`)."""

from __future__ import annotations

import math

import mpmath
import numpy as np

from adcheck.engines.primitives.arithmetic import _pow_exact
from adcheck.engines.primitives.special import _iv_exact
from adcheck.frameworks import exact_ad


def test_pow_with_a_huge_integral_exponent_keeps_its_digits():
    with mpmath.workdps(50):
        for x, y in [(1.5, 2.0 ** 60), (0.999, 1e300), (1e-300, 3e10), (2.0, -2.0 ** 40),
                     (1.0000001, 1e16)]:
            got = _pow_exact(mpmath.mpf(x), mpmath.mpf(y))
            with mpmath.workdps(400):  # y log x has up to 300 integral digits
                want = mpmath.exp(mpmath.mpf(y) * mpmath.log(mpmath.mpf(x)))
            assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -48, (x, y)


def test_bessel_i_of_negative_integer_order_is_real_and_defined_near_zero():
    with mpmath.workdps(50):
        assert _iv_exact(mpmath.mpf(1e-300), v=-1) == mpmath.besseli(1, mpmath.mpf(1e-300))
        v = _iv_exact(mpmath.mpf(-3.0), v=-1)
        assert isinstance(v, mpmath.mpf) and abs(v + mpmath.mpf("3.9533702174026093965")) < 1e-18
        assert _iv_exact(mpmath.mpf(2.5), v=0.5) == mpmath.besseli(0.5, mpmath.mpf(2.5))


def test_an_exact_derivative_past_the_float_range_is_infinite_not_an_error():
    """ψ(5e-324) ≈ -2e323: the exact reverse pass through gammaln used to raise TypeError
    (np.isfinite of an object array) instead of answering."""
    x = np.array([5e-324, 2.5])
    (rows,) = exact_ad.jacobian_blocks(lambda xp, x: xp.special.gammaln(x), [x], [0])
    assert rows[0, 0] == -math.inf
    assert rows[1, 1] == float(mpmath.digamma(2.5))


def test_xlogy_at_x_zero_has_the_derivative_log_y():
    """0·log y is 0, but its derivative in x is log y wherever log y is finite (the convention
    0·log 0 = 0 is for y = 0 alone); every engine used to answer 0 at x = 0."""
    from adcheck.engines import transforms as T
    from adcheck.engines.namespace import ad
    x, y = np.array([0.0, 1.0, 0.0]), np.array([2.0, 3.0, 0.0])
    g = T.grad(lambda xp, x, y: xp.sum(xp.special.xlogy(x, y)), 0)(ad, x, y)
    assert np.allclose(g, [math.log(2.0), math.log(3.0), 0.0])
    g1 = T.grad(lambda xp, x, y: xp.sum(xp.special.xlog1py(x, y)), 0)(ad, x,
                                                                      np.array([1.0, 3.0, -1.0]))
    assert np.allclose(g1, [math.log(2.0), math.log(4.0), 0.0])
