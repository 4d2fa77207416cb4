import numpy as np

from adcheck import errmodel as em
from adcheck.judge import compare


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
