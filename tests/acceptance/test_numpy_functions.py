"""Acceptance: the numpy/scipy functions users differentiate, checked as a user checks them.

Every (function, signature) case of ``numpy_cases`` runs through ``adcheck.check`` with its
default engines plus the 50-digit exact oracle: all must pass (not merely agree), because each
case is drawn where the function is smooth. A sample of them is then given a subtly wrong
``expected`` (scaled by 1 + 1e-6, transposed, one sign flipped), which must fail.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import adcheck
from adcheck.api.check import DEFAULT_ENGINES, HIGHER_ORDER_ENGINES
from adcheck.engines import get as get_engine
from adcheck.engines.kinds import ORDER

from . import numpy_cases_more, numpy_cases_numpy  # noqa: F401  (register the rest)
from .numpy_cases import CASES


def _engines(case):
    order = case.order or ORDER[case.kind]
    if order > 2:  # check()'s own choice: two AD nestings and the exact oracle
        return list(HIGHER_ORDER_ENGINES)
    return [*DEFAULT_ENGINES[order], *(["exact"] if case.exact else [])]


def _run(case, **kw):
    if case.order:
        kw["order"] = case.order
    return adcheck.check(case.f, case.args, wrt=case.wrt, kind=case.kind, **kw)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_passes_every_engine(case):
    rep = _run(case, engines=_engines(case))
    # Every engine passes, except a difference engine that abstains because its resolution at
    # this point is coarser than a pass must certify (it says so; it never fails).
    # The exact oracle passes, or was the reference itself (two AD nestings and the oracle at
    # orders above 2: too few families for a majority), which certifies nothing of itself.
    others = {n: ev for n, ev in rep.engines.items() if ev.outcome != "pass"}
    abstained = {n for n, ev in others.items() if n in ("central", "richardson")
                 and ev.outcome == "inconclusive" and re.search("cannot resolve|kink", ev.note)}
    reference = {n for n, ev in others.items() if ev.reference}
    assert rep.verdict == "pass" and set(others) == abstained | reference, rep.message
    assert reference <= {"exact"}, rep.message
    assert all(rep.engines[n].outcome == "pass" for n in ("reverse", "forward", "exact")
               if n in rep.engines and n not in reference), rep.message


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


# ---------------------------------------------------------------- code users actually write
def _branchy(xp, x):
    if x > 0:  # Python control flow on a traced scalar
        return x ** 2
    return -x ** 3


def _loop_sum(xp, x):
    total = 0.0
    for v in x:  # iterating a traced vector, rebinding (not mutating) the total
        total = total + v * v
    return total


def _newton_sqrt(xp, a):
    x = 1.0
    while abs(x * x - a) > 1e-14:  # a data-dependent loop on traced values
        x = 0.5 * (x + a / x)
    return x


def _methods(xp, x):
    return (x ** 2).sum(axis=0).max() + x.T.reshape(-1)[1] * x.mean()


_USER = {
    "if x > 0 (python float, positive)": (_branchy, (0.7,), "gradient"),
    "if x > 0 (python float, negative)": (_branchy, (-0.7,), "gradient"),
    "if x > 0 (0-d array)": (_branchy, (np.array(0.7),), "gradient"),
    "if x > 0 (hessian)": (_branchy, (0.6,), "hessian"),
    "loop over a traced vector": (_loop_sum, (np.array([0.3, -0.5, 0.7]),), "gradient"),
    "newton iteration": (_newton_sqrt, (2.0,), "gradient"),
    "array methods": (_methods, (np.array([[0.3, 0.5], [0.1, 0.2]]),), "gradient"),
    "integer array input": (lambda xp, x: xp.sum(x ** 3), (np.array([1, 2, 3]),), "gradient"),
    "python int input": (lambda xp, x: x ** 3, (2,), "gradient"),
    "python float input": (lambda xp, x: xp.sin(x) * x, (0.4,), "hessian"),
    "0-d array input": (lambda xp, x: xp.exp(x) * x, (np.array(0.4),), "hessian"),
    "float32 input": (lambda xp, x: xp.sum(xp.sin(x)), (np.float32([0.3, 0.5]),), "gradient"),
    "returns a python float part": (lambda xp, x: xp.sum(x) * 2.0 + 1.0, (np.ones(2),),
                                    "gradient"),
    "numpy ufunc on traced": (lambda xp, x: np.sum(np.sin(x) * np.exp(x)), (np.ones(3),),
                              "gradient"),
    "builtins abs/max/sum": (lambda xp, x: max(abs(x[0]), x[1]) + sum(x), (np.array(
        [-0.3, 0.5]),), "gradient"),
    "list constant broadcast": (lambda xp, x: xp.sum(x * [1, 2, 3]), (np.ones(3),), "gradient"),
    "x ** y at x = 0": (lambda xp, x: xp.sum(x ** np.array([2.0, 3.0])), (np.array([0.0, 1.0]),),
                        "gradient"),
    "where guarding sqrt at 0": (lambda xp, x: xp.sum(xp.where(x > 0, xp.sqrt(xp.abs(x)), 0.0)),
                                 (np.array([-0.3, 0.5]),), "gradient"),
}


@pytest.mark.parametrize("name", list(_USER))
def test_user_code_passes(name):
    f, args, kind = _USER[name]
    rep = adcheck.check(f, args, kind=kind)
    assert rep.verdict == "pass", rep.message


def test_a_branch_decided_exactly_at_the_point_is_not_blamed_on_finite_differences():
    # where(x == 0, 0*x, x) is x everywhere; AD follows the branch taken (slope 0 at 0) and a
    # difference sees slope 1: the point is on a branch boundary, so not a failure of either.
    rep = adcheck.check(lambda xp, x: xp.sum(xp.where(x == 0, 0 * x, x)), (np.array([1., 0.]),))
    assert rep.verdict != "fail", rep.message
    assert rep.engines["richardson"].outcome == "inconclusive", rep.message


@pytest.mark.parametrize("f, needle", [
    (lambda xp, x: float(x) * x, "float(x)"),
    (lambda xp, x: math.sin(x), "float(x)"),
    (lambda xp, x: np.dot(x, x), "np.asarray"),
    (lambda xp, x: x.item(), "item()"),
])
def test_code_that_drops_the_derivative_raises_naming_it(f, needle):
    with pytest.raises(TypeError, match=re.escape(needle)):
        adcheck.check(f, (np.array(0.4),))


def test_a_vector_output_for_a_gradient_is_not_a_pass_and_says_the_way_out():
    rep = adcheck.check(lambda xp, x: xp.sum(x, keepdims=True), (np.ones(2),))
    assert not rep.ok and "kind='jacobian'" in rep.message, rep.message


def test_an_empty_argument_has_an_empty_gradient():
    rep = adcheck.check(lambda xp, x: xp.sum(x * x), (np.zeros(0),))
    assert rep.verdict != "fail" and "error" not in {e.outcome for e in rep.engines.values()}


def test_a_wrong_derivative_of_user_code_fails():
    # the gradient of x0 * x1 claimed with one sign flipped
    rep = adcheck.check(lambda xp, x: x[0] * x[1], (np.array([0.3, 0.7]),),
                        expected=np.array([0.7, -0.3]))
    assert rep.verdict == "fail", rep.message


def test_in_place_update_of_a_traced_value_raises_with_the_out_of_place_form():
    def accumulate(xp, x):
        total = 0.0
        for v in x:
            total += v * v  # the first += rebinds a float; the second would mutate a traced value
        return total
    with pytest.raises(TypeError, match=re.escape("x = x + y")):
        adcheck.check(accumulate, (np.array([0.3, 0.5]),))


# ---------------------------------------------------------------- closed forms, right and wrong
_R = np.random.default_rng(7)
_W, _A, _B = _R.standard_normal(4), _R.standard_normal((3, 3)) + 3 * np.eye(3), \
    _R.standard_normal((3, 3))
_S = (lambda q: q @ np.diag([1.0, 2.5, 4.0]) @ q.T)(np.linalg.qr(_R.standard_normal((3, 3)))[0])
_CLOSED = {
    # name: (f, args, kind, right closed form, wrong one)
    "sin": (lambda xp, x: xp.sum(xp.sin(x) * _W), (_R.standard_normal(4),), "gradient",
            lambda xp, x: xp.cos(x) * _W, lambda xp, x: xp.cos(x) * _W * (1 + 1e-6)),
    "logabsdet": (lambda xp, a: xp.linalg.slogdet(a)[1], (_A,), "gradient",
                  lambda xp, a: xp.matrix_transpose(xp.linalg.inv(a)),
                  lambda xp, a: xp.linalg.inv(a)),
    "det": (lambda xp, a: xp.linalg.det(a), (_A,), "gradient",
            lambda xp, a: xp.linalg.det(a) * xp.matrix_transpose(xp.linalg.inv(a)),
            lambda xp, a: xp.linalg.det(a) * xp.linalg.inv(a)),
    "quadratic form": (lambda xp, x: x @ _B @ x, (_R.standard_normal(3),), "gradient",
                       lambda xp, x: (_B + _B.T) @ x, lambda xp, x: (_B - _B.T) @ x),
    "trace(AB)": (lambda xp, a: xp.trace(a @ _B), (_A,), "gradient",
                  lambda xp, a: xp.matrix_transpose(_B) + 0 * a, lambda xp, a: _B + 0 * a),
    "logsumexp": (lambda xp, x: xp.special.logsumexp(x), (_R.standard_normal(4),), "gradient",
                  lambda xp, x: xp.special.softmax(x),
                  lambda xp, x: xp.special.softmax(x) * (1 + 1e-6)),
    "erf": (lambda xp, x: xp.sum(xp.special.erf(x) * _W), (_R.standard_normal(4),), "gradient",
            lambda xp, x: 2 / math.sqrt(math.pi) * xp.exp(-x * x) * _W,
            lambda xp, x: -2 / math.sqrt(math.pi) * xp.exp(-x * x) * _W),
    "eigenvalues": (lambda xp, a: xp.sum(xp.linalg.eigvalsh(a) * _W[:3]), (_S,), "gradient",
                    lambda xp, a: (lambda v: v @ xp.diag(_W[:3]) @ xp.matrix_transpose(v))(
                        xp.linalg.eigh(a)[1]),
                    lambda xp, a: (1 + 1e-6) * (lambda v: v @ xp.diag(_W[:3])
                                                @ xp.matrix_transpose(v))(xp.linalg.eigh(a)[1])),
    "hessian of exp": (lambda xp, x: xp.sum(xp.exp(x) * _W), (_R.standard_normal(4),),
                       "hessian", lambda xp, x: xp.diag(xp.exp(x) * _W),
                       lambda xp, x: xp.diag(xp.exp(x) * _W * (1 + 1e-6))),
    "hessian of x B x": (lambda xp, x: x @ _B @ x, (_R.standard_normal(3),), "hessian",
                         lambda xp, x: _B + _B.T + 0 * xp.outer(x, x),
                         lambda xp, x: 2 * _B + 0 * xp.outer(x, x)),
}


@pytest.mark.parametrize("name", list(_CLOSED))
def test_closed_form_right_passes_wrong_fails(name):
    f, args, kind, right, wrong = _CLOSED[name]
    rep = adcheck.check(f, args, kind=kind, expected=right)
    assert rep.verdict == "pass", rep.message
    rep = adcheck.check(f, args, kind=kind, expected=wrong)
    assert rep.verdict == "fail", rep.message


# ---------------------------------------------------------------- honest inconclusives
_Q = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))[0]
_HONEST = {
    # name: (f, args, reason every non-passing engine must give)
    "eigh, eigenvalues 1e-9 apart": (
        lambda xp, a: xp.sum(xp.linalg.eigh(a)[1][:, 0] ** 2 * np.array([1.0, 2.0, 3.0])),
        (_Q @ np.diag([1.0, 1.0 + 1e-9, 3.0]) @ _Q.T,), "eigenvalue gap|kink"),
    "svd, repeated singular values": (
        lambda xp, a: xp.sum(xp.linalg.svd(a, full_matrices=False)[0] ** 2 * np.arange(9.0)
                             .reshape(3, 3)), (np.eye(3),), "eigenvalue gap|kink"),
    "sort with a tie": (lambda xp, x: xp.sum(xp.sort(x) * np.array([1.0, 2.0, 3.0])),
                        (np.array([0.3, 0.3, 1.0]),), "tied values"),
    "maximum at a tie": (lambda xp, x, y: xp.sum(xp.maximum(x, y)),
                         (np.array([0.5, 1.0]), np.array([0.5, 0.2])), "kink"),
    "abs at 0": (lambda xp, x: xp.sum(xp.abs(x)), (np.array([0.0, 1.0]),), "kink"),
    "sqrt at 0 (infinite slope)": (lambda xp, x: xp.sum(xp.sqrt(x)), (np.array([0.0, 1.0]),),
                                   "not finite"),
}


@pytest.mark.parametrize("name", list(_HONEST))
def test_inconclusive_only_with_its_reason(name):
    f, args, reason = _HONEST[name]
    rep = adcheck.check(f, args)
    assert rep.verdict != "fail", rep.message
    unsure = [ev for ev in rep.engines.values() if ev.outcome != "pass"]
    assert unsure, rep.message  # the point is honestly hard: someone must say so
    assert all(ev.outcome == "inconclusive" for ev in unsure), rep.message
    # the engines that abstain at the point name its cause; the others say no majority is left
    assert any(re.search(reason, ev.note) for ev in unsure), rep.message


def test_a_container_output_is_judged_leaf_by_leaf_and_a_wrong_leaf_fails():
    x = np.array([0.3, -0.7, 1.1])

    def f(xp, x):
        return xp.sin(x), xp.sum(x * x)
    right = (np.diag(np.cos(x)), 2 * x)
    assert adcheck.check(f, (x,), kind="jacobian", expected=right).verdict == "pass"
    wrong = (np.diag(np.cos(x)), 2 * x * (1 + 1e-6))
    rep = adcheck.check(f, (x,), kind="jacobian", expected=wrong)
    assert rep.verdict == "fail" and "output[1]" in rep.message, rep.message
