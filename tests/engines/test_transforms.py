"""The composable transforms: layout, argument selection, repeated sweeps, nesting."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.engines import transforms as T
from adcheck.engines.core import counting
from adcheck.engines.namespace import ad

EPS = float(np.finfo(np.float64).eps)
RNG_SEED = 3


def _within_rounding(got, expected, calls):
    """|got - expected| <= calls·eps·max|expected|: one rounding per counted primitive."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.max(np.abs(got - expected), initial=0.0) <= max(calls, 1) * EPS * scale


def test_numerator_layout_of_a_linear_map():
    a = np.random.default_rng(RNG_SEED).standard_normal((2, 3))
    x = np.ones(3)
    assert np.array_equal(T.jacfwd(lambda xp, x: a @ x)(ad, x), a)
    assert np.array_equal(T.jacrev(lambda xp, x: a @ x)(ad, x), a)


def test_jacobian_of_matrix_function_has_out_shape_plus_in_shape():
    x = np.random.default_rng(RNG_SEED).standard_normal((2, 3))

    def f(xp, x):
        return xp.matrix_transpose(x) * 2.0

    jf, jr = T.jacfwd(f)(ad, x), T.jacrev(f)(ad, x)
    assert jf.shape == jr.shape == (3, 2, 2, 3)
    assert np.array_equal(jf, jr)
    assert jf[2, 1, 1, 2] == 2.0 and jf[2, 1, 0, 2] == 0.0


def test_argnum_selects_the_argument():
    a, b = np.random.default_rng(RNG_SEED).standard_normal((2, 4))

    def f(xp, a, b):
        return xp.sum(a * xp.sin(b))

    assert np.array_equal(T.grad(f, 1)(ad, a, b), a * np.cos(b))
    with counting() as c:
        _, t = T.jvp(f, ad, (a, b), np.ones(4), argnum=1)
    _within_rounding(t, np.sum(a * np.cos(b)), c.calls * a.size)


def test_tuple_argnum_gives_every_gradient_from_one_sweep():
    a, b = np.random.default_rng(RNG_SEED).standard_normal((2, 4))

    def f(xp, a, b):
        return xp.sum(a * b * b)

    value, (ga, gb) = T.value_and_grad(f, (0, 1))(ad, a, b)
    assert value == np.sum(a * b * b)
    _within_rounding(ga, b * b, 4)
    _within_rounding(gb, 2 * a * b, 4)
    _, pullback = T.vjp(f, ad, (a, b), (0, 1))
    pullback(1.0)
    assert pullback.sweeps == 1 and pullback.trace.visited == 3


def test_pullback_can_sweep_twice_without_accumulating():
    x = np.array([0.5, -1.0])
    _, pullback = T.vjp(lambda xp, x: xp.tanh(x) * x, ad, (x,))
    first = pullback(np.ones(2))
    second = pullback(np.ones(2))
    assert np.array_equal(first, second) and pullback.sweeps == 2


def test_a_consumed_tape_refuses_a_second_sweep():
    _, pullback = T.vjp(lambda xp, x: xp.sum(xp.tanh(x)), ad, (np.ones(2),))
    pullback.consume = True
    pullback(1.0)
    assert all(e is None for e in pullback.trace.tape[2:])  # entries freed as swept
    with pytest.raises(RuntimeError, match="consumed"):
        pullback(1.0)


def test_grad_twice_records_twice():
    g = T.grad(lambda xp, x: xp.sum(xp.tanh(x) * x))
    x = np.array([0.2, -0.4])
    assert np.array_equal(g(ad, x), g(ad, x))


def test_grad_needs_a_scalar_and_the_ad_namespace():
    with pytest.raises(ValueError, match="scalar"):
        T.grad(lambda xp, x: x * 2.0)(ad, np.ones(2))
    with pytest.raises(TypeError, match="ad"):
        T.grad(lambda xp, x: xp.sum(x))(np, np.ones(2))


@pytest.mark.parametrize("outer", ["forward", "reverse"])
@pytest.mark.parametrize("inner", ["forward", "reverse"])
def test_hessian_of_a_quadratic_form_every_nesting(outer, inner):
    a = np.random.default_rng(RNG_SEED).standard_normal((3, 3))
    x = np.array([0.1, 2.0, -1.0])

    def f(xp, x):
        return x @ (a @ x)

    with counting() as c:
        h = T.hessian(f, outer=outer, inner=inner)(ad, x)
    _within_rounding(h, a + a.T, c.calls)
    v = np.array([1.0, -2.0, 0.5])
    with counting() as c:
        hv = T.hvp(f, outer=outer, inner=inner)(ad, v, x)
    _within_rounding(hv, (a + a.T) @ v, c.calls)


def test_third_order_by_composition():
    """d³/dx³ of x⁴ by grad∘grad∘grad (reverse, reverse, reverse) is 24x."""
    d3 = T.grad(T.grad(T.grad(lambda xp, x: x ** 4.0)))
    with counting() as c:
        value = d3(ad, 1.5)
    _within_rounding(value, 36.0, c.calls)


def test_container_outputs_give_a_container_of_jacobians_in_both_modes():
    """Regression: a tuple output was one all-zero Jacobian in forward and reverse mode."""
    x = np.array([0.5, -1.0, 2.0])

    def f(xp, x):
        return {"sin": xp.sin(x), "pair": (x, xp.sum(x * x))}

    for jac in (T.jacfwd(f), T.jacrev(f)):
        j = jac(ad, x)
        assert set(j) == {"sin", "pair"} and isinstance(j["pair"], tuple)
        assert np.array_equal(j["sin"], np.diag(np.cos(x)))
        assert np.array_equal(j["pair"][0], np.eye(3))
        assert np.array_equal(j["pair"][1], 2 * x)
    primal, tangent = T.jvp(f, ad, (x,), np.ones(3))
    assert np.array_equal(tangent["pair"][0], np.ones(3))
    _, pullback = T.vjp(f, ad, (x,))
    ct = {"sin": np.ones(3), "pair": (None, 1.0)}  # None: that output's cotangent is zero
    assert np.array_equal(pullback(ct), np.cos(x) + 2 * x)


def test_grad_of_a_container_says_what_to_do():
    with pytest.raises(ValueError, match="tuple of 2 arrays.*jacrev"):
        T.grad(lambda xp, x: (xp.sum(x), xp.sum(x)))(ad, np.ones(2))
