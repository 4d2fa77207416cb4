"""Traced values against numpy arrays: every name of ``dir(numpy.ndarray)``, generated.

Each operator and public method either works on a traced value as on the plain array (same
value; a derivative that matches a central difference of numpy's own method) or raises
``TracedValueError`` naming the operation. A name numpy adds in a later version fails
``test_every_ndarray_name_is_decided`` until it is placed in one of the tables below.
"""

from __future__ import annotations

import copy
import operator

import numpy as np
import pytest

from adcheck.engines import transforms as T
from adcheck.engines._checks import richardson_check
from adcheck.engines.arraylike import TracedAttributeError, TracedValueError
from adcheck.engines.core import Box, primal
from adcheck.engines.namespace import ad

# distinct entries, none near 0, none tied, none near the clip bounds used below
X = np.array([[0.7, -1.3, 2.1], [-0.4, 1.6, -2.6]])
IDX = np.array([2, 0, 1])

# name -> what to do with x; the result must equal numpy's (value and derivative)
WORKS = {
    "T": lambda x: x.T, "mT": lambda x: x.mT,
    "__abs__": abs, "__add__": lambda x: x + 2.0, "__radd__": lambda x: 2.0 + x,
    "__sub__": lambda x: x - 2.0, "__rsub__": lambda x: 2.0 - x,
    "__mul__": lambda x: x * X, "__rmul__": lambda x: 3.0 * x,
    "__truediv__": lambda x: x / 3.0, "__rtruediv__": lambda x: 3.0 / x,
    "__pow__": lambda x: x ** 2.0, "__rpow__": lambda x: 2.0 ** x,
    "__matmul__": lambda x: x @ X.T, "__rmatmul__": lambda x: X.T @ x,
    "__neg__": operator.neg, "__pos__": operator.pos,
    "__getitem__": lambda x: x[1, ::2],
    "__eq__": lambda x: x == X[0], "__ne__": lambda x: x != 0.7,
    "__lt__": lambda x: x < 0.0, "__le__": lambda x: x <= 0.7,
    "__gt__": lambda x: x > 0.0, "__ge__": lambda x: x >= -0.4,
    "__bool__": lambda x: bool(x[0, 0]),
    "__contains__": lambda x: 0.7 in x,
    "__len__": len, "__iter__": lambda x: list(x)[1],
    "__floordiv__": lambda x: x // 0.5, "__rfloordiv__": lambda x: 3.0 // x,
    "__mod__": lambda x: x % 0.5, "__rmod__": lambda x: 3.0 % x,
    "__divmod__": lambda x: divmod(x, 0.5), "__rdivmod__": lambda x: divmod(3.0, x),
    # bitwise operators: numpy refuses them on floats; a traced value answers the same way
    "__and__": lambda x: x & 1, "__rand__": lambda x: 1 & x,
    "__or__": lambda x: x | 1, "__ror__": lambda x: 1 | x,
    "__xor__": lambda x: x ^ 1, "__rxor__": lambda x: 1 ^ x,
    "__lshift__": lambda x: x << 1, "__rlshift__": lambda x: 1 << x,
    "__rshift__": lambda x: x >> 1, "__rrshift__": lambda x: 1 >> x,
    "__invert__": operator.invert,
    "__copy__": copy.copy, "__deepcopy__": copy.deepcopy,
    "__format__": lambda x: format(x[0, 0], ".3f"),
    "__array_ufunc__": lambda x: np.sin(x) + np.maximum(X - 1.0, x) * np.greater(x, 0.0),
    "__array_namespace__": lambda x: x.__array_namespace__().sum(x),
    "all": lambda x: x.all(), "any": lambda x: (x > 2).any(axis=1),
    "argmax": lambda x: x.argmax(axis=0), "argmin": lambda x: x.argmin(),
    "argsort": lambda x: x.argsort(), "argpartition": lambda x: x.argpartition(1),
    "nonzero": lambda x: (x > 0).nonzero()[1], "searchsorted": lambda x: x[0].searchsorted(1.0),
    "round": lambda x: x.round(1),
    "astype": lambda x: x.astype(np.float64) + x.astype(int),
    "clip": lambda x: x.clip(-1.0, 1.0), "compress": lambda x: x.compress([True, False, True],
                                                                            axis=1),
    "conj": lambda x: x.conj(), "conjugate": lambda x: x.conjugate(),
    "real": lambda x: x.real, "imag": lambda x: x.imag,
    "copy": lambda x: x.copy(), "cumprod": lambda x: x.cumprod(axis=1),
    "cumsum": lambda x: x.cumsum(), "diagonal": lambda x: x.diagonal(1),
    "dot": lambda x: x.dot(X[0]), "flatten": lambda x: x.flatten(),
    "max": lambda x: x.max(axis=0), "min": lambda x: x.min(keepdims=True),
    "mean": lambda x: x.mean(axis=1), "prod": lambda x: x.prod(axis=0),
    "ravel": lambda x: x.ravel(), "repeat": lambda x: x.repeat(2, axis=0),
    "reshape": lambda x: x.reshape(3, 2), "squeeze": lambda x: x[None].squeeze(0),
    "std": lambda x: x.std(axis=0), "sum": lambda x: x.sum(axis=1, keepdims=True),
    "swapaxes": lambda x: x.swapaxes(0, 1), "take": lambda x: x.take(IDX, axis=1),
    "trace": lambda x: x.trace(offset=1), "transpose": lambda x: x.transpose(1, 0),
    "var": lambda x: x.var(ddof=1),
    "dtype": lambda x: x.dtype, "shape": lambda x: x.shape, "ndim": lambda x: x.ndim,
    "size": lambda x: x.size, "itemsize": lambda x: x.itemsize, "nbytes": lambda x: x.nbytes,
    "device": lambda x: x.device, "to_device": lambda x: x.to_device("cpu"),
}

