import numpy as np
import pytest
from adcheck_helpers import Scaled, temporary

import adcheck

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(3, 3))
X = RNG.normal(size=3)


def quad(xp, x, q):
    return x @ (q @ x)


def test_consensus_passes_for_correct_engines():
    rep = adcheck.check(quad, (X, Q))
    assert rep.ok and bool(rep) and "PASS" in str(rep)


def test_consensus_names_the_outlier():
    with temporary(engines=[Scaled(0.5, "t-half")]):
        rep = adcheck.check(quad, (X, Q), engines=["reverse", "forward", "richardson", "t-half"])
    assert not rep.ok and rep.outliers == ["t-half"]
    assert "1/2" in rep.engines["t-half"].diagnosis


def test_expected_value_and_closed_form():
    assert adcheck.check(quad, (X, Q), expected=(Q + Q.T) @ X).ok
    assert adcheck.check(quad, (X, Q), expected=lambda xp, x, q: (q + q.T) @ x).ok
    rep = adcheck.check(quad, (X, Q), expected=2 * Q @ X)  # Q is not symmetric
    assert not rep.ok and rep.outliers == ["expected"]
    assert "expected value is the outlier" in rep.message


def test_assert_helpers_raise_with_the_explanation():
    with pytest.raises(AssertionError, match="allowed"):
        adcheck.assert_derivative(quad, (X, Q), expected=2 * Q @ X)
    adcheck.assert_derivative(quad, (X, Q), kind="hessian", expected=Q + Q.T)
    with pytest.raises(AssertionError):
        adcheck.assert_check(adcheck.check(quad, (X, Q), expected=np.zeros(3)))
