"""Forward Laplacian against exact Laplacians and against the AD engines."""

import dataclasses
import math

import numpy as np
import pytest

from adcheck.engines import get
from adcheck.engines import taylor as tl
from adcheck.engines.ad import ADEngine
from adcheck.engines.core import EPS, TABLE
from adcheck.engines.taylor_rules import jet_function

ROR = ADEngine("ror", "reverse", "reverse")


def close(a, b, ops=64):
    """Equal up to ``ops`` roundings of the larger magnitude (a rounding-error allowance)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(1.0, np.maximum(abs(a), abs(b)))
    return bool(np.all(abs(a - b) <= ops * EPS * scale))


def quad(xp, x, A):
    return 0.5 * (x @ A @ x)


def sq_norm(xp, x):
    return xp.sum(x * x)


def sines(xp, x):
    return xp.sum(xp.sin(math.pi * x))


def poisson(xp, x):
    return xp.sin(xp.pi * x[0]) * xp.sin(xp.pi * x[1])


def mlp(xp, X, params):
    """tanh MLP u: R^d -> R, rows of X are points."""
    h = X
    for W, b in params[:-1]:
        h = xp.tanh(h @ W + b)
    W, b = params[-1]
    return xp.sum(h @ W + b, axis=-1)


def mlp_params(rng, d, width=16, depth=3):
    sizes = [d] + [width] * depth + [1]
    return [(rng.normal(size=(m, n)) / math.sqrt(m), rng.normal(size=n))
            for m, n in zip(sizes[:-1], sizes[1:])]


@pytest.mark.parametrize("d", [1, 3, 7])
def test_closed_forms(d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=d)
    B = rng.normal(size=(d, d))
    assert close(tl.laplacian(quad, x, B + B.T), np.trace(B + B.T))
    assert close(tl.laplacian(sq_norm, x), 2 * d)
    assert close(tl.laplacian(sines, x), -math.pi ** 2 * sines(np, x))


def test_poisson():
    x = np.array([0.3, 0.7])
    value, grad, lap = tl.forward_laplacian(poisson, x)
    assert close(lap, -2 * math.pi ** 2 * value)
    assert close(grad, [math.pi * math.cos(math.pi * 0.3) * math.sin(math.pi * 0.7),
                        math.pi * math.sin(math.pi * 0.3) * math.cos(math.pi * 0.7)])


def test_wrong_closed_form_fails():
    x = np.array([0.3, 0.7])
    assert not close(tl.laplacian(poisson, x), -math.pi ** 2 * poisson(np, x))


@pytest.mark.parametrize("d", [2, 5])
def test_batched_mlp_matches_nested_reverse(d):
    rng = np.random.default_rng(10 + d)
    params, X = mlp_params(rng, d), rng.normal(size=(6, d))
    value, grad, lap = tl.forward_laplacian(mlp, X, params)
    for b in range(6):
        one = lambda xp, x: mlp(xp, xp.reshape(x, (1, d)), params)[0]  # noqa: E731
        assert close(lap[b], ROR.laplacian(one, (X[b],)).value, ops=256)
        assert close(grad[b], ROR.gradient(one, (X[b],)).value, ops=256)
    assert close(value, mlp(np, X, params))


def test_wrong_rule_fails(monkeypatch):
    rng = np.random.default_rng(3)
    params, X = mlp_params(rng, 3), rng.normal(size=(2, 3))
    good = tl.laplacian(mlp, X, params)
    tanh = dataclasses.replace(TABLE["tanh"], derivative=lambda xp, x, ans: 1.0 + ans * ans)
    wrong = tl._JetNamespace("forward-laplacian", lambda p: jet_function(
        tanh if p.name == "tanh" else p))
    monkeypatch.setattr(tl, "XP", wrong)
    assert not close(tl.laplacian(mlp, X, params), good)


OPS = {
    "exp-log-sqrt": lambda xp, x: xp.sum(xp.log(xp.exp(x) + 2.0) * xp.sqrt(x * x + 1.0)),
    "log1p-expm1": lambda xp, x: xp.sum(xp.log1p(x * x) + xp.expm1(0.3 * x)),
    "sinh-cosh-cos": lambda xp, x: xp.sum(xp.sinh(x) * xp.cosh(0.5 * x) + xp.cos(x)),
    "erf-div-pow": lambda xp, x: xp.sum(xp.erf(x) / (2.0 + x ** 2) + (x * x + 1.0) ** 1.5),
    "pow-traced-exponent": lambda xp, x: xp.sum((x * x + 1.0) ** x),
    "structural": lambda xp, x: xp.sum(xp.stack([x, 2.0 * x])[:, 1:] ** 2)
    + xp.mean(xp.concat([x, x[::-1]]) * x[0]) + xp.trace(xp.outer(x, x) @ xp.eye(x.shape[0])),
    "matrix": lambda xp, x: xp.sum(xp.diag(x) @ xp.reshape(xp.tanh(xp.outer(x, x)), (3, 3)).T)
    + xp.sum(xp.diag(xp.outer(x, x))) + xp.sum(xp.transpose(xp.outer(x, x), (1, 0))[0]),
    "where-max-logaddexp": lambda xp, x: xp.sum(xp.where(x > 0.0, x ** 3, -(x ** 2)))
    + xp.sum(xp.maximum(x, 0.1) ** 2) + xp.sum(xp.logaddexp(x, 2.0 * x)),
    "solve-broadcast": lambda xp, x: xp.sum(xp.linalg.solve(xp.eye(3) * 2.0 + 1.0, xp.sin(x))
                                            * (xp.zeros((2, 3)) + x)),
    "matmul-two-traced": lambda xp, x: (xp.outer(x, x) @ xp.tanh(x)) @ xp.sin(x)
    + xp.sum(xp.outer(x, x) @ xp.outer(x, x)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_rule_matches_nested_reverse(name):
    x = np.random.default_rng(7).uniform(0.2, 1.0, size=3) * np.array([1, -1, 1])
    f = OPS[name]
    assert close(get("forward-laplacian").laplacian(f, (x,)).value,
                 ROR.laplacian(f, (x,)).value, ops=512)


def test_engine_kinds_and_errors():
    eng = get("forward-laplacian")
    r = eng.derivative("gradient", sq_norm, (np.ones(3),))
    assert r.status == "not-applicable" and "Laplacians only" in r.note
    assert eng.laplacian(lambda xp, x: x * 2.0, (np.ones(2),)).status == "not-applicable"
    assert eng.laplacian(lambda xp, x: 3.0, (np.ones(2),)).value == 0.0


@pytest.mark.parametrize("f", [
    lambda xp, x: xp.linalg.det(xp.outer(x, x) + xp.eye(2)),
    lambda xp, x: xp.sum(xp.linalg.inv(xp.outer(x, x) + xp.eye(2))),
    lambda xp, x: xp.sum(xp.linalg.solve(xp.outer(x, x) + xp.eye(2), xp.sin(x))),
    lambda xp, x: xp.linalg.slogdet(xp.outer(x, x) + 2.0 * xp.eye(2)).logabsdet,
], ids=["det", "inv", "solve-traced-matrix", "slogdet"])
def test_derived_rules_of_matrix_functions_match_nested_reverse(f):
    """Primitives with no jet rule of their own get one derived by nested forward mode."""
    x = np.array([0.3, -0.8])
    assert close(get("forward-laplacian").laplacian(f, (x,)).value,
                 ROR.laplacian(f, (x,)).value, ops=512)


def test_matrix_argument():
    A = np.random.default_rng(1).normal(size=(2, 3))
    f = lambda xp, A: xp.sum(xp.tanh(A) ** 2)  # noqa: E731
    assert close(get("forward-laplacian").laplacian(f, (A,)).value,
                 ROR.laplacian(f, (A,)).value, ops=256)
