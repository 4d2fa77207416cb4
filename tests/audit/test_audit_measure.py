"""Errors in ulps: what a correctly rounded result, a neighbour and an overflow count."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from adcheck.audit import measure, oracle


def _mp(x):
    with mpmath.workdps(60):
        return +mpmath.mpf(x)


def test_a_correctly_rounded_result_errs_by_at_most_half_an_ulp():
    with mpmath.workdps(60):
        for x in (0.1, 1.7, 1e-300, 123456.789, 2.0 ** -1070):
            e = mpmath.exp(mpmath.mpf(x)) * mpmath.mpf(1) / 3  # a value between floats
            c = float(e)
            assert measure.ulps([c], [e], "float64")[0] <= 0.5


def test_the_next_float_is_one_ulp_away():
    e = _mp(1.5)
    assert measure.ulps([np.nextafter(1.5, 2.0)], [e], "float64")[0] == pytest.approx(1.0)
    f32 = float(np.nextafter(np.float32(1.5), np.float32(2)))
    assert measure.ulps([f32], [e], "float32")[0] == pytest.approx(1.0)
    # a float32 ulp is 2^29 float64 ulps
    assert measure.ulps([f32], [e], "float64")[0] == pytest.approx(2.0 ** 29)


def test_below_the_normal_range_the_spacing_is_the_smallest_subnormal():
    e = _mp(5e-324) * 3  # 1.5e-323: three subnormal spacings
    assert measure.ulps([0.0], [e], "float64")[0] == pytest.approx(3.0)


def test_overflow_counts_zero_when_the_library_says_inf_and_infinite_when_it_does_not():
    big = _mp(10) ** 400
    assert measure.ulps([math.inf], [big], "float64")[0] == 0.0
    assert math.isinf(measure.ulps([1e308], [big], "float64")[0])
    assert math.isinf(measure.ulps([math.nan], [_mp(2)], "float64")[0])


def test_oracle_digits_say_where_two_precisions_disagree():
    a, b = _mp("1.2345678901234567890123456789"), _mp("1.2345678901234567890")
    assert 18 < oracle.digits([a], [b])[0] < 21
    assert oracle.digits([a], [a])[0] == oracle.LOW
    # values far below every dtype's smallest spacing agree whatever their digits
    tiny = mpmath.mpf(10) ** -400
    assert oracle.digits([tiny], [-tiny])[0] == oracle.LOW
