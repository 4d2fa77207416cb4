"""The engine interface: every kind of an engine built on KindDispatch (exact, symbolic)."""

import numpy as np
import pytest

import engines


@pytest.mark.parametrize("name", ["exact", "symbolic"])
def test_every_kind_is_forwarded_to_the_one_method(name):
    engine = engines.get(name)
    f = lambda xp, x: x[0] ** 2 * x[1]  # noqa: E731
    x = np.array([1.0, 2.0])
    assert np.array_equal(engine.hvp(f, (x,), 0, np.array([1.0, 1.0])).value, [6.0, 2.0])
    assert engine.laplacian(f, (x,)).value == 4.0
    g = lambda xp, x: x * x  # noqa: E731
    assert np.array_equal(engine.vjp(g, (x,), 0, np.array([1.0, 1.0])).value, [2.0, 4.0])
    assert np.array_equal(engine.jvp(g, (x,), 0, np.array([1.0, 3.0])).value, [2.0, 12.0])
    assert np.array_equal(engine.jacobian(g, (x,)).value, np.diag([2.0, 4.0]))
