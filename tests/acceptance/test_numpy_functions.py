"""Acceptance: the numpy/scipy functions users differentiate, checked as a user checks them.

Every (function, signature) case of ``numpy_cases`` runs through ``adcheck.check`` with its
default engines plus the 50-digit exact oracle: all must pass (not merely agree), because each
case is drawn where the function is smooth. A sample of them is then given a subtly wrong
``expected`` (scaled by 1 + 1e-6, transposed, one sign flipped), which must fail.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcheck
from adcheck.check import DEFAULT_ENGINES
from engines import get as get_engine

from . import numpy_cases_more, numpy_cases_numpy  # noqa: F401  (register the rest)
from .numpy_cases import CASES

ORDER = {"gradient": 1, "hessian": 2}


def _engines(case):
    return [*DEFAULT_ENGINES[ORDER[case.kind]], *(["exact"] if case.exact else [])]


def _run(case, **kw):
    return adcheck.check(case.f, case.args, wrt=case.wrt, kind=case.kind, **kw)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_passes_every_engine(case):
    rep = _run(case, engines=_engines(case))
    outcomes = {n: ev.outcome for n, ev in rep.engines.items()}
    assert rep.verdict == "pass" and set(outcomes.values()) == {"pass"}, rep.message


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ---------------------------------------------------------------- wrong closed forms fail
_SAMPLE = [c for c in CASES if c.kind == "gradient" and c.exact][::9]


def _truth(case):
    """The 50-digit oracle's gradient, rounded to float64."""
    r = get_engine("exact").derivative(case.kind, case.f, case.args, case.wrt)
    return np.asarray(r.value, dtype=float)


def _wrong(value, how):
    if how == "scaled":
        return value * (1 + 1e-6)
    if how == "sign":
        out = value.copy().ravel()
        k = int(np.argmax(np.abs(out)))
        out[k] = -out[k]
        return out.reshape(value.shape)
    return value.T


@pytest.mark.parametrize("case", _SAMPLE, ids=[c.id for c in _SAMPLE])
def test_correct_expected_passes_and_wrong_ones_fail(case):
    truth = _truth(case)
    rep = _run(case, expected=truth)
    assert rep.verdict == "pass", rep.message
    hows = ["scaled", "sign"]
    if truth.ndim == 2 and not np.array_equal(truth, truth.T):
        hows.append("transposed")  # a non-square one has the wrong shape: a fail too
    for how in hows:
        rep = _run(case, expected=_wrong(truth, how))
        assert rep.verdict == "fail", f"{how}: {rep.message}"


def test_the_sample_is_large_enough():
    assert len(_SAMPLE) >= 30
