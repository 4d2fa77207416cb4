"""Nested derivatives: no perturbation confusion in any nesting, and orders three and four.

Siskind & Pearlmutter (2005): d/dx [x · d/dy (x + y)]|_{y=1} at x=1 is 1, and a differentiator
that confuses the two perturbations returns 2. Every nesting of the forward and reverse
interpreters is checked, and the meta-test shows a confused differentiator failing.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from adcheck.engines import transforms as T
from adcheck.engines.core import counting
from adcheck.engines.forward import ForwardTrace, JVPBox
from adcheck.engines.namespace import ad

EPS = float(np.finfo(np.float64).eps)
MODES = ("forward", "reverse")
PAIRS = list(itertools.product(MODES, MODES))
TRIPLES = list(itertools.product(MODES, MODES, MODES))


def derivative(f, mode):
    """d/dx of a scalar function f(xp, x), by one forward pass or one reverse sweep."""
    if mode == "forward":
        return lambda xp, x: T.jvp(f, xp, (x,), 1.0)[1]
    return T.grad(f)


def _id(modes):
    return "-over-".join(modes)


def confusion_sum(d_outer, d_inner):
    """d/dx [x · d/dy (x + y)|_{y=1}] at x = 1 (true value 1; confused value 2)."""
    def f(xp, x):
        return x * d_inner(lambda xp, y: x + y)(xp, 1.0)

    return float(d_outer(f)(ad, 1.0))


def confusion_product(d_outer, d_inner):
    """d/dx [x · d/dy (x·y)|_{y=1}] at x = 4 (true value 2x = 8)."""
    def f(xp, x):
        return x * d_inner(lambda xp, y: x * y)(xp, 1.0)

    return float(d_outer(f)(ad, 4.0))


# Both answers involve only small integers, so every nesting must get them exactly.
@pytest.mark.parametrize("outer, inner", PAIRS, ids=[_id(p) for p in PAIRS])
def test_no_perturbation_confusion_sum(outer, inner):
    assert confusion_sum(lambda f: derivative(f, outer), lambda f: derivative(f, inner)) == 1.0


@pytest.mark.parametrize("outer, inner", PAIRS, ids=[_id(p) for p in PAIRS])
def test_no_perturbation_confusion_product(outer, inner):
    value = confusion_product(lambda f: derivative(f, outer), lambda f: derivative(f, inner))
    assert value == 8.0


def _confused():
    """A differentiator whose calls all share one tag: the classic confusion bug."""
    shared = ForwardTrace()

    def d(f):
        def g(xp, x):
            out = f(xp, JVPBox(x, 1.0, shared))
            return out.tangent if isinstance(out, JVPBox) and out.tracer is shared else 0.0

        return g

    return d


def test_meta_confused_differentiator_fails_both_checks():
    d = _confused()
    assert confusion_sum(d, d) != 1.0
    assert confusion_product(d, d) != 8.0


# ----------------------------------------------------------------------------- third order

def tanh3_closed(x):
    """d³/dx³ tanh x = -2 sech²x (1 - 3 tanh²x), and the size of its terms."""
    t = np.tanh(x)
    s2 = 1.0 - t * t
    return -2.0 * s2 * (1.0 - 3.0 * t * t), 2.0 * s2 * (1.0 + 3.0 * t * t)


def tanh4_closed(x):
    """d⁴/dx⁴ tanh x = 8 tanh x sech²x (2 - 3 tanh²x), and the size of its terms."""
    t = np.tanh(x)
    s2 = 1.0 - t * t
    return 8.0 * t * s2 * (2.0 - 3.0 * t * t), 8.0 * abs(t) * s2 * (2.0 + 3.0 * t * t)


def nth(modes, f=lambda xp, x: xp.tanh(x)):
    """The len(modes)-th derivative, the first mode outermost."""
    for mode in reversed(modes):
        f = derivative(f, mode)
    return f


def assert_matches_closed_form(modes, x, closed):
    """AD through ``modes`` against ``closed`` within calls·eps·(size of the terms).

    Every primitive the derivative runs rounds once, each by at most eps relative to a
    quantity no larger than the sum of the closed form's terms; the bound counts the calls.
    """
    with counting() as c:
        value = float(nth(modes)(ad, x))
    expected, magnitude = closed(x)
    bound = c.calls * EPS * (magnitude + abs(expected))
    assert abs(value - expected) <= bound, f"{value!r} vs {expected!r}, bound {bound:.3g}"


@pytest.mark.parametrize("modes", TRIPLES, ids=[_id(m) for m in TRIPLES])
@pytest.mark.parametrize("x", [-1.3, 0.2, 0.9])
def test_third_derivative_of_tanh(modes, x):
    assert_matches_closed_form(modes, x, tanh3_closed)


@pytest.mark.parametrize("modes", [("forward",) * 4, ("reverse",) * 4,
                                   ("forward", "reverse", "forward", "reverse")],
                         ids=_id)
def test_fourth_derivative_of_tanh(modes):
    assert_matches_closed_form(modes, 0.7, tanh4_closed)


def test_meta_wrong_closed_form_fails():
    def wrong(x):  # sign of the tanh² term flipped
        t = np.tanh(x)
        return -2.0 * (1.0 - t * t) * (1.0 + 3.0 * t * t), 8.0

    with pytest.raises(AssertionError):
        assert_matches_closed_form(("forward", "reverse", "reverse"), 0.2, wrong)


@pytest.mark.parametrize("outer, inner", PAIRS, ids=[_id(p) for p in PAIRS])
def test_nested_gradient_of_closure_over_outer_variable(outer, inner):
    """d/dx ∇_y ⟨x, y⟩² at vectors: the inner gradient 2⟨x,y⟩x differentiated along x."""
    rng = np.random.default_rng(0)
    x0, y0, v = rng.standard_normal((3, 4))

    def inner_grad(xp, x):
        f = lambda xp, y: xp.sum(x * y) ** 2  # noqa: E731
        g = T.grad(f) if inner == "reverse" else T.jacfwd(f)
        return g(xp, y0)

    with counting() as c:
        if outer == "forward":
            got = T.jvp(inner_grad, ad, (x0,), v)[1]
        else:
            got = T.jacrev(inner_grad)(ad, x0) @ v
    # d/dx [2 (x·y) x] v = 2 (v·y) x + 2 (x·y) v; each primitive call rounds once at most
    expected = 2 * (v @ y0) * x0 + 2 * (x0 @ y0) * v
    terms = 2 * (np.abs(v) @ np.abs(y0) * np.abs(x0) + np.abs(x0) @ np.abs(y0) * np.abs(v))
    bound = c.calls * EPS * terms
    assert np.all(np.abs(got - expected) <= bound)
