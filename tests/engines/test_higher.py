"""Derivatives of order k: AD nestings against the exact oracle's polarized k-th differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines.core import TABLE
from adcheck.engines.errors import InputError
from adcheck.engines.exact_engine import ExactEngine
from adcheck.engines.higher import exact_derivative


def _poly(xp, x):
    return x[0] ** 3.0 * x[1] + 2.0 * x[0] * x[1] ** 3.0


def _poly_fourth():
    """∂⁴ of x0³x1 + 2x0x1³: ∂0∂0∂0∂1 = 6, ∂0∂1∂1∂1 = 12, others 0 (all orderings)."""
    t = np.zeros((2,) * 4)
    for idx in np.ndindex(t.shape):
        ones = sum(idx)
        t[idx] = 6.0 if ones == 1 else 12.0 if ones == 3 else 0.0
    return t


def test_exact_polarization_recovers_mixed_partials():
    value, kinked, _ = exact_derivative(_poly, (np.array([0.4, -1.3]),), 0, 4, dps=30)
    got = np.asarray(value, dtype=float)
    # correct to the 30 digits asked for: |error| <= 1e-30 (1 + |exact|)
    assert not kinked and np.all(np.abs(got - _poly_fourth()) <= 1e-30 * (1 + _poly_fourth()))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_every_order_passes_on_a_smooth_function(order):
    x = np.array([0.3, -0.7])
    rep = check(lambda xp, x: xp.sum(xp.sin(x) * xp.exp(x[::-1])) + xp.special.ndtr(x[0] * x[1]),
                (x,), kind="derivative", order=order)
    assert rep.verdict == "pass", rep.message


def test_a_vector_output_keeps_numerator_layout():
    x = np.array([0.5, 1.5])
    rep = check(lambda xp, x: xp.stack([x[0] * x[1] ** 2.0, xp.exp(x[0])]), (x,),
                kind="derivative", order=3)
    assert rep.verdict == "pass", rep.message
    assert np.shape(rep.engines["exact"].result) == (2, 2, 2, 2)


def test_a_wrong_closed_form_fails_at_order_three():
    x = np.array([0.4, -1.3])
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0] = 6.0 * x[1] * 1.01  # 1 % off: ∂³/∂x0³ of x0³x1 is 6 x1
    for idx in np.ndindex(expected.shape):
        ones = sum(idx)
        if ones == 1:
            expected[idx] = 6.0 * x[0]
        elif ones == 2:
            expected[idx] = 12.0 * x[1]
        elif ones == 3:
            expected[idx] = 12.0
    rep = check(_poly, (x,), kind="derivative", order=3, expected=expected)
    assert rep.verdict == "fail", rep.message


def test_a_wrong_rule_fails_at_order_four():
    sin = TABLE["sin"]
    rules = sin.jvps
    wrong = (lambda t, ans, x: rules[0](t, ans, x) * 1.1,)
    object.__setattr__(sin, "jvps", wrong)
    object.__setattr__(sin, "vjps", wrong)
    try:
        rep = check(lambda xp, x: xp.sum(xp.sin(x) * x[::-1]), (np.array([0.3, 0.9]),),
                    kind="derivative", order=4)
    finally:
        object.__setattr__(sin, "jvps", rules)
        object.__setattr__(sin, "vjps", rules)
    assert rep.verdict == "fail", rep.message


@pytest.mark.parametrize("order", [0, 5, 2.5])
def test_an_order_out_of_range_is_refused(order):
    with pytest.raises(InputError, match="order"):
        check(_poly, (np.array([1.0, 2.0]),), kind="derivative", order=order)


def test_finite_differences_say_not_applicable_above_order_two():
    from adcheck.engines import get
    r = get("richardson").derivative("derivative", _poly, (np.array([1.0, 2.0]),), order=3)
    assert r.status == "not-applicable" and "order 3" in r.note


@pytest.mark.parametrize("kind", ["jvp", "vjp"])
def test_a_direction_is_checked_and_required(kind):
    x = np.array([0.2, -0.4, 0.9])
    d = np.array([1.0, -2.0, 0.5])
    rep = check(lambda xp, x: xp.tanh(x) * x[0], (x,), kind=kind, direction=d,
                engines=["forward", "reverse", "richardson", "exact"])
    assert rep.verdict == "pass", rep.message
    with pytest.raises(ValueError, match="direction"):
        check(lambda xp, x: xp.tanh(x), (x,), kind=kind)


def test_exact_engine_orders_agree_with_its_hessian():
    x = np.array([0.4, -1.3])
    eng = ExactEngine(dps=30)
    h = eng.hessian(_poly, (x,)).value
    d2 = eng.nth_derivative(_poly, (x,), 0, 2).value
    assert np.allclose(h, d2, rtol=0, atol=8 * math.ulp(float(np.max(np.abs(h)))))


@pytest.mark.parametrize("x0", [0.0, 0.01, 0.0499, 0.0501, 0.7])
def test_sinc_is_right_at_every_order_across_its_series_threshold(x0):
    """At 0 the quotient's derivatives are 0/0; the float64 series must match the oracle's
    quotient (taken at 1e-50 steps, where it has no cancellation) through order 4."""
    for order in (1, 2, 3, 4):
        rep = check(lambda xp, x: xp.sinc(x), (np.array([x0]),), kind="derivative",
                    order=order)
        assert rep.verdict == "pass", rep.message


def test_the_polarization_sum_keeps_the_oracles_digits():
    """The polarized terms are O(1) and cancel to an exact 0 off the diagonal of a separable
    function: summed at 15 digits they leave 1e-17 where the oracle promises 1e-50."""
    x = np.array([0.3, -1.2])
    value, kinked, _ = exact_derivative(lambda xp, x: xp.sum(xp.tanh(x)), (x,), 0, 3)
    off = [value[idx] for idx in np.ndindex(value.shape) if len(set(idx)) > 1]
    assert not kinked and max(abs(e) for e in off) <= 1e-50
    rep = check(lambda xp, x: xp.sum(xp.tanh(x)), (x,), kind="derivative", order=3)
    assert rep.verdict == "pass", rep.message
