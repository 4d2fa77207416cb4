"""adcheck.frameworks.differences: the fallback's steps follow the function's own scale, and
its estimate says how far to trust each component."""

import numpy as np

from adcheck.frameworks import differences as D


def _flat(fn, x):
    return D.Flat(lambda parts: np.atleast_1d(fn(parts[0])), [np.asarray(x, dtype=float)])


def test_a_function_varying_far_below_the_inputs_scale_is_followed_down_to_it():
    a = 1.0 + 1e-7  # 1/(a - x) at x = 1: it varies on 1e-7 of |x|
    F = _flat(lambda x: 1.0 / (a - x), [1.0])
    (J,), (E,) = D.jacobian(F)
    true = 1.0 / (a - 1.0) ** 2
    assert abs(J[0, 0] - true) <= 100 * E[0, 0] and E[0, 0] < 1e-6 * true


def test_second_derivatives_are_the_forwards_and_steps_out_of_the_domain_are_skipped():
    def f(x):
        if x[0] < 0:
            raise ValueError("outside the domain")
        return np.array([np.sqrt(x[0]) * x[1], x[1] ** 3])
    F = _flat(f, [0.01, 2.0])
    w = np.array([1.0, 0.5])
    (H,), (E,) = D.hessian(F, w)
    true = np.array([[-0.25 * 0.01 ** -1.5 * 2.0, 0.5 * 0.01 ** -0.5],
                     [0.5 * 0.01 ** -0.5, 3.0 * 2.0]])
    assert np.all(np.abs(H - true) <= 100 * E) and np.all(E < 1e-6 * np.abs(true).max())


def test_the_estimate_of_a_function_without_truncation_is_its_rounding():
    F = _flat(lambda x: 3.0 * x, [2.0, -1.0])
    (J,), (E,) = D.jacobian(F)
    assert np.allclose(J, 3 * np.eye(2)) and np.all(E < 1e-12)
    assert D.cost(2, 2, 1) == 2 * D.LEVELS * 2 and D.cost(3, 1, 2) == 4 * D.LEVELS * 6


def test_a_coarse_step_that_does_not_resolve_its_value_is_never_taken():
    """Regression: above the scale a solve at cond(A) = 1e8 varies on, the mixed quotients grow
    as 1/h^2, each with an estimate some times its value and shrinking with it; the ladder took
    a coarse step's 0.71 +- 10.6 for a second derivative of -7.12e13 (the value at 60 digits
    by mpmath), and a correct custom rule failed (the ill-conditioned campaign, make test-all)."""
    A = np.array([[0.01072068125902974, -0.0011435886797077543],
                  [0.9943010220092612, -0.10606241949726149]])
    b = np.array([-1.611770580531976, -1.4920666426341114])
    F = D.Flat(lambda parts: np.linalg.solve(*parts), [A, b])
    a, c = np.eye(6)[1], np.eye(6)[5]  # d/dA[0, 1] d/db[1] of 0.3 x0 - 0.7 x1
    value, estimate = D.second(F, a, c, np.array([0.3, -0.7]))
    exact = -71205906146955.316
    assert abs(value[0] - exact) <= estimate[0] <= 0.05 * abs(exact), (value, estimate)
