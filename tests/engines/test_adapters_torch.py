"""The torch adapters against closed forms and the project's own reverse engines.

The catalogue-like CASES are shared with test_adapters_jax.py (loaded from this file).
"""

import importlib.util
import math

import numpy as np
import pytest

from adcheck.engines import get, registry
from adcheck.engines.ad import ADEngine
from adcheck.identities import pde

EPS = np.finfo(float).eps
ROR = ADEngine("ror", "reverse", "reverse")
requires_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="torch is not installed: pip install 'adcheck[torch]' (here torch==2.13.0)")


def close(a, b, ops=64):
    """Equal up to ``ops`` roundings of the larger magnitude (a rounding-error allowance)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(1.0, np.maximum(abs(a), abs(b)))
    return a.shape == b.shape and bool(np.all(abs(a - b) <= ops * EPS * scale))


def quad(xp, x, Q):
    return x @ Q @ x


def half_quad(xp, x, A):
    return 0.5 * (x @ A @ x)


def gram(xp, x, A):
    y = A @ x
    return y @ y


def mlp_loss(xp, W1, x, W2, y):
    """A tanh MLP with MSE loss, differentiated in its first layer."""
    h = xp.tanh(x @ W1)
    return xp.mean((xp.tanh(h) @ W2 - y) ** 2)


def mlp_x(xp, x, W1, W2):
    return xp.sum(xp.tanh(xp.tanh(x @ W1) @ W2))


def black_scholes(xp, S, T, sigma, K=100.0, r=0.05):
    """The catalogue's Black–Scholes call (``adcheck.identities.pde``), priced at t = 0."""
    return pde.bs_call(xp, S, 0.0, sigma, r, K, T)


def poisson(xp, x):
    return xp.sin(xp.pi * x[0]) * xp.sin(xp.pi * x[1])


def sines(xp, x):
    return xp.sum(xp.sin(math.pi * x))


def logdet(xp, A):
    return xp.linalg.slogdet(A)[1] + xp.sum(xp.linalg.inv(A)) + xp.linalg.det(A)


def solve(xp, b, A):
    return xp.sum(xp.linalg.solve(A, b) ** 2)


def many(xp, x):
    """Most remaining names in one function: indexing, joins, reductions, special functions."""
    m = xp.outer(x, x) + xp.eye(3)
    s = xp.stack([x, xp.sqrt(x * x + 1.0)])
    c = xp.concat([x[1:], xp.log1p(x * x), xp.expm1(0.1 * x)])
    w = xp.where(x > 0.0, xp.sinh(x), xp.cosh(x))
    return (xp.trace(m) + xp.sum(xp.diag(m) * xp.abs(x)) + xp.mean(s, axis=0)[1]
            + xp.sum(c * c) + xp.sum(w) + xp.sum(xp.maximum(x, 0.05) ** 2)
            + xp.sum(xp.logaddexp(x, -x)) + xp.sum(xp.erf(x)) + xp.vecdot(x, x)
            + xp.sum(m.T[0]) + xp.linalg.vector_norm(x))


def _rng(seed):
    return np.random.default_rng(seed)


Q = _rng(1).normal(size=(4, 4))  # not symmetric: the truth is (Q + Qᵀ)x
X4 = _rng(2).normal(size=4)
A = _rng(3).normal(size=(3, 4))
SPD = (lambda B: B @ B.T + 3 * np.eye(3))(_rng(4).normal(size=(3, 3)))
W1, W2 = _rng(5).normal(size=(4, 5)) / 2, _rng(6).normal(size=(5, 2)) / 2
XB, YB = _rng(7).normal(size=(6, 4)), _rng(8).normal(size=(6, 2))
BS = (100.0, 1.0, 0.2)  # S, T, sigma at the appendix's reference point (K=100, r=0.05)

def trig(xp, x):
    """The inverse and hyperbolic inverse functions, spelt as the array API spells them."""
    return xp.sum(xp.acos(x) * xp.asin(x) + xp.atan(x) ** 2 + xp.asinh(x) * xp.atanh(x)
                  + xp.acosh(x * x + 1.5) + xp.tan(x) + xp.atan2(x, x + 2.0)
                  + xp.floor(x) + xp.ceil(x) + xp.round(x) + xp.trunc(x))


def special(xp, x):
    s = xp.special
    return xp.sum(s.erf(x) * s.erfc(x) + s.expit(x) ** 2 + s.gammaln(x * x + 0.5)
                  + s.log_ndtr(x) + s.ndtri(s.expit(x)) + s.erfinv(xp.tanh(x) / 2))


