import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adcheck.judging import errmodel as em
from adcheck.judging.judge import compare


def _gram(n, rng):
    a, x = rng.normal(size=(n, n)), rng.normal(size=n)
    f = lambda xp, x, a: xp.sum((a @ x) * (a @ x))  # noqa: E731
    return f, (x, a), 2 * a.T @ (a @ x)


def test_allowance_is_the_documented_sum():
    ref = np.array([1.0, -2.0])
    b = em.Bound(ref, np.array([10.0, 20.0]))
    allow = em.allowance(ref, [b], ref_err=1e-20, estimate=np.array([1e-12, 0.0]))
    expect = em.ROUTE_FACTOR * em.U * b.err + em.U * np.abs(ref) + 1e-20 \
        + em.FD_TRUST * np.array([1e-12, 0.0])
    assert np.allclose(allow.total, expect, rtol=1e-15)
    assert "engine estimate" in allow.why(0) and "rounding" in allow.why(1)


def test_correct_result_passes_and_small_corruption_fails():
    rng = np.random.default_rng(0)
    f, args, exact = _gram(6, rng)
    b = em.derivative_bound("gradient", f, args, 0)
    allow = em.allowance(exact, [b])
    assert compare(b.value, exact, allow).outcome == "pass"
    # A corruption 1000x the allowance in one component must fail: the check can fail.
    bad = b.value.copy()
    bad[2] += 1e3 * allow.total[2]
    assert compare(bad, exact, allow).outcome == "fail"


def test_allowance_is_tight_relative_to_the_answer():
    rng = np.random.default_rng(2)
    f, args, exact = _gram(5, rng)
    allow = em.allowance(exact, [em.derivative_bound("gradient", f, args, 0)])
    assert np.max(allow.total / np.abs(exact)) < 1e-12


@st.composite
def _gram_case(draw):
    m, n = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    scale = 10.0 ** draw(st.integers(-30, 30))
    elems = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    a = draw(hnp.arrays(np.float64, (m, n), elements=elems)) * scale
    x = draw(hnp.arrays(np.float64, (n,), elements=elems))
    return a, x


@settings(max_examples=40, deadline=None)
@given(_gram_case())
def test_property_correct_engines_pass_and_corruptions_fail(case):
    from adcheck import engines
    from adcheck.engines.exact import evaluate_exact

    a, x = case
    f = lambda xp, x, a: xp.sum((a @ x) * (a @ x))  # noqa: E731
    g = lambda xp, x, a: 2.0 * (xp.matrix_transpose(a) @ (a @ x))  # noqa: E731
    ref = np.vectorize(float, otypes=[float])(np.asarray(evaluate_exact(g, (x, a)), dtype=object))
    bounds = [em.derivative_bound("gradient", f, (x, a), 0), em.function_bound(g, (x, a))]
    allow = em.allowance(ref, bounds)
    for name in ("reverse", "forward"):
        v = engines.get(name).gradient(f, (x, a), 0).value
        assert compare(v, ref, allow).outcome == "pass", name
    if np.any(ref):
        bad = ref.copy()
        i = int(np.argmax(np.abs(ref)))
        bad[i] += 1e-10 * np.max(np.abs(ref))
        assert compare(bad, ref, allow).outcome == "fail"


def test_the_finite_difference_floor_follows_the_relative_step():
    # the engines step relative to |x| at every magnitude, so at |x| ~ 1e-200 they divide the
    # function's rounding by steps 1e200 times smaller than at |x| ~ 1: so does the floor
    assert em.fd_floor(1, 1.0, 1e-200) == pytest.approx(1e200 * em.fd_floor(1, 1.0, 1.0))
    assert em.fd_floor(1, 1.0, 1e-3) == pytest.approx(1e3 * em.fd_floor(1, 1.0, 1.0))
    assert em.fd_floor(2, 1.0, 1e-3) == pytest.approx(1e6 * em.fd_floor(2, 1.0, 1.0))
    assert em.fd_floor(1, 1.0, 0.0) == em.fd_floor(1, 1.0, 1.0)  # an all-zero input: unit steps
