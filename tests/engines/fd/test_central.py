"""The central engine: textbook steps, second-order accuracy, honest kinks, untouched inputs."""

import math

import numpy as np
import pytest

from adcheck.engines.exact import evaluate_exact, to_float
from adcheck.engines.fd import Central, fitted_slope
from adcheck.engines.fd import central as central_mod

ENGINE = Central()


def smooth(xp, x):
    return xp.sum(xp.exp(xp.sin(x)) * xp.tanh(x))


def smooth_grad(xp, x):
    s, t = xp.exp(xp.sin(x)), xp.tanh(x)
    return s * xp.cos(x) * t + s * (1.0 - t * t)


X = np.array([0.3, -0.7, 1.1])


def test_gradient_within_its_error_estimate():
    r = ENGINE.gradient(smooth, (X,))
    exact = to_float(evaluate_exact(smooth_grad, (X,)))
    assert r.status == "ok"
    assert np.all(np.abs(r.value - exact) <= r.error)


def test_costs_two_evaluations_per_input_for_a_smooth_function():
    assert ENGINE.gradient(smooth, (X,)).cost.evaluations == 2 * X.size


@pytest.mark.parametrize("order", [1, 2])
def test_error_shrinks_at_second_order(monkeypatch, order):
    """Measured slope of error against the step is 2 for both stencils."""
    name = "H1" if order == 1 else "H2"
    hs = [2.0**-k for k in range(3, 8)]
    exact = evaluate_exact(smooth_grad, (X,))
    errs = []
    for h in hs:
        monkeypatch.setattr(central_mod, name, h)
        if order == 1:
            errs.append(abs(ENGINE.jvp(smooth, (X,), 0, np.eye(3)[0]).value - float(exact[0])))
        else:
            f = lambda xp, x: xp.exp(xp.sin(x[0]))  # noqa: E731
            g2 = math.exp(math.sin(0.3)) * (math.cos(0.3) ** 2 - math.sin(0.3))
            errs.append(abs(float(ENGINE.hessian(f, (X,)).value[0, 0]) - g2))
    assert round(fitted_slope(hs, errs)) == 2


def test_every_kind_has_the_right_layout():
    A = np.arange(6.0).reshape(2, 3) / 7
    r = ENGINE.jacobian(lambda xp, x, A: A @ x, (X, A))
    assert r.value.shape == (2, 3) and np.all(np.abs(r.value - A) <= r.error + 1e-300)
    f = lambda xp, x: xp.sum(x * x * x)  # noqa: E731
    h = ENGINE.hessian(f, (X,))
    assert np.all(np.abs(h.value - np.diag(6 * X)) <= h.error)
    v = np.array([1.0, 2.0, -1.0])
    hv = ENGINE.hvp(f, (X,), 0, v)
    assert np.all(np.abs(hv.value - 6 * X * v) <= hv.error)
    lap = ENGINE.laplacian(f, (X,))
    assert abs(lap.value - 6 * X.sum()) <= lap.error
    ct = np.array([1.0, -1.0])
    vj = ENGINE.vjp(lambda xp, x, A: A @ x, (X, A), 0, ct)
    assert np.all(np.abs(vj.value - ct @ A) <= vj.error + 1e-300)


def test_inputs_are_not_mutated():
    x = X.copy()
    ENGINE.hessian(smooth, (x,))
    ENGINE.gradient(smooth, (x,))
    assert np.array_equal(x, X)


@pytest.mark.parametrize("x0", [0.3, 0.3 + 1e-9, 0.3 - 3e-7])
def test_kink_inside_the_stencil_is_inconclusive(x0):
    r = ENGINE.jvp(lambda xp, x: xp.maximum(x - 0.3, 0.0), (np.array(x0),), 0, np.array(1.0))
    assert r.status == "inconclusive" and "kink" in r.note


def test_a_piecewise_function_away_from_its_kink_is_fine():
    f = lambda xp, x: xp.where(x > 0, x * x, -x)  # noqa: E731
    r = ENGINE.jvp(f, (np.array(0.5),), 0, np.array(1.0))
    assert r.status == "ok" and abs(r.value - 1.0) <= r.error
