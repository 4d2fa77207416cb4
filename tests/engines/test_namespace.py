"""The array namespace: one list of names, clear errors, composites that agree with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from engines import transforms as T
from engines.core import EPS, TABLE
from engines.errors import UnsupportedOperation
from engines.namespace import SUPPORTED, Namespace, ad, numpy_ns


@pytest.mark.parametrize("ns", [ad, numpy_ns], ids=["ad", "numpy"])
@pytest.mark.parametrize("name", ["fft", "linalg.lstsq", "special.zeta", "unique_values"])
def test_unsupported_name_raises_naming_it_and_the_engine(ns, name):
    head, _, tail = name.rpartition(".")
    owner = getattr(ns, head) if head else ns
    with pytest.raises(UnsupportedOperation) as info:
        getattr(owner, tail)
    assert name in str(info.value) and repr(ns.engine) in str(info.value)
    assert info.value.engine == ns.engine  # (.name: Python resets it to the last attribute)


def test_unsupported_error_is_an_attribute_error():
    assert not hasattr(ad, "fft")  # hasattr works: it is an AttributeError


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_every_supported_name_exists(name):
    for ns in (ad, numpy_ns):
        owner = ns
        for part in name.split("."):
            owner = getattr(owner, part)


def test_every_primitive_is_reachable():
    mapped = {p for target in SUPPORTED.values() for p in target.split("+")}
    missing = set(TABLE) - mapped - {"sum_to", "scatter_add", "getitem", "logabsdet", "diag"}
    assert not missing, f"primitives no name maps to: {missing}"


def test_a_namespace_missing_a_primitive_names_it_when_used():
    partial = Namespace("partial", {n: p.impl for n, p in TABLE.items() if n != "tanh"})
    assert partial.exp(0.0) == 1.0
    with pytest.raises(UnsupportedOperation, match="'tanh'.*'partial'"):
        partial.tanh(0.0)


def test_ad_names_are_the_dispatchers_themselves():
    """No wrapper frame between ``xp.tanh(x)`` and the dispatch rule."""
    assert ad.tanh is TABLE["tanh"].bind
    assert ad.linalg.inv is TABLE["inv"].bind


def _check(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected), initial=0.0) <= \
        got.size * EPS * max(1.0, float(np.max(np.abs(expected), initial=0.0)))


COMPOSITES = {
    "square": (lambda xp, a, b: xp.square(a), lambda a, b: np.square(a)),
    "expand_dims": (lambda xp, a, b: xp.expand_dims(a, axis=-1), lambda a, b: a[..., None]),
    "squeeze": (lambda xp, a, b: xp.squeeze(xp.reshape(a, (1, 3, 1, 3))),
                lambda a, b: a.reshape(3, 3)),
    "permute_dims": (lambda xp, a, b: xp.permute_dims(a, (1, 0)), lambda a, b: a.T),
    "vecdot": (lambda xp, a, b: xp.vecdot(a, b), lambda a, b: np.sum(a * b, axis=-1)),
    "take": (lambda xp, a, b: xp.take(a, [2, 0], axis=1), lambda a, b: a[:, [2, 0]]),
    "slogdet": (lambda xp, a, b: xp.linalg.slogdet(a + 3 * xp.eye(3)).logabsdet,
                lambda a, b: np.linalg.slogdet(a + 3 * np.eye(3))[1]),
    "vector_norm": (lambda xp, a, b: xp.linalg.vector_norm(a, axis=0),
                    lambda a, b: np.linalg.norm(a, axis=0)),
    "mean-keepdims": (lambda xp, a, b: xp.mean(a, axis=1, keepdims=True),
                      lambda a, b: np.mean(a, axis=1, keepdims=True)),
    "where": (lambda xp, a, b: xp.where(a > b, a, b), lambda a, b: np.where(a > b, a, b)),
    "asarray-of-boxes": (lambda xp, a, b: xp.asarray([a[0, 0], b[1, 1]]),
                         lambda a, b: np.array([a[0, 0], b[1, 1]])),
    "matrix_transpose": (lambda xp, a, b: xp.linalg.matrix_transpose(a) @ b, lambda a, b: a.T @ b),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composites_agree_with_numpy_plain_and_traced(name):
    f, reference = COMPOSITES[name]
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 3))
    _check(f(numpy_ns, a, b), reference(a, b))
    _check(f(ad, a, b), reference(a, b))
    # traced: the value under a reverse trace is the same as without it
    value, _ = T.vjp(f, ad, (a, b))
    _check(value, reference(a, b))


def test_constants_are_float_arrays():
    assert ad.eye(2).dtype == np.float64 and ad.zeros((2, 3)).shape == (2, 3)
    assert np.array_equal(ad.arange(3), [0.0, 1.0, 2.0])
    assert ad.full((2,), 3).dtype == np.float64
    assert ad.pi == np.pi


def test_comparisons_of_boxes_use_primal_values_and_float_is_refused():
    from engines.arraylike import TracedValueError

    def f(xp, x):
        assert (x > 0) and (x == 2.0)
        with pytest.raises(TracedValueError, match="drop the derivative"):
            float(x)  # a Python number would silently lose the derivative
        return x * x

    assert float(T.grad(f)(ad, 2.0)) == 4.0


def test_broadcast_to_takes_the_shape_positionally_as_the_array_api_does():
    import numpy as np

    from engines import transforms as T
    from engines.namespace import ad, numpy_ns

    assert numpy_ns.broadcast_to(np.ones(3), (2, 3)).shape == (2, 3)
    g = T.grad(lambda xp, x: xp.sum(xp.broadcast_to(x, (2, 3)) ** 2))(ad, np.ones(3))
    assert np.array_equal(g, np.full(3, 4.0))