# name -> what to do with x; a traced value must raise TracedValueError naming it
REFUSED = {
    "__setitem__": lambda x: x.__setitem__(0, 1.0), "__delitem__": lambda x: x.__delitem__(0),
    "__float__": lambda x: float(x[0, 0]), "__int__": lambda x: int(x[0, 0]),
    "__complex__": lambda x: complex(x[0, 0]), "__index__": lambda x: operator.index(x[0, 0]),
    "__array__": np.asarray, "item": lambda x: x.item(0), "tolist": lambda x: x.tolist(),
    **{name: (lambda op: (lambda x: op(x, 1.0)))(getattr(operator, name))
       for name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
                    "__ifloordiv__", "__imod__", "__iand__", "__ior__", "__ixor__",
                    "__ilshift__", "__irshift__")},
    "__imatmul__": lambda x: operator.__imatmul__(x, np.eye(3)),
    **{name: (lambda n: (lambda x: getattr(x, n)()))(name)
       for name in ("sort", "partition", "fill", "put", "resize", "setfield", "setflags",
                    "byteswap", "tobytes", "tofile", "dump", "dumps", "view", "getfield",
                    "choose", "__dlpack__", "__dlpack_device__")},
    **{name: (lambda n: (lambda x: getattr(x, n)))(name)
       for name in ("base", "ctypes", "data", "flags", "strides", "flat")},
}

# numpy's buffer hooks: left undefined on traced values, so numpy falls back to __array__,
# which refuses (checked below)
BUFFER_HOOKS = {"__array_interface__", "__array_struct__", "__array_function__",
                "__array_wrap__", "__array_finalize__", "__array_priority__"}

# Python's object protocol, the same for every class
OBJECT = {"__class__", "__class_getitem__", "__delattr__", "__dir__", "__doc__",
          "__getattribute__", "__getstate__", "__hash__", "__init__", "__init_subclass__",
          "__new__", "__reduce__", "__reduce_ex__", "__repr__", "__setattr__", "__setstate__",
          "__sizeof__", "__str__", "__subclasshook__"}


def test_every_ndarray_name_is_decided():
    undecided = set(dir(np.ndarray)) - set(WORKS) - set(REFUSED) - BUFFER_HOOKS - OBJECT
    assert not undecided, f"decide how traced values handle {sorted(undecided)}"


def _outcome(fn, x):
    """('value', result) or ('error', exception type)."""
    try:
        return "value", fn(x)
    except Exception as e:  # the comparison below is about which error, if any
        return "error", type(e)


def _flat_floats(v):
    if isinstance(v, tuple):
        return [a for part in v for a in _flat_floats(part)]
    a = np.asarray(primal(v))
    return [a] if a.dtype == np.float64 else []


