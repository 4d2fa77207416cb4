"""At a kink of a norm or a standard deviation, adcheck's own AD engines all give one answer.

Convention (the sqrt block, ``engines/primitives/elementwise.py``): a chain-rule path through
an exactly zero partial derivative carries nothing, even where the factor beside it is infinite
(sqrt's slope at 0). Forward mode already meets sqrt's infinite slope with a zero tangent;
reverse mode meets it as an infinite cotangent against the zero slope of x². Both give the
minimum-norm subgradient 0 of ‖x‖ at 0 (what torch and jax return), and the true 0 for the
standard deviation of one value, which is identically 0. NaN is never the answer.
"""

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines import get

AD = ["forward", "reverse", "forward-over-forward", "forward-over-reverse",
      "reverse-over-forward", "reverse-over-reverse"]


def _norm(xp, x):
    return xp.linalg.vector_norm(x)


def _norm_by_hand(xp, x):
    return xp.sqrt(xp.sum(x * x))


def _la_norm(xp, x):
    return xp.linalg.norm(x)


@pytest.mark.parametrize("f", [_norm, _norm_by_hand, _la_norm],
                         ids=["vector_norm", "sqrt-sum-x-x", "linalg.norm"])
@pytest.mark.parametrize("engine", AD)
def test_the_gradient_of_a_norm_at_0_is_its_minimum_norm_subgradient(f, engine):
    g = get(engine).gradient(f, (np.zeros(3),)).value
    assert np.array_equal(g, np.zeros(3)), (engine, g)


@pytest.mark.parametrize("engine", AD)
def test_second_derivatives_of_a_norm_at_0_are_never_nan(engine):
    """‖x‖ has no second derivative at 0 (a cone's tip): any value is judged inconclusive by
    the differences' kink, but a NaN would be judged a failure of adcheck's own engine."""
    h = get(engine).hessian(_norm, (np.zeros(3),)).value
    assert not np.isnan(h).any(), (engine, h)


def test_the_gradient_check_of_a_norm_at_0_does_not_fail():
    rep = check(_norm, (np.zeros(3),), kind="gradient", engines=AD + ["central", "richardson"])
    assert rep.verdict == "pass", rep.message


@pytest.mark.parametrize("args", [
    (lambda xp, x: xp.std(x), np.array(0.7)),
    (lambda xp, x: xp.std(x), np.array([0.7])),
    (lambda xp, x: xp.sum(xp.std(x, axis=1)), np.array([[0.7], [-0.2]])),
    (lambda xp, x: xp.sum(xp.std(x, axis=0, keepdims=True)), np.array([[0.7, 1.5]])),
], ids=["scalar", "one-value", "axis-of-one", "axis-of-one-keepdims"])
@pytest.mark.parametrize("engine", AD)
def test_the_standard_deviation_of_one_value_has_gradient_0(args, engine):
    f, x = args
    g = get(engine).gradient(f, (x,)).value
    assert np.array_equal(g, np.zeros_like(x)), (engine, g)


@pytest.mark.parametrize("engine", AD)
def test_the_variance_of_one_value_has_derivatives_0(engine):
    x = np.array([[0.7], [-0.2]])
    r = get(engine).hessian(lambda xp, x: xp.sum(xp.var(x, axis=1)), (x,)).value
    assert np.array_equal(r, np.zeros((2, 1, 2, 1))), (engine, r)


def test_the_std_check_of_one_value_passes():
    rep = check(lambda xp, x: xp.std(x), (np.array(0.7),), kind="gradient",
                engines=AD + ["central", "richardson", "exact"])
    assert rep.verdict == "pass", rep.message


@pytest.mark.parametrize("engine", AD + ["forward-laplacian"])
def test_the_laplacian_of_a_standard_deviation_of_one_value_is_0(engine):
    x = np.array([[0.7], [-0.2]])
    r = get(engine).laplacian(lambda xp, x: xp.sum(xp.std(x, axis=1)), (x,))
    assert r.value == 0.0, (engine, r.value)


@pytest.mark.parametrize("f", [_norm, _norm_by_hand], ids=["vector_norm", "sqrt-sum-x-x"])
def test_the_forward_laplacian_of_a_norm_at_0_is_never_nan(f):
    """Δ‖x‖ = (n − 1)/‖x‖ has no value at 0: the jet meets x²'s curvature with sqrt's infinite
    slope and says inf; the differences' kink makes any value inconclusive, but not NaN."""
    r = get("forward-laplacian").laplacian(f, (np.zeros(3),))
    assert not np.isnan(r.value), r.value
