"""The correct-code campaign: check() on functions that are right by construction never fails,
and is inconclusive in at most 1 % of checks, each time with a reason its engines state."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.correct_code import campaign, functions, reason, report


def _rep(reference, *notes, values=None):
    engines = {f"e{i}": SimpleNamespace(outcome="inconclusive", note=n,
                                        result=None if values is None else values[i])
               for i, n in enumerate(notes)}
    return SimpleNamespace(reference=reference, engines=engines)


def test_a_reason_is_the_first_clause_an_engine_states():
    rep = _rep("the consensus of 3 families", "this engine cannot resolve the derivative here "
               "better than 2e-06 relative (its allowance); a pass must certify 1e-06")
    assert reason(rep) == "this engine cannot resolve the derivative here better than 2e-06 " \
                          "relative"
    agree = _rep("families that agree, short of the precision a pass certifies",
                 "inconclusive: the families agree (no engine differs from reverse's value "
                 "beyond its allowance), but central cannot confirm it to the precision a pass "
                 "certifies (this engine ...)")
    assert reason(agree) == ("the families agree, but central cannot confirm it to the "
                             "precision a pass certifies")


def test_no_majority_says_whether_the_engines_agree():
    same = _rep("no majority", "no majority", "no majority", values=[np.ones(2), np.ones(2)])
    assert reason(same) == "no majority (engines agree)"
    apart = _rep("no majority", "no majority", "no majority", values=[np.ones(2), np.zeros(2)])
    assert reason(apart) == "no majority (engines disagree)"


def test_the_catalogue_is_large_enough_for_2000_checks_in_10_draws():
    n = len(functions(np.random.default_rng(0)))
    assert n * 10 * 2 * 2 >= 2000  # draws x orders x engine sets


def test_the_report_counts_false_alarms(capsys):
    results = {"counts": Counter(fail=1, inconclusive=2, **{"pass": 97}), "checks": 100,
               "why": Counter({("kink", "abs [gradient, default]"): 2}), "seconds": 1.0,
               "fails": ["f [gradient, default, draw 0]:\ncheck(...): FAIL"], "raised": [],
               "by_family": {"linear": Counter(fail=1, inconclusive=2, **{"pass": 97})}}
    assert report(results) == 1
    out = capsys.readouterr().out
    assert "fail 1, inconclusive 2 (2.00 %), pass 97" in out and "kink" in out


@pytest.mark.slow
def test_correct_code_never_fails_and_is_rarely_inconclusive_with_a_stated_reason():
    res = campaign(10, seed=0)
    assert res["checks"] >= 2000
    assert res["counts"]["fail"] == 0 and not res["raised"], res["fails"][:3] + res["raised"][:3]
    assert res["counts"]["inconclusive"] <= 0.01 * res["checks"], res["why"]
    reasons = {why for why, _ in res["why"]}
    assert not any(r.startswith(("no majority (engines agree)", "unstated")) for r in reasons), \
        reasons
