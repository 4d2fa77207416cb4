"""Step sweep and Taylor remainders: the data behind the report's plots, and their slopes."""

import numpy as np

from adcheck.engines.exact import evaluate_exact
from adcheck.engines.fd import fitted_slope, step_sweep, taylor_remainder


def f(xp, x):
    return xp.sum(xp.exp(xp.sin(x)) * xp.tanh(x))


def grad(xp, x):
    s, t = xp.exp(xp.sin(x)), xp.tanh(x)
    return s * xp.cos(x) * t + s * (1.0 - t * t)


X, V = np.array([0.3, -0.7]), np.array([1.0, 0.5])


def test_each_scheme_shrinks_at_its_order():
    exact = float(np.sum(np.asarray(evaluate_exact(grad, (X,)), dtype=float) * V))
    hs = np.logspace(-1, -2.5, 7)  # truncation dominates here for all three
    s = step_sweep(f, (X,), 0, V, exact, hs=hs)
    orders = {k: round(fitted_slope(hs, s[k])) for k in ("forward", "central", "richardson")}
    assert orders == {"forward": 1, "central": 2, "richardson": 4}


def test_complex_step_has_no_cancellation_and_refuses_abs():
    exact = float(np.sum(np.asarray(evaluate_exact(grad, (X,)), dtype=float) * V))
    s = step_sweep(f, (X,), 0, V, exact)
    tiny = [e for h, e in zip(s["h"], s["complex-step"]) if h <= 1e-8]
    assert max(tiny) <= 4 * np.finfo(float).eps
    assert min(s["central"]) > max(tiny)  # the V of differences never reaches complex step
    assert step_sweep(lambda xp, x: xp.sum(xp.abs(x)), (X,), 0, V, 1.0)["complex-step"] is None


def test_taylor_slopes_two_and_three_and_a_wrong_gradient_fails():
    q = lambda xp, x: xp.sum(xp.exp(x) * x)  # noqa: E731
    x = np.array([0.2, -0.4, 0.9])
    g = np.exp(x) * (1 + x)
    h = np.diag(np.exp(x) * (2 + x))
    rng = np.random.default_rng(0)
    t = taylor_remainder(q, (x,), 0, g, h, rng=rng)
    assert round(t["slope_first"]) == 2 and round(t["slope_second"]) == 3
    wrong_g = taylor_remainder(q, (x,), 0, 1.01 * g, h, rng=rng)
    assert round(wrong_g["slope_first"]) == 1
    wrong_h = taylor_remainder(q, (x,), 0, g, 2 * h, rng=rng)
    assert round(wrong_h["slope_second"]) == 2
