"""Random-probe checks: they pass the true derivative and catch the usual mistakes."""

import math

import numpy as np
import pytest

from adcheck.api.probe import check_gradient, check_hvp
from adcheck.engines.ad import ADEngine

REV = ADEngine("r", "reverse", "reverse")
SHAPES = [(4, 6), (6,), (6, 6), (6,), (6, 1), (1,)]  # tiny tanh MLP: 115 parameters
N = sum(math.prod(s) for s in SHAPES)


def unflatten(xp, theta):
    out, i = [], 0
    for s in SHAPES:
        out.append(xp.reshape(theta[i:i + math.prod(s)], s))
        i += math.prod(s)
    return out


def loss(xp, theta, X, Y):
    W1, b1, W2, b2, W3, b3 = unflatten(xp, theta)
    h = xp.tanh(xp.tanh(X @ W1 + b1) @ W2 + b2)
    return xp.mean((h @ W3 + b3 - Y) ** 2)


def hand_gradient(theta, X, Y, bug=None):
    """Hand-written backprop, with one of the common bugs switched on."""
    dtype = np.float32 if bug == "float32" else np.float64
    W1, b1, W2, b2, W3, b3 = [p.astype(dtype) for p in unflatten(np, theta)]
    X, Y = X.astype(dtype), Y.astype(dtype)
    a1 = np.tanh(X @ W1 + b1)
    a2 = np.tanh(a1 @ W2 + b2)
    r = a2 @ W3 + b3 - Y
    dout = (1 if bug == "factor2" else 2) * r / r.size
    dz2 = (dout @ W3.T) * (1 - a2 ** 2)
    dz1 = (dz2 @ W2.T) * (1 - a1 ** 2)
    dW2 = a1.T @ dz2
    grads = [X.T @ dz1, dz1.sum(0), dW2.T if bug == "transpose" else dW2, dz2.sum(0),
             a2.T @ dout, (-1 if bug == "sign" else 1) * dout.sum(0)]
    if bug == "zero-block":
        grads[1] = 0 * grads[1]
    return np.concatenate([np.ravel(g) for g in grads]).astype(np.float64)


def problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=N) / 2, rng.normal(size=(8, 4)), rng.normal(size=(8, 1))


@pytest.mark.parametrize("reference", ["jvp", "richardson"])
def test_true_gradient_passes(reference):
    theta, X, Y = problem()
    g = hand_gradient(theta, X, Y)
    assert np.allclose(g, REV.gradient(loss, (theta, X, Y)).value, rtol=1e-12, atol=0)
    r = check_gradient(loss, (theta, X, Y), g, np.random.default_rng(1), reference=reference)
    assert r.passed, r.message()
    assert r.probes == 4 and 0 < r.worst_ratio <= 1


@pytest.mark.parametrize("bug", ["transpose", "factor2", "sign", "zero-block", "float32"])
@pytest.mark.parametrize("reference", ["jvp", "richardson"])
def test_every_mutant_is_caught(bug, reference):
    theta, X, Y = problem()
    r = check_gradient(loss, (theta, X, Y), hand_gradient(theta, X, Y, bug),
                       np.random.default_rng(2), reference=reference)
    assert not r.passed, f"{bug}: {r.message()}"
    assert "DISAGREES" in r.message()


def test_cost_does_not_grow_with_parameters():
    theta, X, Y = problem()
    small = check_gradient(loss, (theta, X, Y), hand_gradient(theta, X, Y),
                           np.random.default_rng(3))
    big = check_gradient(lambda xp, t: xp.sum(xp.tanh(t) ** 2), (np.ones(5000) * 0.3,),
                         2 * np.tanh(0.3) / np.cosh(0.3) ** 2 * np.ones(5000),
                         np.random.default_rng(3))
    assert big.passed and small.passes == big.passes == 5


def test_miss_probability_formula():
    theta, X, Y = problem()
    r = check_gradient(loss, (theta, X, Y), hand_gradient(theta, X, Y),
                       np.random.default_rng(4), probes=3)
    rel = 1e-6
    expected = math.prod(math.erf(a / (rel * r.scale * math.sqrt(2))) for a in r.allowance)
    assert r.miss_probability(rel) == pytest.approx(expected, rel=1e-12)
    assert r.miss_probability(rel) < 1e-9 < r.miss_probability(1e-16)
    size = r.detectable(1e-6)
    assert r.miss_probability(size) <= 1e-6 < r.miss_probability(size / 1.01)


def test_miss_probability_matches_simulation():
    """The erf formula against the observed miss rate for an error near the allowance."""
    rng = np.random.default_rng(5)
    e = rng.normal(size=50)
    a = 0.8 * np.linalg.norm(e)
    misses = np.mean([abs(e @ rng.standard_normal(50)) <= a for _ in range(20000)])
    predicted = math.erf(a / (np.linalg.norm(e) * math.sqrt(2)))
    # binomial standard error of the observed rate, 5 sigma
    assert abs(misses - predicted) <= 5 * math.sqrt(predicted * (1 - predicted) / 20000)


def hand_hvp(theta, X, Y, bug=None):
    H = REV.hessian(loss, (theta, X, Y)).value.copy()
    if bug == "zero-block":
        H[:24, :24] = 0.0
    if bug == "sign":
        H[30, 30] = -H[30, 30]
    if bug == "factor2":
        H = H / 2
    return lambda v: H @ v


@pytest.mark.parametrize("bug", [None, "factor2", "zero-block", "sign"])
def test_hvp_probe(bug):
    theta, X, Y = problem()
    r = check_hvp(loss, (theta, X, Y), hand_hvp(theta, X, Y, bug), np.random.default_rng(6),
                  probes=2)
    assert r.passed == (bug is None), r.message()


def test_bad_arguments():
    theta, X, Y = problem()
    with pytest.raises(ValueError, match="shape"):
        check_gradient(loss, (theta, X, Y), np.ones(3), np.random.default_rng(0))
    with pytest.raises(ValueError, match="reference"):
        check_gradient(loss, (theta, X, Y), theta, np.random.default_rng(0), reference="x")


def test_black_box_numpy_code_with_richardson():
    """A user's plain numpy function (ignoring xp) checked by differences only."""
    def user_f(x):
        return float(np.sum(np.sin(x) * x))

    x = np.linspace(0.1, 1.0, 50)
    g = np.cos(x) * x + np.sin(x)
    f = lambda xp, x: user_f(x)  # noqa: E731
    assert check_gradient(f, (x,), g, np.random.default_rng(8), reference="richardson").passed
    assert not check_gradient(f, (x,), g - 1e-6 * np.sin(x), np.random.default_rng(8),
                              reference="richardson").passed
