"""Structural zeros: a zero (co)tangent against an infinite derivative factor stays zero."""

import numpy as np
import pytest

from adcheck.engines import transforms as T
from adcheck.engines.ad import ad_engines
from adcheck.engines.namespace import ad
from adcheck.engines.primitives._zeros import over, times

# f, point, gradient, Hessian: exact values, every one finite
CASES = {
    "where-guarded sqrt": (lambda xp, x: xp.sum(xp.where(x > 0, xp.sqrt(x), 0.0 * x)),
                           [0.0, 1.0], [0.0, 0.5], [[0.0, 0.0], [0.0, -0.25]]),
    "where-guarded x log x": (lambda xp, x: xp.sum(xp.where(x > 0, x * xp.log(x), 0.0 * x)),
                              [0.0, 2.0], [0.0, np.log(2.0) + 1.0], [[0.0, 0.0], [0.0, 0.5]]),
    "where-guarded 1/x": (lambda xp, x: xp.sum(xp.where(x != 0, 1.0 / x, 0.0 * x)),
                          [0.0, 2.0], [0.0, -0.25], [[0.0, 0.0], [0.0, 0.25]]),
    "x**0 at 0": (lambda xp, x: xp.sum(x ** 0.0), [0.0, 3.0], [0.0, 0.0], [[0.0, 0.0]] * 2),
    "x**1 at 0": (lambda xp, x: xp.sum(x ** 1.0), [0.0, 3.0], [1.0, 1.0], [[0.0, 0.0]] * 2),
    "x**2 at 0": (lambda xp, x: xp.sum(x ** 2.0), [0.0, 3.0], [0.0, 6.0],
                  [[2.0, 0.0], [0.0, 2.0]]),
    "0**y in y": (lambda xp, y: xp.sum(np.array([0.0, 2.0]) ** y), [2.0, 3.0],
                  [0.0, 8.0 * np.log(2.0)], [[0.0, 0.0], [0.0, 8.0 * np.log(2.0) ** 2]]),
}


@pytest.mark.parametrize("engine", ad_engines(), ids=lambda e: e.name)
@pytest.mark.parametrize("case", sorted(CASES))
def test_structural_zeros_give_the_finite_derivative(case, engine):
    """Regression: x**y at x = 0 and where-guarded sqrt gave NaN (0·inf) where the derivative
    is finite."""
    f, x, g, h = CASES[case]
    x = np.array(x)
    with np.errstate(all="ignore"):
        got_g = engine.gradient(f, (x,)).value
        got_h = engine.hessian(f, (x,)).value
    np.testing.assert_allclose(got_g, g, rtol=4 * np.finfo(float).eps, atol=0)
    np.testing.assert_allclose(got_h, h, rtol=4 * np.finfo(float).eps, atol=0)


def test_times_and_over_only_replace_zero_times_infinite():
    t = np.array([0.0, 0.0, 1.0, 2.0])
    d = np.array([np.inf, 3.0, np.inf, 0.5])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(times(t, d), [0.0, 0.0, np.inf, 1.0])
        np.testing.assert_array_equal(over(t, np.array([0.0, 2.0, 0.0, 4.0])),
                                      [0.0, 0.0, np.inf, 0.5])
        nan = times(np.array([np.nan]), np.array([1.0]))
    assert np.isnan(nan[0])  # a NaN that is not a structural zero stays visible


def test_the_replaced_factor_gets_a_zero_cotangent_at_higher_order():
    """d/dx of times(t, 1/x) at x = 0 with t = 0 is 0, not 0·inf."""
    def f(xp, x):
        return xp.sum(times(np.array([0.0, 1.0]), 1.0 / x))

    with np.errstate(all="ignore"):
        g = T.grad(f)(ad, np.array([0.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, -0.25])