def special_smooth(xp, x):
    s = xp.special
    return xp.sum(s.erf(x) * s.erfc(x) + s.expit(x) ** 2 + s.log_ndtr(x)
                  + s.ndtri(s.expit(x)) + s.erfinv(xp.tanh(x) / 2))


def matrix_functions(xp, a):
    w = xp.reshape(xp.arange(1.0, 10.0), (3, 3))
    return xp.sum(xp.linalg.cholesky(a) * w) + xp.sum(xp.linalg.expm(0.3 * a) * w)


def spectral(xp, a):
    """Eigenvalues, eigenvectors and singular values (SPD's spectrum is well separated)."""
    w, v = xp.linalg.eigh(a)
    weights = xp.reshape(xp.arange(1.0, 10.0), (3, 3))
    return (w @ xp.arange(1.0, 4.0) + xp.sum(v * weights)
            + xp.linalg.matrix_norm(a, ord="nuc") + xp.sum(xp.linalg.svdvals(a) ** 3))


X_CHOICES = np.array([0.4, -0.7, 1.3, 0.1])


def choices(xp, x):
    """Names whose derivative depends on a choice made on the values (a max, an order)."""
    return (xp.max(x) * xp.sum(x) + xp.sort(x) @ xp.arange(4.0) + xp.median(x) ** 2
            + xp.sum(xp.special.xlogy(x + 2.0, x + 3.0)))


# (id, kind, f, args, wrt, expected): expected None means "the reverse-over-reverse engine",
# a string the engine of that name
CASES = [
    ("quad-gradient", "gradient", quad, (X4, Q), 0, (Q + Q.T) @ X4),
    ("quad-hessian", "hessian", quad, (X4, Q), 0, Q + Q.T),
    ("linear-jacobian", "jacobian", lambda xp, x, A: A @ x, (X4, A), 0, A),
    ("gram-gradient", "gradient", gram, (X4, A), 0, 2 * A.T @ A @ X4),
    ("mlp-gradient-W1", "gradient", mlp_loss, (W1, XB, W2, YB), 0, None),
    ("mlp-hessian-x", "hessian", mlp_x, (X4, W1, W2), 0, None),
    ("mlp-hvp-x", "hvp", mlp_x, (X4, W1, W2), 0, None),
    ("bs-delta", "gradient", black_scholes, BS, 0, 0.636830651175619),
    ("bs-gamma", "hessian", black_scholes, BS, 0, 0.0187620173458469),
    ("bs-vega", "gradient", black_scholes, BS, 2, 37.5240346916938),
    ("bs-minus-theta", "gradient", black_scholes, BS, 1, 6.41402754643820),
    ("poisson-laplacian", "laplacian", poisson, (np.array([0.3, 0.7]),), 0,
     -2 * math.pi ** 2 * poisson(np, np.array([0.3, 0.7]))),
    ("sines-laplacian", "laplacian", sines, (X4,), 0, -math.pi ** 2 * sines(np, X4)),
    ("trace-laplacian", "laplacian", half_quad, (X4, Q + Q.T), 0, np.trace(Q + Q.T)),
    ("linalg-gradient", "gradient", logdet, (SPD,), 0, None),
    ("solve-gradient", "gradient", solve, (X4[:3], SPD), 1, None),
    ("many-gradient", "gradient", many, (np.array([0.4, -0.7, 1.3]),), 0, None),
    ("many-hessian", "hessian", many, (np.array([0.4, -0.7, 1.3]),), 0, None),
    ("trig-gradient", "gradient", trig, (np.array([0.4, -0.7, 0.3]),), 0, None),
    ("special-gradient", "gradient", special, (np.array([0.4, -0.7, 1.3]),), 0, None),
    # not gammaln: torch's trigamma (its second derivative) errs by ~4e5 ulps, a finding of
    # its own (tests/engines/test_adapters_torch.py::test_torch_trigamma_is_found_inaccurate)
    ("special-hessian", "hessian", special_smooth, (np.array([0.4, -0.7, 1.3]),), 0, None),
    # adcheck's own expm rule errs by ~800 ulps here (within its bound); the 50-digit one
    ("matrix-functions-gradient", "gradient", matrix_functions, (SPD,), 0, "exact"),
    ("spectral-gradient", "gradient", spectral, (SPD,), 0, None),
    ("spectral-hessian", "hessian", spectral, (SPD,), 0, None),
]
ADAPTERS = ("torch", "torch-fwd-over-rev", "jax", "jax-fwd-over-rev")


