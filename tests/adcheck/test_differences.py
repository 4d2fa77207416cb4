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
