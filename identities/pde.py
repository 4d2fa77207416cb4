"""The B.3 model functions, written once against ``xp``: Black-Scholes, Poisson, the LQG HJB
value function and Merton's value function, with their closed-form derivatives."""

from __future__ import annotations

import mpmath


def _const(xp, value):
    """A namespace constant (exact in the oracle, where sqrt(2) must not be a float)."""
    return xp.asarray(value)


def norm_cdf(xp, z):
    """N(z) = (1 + erf(z / sqrt 2)) / 2."""
    return 0.5 * (1.0 + xp.erf(z / xp.sqrt(_const(xp, 2.0))))


def norm_pdf(xp, z):
    """phi(z) = exp(-z^2/2) / sqrt(2 pi)."""
    return xp.exp(-0.5 * z * z) / xp.sqrt(2.0 * xp.pi * _const(xp, 1.0))


def bs_d1_d2(xp, s, t, sigma, r, k, big_t):
    """d1, d2 and sqrt(tau) of Black-Scholes, tau = T - t."""
    tau = big_t - t
    sq = xp.sqrt(tau)
    d1 = (xp.log(s / k) + (r + 0.5 * sigma * sigma) * tau) / (sigma * sq)
    return d1, d1 - sigma * sq, sq


def bs_call(xp, s, t, sigma, r, k, big_t):
    """The Black-Scholes call C = S N(d1) - K exp(-r tau) N(d2) (no dividends)."""
    d1, d2, sq = bs_d1_d2(xp, s, t, sigma, r, k, big_t)
    return s * norm_cdf(xp, d1) - k * xp.exp(-r * (big_t - t)) * norm_cdf(xp, d2)


def bs_price(xp, p, k, big_t):
    """The call as a function of p = [S, t, sigma, r] (one vector: one gradient = the greeks)."""
    return bs_call(xp, p[0], p[1], p[2], p[3], k, big_t)


def bs_greeks(xp, p, k, big_t):
    """Closed form of grad bs_price: [delta, theta (dV/dt), vega, rho]."""
    s, t, sigma, r = p[0], p[1], p[2], p[3]
    d1, d2, sq = bs_d1_d2(xp, s, t, sigma, r, k, big_t)
    disc = k * xp.exp(-r * (big_t - t))
    delta = norm_cdf(xp, d1)
    theta = -s * norm_pdf(xp, d1) * sigma / (2.0 * sq) - r * disc * norm_cdf(xp, d2)
    vega = s * norm_pdf(xp, d1) * sq
    rho = (big_t - t) * disc * norm_cdf(xp, d2)
    return xp.stack([delta, theta, vega, rho])


def bs_price_in_s(xp, s, q, k, big_t):
    """The call as a function of S (a 1-vector), q = [t, sigma, r]."""
    return bs_call(xp, s[0], q[0], q[1], q[2], k, big_t)


def bs_gamma(xp, s, q, k, big_t):
    """Closed form of the 1x1 Hessian in S: gamma = phi(d1) / (S sigma sqrt tau)."""
    d1, _, sq = bs_d1_d2(xp, s[0], q[0], q[1], q[2], k, big_t)
    return xp.reshape(norm_pdf(xp, d1) / (s[0] * q[1] * sq), (1, 1))


def bs_price_st(xp, z, q, k, big_t):
    """The call as a function of z = [S, t], q = [sigma, r] (for the PDE residual)."""
    return bs_call(xp, z[0], z[1], q[0], q[1], k, big_t)


def bs_pde_terms(derive, xp, z, q, k, big_t):
    """The summands of V_t + sigma^2 S^2 V_SS / 2 + r S V_S - r V, derivatives by ``derive``."""
    args = (z, q, k, big_t)
    g = derive("gradient", bs_price_st, args, 0)
    h = derive("hessian", bs_price_st, args, 0)
    s, sigma, r = z[0], q[0], q[1]
    return [g[1], 0.5 * sigma * sigma * s * s * h[0][0], r * s * g[0],
            -r * bs_price_st(xp, z, q, k, big_t)]


# ------------------------------------------------------------------------------ Laplacians

