"""The engine interface: every kind of an engine built on KindDispatch (exact, symbolic)."""

import numpy as np
import pytest

from adcheck import engines
from adcheck.engines.namespace import numpy_ns


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


# ---------------------------------------------------------------- container outputs, per leaf

EPS = float(np.finfo(float).eps)
A = np.array([[2.0, 0.5], [0.3, 1.5]])
EXACT_ENGINES = ["forward", "reverse", "forward-over-forward", "forward-over-reverse",
                 "reverse-over-forward", "reverse-over-reverse", "exact", "symbolic"]
FD_ENGINES = ["central", "richardson", "complex-step"]
I4 = np.eye(4).reshape(2, 2, 2, 2)

CONTAINERS = {  # f, its Jacobian per leaf in closed form
    "tuple": (lambda xp, a: (xp.sin(a), a),
              lambda a: (np.cos(a)[:, :, None, None] * I4, I4)),
    "slogdet": (lambda xp, a: xp.linalg.slogdet(a),
                lambda a: (np.zeros((2, 2)), np.linalg.inv(a).T)),
    "dict": (lambda xp, a: {"s": xp.sum(a * a), "m": [a @ a]},
             lambda a: {"s": 2 * a, "m": [np.einsum("ik,lj->ijkl", np.eye(2), a)
                                          + np.einsum("ik,jl->ijkl", a, np.eye(2))]}),
}


def _leaves(tree):
    from adcheck.engines.pytree import flatten
    return flatten(tree)


@pytest.mark.parametrize("name", EXACT_ENGINES + FD_ENGINES)
@pytest.mark.parametrize("case", sorted(CONTAINERS))
def test_container_outputs_get_a_jacobian_per_leaf(name, case):
    """Regression: forward and reverse gave an all-zero Jacobian for (sin(a), a) and for
    slogdet(a) returned whole, and check() passed it."""
    f, closed = CONTAINERS[case]
    engine = engines.get(name)
    r = engine.derivative("jacobian", f, (A,), 0)
    got, got_def = _leaves(r.value)
    want = _leaves(closed(A))[0]
    assert got_def == _leaves(f(numpy_ns, A))[1]  # the function's own container type
    for k, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == np.shape(w), f"leaf {k}"
        if name in FD_ENGINES:  # the same engine on the leaf alone: the split adds nothing
            alone = engine.derivative("jacobian", lambda xp, a, k=k: _leaves(f(xp, a))[0][k],
                                      (A,), 0).value
            np.testing.assert_array_equal(g, alone)
        else:
            assert np.max(np.abs(g - w)) <= 64 * EPS * max(1.0, np.max(np.abs(w)))
    assert any(np.any(g != 0) for g in got)


@pytest.mark.parametrize("name", ["forward", "reverse", "forward-over-reverse", "central",
                                  "exact"])
def test_container_jvp_and_vjp_are_per_leaf_and_summed(name):
    f, closed = CONTAINERS["tuple"]
    engine = engines.get(name)
    t = np.array([[1.0, -2.0], [0.5, 3.0]])
    jv = engine.derivative("jvp", f, (A,), 0, tangent=t).value
    assert isinstance(jv, tuple) and len(jv) == 2
    cts = (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, 0.0], [0.0, -1.0]]))
    vj = engine.derivative("vjp", f, (A,), 0, cotangent=cts).value
    want_jv = (np.cos(A) * t, t)
    want_vj = np.cos(A) * cts[0] + cts[1]
    tol = 1e-6 if name == "central" else 16 * EPS
    for g, w in zip(jv, want_jv):
        assert np.max(np.abs(g - w)) <= tol * 4
    assert np.max(np.abs(vj - want_vj)) <= tol * 4


def test_a_cotangent_of_the_wrong_structure_is_refused():
    f, _ = CONTAINERS["tuple"]
    for name in ("reverse", "central"):
        with pytest.raises(ValueError, match="structure"):
            engines.get(name).derivative("vjp", f, (A,), 0, cotangent=[A, A])


@pytest.mark.parametrize("name", ["reverse", "forward-over-reverse", "reverse-over-forward",
                                  "central", "symbolic"])
def test_second_order_kinds_of_a_container_are_per_leaf(name):
    x = np.array([1.0, 2.0])

    def f(xp, x):
        return xp.sum(x * x), {"c": xp.sum(x ** 3.0)}

    engine = engines.get(name)
    h = engine.derivative("hessian", f, (x,), 0).value
    lap = engine.derivative("laplacian", f, (x,), 0).value
    tol = 1e-6 if name == "central" else 0.0
    assert np.max(np.abs(h[0] - 2 * np.eye(2))) <= tol * 2
    assert np.max(np.abs(h[1]["c"] - np.diag(6 * x))) <= tol * 12
    assert abs(float(lap[0]) - 4.0) <= tol * 4 and abs(float(lap[1]["c"]) - 18.0) <= tol * 18
