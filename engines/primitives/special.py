"""Special functions of statistics and machine learning (scipy.special names).

Derivatives: DLMF 7.2 (erfc), 7.17 (erfinv as the inverse of erf), 5.15 (log-gamma and the
polygamma functions), 10.29.1 (I_v' = (I_{v-1} + I_{v+1})/2); the logistic function
σ' = σ(1 − σ); log Φ and Φ⁻¹ by the chain rule through the normal density φ.
"""

from __future__ import annotations

import math

import mpmath

from ..core import example
from ..lazy import lazy
from ._highprec import balls, from_arb, to_arb
from ._scalar import param_prim, scalar_prim

sympy, sp = lazy("sympy"), lazy("scipy.special")  # imported on first call

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _inside_unit(rng, shape):
    return rng.uniform(-0.8, 0.8, shape)


def _probability(rng, shape):
    return rng.uniform(0.1, 0.9, shape)


def _away_from_zeros(rng, shape):
    """log Γ vanishes at 1 and 2, where a relative rounding model cannot hold: test beyond."""
    return rng.uniform(2.5, 6.0, shape)


def _gauss(xp, x):
    """exp(−x²)."""
    return xp.exp(xp.negative(xp.multiply(x, x)))


scalar_prim(
    "erfc", sp.erfc, lambda xp, ans, x: xp.multiply(-_TWO_OVER_SQRT_PI, _gauss(xp, x)),
    xp="special.erfc", exact=mpmath.erfc, sym=sympy.erfc, cite="DLMF 7.2.1-7.2.2",
)
scalar_prim(
    "erfinv", sp.erfinv,
    lambda xp, ans, x: xp.multiply(0.5 * math.sqrt(math.pi), xp.exp(xp.multiply(ans, ans))),
    xp="special.erfinv", domain=(_inside_unit,), uses=("ans",), analytic=False,
    exact=mpmath.erfinv, sym=sympy.erfinv,
    cite="inverse-function rule on DLMF 7.2.1: 1/erf'(erfinv x)",
)
scalar_prim(
    "expit", sp.expit, lambda xp, ans, x: xp.multiply(ans, xp.subtract(1.0, ans)),
    xp="special.expit", uses=("ans",), analytic=False,
    exact=lambda x: 1 / (1 + mpmath.exp(-x)), sym=lambda x: 1 / (1 + sympy.exp(-x)),
    cite="logistic function: s' = s (1 - s)",
)


def _arb_log_abs_gamma(flint, x):
    a = to_arb(flint, x)
    return from_arb(flint, a.lgamma() if a > 0 else abs(a.gamma()).log())


# FLINT's balls where installed (3x mpmath's loggamma at 150 digits), mpmath otherwise
_log_abs_gamma = balls(_arb_log_abs_gamma, lambda x: mpmath.log(abs(mpmath.gamma(x))))


def _arb_psi(flint, n, x):
    z = flint.acb(to_arb(flint, x)).polygamma(n)
    if not z.imag.is_zero():
        raise ArithmeticError("not real")  # to mpmath, which says what it says there
    return from_arb(flint, z.real)


# psi^(n) through FLINT's balls where installed (9x mpmath.psi(1, x) at 150 digits)
_psi = balls(_arb_psi, lambda n, x: mpmath.psi(n, x))


scalar_prim(
    "gammaln", sp.gammaln, lambda xp, ans, x: xp.special.digamma(x),
    xp="special.gammaln", domain=(_away_from_zeros,), analytic=False,
    exact=_log_abs_gamma, sym=lambda x: sympy.log(sympy.Abs(sympy.gamma(x))),
    cite="DLMF 5.15.1: (log Gamma)' = psi",
)


def _polygamma_impl(x, *, n):
    return sp.polygamma(n, x)


param_prim(
    "polygamma", _polygamma_impl, lambda xp, ans, x, *, n: xp.polygamma(x, n=n + 1),
    exact=lambda x, *, n: _psi(n, x), sym=lambda x, *, n: sympy.polygamma(n, x),
    examples=(example((2, 3), domain=("positive",), n=0),
              example((3,), domain=("positive",), n=2)),
    cite="DLMF 5.15.1: d/dx psi^(n) = psi^(n+1)",
)


def _normal_density_over(xp, ans, x):
    """φ(x)/Φ(x) = exp(−x²/2 − log Φ(x)) / √(2π): the slope of log Φ, without overflow."""
    return xp.divide(xp.exp(xp.subtract(xp.multiply(-0.5, xp.multiply(x, x)), ans)),
                     _SQRT_2PI)


def _log_ncdf(x):
    return mpmath.log(mpmath.ncdf(x))


scalar_prim(
    "log_ndtr", sp.log_ndtr, _normal_density_over, xp="special.log_ndtr",
    uses=("ans", "primals"), exact=_log_ncdf,
    sym=lambda x: sympy.log(sympy.erfc(-x / sympy.sqrt(2)) / 2),
    cite="d log Phi(x) = phi(x)/Phi(x)",
)
scalar_prim(
    "ndtri", sp.ndtri,
    lambda xp, ans, x: xp.multiply(_SQRT_2PI, xp.exp(xp.multiply(0.5, xp.multiply(ans, ans)))),
    xp="special.ndtri", domain=(_probability,), uses=("ans",), analytic=False,
    exact=lambda p: mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1),
    sym=lambda p: sympy.sqrt(2) * sympy.erfinv(2 * p - 1),
    cite="inverse-function rule: 1/phi(Phi^-1(p))",
)


def _iv_impl(x, *, v):
    return sp.iv(v, x)


def _iv_exact(x, *, v):
    """I_v(x) in mpmath. An integer order is taken as |v| (DLMF 10.27.1: I_{-n} = I_n):
    mpmath's negative integer orders answer complex noise at a negative x and fail to
    converge below about 1e-100, where the derivative rule I_{v-1} needs them."""
    if float(v) == int(v):
        v = abs(int(v))
    return mpmath.besseli(v, x)


param_prim(
    "bessel_iv", _iv_impl,
    lambda xp, ans, x, *, v: xp.multiply(0.5, xp.add(xp.bessel_iv(x, v=v - 1),
                                                     xp.bessel_iv(x, v=v + 1))),
    exact=_iv_exact, sym=lambda x, *, v: sympy.besseli(v, x),
    analytic=True, examples=(example((2, 3), v=0), example((3,), v=1)),
    cite="DLMF 10.29.1",
)
