"""The exact oracle: closed forms to 40 digits, every primitive covered, honest rounding."""

from fractions import Fraction
from math import comb, factorial

import mpmath
import numpy as np
import pytest

from adcheck.engines.exact import (
    evaluate_exact,
    norm_rel_error,
    rel_error,
    to_exact,
    to_float,
    ulps,
)
from adcheck.engines.namespace import numpy_ns
from adcheck.identities import pde

DIGITS = 40
ERF_1 = "0.84270079294971486934122063508260925929606699796630290845994"


def agree(value, reference, digits=DIGITS) -> bool:
    """True when value matches reference to ``digits`` significant digits."""
    with mpmath.workdps(digits + 20):
        value, reference = to_exact(value), to_exact(reference)
        return all(abs(a - b) <= mpmath.mpf(10) ** -digits * abs(b)
                   for a, b in zip(value.flat, reference.flat))


def hilbert(xp, n):
    one = xp.asarray(1.0)
    return xp.stack([xp.stack([one / (i + j + 1) for j in range(n)]) for i in range(n)])


def hilbert_inverse(n):
    """(H⁻¹)_ij = (−1)^(i+j) (i+j+1) C(n+i, n−j−1) C(n+j, n−i−1) C(i+j, i)², exact integers."""
    return [[(-1) ** (i + j) * (i + j + 1) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1)
             * comb(i + j, i) ** 2 for j in range(n)] for i in range(n)]


def hilbert_det(n):
    c = lambda m: np.prod([factorial(i) for i in range(1, m)], dtype=object)  # noqa: E731
    return Fraction(int(c(n)) ** 4, int(c(2 * n)))


def bs_call(xp, S, K, T, r, sigma):
    """The catalogue's Black–Scholes call (``adcheck.identities.pde``), priced at t = 0."""
    return pde.bs_call(xp, S, 0.0, sigma, r, K, T)


def bs_reference(S, K, T, r, sigma):
    """The same price straight from mpmath's normal CDF (an independent code path)."""
    with mpmath.workdps(70):
        S, K, T, r, sigma = map(mpmath.mpf, (S, K, T, r, sigma))
        d1 = (mpmath.log(S / K) + (r + sigma**2 / 2) * T) / (sigma * mpmath.sqrt(T))
        d2 = d1 - sigma * mpmath.sqrt(T)
        return S * mpmath.ncdf(d1) - K * mpmath.exp(-r * T) * mpmath.ncdf(d2)


def test_erf_of_one_to_40_digits():
    with mpmath.workdps(60):
        assert agree(evaluate_exact(lambda xp, x: xp.erf(x), (1.0,)), mpmath.mpf(ERF_1))


@pytest.mark.parametrize("n", [3, 5])
def test_hilbert_det_and_inverse_to_40_digits(n):
    with mpmath.workdps(60):
        det = hilbert_det(n)
        assert agree(evaluate_exact(lambda xp: xp.linalg.det(hilbert(xp, n)), ()),
                     mpmath.mpf(det.numerator) / det.denominator)
        inv = evaluate_exact(lambda xp: xp.linalg.inv(hilbert(xp, n)), ())
        assert agree(inv, np.array(hilbert_inverse(n), dtype=object))
        x = evaluate_exact(lambda xp: xp.linalg.solve(hilbert(xp, n), xp.ones(n)), ())
        assert agree(x, np.array(hilbert_inverse(n), dtype=object).sum(axis=1))


def test_black_scholes_call_to_40_digits_and_its_rounding():
    args = (100.0, 100.0, 1.0, 0.05, 0.2)
    price = evaluate_exact(bs_call, args)
    assert agree(price, bs_reference(*args))
    assert f"{to_float(price):.15g}" == "10.4505835721856"


def test_a_wrong_closed_form_fails_the_comparison():
    def wrong(xp, S, K, T, r, sigma):  # d2 = d1 + σ√T: a sign slip
        d1 = (xp.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * xp.sqrt(T))
        N = lambda z: 0.5 * (1.0 + xp.erf(z / xp.sqrt(2.0)))  # noqa: E731
        return S * N(d1) - K * xp.exp(-r * T) * N(d1 + sigma * xp.sqrt(T))

    tiny = lambda xp, *a: bs_call(xp, *a) * 2.0**-140 + bs_call(xp, *a)  # noqa: E731  (digit 43)
    args = (100.0, 100.0, 1.0, 0.05, 0.2)
    assert not agree(evaluate_exact(wrong, args), bs_reference(*args))
    assert not agree(evaluate_exact(tiny, args), bs_reference(*args), digits=45)
    assert agree(evaluate_exact(tiny, args), bs_reference(*args), digits=40)


def composite(xp, x, A):
    """Touches most primitives; evaluated in numpy and exactly it must agree to rounding."""
    y = xp.tanh(A @ x) + xp.sin(x) * xp.cos(x) - xp.sinh(x) / xp.cosh(x)
    z = xp.log1p(x * x) + xp.expm1(x) + xp.sqrt(1.0 + x * x) + xp.erf(x) + xp.abs(x)
    w = xp.maximum(x, 0.1) - xp.minimum(x, 0.2) + xp.sign(x) + xp.logaddexp(x, 2.0 * x)
    m = xp.outer(y, z) + xp.diag(w) + xp.eye(3) * 4.0
    s = xp.linalg.slogdet(m)[1] + xp.linalg.det(m) + xp.trace(xp.linalg.inv(m))
    v = xp.linalg.solve(m, xp.concat([x[:2], xp.stack([x[2]])]))
    u = xp.where(x > 0, x, -x) ** 2.0 + xp.mean(xp.reshape(m.T, (9,)))
    return s + xp.sum(v) + xp.sum(u) + xp.exp(-xp.sum(xp.transpose(m)[0]))


def test_namespace_agrees_with_numpy_to_rounding():
    x = np.array([0.3, -0.5, 0.8])
    A = np.arange(9.0).reshape(3, 3) / 10
    exact = evaluate_exact(composite, (x, A))
    approx = composite(numpy_ns, x, A)
    assert rel_error(approx, exact) < 1e3 * np.finfo(float).eps  # rounding of ~50 operations


def test_rounding_and_error_measures():
    rng = np.random.default_rng(0)
    with mpmath.workdps(50):
        e = to_exact(rng.standard_normal(20)) / 3
    f = to_float(e)
    assert np.all(ulps(f, e) <= 0.5)
    assert np.all(np.round(ulps(np.nextafter(f, np.inf), e)) == 1)
    assert norm_rel_error(f, e) <= np.finfo(float).eps


def test_inputs_are_converted_exactly_and_not_mutated():
    x = np.array([0.1, 0.7])
    out = evaluate_exact(lambda xp, x, n: x * n, (x, 3))
    assert x.tolist() == [0.1, 0.7]
    with mpmath.workdps(60):
        assert out[0] == mpmath.mpf(0.1) * 3
