"""A numpy spelling adcheck lacks says "not supported: <name>", from every namespace, and check()
raises it instead of reporting the user's code as failing."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines.errors import UnknownName, UnsupportedOperation, UnsupportedSpelling
from adcheck.engines.exact import exact_ns
from adcheck.engines.namespace import ad, numpy_ns
from adcheck.engines.symbolic import sym_ns

X = np.array([0.3, -1.2, 0.7])

LACKING = {  # calls numpy accepts (or nearly) that adcheck's names do not take
    "clip": lambda xp, x: xp.sum(xp.clip(x, -0.5, 0.5, out=x)),
    "sum": lambda xp, x: xp.sum(x, where=x > 0),
    "linalg.cond": lambda xp, x: xp.linalg.cond(xp.diag(x), 2, 3),
    "r_['r', ...]": lambda xp, x: xp.sum(xp.r_["r", x, x]),
}


@pytest.mark.parametrize("name", sorted(LACKING))
def test_check_raises_not_supported_naming_the_spelling(name):
    with pytest.raises(UnsupportedSpelling) as info:
        check(LACKING[name], (X,))
    assert str(info.value).startswith(f"not supported: {name}")


@pytest.mark.parametrize("ns", [ad, numpy_ns, exact_ns, sym_ns], ids=lambda n: n.engine)
def test_every_namespace_reports_the_spelling_with_the_signature_it_has(ns):
    with pytest.raises(UnsupportedSpelling) as info:
        ns.cross(ns.asarray(X), ns.asarray(X), axisd=0)
    text = str(info.value)
    assert "not supported: cross" in text and "axisd" in text
    assert "cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None)" in text
    assert isinstance(info.value, UnsupportedOperation)  # an engine that meets it abstains


def test_a_call_that_binds_keeps_its_own_type_error():
    with pytest.raises(TypeError) as info:
        numpy_ns.reshape(X, "three")
    assert not isinstance(info.value, UnsupportedSpelling)


def test_unknown_names_say_not_supported_too_and_the_error_pickles():
    with pytest.raises(UnknownName) as info:
        check(lambda xp, x: xp.sum(xp.histogram(x)), (X,))
    assert str(info.value).startswith("not supported: histogram")
    again = pickle.loads(pickle.dumps(UnsupportedSpelling("clip", "ad", "why", "(x)")))
    assert str(again) == str(UnsupportedSpelling("clip", "ad", "why", "(x)"))
