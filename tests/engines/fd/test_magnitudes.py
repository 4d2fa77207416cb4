"""Every finite-difference engine at every magnitude from 1e-150 to 1e150: steps relative to the
input, so a correct derivative lies within the engine's estimate and a closed form off by
(1 + 1e-6) lies outside the judge's allowance (FD_TRUST times that estimate) wherever the
engine resolves the derivative that finely."""

import mpmath
import numpy as np
import pytest

from adcheck.engines.fd import Central, ComplexStep, Richardson
from adcheck.judging.errmodel import FD_TRUST

SCALES = (1e-150, 1e-100, 1e-20, 1.0, 1e20, 1e100, 1e150)
ENGINES = (Central(), Richardson(), ComplexStep())
X = np.array([0.7, -1.3, 0.4])


def square(xp, x):
    return xp.sum(x * x) + x[0] * x[1]


def ratio(xp, x):
    """Homogeneous of degree 0: its value stays O(1) at every scale, so its rounding does."""
    return (x[0] * x[1] + x[2] * x[2]) / xp.sum(x * x)


FUNCTIONS = {"square": square, "ratio": ratio}
# What each engine must reach (relative): richardson and complex step extrapolate or avoid
# cancellation; central's single second difference stops near eps^(1/2).
ACCURACY = {"gradient": 1e-8, "hessian": 1e-6}
CENTRAL_ACCURACY = {"gradient": 1e-8, "hessian": 1e-4}


def exact(kind, name, x):
    """The derivative at 50 digits (closed forms in mpmath), rounded to float64."""
    with mpmath.workdps(50):
        x = [mpmath.mpf(float(v)) for v in x]
        g, h = (_square if name == "square" else _ratio)(x)
        out = g if kind == "gradient" else h
        return np.array([[float(v) for v in row] for row in out]) if kind == "hessian" else \
            np.array([float(v) for v in out])


def _square(x):
    g = [2 * x[0] + x[1], 2 * x[1] + x[0], 2 * x[2]]
    return g, [[2, 1, 0], [1, 2, 0], [0, 0, 2]]


def _ratio(x):
    n, d = x[0] * x[1] + x[2] ** 2, sum(v * v for v in x)
    dn, ddn = [x[1], x[0], 2 * x[2]], [[0, 1, 0], [1, 0, 0], [0, 0, 2]]
    g = [dn[i] / d - 2 * n * x[i] / d**2 for i in range(3)]
    h = [[ddn[i][j] / d - 2 * (dn[i] * x[j] + x[i] * dn[j]) / d**2 - 2 * n * (i == j) / d**2
          + 8 * n * x[i] * x[j] / d**3 for j in range(3)] for i in range(3)]
    return g, h


def resolves(engine, kind) -> bool:
    """Whether the engine's estimate is meant to resolve 1e-6 relative (central's second
    differences stop near 1e-7, and FD_TRUST times that is above 1e-6)."""
    return not (engine.name == "central" and kind == "hessian")


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize("case", sorted(FUNCTIONS))
@pytest.mark.parametrize("kind", ["gradient", "hessian"])
@pytest.mark.parametrize("scale", SCALES, ids=lambda s: f"{s:g}")
def test_correct_within_the_estimate_and_a_near_miss_outside(engine, case, kind, scale):
    f, x = FUNCTIONS[case], X * scale
    ref = exact(kind, case, x)
    r = getattr(engine, kind)(f, (x,))
    assert r.status == "ok", r.note
    err = np.abs(r.value - ref)
    assert np.all(err <= r.error), (err, r.error)
    goal = (CENTRAL_ACCURACY if engine.name == "central" else ACCURACY)[kind]
    assert np.max(err) <= goal * np.max(np.abs(ref))  # the step followed the input
    if resolves(engine, kind):
        wrong = ref * (1 + 1e-6)
        assert np.any(np.abs(r.value - wrong) > FD_TRUST * r.error)


@pytest.mark.parametrize("engine", [Central(), Richardson()], ids=lambda e: e.name)
def test_at_1e_minus_20_a_wrong_closed_form_3x_for_2x_is_caught(engine):
    """The regression: steps of about 1e-5 (absolute) made the derivative of x² at x ~ 1e-20
    pure noise, and 3x passed for 2x."""
    x = np.array([1.0, -2.0, 0.5]) * 1e-20
    r = engine.gradient(lambda xp, x: xp.sum(x * x), (x,))
    assert np.all(np.abs(r.value - 2 * x) <= 1e-8 * np.abs(2 * x))
    assert np.all(np.abs(r.value - 3 * x) > FD_TRUST * r.error)


def test_complex_step_keeps_its_digits_near_the_underflow():
    """At x ~ 1e-150 the product h·f' of a 2^-60 relative step falls among the subnormal
    numbers (relative precision ~1e-5 there); the wider step keeps a few-ulp result."""
    x = np.array([1.0, -2.0, 0.5]) * 1e-150
    r = ComplexStep().gradient(lambda xp, x: xp.sum(x * x), (x,))
    assert np.all(np.abs(r.value - 2 * x) <= 8 * np.spacing(np.abs(2 * x)))
