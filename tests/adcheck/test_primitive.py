"""A user's own primitive through ``adcheck.define_primitive``: every built-in engine, the exact
oracle and the rounding bound see it, and a wrong derivative is caught."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

import adcheck
from adcheck import engines
from adcheck.engines.core import undefprim
from adcheck.engines.exact import evaluate_exact, to_float
from adcheck.engines.testing import check_primitive
from adcheck.judging import errmodel as em

X = np.array([0.5, 1.3, 2.7])


def _cbrt(x):
    """Real cube root; the principal one for complex step (positive real parts)."""
    return np.power(x, 1.0 / 3.0) if np.iscomplexobj(x) else np.cbrt(x)


def _right(xp, x):
    return 1.0 / (3.0 * xp.cbrt(x) ** 2)


@pytest.fixture
def cbrt():
    prim = adcheck.define_primitive("cbrt", _cbrt, derivative=_right, exact=mpmath.cbrt,
                                    domain=("positive",))
    yield prim
    undefprim("cbrt")


def f(xp, x):
    return xp.sum(xp.cbrt(x) * x)


def gradient(xp, x):  # d/dx (x·∛x) = (4/3)∛x
    return 4.0 * xp.cbrt(x) / 3.0


def laplacian(xp, x):  # d²/dx² (x·∛x) = (4/9) x^(-2/3)
    return xp.sum(4.0 / (9.0 * xp.cbrt(x) ** 2))


BUILT_IN = sorted(n for n, e in engines.ENGINES.items()
                  if not type(e).__module__.startswith("adcheck.engines.adapters"))


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_engine_differentiates_it(cbrt, name):
    first = adcheck.check(f, (X,), engines=[name], expected=gradient)
    second = adcheck.check(f, (X,), kind="laplacian", engines=[name], expected=laplacian)
    laplacian_only = name == "forward-laplacian"
    assert first.verdict == ("inconclusive" if laplacian_only else "pass"), first.message
    assert second.verdict == "pass", second.message


def test_its_record_passes_every_check_of_the_primitive_checker(cbrt):
    assert check_primitive("cbrt") > 0  # derived rules, sympy function, bound, jets, ...


def test_the_exact_oracle_evaluates_it_to_50_digits(cbrt):
    with mpmath.workdps(60):
        want = mpmath.fsum(mpmath.cbrt(mpmath.mpf(v)) * mpmath.mpf(v) for v in X)
        got = evaluate_exact(f, (X,))[()]
        assert abs(got - want) <= mpmath.mpf(10) ** -50 * abs(want)


def test_the_magnitude_bound_covers_the_rounding_error(cbrt):
    bound = em.derivative_bound("gradient", f, (X,))
    exact = to_float(evaluate_exact(gradient, (X,)))
    assert np.all(bound.err > 0)
    assert np.all(np.abs(bound.value - exact) <= bound.err * em.U)


def test_a_wrong_derivative_fails_the_check():
    adcheck.define_primitive("cbrt", _cbrt, derivative=lambda xp, x: 1.0 / (2.0 * xp.cbrt(x) ** 2),
                             exact=mpmath.cbrt)
    try:
        against = adcheck.check(f, (X,), engines=["reverse", "forward", "richardson"],
                                expected=gradient)
        consensus = adcheck.check(f, (X,), engines=["reverse", "richardson", "complex-step"])
    finally:
        undefprim("cbrt")
    assert against.verdict == "fail"
    assert against.engines["reverse"].outcome == against.engines["forward"].outcome == "fail"
    assert against.engines["richardson"].outcome == "pass"
    assert consensus.verdict == "fail" and consensus.outliers == ["reverse"]


def test_a_sympy_form_alone_serves_the_exact_oracle_too():
    adcheck.define_primitive("cbrt", _cbrt, derivative=_right, sym=sympy.cbrt,
                             domain=("positive",))
    try:
        assert check_primitive("cbrt", checks=("exact", "symbolic", "magnitude")) == 9
        r = adcheck.check(f, (X,), engines=["exact", "symbolic"], expected=gradient)
    finally:
        undefprim("cbrt")
    assert r.verdict == "pass", r.message


def test_without_an_exact_form_the_oracle_says_what_is_missing():
    adcheck.define_primitive("cbrt", _cbrt, derivative=_right)
    try:
        r = adcheck.check(f, (X,), engines=["exact", "reverse", "richardson"])
    finally:
        undefprim("cbrt")
    assert r.engines["exact"].outcome == "not-applicable"
    assert "exact=" in r.engines["exact"].note


def test_complex_step_refuses_an_implementation_without_complex_support():
    adcheck.define_primitive("cbrt", np.cbrt, derivative=_right, exact=mpmath.cbrt)
    try:
        r = engines.get("complex-step").gradient(f, (X,))
    finally:
        undefprim("cbrt")
    assert r.status == "not-applicable" and "does not accept complex" in r.note


@pytest.mark.parametrize("name, derivative, error, match", [
    ("exp", _right, ValueError, "already a primitive"),
    ("vecdot", _right, ValueError, "built-in name"),
    ("cube root", _right, ValueError, "not a valid name"),
    ("cbrt", 3.0, TypeError, "derivative must be a function"),
    ("cbrt", lambda x: x, TypeError, r"take \(xp, x\)"),
])
def test_bad_definitions_name_the_problem(name, derivative, error, match):
    with pytest.raises(error, match=match):
        adcheck.define_primitive(name, np.cbrt, derivative=derivative)
