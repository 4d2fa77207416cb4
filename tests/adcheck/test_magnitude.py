import numpy as np
import pytest

from adcheck.engines.core import TABLE
from adcheck.engines.primitives._bounds import rule_of, uncarried
from adcheck.judging.errmodel import derivative_bound, function_bound


def test_every_primitive_has_a_propagation_rule():
    """Each record gives a magnitude rule or a derivative to derive one from."""
    assert [n for n, p in TABLE.items() if rule_of(p) is uncarried] == []


def test_gram_gradient_bound_grows_with_magnitudes_and_size():
    rng = np.random.default_rng(0)

    def bound(n, scale):
        a, x = scale * rng.normal(size=(n, n)), rng.normal(size=n)
        return function_bound(lambda xp, a, x: 2.0 * (a.T @ (a @ x)), (a, x)).err.max()

    assert bound(4, 1e3) > 1e5 * bound(4, 1.0)
    assert bound(40, 1.0) > 5 * bound(4, 1.0)


def test_bound_of_ad_route_matches_value_of_reverse_engine():
    rng = np.random.default_rng(1)
    a, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    b = derivative_bound("gradient", lambda xp, x, a: xp.sum((a @ x) * (a @ x)), (x, a), 0)
    assert np.allclose(b.value, 2 * a.T @ a @ x, rtol=1e-14, atol=0)
    # The rounding bound is at least the magnitude of the result (in units of u).
    assert np.all(b.err >= np.abs(b.value))


def test_kinks_are_recorded():
    b = derivative_bound("gradient", lambda xp, x: xp.sum(xp.abs(x)), (np.array([0.0, 1.0]),))
    assert b.kinks
    b = derivative_bound("gradient", lambda xp, x: xp.sum(xp.abs(x)), (np.array([2.0, 1.0]),))
    assert not b.kinks


def test_a_result_below_the_normal_range_carries_its_underflow():
    # fl(x·y) = x·y(1 + δ) + η, |η| ≤ u·λ: squares of 1e-200 (0) and 1e-160 (subnormal) lost
    # absolute precision that no relative bound of a zero or subnormal value shows
    b = function_bound(lambda xp, x: x * x, (np.array([1e-200, 1e-160, 1.0]),))
    assert np.all(b.err[:2] >= 2.0 ** -1022) and b.err[2] == pytest.approx(1.0)