@pytest.mark.parametrize("name", sorted(WORKS))
def test_works_on_traced_values_as_on_arrays(name):
    fn = WORKS[name]
    direction = np.random.default_rng(7).standard_normal(X.shape)
    outcome = {}
    kind, plain = _outcome(fn, X.copy())

    def traced(xp, x):
        outcome["traced"] = _outcome(fn, x)
        return outcome["traced"][1] if outcome["traced"][0] == "value" else 0.0

    _, tangent = T.jvp(traced, ad, (X.copy(),), direction)
    got_kind, got = outcome["traced"]
    assert got_kind == kind, f"numpy gives {kind} {plain!r}, traced gives {got_kind} {got!r}"
    if kind == "error":
        assert got is plain
        return
    if isinstance(plain, tuple):
        assert isinstance(got, tuple) and len(got) == len(plain)
        for g, p in zip(got, plain):
            np.testing.assert_array_equal(primal(g), p)
    elif isinstance(plain, (np.ndarray, np.generic, float, int, bool)):
        np.testing.assert_array_equal(np.asarray(primal(got)), np.asarray(plain))
        assert np.asarray(primal(got)).dtype == np.asarray(plain).dtype
    else:
        assert got == plain
    for k, (t, _) in enumerate(zip(_flat_floats(tangent), _flat_floats(plain))):
        richardson_check(lambda s, k=k: _flat_floats(fn(X + s * direction))[k], t, 1.0)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_the_way_out(name):
    seen = {}

    def traced(xp, x):
        with pytest.raises(TracedValueError) as info:
            REFUSED[name](x)
        seen["message"] = str(info.value)
        return x

    T.jvp(traced, ad, (X.copy(),), np.ones(X.shape))
    message = seen["message"]
    assert "not supported on a value being differentiated: " in message
    assert _named(name) in message, message


_INPLACE_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**",
                   "floordiv": "//", "mod": "%", "and": "&", "or": "|", "xor": "^",
                   "lshift": "<<", "rshift": ">>", "matmul": "@"}


def _named(name):
    """How a refusal names the operation ``name`` of ndarray."""
    bare = name.strip("_")
    special = {"setitem": "x[i] = v", "delitem": "del x[i]", "index": "index",
               "array": "np.asarray"}
    if bare in special:
        return special[bare]
    if name.startswith("__i") and bare[1:] in _INPLACE_SYMBOL:
        return _INPLACE_SYMBOL[bare[1:]] + "="
    return bare


def test_refused_attributes_look_absent_to_hasattr():
    def traced(xp, x):
        assert not hasattr(x, "ctypes")
        with pytest.raises(TracedAttributeError, match="ctypes"):
            x.ctypes  # noqa: B018
        return x

    T.jvp(traced, ad, (X.copy(),), np.ones(X.shape))


def test_numpy_buffer_hooks_fall_back_to_a_clear_refusal():
    def traced(xp, x):
        for hook in BUFFER_HOOKS - {"__array_priority__"}:
            assert not hasattr(x, hook)
        with pytest.raises(TracedValueError, match="np.asarray"):
            np.asarray(x)
        return x

    T.jvp(traced, ad, (X.copy(),), np.ones(X.shape))


def test_bool_of_many_elements_says_any_or_all():
    def traced(xp, x):
        with pytest.raises(ValueError, match=r"any\(\).*all\(\)"):
            bool(x > 0)
        return x

    T.jvp(traced, ad, (X.copy(),), np.ones(X.shape))


def test_comparison_inside_where_masks_elementwise():
    """Regression: ``x == 0`` on a traced value was one Python False for the whole array,
    so grad(sum(where(x == 0, 0*x, x))) at [1, 0] came out [1, 1]."""
    def f(xp, x):
        return xp.sum(xp.where(x == 0, 0.0 * x, x))

    x = np.array([1.0, 0.0])
    np.testing.assert_array_equal(T.grad(f)(ad, x), [1.0, 0.0])
    np.testing.assert_array_equal(T.jacfwd(f)(ad, x), [1.0, 0.0])


def test_methods_stay_differentiable_at_second_order():
    def f(xp, x):
        return (x.reshape(-1) ** 3.0).sum() + x.prod() + x.max(axis=1).mean() + x.var()

    h = T.hessian(f)(ad, X).reshape(X.size, X.size)
    direction = np.random.default_rng(5).standard_normal(X.shape)
    richardson_check(lambda s: T.grad(f)(ad, X + s * direction),
                     (h @ direction.reshape(-1)).reshape(X.shape), 1.0)


def test_boxes_are_boxes():
    """The mixin's methods reach traced values of every interpreter."""
    seen = []
    T.grad(lambda xp, x: seen.append(isinstance(x, Box)) or x.sum())(ad, X)
    assert seen == [True]