def run_case(engine_name, case):
    """(value, reference) of one case on one engine."""
    _, kind, f, args, wrt, expected = case
    kw = {"v": np.linspace(-1.0, 1.0, np.size(args[wrt])).reshape(np.shape(args[wrt]))} \
        if kind == "hvp" else {}
    value = get(engine_name).derivative(kind, f, args, wrt, **kw).value
    if expected is None:
        expected = ROR.derivative(kind, f, args, wrt, **kw).value
    elif isinstance(expected, str):  # an engine's name: "exact" where float64 AD errs more
        expected = get(expected).derivative(kind, f, args, wrt, **kw).value
    return value, np.reshape(expected, np.shape(value))


@requires_torch
@pytest.mark.parametrize("engine", ADAPTERS[:2])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case(engine, case):
    value, expected = run_case(engine, case)
    assert close(value, expected, ops=256), (value, expected)


@requires_torch
def test_a_wrong_closed_form_fails():
    value, _ = run_case("torch", CASES[0])
    assert not close(value, Q @ X4)  # the forgot-to-symmetrize answer


@requires_torch
def test_erf_is_torchs():
    import torch

    from adcheck.engines.adapters.torch_engine import namespace
    xp = namespace()
    t = torch.linspace(-2, 2, 5, dtype=torch.float64)
    assert torch.equal(xp.erf(t), torch.special.erf(t))
    g = get("torch").gradient(lambda xp, x: xp.sum(xp.erf(x)), (t.numpy(),)).value
    assert close(g, 2 / math.sqrt(math.pi) * np.exp(-t.numpy() ** 2))


@requires_torch
def test_costs_are_counted():
    r = get("torch").hessian(quad, (X4, Q))
    assert (r.cost.passes, r.cost.sweeps) == (1, 1 + 4)
    assert get("torch").gradient(quad, (X4, Q)).cost.sweeps == 1


@requires_torch
def test_float64_and_no_dtype_leak():
    import torch
    before = torch.get_default_dtype()
    r = get("torch").gradient(lambda xp, x: xp.sum(x * 0.1), (np.ones(3),))
    assert r.value.dtype == np.float64 and close(r.value, [0.1, 0.1, 0.1], ops=1)
    assert torch.get_default_dtype() == before


@requires_torch
def test_output_independent_of_input_gives_zeros():
    assert np.array_equal(get("torch").hessian(lambda xp, x: xp.sum(x), (X4,)).value,
                          np.zeros((4, 4)))
    assert np.array_equal(get("torch").gradient(lambda xp, x: 3.0 + 0.0 * x[0] ** 0,
                                                (X4,)).value, np.zeros(4))


def test_missing_library_is_listed_with_install_hint(monkeypatch):
    from adcheck.engines import adapters
    monkeypatch.setattr(registry, "ENGINES", {})
    monkeypatch.setattr(registry, "UNAVAILABLE", {})
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("torch", "jax") else real(name, *a))
    assert adapters.register_available() == []
    assert "torch==2.13.0" in registry.UNAVAILABLE["torch"]
    assert "adcheck[jax]" in registry.UNAVAILABLE["jax-fwd-over-rev"]
    with pytest.raises(registry.UnknownEngine, match="pip install"):
        registry.get("torch-fwd-over-rev")


@requires_torch
def test_choices_on_values_run_on_torch_autograd_and_are_refused_under_torch_func():
    """A max's mask or a sort's order is chosen on the values: torch's autograd tensors hold
    them; torch.func's wrapped tensors do not, so that engine says "not supported", never a
    raw RuntimeError (an error verdict) or a wrong value."""
    from adcheck.engines.errors import UnsupportedOperation
    value, expected = run_case("torch", ("choices", "gradient", choices, (X_CHOICES,), 0, None))
    assert close(value, expected, ops=256)
    with pytest.raises(UnsupportedOperation, match="torch"):
        get("torch-fwd-over-rev").gradient(choices, (X_CHOICES,))


@requires_torch
def test_torch_trigamma_is_found_inaccurate():
    """torch's second derivative of lgamma (its trigamma) is accurate to ~1e-10 only: check()
    fails torch there against the 50-digit reference, while jax's and adcheck's pass."""
    from adcheck import check
    x = np.array([0.4, -0.7, 0.9])
    rep = check(lambda xp, x: xp.sum(xp.special.gammaln(x * 0.25 + 0.5)), (x,), kind="hessian",
                engines=["reverse-over-reverse", "central", "exact", "torch"])
    assert rep.engines["torch"].outcome == "fail", rep.message
    assert rep.engines["reverse-over-reverse"].outcome == "pass", rep.message
