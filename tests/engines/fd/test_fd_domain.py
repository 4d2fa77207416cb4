"""Domains: stencils stay strictly inside, going one-sided near an edge."""

import numpy as np
import pytest

from adcheck.engines.errors import InputError
from adcheck.engines.fd import Central, Domain, Richardson, as_domain


def recording(points):
    def f(xp, x):
        points.append(np.array(x, dtype=float))
        return xp.sum(xp.log(x) + xp.sqrt(x))
    return f


def grad(x):
    return 1 / x + 0.5 / np.sqrt(x)


@pytest.mark.parametrize("engine", [Central(), Richardson()], ids=lambda e: e.name)
def test_steps_stay_inside_the_domain(engine):
    x = np.array([1e-3, 2.0])
    points = []
    r = engine.gradient(recording(points), (x,), domain=Domain(lower=0.0))
    assert all(np.all(p > 0) for p in points)
    assert r.status == "ok" and np.all(np.abs(r.value - grad(x)) <= r.error)


@pytest.mark.parametrize("engine", [Central(), Richardson()], ids=lambda e: e.name)
@pytest.mark.parametrize("kind", ["gradient", "hessian"])
def test_on_the_edge_the_stencil_is_one_sided(engine, kind):
    points = []

    def f(xp, x):
        points.append(np.array(x, dtype=float))
        return xp.sum(x * x * x + xp.exp(x))

    x = np.array([0.0])
    r = getattr(engine, kind)(f, (x,), domain=Domain(lower=0.0))
    exact = np.exp(x) if kind == "gradient" else np.diag(np.exp(x) + 6 * x)
    assert all(np.all(p >= 0) for p in points)
    assert "one-sided" in r.note and np.all(np.abs(r.value - exact) <= r.error)


@pytest.mark.parametrize("engine", [Central(), Richardson()], ids=lambda e: e.name)
def test_without_the_domain_non_finite_values_shrink_the_step(engine):
    """log(x − 0.5) at x = 1: the first steps leave f's domain (NaN), finer ones do not."""
    points = []

    def f(xp, x):
        points.append(np.array(x, dtype=float))
        return xp.sum(xp.log(x - 0.5))

    x = np.array([1.0])
    r = engine.gradient(f, (x,))
    exact = 1 / (x - 0.5)
    assert r.status == "ok" and np.all(np.abs(r.value - exact) <= r.error)
    assert engine.name == "central" or any(np.any(p <= 0.5) for p in points)


@pytest.mark.parametrize("engine", [Central(), Richardson()], ids=lambda e: e.name)
def test_on_an_undeclared_edge_the_stencil_turns_one_sided(engine):
    """sqrt(x)² + x² (= x + x² where defined) at x = 0 without a domain: f is NaN for every
    x < 0, so only the one-sided stencil into x > 0 has finite values."""
    r = engine.gradient(lambda xp, x: xp.sum(xp.sqrt(x) ** 2 + x * x), (np.array([0.0]),))
    assert r.status == "ok" and "one-sided" in r.note and abs(r.value[0] - 1.0) <= r.error[0]


def test_second_derivatives_near_an_upper_bound():
    f = lambda xp, x: xp.log(1.0 - x[0])  # noqa: E731
    x = np.array(1.0 - 1e-3)
    r = Richardson().hessian(f, (x.reshape(1),), domain={"upper": 1.0})
    exact = -1 / (1 - x) ** 2
    assert abs(r.value[0, 0] - exact) <= r.error[0, 0]


def test_domain_forms_and_errors():
    assert as_domain((0, None)) == Domain(0, None)
    assert as_domain({"lower": 0}) == Domain(0, None)
    with pytest.raises(InputError):
        as_domain({"low": 0})
    with pytest.raises(InputError, match="outside"):
        Central().gradient(lambda xp, x: xp.sum(x), (np.array([-1.0]),), domain=Domain(0))
