"""check() of container outputs: a verdict per leaf, the worst one shown per engine."""

from __future__ import annotations

import numpy as np

import adcheck

A = np.array([[3.0, 0.4, 0.1], [0.2, 2.5, 0.3], [0.1, 0.5, 4.0]])


def test_a_namedtuple_output_passes_leaf_by_leaf():
    rep = adcheck.check(lambda xp, a: xp.linalg.slogdet(a), (A,), kind="jacobian")
    assert rep.verdict == "pass" and "leaf by leaf" in rep.message, rep.message


def test_a_dict_output_with_one_wrong_leaf_fails_naming_the_leaf():
    x = np.array([0.2, -0.4, 0.9])

    def f(xp, x):
        return {"e": xp.exp(x), "n": xp.sum(x * x)}
    wrong = {"e": np.diag(np.exp(x)), "n": -2 * x}  # one sign
    rep = adcheck.check(f, (x,), kind="jacobian", expected=wrong)
    assert rep.verdict == "fail" and "output['n']" in rep.message, rep.message
    assert rep.engines["reverse"].outcome == "fail"


def test_a_closed_form_container_is_split_the_same_way():
    x = np.array([0.2, -0.4, 0.9])
    rep = adcheck.check(lambda xp, x: (xp.sin(x), xp.cos(x)), (x,), kind="jacobian",
                        expected=lambda xp, x: (xp.diag(xp.cos(x)), -xp.diag(xp.sin(x))))
    assert rep.verdict == "pass", rep.message
