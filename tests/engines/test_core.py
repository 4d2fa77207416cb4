"""The table and the dispatch rule: registration, counting, boxes, levels."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.engines import transforms as T
from adcheck.engines.core import (
    TABLE,
    Box,
    bind,
    counting,
    defprim,
    example,
    ops,
    primal,
    undefprim,
)
from adcheck.engines.namespace import ad
from adcheck.engines.primitives._util import per_element
from adcheck.engines.testing import check_primitive


def test_defprim_rejects_duplicates_and_unequal_arity():
    with pytest.raises(ValueError, match="already"):
        defprim("tanh", np.tanh, jvp=(None,), vjp=(None,), flops=per_element(1))
    with pytest.raises(ValueError, match="rules"):
        defprim("twice_bad", np.add, jvp=(None, None), vjp=(None,), flops=per_element(1))
    assert "twice_bad" not in TABLE


def test_a_temporary_primitive_works_in_every_mode_and_leaves_no_trace():
    cube = defprim("cube_tmp", lambda x: x ** 3,
                   jvp=(lambda t, ans, x: ops.multiply(t, ops.multiply(3.0, x * x)),),
                   vjp=(lambda ct, ans, x: ops.multiply(ct, ops.multiply(3.0, x * x)),),
                   flops=per_element(2))
    try:
        f = lambda xp, x: ops.cube_tmp(x)  # noqa: E731
        assert T.grad(f)(ad, 2.0) == 12.0
        assert T.jvp(f, ad, (2.0,), 1.0)[1] == 12.0
        assert T.grad(T.grad(f))(ad, 2.0) == 12.0
        assert cube(2.0) == 8.0 and bind(cube, 2.0) == 8.0
    finally:
        undefprim("cube_tmp")
    assert "cube_tmp" not in TABLE and not hasattr(ops, "cube_tmp")


def test_counting_counts_calls_and_flops_and_nests():
    x = np.ones((3, 4))
    with counting() as outer:
        ad.tanh(x)
        with counting() as inner:
            ad.add(x, x)
    assert (outer.calls, outer.flops) == (2, 24)
    assert (inner.calls, inner.flops) == (1, 12)
    assert outer.by_primitive == {"tanh": 1, "add": 1}


def test_rule_arithmetic_is_counted_in_the_backward_sweep():
    """Rules use ops, so the sweep's numpy work shows up in the counters."""
    x = np.ones(5)
    _, pullback = T.vjp(lambda xp, x: xp.tanh(x), ad, (x,))
    with counting() as c:
        pullback(np.ones(5))
    assert c.by_primitive == {"multiply": 2, "subtract": 1}
    assert c.flops == 15


OPERATORS = {  # expression of x, its derivative at x = 1.5 (exact in binary)
    "add": (lambda x: x + 2.0, 1.0), "radd": (lambda x: 2.0 + x, 1.0),
    "sub": (lambda x: x - 2.0, 1.0), "rsub": (lambda x: 2.0 - x, -1.0),
    "mul": (lambda x: x * 3.0, 3.0), "rmul": (lambda x: 3.0 * x, 3.0),
    "truediv": (lambda x: x / 2.0, 0.5), "rtruediv": (lambda x: 3.0 / x, -3.0 / 2.25),
    "pow": (lambda x: x ** 2.0, 3.0), "neg": (lambda x: -x, -1.0), "pos": (lambda x: +x, 1.0),
    "abs": (lambda x: abs(-x), 1.0),
    "matmul": (lambda x: (x * np.ones(2)) @ np.ones(2), 2.0),
    "rmatmul": (lambda x: np.ones(2) @ (x * np.ones(2)), 2.0),
    "getitem": (lambda x: (x * np.ones(3))[1], 1.0),
    "T": (lambda x: (x * np.ones((2, 1))).T[0, 1], 1.0),
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_box_operators_dispatch_to_the_table(name, mode):
    expr, expected = OPERATORS[name]
    f = lambda xp, x: expr(x)  # noqa: E731
    d = T.grad(f)(ad, 1.5) if mode == "reverse" else T.jvp(f, ad, (1.5,), 1.0)[1]
    assert float(d) == expected


def test_levels_nest_and_primal_strips_every_box():
    def f(xp, x):
        value, pullback = T.vjp(lambda xp, y: y * x, xp, (x,))
        # the inner level is stripped from the value; the outer one remains
        assert isinstance(value, Box) and value.level == x.level and primal(value) == 9.0
        g = pullback(1.0)  # d(y·x)/dy = x: a box of the outer level
        assert isinstance(g, Box) and g.level == x.level
        return value

    assert T.jvp(f, ad, (3.0,), 1.0) == (9.0, 6.0)


@pytest.fixture
def flip():
    """A linear primitive given only its VJP: reverse the last axis (its own transpose)."""
    def impl(x):
        return np.flip(x, axis=-1)
    yield lambda vjp: defprim("flip_last", impl, vjp=(vjp,), linear=True, flops=lambda *a: 0,
                              examples=(example((2, 3)), example((4,))))
    if "flip_last" in TABLE:
        undefprim("flip_last")


def test_a_linear_primitive_needs_only_its_vjp(flip):
    flip(lambda ct, ans, x: ops.flip_last(ct))
    assert check_primitive("flip_last", checks=("jvp", "adjoint", "nestings", "taylor")) == 8


def test_a_wrong_vjp_of_a_linear_primitive_fails_against_its_derived_jvp(flip):
    flip(lambda ct, ans, x: ct)  # the identity is not the transpose of a flip
    with pytest.raises(AssertionError, match="adjoint"):
        check_primitive("flip_last", checks=("adjoint",))
