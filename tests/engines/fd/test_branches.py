"""Kinks: a finite-difference result whose stencil straddles a branch change of abs, sign,
maximum, minimum or where is inconclusive, located by the branch patterns, whatever its
estimate; away from the kink the same functions are differentiated as usual."""

import numpy as np
import pytest

from adcheck.engines.fd import Central, Richardson
from adcheck.engines.fd.branches import pattern

ENGINES = (Central(), Richardson())


def min_times(xp, a):
    return xp.minimum(a[0], a[1]) * a[0]


def abs_shift(xp, a):
    return xp.abs(a[0] - 0.04) * a[1]


def where_square(xp, a):
    return xp.sum(xp.where(a > 0.3, a * a, a))


KINKED = {  # (f, point on or next to its kink, the primitive that changes branch)
    "minimum near a tie": (min_times, np.array([0.5, 0.5 + 1e-9]), "minimum"),
    "abs at its kink": (abs_shift, np.array([0.04, 1.3]), "abs"),
    "where at its switch": (where_square, np.array([0.3, 1.0]), "where"),
}
SMOOTH = {  # the same functions away from their kinks: (f, x, gradient, hessian)
    "minimum": (min_times, np.array([0.5, 0.9]), [1.0, 0.0], [[2.0, 0.0], [0.0, 0.0]]),
    "abs": (abs_shift, np.array([0.5, 1.3]), [1.3, 0.46], [[0.0, 1.0], [1.0, 0.0]]),
    "where": (where_square, np.array([0.2, 1.0]), [1.0, 2.0], [[0.0, 0.0], [0.0, 2.0]]),
}


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize("kind", ["gradient", "hessian"])
@pytest.mark.parametrize("case", sorted(KINKED))
def test_a_kink_in_reach_is_inconclusive_with_the_reason(engine, kind, case):
    f, x, name = KINKED[case]
    r = getattr(engine, kind)(f, (x,))
    assert r.status == "inconclusive"
    assert f"{name} changes branch" in r.note and "kink" in r.note


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize("kind", ["gradient", "hessian"])
@pytest.mark.parametrize("case", sorted(SMOOTH))
def test_away_from_the_kink_the_derivative_is_found(engine, kind, case):
    f, x, grad, hess = SMOOTH[case]
    r = getattr(engine, kind)(f, (x,))
    exact = np.array(grad if kind == "gradient" else hess)
    assert r.status == "ok" and np.all(np.abs(r.value - exact) <= r.error + 1e-300)


def test_the_verdict_does_not_depend_on_the_estimate(monkeypatch):
    """The kink test reads branch patterns only: an estimate forced to zero changes nothing."""
    from adcheck.engines.fd import richardson

    monkeypatch.setattr(richardson, "SCATTER", 0.0)
    f, x, _ = KINKED["abs at its kink"]
    assert Richardson().hessian(f, (x,)).status == "inconclusive"


def test_richardson_restarts_below_a_kink_outside_its_zone():
    """A kink at 0.1 from x = 0.5 lies within the first steps (0.25): they straddle it, so
    the tableau starts again below and the derivative on x's own piece comes out."""
    f = lambda xp, x: xp.maximum(x[0] - 0.4, 0.0) ** 3  # noqa: E731
    r = Richardson().gradient(f, (np.array([0.5]),))
    assert r.status == "ok" and abs(r.value[0] - 3 * 0.1**2) <= r.error[0]


def test_pattern_records_each_choice():
    a = np.array([0.2, 0.7])
    assert pattern(min_times, (a,)) == pattern(min_times, (a + 0.01,))
    assert pattern(min_times, (a,)) != pattern(min_times, (a[::-1].copy(),))
    assert pattern(lambda xp, a: xp.sum(a * a), (a,)) == ()
