"""Complex step: a few ulps on analytic functions, a clear refusal on the others."""

import numpy as np
import pytest

from adcheck.engines.exact import evaluate_exact, ulps
from adcheck.engines.fd import ComplexStep

ENGINE = ComplexStep()


def test_tanh_and_quadratic_gradient_within_a_few_ulps():
    r = ENGINE.gradient(lambda xp, x: xp.tanh(x), (np.array(0.7),))
    exact = evaluate_exact(lambda xp, x: 1.0 - xp.tanh(x) ** 2, (0.7,))
    assert ulps(r.value, exact) <= 4 and r.cost.evaluations == 1
    rng = np.random.default_rng(0)
    b = rng.standard_normal((6, 6))
    Q, x = b + b.T, rng.standard_normal(6)
    r = ENGINE.gradient(lambda xp, x, Q: x @ Q @ x, (x, Q))
    exact = evaluate_exact(lambda xp, x, Q: 2.0 * (Q @ x), (x, Q))
    assert np.all(np.abs(r.value - np.asarray(exact, dtype=float)) <= r.error + 4 * np.spacing(
        np.abs(r.value)))


@pytest.mark.parametrize("name,f", [
    ("abs", lambda xp, x: xp.abs(x)),
    ("maximum", lambda xp, x: xp.maximum(x, 0.0)),
    ("sign", lambda xp, x: xp.sign(x) * x),
    ("greater", lambda xp, x: xp.where(x > 0, x, 0.0)),
])
def test_non_analytic_functions_are_refused(name, f):
    r = ENGINE.jvp(f, (np.array(0.5),), 0, np.array(1.0))
    assert r.status == "not-applicable" and name in r.note and "analytic" in r.note


def test_where_on_a_constant_condition_is_allowed():
    mask = np.array([True, False])
    r = ENGINE.gradient(lambda xp, x: xp.sum(xp.where(mask, x * x, 3.0 * x)),
                        (np.array([2.0, 5.0]),))
    assert r.status == "ok" and np.array_equal(r.value, [4.0, 3.0])


def test_analytic_continuations_of_logabsdet_logaddexp_erf():
    a = np.array([[2.0, 1.0], [0.5, -3.0]])
    r = ENGINE.gradient(lambda xp, a: xp.linalg.slogdet(a)[1], (a,))
    assert np.allclose(r.value, np.linalg.inv(a).T, rtol=4 * np.finfo(float).eps)
    f = lambda xp, x: xp.sum(xp.erf(x) * xp.logaddexp(x, 2.0 * x))  # noqa: E731
    x = np.array([0.3, -0.2])
    exact = evaluate_exact(lambda xp, x: xp.stack([
        2.0 / xp.sqrt(xp.pi) * xp.exp(-x[i] ** 2) * xp.logaddexp(x[i], 2.0 * x[i])
        + xp.erf(x[i]) * (xp.exp(x[i]) + 2.0 * xp.exp(2.0 * x[i]))
        / (xp.exp(x[i]) + xp.exp(2.0 * x[i])) for i in range(2)]), (x,))
    assert np.all(ulps(ENGINE.gradient(f, (x,)).value, exact) <= 8)


def test_second_derivatives_within_their_estimate():
    u = lambda xp, p: xp.sin(xp.pi * p[0]) * xp.sin(xp.pi * p[1])  # noqa: E731
    p = np.array([0.3, 0.4])
    exact = float(evaluate_exact(lambda xp, p: -2.0 * xp.pi**2 * u(xp, p), (p,)))
    r = ENGINE.laplacian(u, (p,))
    assert abs(r.value - exact) <= r.error
    h = ENGINE.hessian(lambda xp, x: x[0] * x[0] * x[1], (np.array([1.0, 2.0]),))
    assert np.all(np.abs(h.value - [[4.0, 2.0], [2.0, 0.0]]) <= h.error + 1e-300)


def test_arrays_built_from_perturbed_values_keep_the_perturbation():
    r = ENGINE.gradient(lambda xp, x: xp.sum(xp.asarray([x[0] * x[1], x[1]])),
                        (np.array([0.4, -1.3]),))
    assert np.array_equal(r.value, [-1.3, 1.4])


def test_gradient_of_non_analytic_function_is_not_applicable_with_the_reason():
    from adcheck import engines

    r = engines.get("complex-step").gradient(lambda xp, x: xp.sum(xp.abs(x)),
                                             (np.array([1.0, -2.0]),))
    assert r.status == "not-applicable"
    assert "abs" in r.note and "central" in r.note


def test_black_scholes_gamma_on_the_catalogue_inputs():
    """Complex step's second derivative (extrapolated differences of exact slopes) on the
    catalogue's gamma inputs: at least 48 of 50 within 1e-6 (all 50 of today's draws; the
    former steps left up to 4 off, by as much as 2%)."""
    from tests.engines.fd.test_richardson import _gamma_cases

    rec, cases = _gamma_cases()
    errs = [float(np.abs(ENGINE.hessian(rec.f, a, rec.wrt).value - ref).max() / np.abs(ref).max())
            for a, ref in cases]
    assert sum(e <= 1e-6 for e in errs) >= 48
