"""numpy's keywords that a primitive's derivative rules lack (out=, where=, dtype=) are named by
check() as "not supported", instead of every engine raising a bare TypeError into a FAIL."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines.core import TABLE
from adcheck.engines.errors import UnsupportedSpelling
from adcheck.engines.keywords import check_keywords, rule_keywords
from adcheck.engines.name_cases import CASES, INPUTS

X = np.array([0.3, -0.2, 0.5])


@pytest.mark.parametrize("name, f", [
    ("exp", lambda xp, x: xp.sum(xp.exp(x, out=None))),
    ("maximum", lambda xp, x: xp.sum(xp.maximum(x, 0.1, where=True))),
    ("tanh", lambda xp, x: xp.sum(xp.tanh(x, dtype=float))),
], ids=["out", "where", "dtype"])
def test_check_names_a_keyword_the_rules_lack(name, f):
    with pytest.raises(UnsupportedSpelling) as info:
        check(f, (X,))
    assert str(info.value).startswith(f"not supported: {name} in this form")


def test_the_rules_say_which_keywords_a_primitive_takes():
    assert rule_keywords(TABLE["diag"]) == {"k"}
    assert rule_keywords(TABLE["exp"]) == frozenset()
    assert rule_keywords(TABLE["sum"]) is None  # its rules pass any keyword on


def test_no_sample_call_of_any_name_is_refused():
    """The replay refuses nothing the namespace itself passes (every name's sample call)."""
    for i, case in enumerate(CASES):
        x = INPUTS[case.inputs](np.random.default_rng(1000 + i))
        check_keywords(case.f, (x,))