def poisson_u(xp, x):
    """u = sin(pi x) sin(pi y)."""
    return xp.sin(xp.pi * x[0]) * xp.sin(xp.pi * x[1])


def poisson_lap(xp, x):
    """Closed form: Laplacian of u is -2 pi^2 u."""
    return -2.0 * xp.pi * xp.pi * poisson_u(xp, x)


# ----------------------------------------------------------------------- LQG HJB (HJE 2018)
# u_t + Lap u - lam |grad u|^2 = 0, u(T, x) = ln((1 + |x|^2)/2); Cole-Hopf:
# u = -(1/lam) ln E[exp(-lam g(x + sqrt2 W_{T-t}))]. With lam = -1 the expectation is a second
# moment, exact in every dimension: u = ln((1 + |x|^2 + 2 d (T - t)) / 2).
HJB_LAMBDA = -1.0
HJB_REFERENCE = {"d": 100, "T": 1.0, "lambda": 1.0, "u(0,0)": 4.590161724604883,
                 "source": "Han, Jentzen & E (2018), PNAS 115(34), LQG example"}


def hjb_u(xp, x, t, big_t):
    """The exact value function for lam = -1 (x: d-vector, t: 1-vector)."""
    d = x.shape[0]
    return xp.log(0.5 * (1.0 + xp.sum(x * x) + 2.0 * d * (big_t - t[0])))


def hjb_u_of_t(xp, t, x, big_t):
    """``hjb_u`` with time first (to differentiate in t)."""
    return hjb_u(xp, x, t, big_t)


def hjb_terms(derive, xp, x, t, big_t):
    """The summands of u_t + Lap u - lam |grad u|^2."""
    args = (x, t, big_t)
    ut = derive("gradient", hjb_u_of_t, (t, x, big_t), 0)[0]
    grad = derive("gradient", hjb_u, args, 0)
    lap = derive("laplacian", hjb_u, args, 0)
    return [ut, lap, -HJB_LAMBDA * xp.sum(xp.asarray(grad) * xp.asarray(grad))]


def hjb_reference_value(d: int = 100, big_t: float = 1.0, dps: int = 30) -> mpmath.mpf:
    """u(0, 0) for lam = 1 by one-dimensional quadrature:
    E[2/(1 + |Y|^2)] = 2 int_0^inf exp(-s) (1 + 4 T s)^(-d/2) ds, Y ~ N(0, 2T I)."""
    with mpmath.workdps(dps):
        e = 2 * mpmath.quad(lambda s: mpmath.exp(-s) * (1 + 4 * big_t * s) ** (-d / 2.0),
                            [0, 1, mpmath.inf])
        return -mpmath.log(e)


# --------------------------------------------------------------------------------- Merton

def merton_rho(r, mu, sigma, gamma):
    """rho = (1 - gamma)(r + (mu - r)^2 / (2 sigma^2 gamma))."""
    return (1.0 - gamma) * (r + (mu - r) ** 2 / (2.0 * sigma * sigma * gamma))


def merton_v(xp, z, q, big_t):
    """V(t, x) = exp(rho (T - t)) x^(1-gamma) / (1 - gamma); z = [t, x], q = [r, mu, sigma,
    gamma]."""
    r, mu, sigma, gamma = q[0], q[1], q[2], q[3]
    rho = merton_rho(r, mu, sigma, gamma)
    return xp.exp(rho * (big_t - z[0])) * xp.exp((1.0 - gamma) * xp.log(z[1])) / (1.0 - gamma)


def merton_terms(derive, xp, z, q, big_t):
    """The summands of the HJB at pi* = (mu - r)/(gamma sigma^2):
    V_t + (r + pi*(mu - r)) x V_x + pi*^2 sigma^2 x^2 V_xx / 2."""
    args = (z, q, big_t)
    g = derive("gradient", merton_v, args, 0)
    h = derive("hessian", merton_v, args, 0)
    r, mu, sigma, gamma = q[0], q[1], q[2], q[3]
    x = z[1]
    pi = (mu - r) / (gamma * sigma * sigma)
    return [g[0], (r + pi * (mu - r)) * x * g[1], 0.5 * pi * pi * sigma * sigma * x * x * h[1][1]]
