"""The primitive checker fails on deliberately wrong records: one meta-test per check."""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest
import sympy

from adcheck.engines import reverse
from adcheck.engines.core import TABLE, Primitive, example, ops, primal
from adcheck.engines.errors import UnsupportedOperation
from adcheck.engines.exact import exact_impl
from adcheck.engines.primitives._derive import elementwise_rules
from adcheck.engines.primitives._util import per_element
from adcheck.engines.symbolic import sym_impl
from adcheck.engines.testing import CHECKS, check_primitive

TANH = TABLE["tanh"]


def _wrong(prim, **changes) -> Primitive:
    """A copy of a record with some fields changed (not registered: nothing else sees it)."""
    return dataclasses.replace(prim, **changes)


def _tanh_deriv_wrong(xp, x, ans):
    return xp.add(1.0, xp.multiply(ans, ans))  # 1 + tanh², should be 1 - tanh²


WRONG = {
    # a wrong derivative: every rule derived from it is wrong
    "jvp": _wrong(TANH, derivative=_tanh_deriv_wrong,
                  jvps=elementwise_rules(_tanh_deriv_wrong, ("ans",))[0]),
    # the VJP of matmul without the transpose of b
    "adjoint": _wrong(TABLE["matmul"], vjps=(lambda ct, ans, a, b: ops.matmul(ct, b),
                                             TABLE["matmul"].vjps[1])),
    # first order right, but the rule escapes the trace (primal()): its own derivative is lost
    "nestings": _wrong(TANH, jvps=(lambda t, ans, x: ops.multiply(t, 1.0 - primal(ans) ** 2),),
                       vjps=(lambda ct, ans, x: ops.multiply(ct, 1.0 - primal(ans) ** 2),)),
    "exact": _wrong(TANH, exact=mpmath.sinh),
    "symbolic": _wrong(TANH, sym=sympy.sinh),
    # a slope half the true one under-counts the inputs' errors
    "magnitude": _wrong(TANH, derivative=lambda xp, x, ans: 0.5 * (1.0 - ans * ans)),
    "taylor": _wrong(TANH, taylor=lambda x: x),
    # declared analytic, but its implementation cannot take complex numbers
    "complex": _wrong(TANH, impl=np.vectorize(math.tanh, otypes=[float])),
}


@pytest.mark.parametrize("check", CHECKS)
def test_meta_each_check_fails_on_a_wrong_record(check):
    with pytest.raises(AssertionError, match="tanh|matmul"):
        check_primitive(WRONG[check], checks=(check,))


@pytest.mark.parametrize("check", CHECKS)
def test_the_originals_pass(check):
    check_primitive(WRONG[check].name, checks=(check,))


def test_meta_a_vjp_inconsistent_with_its_jvp_fails():
    exp = TABLE["exp"]
    bad = _wrong(exp, vjps=(lambda ct, ans, x: ops.multiply(ops.multiply(2.0, ct), ans),))
    with pytest.raises(AssertionError, match="adjoint"):
        check_primitive(bad, checks=("adjoint",))


def test_meta_a_rule_reading_an_undeclared_value_fails_loudly(monkeypatch):
    monkeypatch.setattr(reverse, "RESIDUAL_MIN_SIZE", 0)
    liar = Primitive("liar_tanh", np.tanh, TANH.jvps, TANH.vjps, per_element(1),
                     uses=("primals",), elementwise=True)  # its rules read ans
    with pytest.raises((AttributeError, TypeError)):
        check_primitive(liar, checks=("adjoint",))


def test_meta_richardson_check_fails_on_a_small_relative_error():
    from adcheck.engines._checks import richardson_check

    with pytest.raises(AssertionError):
        richardson_check(np.sin, 1.0 + 1e-7, 1.0)
    richardson_check(np.sin, 1.0, 1.0)


def test_a_record_without_exact_or_sympy_forms_says_so():
    bare = _wrong(TANH, exact=False, sym=False)
    assert check_primitive(bare, checks=("exact", "symbolic")) == 0  # nothing to compare
    check_primitive(bare, checks=("magnitude",))  # against impl itself, not skipped
    for impl, engine in ((exact_impl, "exact"), (sym_impl, "symbolic")):
        with pytest.raises(UnsupportedOperation, match=f"'{engine}'.*no (mpmath|sympy) form"):
            impl(bare)(np.ones(2))


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="unknown checks"):
        check_primitive("tanh", checks=("jvp", "speed"))
    odd = _wrong(TANH, examples=(example((2,), domain=("negative-ish",)),))
    with pytest.raises(ValueError, match="unknown domain"):
        check_primitive(odd, checks=("jvp",))
